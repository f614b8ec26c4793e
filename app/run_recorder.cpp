#include "run_recorder.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QSysInfo>
#include <QVector>
#include <QtGlobal>
#include <exception>
#include <utility>

#include <lossstudio/core/logging.h>
#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/version.h>
#include <lossstudio/storage/run_reader.h>

namespace lossstudio::app {
namespace {

QString text(const std::string& s) {
    return QString::fromStdString(s);
}
QString phaseText(core::Phase phase) {
    return QString::fromLatin1(core::phaseName(phase));
}

QVector<float> toQt(const std::vector<float>& v) {
    return QVector<float>(v.begin(), v.end());
}

storage::RunStatus toStorage(core::RunStatus status) {
    switch (status) {
        case core::RunStatus::Finished:
            return storage::RunStatus::Finished;
        case core::RunStatus::Stopped:
            return storage::RunStatus::Stopped;
        case core::RunStatus::Diverged:
            return storage::RunStatus::Diverged;
        case core::RunStatus::Running:  // never the end of a run
        case core::RunStatus::Failed:
            break;
    }
    return storage::RunStatus::Failed;
}

}  // namespace

// Runs an observer method's body so that nothing it throws reaches the engine.
template <class Fn>
void RunRecorder::guarded(const char* what, Fn fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        fail(QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromUtf8(e.what())));
    } catch (...) {
        fail(QStringLiteral("%1: unknown error").arg(QLatin1String(what)));
    }
}

RunRecorder::RunRecorder(Options options) : m_options(std::move(options)) {}

RunRecorder::~RunRecorder() {
    if (m_writer && m_writer->currentRun().id != 0) {
        // The engine always ends with Finished; if it did not, do not leave the run "running"
        // under a live process (the GUI) for the rest of the session.
        check(m_writer->finishRun(storage::RunStatus::Interrupted,
                                  QStringLiteral("interrupted: the recorder closed before the "
                                                 "run finished")),
              "closing the run");
    }
    closeWriter();
}

QVector<storage::RowScope> RunRecorder::resumeScopes(core::Phase phase, std::int64_t step) {
    using core::Phase;
    auto scopeOf = [](Phase p, qint64 afterStep) {
        storage::RowScope s;
        s.afterStep = afterStep;
        s.phase = phaseText(p);
        s.snapshotKindGlob = QStringLiteral("*/") + phaseText(p);
        const QString init = QString::fromLatin1(core::keys::kInitPrefix) + QLatin1Char('*');
        const QString search = QStringLiteral("search/*");
        switch (p) {
            case Phase::OfflineInit:
                s.metricKeyGlobs = {init};
                break;
            case Phase::Search:
                s.metricKeyGlobs = {search};
                break;
            case Phase::Online:
            case Phase::Training:
                // The training phase's keys are everything but the other phases' prefixes.
                s.metricKeyGlobs = {init, search};
                s.metricKeyGlobsNegated = true;
                break;
            case Phase::Setup:
                break;  // no metrics
        }
        return s;
    };
    // Setup -> OfflineInit (ML3, AdaLFL) | Search (TaylorGLO) -> Online | Training.
    QVector<Phase> later;
    switch (phase) {
        case Phase::Setup:
            later = {Phase::OfflineInit, Phase::Search, Phase::Online, Phase::Training};
            break;
        case Phase::OfflineInit:
            later = {Phase::Online, Phase::Training};
            break;
        case Phase::Search:
            later = {Phase::Training};
            break;
        case Phase::Online:
        case Phase::Training:
            break;
    }
    QVector<storage::RowScope> scopes{scopeOf(phase, step)};
    for (Phase p : later) {
        scopes << scopeOf(p, storage::RowScope::kAll);
    }
    return scopes;
}

bool RunRecorder::openStore() {
    if (m_writer) {
        return true;
    }
    if (m_disabled) {
        return false;
    }
    auto writer = storage::RunWriter::open(m_options.storePath, m_options.writer);
    if (!writer) {
        m_disabled = true;
        fail(QStringLiteral("this run is not recorded: %1").arg(writer.error()));
        return false;
    }
    m_writer = std::move(writer).value();
    return true;
}

void RunRecorder::closeWriter() {
    m_writer.reset();
}

storage::NewRun RunRecorder::newRun(const core::RunStarted& started) const {
    const core::RunConfig& config = started.config;
    storage::NewRun run;
    run.name = text(config.name.empty() ? core::defaultRunName(config) : config.name);
    run.configJson = text(core::toJson(config, 2));
    run.configHash = text(core::configHash(config));
    run.seed = config.seed;
    run.method = text(config.method);
    run.model = text(config.model.name);
    run.dataset = text(config.data.name);
    run.appVersion = text(core::appVersion());
    run.qtVersion = QString::fromLatin1(qVersion());
    run.torchVersion = text(started.torchVersion);
    run.host = QSysInfo::machineHostName();
    run.tags = m_options.tags;
    run.notes = m_options.notes;
    return run;
}

void RunRecorder::fail(const QString& message) {
    int count = 0;
    bool first = false;
    {
        QMutexLocker lock(&m_mutex);
        count = ++m_errors;
        first = m_firstError.isEmpty();
        if (first) {
            m_firstError = message;
        }
    }
    // A full disk fails every flush: log the first failures, then one in a thousand.
    if (count <= 10 || count % 1000 == 0) {
        core::logger("app")->error("run store {}: {}{}", m_options.storePath.toStdString(),
                                   message.toStdString(),
                                   count > 1 ? " (failure " + std::to_string(count) + ")" : "");
    }
    if (first && m_options.onError) {
        try {
            m_options.onError(message);
        } catch (...) {
            core::logger("app")->error("the run recorder's error handler threw");
        }
    }
}

void RunRecorder::check(const storage::Status& status, const char* what) {
    if (!status) {
        fail(QStringLiteral("%1: %2").arg(QLatin1String(what), status.error()));
    }
}

const QString& RunRecorder::keyString(const std::string& key) {
    auto it = m_keys.find(key);
    if (it == m_keys.end()) {
        it = m_keys.emplace(key, text(key)).first;
    }
    return it->second;
}

void RunRecorder::addEvent(std::int64_t step, core::Phase phase, const QString& kind,
                           const QString& code, const QString& message, const QJsonObject& fields) {
    storage::EventRecord event{step,    phaseText(phase),
                               kind,    code,
                               message, m_clock.isValid() ? m_clock.elapsed() / 1000.0 : 0.0,
                               fields};
    if (!m_started) {
        m_early.push_back(std::move(event));
        return;
    }
    if (m_writer) {
        check(m_writer->addEvent(event), "writing an event");
    }
}

void RunRecorder::appendSamples(const std::vector<core::MetricSample>& samples) {
    if (!m_writer) {
        return;
    }
    for (const core::MetricSample& s : samples) {
        check(m_writer->appendMetric(keyString(s.key), s.step, s.wallTime, s.value),
              "writing metrics");
    }
}

void RunRecorder::onRunStarted(const core::RunStarted& e) {
    guarded("recording the run's start", [&] {
        m_started = true;
        m_phase = e.startPhase;
        m_clock.start();
        if (!openStore()) {
            return;
        }
        bool resumed = false;
        storage::RunHandle handle;
        if (!m_options.resumeUuid.isEmpty()) {
            auto r =
                m_writer->resumeRun(m_options.resumeUuid, resumeScopes(e.startPhase, e.startStep));
            if (r) {
                handle = r.value();
                resumed = true;
            } else {
                // Keep the new steps rather than lose them: record them as a new run.
                fail(QStringLiteral("cannot continue run %1 (%2); recording a new run instead")
                         .arg(m_options.resumeUuid, r.error()));
            }
        }
        if (!resumed) {
            auto created = m_writer->createRun(newRun(e));
            if (!created) {
                fail(QStringLiteral("this run is not recorded: %1").arg(created.error()));
                closeWriter();
                m_disabled = true;
                return;
            }
            handle = created.value();
        }
        {
            QMutexLocker lock(&m_mutex);
            m_uuid = handle.uuid;
            m_id = handle.id;
        }
        for (const storage::EventRecord& early : m_early) {
            check(m_writer->addEvent(early), "writing an event");
        }
        m_early.clear();
        QString shape;
        QJsonArray shapeValues;
        for (std::int64_t d : e.inputShape) {
            shape += (shape.isEmpty() ? QString() : QStringLiteral("x")) + QString::number(d);
            shapeValues.append(static_cast<qint64>(d));
        }
        // The run's facts as values (replay reads the class count from here), the message for
        // people.
        const QJsonObject facts{
            {QStringLiteral("method"), text(e.config.method)},
            {QStringLiteral("device"), text(e.device)},
            {QStringLiteral("threads"), e.threads},
            {QStringLiteral("blas"), text(e.blas)},
            {QStringLiteral("torch_version"), text(e.torchVersion)},
            {QStringLiteral("train_size"), static_cast<qint64>(e.trainSize)},
            {QStringLiteral("validation_size"), static_cast<qint64>(e.validationSize)},
            {QStringLiteral("test_size"), static_cast<qint64>(e.testSize)},
            {QStringLiteral("classes"), e.classes},
            {QStringLiteral("input_shape"), shapeValues},
            {QStringLiteral("model_parameters"), static_cast<qint64>(e.modelParameters)},
            {QStringLiteral("loss_parameters"), static_cast<qint64>(e.lossParameters)},
            {QStringLiteral("start_phase"), phaseText(e.startPhase)},
            {QStringLiteral("start_step"), static_cast<qint64>(e.startStep)},
        };
        const QString details =
            QStringLiteral("%1 on %2, %3 threads, BLAS %4; ")
                .arg(text(e.config.method), text(e.device))
                .arg(e.threads)
                .arg(text(e.blas)) +
            QStringLiteral("%1 train / %2 validation / %3 test examples, %4 classes, input %5; ")
                .arg(e.trainSize)
                .arg(e.validationSize)
                .arg(e.testSize)
                .arg(e.classes)
                .arg(shape) +
            QStringLiteral("%1 model parameters, %2 loss parameters")
                .arg(e.modelParameters)
                .arg(e.lossParameters);
        addEvent(e.startStep, e.startPhase,
                 resumed ? QStringLiteral("resumed") : QStringLiteral("started"), QString(),
                 resumed ? QStringLiteral("resumed after %1 step %2; %3")
                               .arg(phaseText(e.startPhase))
                               .arg(e.startStep)
                               .arg(details)
                         : details,
                 facts);
    });
}

void RunRecorder::onPhaseChanged(const core::PhaseChanged& e) {
    guarded("recording a phase change", [&] {
        // Filed under the phase being left, at its last step: resuming that phase drops it with
        // the phase's other rows after the checkpoint, and it comes again.
        addEvent(e.step, m_phase, QStringLiteral("phase"), phaseText(e.phase), text(e.description));
        m_phase = e.phase;
    });
}

void RunRecorder::onStepMetrics(const core::StepMetrics& e) {
    guarded("recording step metrics", [&] {
        m_lastWallTime = e.wallTime;
        m_samples.clear();
        core::appendSamples(e, m_samples);
        appendSamples(m_samples);
    });
}

void RunRecorder::onEvalMetrics(const core::EvalMetrics& e) {
    guarded("recording an evaluation", [&] {
        m_samples.clear();
        core::appendSamples(e, m_samples);
        for (core::MetricSample& s : m_samples) {
            if (s.wallTime == 0) {
                s.wallTime = m_lastWallTime;  // evaluations run right after their step
            }
        }
        appendSamples(m_samples);
    });
}

void RunRecorder::onLossSnapshot(const core::LossSnapshot& e) {
    guarded("recording a loss snapshot", [&] {
        if (!m_writer) {
            return;
        }
        QVector<QVector<float>> curves;
        for (const std::vector<float>& a : core::packSnapshotCurves(e)) {
            curves.push_back(toQt(a));
        }
        check(m_writer->addSnapshot(e.step, text(core::snapshotCurveKind(e.phase)), curves),
              "writing a snapshot");
        if (!e.parameters.empty()) {
            check(m_writer->addSnapshot(e.step, text(core::snapshotParameterKind(e.phase)),
                                        {toQt(e.parameters)}),
                  "writing a snapshot");
        }
    });
}

void RunRecorder::onWarning(const core::Warning& e) {
    guarded("recording a warning", [&] {
        addEvent(e.step, e.phase, QStringLiteral("warning"), text(e.code), text(e.message));
    });
}

void RunRecorder::onCheckpoint(const core::CheckpointSaved& e) {
    guarded("recording a checkpoint", [&] {
        if (!m_writer || !e.data) {
            return;
        }
        check(m_writer->addCheckpoint(
                  e.step, phaseText(e.phase),
                  QByteArray(e.data->data(), static_cast<qsizetype>(e.data->size()))),
              "writing a checkpoint");
    });
}

void RunRecorder::onFinished(const core::Finished& e) {
    guarded("recording the run's end", [&] {
        if (!m_started) {
            // Failed before it started (bad config, missing data): bad input leaves the store as
            // it was, unless the caller asked to keep such attempts (and knows the config).
            if (!m_options.keepFailedAttempts || !m_options.config || !openStore()) {
                m_early.clear();
                closeWriter();
                return;
            }
            core::RunStarted attempt;
            attempt.config = *m_options.config;
            auto created = m_writer->createRun(newRun(attempt));
            if (!created) {
                fail(QStringLiteral("this run is not recorded: %1").arg(created.error()));
                closeWriter();
                return;
            }
            {
                QMutexLocker lock(&m_mutex);
                m_uuid = created.value().uuid;
                m_id = created.value().id;
            }
            m_started = true;
            for (const storage::EventRecord& early : m_early) {
                check(m_writer->addEvent(early), "writing an event");
            }
            m_early.clear();
        }
        if (m_writer) {
            check(m_writer->finishRun(toStorage(e.status), text(e.message)), "finishing the run");
        }
        closeWriter();
    });
}

QString RunRecorder::runUuid() const {
    QMutexLocker lock(&m_mutex);
    return m_uuid;
}

qint64 RunRecorder::runId() const {
    QMutexLocker lock(&m_mutex);
    return m_id;
}

QString RunRecorder::lastError() const {
    QMutexLocker lock(&m_mutex);
    return m_firstError;
}

int RunRecorder::errorCount() const {
    QMutexLocker lock(&m_mutex);
    return m_errors;
}

core::Result<ResumePlan> loadResumePlan(const QString& storePath, const QString& runReference) {
    auto reader = storage::RunReader::open(storePath);
    if (!reader) {
        return core::Error{reader.error().toStdString()};
    }
    const auto id = reader.value()->findRun(runReference);
    if (!id) {
        return core::Error{id.error().toStdString()};
    }
    const auto run = reader.value()->run(id.value());
    if (!run) {
        return core::Error{run.error().toStdString()};
    }
    const auto status = run.value().status;
    if (status == storage::RunStatus::Finished || status == storage::RunStatus::Running) {
        return core::Error{"run " + run.value().uuid.toStdString() + " is " +
                           storage::statusName(status).toStdString() +
                           "; only a stopped, interrupted, failed or diverged run can be resumed "
                           "(fork it to start a new run with its config)"};
    }
    auto config = core::parseRunConfig(run.value().configJson.toStdString());
    if (!config) {
        return core::Error{"run " + run.value().uuid.toStdString() +
                           " has a config this build cannot read: " + config.error()};
    }
    const auto checkpoint = reader.value()->latestCheckpoint(id.value());
    if (!checkpoint) {
        return core::Error{"run " + run.value().uuid.toStdString() +
                           " has no checkpoint to resume from (it ended before its first one)"};
    }
    ResumePlan plan;
    plan.config = std::move(config).value();
    plan.checkpoint.assign(checkpoint.value().data.constData(),
                           static_cast<std::size_t>(checkpoint.value().data.size()));
    plan.uuid = run.value().uuid;
    plan.step = checkpoint.value().step;
    plan.phase = checkpoint.value().phase;
    return plan;
}

}  // namespace lossstudio::app
