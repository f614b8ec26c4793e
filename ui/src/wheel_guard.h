#pragma once

// Keeps the mouse wheel from changing an editor the user did not pick: scrolling a form over a
// combo box or a spin box must scroll the form, not change the model from MLP to WRN-16-8.
// Private to ui.

#include <QObject>

class QWidget;

namespace lossstudio::ui {

/// An event filter for value editors (QComboBox, QSpinBox, QDoubleSpinBox, QSlider): a wheel
/// event over an editor without keyboard focus never reaches the editor; it goes to the nearest
/// scroll area around it, which scrolls. With focus (clicked or tabbed to) the wheel changes the
/// value as usual.
class WheelGuard final : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;
    /// Guards `editor`: wheel focus off (Qt::StrongFocus) and this filter installed.
    void guard(QWidget* editor);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
};

}  // namespace lossstudio::ui
