#pragma once

#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <memory>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/store.h>

namespace lossstudio::storage::detail {

/// One named Qt Sql connection to a validated, migrated run store. Belongs to the thread that
/// opened it. Whoever holds QSqlQuery objects on it must destroy them before the Connection.
class Connection final {
public:
    /// Validates the file (see store.h) before anything is written, then opens it, sets the
    /// pragmas, migrates and (ReadWrite) marks dead writers' runs interrupted. An empty
    /// connectionName picks a unique one. `allowOlder` lets ReadOnly open an older schema (for
    /// copying it, never for queries).
    static Result<std::unique_ptr<Connection>> open(const QString& path, OpenMode mode,
                                                    const QString& connectionName,
                                                    bool allowOlder = false,
                                                    int busyTimeoutMs = 10000);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const QSqlDatabase& db() const { return m_db; }
    const QString& path() const { return m_path; }
    OpenMode mode() const { return m_mode; }
    /// UUIDs of runs this open (or markDeadWriters) found with a dead writer.
    const QStringList& interrupted() const { return m_interrupted; }

    /// Marks `running` runs whose writer provably died as interrupted; returns their UUIDs.
    Result<QStringList> markDeadWriters();

private:
    Connection(QString path, OpenMode mode, QString name);

    QString m_path;
    OpenMode m_mode;
    QString m_name;
    QSqlDatabase m_db;
    QStringList m_interrupted;
};

/// A connection name no other store object uses ("lossstudio-store-<n>").
QString uniqueConnectionName();

}  // namespace lossstudio::storage::detail
