#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <memory>

#include <lossstudio/storage/result.h>
#include <lossstudio/storage/run_reader.h>

namespace lossstudio::ui {

/// What to do about a store error, as one sentence, for the SQLite errors a user can act on
/// (not a database or damaged, locked by another writer, read-only, disk full or unreachable,
/// cannot be opened, written by another version); empty for any other text. Any thread.
QString storeErrorAdvice(const QString& error);
/// `error`, followed by its storeErrorAdvice when there is one.
QString withStoreAdvice(const QString& error);

/// The run store the studio shows: one storage::RunReader (its own Qt Sql connection) shared by
/// the runs browser, the replay and the compare view, and the path new runs are recorded in.
/// Switching to another file replaces the reader only when the new one opened, so a bad file
/// leaves the current store in place. Views keep no RunReader pointer across storeChanged().
///
/// Thread affinity: GUI thread (the reader's connection belongs to it).
class StoreSession final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StoreSession)

public:
    explicit StoreSession(QObject* parent = nullptr);
    ~StoreSession() override;

    /// Opens the store at `path` read-write (created if missing, migrated, dead writers' runs
    /// marked interrupted); a file that is not writable opens read-only (edits are refused).
    /// On failure the Error says what and the current store stays. Emits storeChanged().
    storage::Status open(const QString& path);
    /// Closes the store (e.g. before its file is removed). Emits storeChanged().
    void close();

    bool isOpen() const { return m_reader != nullptr; }
    /// The open store's reader, or nullptr. Valid until the next open() / close().
    storage::RunReader* reader() const { return m_reader.get(); }
    /// The open store's file ("" when none).
    QString path() const;
    /// False for a store opened read-only: tags, notes, names and deletes are refused.
    bool isWritable() const;

    /// Tells every view that runs were added, edited or deleted (they re-query).
    void notifyRunsChanged();

Q_SIGNALS:
    /// Another store was opened (or the store was closed: `path` is empty).
    void storeChanged(const QString& path);
    /// Runs of the open store changed (edits here, or a run started or ended in this studio).
    void runsChanged();

private:
    std::unique_ptr<storage::RunReader> m_reader;
};

}  // namespace lossstudio::ui
