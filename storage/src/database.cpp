#include "lossstudio/storage/database.h"

#include <QSqlError>

namespace lossstudio::storage {

QSqlDatabase openSqlite(const QString& path, const QString& connectionName, QString* error) {
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db.setDatabaseName(path);
    if (!db.open()) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot open database %1: %2")
                         .arg(path, db.lastError().text());
        }
    }
    return db;
}

void closeConnection(const QString& connectionName) {
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, /*open=*/false);
        if (db.isOpen()) {
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(connectionName);
}

}  // namespace lossstudio::storage
