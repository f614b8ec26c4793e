// The engine end to end on small synthetic data: events and phases, learning, determinism,
// stop / resume continuing the same series, pause taking effect within one step, divergence
// recovery and the diverged status.
#include <QtTest>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include <lossstudio/core/trainer.h>

#include "train/testing_hooks.h"

using namespace lossstudio::core;

namespace {

RunConfig smallConfig(const std::string& method) {
    RunConfig c;
    c.method = method;
    c.seed = 3;
    c.steps = 60;
    c.batchSize = 32;
    c.threads = 1;
    c.evalInterval = 20;
    c.snapshotInterval = 10;
    c.snapshotPoints = 11;
    c.checkpointInterval = 0;
    c.data.name = "synthetic";
    c.data.syntheticClasses = 4;
    c.data.syntheticFeatures = 8;
    c.data.syntheticSamples = 1200;
    c.model.name = "mlp";
    c.model.hidden = {16};
    c.optimizer.lr = 0.1;
    c.meta.initSteps = 10;
    return c;
}

/// Records every event; optional hooks act on the engine thread at a given step.
class Recorder final : public Observer {
public:
    std::vector<StepMetrics> steps;
    std::vector<EvalMetrics> evals;
    std::vector<LossSnapshot> snapshots;
    std::vector<PhaseChanged> phases;
    std::vector<Warning> warnings;
    std::vector<CheckpointSaved> checkpoints;
    std::optional<RunStarted> started;
    std::optional<Finished> finished;
    std::function<void(const StepMetrics&)> onStep;

    void onRunStarted(const RunStarted& e) override { started = e; }
    void onPhaseChanged(const PhaseChanged& e) override { phases.push_back(e); }
    void onStepMetrics(const StepMetrics& e) override {
        std::lock_guard<std::mutex> lock(mutex);
        steps.push_back(e);
        lastStep.store(e.step);
        if (onStep) {
            onStep(e);
        }
    }
    void onEvalMetrics(const EvalMetrics& e) override { evals.push_back(e); }
    void onLossSnapshot(const LossSnapshot& e) override { snapshots.push_back(e); }
    void onWarning(const Warning& e) override { warnings.push_back(e); }
    void onCheckpoint(const CheckpointSaved& e) override { checkpoints.push_back(e); }
    void onFinished(const Finished& e) override { finished = e; }

    std::mutex mutex;
    std::atomic<std::int64_t> lastStep{-1};
};

/// Step series as comparable tuples (wall time left out: it differs run to run).
std::vector<std::tuple<int, std::int64_t, double, double, double, double, double, double>>
series(const std::vector<StepMetrics>& steps) {
    std::vector<std::tuple<int, std::int64_t, double, double, double, double, double, double>> out;
    for (const auto& s : steps) {
        out.emplace_back(static_cast<int>(s.phase), s.step, s.trainLoss, s.taskLoss, s.trainAccuracy,
                         s.gradNorm, s.metaLoss.value_or(-1), s.metaGradNorm.value_or(-1));
    }
    return out;
}

std::vector<std::tuple<int, std::int64_t, std::string, double, double>> evalSeries(
    const std::vector<EvalMetrics>& evals) {
    std::vector<std::tuple<int, std::int64_t, std::string, double, double>> out;
    for (const auto& e : evals) {
        out.emplace_back(static_cast<int>(e.phase), e.step, e.split, e.loss, e.accuracy);
    }
    return out;
}

}  // namespace

class TestTrainer final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { train::testing::clearInjections(); }

    void adalflEmitsPhasesStepsEvalsAndSnapshots() {
        Recorder rec;
        RunControl control;
        const RunConfig c = smallConfig("adalfl");
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QVERIFY(rec.started.has_value());
        QCOMPARE(rec.started->classes, 4);
        QCOMPARE(rec.started->lossParameters, std::int64_t{2 * 40 + 40 * 40 + 40});
        QCOMPARE(rec.phases.size(), std::size_t{3});
        QCOMPARE(rec.phases[0].phase, Phase::Setup);
        QCOMPARE(rec.phases[1].phase, Phase::OfflineInit);
        QCOMPARE(rec.phases[2].phase, Phase::Online);
        // A phase change carries the last step of the phase it leaves (where the store files it).
        QCOMPARE(rec.phases[1].step, std::int64_t{0});
        QCOMPARE(rec.phases[2].step, c.meta.initSteps);
        QCOMPARE(rec.steps.size(), std::size_t(c.meta.initSteps + c.steps));
        for (const auto& s : rec.steps) {
            QVERIFY(s.metaLoss.has_value());
            QVERIFY(std::isfinite(s.trainLoss) && std::isfinite(*s.metaLoss));
        }
        QCOMPARE(rec.steps.back().step, c.steps);
        QCOMPARE(rec.steps.back().progress, 1.0);
        // Evaluations at 0, 20, 40, 60 on both splits.
        QCOMPARE(rec.evals.size(), std::size_t{8});
        QCOMPARE(rec.evals.back().step, c.steps);
        // Snapshots: Phase A at 0 and 10; online at 0, 10, ..., 60.
        QCOMPARE(rec.snapshots.size(), std::size_t{2 + 7});
        QCOMPARE(rec.snapshots.back().p.size(), std::size_t{11});
        QCOMPARE(rec.snapshots.back().parameters.size(), std::size_t(rec.started->lossParameters));
        QVERIFY(f.testAccuracy.has_value());
        QCOMPARE(*f.testAccuracy, std::get<4>(evalSeries(rec.evals).back()));
    }

    void crossEntropyHasNoMetaSeriesAndLearns() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("cross_entropy");
        c.steps = 200;
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QCOMPARE(rec.steps.size(), std::size_t{200});
        QCOMPARE(rec.phases.back().phase, Phase::Training);
        for (const auto& s : rec.steps) {
            QVERIFY(!s.metaLoss.has_value());
            QCOMPARE(s.trainLoss, s.taskLoss);
        }
        QCOMPARE(rec.snapshots.size(), std::size_t{1});  // the fixed loss, once
        // Four separable blobs: far better than chance (0.25).
        QVERIFY2(*f.testAccuracy > 0.8, qPrintable(QString::number(*f.testAccuracy)));
    }

    void adalflLearns() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("adalfl");
        c.steps = 200;
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QVERIFY2(*f.testAccuracy > 0.8, qPrintable(QString::number(*f.testAccuracy)));
    }

    void ml3FreezesTheLossAfterItsOfflinePhase() {
        Recorder rec;
        RunControl control;
        const RunConfig c = smallConfig("ml3");
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QCOMPARE(rec.phases.back().phase, Phase::Training);
        QCOMPARE(rec.phases.back().step, c.meta.initSteps);
        std::vector<LossSnapshot> training;
        for (const auto& s : rec.snapshots) {
            if (s.phase == Phase::Training) {
                training.push_back(s);
            }
        }
        QCOMPARE(training.size(), std::size_t{1});
        // The frozen loss is the one Phase A ended with.
        QCOMPARE(training.front().lossY1, rec.snapshots[training.size()].lossY1);
        for (const auto& s : rec.steps) {
            QCOMPARE(s.metaLoss.has_value(), s.phase == Phase::OfflineInit);
        }
    }

    void taylorgloSearchesThenTrainsWithTheBestLoss() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("taylorglo");
        c.taylorglo.population = 4;
        c.taylorglo.generations = 3;
        c.taylorglo.partialSteps = 15;
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QCOMPARE(rec.phases[1].phase, Phase::Search);
        QCOMPARE(rec.phases.back().phase, Phase::Training);
        QCOMPARE(rec.phases.back().step, std::int64_t{3 * 4});  // the search's steps: candidates
        QCOMPARE(rec.started->lossParameters, std::int64_t{8});
        std::vector<StepMetrics> search;
        for (const auto& s : rec.steps) {
            if (s.phase == Phase::Search) {
                search.push_back(s);
            }
        }
        QCOMPARE(search.size(), std::size_t{12});
        double best = 2;
        for (std::size_t i = 0; i < search.size(); ++i) {
            QVERIFY(search[i].search.has_value());
            QCOMPARE(search[i].step, std::int64_t(i + 1));
            QCOMPARE(search[i].search->generation, int(i / 4) + 1);
            best = std::min(best, search[i].search->error);
            QCOMPARE(search[i].search->bestError, best);  // the running minimum
            QVERIFY(search[i].search->error >= 0 && search[i].search->error <= 1);
        }
        QVERIFY(search.back().progress < 1.0);
        // One snapshot per generation (the generation's best), then the training phase's loss:
        // the best of the whole search, frozen.
        std::vector<LossSnapshot> searchSnaps, trainSnaps;
        for (const auto& s : rec.snapshots) {
            (s.phase == Phase::Search ? searchSnaps : trainSnaps).push_back(s);
        }
        QCOMPARE(searchSnaps.size(), std::size_t{3});
        QCOMPARE(trainSnaps.size(), std::size_t{1});
        QCOMPARE(trainSnaps[0].parameters.size(), std::size_t{8});
        QVERIFY(std::any_of(searchSnaps.begin(), searchSnaps.end(), [&](const LossSnapshot& s) {
            return s.parameters == trainSnaps[0].parameters;
        }));
        QCOMPARE(rec.steps.back().step, c.steps);
        QVERIFY(*f.testAccuracy > 0.3);  // better than chance (0.25) with any sane loss
    }

    void taylorgloStopInsideAGenerationResumesFromItsStart() {
        RunConfig c = smallConfig("taylorglo");
        c.taylorglo.population = 4;
        c.taylorglo.generations = 3;
        c.taylorglo.partialSteps = 10;
        c.steps = 20;
        Recorder whole;
        RunControl wholeControl;
        QCOMPARE(Trainer::run(c, whole, wholeControl).status, RunStatus::Finished);

        Recorder first;
        RunControl firstControl;
        first.onStep = [&](const StepMetrics& s) {
            if (s.phase == Phase::Search && s.step == 6) {  // inside generation 2 (steps 5-8)
                firstControl.requestStop();
            }
        };
        const Finished stopped = Trainer::run(c, first, firstControl);
        QCOMPARE(stopped.status, RunStatus::Stopped);
        QCOMPARE(first.checkpoints.back().step, std::int64_t{4});
        Recorder second;
        RunControl secondControl;
        QCOMPARE(Trainer::run(c, second, secondControl, *first.checkpoints.back().data).status,
                 RunStatus::Finished);
        // The store drops rows after the checkpoint's step on resume; do the same here.
        std::vector<StepMetrics> joined;
        for (const auto& s : first.steps) {
            if (s.step <= 4) {
                joined.push_back(s);
            }
        }
        joined.insert(joined.end(), second.steps.begin(), second.steps.end());
        QCOMPARE(joined.size(), whole.steps.size());
        for (std::size_t i = 0; i < joined.size(); ++i) {
            QCOMPARE(joined[i].step, whole.steps[i].step);
            if (joined[i].search) {
                QCOMPARE(joined[i].search->error, whole.steps[i].search->error);
            } else {
                QCOMPARE(joined[i].trainLoss, whole.steps[i].trainLoss);
            }
        }
    }

    void sameSeedSameSeries() {
        Recorder a, b;
        RunControl ca, cb;
        RunConfig c = smallConfig("adalfl");
        c.optimizer.momentum = 0.9;
        Trainer::run(c, a, ca);
        Trainer::run(c, b, cb);
        QCOMPARE(a.steps.size(), b.steps.size());
        QVERIFY(series(a.steps) == series(b.steps));
        QVERIFY(evalSeries(a.evals) == evalSeries(b.evals));
        QCOMPARE(a.snapshots.back().lossY1, b.snapshots.back().lossY1);
        // And another seed differs.
        Recorder d;
        RunControl cd;
        c.seed = 4;
        Trainer::run(c, d, cd);
        QVERIFY(series(a.steps) != series(d.steps));
    }

    void stopAndResumeContinueTheSameSeries_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("stopPhase");
        QTest::addColumn<int>("stopStep");
        QTest::addColumn<int>("stoppedStep");  // where the checkpoint lands
        QTest::addColumn<int>("divergeAt");    // a non-finite step after the stop (0: none)
        QTest::newRow("adalfl, online") << "adalfl" << int(Phase::Online) << 27 << 27 << 0;
        QTest::newRow("adalfl, offline phase") << "adalfl" << int(Phase::OfflineInit) << 4 << 4 << 0;
        // A stop during the last offline step lands at the start of the online phase.
        QTest::newRow("adalfl, end of offline phase") << "adalfl" << int(Phase::OfflineInit) << 10 << 0 << 0;
        QTest::newRow("cross-entropy") << "cross_entropy" << int(Phase::Training) << 33 << 33 << 0;
        QTest::newRow("ml3, training") << "ml3" << int(Phase::Training) << 15 << 15 << 0;
        // A divergence soon after the stop restores the last good state: the uninterrupted run's
        // (online step 20, training step 20), which the checkpoint must carry, not the
        // checkpoint's own step.
        QTest::newRow("adalfl, divergence after the stop")
            << "adalfl" << int(Phase::Online) << 27 << 27 << 30;
        QTest::newRow("cross-entropy, divergence after the stop")
            << "cross_entropy" << int(Phase::Training) << 33 << 33 << 35;
    }
    void stopAndResumeContinueTheSameSeries() {
        QFETCH(QString, method);
        QFETCH(int, stopPhase);
        QFETCH(int, stopStep);
        QFETCH(int, stoppedStep);
        QFETCH(int, divergeAt);
        RunConfig c = smallConfig(method.toStdString());
        c.optimizer.momentum = 0.9;  // the optimiser's state must survive too
        if (divergeAt > 0) {  // in every run below
            train::testing::injectNonFinite(static_cast<Phase>(stopPhase), divergeAt);
        }

        Recorder whole;
        RunControl wholeControl;
        QCOMPARE(Trainer::run(c, whole, wholeControl).status, RunStatus::Finished);

        Recorder first;
        RunControl firstControl;
        first.onStep = [&](const StepMetrics& s) {
            if (int(s.phase) == stopPhase && s.step == stopStep) {
                firstControl.requestStop();
            }
        };
        const Finished stopped = Trainer::run(c, first, firstControl);
        QCOMPARE(stopped.status, RunStatus::Stopped);
        QCOMPARE(stopped.step, std::int64_t(stoppedStep));
        QCOMPARE(first.checkpoints.size(), std::size_t{1});
        QCOMPARE(first.checkpoints.back().step, std::int64_t(stoppedStep));
        const auto described = Trainer::describeCheckpoint(*first.checkpoints.back().data);
        QVERIFY(described.ok());
        QVERIFY(QString::fromStdString(described.value()).endsWith(QStringLiteral(" step %1").arg(stoppedStep)));

        Recorder second;
        RunControl secondControl;
        const Finished resumed = Trainer::run(c, second, secondControl, *first.checkpoints.back().data);
        QCOMPARE(resumed.status, RunStatus::Finished);
        QCOMPARE(second.started->startStep, std::int64_t(stoppedStep));

        auto joined = first.steps;
        joined.insert(joined.end(), second.steps.begin(), second.steps.end());
        QCOMPARE(joined.size(), whole.steps.size());  // no gap, no duplicate
        QVERIFY(series(joined) == series(whole.steps));
        auto evals = first.evals;
        evals.insert(evals.end(), second.evals.begin(), second.evals.end());
        QVERIFY(evalSeries(evals) == evalSeries(whole.evals));
        QCOMPARE(first.snapshots.size() + second.snapshots.size(), whole.snapshots.size());
        QCOMPARE(*resumed.testAccuracy, *whole.finished->testAccuracy);
        std::vector<std::string> warnings;
        for (const auto* part : {&first, &second}) {
            for (const auto& w : part->warnings) {
                warnings.push_back(w.message);
            }
        }
        std::vector<std::string> wholeWarnings;
        for (const auto& w : whole.warnings) {
            wholeWarnings.push_back(w.message);
        }
        QCOMPARE(warnings, wholeWarnings);
        if (divergeAt > 0) {
            QCOMPARE(wholeWarnings.size(), std::size_t{1});
            QVERIFY2(QString::fromStdString(wholeWarnings[0]).contains(
                         QStringLiteral("restored the model from step 20")),
                     wholeWarnings[0].c_str());
        }
    }

    void resumeRefusesAnotherConfigsCheckpoint() {
        Recorder first;
        RunControl control;
        first.onStep = [&](const StepMetrics& s) {
            if (s.step == 3) {
                control.requestStop();
            }
        };
        RunConfig c = smallConfig("cross_entropy");
        Trainer::run(c, first, control);
        QCOMPARE(first.checkpoints.size(), std::size_t{1});
        c.optimizer.lr = 0.5;
        Recorder second;
        RunControl control2;
        const Finished f = Trainer::run(c, second, control2, *first.checkpoints.back().data);
        QCOMPARE(f.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(f.message).contains("different config"), f.message.c_str());
        const Finished garbage = Trainer::run(c, second, control2, "not a checkpoint");
        QCOMPARE(garbage.status, RunStatus::Failed);
        QVERIFY(!Trainer::describeCheckpoint("nope").ok());
    }

    void pauseTakesEffectWithinOneStep() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("adalfl");
        c.meta.initSteps = 0;
        c.steps = 40;
        // Pause requested while step 5 is reported: the engine must park before step 6.
        rec.onStep = [&](const StepMetrics& s) {
            if (s.step == 5) {
                control.requestPause();
            }
        };
        Finished f;
        std::thread worker([&] { f = Trainer::run(c, rec, control); });
        QTRY_VERIFY_WITH_TIMEOUT(control.engineWaiting(), 60000);
        QCOMPARE(rec.lastStep.load(), std::int64_t{5});
        {
            std::lock_guard<std::mutex> lock(rec.mutex);
            rec.onStep = [&](const StepMetrics& s) {
                if (s.step == 12) {
                    control.requestStop();
                }
            };
        }
        control.requestResume();
        worker.join();
        QCOMPARE(f.status, RunStatus::Stopped);
        QCOMPARE(f.step, std::int64_t{12});
        QCOMPARE(rec.steps.back().step, std::int64_t{12});
        QCOMPARE(rec.checkpoints.back().step, std::int64_t{12});
    }

    void stopWhilePausedEndsTheRun() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("cross_entropy");
        rec.onStep = [&](const StepMetrics& s) {
            if (s.step == 2) {
                control.requestPause();
            }
        };
        Finished f;
        std::thread worker([&] { f = Trainer::run(c, rec, control); });
        QTRY_VERIFY_WITH_TIMEOUT(control.engineWaiting(), 60000);
        control.requestStop();
        worker.join();
        QCOMPARE(f.status, RunStatus::Stopped);
        QCOMPARE(f.step, std::int64_t{2});
    }

    void divergenceIsRecovered() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("adalfl");
        train::testing::injectNonFinite(Phase::Online, 25, 1);
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Finished);
        QCOMPARE(rec.warnings.size(), std::size_t{1});
        QCOMPARE(rec.warnings[0].code, std::string("divergence"));
        QCOMPARE(rec.warnings[0].step, std::int64_t{25});
        QVERIFY2(QString::fromStdString(rec.warnings[0].message).contains("halved to 0.0005"),
                 rec.warnings[0].message.c_str());
        // The failed step is not reported; every reported value is finite.
        for (const auto& s : rec.steps) {
            QVERIFY(!(s.phase == Phase::Online && s.step == 25));
            QVERIFY(std::isfinite(s.trainLoss) && std::isfinite(s.gradNorm));
        }
        for (const auto& s : rec.snapshots) {
            for (float v : s.lossY1) {
                QVERIFY(std::isfinite(v));
            }
        }
        QVERIFY(std::isfinite(*f.testAccuracy));
    }

    void repeatedDivergenceEndsAsDiverged() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("cross_entropy");
        c.meta.maxFailures = 3;
        train::testing::injectNonFinite(Phase::Training, 10, 1000);
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Diverged);
        QCOMPARE(rec.warnings.size(), std::size_t{3});
        QVERIFY2(QString::fromStdString(f.message).contains("3 consecutive"), f.message.c_str());
        QCOMPARE(rec.steps.back().step, std::int64_t{9});
        QVERIFY(rec.finished.has_value());
    }

    void badConfigAndDataFailClearly() {
        Recorder rec;
        RunControl control;
        RunConfig c = smallConfig("adalfl");
        c.data.name = "mnist";
        c.data.path = "/nonexistent/folder";
        const Finished f = Trainer::run(c, rec, control);
        QCOMPARE(f.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(f.message).contains("/nonexistent/folder"), f.message.c_str());
        QVERIFY(rec.finished.has_value());
        RunConfig cnn = smallConfig("cross_entropy");
        cnn.model.name = "lenet5";
        const Finished g = Trainer::run(cnn, rec, control);
        QCOMPARE(g.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(g.message).contains("image input"), g.message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
