#include <QFile>
#include <QFileInfo>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include <unistd.h>

#include <lossstudio/core/events.h>
#include <lossstudio/core/logging.h>
#include <lossstudio/core/phases.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/core/trainer.h>

#include "app_common.h"
#include "cli_commands.h"
#include "run_recorder.h"
#include "store_location.h"

namespace lossstudio::app {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) {
    g_interrupted.store(true);
}

std::string formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return "--";
    }
    const long s = std::lround(seconds);
    char buffer[32];
    if (s >= 3600) {
        std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    } else if (s >= 60) {
        std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
    } else {
        std::snprintf(buffer, sizeof buffer, "%lds", s);
    }
    return buffer;
}

/// Shows a run's progress: a redrawn bar on a terminal, a line per evaluation otherwise. Runs on
/// the engine thread (the CLI has no other).
class ProgressPrinter final : public core::Observer {
public:
    ProgressPrinter(core::RunControl& control, bool terminal, bool quiet, long long stopAfter)
        : m_control(control), m_terminal(terminal), m_quiet(quiet), m_stopAfter(stopAfter) {}

    void onRunStarted(const core::RunStarted& e) override {
        m_config = e.config;
        m_total = e.config.steps;
        m_init = core::phaseSteps(e.config, core::Phase::OfflineInit);
        m_population = e.config.taylorglo.population;
        if (!m_quiet) {
            std::fprintf(
                stderr,
                "%s: %s, %s, %s; %lld train / %lld validation / %lld test, "
                "%lld model parameters, %d threads\n",
                e.config.name.c_str(), e.config.method.c_str(), e.config.model.name.c_str(),
                e.config.data.name.c_str(), static_cast<long long>(e.trainSize),
                static_cast<long long>(e.validationSize), static_cast<long long>(e.testSize),
                static_cast<long long>(e.modelParameters), e.threads);
            if (e.startStep > 0) {
                std::fprintf(stderr, "resuming after %s step %lld\n", core::phaseName(e.startPhase),
                             static_cast<long long>(e.startStep));
            }
        }
    }

    void onPhaseChanged(const core::PhaseChanged& e) override {
        m_phase = e.phase;
        if (!m_quiet && e.phase != core::Phase::Setup) {
            clearBar();
            std::fprintf(stderr, "phase %s: %s\n", core::phaseName(e.phase), e.description.c_str());
        }
    }

    void onStepMetrics(const core::StepMetrics& e) override {
        ++m_stepsThisSession;
        if ((g_interrupted.load() || (m_stopAfter > 0 && m_stepsThisSession >= m_stopAfter)) &&
            !m_control.stopRequested()) {
            m_control.requestStop();
        }
        m_last = e;
        if (e.search) {
            m_searchBest = e.search->bestError;
            if (!m_terminal && !m_quiet && e.step % m_population == 0) {
                std::fprintf(stderr,
                             "search generation %d: best validation error %.4f, sigma %.3g  "
                             "%3.0f%%  elapsed %s  eta %s\n",
                             e.search->generation, e.search->bestError, e.search->sigma,
                             100.0 * e.progress, formatDuration(e.wallTime).c_str(), eta().c_str());
            }
        }
        if (e.metaLoss) {
            m_metaLoss = *e.metaLoss;
        }
        // The offline phase has no evaluations: without a bar, report it ten times.
        if (!m_terminal && !m_quiet && e.phase == core::Phase::OfflineInit && m_init >= 10 &&
            e.step % (m_init / 10) == 0) {
            std::fprintf(
                stderr,
                "offline-init step %lld/%lld  %3.0f%%  meta-loss %.4f  elapsed %s  eta %s\n",
                static_cast<long long>(e.step), m_init, 100.0 * e.progress, m_metaLoss,
                formatDuration(e.wallTime).c_str(), eta().c_str());
        }
        const auto now = std::chrono::steady_clock::now();
        if (m_terminal && !m_quiet && now - m_lastDraw > std::chrono::milliseconds(100)) {
            m_lastDraw = now;
            drawBar();
        }
    }

    void onEvalMetrics(const core::EvalMetrics& e) override {
        if (e.split == "validation") {
            m_validation = e.accuracy;
        } else {
            m_test = e.accuracy;
        }
        // One line per evaluation when not drawing a bar (logs, pipes, CI).
        if (!m_terminal && !m_quiet && e.split == "test") {
            std::fprintf(
                stderr,
                "%s step %lld/%lld  %3.0f%%  validation %.4f  test %.4f  elapsed %s  eta %s\n",
                core::phaseName(e.phase), static_cast<long long>(e.step),
                static_cast<long long>(m_total), 100.0 * m_last.progress, m_validation, m_test,
                formatDuration(m_last.wallTime).c_str(), eta().c_str());
        }
    }

    void onWarning(const core::Warning& e) override {
        clearBar();
        std::fprintf(stderr, "warning: %s\n", e.message.c_str());
    }

    void onFinished(const core::Finished&) override { clearBar(); }

private:
    std::string eta() const {
        if (m_last.progress <= 0) {
            return "--";
        }
        return formatDuration(m_last.wallTime * (1.0 - m_last.progress) / m_last.progress);
    }

    void drawBar() {
        constexpr int kWidth = 28;
        const int filled = static_cast<int>(m_last.progress * kWidth);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(kWidth, '.');
        const long long total = core::phaseSteps(m_config, m_last.phase);
        std::fprintf(
            stderr, "\r[%s] %3.0f%% %s %lld/%lld | eta %s | val %s | meta %s\x1b[K", bar.c_str(),
            100.0 * m_last.progress, core::phaseName(m_last.phase),
            static_cast<long long>(m_last.step), total, eta().c_str(),
            m_validation >= 0
                ? (std::to_string(std::lround(m_validation * 1000) / 10.0).substr(0, 4) + "%")
                      .c_str()
                : "--",
            m_searchBest >= 0 ? ("best err " + std::to_string(m_searchBest).substr(0, 6)).c_str()
            : m_metaLoss >= 0 ? std::to_string(m_metaLoss).substr(0, 6).c_str()
                              : "--");
        std::fflush(stderr);
        m_barShown = true;
    }

    void clearBar() {
        if (m_barShown) {
            std::fputs("\r\x1b[K", stderr);
            m_barShown = false;
        }
    }

    core::RunControl& m_control;
    bool m_terminal;
    bool m_quiet;
    long long m_stopAfter;  ///< stop after this many steps of this session (0: never)
    long long m_stepsThisSession = 0;
    bool m_barShown = false;
    core::Phase m_phase = core::Phase::Setup;
    core::StepMetrics m_last{};
    core::RunConfig m_config;
    long long m_total = 0;
    long long m_init = 0;
    int m_population = 1;
    double m_searchBest = -1;
    double m_validation = -1;
    double m_test = -1;
    double m_metaLoss = -1;
    std::chrono::steady_clock::time_point m_lastDraw{};
};

const char* const kRunUsage =
    "usage: lossstudio-cli run CONFIG.json [--set key=value ...] [options]\n"
    "       lossstudio-cli run --resume RUN [options]\n"
    "  CONFIG.json    a run config or a preset file (resources/presets/*.json); '-' for\n"
    "                 defaults (see lossstudio-cli config --defaults)\n"
    "  --set k=v      override one key, e.g. --set optimizer.lr=0.1 --set model.hidden=256,256\n"
    "  --resume RUN   continue a stopped or interrupted stored run (id, UUID or UUID prefix)\n"
    "                 from its newest checkpoint; its series continue where the checkpoint was\n"
    "  --db PATH      the run store (default: $XDG_DATA_HOME/lossstudio/runs.sqlite)\n"
    "  --no-store     do not record the run\n"
    "  --keep-failed  record the run as failed even when it fails before it starts (a missing\n"
    "                 dataset, a model that does not fit); by default the store is left as it was\n"
    "  --tag TAG      tag the new run (repeatable);  --notes TEXT  its notes\n"
    "  --stop-after N stop cleanly, with a checkpoint, after N steps of this session (all\n"
    "                 phases count); continue later with --resume (e.g. under a job time limit)\n"
    "  --quiet        no progress output, only the summary\n"
    "exit status: 0 finished, 1 failed, 2 usage, 3 stopped (Ctrl+C), 4 diverged,\n"
    "             5 finished or stopped but not (fully) recorded in the store (a stopped\n"
    "               run may then not resume)\n";

int exitCode(core::RunStatus status) {
    switch (status) {
        case core::RunStatus::Finished:
            return 0;
        case core::RunStatus::Stopped:
            return 3;
        case core::RunStatus::Diverged:
            return 4;
        default:
            return 1;
    }
}

/// The value after option `args[i]`, or an empty string (and a usage message) when missing.
bool takeValue(const QStringList& args, int& i, QString* value) {
    if (i + 1 >= args.size()) {
        std::fprintf(stderr, "%s needs a value\n%s", qPrintable(args[i]), kRunUsage);
        return false;
    }
    *value = args[++i];
    return true;
}

}  // namespace

int runCommand(const QStringList& args) {
    QString configPath;
    QStringList overrides;
    std::optional<QString> db;  // --db's value, if given
    QString resume;
    QStringList tags;
    QString notes;
    bool quiet = false;
    bool store = true;
    bool keepFailed = false;
    long long stopAfter = 0;
    for (int i = 0; i < args.size(); ++i) {
        const QString& a = args[i];
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            std::fputs(kRunUsage, stdout);
            return 0;
        }
        QString value;
        if (a == QLatin1String("--set")) {
            if (!takeValue(args, i, &value)) {
                return 2;
            }
            overrides << value;
        } else if (a == QLatin1String("--db")) {
            if (!takeValue(args, i, &value)) {
                return 2;
            }
            db = value;
        } else if (a == QLatin1String("--resume")) {
            if (!takeValue(args, i, &resume)) {
                return 2;
            }
        } else if (a == QLatin1String("--tag")) {
            if (!takeValue(args, i, &value)) {
                return 2;
            }
            tags << value;
        } else if (a == QLatin1String("--notes")) {
            if (!takeValue(args, i, &notes)) {
                return 2;
            }
        } else if (a == QLatin1String("--stop-after")) {
            bool ok = false;
            if (!takeValue(args, i, &value) || (stopAfter = value.toLongLong(&ok), !ok) ||
                stopAfter < 1) {
                std::fprintf(stderr, "--stop-after takes a positive number of steps\n");
                return 2;
            }
        } else if (a == QLatin1String("--no-store")) {
            store = false;
        } else if (a == QLatin1String("--keep-failed")) {
            keepFailed = true;
        } else if (a.startsWith(QLatin1String("--set="))) {
            overrides << a.mid(6);
        } else if (a == QLatin1String("--quiet") || a == QLatin1String("-q")) {
            quiet = true;
        } else if (a.startsWith(QLatin1String("--"))) {
            std::fprintf(stderr, "unknown option '%s'\n%s", qPrintable(a), kRunUsage);
            return 2;
        } else if (configPath.isEmpty()) {
            configPath = a;
        } else {
            std::fprintf(stderr, "one config file only ('%s' and '%s')\n%s", qPrintable(configPath),
                         qPrintable(a), kRunUsage);
            return 2;
        }
    }
    if (!resume.isEmpty() && (!configPath.isEmpty() || !overrides.isEmpty())) {
        std::fprintf(stderr,
                     "--resume continues a stored run with its own config: give no "
                     "CONFIG.json and no --set\n");
        return 2;
    }
    if (!resume.isEmpty() && !store) {
        std::fprintf(stderr, "--resume and --no-store exclude each other\n");
        return 2;
    }
    if (configPath.isEmpty() && resume.isEmpty()) {
        std::fputs(kRunUsage, stderr);
        return 2;
    }

    core::RunConfig config;
    std::string checkpoint;
    const auto storeChoice = storePath(db);
    if (!storeChoice.ok()) {
        std::fprintf(stderr, "%s\n", storeChoice.error().c_str());
        return 2;
    }
    const QString storeFile = storeChoice.value();
    if (!resume.isEmpty()) {
        auto plan = loadResumePlan(storeFile, resume);
        if (!plan.ok()) {
            std::fprintf(stderr, "cannot resume '%s': %s\n", qPrintable(resume),
                         plan.error().c_str());
            return 1;
        }
        config = plan.value().config;
        checkpoint = std::move(plan.value().checkpoint);
        resume = plan.value().uuid;
        if (!quiet) {
            std::fprintf(stderr, "resuming run %s from its checkpoint at %s step %lld\n",
                         qPrintable(resume), qPrintable(plan.value().phase),
                         static_cast<long long>(plan.value().step));
        }
    } else if (configPath != QLatin1String("-")) {
        auto parsed = core::readRunConfigFile(configPath.toStdString());
        if (!parsed.ok()) {
            std::fprintf(stderr, "%s\n", parsed.error().c_str());
            return 1;
        }
        config = std::move(parsed).value();
    }
    for (const QString& o : overrides) {
        const int eq = o.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            std::fprintf(stderr, "--set takes key=value, got '%s'\n", qPrintable(o));
            return 2;
        }
        const auto status =
            core::setConfigValue(config, o.left(eq).toStdString(), o.mid(eq + 1).toStdString());
        if (!status.ok()) {
            std::fprintf(stderr, "--set %s: %s\n", qPrintable(o), status.error().c_str());
            return 1;
        }
    }
    if (const auto valid = core::validate(config); !valid.ok()) {
        std::fprintf(stderr, "%s\n", valid.error().c_str());
        return 1;
    }
    if (config.name.empty()) {
        config.name = core::uniqueRunName(config);
    }

    core::RunControl control;
    ProgressPrinter progress(control, isatty(STDERR_FILENO) != 0, quiet, stopAfter);
    core::ObserverList observers;
    observers.add(&progress);
    std::unique_ptr<RunRecorder> recorder;
    if (store) {
        RunRecorder::Options options;
        options.storePath = storeFile;
        options.resumeUuid = resume;
        options.config = config;
        options.keepFailedAttempts = keepFailed;
        options.tags = tags;
        options.notes = notes;
        recorder = std::make_unique<RunRecorder>(std::move(options));
        // Before any training: a run that cannot be recorded would have no checkpoint to
        // resume from and nothing to find later.
        if (!recorder->openStore()) {
            std::fprintf(stderr,
                         "cannot record the run in %s: %s\nnothing was trained: give a store that "
                         "can be written (--db PATH) or train without one (--no-store)\n",
                         qPrintable(storeFile), qPrintable(recorder->lastError()));
            return 1;
        }
        observers.add(recorder.get());
    }

    g_interrupted.store(false);
    auto previousInt = std::signal(SIGINT, onInterrupt);
    auto previousTerm = std::signal(SIGTERM, onInterrupt);
    const core::Finished finished = core::Trainer::run(config, observers, control, checkpoint);
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);

    std::printf("run:      %s\n", config.name.c_str());
    if (recorder) {
        std::printf(
            "stored:   %s in %s\n",
            recorder->runUuid().isEmpty() ? "(not recorded)" : qPrintable(recorder->runUuid()),
            qPrintable(storeFile));
    }
    if (recorder && recorder->runUuid().isEmpty() && recorder->errorCount() == 0 &&
        finished.status == core::RunStatus::Failed) {
        std::fprintf(stderr,
                     "nothing was recorded in %s: the run failed before it started (add "
                     "--keep-failed to record such attempts)\n",
                     qPrintable(storeFile));
    }
    std::printf("status:   %s\n", core::statusName(finished.status));
    std::printf("message:  %s\n", finished.message.c_str());
    std::printf("phase:    %s step %lld\n", core::phaseName(finished.phase),
                static_cast<long long>(finished.step));
    std::printf("time:     %.1f s\n", finished.wallTime);
    if (finished.validationAccuracy) {
        std::printf("validation accuracy: %.4f\n", *finished.validationAccuracy);
    }
    if (finished.testAccuracy) {
        std::printf("test accuracy:       %.4f\n", *finished.testAccuracy);
    }
    if (recorder && recorder->errorCount() > 0) {
        std::fprintf(stderr, "warning: %d store error(s); the first: %s\n", recorder->errorCount(),
                     qPrintable(recorder->lastError()));
        if (finished.status == core::RunStatus::Finished ||
            finished.status == core::RunStatus::Stopped) {
            return 5;  // a stopped run's checkpoint may be missing: --resume may not work
        }
    }
    return exitCode(finished.status);
}

int configCommand(const QStringList& args) {
    if (args.contains(QStringLiteral("--defaults"))) {
        std::printf("%s\n", core::toJson(core::RunConfig{}).c_str());
        return 0;
    }
    if (args.contains(QStringLiteral("--keys"))) {
        for (const auto& f : core::configFields()) {
            std::printf("%-28s %s\n", f.key.c_str(), f.description.c_str());
        }
        return 0;
    }
    const int check = args.indexOf(QStringLiteral("--check"));
    if (check >= 0 && check + 1 < args.size()) {
        const auto config = core::readRunConfigFile(args[check + 1].toStdString());
        if (!config.ok()) {
            std::fprintf(stderr, "%s\n", config.error().c_str());
            return 1;
        }
        std::printf("%s: valid\n", qPrintable(args[check + 1]));
        return 0;
    }
    std::fputs("usage: lossstudio-cli config --defaults | --keys | --check CONFIG.json\n", stderr);
    return 2;
}

}  // namespace lossstudio::app
