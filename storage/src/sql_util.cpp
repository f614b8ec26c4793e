#include "sql_util.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSqlError>

#include <spdlog/spdlog.h>

namespace lossstudio::storage::detail {

std::shared_ptr<spdlog::logger> logger() {
    auto named = spdlog::get("storage");
    return named ? named : spdlog::default_logger();
}

Error sqlError(const QString& what, const QSqlQuery& query) {
    const QSqlError error = query.lastError();
    // SQLITE_CORRUPT (11) and SQLITE_NOTADB (26) mean the file itself is bad.
    const QString native = error.nativeErrorCode();
    const ErrorCode code = (native == QLatin1String("11") || native == QLatin1String("26"))
                               ? ErrorCode::Damaged
                               : ErrorCode::Failed;
    return Error{code, QStringLiteral("%1: %2").arg(what, error.text())};
}

Error sqlError(const QString& what, const QSqlDatabase& db) {
    return Error{ErrorCode::Failed, QStringLiteral("%1: %2").arg(what, db.lastError().text())};
}

Status prepare(QSqlQuery& query, const QString& sql, const QString& what) {
    if (!query.prepare(sql)) {
        return sqlError(what, query);
    }
    return {};
}

Status exec(QSqlQuery& query, const QString& what) {
    if (!query.exec()) {
        return sqlError(what, query);
    }
    return {};
}

Status execSql(const QSqlDatabase& db, const QString& sql, const QString& what) {
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        return sqlError(what, query);
    }
    return {};
}

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

Transaction::Transaction(QSqlDatabase db) : m_db(std::move(db)) {}

Transaction::~Transaction() {
    rollback();
}

Status Transaction::begin(const QString& what) {
    m_what = what;
    if (Status s =
            execSql(m_db, QStringLiteral("BEGIN IMMEDIATE"), what + QStringLiteral(" (begin)"));
        !s) {
        return s;
    }
    m_open = true;
    return {};
}

Status Transaction::commit() {
    if (!m_open) {
        return Error{ErrorCode::Failed, m_what + QStringLiteral(": no transaction to commit")};
    }
    if (Status s = execSql(m_db, QStringLiteral("COMMIT"), m_what + QStringLiteral(" (commit)"));
        !s) {
        rollback();
        return s;
    }
    m_open = false;
    return {};
}

void Transaction::rollback() {
    if (!m_open) {
        return;
    }
    m_open = false;
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("ROLLBACK"))) {
        logger()->error("{}: rollback failed: {}", m_what.toStdString(),
                        query.lastError().text().toStdString());
    }
}

QString likeEscaped(const QString& text) {
    QString out;
    out.reserve(text.size() + 4);
    for (const QChar c : text) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('\\')) {
            out += QLatin1Char('\\');
        }
        out += c;
    }
    return out;
}

QString jsonText(const QJsonObject& object) {
    if (object.isEmpty()) {
        return QString::fromLatin1("");
    }
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QJsonObject jsonObject(const QString& text) {
    if (text.isEmpty()) {
        return {};
    }
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

}  // namespace lossstudio::storage::detail
