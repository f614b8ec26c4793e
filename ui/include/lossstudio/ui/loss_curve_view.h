#pragma once

#include <QTimer>
#include <QWidget>

#include <lossstudio/core/events.h>
#include <lossstudio/ui/run_data.h>

class QComboBox;
class QLabel;
class QSlider;
class QSplitter;
class QToolButton;
class QCPGraph;
class QCPItemLine;

namespace lossstudio::ui {

class PlotView;

/// The learned loss at one snapshot, in two plots side by side driven by one time slider and
/// play button over every snapshot of the run (Phase A's too):
/// - the raw curves l(1, p) and l(0, p) over p in [0, 1], with cross-entropy -log p faint for
///   reference: their scale;
/// - the effective loss of one sample whose target class has probability p and the rest is
///   spread evenly, e(p) = r [l(1, p) + (C-1) l(0, (1-p)/(C-1))] (r = 1/C for the mean over
///   classes, 1 for the sum): the shape the model feels, since only differences of l drive
///   training. Drawn by default as e(p) - min e, so the shape stays readable when the raw losses
///   are in the hundreds (the y axis says by how much it is shifted), against cross-entropy's own
///   effective loss -r log p; its minimum is marked and labelled ("min at p = 0.83 -> label
///   smoothing" when below 1), read as what the loss learned only once it has been learned:
///   "untrained loss: min at p = ..." for a loss nothing has trained yet (Phase A's step 0, an
///   online phase's step 0 without Phase A), "(still learning)" inside Phase A or the search.
/// Follows the newest snapshot while the slider is at its end; moving the slider back pins it.
///
/// Thread affinity: GUI thread. The RunData is not owned and must outlive the view.
class LossCurveView final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LossCurveView)

public:
    /// Curves: the raw curves beside the effective loss (the default). Effective: the effective
    /// loss alone (for narrow places).
    enum class Mode { Curves, Effective };
    /// How the effective plot draws e: shifted so its minimum is 0 (the default; the shape at
    /// any scale), or as it is.
    enum class EffectiveScale { FromMinimum, Value };

    explicit LossCurveView(const RunData* data, QWidget* parent = nullptr);
    ~LossCurveView() override;

    /// The raw curves' plot.
    PlotView* plot() const { return m_plot; }
    /// l(1, p), l(0, p) and -log p of the shown snapshot.
    QCPGraph* lossY1Graph() const { return m_y1; }
    QCPGraph* lossY0Graph() const { return m_y0; }
    QCPGraph* referenceGraph() const { return m_reference; }

    /// The effective loss's plot.
    PlotView* effectivePlot() const { return m_effPlot; }
    /// e(p) of the shown snapshot (minus its minimum in FromMinimum), cross-entropy's -r log p,
    /// and the minimum as one marked point (p = the snapshot's effectiveArgmin).
    QCPGraph* effectiveGraph() const { return m_effective; }
    QCPGraph* effectiveReferenceGraph() const { return m_effReference; }
    QCPGraph* argminGraph() const { return m_argmin; }
    /// The minimum's label (its legend entry), e.g. "min at p = 0.83 → label smoothing",
    /// "untrained loss: min at p = 0.23", "min at p = 0.40 (still learning)", or
    /// "flat: no minimum (collapsed?)" for a flat e (no marker then); empty without a snapshot.
    QString argminText() const;
    /// Both plots.
    QList<PlotView*> plots() const;

    /// Index into RunData::snapshots() shown now, -1 when there is none.
    int currentIndex() const { return m_index; }
    /// Shows snapshot `index` (and pins the view unless it is the newest).
    void setCurrentIndex(int index);
    /// Shows the snapshot of `phase` at or before `step` (RunData::snapshotAtOrBefore), e.g. the
    /// step of a warning. Returns false (showing nothing new) when the phase has no snapshot.
    bool showStep(core::Phase phase, qint64 step);
    /// True while the view shows the newest snapshot as it arrives.
    bool isFollowing() const { return m_following; }
    /// Whether the run shown is live (default): the newest snapshot is labelled "(live)", or,
    /// for a stored run (Replay), "(last)".
    void setLive(bool live);
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void setEffectiveScale(EffectiveScale scale);
    EffectiveScale effectiveScale() const { return m_scale; }
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
    void showEffective(const LossCurve& curve);
    void clearEffective();
    /// r in e = r [l(1, p) + (C-1) l(0, ...)]: 1/C for the mean over classes, 1 for the sum.
    double reductionFactor(int classes) const;
    int classesOf(const LossCurve* curve) const;
    void updateReferences(const LossCurve* curve);
    void fitY();
    void fitEffectiveY();

    const RunData* m_data;
    QSplitter* m_plots = nullptr;
    PlotView* m_plot = nullptr;
    QCPGraph* m_reference = nullptr;
    QCPGraph* m_y1 = nullptr;
    QCPGraph* m_y0 = nullptr;
    PlotView* m_effPlot = nullptr;
    QCPGraph* m_effReference = nullptr;
    QCPGraph* m_effective = nullptr;
    QCPGraph* m_argmin = nullptr;
    QCPItemLine* m_argminLine = nullptr;
    QString m_argminText;
    double m_referenceFactor = 0;  ///< r of the effective reference drawn now
    QSlider* m_slider = nullptr;
    QToolButton* m_play = nullptr;
    QLabel* m_label = nullptr;
    QComboBox* m_scaleBox = nullptr;
    QTimer m_playTimer;
    int m_index = -1;
    Mode m_mode = Mode::Curves;
    EffectiveScale m_scale = EffectiveScale::FromMinimum;
    bool m_following = true;
    bool m_live = true;
    bool m_settingSlider = false;
};

}  // namespace lossstudio::ui
