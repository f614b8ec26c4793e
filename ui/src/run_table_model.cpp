#include "lossstudio/ui/run_table_model.h"

#include <QBrush>
#include <QColor>
#include <QLocale>
#include <algorithm>
#include <optional>
#include <utility>

#include <lossstudio/core/metric_keys.h>
#include <lossstudio/storage/run_reader.h>

#include "lossstudio/ui/store_session.h"

namespace lossstudio::ui {
namespace {

QString key(const char* k) {
    return QString::fromLatin1(k);
}

/// The latest metrics a row needs (the rest of the summary is not decoded).
const QStringList& rowKeys() {
    static const QStringList keys = {
        key(core::keys::kTrainLoss), key(core::keys::kTestAccuracy), key(core::keys::kSearchError),
        QLatin1String(core::keys::kInitPrefix) + key(core::keys::kTrainLoss)};
    return keys;
}

/// The step a run has reached: training, else TaylorGLO's search, else Phase A. Text for the
/// phase ("" for training).
std::optional<std::pair<qint64, QString>> latestStep(const storage::RunRecord& r) {
    const auto& keys = rowKeys();
    if (const auto it = r.latest.constFind(keys.at(0)); it != r.latest.cend()) {
        return std::make_pair(it->step, QString());
    }
    if (const auto it = r.latest.constFind(keys.at(2)); it != r.latest.cend()) {
        return std::make_pair(it->step, RunTableModel::tr("search"));
    }
    if (const auto it = r.latest.constFind(keys.at(3)); it != r.latest.cend()) {
        return std::make_pair(it->step, RunTableModel::tr("Phase A"));
    }
    return std::nullopt;
}

qint64 durationSeconds(const storage::RunRecord& r) {
    const QDateTime end = r.finishedAt.isValid() ? r.finishedAt : r.updatedAt;
    if (!r.createdAt.isValid() || !end.isValid()) {
        return -1;
    }
    return std::max<qint64>(0, r.createdAt.secsTo(end));
}

QColor statusColor(storage::RunStatus status) {
    switch (status) {
        case storage::RunStatus::Running:
            return QColor(0, 114, 178);
        case storage::RunStatus::Failed:
        case storage::RunStatus::Diverged:
            return QColor(190, 40, 20);
        case storage::RunStatus::Interrupted:
        case storage::RunStatus::Stopped:
            return QColor(178, 106, 0);
        case storage::RunStatus::Finished:
            break;
    }
    return {};
}

QStringList splitTags(const QString& text) {
    QStringList tags;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString tag = part.trimmed();
        if (!tag.isEmpty() && !tags.contains(tag)) {
            tags << tag;
        }
    }
    return tags;
}

}  // namespace

RunTableModel::RunTableModel(StoreSession* session, QObject* parent)
    : QAbstractTableModel(parent), m_session(session) {
    connect(session, &StoreSession::storeChanged, this, [this]() { refresh(); });
}

RunTableModel::~RunTableModel() = default;

int RunTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunTableModel::formatDuration(qint64 s) {
    if (s < 0) {
        return {};
    }
    if (s >= 3600) {
        return QStringLiteral("%1h%2m").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
    }
    if (s >= 60) {
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1s").arg(s);
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size()) {
        return {};
    }
    const Row& row = m_rows.at(index.row());
    const storage::RunRecord& r = row.record;
    switch (role) {
        case RunIdRole:
            return r.id;
        case StatusRole:
            return static_cast<int>(r.status);
        case UuidRole:
            return r.uuid;
        case Qt::EditRole:
            switch (index.column()) {
                case Name:
                    return r.name;
                case Tags:
                    return r.tags.join(QStringLiteral(", "));
                case Notes:
                    return r.notes;
                default:
                    break;
            }
            return data(index, Qt::DisplayRole);
        case Qt::DisplayRole:
            switch (index.column()) {
                case Name:
                    return r.name;
                case Method:
                    return r.method;
                case Model:
                    return r.model;
                case Dataset:
                    return r.dataset;
                case Status:
                    return storage::statusName(r.status);
                case Seed:
                    return QString::number(r.seed);
                case Steps: {
                    const auto step = latestStep(r);
                    if (!step) {
                        return {};
                    }
                    return step->second.isEmpty()
                               ? QString::number(step->first)
                               : QStringLiteral("%1 %2").arg(step->second).arg(step->first);
                }
                case TestAccuracy: {
                    const auto it = r.latest.constFind(key(core::keys::kTestAccuracy));
                    return it == r.latest.cend()
                               ? QVariant()
                               : QVariant(QStringLiteral("%1%").arg(it->value * 100, 0, 'f', 2));
                }
                case Duration:
                    return formatDuration(durationSeconds(r));
                case Warnings:
                    return row.warnings > 0 ? QStringLiteral("\u26a0 %1").arg(row.warnings)
                                            : QString();
                case Tags:
                    return r.tags.join(QStringLiteral(", "));
                case Notes:
                    return r.notes.section(QLatin1Char('\n'), 0, 0);
                case Created:
                    return r.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
                default:
                    break;
            }
            return {};
        case Qt::ToolTipRole:
            switch (index.column()) {
                case Status:
                    return r.message.isEmpty() ? storage::statusName(r.status) : r.message;
                case Warnings:
                    return row.warnings > 0
                               ? tr("%n warning(s) recorded (divergence recoveries, collapse...)",
                                    nullptr, row.warnings)
                               : QVariant();
                case Notes:
                    return r.notes.isEmpty() ? QVariant() : QVariant(r.notes);
                case Duration:
                    return tr("from creation to %1")
                        .arg(r.finishedAt.isValid() ? tr("the end") : tr("the last write"));
                case Created:
                    return r.createdAt.toLocalTime().toString(Qt::ISODate);
                case Name:
                    return tr("%1\nuuid %2").arg(r.name, r.uuid);
                default:
                    break;
            }
            return {};
        case Qt::TextAlignmentRole:
            switch (index.column()) {
                case Seed:
                case Steps:
                case TestAccuracy:
                case Duration:
                    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
                default:
                    break;
            }
            return {};
        case Qt::ForegroundRole:
            if (index.column() == Status || index.column() == Warnings) {
                const QColor color =
                    index.column() == Warnings ? QColor(178, 106, 0) : statusColor(r.status);
                return color.isValid() ? QVariant(QBrush(color)) : QVariant();
            }
            return {};
        default:
            break;
    }
    return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::ToolTipRole) {
        return isSortable(section) ? tr("Click to sort") : tr("Not sortable");
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case Name:
            return tr("Name");
        case Method:
            return tr("Method");
        case Model:
            return tr("Model");
        case Dataset:
            return tr("Dataset");
        case Status:
            return tr("Status");
        case Seed:
            return tr("Seed");
        case Steps:
            return tr("Steps");
        case TestAccuracy:
            return tr("Test acc.");
        case Duration:
            return tr("Duration");
        case Warnings:
            return QStringLiteral("\u26a0");
        case Tags:
            return tr("Tags");
        case Notes:
            return tr("Notes");
        case Created:
            return tr("Created");
        default:
            break;
    }
    return {};
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && m_session->isWritable() &&
        (index.column() == Name || index.column() == Tags || index.column() == Notes)) {
        f |= Qt::ItemIsEditable;
    }
    return f;
}

bool RunTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !index.isValid() || index.row() >= m_rows.size() ||
        !(flags(index) & Qt::ItemIsEditable)) {
        return false;
    }
    storage::RunReader* reader = m_session->reader();
    storage::RunRecord& r = m_rows[index.row()].record;
    storage::Status status;
    switch (index.column()) {
        case Name: {
            const QString name = value.toString().trimmed();
            if (name.isEmpty() || name == r.name) {
                return false;
            }
            status = reader->setName(r.id, name);
            break;
        }
        case Tags:
            status = reader->setTags(r.id, splitTags(value.toString()));
            break;
        case Notes:
            if (value.toString() == r.notes) {
                return false;
            }
            status = reader->setNotes(r.id, value.toString());
            break;
        default:
            return false;
    }
    if (!status) {
        Q_EMIT editFailed(status.error());
        return false;
    }
    refreshRun(r.id);
    return true;
}

bool RunTableModel::isSortable(int column) {
    switch (column) {
        case Name:
        case Method:
        case Model:
        case Dataset:
        case Status:
        case Seed:
        case TestAccuracy:
        case Created:
            return true;
        default:
            break;
    }
    return false;
}

void RunTableModel::sort(int column, Qt::SortOrder order) {
    if (!isSortable(column)) {
        return;
    }
    m_sortColumn = column;
    m_sortOrder = order;
    refresh();
}

void RunTableModel::setFilter(const storage::RunFilter& filter) {
    m_filter = filter;
    refresh();
}

void RunTableModel::setPageSize(int rows) {
    m_pageSize = std::max(1, rows);
}

storage::RunQuery RunTableModel::query(int offset) const {
    using Field = storage::RunSort::Field;
    storage::RunQuery q;
    q.filter = m_filter;
    q.offset = offset;
    q.limit = m_pageSize;
    q.latestKeys = rowKeys();
    q.sort.order = m_sortOrder;
    switch (m_sortColumn) {
        case Name:
            q.sort.field = Field::Name;
            break;
        case Method:
            q.sort.field = Field::Method;
            break;
        case Model:
            q.sort.field = Field::Model;
            break;
        case Dataset:
            q.sort.field = Field::Dataset;
            break;
        case Status:
            q.sort.field = Field::Status;
            break;
        case Seed:
            q.sort.field = Field::Seed;
            break;
        case TestAccuracy:
            q.sort.field = Field::Metric;
            q.sort.metricKey = key(core::keys::kTestAccuracy);
            break;
        default:
            q.sort.field = Field::CreatedAt;
            break;
    }
    return q;
}

bool RunTableModel::loadPage(int offset, QVector<Row>& out) {
    storage::RunReader* reader = m_session->reader();
    if (reader == nullptr) {
        return false;
    }
    auto runs = reader->listRuns(query(offset));
    if (!runs) {
        fail(runs.error());
        return false;
    }
    QVector<qint64> ids;
    ids.reserve(runs.value().size());
    for (const auto& r : runs.value()) {
        ids << r.id;
    }
    auto warned = reader->countEvents(ids, QStringLiteral("warning"));
    if (!warned) {
        fail(warned.error());
        return false;
    }
    out.reserve(out.size() + runs.value().size());
    for (auto& r : runs.value()) {
        const int warnings = warned.value().value(r.id);
        out.push_back(Row{std::move(r), warnings});
    }
    m_error.clear();
    return true;
}

void RunTableModel::fail(const QString& message) {
    m_error = message;
    Q_EMIT queryFailed(message);
}

void RunTableModel::refresh() {
    QVector<Row> rows;
    qint64 total = 0;
    if (storage::RunReader* reader = m_session->reader()) {
        auto count = reader->countRuns(m_filter);
        if (!count) {
            fail(count.error());
        } else if (loadPage(0, rows)) {
            total = count.value();
        }
    }
    beginResetModel();
    m_rows = std::move(rows);
    m_total = std::max<qint64>(total, m_rows.size());
    m_rowOf.clear();
    for (int i = 0; i < m_rows.size(); ++i) {
        m_rowOf.insert(m_rows.at(i).record.id, i);
    }
    endResetModel();
    Q_EMIT loaded();
}

bool RunTableModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && m_rows.size() < m_total;
}

void RunTableModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) {
        return;
    }
    QVector<Row> page;
    if (!loadPage(static_cast<int>(m_rows.size()), page)) {
        return;
    }
    // Runs added meanwhile shift the offsets; skip the ones already shown.
    QVector<Row> fresh;
    for (Row& row : page) {
        if (!m_rowOf.contains(row.record.id)) {
            fresh.push_back(std::move(row));
        }
    }
    if (fresh.isEmpty()) {
        m_total = m_rows.size();  // the store has fewer runs than counted: stop asking
        return;
    }
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    for (Row& row : fresh) {
        m_rowOf.insert(row.record.id, static_cast<int>(m_rows.size()));
        m_rows.push_back(std::move(row));
    }
    endInsertRows();
    Q_EMIT loaded();
}

void RunTableModel::fetchAll() {
    while (canFetchMore({})) {
        const auto before = m_rows.size();
        fetchMore({});
        if (m_rows.size() == before) {
            break;
        }
    }
}

int RunTableModel::rowOf(qint64 runId) const {
    return m_rowOf.value(runId, -1);
}

void RunTableModel::refreshRun(qint64 runId) {
    const int row = rowOf(runId);
    storage::RunReader* reader = m_session->reader();
    if (row < 0 || reader == nullptr) {
        return;
    }
    storage::RunQuery q;
    q.filter.ids = {runId};
    q.latestKeys = rowKeys();
    auto runs = reader->listRuns(q);
    if (!runs || runs.value().isEmpty()) {
        if (!runs) {
            fail(runs.error());
        }
        return;
    }
    auto warned = reader->countEvents({runId}, QStringLiteral("warning"));
    m_rows[row].record = runs.value().first();
    if (warned) {
        m_rows[row].warnings = warned.value().value(runId);
    }
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

}  // namespace lossstudio::ui
