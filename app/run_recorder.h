#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <lossstudio/core/events.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/storage/run_writer.h>

namespace lossstudio::app {

/// Records one engine run into a run store: the engine's events become storage rows.
///
///   RunStarted      creates the run (or, with Options::resumeUuid, reopens it and drops its rows
///                   after the checkpoint being resumed) plus a "started" / "resumed" event
///   StepMetrics,    metric points, keyed by core::appendSamples() exactly as the live plots are
///   EvalMetrics     (an evaluation's points take the wall time of the step before it)
///   LossSnapshot    a "loss/<phase>" snapshot (core::packSnapshotCurves) and, when the loss has
///                   parameters, a "phi/<phase>" snapshot of them
///   PhaseChanged,   events ("phase": the phase left, code = the phase entered; "warning": code =
///   Warning         the warning's code)
///   CheckpointSaved a checkpoint row (with everything buffered before it)
///   Finished        flush and the final status and message; a run that failed before it started
///                   is not recorded (bad input leaves the store as it was) unless
///                   Options::keepFailedAttempts and Options::config are set
///
/// Thread affinity: the Observer methods run on the engine thread, which must also be the thread
/// that destroys the recorder (EngineController's observer factory does both); the store's
/// connection is opened on RunStarted and closed on Finished. runUuid(), runId(), lastError()
/// and errorCount() are thread-safe. Storage failures never reach the engine: they are logged
/// ("app" logger), counted, and the first one is passed to Options::onError.
class RunRecorder final : public core::Observer {
public:
    struct Options {
        /// The store file: app::storePath(--db value).
        QString storePath;
        /// Continue this stored run (Trainer::run was given its newest checkpoint) instead of
        /// creating a new one.
        QString resumeUuid;
        /// The run's config, to record a run that fails before RunStarted (e.g. missing data).
        std::optional<core::RunConfig> config;
        QStringList tags;  ///< of a new run
        QString notes;     ///< of a new run
        storage::WriterOptions writer;
        /// The first storage failure of the run, on the engine thread (forward it queued).
        std::function<void(const QString&)> onError;
        /// Record a run that fails before it starts (bad config, missing data) as a failed run;
        /// by default such an attempt leaves the store as it was (lossstudio-cli run
        /// --keep-failed sets it).
        bool keepFailedAttempts = false;
    };

    explicit RunRecorder(Options options);
    ~RunRecorder() override;
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    void onRunStarted(const core::RunStarted& e) override;
    void onPhaseChanged(const core::PhaseChanged& e) override;
    void onStepMetrics(const core::StepMetrics& e) override;
    void onEvalMetrics(const core::EvalMetrics& e) override;
    void onLossSnapshot(const core::LossSnapshot& e) override;
    void onWarning(const core::Warning& e) override;
    void onCheckpoint(const core::CheckpointSaved& e) override;
    void onFinished(const core::Finished& e) override;

    /// Opens the store now instead of at the run's first event. Call it on the thread the engine
    /// will run on (the headless CLI's own) so that a store that cannot be written is known
    /// before any training; false, with lastError(), when the run would go unrecorded.
    bool openStore();

    /// The run being (or last) recorded; empty before RunStarted or when the store failed.
    QString runUuid() const;
    qint64 runId() const;
    /// The first storage failure (empty if none) and how many there were.
    QString lastError() const;
    int errorCount() const;

    /// The rows a run resumed at (phase, step) must drop so that its series continue without
    /// duplicates: rows of that phase after `step`, and every row of the phases after it.
    static QVector<storage::RowScope> resumeScopes(core::Phase phase, std::int64_t step);

private:
    storage::NewRun newRun(const core::RunStarted& started) const;
    void addEvent(std::int64_t step, core::Phase phase, const QString& kind, const QString& code,
                  const QString& message, const QJsonObject& fields = {});
    void appendSamples(const std::vector<core::MetricSample>& samples);
    const QString& keyString(const std::string& key);
    void check(const storage::Status& status, const char* what);
    void fail(const QString& message);
    template <class Fn>
    void guarded(const char* what, Fn fn);
    void closeWriter();

    Options m_options;
    std::unique_ptr<storage::RunWriter> m_writer;
    bool m_started = false;
    bool m_disabled = false;  // the store could not be opened: the run goes unrecorded
    core::Phase m_phase = core::Phase::Setup;
    double m_lastWallTime = 0;
    QElapsedTimer m_clock;
    std::vector<storage::EventRecord> m_early;  // events before RunStarted
    std::unordered_map<std::string, QString> m_keys;
    std::vector<core::MetricSample> m_samples;

    mutable QMutex m_mutex;  // guards the fields below (read from other threads)
    QString m_uuid;
    qint64 m_id = 0;
    QString m_firstError;
    int m_errors = 0;
};

/// What resuming a stored run needs: its config, its newest checkpoint and its UUID (for
/// RunRecorder::Options::resumeUuid).
struct ResumePlan {
    core::RunConfig config;
    std::string checkpoint;
    QString uuid;
    std::int64_t step = 0;
    QString phase;
};

/// Reads a ResumePlan from the store at `storePath` for the run named by `runReference` (id, UUID
/// or UUID prefix). Runs on the calling thread with its own connection; the Error says what is
/// missing (no such run, no checkpoint, a config this build cannot read).
core::Result<ResumePlan> loadResumePlan(const QString& storePath, const QString& runReference);

}  // namespace lossstudio::app
