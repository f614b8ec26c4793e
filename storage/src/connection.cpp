#include "connection.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <atomic>

#if defined(Q_OS_UNIX)
#include <unistd.h>
#endif

#include "process_identity.h"
#include "schema.h"
#include "sql_util.h"

namespace lossstudio::storage::detail {
namespace {

// Writable for us, and not marked read-only by its owner. Root passes access(W_OK) for any
// file, so a file we own without its owner-write bit counts as read-only: the user said so.
bool writable(const QFileInfo& info) {
    if (!info.isWritable()) {
        return false;
    }
#if defined(Q_OS_UNIX)
    if (info.ownerId() == static_cast<uint>(::geteuid()) &&
        !info.permissions().testFlag(QFileDevice::WriteOwner)) {
        return false;
    }
#endif
    return true;
}

Status checkLocation(const QString& path, OpenMode mode) {
    const QFileInfo info(path);
    const QFileInfo dir(info.absolutePath());
    if (!dir.exists() || !dir.isDir()) {
        return Error{ErrorCode::NotFound,
                     QStringLiteral("cannot open run store %1: its folder %2 does not exist; "
                                    "create the folder or choose another store with --db")
                         .arg(path, dir.absoluteFilePath())};
    }
    if (!info.exists()) {
        if (mode == OpenMode::ReadOnly) {
            return Error{ErrorCode::NotFound,
                         QStringLiteral("run store %1 does not exist; check the path given with "
                                        "--db")
                             .arg(path)};
        }
        if (!writable(dir)) {
            return Error{ErrorCode::ReadOnly,
                         QStringLiteral("cannot create run store %1: folder %2 is read-only; make "
                                        "it writable or choose another store with --db")
                             .arg(path, dir.absoluteFilePath())};
        }
        return {};
    }
    if (info.isDir()) {
        return Error{ErrorCode::NotAStore,
                     QStringLiteral("%1 is a folder, not a run store; give the path of a .sqlite "
                                    "file with --db")
                         .arg(path)};
    }
    // The file itself is never opened here: on POSIX, closing any descriptor of a file drops
    // every lock this process holds on it, SQLite's included, and another process would then
    // believe itself the store's last user and delete the WAL this process still writes to.
    // Whether it is an SQLite database at all is SQLite's answer (validate()).
    if (!info.isReadable()) {
        return Error{ErrorCode::Io,
                     QStringLiteral("cannot read run store %1: permission denied; make it "
                                    "readable (chmod u+r) or choose another store with --db")
                         .arg(path)};
    }
    if (info.size() == 0 && mode == OpenMode::ReadOnly) {
        return Error{ErrorCode::NotAStore,
                     QStringLiteral("%1 is empty, not a run store").arg(path)};
    }
    if (mode == OpenMode::ReadWrite) {
        if (!writable(info)) {
            return Error{ErrorCode::ReadOnly,
                         QStringLiteral("run store %1 is read-only; make it writable (chmod u+w) "
                                        "or open it read-only")
                             .arg(path)};
        }
        // WAL needs to create <file>-wal and <file>-shm beside it.
        if (!writable(dir)) {
            return Error{ErrorCode::ReadOnly,
                         QStringLiteral("run store %1 is in a read-only folder (%2) where SQLite "
                                        "cannot create its journal; make the folder writable or "
                                        "open the store read-only")
                             .arg(path, dir.absoluteFilePath())};
        }
    }
    return {};
}

QSqlDatabase addConnection(const QString& name, const QString& path, bool readOnly,
                           int busyTimeoutMs = 10000) {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeoutMs);
    if (readOnly) {
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
    }
    db.setConnectOptions(options);
    return db;
}

void dropConnection(QSqlDatabase& db, const QString& name) {
    if (db.isOpen()) {
        db.close();
    }
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(name);
}

// No -wal file beside the store: no connection anywhere has it open in WAL mode, so nothing is
// being written and nothing committed is outside the file.
bool noWriteAheadLog(const QString& path) {
    return !QFile::exists(path + QStringLiteral("-wal"));
}

// Opens the file as immutable (SQLite's URI parameter): no locks, no -wal / -shm files created.
// Only for a file nobody writes while it is open.
void useImmutableUri(QSqlDatabase& db, const QString& path) {
    db.setDatabaseName(
        QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toString(QUrl::FullyEncoded) +
        QStringLiteral("?mode=ro&immutable=1"));
    db.setConnectOptions(db.connectOptions() + QStringLiteral(";QSQLITE_OPEN_URI"));
}

// Opens read-only and reads the schema version: nothing is written whatever the file holds. Without
// a -wal file it opens as immutable, so that SQLite does not even create its -wal / -shm files
// beside a file it then refuses.
Result<int> validate(const QString& path, const QString& name) {
    QSqlDatabase db = addConnection(name, path, /*readOnly=*/true);
    if (noWriteAheadLog(path)) {
        useImmutableUri(db, path);
    }
    Result<int> version = Error{};
    if (!db.open()) {
        version =
            Error{ErrorCode::NotAStore,
                  QStringLiteral("cannot open run store %1: %2").arg(path, db.lastError().text())};
    } else {
        version = readSchemaVersion(db, path);
    }
    dropConnection(db, name);
    return version;
}

Status setPragmas(const QSqlDatabase& db, const QString& path) {
    const QString what = QStringLiteral("configuring %1").arg(path);
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA cache_size = -32768",
                               "PRAGMA temp_store = MEMORY", "PRAGMA mmap_size = 268435456"}) {
        if (Status s = execSql(db, QString::fromLatin1(pragma), what); !s) {
            return s;
        }
    }
    return {};
}

// After a successful migration only: until then a failed upgrade rolls back to the exact file.
Status setWriteAheadLog(const QSqlDatabase& db, const QString& path) {
    const QString what = QStringLiteral("configuring %1").arg(path);
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !query.next()) {
        return sqlError(what, query);
    }
    if (query.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        logger()->warn("{}: SQLite kept journal mode '{}' (WAL unavailable here)",
                       path.toStdString(), query.value(0).toString().toStdString());
    }
    query.finish();
    // NORMAL in WAL mode: a process crash loses nothing committed; only a power loss may lose
    // the last transactions.
    if (Status s = execSql(db, QStringLiteral("PRAGMA synchronous = NORMAL"), what); !s) {
        return s;
    }
    // Checkpoint (copy the WAL into the file, with its two fsyncs) every 16 MB instead of every
    // 4 MB: bulk appends then pay for far fewer syncs.
    return execSql(db, QStringLiteral("PRAGMA wal_autocheckpoint = 4096"), what);
}

}  // namespace

QString uniqueConnectionName() {
    static std::atomic<int> counter{0};
    return QStringLiteral("lossstudio-store-%1").arg(counter.fetch_add(1));
}

Connection::Connection(QString path, OpenMode mode, QString name)
    : m_path(std::move(path)), m_mode(mode), m_name(std::move(name)) {}

Connection::~Connection() {
    dropConnection(m_db, m_name);
}

Result<std::unique_ptr<Connection>> Connection::open(const QString& path, OpenMode mode,
                                                     const QString& connectionName, bool allowOlder,
                                                     int busyTimeoutMs) {
    if (path.isEmpty()) {
        return Error{ErrorCode::InvalidArgument, QStringLiteral("no run store path given")};
    }
    const QString name = connectionName.isEmpty() ? uniqueConnectionName() : connectionName;
    if (QSqlDatabase::contains(name)) {
        return Error{ErrorCode::InvalidArgument,
                     QStringLiteral("the Qt Sql connection name '%1' is already in use").arg(name)};
    }
    const bool memory = path == QLatin1String(":memory:");
    int version = 0;
    if (!memory) {
        if (Status s = checkLocation(path, mode); !s) {
            return s.takeError();
        }
        if (QFileInfo(path).size() > 0) {
            Result<int> found = validate(path, name);
            if (!found) {
                return found.takeError();
            }
            version = found.value();
        }
    }
    if (version > kSchemaVersion) {
        return Error{ErrorCode::NewerSchema,
                     QStringLiteral("%1 was written by a newer LossStudio (schema version %2; this "
                                    "build knows up to %3); it was left untouched: open it with "
                                    "a newer LossStudio, or choose another store with --db")
                         .arg(path)
                         .arg(version)
                         .arg(kSchemaVersion)};
    }
    if (mode == OpenMode::ReadOnly && version < kSchemaVersion && !allowOlder) {
        return Error{ErrorCode::NeedsUpgrade,
                     QStringLiteral("%1 uses the older schema version %2 and was opened read-only; "
                                    "open it once read-write (e.g. lossstudio-cli runs list --db "
                                    "%1) to upgrade it to version %3")
                         .arg(path)
                         .arg(version)
                         .arg(kSchemaVersion)};
    }

    std::unique_ptr<Connection> connection(new Connection(path, mode, name));
    connection->m_db = addConnection(name, path, mode == OpenMode::ReadOnly, busyTimeoutMs);
    // A read-only store in a read-only folder: SQLite could not create the -shm file a WAL
    // database needs even to be read, and no process can write there, so it is read as immutable.
    if (!memory && mode == OpenMode::ReadOnly &&
        !writable(QFileInfo(QFileInfo(path).absolutePath())) && noWriteAheadLog(path)) {
        useImmutableUri(connection->m_db, path);
    }
    if (!connection->m_db.open()) {
        return Error{ErrorCode::Failed, QStringLiteral("cannot open run store %1: %2")
                                            .arg(path, connection->m_db.lastError().text())};
    }
    if (Status s = setPragmas(connection->m_db, path); !s) {
        return s.takeError();
    }
    if (mode == OpenMode::ReadWrite) {
        // Re-read under the write connection: another process may have created or upgraded the
        // store between validation and now.
        Result<int> now = readSchemaVersion(connection->m_db, path);
        if (!now) {
            return now.takeError();
        }
        if (now.value() > kSchemaVersion) {
            return Error{
                ErrorCode::NewerSchema,
                QStringLiteral("%1 was upgraded by a newer LossStudio while opening").arg(path)};
        }
        if (now.value() < kSchemaVersion) {
            if (Status s = migrate(connection->m_db, now.value(), path); !s) {
                return s.takeError();
            }
        }
        if (!memory) {
            if (Status s = setWriteAheadLog(connection->m_db, path); !s) {
                return s.takeError();
            }
        }
        Result<QStringList> marked = connection->markDeadWriters();
        if (!marked) {
            return marked.takeError();
        }
    }
    return connection;
}

Result<QStringList> Connection::markDeadWriters() {
    if (m_mode == OpenMode::ReadOnly) {
        return QStringList{};
    }
    const QString what = QStringLiteral("checking running runs in %1").arg(m_path);
    struct Dead {
        qint64 id;
        QString uuid;
        qint64 pid;
        QString identity;
    };
    QVector<Dead> dead;
    {
        QSqlQuery query(m_db);
        query.setForwardOnly(true);
        if (!query.exec(QStringLiteral("SELECT id, uuid, writer_machine, writer_pid, "
                                       "writer_identity FROM runs WHERE status = 'running'"))) {
            return sqlError(what, query);
        }
        while (query.next()) {
            const qint64 pid = query.value(3).toLongLong();
            const QString identity = query.value(4).toString();
            if (!writerMayBeAlive(query.value(2).toString(), pid, identity)) {
                dead.push_back(
                    {query.value(0).toLongLong(), query.value(1).toString(), pid, identity});
            }
        }
    }
    QStringList uuids;
    if (dead.isEmpty()) {
        return uuids;  // nothing written, no write lock taken
    }
    Transaction transaction(m_db);
    if (Status s = transaction.begin(what); !s) {
        return s.takeError();
    }
    QSqlQuery update(m_db);
    if (Status s = prepare(update,
                           QStringLiteral("UPDATE runs SET status = 'interrupted', finished_at = "
                                          "COALESCE(updated_at, created_at), message = ? WHERE id "
                                          "= ? AND status = 'running' AND writer_pid = ? AND "
                                          "writer_identity = ?"),
                           what);
        !s) {
        return s.takeError();
    }
    for (const Dead& run : dead) {
        update.addBindValue(
            run.pid > 0 ? QStringLiteral("interrupted: the writing process (pid %1) ended without "
                                         "finishing the run")
                              .arg(run.pid)
                        : QStringLiteral("interrupted: no process is writing this run"));
        update.addBindValue(run.id);
        update.addBindValue(run.pid);
        update.addBindValue(run.identity);
        if (Status s = exec(update, what); !s) {
            return s.takeError();
        }
        if (update.numRowsAffected() > 0) {  // else it was resumed meanwhile
            uuids << run.uuid;
        }
    }
    if (Status s = transaction.commit(); !s) {
        return s.takeError();
    }
    for (const QString& uuid : uuids) {
        logger()->warn(
            "run {} in {} was interrupted (its writer died); its committed rows are kept",
            uuid.toStdString(), m_path.toStdString());
    }
    m_interrupted += uuids;
    return uuids;
}

}  // namespace lossstudio::storage::detail
