// The run recorder writes what the engine's events said, with the same keys the live plots use
// (core::appendSamples / packSnapshotCurves), resumes a run without duplicates, and never lets a
// storage failure reach the engine.

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>
#include <cmath>
#include <memory>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/run_control.h>
#include <lossstudio/core/torch_info.h>
#include <lossstudio/core/trainer.h>
#include <lossstudio/core/version.h>
#include <lossstudio/storage/run_reader.h>

#include "run_recorder.h"
#include "store_location.h"

using namespace lossstudio;
using app::RunRecorder;

namespace {

core::RunConfig testConfig() {
    core::RunConfig config;
    config.name = "recorder test";
    config.method = "adalfl";
    config.seed = 3;
    config.steps = 60;
    config.data.name = "synthetic";
    config.model.name = "mlp";
    config.model.hidden = {16};
    config.meta.initSteps = 20;
    return config;
}

core::RunStarted started(const core::RunConfig& config, core::Phase phase = core::Phase::Setup,
                         std::int64_t step = 0) {
    core::RunStarted e;
    e.config = config;
    e.startPhase = phase;
    e.startStep = step;
    e.device = "cpu";
    e.threads = 2;
    e.trainSize = 900;
    e.validationSize = 100;
    e.testSize = 200;
    e.classes = 4;
    e.inputShape = {8};
    e.modelParameters = 212;
    e.lossParameters = 1761;
    e.blas = "OpenBLAS (test)";
    e.torchVersion = "1.13.test";
    return e;
}

core::StepMetrics step(core::Phase phase, std::int64_t s, double offset = 0) {
    core::StepMetrics e;
    e.phase = phase;
    e.step = s;
    e.wallTime = 0.01 * s + offset;
    e.progress = s / 100.0;
    e.trainLoss = 1.0 / s + offset;
    e.taskLoss = 2.0 / s + offset;
    e.trainAccuracy = 1.0 - 1.0 / (s + 1);
    e.lr = 0.01;
    e.gradNorm = std::sqrt(double(s));
    if (phase != core::Phase::Training) {
        e.metaLoss = 3.0 / s;
    }
    if (s % 7 == 0) {
        e.lossGradRatio = 1.5;
    }
    return e;
}

core::LossSnapshot snapshot(core::Phase phase, std::int64_t s, bool withParameters) {
    core::LossSnapshot e;
    e.phase = phase;
    e.step = s;
    for (int i = 0; i <= 10; ++i) {
        const float p = i / 10.0f;
        e.p.push_back(p);
        e.lossY1.push_back(-std::log(p + 1e-3f) + 0.01f * s);
        e.lossY0.push_back(p * p);
        e.slopeY1.push_back(-1.0f / (p + 1e-3f));
        e.slopeY0.push_back(2 * p);
        e.effective.push_back(p / 3.0f);
        e.effectiveSlope.push_back(1.0f / 3.0f);
    }
    e.classes = 4;
    if (withParameters) {
        e.parameters = {0.5f, -0.25f, float(s), 1e-7f};
    }
    return e;
}

QStringList eventKinds(const QVector<storage::EventRecord>& events) {
    QStringList out;
    for (const auto& e : events) {
        out << e.kind + QLatin1Char(':') + e.phase + QLatin1Char(':') + e.code;
    }
    return out;
}

/// Forwards a real run's events to `target` until step `step` of `phase`, then, like a process
/// that died there, nothing more (not even onFinished); it stops the engine to end the test run.
class KilledAt final : public core::Observer {
public:
    KilledAt(core::Observer& target, core::RunControl& control, core::Phase phase,
             std::int64_t step)
        : m_target(target), m_control(control), m_phase(phase), m_step(step) {}
    void onRunStarted(const core::RunStarted& e) override { forward(&core::Observer::onRunStarted, e); }
    void onPhaseChanged(const core::PhaseChanged& e) override {
        forward(&core::Observer::onPhaseChanged, e);
    }
    void onStepMetrics(const core::StepMetrics& e) override {
        if (e.phase == m_phase && e.step >= m_step) {
            m_dead = true;
            m_control.requestStop();
        }
        forward(&core::Observer::onStepMetrics, e);
    }
    void onEvalMetrics(const core::EvalMetrics& e) override {
        forward(&core::Observer::onEvalMetrics, e);
    }
    void onLossSnapshot(const core::LossSnapshot& e) override {
        forward(&core::Observer::onLossSnapshot, e);
    }
    void onWarning(const core::Warning& e) override { forward(&core::Observer::onWarning, e); }
    void onCheckpoint(const core::CheckpointSaved& e) override {
        forward(&core::Observer::onCheckpoint, e);
    }
    void onFinished(const core::Finished& e) override { forward(&core::Observer::onFinished, e); }

private:
    template <typename Event>
    void forward(void (core::Observer::*method)(const Event&), const Event& e) {
        if (!m_dead) {
            (m_target.*method)(e);
        }
    }

    core::Observer& m_target;
    core::RunControl& m_control;
    core::Phase m_phase;
    std::int64_t m_step;
    bool m_dead = false;
};

core::Finished failedBeforeStart() {
    core::Finished finished;
    finished.status = core::RunStatus::Failed;
    finished.message = "data: /nowhere/train.csv does not exist";
    return finished;
}

}  // namespace

class TestRunRecorder final : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    /// Sends a whole AdaLFL-like run (offline-init 1..20, online 1..50) to `observer`; returns the
    /// metric samples the live view would have made of it.
    std::vector<core::MetricSample> sendRun(core::Observer& observer,
                                            const core::RunConfig& config,
                                            core::RunStatus end = core::RunStatus::Finished) {
        std::vector<core::MetricSample> samples;
        observer.onPhaseChanged({core::Phase::Setup, 0, "loading data and building the model"});
        observer.onRunStarted(started(config));
        observer.onPhaseChanged({core::Phase::OfflineInit, 0, "offline initialisation"});
        for (std::int64_t s = 1; s <= 20; ++s) {
            const auto e = step(core::Phase::OfflineInit, s);
            core::appendSamples(e, samples);
            observer.onStepMetrics(e);
            if (s == 10) {
                observer.onLossSnapshot(snapshot(core::Phase::OfflineInit, s, true));
            }
        }
        observer.onPhaseChanged({core::Phase::Online, 20, "online adaptation"});
        double lastWall = 0;
        for (std::int64_t s = 1; s <= 50; ++s) {
            const auto e = step(core::Phase::Online, s);
            lastWall = e.wallTime;
            core::appendSamples(e, samples);
            observer.onStepMetrics(e);
            if (s % 25 == 0) {
                for (const char* split : {"validation", "test"}) {
                    const core::EvalMetrics eval{core::Phase::Online, s, split, 0.5 / s,
                                                 0.8 + s / 1000.0};
                    std::vector<core::MetricSample> evalSamples;
                    core::appendSamples(eval, evalSamples);
                    for (auto& sample : evalSamples) {
                        sample.wallTime = lastWall;  // the recorder stamps the step's wall time
                        samples.push_back(sample);
                    }
                    observer.onEvalMetrics(eval);
                }
            }
            if (s == 30) {
                observer.onWarning({core::Phase::Online, 30, "divergence", "NaN loss; restored"});
            }
            if (s == 40) {
                observer.onCheckpoint(
                    {core::Phase::Online, 40, std::make_shared<const std::string>("CKPT-40")});
            }
            if (s == 50) {
                observer.onLossSnapshot(snapshot(core::Phase::Online, s, false));
            }
        }
        core::Finished finished;
        finished.status = end;
        finished.message = end == core::RunStatus::Finished ? "finished 50 steps; test accuracy 0.85"
                                                            : "stopped at step 50 (online)";
        finished.phase = core::Phase::Online;
        finished.step = 50;
        observer.onFinished(finished);
        return samples;
    }

private Q_SLOTS:
    void recordsWhatTheEventsSaid() {
        const core::RunConfig config = testConfig();
        RunRecorder recorder({path("rec.sqlite"),
                              {},
                              {},
                              {QStringLiteral("smoke")},
                              QStringLiteral("from the test"),
                              {},
                              {}});
        const std::vector<core::MetricSample> samples = sendRun(recorder, config);
        QCOMPARE(recorder.errorCount(), 0);
        QVERIFY(!recorder.runUuid().isEmpty());

        auto reader = storage::RunReader::open(path("rec.sqlite")).value();
        const storage::RunRecord run = reader->run(recorder.runId()).value();
        QCOMPARE(run.uuid, recorder.runUuid());
        QCOMPARE(run.name, QStringLiteral("recorder test"));
        QCOMPARE(run.status, storage::RunStatus::Finished);
        QCOMPARE(run.message, QStringLiteral("finished 50 steps; test accuracy 0.85"));
        QCOMPARE(run.method, QStringLiteral("adalfl"));
        QCOMPARE(run.model, QStringLiteral("mlp"));
        QCOMPARE(run.dataset, QStringLiteral("synthetic"));
        QCOMPARE(run.seed, quint64{3});
        QCOMPARE(run.configHash, QString::fromStdString(core::configHash(config)));
        QCOMPARE(run.appVersion, QString::fromStdString(core::appVersion()));
        QCOMPARE(run.torchVersion, QStringLiteral("1.13.test"));  // from RunStarted
        QCOMPARE(run.qtVersion, QString::fromLatin1(qVersion()));
        QCOMPARE(run.tags, QStringList{QStringLiteral("smoke")});
        QCOMPARE(run.notes, QStringLiteral("from the test"));
        // The stored config is the run's config, complete.
        const auto parsed = core::parseRunConfig(run.configJson.toStdString());
        QVERIFY2(parsed.ok(),
                 parsed.ok() ? "" : parsed.error().c_str());  // core's error() throws when ok
        QCOMPARE(core::toJson(parsed.value()), core::toJson(config));

        // Exactly the live view's points: same keys, steps, values and wall times.
        const QVector<storage::MetricRow> rows = reader->metricRows(run.id).value();
        QCOMPARE(rows.size(), qsizetype(samples.size()));
        QMap<QString, QMap<qint64, QPair<double, double>>> expected;
        for (const auto& s : samples) {
            expected[QString::fromStdString(s.key)][s.step] = {s.value, s.wallTime};
        }
        for (const storage::MetricRow& row : rows) {
            QVERIFY2(expected.contains(row.key), qPrintable(row.key));
            QVERIFY(expected[row.key].contains(row.step));
            QCOMPARE(row.value, expected[row.key][row.step].first);
            QCOMPARE(row.wallTime, expected[row.key][row.step].second);
        }
        QVERIFY(expected.contains(QStringLiteral("init/meta/loss")));
        QVERIFY(expected.contains(QStringLiteral("train/loss_grad_ratio")));
        QCOMPARE(run.latest.value(QString::fromLatin1(core::keys::kTestAccuracy)).value,
                 0.8 + 50 / 1000.0);

        // Snapshots: the curves as core packs them, phi when the loss has parameters.
        QCOMPARE(reader->snapshotKinds(run.id).value(),
                 (QStringList{QStringLiteral("loss/offline-init"), QStringLiteral("loss/online"),
                              QStringLiteral("phi/offline-init")}));
        const auto curves =
            reader
                ->snapshotAtOrBefore(
                    run.id,
                    QString::fromStdString(core::snapshotCurveKind(core::Phase::OfflineInit)), 10)
                .value();
        const auto packed = core::packSnapshotCurves(snapshot(core::Phase::OfflineInit, 10, true));
        QCOMPARE(curves.arrays.size(), qsizetype(packed.size()));
        std::vector<std::vector<float>> read;
        for (int i = 0; i < curves.arrays.size(); ++i) {
            read.emplace_back(curves.arrays[i].begin(), curves.arrays[i].end());
            QVERIFY(read.back() == packed[i]);
        }
        const auto unpacked = core::unpackSnapshotCurves(core::Phase::OfflineInit, 10, read);
        QVERIFY(unpacked.ok());
        QVERIFY(unpacked.value().effective ==
                snapshot(core::Phase::OfflineInit, 10, true).effective);
        const auto phi =
            reader->snapshotAtOrBefore(run.id, QStringLiteral("phi/offline-init"), 10).value();
        QCOMPARE(phi.arrays, (QVector<QVector<float>>{{0.5f, -0.25f, 10.0f, 1e-7f}}));

        // Events: the pre-start phase change, the start, the phases (filed under the phase left),
        // the warning with its code.
        const auto events = reader->events(run.id).value();
        QCOMPARE(eventKinds(events),
                 (QStringList{QStringLiteral("phase:setup:setup"), QStringLiteral("started:setup:"),
                              QStringLiteral("phase:setup:offline-init"),
                              QStringLiteral("phase:offline-init:online"),
                              QStringLiteral("warning:online:divergence")}));
        QVERIFY2(events.at(1).message.contains(QStringLiteral("900 train")),
                 qPrintable(events.at(1).message));
        // The start's facts travel as fields, not only inside the sentence.
        const QJsonObject facts = events.at(1).fields;
        QCOMPARE(facts.value(QStringLiteral("classes")).toInt(), 4);
        QCOMPARE(facts.value(QStringLiteral("train_size")).toInteger(), qint64{900});
        QCOMPARE(facts.value(QStringLiteral("validation_size")).toInteger(), qint64{100});
        QCOMPARE(facts.value(QStringLiteral("test_size")).toInteger(), qint64{200});
        QCOMPARE(facts.value(QStringLiteral("input_shape")).toArray(), QJsonArray{8});
        QCOMPARE(facts.value(QStringLiteral("model_parameters")).toInteger(), qint64{212});
        QCOMPARE(facts.value(QStringLiteral("threads")).toInt(), 2);
        QCOMPARE(facts.value(QStringLiteral("blas")).toString(), QStringLiteral("OpenBLAS (test)"));
        QVERIFY(events.at(0).fields.isEmpty());
        QCOMPARE(events.at(3).step, qint64{20});
        QCOMPARE(events.at(4).message, QStringLiteral("NaN loss; restored"));

        const auto checkpoint = reader->latestCheckpoint(run.id).value();
        QCOMPARE(checkpoint.data, QByteArray("CKPT-40"));
        QCOMPARE(checkpoint.phase, QStringLiteral("online"));
        QCOMPARE(checkpoint.step, qint64{40});
    }

    void resumesTheSameRunWithoutDuplicates() {
        const QString store = path("resume.sqlite");
        const core::RunConfig config = testConfig();
        QString uuid;
        {
            RunRecorder first({store, {}, {}, {}, {}, {}, {}});
            sendRun(first, config, core::RunStatus::Stopped);
            uuid = first.runUuid();
        }
        // A finished run cannot be resumed; a stopped one can.
        {
            const QString other = path("finished.sqlite");
            RunRecorder done({other, {}, {}, {}, {}, {}, {}});
            sendRun(done, config);
            const auto refused = app::loadResumePlan(other, done.runUuid());
            QVERIFY(!refused.ok());
            QVERIFY2(QString::fromStdString(refused.error()).contains(QStringLiteral("is finished")),
                     refused.error().c_str());
        }
        // What the studio does to resume: the config and newest checkpoint from the store.
        const auto plan = app::loadResumePlan(store, uuid.left(8));
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().c_str());
        QCOMPARE(plan.value().uuid, uuid);
        QCOMPARE(plan.value().checkpoint, std::string("CKPT-40"));
        QCOMPARE(plan.value().step, std::int64_t{40});
        QCOMPARE(plan.value().phase, QStringLiteral("online"));
        QCOMPARE(core::toJson(plan.value().config), core::toJson(config));

        RunRecorder::Options options{store, uuid, {}, {}, {}, {}, {}};
        RunRecorder second(options);
        second.onPhaseChanged({core::Phase::Setup, 0, "loading data and building the model"});
        second.onRunStarted(started(config, core::Phase::Online, 40));
        second.onPhaseChanged({core::Phase::Online, 40, "resumed"});
        for (std::int64_t s = 41; s <= 60; ++s) {
            second.onStepMetrics(step(core::Phase::Online, s, /*offset=*/100));
        }
        core::Finished finished;
        finished.status = core::RunStatus::Stopped;
        finished.message = "stopped by the user";
        finished.phase = core::Phase::Online;
        finished.step = 60;
        second.onFinished(finished);
        QCOMPARE(second.errorCount(), 0);
        QCOMPARE(second.runUuid(), uuid);

        auto reader = storage::RunReader::open(store).value();
        QCOMPARE(reader->countRuns().value(), qint64{1});
        const qint64 id = reader->findRun(uuid).value();
        const auto loss = reader->series(id, QStringLiteral("train/loss")).value();
        QCOMPARE(loss.steps.size(), 60);
        for (int i = 0; i < 60; ++i) {
            const std::int64_t s = i + 1;
            QCOMPARE(loss.steps[i], double(s));
            QCOMPARE(loss.values[i], 1.0 / s + (s > 40 ? 100 : 0));  // 41..50 from the new run
        }
        QCOMPARE(reader->series(id, QStringLiteral("init/train/loss")).value().steps.size(), 20);
        // The evaluation at 50 and the snapshot at 50 came after the checkpoint: gone.
        QCOMPARE(reader->series(id, QStringLiteral("test/accuracy")).value().steps,
                 (QVector<double>{25}));
        QVERIFY(reader->snapshotSteps(id, QStringLiteral("loss/online")).value().isEmpty());
        QCOMPARE(reader->snapshotSteps(id, QStringLiteral("loss/offline-init")).value(),
                 (QVector<qint64>{10}));
        const QStringList kinds = eventKinds(reader->events(id).value());
        QVERIFY2(kinds.contains(QStringLiteral("warning:online:divergence")),
                 qPrintable(kinds.join(' ')));
        QVERIFY2(kinds.contains(QStringLiteral("resumed:online:")), qPrintable(kinds.join(' ')));
        const auto run = reader->run(id).value();
        QCOMPARE(run.status, storage::RunStatus::Stopped);
        QCOMPARE(run.latest.value(QStringLiteral("train/loss")).step, qint64{60});
    }

    void aRunKilledInTrainingResumesFromOfflineInitWithOnePhaseChange() {
        // The process dies in ML3's training before training's first checkpoint, so the newest
        // checkpoint is offline-init's: the resumed engine crosses into training again, and the
        // store must then hold that phase change once (it is filed at offline-init's last step,
        // after the checkpoint, and dropped with offline-init's later rows on resume).
        const QString store = path("killed.sqlite");
        core::RunConfig config = testConfig();
        config.method = "ml3";
        config.steps = 30;
        config.meta.initSteps = 30;
        config.checkpointInterval = 10;
        config.evalInterval = 10;
        config.snapshotInterval = 10;
        config.threads = 1;
        QString uuid;
        {
            RunRecorder recorder({store, {}, {}, {}, {}, {}, {}});
            core::RunControl control;
            KilledAt killed(recorder, control, core::Phase::Training, 5);
            core::Trainer::run(config, killed, control);
            uuid = recorder.runUuid();
        }  // closed without onFinished: the run is left interrupted, as by a crash
        const auto plan = app::loadResumePlan(store, uuid);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().c_str());
        QCOMPARE(plan.value().phase, QStringLiteral("offline-init"));
        QCOMPARE(plan.value().step, std::int64_t{20});
        {
            RunRecorder second({store, uuid, {}, {}, {}, {}, {}});
            core::RunControl control;
            QCOMPARE(core::Trainer::run(plan.value().config, second, control,
                                        plan.value().checkpoint)
                         .status,
                     core::RunStatus::Finished);
            QCOMPARE(second.errorCount(), 0);
        }
        auto reader = storage::RunReader::open(store).value();
        const qint64 id = reader->findRun(uuid).value();
        const QStringList kinds = eventKinds(reader->events(id).value());
        QCOMPARE(kinds.count(QStringLiteral("phase:offline-init:training")), 1);
        QCOMPARE(reader->series(id, QStringLiteral("train/loss")).value().steps.size(), 30);
        QCOMPARE(reader->snapshotSteps(id, QStringLiteral("loss/training")).value(),
                 (QVector<qint64>{0}));
        QCOMPARE(reader->run(id).value().status, storage::RunStatus::Finished);
    }

    void resumeScopesFollowThePhaseOrder() {
        using core::Phase;
        const auto init = RunRecorder::resumeScopes(Phase::OfflineInit, 7);
        QCOMPARE(init.size(), 3);  // offline-init after 7, online and training entirely
        QCOMPARE(init[0].afterStep, qint64{7});
        QCOMPARE(init[0].metricKeyGlobs, QStringList{QStringLiteral("init/*")});
        QCOMPARE(init[1].afterStep, storage::RowScope::kAll);
        const auto search = RunRecorder::resumeScopes(Phase::Search, 120);
        QCOMPARE(search.size(), 2);
        QCOMPARE(search[0].metricKeyGlobs, QStringList{QStringLiteral("search/*")});
        QCOMPARE(search[1].phase, QStringLiteral("training"));
        const auto online = RunRecorder::resumeScopes(Phase::Online, 300);
        QCOMPARE(online.size(), 1);
        QVERIFY(online[0].metricKeyGlobsNegated);
        QCOMPARE(online[0].snapshotKindGlob, QStringLiteral("*/online"));
    }

    void anUnusableStoreNeverReachesTheEngine() {
        const QString store = m_dir.filePath(QStringLiteral("missing/folder/runs.sqlite"));
        QStringList reported;
        RunRecorder::Options options{
            store, {}, {}, {}, {}, {}, [&](const QString& message) { reported << message; }};
        RunRecorder recorder(options);
        sendRun(recorder, testConfig());  // must not throw or crash
        QVERIFY(recorder.errorCount() >= 1);
        QCOMPARE(reported.size(), 1);  // reported once, not per event
        QVERIFY2(reported.first().contains(store), qPrintable(reported.first()));
        QCOMPARE(recorder.lastError(), reported.first());
        QVERIFY(recorder.runUuid().isEmpty());
        QVERIFY(!QFile::exists(store));
    }

    void aFailingFlushIsReportedAndTheRunGoesOn() {
        const QString store = path("vanishing.sqlite");
        QStringList reported;
        RunRecorder::Options options{
            store, {}, {}, {}, {}, {}, [&](const QString& m) { reported << m; }};
        options.writer.flushRows = 10;
        RunRecorder recorder(options);
        recorder.onRunStarted(started(testConfig()));
        recorder.onStepMetrics(step(core::Phase::Online, 1));
        QCOMPARE(recorder.errorCount(), 0);
        // Someone deletes the run under the recorder: its rows no longer have a parent.
        {
            const QString name = QUuid::createUuid().toString();
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                db.setDatabaseName(store);
                QVERIFY(db.open());
                QSqlQuery q(db);
                QVERIFY(q.exec(QStringLiteral("PRAGMA foreign_keys = ON")));
                QVERIFY(q.exec(QStringLiteral("DELETE FROM runs")));
            }
            QSqlDatabase::removeDatabase(name);
        }
        for (std::int64_t s = 2; s <= 30; ++s) {
            recorder.onStepMetrics(step(core::Phase::Online, s));
        }
        core::Finished finished;
        finished.status = core::RunStatus::Finished;
        recorder.onFinished(finished);
        QVERIFY(recorder.errorCount() >= 1);
        QCOMPARE(reported.size(), 1);
        QVERIFY2(reported.first().contains(QStringLiteral("FOREIGN KEY")) ||
                     reported.first().contains(QStringLiteral("constraint")),
                 qPrintable(reported.first()));
    }

    // Bad input (a missing dataset, a config the engine refuses) must not modify the store.
    void aRunThatFailsBeforeStartingLeavesTheStoreAlone() {
        const QString store = path("early.sqlite");
        {
            auto existing = storage::RunWriter::open(store);  // a store that holds one run
            QVERIFY2(existing.ok(), qPrintable(existing.error()));
            QVERIFY(existing.value()->createRun(storage::NewRun{}).ok());
            QVERIFY(existing.value()->finishRun(storage::RunStatus::Finished));
        }
        RunRecorder::Options options{store, {}, testConfig(), {}, {}, {}, {}};
        RunRecorder recorder(options);
        QVERIFY(recorder.openStore());  // as lossstudio-cli run does before training
        recorder.onPhaseChanged({core::Phase::Setup, 0, "loading data and building the model"});
        recorder.onFinished(failedBeforeStart());
        QCOMPARE(recorder.errorCount(), 0);
        QVERIFY(recorder.runUuid().isEmpty());
        auto reader = storage::RunReader::open(store).value();
        QCOMPARE(reader->listRuns().value().size(), 1);
    }

    void aFailedAttemptIsRecordedWhenAsked() {
        const QString store = path("early-kept.sqlite");
        RunRecorder::Options options{store, {}, testConfig(), {}, {}, {}, {}};
        options.keepFailedAttempts = true;
        RunRecorder recorder(options);
        recorder.onPhaseChanged({core::Phase::Setup, 0, "loading data and building the model"});
        recorder.onFinished(failedBeforeStart());
        QCOMPARE(recorder.errorCount(), 0);
        auto reader = storage::RunReader::open(store).value();
        const auto runs = reader->listRuns().value();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().uuid, recorder.runUuid());
        QCOMPARE(runs.first().status, storage::RunStatus::Failed);
        QCOMPARE(runs.first().message, QStringLiteral("data: /nowhere/train.csv does not exist"));
        QCOMPARE(runs.first().name, QStringLiteral("recorder test"));
        QCOMPARE(reader->events(runs.first().id).value().size(), 1);
    }

    void aRecorderClosedMidRunLeavesItInterrupted() {
        const QString store = path("midrun.sqlite");
        qint64 id = 0;
        {
            RunRecorder recorder({store, {}, {}, {}, {}, {}, {}});
            recorder.onRunStarted(started(testConfig()));
            recorder.onStepMetrics(step(core::Phase::Online, 1));
            id = recorder.runId();
        }
        auto reader = storage::RunReader::open(store).value();
        const auto run = reader->run(id).value();
        QCOMPARE(run.status, storage::RunStatus::Interrupted);
        QCOMPARE(reader->series(id, QStringLiteral("train/loss")).value().steps.size(), 1);
    }

    void theDefaultStoreLivesInTheDataDirectory() {
        const QString xdg = qEnvironmentVariable("XDG_DATA_HOME");
        QVERIFY2(!xdg.isEmpty(), "the test helper sets XDG_DATA_HOME");
        QCOMPARE(app::defaultStorePath(),
                 QDir(xdg).filePath(QStringLiteral("lossstudio/runs.sqlite")));
        QCOMPARE(app::storePath(std::nullopt).value(), app::defaultStorePath());
        QCOMPARE(app::storePath(QStringLiteral("/tmp/x.sqlite")).value(),
                 QStringLiteral("/tmp/x.sqlite"));
        // An empty --db value is refused (it once meant the default store without a word).
        QVERIFY(!app::storePath(QString()).ok());
        QVERIFY(!app::storePath(QStringLiteral("  ")).ok());
    }
};

QTEST_GUILESS_MAIN(TestRunRecorder)
#include "test_run_recorder.moc"
