#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QtGlobal>
#include <limits>

namespace lossstudio::storage {

/// A run's state in the store. Interrupted is set when the store opens and finds a `running` run
/// whose writing process is gone (see store.h).
enum class RunStatus { Running, Finished, Stopped, Failed, Diverged, Interrupted };

/// "running", "finished", "stopped", "failed", "diverged", "interrupted" (the store's text).
QString statusName(RunStatus status);
/// The status named by statusName(); false when the name is unknown.
bool statusFromName(const QString& name, RunStatus* status);

/// Everything known about a run when it is created. Value type.
struct NewRun {
    QString uuid;  ///< empty: a new random UUID; merge and tests may set one
    QString name;
    QString configJson;  ///< the complete run config as JSON text
    QString configHash;  ///< stable hash of what determines the result (repeated runs share it)
    quint64 seed = 0;
    QString method;
    QString model;
    QString dataset;
    QString appVersion;
    QString qtVersion;
    QString torchVersion;
    QString host;  ///< host name, for people; liveness checks use the machine id
    QString notes;
    QStringList tags;
};

/// The identity of a run in one store: `id` is local to the file, `uuid` is global.
struct RunHandle {
    qint64 id = 0;
    QString uuid;
};

/// The newest point of one metric of a run, kept by the writer in latest_metrics.
struct LatestMetric {
    qint64 step = 0;
    double value = 0;
};

/// One row of the runs table with its tags and latest metrics. Value type.
struct RunRecord {
    qint64 id = 0;
    QString uuid;
    QString name;
    RunStatus status = RunStatus::Running;
    QDateTime createdAt;   ///< UTC
    QDateTime finishedAt;  ///< UTC; invalid while running
    QDateTime updatedAt;   ///< UTC; the last commit of the writer
    QString configJson;    ///< empty in run lists unless RunQuery::withConfig
    QString configHash;
    quint64 seed = 0;
    QString method;
    QString model;
    QString dataset;
    QString appVersion;
    QString qtVersion;
    QString torchVersion;
    QString host;
    QString notes;
    QString message;   ///< why the run ended (error text, "stopped by the user"...)
    QStringList tags;  ///< sorted
    QMap<QString, LatestMetric> latest;  ///< by metric key; filtered by RunQuery::latestKeys
};

/// Which runs a list shows. Empty fields do not filter. Text matching is case-insensitive for
/// ASCII; `text` looks in the name, the notes and the tags.
struct RunFilter {
    QString method;
    QString model;
    QString dataset;
    QVector<RunStatus> statuses;  ///< any of these
    QString tag;                  ///< runs carrying this exact tag
    QString text;                 ///< substring of name, notes or a tag
    QString configHash;           ///< repeats of one configuration
    QVector<qint64> ids;          ///< only these runs
};

/// Order of a run list. Ties are broken by id in the same direction.
struct RunSort {
    enum class Field {
        CreatedAt,
        FinishedAt,
        Name,
        Status,
        Method,
        Model,
        Dataset,
        Seed,
        Id,
        Metric,  ///< the latest value of `metricKey`; runs without it come last
    };
    Field field = Field::CreatedAt;
    QString metricKey;
    Qt::SortOrder order = Qt::DescendingOrder;
};

/// A page of a run list.
struct RunQuery {
    RunFilter filter;
    RunSort sort;
    int offset = 0;
    int limit = -1;          ///< -1: every matching run
    QStringList latestKeys;  ///< latest metrics to attach; empty: all of them
    bool withLatest = true;
    bool withConfig = false;  ///< also load config_json (large; off for lists)
};

/// One stored metric point.
struct MetricRow {
    QString key;
    qint64 step = 0;
    /// The run's own clock in seconds: training time, pauses excluded, continued across
    /// resumptions.
    double wallTime = 0;
    double value = 0;
};

/// A metric series in step order, ready for plotting.
struct MetricSeries {
    QString key;
    QVector<double> steps;
    QVector<double> values;
    /// Set when the series was min/max-decimated: bucket k covers steps
    /// [bucketOrigin + k * bucketWidth, bucketOrigin + (k + 1) * bucketWidth). 0 otherwise.
    qint64 bucketWidth = 0;
    qint64 bucketOrigin = 0;
};

/// A learned-loss snapshot (or any float arrays) at one step.
struct Snapshot {
    qint64 step = 0;
    QString kind;
    QVector<QVector<float>> arrays;
};

/// A stored checkpoint; `data` is only loaded by the calls that say so.
struct Checkpoint {
    qint64 id = 0;
    qint64 step = 0;
    QString phase;
    QDateTime createdAt;
    qint64 size = 0;
    QByteArray data;
};

/// Something that happened during a run: a phase change, a warning, a resumption...
struct EventRecord {
    qint64 step = 0;
    QString phase;  ///< the phase the run was in
    QString kind;   ///< "phase", "warning", "started", "resumed", ...
    QString code;   ///< a warning's code ("divergence"), the new phase of a phase change
    QString message;
    double wallTime = 0;
    /// Facts of the event as values, for code to read (a "started" event's "classes",
    /// "train_size", ...); the message is for people. Empty for most events.
    QJsonObject fields = {};
};

/// A group of rows a resumed run drops so that its series continue without duplicates. Storage
/// knows no phases: the caller says which rows belong to the phase being resumed (afterStep = the
/// checkpoint's step) and to later phases (afterStep = kAll).
struct RowScope {
    static constexpr qint64 kAll = std::numeric_limits<qint64>::min();
    qint64 afterStep = kAll;             ///< rows with a larger step go; kAll drops the whole scope
    QStringList metricKeyGlobs;          ///< metrics whose key matches one of these (SQLite GLOB)
    bool metricKeyGlobsNegated = false;  ///< ...or, when set, matches none of them
    QString snapshotKindGlob;            ///< snapshots whose kind matches; empty: none
    QString phase;                       ///< events and checkpoints of this phase; empty: none
};

}  // namespace lossstudio::storage
