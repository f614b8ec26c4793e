#pragma once

#include <QSqlDatabase>
#include <QString>

namespace lossstudio::storage {

/// Opens (creating if missing) an SQLite database under a connection name of its own. Qt Sql
/// connections belong to the thread that opened them: open one per thread. ":memory:" opens an
/// in-memory database. On failure returns an invalid/closed database and sets *error.
QSqlDatabase openSqlite(const QString& path, const QString& connectionName, QString* error);

/// Closes and removes a connection opened with openSqlite().
void closeConnection(const QString& connectionName);

}  // namespace lossstudio::storage
