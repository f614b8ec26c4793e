#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QString>
#include <QVector>

#include <lossstudio/storage/types.h>

namespace lossstudio::ui {

class StoreSession;

/// The runs of a store as a table, read page by page through storage::RunReader::listRuns
/// (canFetchMore / fetchMore: a view asks for the next page when it scrolls near the end), so a
/// store of thousands of runs fills in one small query. Filtering and sorting are done by the
/// store (RunQuery); columns the store cannot order by (steps, duration, warnings, tags, notes)
/// are not sortable. Name, tags (comma-separated) and notes are editable in place and written
/// through to the store at once; a refused edit emits editFailed() and keeps the old value.
///
/// Thread affinity: GUI thread. The StoreSession is not owned and must outlive the model.
class RunTableModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunTableModel)

public:
    enum Column {
        Name,
        Method,
        Model,
        Dataset,
        Status,
        Seed,
        Steps,         ///< latest training step (search / Phase A step when there is none)
        TestAccuracy,  ///< latest test/accuracy
        Duration,      ///< from creation to the end (or the last write)
        Warnings,      ///< "⚠ n" when the run recorded warning events
        Tags,
        Notes,
        Created,
        ColumnCount
    };
    enum Role {
        RunIdRole = Qt::UserRole + 1,  ///< qint64
        StatusRole,                    ///< storage::RunStatus as int
        UuidRole,                      ///< QString
    };

    explicit RunTableModel(StoreSession* session, QObject* parent = nullptr);
    ~RunTableModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    /// Orders the runs by `column` in the store's query (ignored for unsortable columns).
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    /// Whether sort() can order by `column`.
    static bool isSortable(int column);
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    /// Shows only the runs `filter` matches (re-queries).
    void setFilter(const storage::RunFilter& filter);
    const storage::RunFilter& filter() const { return m_filter; }
    /// Runs per page (default 200).
    void setPageSize(int rows);

    /// Re-reads the first page (and the count) from the store: a model reset.
    void refresh();
    /// Loads every remaining page.
    void fetchAll();
    /// Re-reads one run's row in place (after an edit elsewhere); no-op if it is not loaded.
    void refreshRun(qint64 runId);

    /// Runs matching the filter in the store; rowCount() is how many are loaded so far.
    qint64 totalRuns() const { return m_total; }
    const storage::RunRecord& record(int row) const { return m_rows.at(row).record; }
    qint64 runId(int row) const { return m_rows.at(row).record.id; }
    int warningCount(int row) const { return m_rows.at(row).warnings; }
    /// The row showing `runId`, or -1 when it is not loaded.
    int rowOf(qint64 runId) const;
    /// The last query error ("" after a successful query).
    const QString& lastError() const { return m_error; }

    /// Text of a duration in seconds ("42s", "3m05s", "2h07m").
    static QString formatDuration(qint64 seconds);

Q_SIGNALS:
    /// A query failed (the message names the store); the table keeps what it had.
    void queryFailed(const QString& message);
    /// An in-place edit was refused by the store (read-only file, locked...).
    void editFailed(const QString& message);
    /// Rows were (re)loaded: after refresh() and every fetched page.
    void loaded();

private:
    struct Row {
        storage::RunRecord record;
        int warnings = 0;
    };

    storage::RunQuery query(int offset) const;
    bool loadPage(int offset, QVector<Row>& out);
    void fail(const QString& message);

    StoreSession* m_session;
    storage::RunFilter m_filter;
    int m_sortColumn = Created;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    int m_pageSize = 200;
    qint64 m_total = 0;
    QVector<Row> m_rows;
    QHash<qint64, int> m_rowOf;
    QString m_error;
};

}  // namespace lossstudio::ui
