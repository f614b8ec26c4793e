#include "lossstudio/ui/store_session.h"

#include <lossstudio/core/logging.h>

namespace lossstudio::ui {

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
