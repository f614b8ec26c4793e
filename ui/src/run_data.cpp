#include "lossstudio/ui/run_data.h"

#include <unordered_map>

namespace lossstudio::ui {
namespace {

QVector<double> toDoubles(const std::vector<float>& values) {
    QVector<double> out;
    out.reserve(static_cast<qsizetype>(values.size()));
    for (float v : values) {
        out.push_back(static_cast<double>(v));
    }
    return out;
}

}  // namespace

RunData::RunData(QObject* parent) : QObject(parent) {}

RunData::~RunData() = default;

void RunData::reset(const core::RunConfig& config) {
    m_config = config;
    m_started.reset();
    m_lastStep.reset();
    m_finished.reset();
    m_phase = core::Phase::Setup;
    m_series.clear();
    m_snapshots.clear();
    m_phaseMarks.clear();
    m_warnings.clear();
    Q_EMIT cleared();
}

void RunData::append(const EventBatch& batch) {
    RunDataChange change;
    if (batch.started) {
        m_started = batch.started;
        m_config = batch.started->config;
        change.status = true;
    }
    for (const auto& p : batch.phases) {
        addPhaseChange(p, change);
    }
    addSamples(batch.samples, change);
    for (const auto& s : batch.snapshots) {
        addSnapshot(s, change);
    }
    for (const auto& w : batch.warnings) {
        addWarning(w, change);
    }
    if (batch.lastStep) {
        m_lastStep = batch.lastStep;
        change.status = true;
    }
    if (batch.finished) {
        m_finished = batch.finished;
        change.status = true;
    }
    Q_EMIT changed(change);
}

void RunData::appendSamples(const std::vector<core::MetricSample>& samples) {
    RunDataChange change;
    addSamples(samples, change);
    Q_EMIT changed(change);
}

void RunData::appendSnapshots(const std::vector<core::LossSnapshot>& snapshots) {
    RunDataChange change;
    for (const auto& s : snapshots) {
        addSnapshot(s, change);
    }
    Q_EMIT changed(change);
}

void RunData::appendPhaseChanges(const std::vector<core::PhaseChanged>& phases) {
    RunDataChange change;
    for (const auto& p : phases) {
        addPhaseChange(p, change);
    }
    Q_EMIT changed(change);
}

void RunData::appendWarnings(const std::vector<core::Warning>& warnings) {
    RunDataChange change;
    for (const auto& w : warnings) {
        addWarning(w, change);
    }
    Q_EMIT changed(change);
}

int RunData::snapshotAtOrBefore(core::Phase phase, qint64 step) const {
    int first = -1;
    int best = -1;
    for (int i = 0; i < static_cast<int>(m_snapshots.size()); ++i) {
        const LossCurve& curve = m_snapshots[i];
        if (curve.phase != phase) {
            continue;
        }
        if (first < 0) {
            first = i;
        }
        if (curve.step <= step && (best < 0 || curve.step >= m_snapshots[best].step)) {
            best = i;
        }
    }
    return best >= 0 ? best : first;
}

void RunData::appendSeries(const std::map<QString, SeriesData>& series) {
    RunDataChange change;
    for (const auto& [key, points] : series) {
        if (points.steps.isEmpty()) {
            continue;
        }
        SeriesData& target = m_series[key];
        if (target.steps.isEmpty()) {
            target = points;  // implicitly shared: no copy
        } else {
            target.steps += points.steps;
            target.values += points.values;
        }
        change.keys.insert(key);
    }
    Q_EMIT changed(change);
}

int RunData::classes() const {
    return m_started ? m_started->classes : 0;
}

const SeriesData& RunData::series(const QString& key) const {
    static const SeriesData kEmpty;
    const auto it = m_series.find(key);
    return it == m_series.end() ? kEmpty : it->second;
}

QStringList RunData::keys() const {
    QStringList out;
    for (const auto& [key, series] : m_series) {
        if (!series.steps.isEmpty()) {
            out.push_back(key);
        }
    }
    return out;
}

std::optional<double> RunData::latest(const QString& key) const {
    const auto it = m_series.find(key);
    if (it == m_series.end() || it->second.values.isEmpty()) {
        return std::nullopt;
    }
    return it->second.values.back();
}

void RunData::addSamples(const std::vector<core::MetricSample>& samples, RunDataChange& change) {
    // A batch holds a handful of keys many times over: convert each key to a QString once.
    std::unordered_map<std::string, SeriesData*> targets;
    for (const auto& sample : samples) {
        SeriesData*& target = targets[sample.key];
        if (target == nullptr) {
            const QString key = QString::fromStdString(sample.key);
            target = &m_series[key];
            change.keys.insert(key);
        }
        target->steps.push_back(static_cast<double>(sample.step));
        target->values.push_back(sample.value);
    }
}

void RunData::addPhaseChange(const core::PhaseChanged& p, RunDataChange& change) {
    m_phase = p.phase;
    m_phaseMarks.push_back({p.phase, p.step, QString::fromLatin1(core::phaseName(p.phase)),
                            QString::fromStdString(p.description)});
    change.marks = true;
    change.status = true;
}

void RunData::addWarning(const core::Warning& w, RunDataChange& change) {
    m_warnings.push_back(
        {w.phase, w.step, QString::fromStdString(w.code), QString::fromStdString(w.message)});
    change.marks = true;
}

void RunData::addSnapshot(const core::LossSnapshot& snapshot, RunDataChange& change) {
    LossCurve curve;
    curve.phase = snapshot.phase;
    curve.step = snapshot.step;
    curve.p = toDoubles(snapshot.p);
    curve.lossY1 = toDoubles(snapshot.lossY1);
    curve.lossY0 = toDoubles(snapshot.lossY0);
    curve.slopeY1 = toDoubles(snapshot.slopeY1);
    curve.slopeY0 = toDoubles(snapshot.slopeY0);
    curve.effective = toDoubles(snapshot.effective);
    curve.effectiveSlope = toDoubles(snapshot.effectiveSlope);
    curve.effectiveArgmin = static_cast<double>(snapshot.effectiveArgmin());
    curve.classes = snapshot.classes;
    if (change.firstNewSnapshot < 0) {
        change.firstNewSnapshot = static_cast<int>(m_snapshots.size());
    }
    m_snapshots.push_back(std::move(curve));
}

}  // namespace lossstudio::ui
