#pragma once

// qcustomplot.h 2.1.0 uses Qt's `signals`, `slots`, `emit` and `foreach` keywords, which the ui
// target disables (QT_NO_KEYWORDS). Include QCustomPlot only through this header.
#ifdef QT_NO_KEYWORDS
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
#else
#include <qcustomplot.h>
#endif
