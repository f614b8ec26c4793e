#include "lossstudio/ui/experiment_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPromise>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QThreadPool>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>
#include <memory>
#include <set>

#include <lossstudio/core/paths.h>
#include <lossstudio/core/version.h>

#include "dataset_folder.h"
#include "lossstudio/ui/config_io.h"
#include "wheel_guard.h"

namespace lossstudio::ui {
namespace {

struct Group {
    const char* title;
    std::vector<std::string> keys;  ///< exact keys, or "prefix." for a whole JSON group
};

/// The form's groups in order; a key not listed lands in the group of its JSON prefix.
const std::vector<Group>& groups() {
    static const std::vector<Group> all = {
        {"Experiment", {"name", "method", "seed", "steps", "batch_size"}},
        {"Dataset", {"data."}},
        {"Model", {"model."}},
        {"Optimiser", {"optimizer."}},
        {"Learned loss network", {"loss."}},
        {"Meta-learning", {"meta."}},
        {"Collapse watch", {"collapse."}},
        {"TaylorGLO search", {"taylorglo."}},
        {"Evaluation and system",
         {"eval_interval", "snapshot_interval", "eval_batch_size", "snapshot_points",
          "checkpoint_interval", "device", "threads"}},
    };
    return all;
}

bool inGroup(const Group& group, const std::string& key) {
    for (const auto& k : group.keys) {
        if (k == key || (k.back() == '.' && key.compare(0, k.size(), k) == 0)) {
            return true;
        }
    }
    return false;
}

QString labelFor(const std::string& key) {
    static const std::map<std::string, const char*> labels = {
        {"name", "Run name"},
        {"method", "Method"},
        {"seed", "Seed"},
        {"steps", "Training steps"},
        {"batch_size", "Batch size"},
        {"threads", "CPU threads"},
        {"device", "Device"},
        {"eval_interval", "Evaluate every"},
        {"eval_batch_size", "Evaluation batch"},
        {"snapshot_interval", "Loss snapshot every"},
        {"snapshot_points", "Snapshot p-points"},
        {"checkpoint_interval", "Checkpoint every"},
        {"data.name", "Dataset"},
        {"data.path", "Path"},
        {"data.validation_fraction", "Validation fraction"},
        {"data.normalize", "Standardise inputs"},
        {"data.train_limit", "Training examples"},
        {"data.test_limit", "Test examples"},
        {"data.csv_label_column", "Label column"},
        {"data.csv_header", "Header line"},
        {"data.synthetic_classes", "Classes"},
        {"data.synthetic_features", "Features"},
        {"data.synthetic_samples", "Examples"},
        {"model.name", "Model"},
        {"model.hidden", "Hidden widths"},
        {"optimizer.name", "Optimiser"},
        {"optimizer.lr", "Learning rate"},
        {"optimizer.momentum", "Momentum"},
        {"optimizer.nesterov", "Nesterov"},
        {"optimizer.weight_decay", "Weight decay"},
        {"optimizer.beta1", "Adam \u03b21"},
        {"optimizer.beta2", "Adam \u03b22"},
        {"optimizer.eps", "Adam \u03b5"},
        {"optimizer.milestones", "LR milestones"},
        {"optimizer.gamma", "LR factor"},
        {"loss.hidden_width", "Hidden width"},
        {"loss.hidden_layers", "Hidden layers"},
        {"loss.activation", "Activation"},
        {"loss.gamma", "Smooth leaky \u03b3"},
        {"loss.beta", "Smooth leaky \u03b2"},
        {"loss.output", "Output"},
        {"loss.reduction", "Over classes"},
        {"loss.ce_weight", "Cross-entropy anchor"},
        {"meta.lr", "Meta learning rate"},
        {"meta.init_steps", "S_init (Phase A)"},
        {"meta.batches", "Meta batches from"},
        {"meta.max_failures", "Divergence retries"},
        {"collapse.threshold", "Gradient ratio below"},
        {"collapse.window", "Window (steps)"},
        {"collapse.fraction", "In at least (share)"},
        {"collapse.recovery", "Then"},
        {"collapse.max_restores", "Restores in a row"},
        {"taylorglo.sigma", "CMA-ES \u03c3"},
        {"taylorglo.population", "Population"},
        {"taylorglo.generations", "Generations"},
        {"taylorglo.partial_steps", "Steps per candidate"},
    };
    const auto it = labels.find(key);
    return it != labels.end() ? QString::fromUtf8(it->second) : QString::fromStdString(key);
}

QString choiceLabel(const std::string& key, const std::string& value) {
    static const std::map<std::string, const char*> labels = {
        {"method=adalfl", "AdaLFL (online)"},
        {"method=ml3", "ML3 (offline)"},
        {"method=cross_entropy", "Cross-entropy"},
        {"method=taylorglo", "TaylorGLO (offline, CMA-ES)"},
        {"collapse.recovery=none", "warn only"},
        {"collapse.recovery=restore", "warn, restore the last healthy loss"},
        {"data.name=fashion-mnist", "Fashion-MNIST"},
        {"data.name=mnist", "MNIST (choose folder)"},
        {"data.name=kmnist", "KMNIST (choose folder)"},
        {"data.name=cifar10", "CIFAR-10 (choose folder)"},
        {"data.name=cifar100", "CIFAR-100 (choose folder)"},
        {"data.name=csv", "CSV file"},
        {"data.name=synthetic", "Synthetic blobs"},
        {"model.name=logistic", "Logistic regression"},
        {"model.name=mlp", "MLP"},
        {"model.name=lenet5", "LeNet-5"},
        {"model.name=allcnnc", "AllCNN-C"},
        {"model.name=vgg16", "VGG-16"},
        {"model.name=resnet18", "ResNet-18"},
        {"model.name=wrn16_8", "WRN-16-8"},
        {"optimizer.name=sgd", "SGD"},
        {"optimizer.name=adam", "Adam"},
        {"loss.activation=auto", "auto (by method)"},
        {"loss.activation=smooth_leaky_relu", "smooth leaky ReLU"},
        {"loss.activation=relu", "ReLU"},
        {"loss.output=auto", "auto: none for AdaLFL, softplus for ML3"},
        {"loss.output=softplus", "softplus (loss \u2265 0)"},
        {"loss.output=none", "none (linear)"},
        {"loss.reduction=mean", "mean"},
        {"loss.reduction=sum", "sum"},
        {"meta.batches=validation", "validation split"},
        {"meta.batches=train", "training set"},
        {"device=cpu", "CPU"},
        {"device=cuda", "CUDA"},
    };
    const auto it = labels.find(key + "=" + value);
    return it != labels.end() ? QString::fromUtf8(it->second) : QString::fromStdString(value);
}

/// Rarely changed keys, shown with "Show advanced settings" (or when they hold an error).
bool isAdvanced(const std::string& key) {
    static const std::set<std::string> advanced = {"data.validation_fraction",
                                                   "data.normalize",
                                                   "data.train_limit",
                                                   "data.test_limit",
                                                   "optimizer.beta1",
                                                   "optimizer.beta2",
                                                   "optimizer.eps",
                                                   "optimizer.gamma",
                                                   "loss.gamma",
                                                   "loss.beta",
                                                   "meta.max_failures",
                                                   "eval_batch_size",
                                                   "snapshot_points",
                                                   "checkpoint_interval",
                                                   "data.csv_header",
                                                   "collapse.threshold",
                                                   "collapse.window",
                                                   "collapse.fraction",
                                                   "collapse.max_restores",
                                                   "taylorglo.sigma"};
    return advanced.count(key) > 0;
}

}  // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("experimentPanel"));
    m_presets = builtinPresets();

    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(6, 6, 6, 6);
    outer->setSpacing(6);

    // Presets and the advanced toggle sit above the scrolling form; the preset's title on the
    // dock's whole width under its label (beside it, "(~1 min)" was cut off at 1280x800).
    auto* presetRow = new QVBoxLayout;
    presetRow->setSpacing(2);
    presetRow->addWidget(new QLabel(tr("Preset:"), this));
    m_presetCombo = new QComboBox(this);
    m_presetCombo->setObjectName(QStringLiteral("presetCombo"));
    m_presetCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_presetCombo->setMinimumContentsLength(16);
    m_wheelGuard = new WheelGuard(this);
    m_wheelGuard->guard(m_presetCombo);
    m_presetCombo->addItem(tr("(custom)"), QString());
    for (const Preset& preset : m_presets) {
        m_presetCombo->addItem(preset.title, preset.id);
        m_presetCombo->setItemData(m_presetCombo->count() - 1, preset.description, Qt::ToolTipRole);
    }
    presetRow->addWidget(m_presetCombo);
    outer->addLayout(presetRow);
    m_presetDescription = new QLabel(this);
    m_presetDescription->setObjectName(QStringLiteral("presetDescription"));
    m_presetDescription->setWordWrap(true);
    m_presetDescription->setVisible(false);
    QPalette muted = m_presetDescription->palette();
    muted.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    m_presetDescription->setPalette(muted);
    outer->addWidget(m_presetDescription);

    m_advanced = new QCheckBox(tr("Show advanced settings"), this);
    m_advanced->setObjectName(QStringLiteral("showAdvanced"));
    outer->addWidget(m_advanced);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // Editors shrink to fit a narrow dock (combo boxes down to a few characters); a dock narrower
    // still scrolls sideways rather than cutting editors off.
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_form = new QWidget(scroll);
    auto* formLayout = new QVBoxLayout(m_form);
    formLayout->setContentsMargins(0, 0, 4, 0);
    buildForm(formLayout);
    formLayout->addStretch(1);
    scroll->setWidget(m_form);
    outer->addWidget(scroll, 1);

    m_footer = new QVBoxLayout;
    outer->addLayout(m_footer);

    connect(m_presetCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        const QString id = m_presetCombo->itemData(index).toString();
        if (!m_updating && !id.isEmpty()) {
            applyPreset(id);
        }
    });
    connect(m_advanced, &QCheckBox::toggled, this, [this]() { updateRelevance(); });
    connect(&m_folderWatcher, &QFutureWatcher<QString>::finished, this,
            &ExperimentPanel::onDatasetFolderChecked);

    setConfig(core::RunConfig{});
}

ExperimentPanel::~ExperimentPanel() = default;

void ExperimentPanel::setCudaAvailable(bool available) {
    m_cudaAvailable = available;
    revalidate();
}

void ExperimentPanel::buildForm(QVBoxLayout* layout) {
    const auto& all = core::configFields();
    std::set<std::string> placed;
    std::vector<QGridLayout*> grids;
    auto addGroup = [&](const QString& title, const std::vector<const core::ConfigField*>& keys) {
        if (keys.empty()) {
            return;
        }
        auto* box = new QGroupBox(title, m_form);
        // A grid, not a QFormLayout: Qt 6.4's QFormLayout writes past its row arrays when a row
        // hidden with setRowVisible() sits beside a visible height-for-width item (our
        // word-wrapped error labels): valgrind showed the write and the studio test crashed
        // about one run in ten. A grid lays hidden widgets out as absent rows.
        auto* grid = new QGridLayout(box);
        grid->setContentsMargins(6, 4, 6, 4);
        grid->setVerticalSpacing(3);
        grid->setColumnStretch(1, 1);
        grids.push_back(grid);
        int row = 0;
        for (const core::ConfigField* info : keys) {
            Field f;
            f.info = *info;
            f.advanced = isAdvanced(info->key);
            f.row = new QWidget(box);
            auto* rowLayout = new QVBoxLayout(f.row);
            rowLayout->setContentsMargins(0, 0, 0, 0);
            rowLayout->setSpacing(1);
            QWidget* editor = makeEditor(f);
            if (info->key == "data.path") {
                auto* line = new QHBoxLayout;
                line->setContentsMargins(0, 0, 0, 0);
                line->addWidget(editor, 1);
                auto* browse = new QPushButton(tr("Browse\u2026"), f.row);
                browse->setObjectName(QStringLiteral("browsePath"));
                connect(browse, &QPushButton::clicked, this, &ExperimentPanel::browseForPath);
                line->addWidget(browse);
                rowLayout->addLayout(line);
            } else {
                rowLayout->addWidget(editor);
            }
            f.error = new QLabel(f.row);
            f.error->setObjectName(QStringLiteral("error:") + QString::fromStdString(info->key));
            f.error->setWordWrap(true);
            f.error->setStyleSheet(QStringLiteral("color: #c62828;"));
            f.error->setVisible(false);
            rowLayout->addWidget(f.error);
            auto* label = new QLabel(labelFor(info->key), box);
            f.label = label;
            const QString tip = QStringLiteral("<b>%1</b><br>%2")
                                    .arg(QString::fromStdString(info->key),
                                         QString::fromStdString(info->description).toHtmlEscaped());
            label->setToolTip(tip);
            editor->setToolTip(tip);
            label->setBuddy(editor);
            // The label centred on the editor's line, whether or not an error shows below it.
            label->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
            label->setMinimumHeight(editor->sizeHint().height());
            grid->addWidget(label, row, 0, Qt::AlignLeft | Qt::AlignTop);
            if (info->key == "data.path") {
                // A path needs the width: on a line of its own under its label, across both
                // columns (beside the label it had ~80 px at the dock's default width).
                ++row;
                grid->addWidget(f.row, row, 0, 1, 2);
                auto* line = qobject_cast<QLineEdit*>(editor);
                connect(line, &QLineEdit::textChanged, line,
                        [line](const QString& text) { line->setToolTip(text); });
            } else {
                grid->addWidget(f.row, row, 1);
            }
            ++row;
            m_fields.push_back(std::move(f));
            placed.insert(info->key);
        }
        layout->addWidget(box);
    };
    for (const Group& group : groups()) {
        std::vector<const core::ConfigField*> keys;
        for (const auto& info : all) {
            if (inGroup(group, info.key) && placed.count(info.key) == 0) {
                keys.push_back(&info);
            }
        }
        addGroup(tr(group.title), keys);
    }
    std::vector<const core::ConfigField*> rest;  // keys added to core later still get an editor
    for (const auto& info : all) {
        if (placed.count(info.key) == 0) {
            rest.push_back(&info);
        }
    }
    addGroup(tr("Other"), rest);
    // One label column width for every group, so that all editors start at the same x (the
    // advanced settings' longer labels widen only their own group's column when shown).
    int labelWidth = 0;
    for (const Field& f : m_fields) {
        if (!f.advanced) {
            labelWidth = std::max(labelWidth, f.label->sizeHint().width());
        }
    }
    for (QGridLayout* grid : grids) {
        grid->setColumnMinimumWidth(0, labelWidth);
    }
}

QWidget* ExperimentPanel::makeEditor(Field& f) {
    const std::string key = f.info.key;
    const QString name = QStringLiteral("field:") + QString::fromStdString(key);
    QWidget* editor = nullptr;
    switch (f.info.type) {
        case core::ConfigType::Bool: {
            auto* box = new QCheckBox(f.row);
            connect(box, &QCheckBox::toggled, this, [this, key]() { onEdited(key); });
            editor = box;
            break;
        }
        case core::ConfigType::String:
            if (!f.info.choices.empty()) {
                auto* combo = new QComboBox(f.row);
                combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
                combo->setMinimumContentsLength(8);
                for (const auto& choice : f.info.choices) {
                    combo->addItem(choiceLabel(key, choice), QString::fromStdString(choice));
                }
                connect(combo, &QComboBox::currentIndexChanged, this,
                        [this, key]() { onEdited(key); });
                m_wheelGuard->guard(combo);
                editor = combo;
                break;
            }
            [[fallthrough]];
        case core::ConfigType::Real:
        case core::ConfigType::IntList: {
            auto* line = new QLineEdit(f.row);
            connect(line, &QLineEdit::textChanged, this, [this, key]() { onEdited(key); });
            if (f.info.type == core::ConfigType::IntList) {
                line->setPlaceholderText(tr("comma-separated, e.g. 1000, 1000"));
            }
            editor = line;
            break;
        }
        case core::ConfigType::Int:
        case core::ConfigType::UInt: {
            if (f.info.max <= INT_MAX && f.info.min >= INT_MIN) {
                auto* spin = new QSpinBox(f.row);
                spin->setRange(static_cast<int>(f.info.min), static_cast<int>(f.info.max));
                spin->setKeyboardTracking(true);
                if (key == "threads") {
                    spin->setSpecialValueText(tr("all cores (%1)").arg(core::hardwareThreads()));
                }
                if (key == "data.csv_label_column") {
                    spin->setSpecialValueText(tr("last column"));
                }
                connect(spin, &QSpinBox::valueChanged, this, [this, key]() { onEdited(key); });
                m_wheelGuard->guard(spin);
                editor = spin;
            } else {
                // Ranges beyond int (steps, seeds, intervals): typed, checked by setConfigValue.
                auto* line = new QLineEdit(f.row);
                connect(line, &QLineEdit::textChanged, this, [this, key]() { onEdited(key); });
                editor = line;
            }
            break;
        }
    }
    editor->setObjectName(name);
    f.editor = editor;
    return editor;
}

QString ExperimentPanel::editorText(const Field& f) const {
    if (auto* box = qobject_cast<QCheckBox*>(f.editor)) {
        return box->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
    }
    if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
        return combo->currentData().toString();
    }
    if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        return QString::number(spin->value());
    }
    if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
        return f.info.type == core::ConfigType::String ? line->text() : line->text().trimmed();
    }
    return {};
}

void ExperimentPanel::setEditorText(Field& f, const QString& text) {
    if (auto* box = qobject_cast<QCheckBox*>(f.editor)) {
        box->setChecked(text == QLatin1String("true"));
    } else if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
        combo->setCurrentIndex(std::max(0, combo->findData(text)));
    } else if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        spin->setValue(text.toInt());
    } else if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
        line->setText(text);
        line->setCursorPosition(0);
    }
}

void ExperimentPanel::setConfig(const core::RunConfig& config) {
    m_config = config;
    m_editErrors.clear();
    m_updating = true;
    for (Field& f : m_fields) {
        setEditorText(f, configValueText(m_config, f.info.key));
    }
    m_presetCombo->setCurrentIndex(0);  // a config of its own; applyPreset names its preset after
    m_updating = false;
    checkDatasetFolder();
    revalidate();
    Q_EMIT configChanged();
}

void ExperimentPanel::onEdited(const std::string& key) {
    if (m_updating) {
        return;
    }
    Field* f = field(key);
    if (f == nullptr) {
        return;
    }
    const core::Status status = core::setConfigValue(m_config, key, editorText(*f).toStdString());
    if (status.ok()) {
        m_editErrors.erase(key);
    } else {
        m_editErrors[key] = QString::fromStdString(status.error());
    }
    if (key == "data.path" || key == "data.name") {
        checkDatasetFolder();
    }
    if (m_presetCombo->currentIndex() > 0) {
        m_presetDescription->setText(
            tr("Based on the preset \u201c%1\u201d, changed.").arg(m_presetCombo->currentText()));
        m_presetDescription->setVisible(true);
        m_updating = true;
        m_presetCombo->setCurrentIndex(0);
        m_updating = false;
    }
    revalidate();
    Q_EMIT configChanged();
}

void ExperimentPanel::revalidate() {
    std::map<std::string, QString> errors = m_editErrors;
    if (errors.empty()) {
        if (core::Status s = core::validate(m_config); !s) {
            errors[s.errorKey()] = QString::fromStdString(s.error());
        }
    }
    // What validate() cannot know: whether the dataset's files are there.
    if (errors.count("data.path") == 0 && m_config.data.name != "synthetic") {
        const QString path = QString::fromStdString(m_config.data.path);
        const QFileInfo info(path);
        if (path.isEmpty() && m_config.data.name == "fashion-mnist") {
            const QString fallback = QString::fromStdString(core::defaultFashionMnistDirectory());
            if (!QFileInfo(fallback).isDir()) {
                errors["data.path"] = tr("Fashion-MNIST is not installed at %1: run "
                                         "scripts/setup.sh (apt install dataset-fashion-mnist) or "
                                         "choose a folder with its IDX files")
                                          .arg(fallback);
            }
        } else if (!path.isEmpty() && m_config.data.name == "csv" && !info.exists()) {
            errors["data.path"] = tr("config key 'data.path': %1 does not exist").arg(path);
        } else if (!path.isEmpty() && m_config.data.name != "csv" && !info.isDir()) {
            errors["data.path"] =
                info.exists() ? tr("config key 'data.path': %1 is not a folder").arg(path)
                              : tr("config key 'data.path': folder %1 does not exist").arg(path);
        }
    }
    // The worker's answer about the folder's files, while it is about this dataset and path.
    if (errors.count("data.path") == 0 && !m_folderError.isEmpty() &&
        m_folderChecked == QString::fromStdString(m_config.data.name + "\n" + m_config.data.path)) {
        errors["data.path"] = m_folderError;
    }
    if (errors.count("device") == 0 && m_config.device == "cuda" && !m_cudaAvailable) {
        errors["device"] = tr("LibTorch reports no CUDA device on this machine: choose CPU");
    }
    m_errors = errors;
    for (Field& f : m_fields) {
        const auto it = m_errors.find(f.info.key);
        const bool bad = it != m_errors.end();
        f.error->setText(bad ? it->second : QString());
        f.error->setVisible(bad);
        f.editor->setProperty("invalid", bad);
    }
    updateRelevance();
    const bool valid = isValid();
    if (valid != m_wasValid) {
        m_wasValid = valid;
        Q_EMIT validityChanged(valid);
    }
}

void ExperimentPanel::updateRelevance() {
    const std::string dataset = m_config.data.name;
    const bool lossNetwork = m_config.method == "adalfl" || m_config.method == "ml3";
    const bool sgd = m_config.optimizer.name == "sgd";
    const bool showAdvanced = m_advanced->isChecked();
    for (Field& f : m_fields) {
        const std::string& key = f.info.key;
        bool visible = true;
        bool enabled = true;
        if (key == "data.path") {
            visible = dataset != "synthetic";
        } else if (key.rfind("data.csv_", 0) == 0) {
            visible = dataset == "csv";
        } else if (key.rfind("data.synthetic_", 0) == 0) {
            visible = dataset == "synthetic";
        } else if (key == "model.hidden") {
            enabled = m_config.model.name == "mlp";
        } else if (key == "optimizer.momentum" || key == "optimizer.nesterov") {
            visible = sgd;
        } else if (key == "optimizer.beta1" || key == "optimizer.beta2" || key == "optimizer.eps") {
            visible = !sgd;
        } else if (key.rfind("loss.", 0) == 0 || key.rfind("meta.", 0) == 0 ||
                   key.rfind("collapse.", 0) == 0) {
            enabled = lossNetwork;
        } else if (key.rfind("taylorglo.", 0) == 0) {
            enabled = m_config.method == "taylorglo";
        }
        if (key == "loss.gamma" || key == "loss.beta") {
            enabled = lossNetwork && m_config.loss.activation != "relu";
        }
        const bool hasError = m_errors.count(key) > 0;
        if (f.advanced && !showAdvanced && !hasError) {
            visible = false;
        }
        const bool shown = visible || hasError;
        f.label->setVisible(shown);
        f.row->setVisible(shown);
        f.row->setEnabled(enabled);
        if (key == "data.path") {
            if (auto* line = qobject_cast<QLineEdit*>(f.editor)) {
                line->setPlaceholderText(
                    dataset == "fashion-mnist"
                        ? tr("default: %1")
                              .arg(QString::fromStdString(core::defaultFashionMnistDirectory()))
                    : dataset == "csv" ? tr("CSV file, or folder with train.csv and test.csv")
                                       : tr("folder with the dataset's files (required)"));
            }
        }
    }
}

void ExperimentPanel::checkDatasetFolder() {
    const QString dataset = QString::fromStdString(m_config.data.name);
    const QString path = QString::fromStdString(m_config.data.path);
    const QString key = dataset + QLatin1Char('\n') + path;
    if (path.isEmpty() || dataset == QLatin1String("synthetic")) {
        m_folderChecked = key;
        m_folderError.clear();
        return;
    }
    // A stat per candidate file name: instant on a local disk, seconds on a sleeping network
    // share, so never on the GUI thread. A newer check (also of the same path: its files may
    // have changed) replaces the watcher's future; the older one finishes unheard.
    m_folderChecking = key;
    auto promise = std::make_shared<QPromise<QString>>();
    m_folderWatcher.setFuture(promise->future());
    promise->start();
    QThreadPool::globalInstance()->start([promise, dataset, path]() {
        promise->addResult(datasetFolderProblem(dataset, path));
        promise->finish();
    });
}

void ExperimentPanel::onDatasetFolderChecked() {
    const QFuture<QString> future = m_folderWatcher.future();
    if (future.resultCount() == 0) {
        return;
    }
    m_folderChecked = m_folderChecking;
    m_folderError = future.result();
    revalidate();
}

void ExperimentPanel::browseForPath() {
    Field* f = field("data.path");
    auto* line = f != nullptr ? qobject_cast<QLineEdit*>(f->editor) : nullptr;
    if (line == nullptr) {
        return;
    }
    QString chosen;
    if (m_config.data.name == "csv") {
        chosen = QFileDialog::getOpenFileName(this, tr("CSV dataset"), line->text(),
                                              tr("CSV files (*.csv);;All files (*)"));
    } else {
        chosen = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), line->text());
    }
    if (!chosen.isEmpty()) {
        line->setText(chosen);
    }
}

QString ExperimentPanel::firstError() const {
    for (const Field& f : m_fields) {
        const auto it = m_errors.find(f.info.key);
        if (it != m_errors.end()) {
            return it->second;
        }
    }
    return m_errors.empty() ? QString() : m_errors.begin()->second;
}

QString ExperimentPanel::fieldError(const QString& key) const {
    const auto it = m_errors.find(key.toStdString());
    return it == m_errors.end() ? QString() : it->second;
}

QWidget* ExperimentPanel::editor(const QString& key) const {
    const Field* f = field(key.toStdString());
    return f != nullptr ? f->editor : nullptr;
}

const Preset* ExperimentPanel::currentPreset() const {
    const QString id = m_presetCombo->currentData().toString();
    return id.isEmpty() ? nullptr : findPreset(m_presets, id);
}

bool ExperimentPanel::applyPreset(const QString& id) {
    const Preset* preset = findPreset(m_presets, id);
    if (preset == nullptr) {
        return false;
    }
    auto config = presetConfig(*preset);
    if (!config.ok()) {
        m_presetDescription->setText(QString::fromStdString(config.error()));
        m_presetDescription->setVisible(true);
        return false;
    }
    core::RunConfig next = config.value();
    if (next.data.path.empty() && next.data.name == m_config.data.name) {
        next.data.path = m_config.data.path;  // the user's folder for the same dataset
    }
    setConfig(next);
    m_updating = true;
    m_presetCombo->setCurrentIndex(std::max(0, m_presetCombo->findData(id)));
    m_updating = false;
    m_presetDescription->setText(preset->description);
    m_presetDescription->setVisible(!preset->description.isEmpty());
    return true;
}

core::Status ExperimentPanel::loadConfigFile(const QString& path) {
    auto config = core::readRunConfigFile(path.toStdString(), core::ConfigCheck::Values);
    if (!config.ok()) {
        return config.failure();
    }
    setConfig(config.value());
    m_updating = true;
    m_presetCombo->setCurrentIndex(0);
    m_updating = false;
    m_presetDescription->setText(tr("Loaded from %1").arg(QFileInfo(path).fileName()));
    m_presetDescription->setVisible(true);
    return {};
}

core::Status ExperimentPanel::saveConfigFile(const QString& path) const {
    return writeConfigFile(path, m_config);
}

void ExperimentPanel::setEditable(bool editable) {
    m_form->setEnabled(editable);
    m_presetCombo->setEnabled(editable);
}

void ExperimentPanel::setFooterWidget(QWidget* widget) {
    widget->setParent(this);
    m_footer->addWidget(widget);
}

ExperimentPanel::Field* ExperimentPanel::field(const std::string& key) {
    for (Field& f : m_fields) {
        if (f.info.key == key) {
            return &f;
        }
    }
    return nullptr;
}

const ExperimentPanel::Field* ExperimentPanel::field(const std::string& key) const {
    for (const Field& f : m_fields) {
        if (f.info.key == key) {
            return &f;
        }
    }
    return nullptr;
}

}  // namespace lossstudio::ui
