#pragma once

#include <QTimer>
#include <QWidget>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/run_data.h>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;
class QCPGraph;

namespace lossstudio::ui {

class PlotView;

/// The learned loss l(1, p) and l(0, p) over p in [0, 1] at one snapshot, with cross-entropy
/// (-log p) drawn faint for reference, a time slider and a play button over every snapshot of
/// the run (Phase A's too). Follows the newest snapshot while the slider is at its end; moving
/// the slider back pins the view. A mode shows instead the effective loss of one sample,
/// (1/C)[l(1, p) + (C-1) l(0, (1-p)/(C-1))], which is what the model feels.
///
/// Thread affinity: GUI thread. The RunData is not owned and must outlive the view.
class LossCurveView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LossCurveView)

public:
    enum class Mode { Curves, Effective };

    explicit LossCurveView(const RunData* data, QWidget* parent = nullptr);
    ~LossCurveView() override;

    PlotView* plot() const { return m_plot; }
    QCPGraph* lossY1Graph() const { return m_y1; }
    QCPGraph* lossY0Graph() const { return m_y0; }
    QCPGraph* referenceGraph() const { return m_reference; }

    /// Index into RunData::snapshots() shown now, -1 when there is none.
    int currentIndex() const { return m_index; }
    /// Shows snapshot `index` (and pins the view unless it is the newest).
    void setCurrentIndex(int index);
    /// True while the view shows the newest snapshot as it arrives.
    bool isFollowing() const { return m_following; }
    void setMode(Mode mode);
    /// Steps through every snapshot from the first (or the current one) to the newest.
    void play();
    void stopPlaying();
    bool isPlaying() const { return m_playTimer.isActive(); }

    /// Connected to RunData::changed / cleared.
    void onDataChanged(const RunDataChange& change);
    void onCleared();

Q_SIGNALS:
    /// The shown snapshot changed (the heat map marks its step).
    void snapshotShown(lossstudio::core::Phase phase, qint64 step);

private:
    void showSnapshot(int index);
    void updateReference();
    void fitY();

    const RunData* m_data;
    PlotView* m_plot = nullptr;
    QCPGraph* m_reference = nullptr;
    QCPGraph* m_y1 = nullptr;
    QCPGraph* m_y0 = nullptr;
    QSlider* m_slider = nullptr;
    QToolButton* m_play = nullptr;
    QLabel* m_label = nullptr;
    QComboBox* m_mode = nullptr;
    QTimer m_playTimer;
    int m_index = -1;
    bool m_following = true;
    bool m_settingSlider = false;
};

}  // namespace lossstudio::ui
