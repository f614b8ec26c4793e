#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

namespace lossstudio::ui {

/// A run config as dotted keys ("optimizer.lr" -> 0.01); arrays stay whole values
/// ("model.hidden" -> [1000, 1000]).
using FlatConfig = QMap<QString, QJsonValue>;

/// Flattens a JSON object into dotted keys. Thread-safe (pure).
FlatConfig flattenConfig(const QJsonObject& object);

/// Reads a stored config: normalised through core::parseRunConfig / core::toJson when this build
/// can read it (so keys left at their default in the file still compare), else the JSON as it
/// is. Empty when the text is not a JSON object. Thread-safe (pure).
FlatConfig flattenConfigJson(const QString& json);

/// Keys that differ between repeats of one experiment without changing it: "name" and "seed".
/// The diff shows them (marked); grouping ignores them.
bool isTrivialConfigKey(const QString& key);

/// Whether `key` has an effect on a run of `config`: the learned loss's, meta-learning's and the
/// collapse watch's keys only for ML3 and AdaLFL, TaylorGLO's only for TaylorGLO, SGD's and
/// Adam's only for their optimiser, the CSV and synthetic data keys only for their dataset,
/// model.hidden only for the MLP. Thread-safe (pure).
bool configKeyMatters(const FlatConfig& config, const QString& key);

/// One key whose value is not the same in every config.
struct ConfigDiffRow {
    QString key;
    /// One per config, in order; Undefined where the key is missing or has no effect on that
    /// config's run (configKeyMatters).
    QVector<QJsonValue> values;
    bool trivial = false;        ///< name or seed (see isTrivialConfigKey)
};

/// The keys (sorted) whose values differ across the configs on whose runs they have an effect
/// (configKeyMatters; a key missing from such a config differs too): meta.init_steps of a
/// cross-entropy run beside an AdaLFL run is no difference. Trivial keys are marked.
/// Thread-safe (pure).
QVector<ConfigDiffRow> diffConfigs(const QVector<FlatConfig>& configs);

/// A text identity of a config without its trivial keys: runs with equal keys are repeats of one
/// experiment with other seeds (and names). Thread-safe (pure).
QString seedGroupKey(const FlatConfig& config);

/// A value as short text for tables ("0.01", "sgd", "[1000,1000]", "—" when missing).
QString configValueText(const QJsonValue& value);

}  // namespace lossstudio::ui
