#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

#include <lossstudio/core/run_config.h>

#include "cli_commands.h"
#include "sweep_grid.h"

namespace lossstudio::app {
namespace {

const char* const kSweepUsage =
    "usage: lossstudio-cli sweep plan GRID.json [--json]\n"
    "  plan GRID.json  expand a grid file and print its tasks (index, identity, settings);\n"
    "                  a bad grid fails naming the key, before anything runs\n"
    "  --json          print the plan as JSON (every task's complete config)\n"
    "A grid file: {\"name\": \"lr-grid\", \"base\": \"../presets/quick.json\" (or \"config\": "
    "{...}),\n"
    "  \"set\": {\"steps\": 2000}, \"axes\": {\"method\": [\"cross_entropy\", \"adalfl\"]},\n"
    "  \"zip\": [{\"model.name\": [\"mlp\", \"lenet5\"], \"optimizer.lr\": [0.01, 0.001]}],\n"
    "  \"seeds\": [0, 1, 2], \"resources\": {\"cpus\": 2, \"memory\": \"2G\", \"time\": "
    "\"01:00:00\"}}\n"
    "A task's identity is its config hash (without the seed) and its seed.\n";

QJsonObject taskJson(const SweepTask& task) {
    QJsonObject settings;
    for (const auto& [key, value] : task.settings) {
        settings.insert(QString::fromStdString(key), QString::fromStdString(value));
    }
    return {{QStringLiteral("index"), task.index},
            {QStringLiteral("id"), QString::fromStdString(task.id)},
            {QStringLiteral("name"), QString::fromStdString(task.config.name)},
            {QStringLiteral("seed"), QString::number(task.seed)},
            {QStringLiteral("settings"), settings},
            {QStringLiteral("config"),
             QJsonDocument::fromJson(QByteArray::fromStdString(core::toJson(task.config, -1)))
                 .object()}};
}

int planCommand(const QStringList& args) {
    QString path;
    bool json = false;
    for (const QString& a : args) {
        if (a == QLatin1String("--json")) {
            json = true;
        } else if (a.startsWith(QLatin1String("--")) || !path.isEmpty()) {
            std::fprintf(stderr, "unexpected argument '%s'\n%s", qPrintable(a), kSweepUsage);
            return 2;
        } else {
            path = a;
        }
    }
    if (path.isEmpty()) {
        std::fputs(kSweepUsage, stderr);
        return 2;
    }
    const auto grid = readSweepGrid(path);
    if (!grid.ok()) {
        std::fprintf(stderr, "%s\n", grid.error().c_str());
        return 1;
    }
    const SweepGrid& g = grid.value();
    if (json) {
        QJsonArray tasks;
        for (const SweepTask& t : g.tasks) {
            tasks.append(taskJson(t));
        }
        QJsonArray axes;
        for (const std::string& k : g.axisKeys) {
            axes.append(QString::fromStdString(k));
        }
        const QJsonObject out{{QStringLiteral("name"), QString::fromStdString(g.name)},
                              {QStringLiteral("axes"), axes},
                              {QStringLiteral("tasks"), tasks}};
        std::fputs(QJsonDocument(out).toJson(QJsonDocument::Indented).constData(), stdout);
        return 0;
    }
    std::string axes;
    for (const std::string& k : g.axisKeys) {
        axes += (axes.empty() ? "" : ", ") + k;
    }
    std::printf("sweep %s: %zu tasks (%zu seeds; axes: %s)\n", g.name.c_str(), g.tasks.size(),
                g.seeds.size(), axes.empty() ? "none" : axes.c_str());
    std::printf("resources per task: %d cpus, memory %s, time %s, %d gpus\n", g.resources.cpus,
                g.resources.memory.isEmpty() ? "default" : qPrintable(g.resources.memory),
                g.resources.time.isEmpty() ? "default" : qPrintable(g.resources.time),
                g.resources.gpus);
    for (const SweepTask& t : g.tasks) {
        std::string settings;
        for (const auto& [key, value] : t.settings) {
            settings += key + "=" + value + "  ";
        }
        std::printf("%5d  %s  %sseed=%llu\n", t.index, t.id.c_str(), settings.c_str(),
                    static_cast<unsigned long long>(t.seed));
    }
    return 0;
}

}  // namespace

int sweepCommand(const QStringList& args) {
    if (args.isEmpty() || args.first() == QLatin1String("--help") ||
        args.first() == QLatin1String("-h")) {
        std::fputs(kSweepUsage, args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    if (args.first() == QLatin1String("plan")) {
        return planCommand(args.mid(1));
    }
    std::fprintf(stderr, "unknown sweep command '%s'\n%s", qPrintable(args.first()), kSweepUsage);
    return 2;
}

}  // namespace lossstudio::app
