#include "lossstudio/ui/store_session.h"

#include <lossstudio/core/logging.h>

namespace lossstudio::ui {

QString storeErrorAdvice(const QString& error) {
    const QString e = error.toLower();
    const auto has = [&e](const char* text) { return e.contains(QLatin1String(text)); };
    if (has("not a database") || has("malformed")) {
        return QObject::tr(
            "The file is not a LossStudio run store or it is damaged: open another store "
            "(File \u203a Open run store\u2026) or restore this one from a copy.");
    }
    if (has("database is locked") || has("database table is locked")) {
        return QObject::tr(
            "Another program (a run being recorded, lossstudio-cli, a merge) holds the store's "
            "write lock: try again in a moment.");
    }
    if (has("readonly") || has("read-only")) {
        return QObject::tr(
            "The store cannot be written here: check the permissions of the file and its "
            "folder, or work on a copy.");
    }
    if (has("disk is full") || has("disk i/o") || has("database or disk is full")) {
        return QObject::tr(
            "The disk is full or the file is unreachable: free some space or check the drive, "
            "then try again.");
    }
    if (has("unable to open") || has("cannot open")) {
        return QObject::tr(
            "Check that the file and its folder exist and that you may read them, or choose "
            "another store.");
    }
    if (has("no such table") || has("no such column")) {
        return QObject::tr(
            "The store was written by another version of LossStudio: open it with that "
            "version, or export its runs there and merge them here.");
    }
    return {};
}

QString withStoreAdvice(const QString& error) {
    const QString advice = storeErrorAdvice(error);
    return advice.isEmpty() ? error : error + QLatin1Char(' ') + advice;
}

StoreSession::StoreSession(QObject* parent) : QObject(parent) {}

StoreSession::~StoreSession() = default;

storage::Status StoreSession::open(const QString& path) {
    auto reader = storage::RunReader::open(path, storage::OpenMode::ReadWrite);
    if (!reader && reader.code() == storage::ErrorCode::ReadOnly) {
        // A store on a read-only medium can still be browsed, replayed and compared.
        reader = storage::RunReader::open(path, storage::OpenMode::ReadOnly);
    }
    if (!reader) {
        core::logger("ui")->error("cannot open the run store {}: {}", path.toStdString(),
                                  reader.error().toStdString());
        return reader.takeError();
    }
    m_reader = std::move(reader).value();
    core::logger("ui")->info("run store {} open{}", path.toStdString(),
                             isWritable() ? "" : " (read-only)");
    Q_EMIT storeChanged(m_reader->path());
    return {};
}

void StoreSession::close() {
    if (!m_reader) {
        return;
    }
    m_reader.reset();
    Q_EMIT storeChanged(QString());
}

QString StoreSession::path() const {
    return m_reader ? m_reader->path() : QString();
}

bool StoreSession::isWritable() const {
    return m_reader && m_reader->mode() == storage::OpenMode::ReadWrite;
}

void StoreSession::notifyRunsChanged() {
    Q_EMIT runsChanged();
}

}  // namespace lossstudio::ui
