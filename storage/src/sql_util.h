#pragma once

#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <memory>

#include <spdlog/logger.h>

#include <lossstudio/storage/result.h>

namespace lossstudio::storage::detail {

/// The "storage" logger, or spdlog's default one when the app has not registered it.
std::shared_ptr<spdlog::logger> logger();

/// "what: <SQLite's error text>" from a failed statement or connection.
Error sqlError(const QString& what, const QSqlQuery& query);
Error sqlError(const QString& what, const QSqlDatabase& db);

/// prepare(), exec() a prepared statement, exec() literal SQL: each failure reported with `what`.
Status prepare(QSqlQuery& query, const QString& sql, const QString& what);
Status exec(QSqlQuery& query, const QString& what);
Status execSql(const QSqlDatabase& db, const QString& sql, const QString& what);

/// Milliseconds since the epoch (UTC), the store's time unit.
qint64 nowMs();

/// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted. Immediate so that a
/// writer never fails to upgrade a read lock in WAL mode; waits up to the busy timeout.
class Transaction final {
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Status begin(const QString& what);
    Status commit();
    void rollback();

private:
    QSqlDatabase m_db;
    QString m_what;
    bool m_open = false;
};

/// Qt binds a null QString as SQL NULL; text columns are NOT NULL, so bind "" instead.
inline QString text(const QString& s) {
    return s.isNull() ? QString::fromLatin1("") : s;
}

/// Escapes % _ and \ for `LIKE ? ESCAPE '\'`.
QString likeEscaped(const QString& text);

/// A JSON object as the compact text a TEXT column keeps ("" for an empty one), and back (an
/// empty or unreadable text is an empty object).
QString jsonText(const QJsonObject& object);
QJsonObject jsonObject(const QString& text);

}  // namespace lossstudio::storage::detail
