#pragma once

#include <QFutureWatcher>
#include <QString>
#include <QVector>
#include <QWidget>
#include <map>
#include <vector>

#include <lossstudio/core/result.h>
#include <lossstudio/core/run_config.h>
#include <lossstudio/ui/presets.h>

class QCheckBox;
class QComboBox;
class QLabel;
class QVBoxLayout;

namespace lossstudio::ui {

class WheelGuard;

/// The experiment form: one editor per key of core::configFields() (type, range, choices and
/// description taken from there), grouped as the JSON is, with presets, JSON load / save and
/// inline validation. Every edit goes through core::setConfigValue, then core::validate and a
/// check that the dataset's path exists; an error appears in red under the field it names and
/// makes the form invalid (validityChanged), which disables Start. Whether a folder holds the
/// dataset's files is checked on a worker thread when the dataset or its path is set; its answer
/// shows under the path when it arrives.
///
/// Thread affinity: GUI thread.
class ExperimentPanel final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExperimentPanel)

public:
    explicit ExperimentPanel(QWidget* parent = nullptr);
    ~ExperimentPanel() override;

    /// The config the form shows. Meaningful for a run only while isValid().
    const core::RunConfig& config() const { return m_config; }
    /// Shows `config` in every editor and re-validates.
    void setConfig(const core::RunConfig& config);
    bool isValid() const { return m_errors.empty(); }
    /// The first error (form order), or empty.
    QString firstError() const;
    /// The error shown under `key`'s editor, or empty.
    QString fieldError(const QString& key) const;
    /// The editor of `key` (QLineEdit, QComboBox, QSpinBox or QCheckBox), or nullptr.
    QWidget* editor(const QString& key) const;

    const QVector<Preset>& presets() const { return m_presets; }
    /// The preset the form holds unchanged (applied and not edited since), or nullptr.
    const Preset* currentPreset() const;
    /// Applies the preset with `id` (keeps the dataset path when the dataset stays the same).
    /// Returns false if there is no such preset.
    bool applyPreset(const QString& id);
    /// Loads a JSON config file; on error nothing changes. Combination errors (a missing dataset
    /// path) load and show inline.
    core::Status loadConfigFile(const QString& path);
    /// Saves the form's config (every key) as JSON.
    core::Status saveConfigFile(const QString& path) const;

    /// True while the dataset folder's files are being looked for (tests).
    bool isCheckingDatasetFolder() const { return m_folderWatcher.isRunning(); }

    /// Whether the engine has a CUDA device (device "cuda" is an error without one; default false).
    void setCudaAvailable(bool available);

    /// Disables editing while a run uses the config (the form stays readable).
    void setEditable(bool editable);
    /// Puts `widget` (the Start button) under the form. The panel takes ownership.
    void setFooterWidget(QWidget* widget);

Q_SIGNALS:
    /// The form turned valid or invalid.
    void validityChanged(bool valid);
    /// The config changed (by the user, a preset or a file).
    void configChanged();

private:
    struct Field {
        core::ConfigField info;
        QWidget* editor = nullptr;
        QWidget* row = nullptr;  ///< editor (and browse button) above the error label
        QLabel* error = nullptr;
        QLabel* label = nullptr;  ///< the key's name, left of `row` in the group's grid
        bool advanced = false;
    };

    void buildForm(QVBoxLayout* layout);
    QWidget* makeEditor(Field& field);
    QString editorText(const Field& field) const;
    void setEditorText(Field& field, const QString& text);
    void onEdited(const std::string& key);
    void revalidate();
    void updateRelevance();
    void browseForPath();
    /// Looks for the dataset's files in data.path on a worker (datasetFolderProblem).
    void checkDatasetFolder();
    void onDatasetFolderChecked();
    Field* field(const std::string& key);
    const Field* field(const std::string& key) const;

    core::RunConfig m_config;
    std::vector<Field> m_fields;
    std::map<std::string, QString> m_editErrors;  ///< text that setConfigValue refused, by key
    std::map<std::string, QString> m_errors;      ///< every error shown, by key
    QVector<Preset> m_presets;
    QComboBox* m_presetCombo = nullptr;
    WheelGuard* m_wheelGuard = nullptr;  ///< editors ignore the wheel unless focused
    QLabel* m_presetDescription = nullptr;
    QCheckBox* m_advanced = nullptr;
    QWidget* m_form = nullptr;
    QVBoxLayout* m_footer = nullptr;
    bool m_updating = false;
    bool m_wasValid = true;
    bool m_cudaAvailable = false;
    QFutureWatcher<QString> m_folderWatcher;
    QString m_folderChecking;  ///< "dataset\npath" of the running check
    QString m_folderChecked;   ///< "dataset\npath" m_folderError answers
    QString m_folderError;
};

}  // namespace lossstudio::ui
