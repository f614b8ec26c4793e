#pragma once

#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>
#include <functional>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/store.h>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QThread;

namespace lossstudio::storage {
class RunReader;
}

namespace lossstudio::ui {

class RunTableModel;
class StoreSession;

/// Every run of the open store in a sortable, filterable table (RunTableModel): a text search
/// (name, notes, tags), filters by method, model, dataset, status and tag (values from the
/// store), a click on a column header orders by it in the store's query. Name, tags and notes are
/// edited in place (F2) or in the side panel. Actions: open a run's replay (double-click, Enter),
/// resume a stopped / interrupted / failed / diverged run from its newest checkpoint, fork its
/// config into the experiment form, compare the selected runs, export them (CSV / JSON), delete
/// them after a confirmation (the store refuses runs still being written; the message is shown),
/// and open another store file (a file that cannot be opened shows the store's error and the
/// current store stays). Refreshes, keeping the selection, when the session says runs changed.
///
/// Thread affinity: GUI thread. The StoreSession is not owned and must outlive the browser.
class RunsBrowser final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsBrowser)

public:
    explicit RunsBrowser(StoreSession* session, QWidget* parent = nullptr);
    ~RunsBrowser() override;

    RunTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QLineEdit* searchEdit() const { return m_search; }
    /// The filter combo boxes (first item: no filter; item data: the value).
    QComboBox* methodFilter() const { return m_method; }
    QComboBox* modelFilter() const { return m_modelBox; }
    QComboBox* datasetFilter() const { return m_dataset; }
    QComboBox* statusFilter() const { return m_status; }
    QComboBox* tagFilter() const { return m_tag; }

    /// Re-reads the store (runs, filter values), keeping the selected runs selected. Also done by
    /// itself about once a second (watchInterval) when another connection committed to the store,
    /// while the browser is visible (else when it is next shown).
    void refresh();
    /// How often the store is checked for other writers' commits (ms; default 1000).
    void setWatchInterval(int ms);
    /// Applies the search text and the filter boxes now (typing applies them after 200 ms).
    void applyFilter();
    /// Sorts by a column (what a header click does); unsortable columns are ignored.
    void sortBy(int column, Qt::SortOrder order);

    /// Selected runs in table order.
    QVector<qint64> selectedRunIds() const;
    /// Selects these runs (those loaded) and makes the first current.
    void selectRuns(const QVector<qint64>& runIds);

    /// Opens the store at `path` in the session. On failure shows the store's error in a dialog
    /// (object name "storeError") and keeps the current store; returns whether it opened.
    bool openStore(const QString& path);
    /// Asks for a store file (a file dialog) and opens it with openStore().
    void chooseStore();
    /// Asks (dialog "deleteConfirmation") and deletes the selected runs on a worker thread
    /// (runsDeleted when done); a refusal shows the store's message (dialog "deleteError").
    /// Returns at once (the dialogs are not blocking).
    void deleteSelected();
    /// Writes these runs to `path` (CSV: one row per metric point; JSON: everything) on a worker
    /// thread with its own read-only connection, so the window stays responsive (a full
    /// 10,000-step run takes 1-2 s, a comparison's worth of runs far longer); exportFinished
    /// follows, queued. False, starting nothing, without runs or a store or while another
    /// export or a delete runs. The Export button asks for the file and calls this.
    bool exportRuns(const QVector<qint64>& runIds, const QString& path, bool json);
    /// An export or a delete is running on its worker (Export and Delete are disabled).
    bool isBusy() const { return m_jobThread != nullptr; }
    /// Saves the side panel's tags and notes for the current run.
    bool saveDetails();

    /// Whether resuming can start now (no run active and the app can load resume plans).
    void setResumeAvailable(bool available, const QString& reason = {});

protected:
    void showEvent(QShowEvent* event) override;

Q_SIGNALS:
    void openRequested(qint64 runId);
    void resumeRequested(qint64 runId);
    void forkRequested(qint64 runId);
    void compareRequested(const QVector<qint64>& runIds);
    /// Runs were deleted from the store.
    void runsDeleted(const QVector<qint64>& runIds);
    /// A status-bar message (recoverable errors, what an action did).
    void message(const QString& text);
    /// An export started by exportRuns ended; `error` is empty when the file was written.
    void exportFinished(const QString& path, const QString& error);

private:
    void buildFilterValues();
    void updateDetails();
    void updateActions();
    void checkForChanges();
    void noteDataVersion();
    void exportSelected();
    /// Runs `work` on a worker thread with its own connection to the open store (in `mode`),
    /// then `done` with its error (empty on success) on the GUI thread. One job at a time; false
    /// when one runs or no store is open.
    bool startStoreJob(storage::OpenMode mode,
                       std::function<storage::Status(storage::RunReader&)> work,
                       std::function<void(const QString&)> done);
    void showError(const QString& title, const QString& text, const char* objectName);
    qint64 currentRunId() const;

    StoreSession* m_session;
    RunTableModel* m_model = nullptr;
    QTableView* m_table = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_method = nullptr;
    QComboBox* m_modelBox = nullptr;
    QComboBox* m_dataset = nullptr;
    QComboBox* m_status = nullptr;
    QComboBox* m_tag = nullptr;
    QLabel* m_storeLabel = nullptr;
    QLabel* m_countLabel = nullptr;
    QLabel* m_details = nullptr;
    QLineEdit* m_tagsEdit = nullptr;
    QPlainTextEdit* m_notesEdit = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_resume = nullptr;
    QPushButton* m_fork = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_export = nullptr;
    QThread* m_jobThread = nullptr;  ///< the export or delete running, if any (joined at its end)
    QPushButton* m_delete = nullptr;
    QTimer m_searchTimer;
    /// Polls the store's data_version: runs other processes (a CLI run, a merge) or the studio's
    /// own recorder commit appear without Refresh, the selection kept.
    QTimer m_watchTimer;
    qint64 m_dataVersion = -1;  ///< as of the last refresh (-1: no store)
    bool m_stale = false;       ///< changed while hidden: refresh when shown
    bool m_resumeAvailable = false;
    QString m_resumeReason;
    qint64 m_detailsRun = 0;
};

}  // namespace lossstudio::ui
