#include "wheel_guard.h"

#include <QAbstractScrollArea>
#include <QCoreApplication>
#include <QWheelEvent>
#include <QWidget>

namespace lossstudio::ui {

void WheelGuard::guard(QWidget* editor) {
    editor->setFocusPolicy(Qt::StrongFocus);  // the wheel does not give focus
    editor->installEventFilter(this);
}

bool WheelGuard::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::Wheel) {
        return QObject::eventFilter(watched, event);
    }
    auto* widget = qobject_cast<QWidget*>(watched);
    if (widget == nullptr || widget->hasFocus()) {
        return false;  // a picked editor takes the wheel as usual
    }
    // Handed to the scroll area around the editor, explicitly: Qt propagates only spontaneous
    // wheel events to parents, and this way the right area scrolls whoever sent the event.
    QWidget* parent = widget->parentWidget();
    while (parent != nullptr && qobject_cast<QAbstractScrollArea*>(parent) == nullptr) {
        parent = parent->parentWidget();
    }
    if (auto* area = qobject_cast<QAbstractScrollArea*>(parent)) {
        const auto* wheel = static_cast<QWheelEvent*>(event);
        QWidget* viewport = area->viewport();
        QWheelEvent forwarded(viewport->mapFromGlobal(wheel->globalPosition()),
                              wheel->globalPosition(), wheel->pixelDelta(), wheel->angleDelta(),
                              wheel->buttons(), wheel->modifiers(), wheel->phase(),
                              wheel->inverted(), wheel->source());
        QCoreApplication::sendEvent(viewport, &forwarded);
    }
    event->accept();  // handled: not the editor's, and not propagated a second time
    return true;
}

}  // namespace lossstudio::ui
