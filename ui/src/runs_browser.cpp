#include "lossstudio/ui/runs_browser.h"

#include <QApplication>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>
#include <algorithm>

#include <lossstudio/storage/run_reader.h>
#include <lossstudio/storage/run_transfer.h>

#include "lossstudio/ui/export_folder.h"
#include "lossstudio/ui/run_table_model.h"
#include "lossstudio/ui/store_session.h"

namespace lossstudio::ui {
namespace {

bool resumable(storage::RunStatus status) {
    return status == storage::RunStatus::Stopped || status == storage::RunStatus::Interrupted ||
           status == storage::RunStatus::Failed || status == storage::RunStatus::Diverged;
}

QComboBox* filterBox(const QString& any, const char* name, QWidget* parent) {
    auto* box = new QComboBox(parent);
    box->setObjectName(QLatin1String(name));
    box->addItem(any, QString());
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    return box;
}

}  // namespace

RunsBrowser::RunsBrowser(StoreSession* session, QWidget* parent)
    : QWidget(parent), m_session(session) {
    setObjectName(QStringLiteral("runsBrowser"));
    m_model = new RunTableModel(session, this);

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("runSearch"));
    m_search->setPlaceholderText(tr("Search names, notes, tags"));
    m_search->setClearButtonEnabled(true);
    m_method = filterBox(tr("any method"), "methodFilter", this);
    m_modelBox = filterBox(tr("any model"), "modelFilter", this);
    m_dataset = filterBox(tr("any dataset"), "datasetFilter", this);
    m_status = filterBox(tr("any status"), "statusFilter", this);
    m_tag = filterBox(tr("any tag"), "tagFilter", this);
    auto* openStoreButton = new QPushButton(tr("Open store\u2026"), this);
    openStoreButton->setObjectName(QStringLiteral("openStoreButton"));
    openStoreButton->setToolTip(
        tr("Browse another run store (runs started from now on are recorded there too)"));
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshRunsButton"));

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_search, 2);
    for (QComboBox* box : {m_method, m_modelBox, m_dataset, m_status, m_tag}) {
        filters->addWidget(box);
    }
    filters->addWidget(refreshButton);
    filters->addWidget(openStoreButton);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("runsTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QHeaderView* header = m_table->horizontalHeader();
    header->setSectionsClickable(true);
    header->setSortIndicatorShown(true);
    header->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    const QFontMetrics metrics(font());
    auto width = [&metrics](const char* sample) {
        return metrics.horizontalAdvance(QLatin1String(sample)) + 16;
    };
    m_table->setColumnWidth(RunTableModel::Name, width("adalfl-lenet5-fashion-mnist-s10"));
    m_table->setColumnWidth(RunTableModel::Method, width("cross_entropy"));
    m_table->setColumnWidth(RunTableModel::Model, width("resnet18"));
    m_table->setColumnWidth(RunTableModel::Dataset, width("fashion-mnist"));
    m_table->setColumnWidth(RunTableModel::Status, width("interrupted"));
    m_table->setColumnWidth(RunTableModel::Seed, width("seed"));
    m_table->setColumnWidth(RunTableModel::Steps, width("100000"));
    m_table->setColumnWidth(RunTableModel::TestAccuracy, width("Test acc."));
    m_table->setColumnWidth(RunTableModel::Duration, width("10h00m"));
    m_table->setColumnWidth(RunTableModel::Warnings, width("\u26a0 10"));
    m_table->setColumnWidth(RunTableModel::Tags, width("paper, baseline"));
    m_table->setColumnWidth(RunTableModel::Notes, width("a short note about it"));
    m_table->setColumnWidth(RunTableModel::Created, width("2025-01-01 00:00"));

    m_open = new QPushButton(tr("Open"), this);
    m_open->setObjectName(QStringLiteral("openRunButton"));
    m_open->setToolTip(tr("Replay the run in the Replay tab (double-click, Enter)"));
    m_resume = new QPushButton(tr("Resume"), this);
    m_resume->setObjectName(QStringLiteral("resumeRunButton"));
    m_fork = new QPushButton(tr("Fork"), this);
    m_fork->setObjectName(QStringLiteral("forkRunButton"));
    m_fork->setToolTip(tr("Copy the run's config into the experiment form for a new run"));
    m_compare = new QPushButton(tr("Compare"), this);
    m_compare->setObjectName(QStringLiteral("compareRunsButton"));
    m_compare->setToolTip(tr("Overlay the selected runs in the Compare tab"));
    m_export = new QPushButton(tr("Export\u2026"), this);
    m_export->setObjectName(QStringLiteral("exportRunsButton"));
    m_export->setToolTip(tr("Write the selected runs as CSV (metric points) or JSON (everything)"));
    m_delete = new QPushButton(tr("Delete\u2026"), this);
    m_delete->setObjectName(QStringLiteral("deleteRunsButton"));
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("runCountLabel"));
    auto* actions = new QHBoxLayout;
    for (QPushButton* b : {m_open, m_resume, m_fork, m_compare, m_export, m_delete}) {
        actions->addWidget(b);
    }
    actions->addStretch(1);
    actions->addWidget(m_countLabel);

    // Side panel: the current run, its tags and notes.
    m_storeLabel = new QLabel(this);
    m_storeLabel->setObjectName(QStringLiteral("storeLabel"));
    m_storeLabel->setWordWrap(true);
    m_storeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("runDetails"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_tagsEdit = new QLineEdit(this);
    m_tagsEdit->setObjectName(QStringLiteral("tagsEdit"));
    m_tagsEdit->setPlaceholderText(tr("comma-separated"));
    m_notesEdit = new QPlainTextEdit(this);
    m_notesEdit->setObjectName(QStringLiteral("notesEdit"));
    m_notesEdit->setPlaceholderText(tr("Notes about this run"));
    m_save = new QPushButton(tr("Save tags and notes"), this);
    m_save->setObjectName(QStringLiteral("saveDetailsButton"));
    auto* side = new QWidget(this);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(6, 0, 0, 0);
    sideLayout->addWidget(m_storeLabel);
    sideLayout->addWidget(m_details, 1);
    auto* form = new QFormLayout;
    form->addRow(tr("Tags"), m_tagsEdit);
    sideLayout->addLayout(form);
    sideLayout->addWidget(m_notesEdit, 2);
    sideLayout->addWidget(m_save);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(filters);
    leftLayout->addWidget(m_table, 1);
    leftLayout->addLayout(actions);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(side);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addWidget(split);

    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(200);
    connect(&m_searchTimer, &QTimer::timeout, this, &RunsBrowser::applyFilter);
    connect(m_search, &QLineEdit::textChanged, this, [this]() { m_searchTimer.start(); });
    for (QComboBox* box : {m_method, m_modelBox, m_dataset, m_status, m_tag}) {
        connect(box, &QComboBox::activated, this, [this]() { applyFilter(); });
    }
    connect(header, &QHeaderView::sectionClicked, this, [this](int column) {
        if (!RunTableModel::isSortable(column)) {
            // Keep the indicator on the column the runs are really ordered by.
            m_table->horizontalHeader()->setSortIndicator(m_model->sortColumn(),
                                                          m_model->sortOrder());
            Q_EMIT message(tr("The store cannot order runs by that column"));
            return;
        }
        const Qt::SortOrder order =
            column == m_model->sortColumn() && m_model->sortOrder() == Qt::AscendingOrder
                ? Qt::DescendingOrder
                : Qt::AscendingOrder;
        sortBy(column, order);
    });
    connect(refreshButton, &QPushButton::clicked, this, &RunsBrowser::refresh);
    connect(openStoreButton, &QPushButton::clicked, this, &RunsBrowser::chooseStore);
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex& index) {
        if (index.isValid()) {
            Q_EMIT openRequested(m_model->runId(index.row()));
        }
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this]() {
        updateDetails();
        updateActions();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this]() { updateDetails(); });
    connect(m_model, &RunTableModel::modelReset, this, [this]() {
        updateDetails();
        updateActions();
    });
    connect(m_model, &RunTableModel::loaded, this, [this]() {
        m_countLabel->setText(
            m_model->rowCount() < m_model->totalRuns()
                ? tr("%1 of %n run(s) loaded", nullptr, static_cast<int>(m_model->totalRuns()))
                      .arg(m_model->rowCount())
                : tr("%n run(s)", nullptr, m_model->rowCount()));
    });
    connect(m_model, &RunTableModel::dataChanged, this, [this]() { updateDetails(); });
    connect(m_model, &RunTableModel::queryFailed, this, [this](const QString& text) {
        Q_EMIT message(tr("Run store: %1").arg(withStoreAdvice(text)));
    });
    connect(m_model, &RunTableModel::editFailed, this, [this](const QString& text) {
        showError(tr("Cannot save the edit"), text, "editError");
    });
    connect(m_open, &QPushButton::clicked, this, [this]() {
        if (const qint64 id = currentRunId()) {
            Q_EMIT openRequested(id);
        }
    });
    connect(m_resume, &QPushButton::clicked, this, [this]() {
        if (const qint64 id = currentRunId()) {
            Q_EMIT resumeRequested(id);
        }
    });
    connect(m_fork, &QPushButton::clicked, this, [this]() {
        if (const qint64 id = currentRunId()) {
            Q_EMIT forkRequested(id);
        }
    });
    connect(m_compare, &QPushButton::clicked, this, [this]() {
        const QVector<qint64> ids = selectedRunIds();
        if (!ids.isEmpty()) {
            Q_EMIT compareRequested(ids);
        }
    });
    connect(m_export, &QPushButton::clicked, this, &RunsBrowser::exportSelected);
    connect(m_delete, &QPushButton::clicked, this, &RunsBrowser::deleteSelected);
    connect(m_save, &QPushButton::clicked, this, &RunsBrowser::saveDetails);
    connect(session, &StoreSession::storeChanged, this, [this](const QString& path) {
        m_storeLabel->setText(
            path.isEmpty()
                ? tr("No run store is open.")
                : tr("Store: %1%2")
                      .arg(path, m_session->isWritable() ? QString() : tr(" (read-only)")));
        buildFilterValues();
    });
    connect(session, &StoreSession::runsChanged, this, &RunsBrowser::refresh);
    connect(session, &StoreSession::storeChanged, this, [this]() {
        m_stale = false;
        noteDataVersion();
    });
    m_watchTimer.setInterval(1000);
    connect(&m_watchTimer, &QTimer::timeout, this, &RunsBrowser::checkForChanges);
    noteDataVersion();
    m_watchTimer.start();

    m_storeLabel->setText(session->isOpen() ? tr("Store: %1").arg(session->path())
                                            : tr("No run store is open."));
    m_model->refresh();
    buildFilterValues();
    updateActions();
}

RunsBrowser::~RunsBrowser() {
    if (m_jobThread != nullptr) {  // a file is finished, a delete committed or rolled back
        m_jobThread->wait();
        delete m_jobThread;
        QApplication::restoreOverrideCursor();
    }
}

void RunsBrowser::buildFilterValues() {
    storage::RunReader* reader = m_session->reader();
    const QVector<QPair<QComboBox*, storage::RunReader::Column>> boxes = {
        {m_method, storage::RunReader::Column::Method},
        {m_modelBox, storage::RunReader::Column::Model},
        {m_dataset, storage::RunReader::Column::Dataset},
        {m_status, storage::RunReader::Column::Status},
        {m_tag, storage::RunReader::Column::Tag}};
    for (const auto& [box, column] : boxes) {
        const QString current = box->currentData().toString();
        const QSignalBlocker block(box);
        while (box->count() > 1) {
            box->removeItem(1);
        }
        QStringList values;
        if (reader != nullptr) {
            auto distinct = reader->distinctValues(column);
            if (distinct) {
                values = distinct.value();
            }
        }
        if (column == storage::RunReader::Column::Status) {
            // Runs whose writer died show as interrupted before the store records it.
            if (!values.contains(QStringLiteral("interrupted")) &&
                values.contains(QStringLiteral("running"))) {
                values << QStringLiteral("interrupted");
            }
        }
        if (!current.isEmpty() && !values.contains(current)) {
            values << current;  // keep a chosen filter even when no run has it any more
        }
        for (const QString& v : values) {
            box->addItem(v, v);
        }
        box->setCurrentIndex(std::max(0, box->findData(current)));
    }
}

void RunsBrowser::applyFilter() {
    m_searchTimer.stop();
    storage::RunFilter filter;
    filter.text = m_search->text().trimmed();
    filter.method = m_method->currentData().toString();
    filter.model = m_modelBox->currentData().toString();
    filter.dataset = m_dataset->currentData().toString();
    filter.tag = m_tag->currentData().toString();
    storage::RunStatus status;
    if (storage::statusFromName(m_status->currentData().toString(), &status)) {
        filter.statuses = {status};
    }
    const QVector<qint64> selected = selectedRunIds();
    m_model->setFilter(filter);
    selectRuns(selected);
}

void RunsBrowser::sortBy(int column, Qt::SortOrder order) {
    if (!RunTableModel::isSortable(column)) {
        return;
    }
    const QVector<qint64> selected = selectedRunIds();
    m_model->sort(column, order);
    m_table->horizontalHeader()->setSortIndicator(column, order);
    selectRuns(selected);
}

void RunsBrowser::noteDataVersion() {
    storage::RunReader* reader = m_session->reader();
    const auto version = reader != nullptr ? reader->dataVersion() : storage::Result<qint64>(-1);
    m_dataVersion = version ? version.value() : -1;
}

void RunsBrowser::refresh() {
    noteDataVersion();  // what this refresh reads: the watch need not refresh for it again
    const QVector<qint64> selected = selectedRunIds();
    const qint64 current = currentRunId();
    buildFilterValues();
    m_model->refresh();
    selectRuns(selected);
    if (current != 0 && m_model->rowOf(current) >= 0) {
        m_table->selectionModel()->setCurrentIndex(m_model->index(m_model->rowOf(current), 0),
                                                   QItemSelectionModel::NoUpdate);
    }
    updateDetails();
    updateActions();
}

void RunsBrowser::setWatchInterval(int ms) {
    m_watchTimer.setInterval(ms);
}

void RunsBrowser::checkForChanges() {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr || m_jobThread != nullptr) {
        return;  // a job's end refreshes anyway
    }
    const auto version = reader->dataVersion();
    if (!version) {
        return;  // a busy or vanished store: the next tick, or the user's Refresh, will say
    }
    if (version.value() == m_dataVersion) {
        return;
    }
    if (isVisible()) {
        refresh();
    } else {
        m_dataVersion = version.value();
        m_stale = true;
    }
}

void RunsBrowser::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        refresh();
    }
}

QVector<qint64> RunsBrowser::selectedRunIds() const {
    QVector<qint64> ids;
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const QModelIndex& index : rows) {
        ids << m_model->runId(index.row());
    }
    return ids;
}

void RunsBrowser::selectRuns(const QVector<qint64>& runIds) {
    QItemSelection selection;
    int first = -1;
    for (qint64 id : runIds) {
        const int row = m_model->rowOf(id);
        if (row < 0) {
            continue;
        }
        if (first < 0) {
            first = row;
        }
        selection.select(m_model->index(row, 0),
                         m_model->index(row, RunTableModel::ColumnCount - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (first >= 0) {
        m_table->selectionModel()->setCurrentIndex(m_model->index(first, 0),
                                                   QItemSelectionModel::NoUpdate);
        m_table->scrollTo(m_model->index(first, 0));
    }
}

qint64 RunsBrowser::currentRunId() const {
    const QVector<qint64> ids = selectedRunIds();
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (current.isValid() && m_table->selectionModel()->isRowSelected(current.row(), {})) {
        return m_model->runId(current.row());
    }
    return ids.isEmpty() ? 0 : ids.first();
}

void RunsBrowser::updateDetails() {
    const qint64 id = currentRunId();
    const int row = m_model->rowOf(id);
    if (id == 0 || row < 0) {
        m_detailsRun = 0;
        m_details->setText(m_model->lastError().isEmpty()
                               ? tr("Select a run to see its details; F2 edits a name, tags or "
                                    "notes in place.")
                               : withStoreAdvice(m_model->lastError()));
        m_tagsEdit->clear();
        m_notesEdit->clear();
        m_tagsEdit->setEnabled(false);
        m_notesEdit->setEnabled(false);
        m_save->setEnabled(false);
        return;
    }
    const storage::RunRecord& r = m_model->record(row);
    const bool writable = m_session->isWritable();
    QString text = tr("<b>%1</b><br>%2 \u00b7 %3 \u00b7 %4 \u00b7 seed %5<br>status: %6")
                       .arg(r.name.toHtmlEscaped(), r.method, r.model, r.dataset)
                       .arg(r.seed)
                       .arg(storage::statusName(r.status));
    if (!r.message.isEmpty()) {
        text += QStringLiteral(" \u2014 ") + r.message.toHtmlEscaped();
    }
    if (const int warnings = m_model->warningCount(row); warnings > 0) {
        text +=
            tr("<br><span style='color:#b26a00'>\u26a0 %n warning(s)</span>", nullptr, warnings);
    }
    text += tr("<br>created %1 on %2<br>LossStudio %3 \u00b7 LibTorch %4<br><small>%5</small>")
                .arg(r.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                     r.host.toHtmlEscaped(), r.appVersion, r.torchVersion, r.uuid);
    m_details->setText(text);
    if (id != m_detailsRun) {  // keep unsaved typing while the same run's row refreshes
        m_tagsEdit->setText(r.tags.join(QStringLiteral(", ")));
        m_notesEdit->setPlainText(r.notes);
    }
    m_detailsRun = id;
    m_tagsEdit->setEnabled(writable);
    m_notesEdit->setEnabled(writable);
    m_save->setEnabled(writable);
}

bool RunsBrowser::saveDetails() {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr || m_detailsRun == 0) {
        return false;
    }
    QStringList tags;
    for (const QString& part : m_tagsEdit->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!part.trimmed().isEmpty()) {
            tags << part.trimmed();
        }
    }
    storage::Status status = reader->setTags(m_detailsRun, tags);
    if (status) {
        status = reader->setNotes(m_detailsRun, m_notesEdit->toPlainText());
    }
    if (!status) {
        showError(tr("Cannot save the edit"), status.error(), "editError");
        return false;
    }
    const qint64 id = m_detailsRun;
    m_detailsRun = 0;  // show what the store now holds
    m_model->refreshRun(id);
    buildFilterValues();  // a new tag joins the tag filter
    Q_EMIT message(tr("Saved the tags and notes"));
    return true;
}

void RunsBrowser::setResumeAvailable(bool available, const QString& reason) {
    m_resumeAvailable = available;
    m_resumeReason = reason;
    updateActions();
}

void RunsBrowser::updateActions() {
    const QVector<qint64> ids = selectedRunIds();
    const bool one = ids.size() == 1;
    const bool writable = m_session->isWritable();
    m_open->setEnabled(one);
    m_fork->setEnabled(one);
    m_compare->setEnabled(!ids.isEmpty());
    m_export->setEnabled(!ids.isEmpty() && m_jobThread == nullptr);
    m_delete->setEnabled(!ids.isEmpty() && writable && m_jobThread == nullptr);
    bool canResume = false;
    QString why;
    if (!one) {
        why = tr("Select one run");
    } else {
        const auto status = m_model->record(m_model->rowOf(ids.first())).status;
        if (!resumable(status)) {
            why = tr("Only a stopped, interrupted, failed or diverged run can be resumed; this "
                     "one is %1 (fork it instead)")
                      .arg(storage::statusName(status));
        } else if (!m_resumeAvailable) {
            why = m_resumeReason.isEmpty() ? tr("Resuming is not available") : m_resumeReason;
        } else {
            canResume = true;
        }
    }
    m_resume->setEnabled(canResume);
    m_resume->setToolTip(canResume ? tr("Continue the run from its newest checkpoint") : why);
}

void RunsBrowser::showError(const QString& title, const QString& text, const char* objectName) {
    // Not modal-blocking: the event loop (and tests) keep running.
    // A raw SQLite error says what failed; the sentence under it says what to do.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setObjectName(QLatin1String(objectName));
    box->setInformativeText(storeErrorAdvice(text));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT message(title + QStringLiteral(": ") + withStoreAdvice(text));
}

bool RunsBrowser::openStore(const QString& path) {
    if (m_jobThread != nullptr) {  // its end would report to, and refresh, the other store
        showError(tr("Cannot open the run store"),
                  tr("an export or a delete is still running in %1; open %2 when it is done")
                      .arg(m_session->path(), path),
                  "storeError");
        return false;
    }
    if (storage::Status s = m_session->open(path); !s) {
        showError(tr("Cannot open the run store"), s.error(), "storeError");
        return false;
    }
    Q_EMIT message(tr("Opened the run store %1").arg(path));
    return true;
}

void RunsBrowser::chooseStore() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a run store"), m_session->path(),
                                     tr("Run stores (*.sqlite *.db);;All files (*)"));
    if (!path.isEmpty()) {
        openStore(path);
    }
}

void RunsBrowser::deleteSelected() {
    const QVector<qint64> ids = selectedRunIds();
    if (ids.isEmpty() || !m_session->isWritable()) {
        return;
    }
    QStringList names;
    for (qint64 id : ids) {
        names << m_model->record(m_model->rowOf(id)).name;
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete runs?"),
                                tr("Delete %n run(s) with every metric, snapshot and checkpoint?",
                                   nullptr, static_cast<int>(ids.size())),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("deleteConfirmation"));
    box->setInformativeText(
        names.mid(0, 10).join(QLatin1Char('\n')) +
        (names.size() > 10 ? tr("\n\u2026and %1 more").arg(names.size() - 10) : QString()));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, ids](int result) {
        if (result != QMessageBox::Yes) {
            return;
        }
        // A cascade over ~150k metric rows a full run (about half a second each, and the write
        // lock held meanwhile): on a worker, so the window stays responsive.
        const int count = static_cast<int>(ids.size());
        const bool started = startStoreJob(
            storage::OpenMode::ReadWrite,
            [ids](storage::RunReader& reader) { return reader.deleteRuns(ids); },
            [this, ids, count](const QString& error) {
                if (!error.isEmpty()) {
                    showError(tr("Cannot delete"), error, "deleteError");
                    return;
                }
                Q_EMIT message(tr("Deleted %n run(s)", nullptr, count));
                Q_EMIT runsDeleted(ids);
                refresh();
            });
        if (started) {
            Q_EMIT message(tr("Deleting %n run(s)\u2026", nullptr, count));
        } else {
            showError(tr("Cannot delete"),
                      m_session->reader() == nullptr
                          ? tr("no run store is open")
                          : tr("an export or a delete is still running; try again when it is done"),
                      "deleteError");
        }
    });
    box->open();
}

void RunsBrowser::exportSelected() {
    const QVector<qint64> ids = selectedRunIds();
    storage::RunReader* reader = m_session->reader();
    if (ids.isEmpty() || reader == nullptr) {
        return;
    }
    QString filter;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export runs"), exportStartPath(QStringLiteral("runs.csv")),
        tr("CSV, one row per metric point (*.csv);;JSON, everything (*.json)"), &filter);
    if (path.isEmpty()) {
        return;
    }
    rememberExportPath(path);
    const bool json = filter.contains(QLatin1String("json")) ||
                      path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    if (!path.contains(QLatin1Char('.'))) {
        path += json ? QStringLiteral(".json") : QStringLiteral(".csv");
    }
    exportRuns(ids, path, json);
}

bool RunsBrowser::exportRuns(const QVector<qint64>& runIds, const QString& path, bool json) {
    if (runIds.isEmpty()) {
        return false;
    }
    const auto format = json ? storage::ExportFormat::Json : storage::ExportFormat::Csv;
    const int runs = static_cast<int>(runIds.size());
    const bool started = startStoreJob(
        storage::OpenMode::ReadOnly,
        [runIds, format, path](storage::RunReader& reader) {
            return storage::exportRunsToFile(reader, runIds, format, path);
        },
        [this, path, runs](const QString& error) {
            if (error.isEmpty()) {
                Q_EMIT message(tr("Exported %n run(s) to %1", nullptr, runs).arg(path));
            } else {
                showError(tr("Cannot export"), error, "exportError");
            }
            Q_EMIT exportFinished(path, error);
        });
    if (started) {
        Q_EMIT message(tr("Exporting %n run(s) to %1\u2026", nullptr, runs).arg(path));
    }
    return started;
}

bool RunsBrowser::startStoreJob(storage::OpenMode mode,
                                std::function<storage::Status(storage::RunReader&)> work,
                                std::function<void(const QString&)> done) {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr || m_jobThread != nullptr) {
        return false;
    }
    const QString store = reader->path();
    m_jobThread = QThread::create([this, store, mode, work = std::move(work),
                                   done = std::move(done)]() mutable {
        QString error;
        {
            // A connection of this thread's own, closed here: Qt Sql connections are per thread.
            try {
                auto opened = storage::RunReader::open(store, mode);
                if (!opened) {
                    error = opened.error();
                } else if (storage::Status s = work(*opened.value()); !s) {
                    error = s.error();
                }
            } catch (const std::exception& e) {  // never past the thread (std::terminate)
                error = QString::fromUtf8(e.what());
            }
        }
        // Queued to the browser; the destructor joins this thread first, and a browser gone by
        // then drops the call with its pending events.
        QMetaObject::invokeMethod(
            this,
            [this, error, done = std::move(done)]() {
                m_jobThread->wait();
                delete m_jobThread;
                m_jobThread = nullptr;
                QApplication::restoreOverrideCursor();
                updateActions();
                done(error);
            },
            Qt::QueuedConnection);
    });
    m_jobThread->setObjectName(QStringLiteral("runsStoreJob"));
    m_jobThread->start();
    QApplication::setOverrideCursor(Qt::BusyCursor);
    updateActions();
    return true;
}

}  // namespace lossstudio::ui
