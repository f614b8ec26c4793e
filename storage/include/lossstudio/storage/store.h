#pragma once

#include <QString>

/// \file
/// The run store: one SQLite file (WAL journal, foreign keys on) holding every run. Open it with
/// RunWriter (the engine's thread) or RunReader (the GUI thread, the CLI); each holds its own
/// named Qt Sql connection, and Qt Sql connections belong to the thread that opened them.
///
/// Opening checks, before anything is written: the path's folder exists and is writable (for
/// ReadWrite), the file starts with the SQLite header, it holds a `schema_version` table, and the
/// version is not newer than kSchemaVersion. Any failure returns an Error naming the file and
/// leaves it byte-identical. Older schemas are migrated forward in one transaction.
///
/// Dead writers: a writer records its machine id, pid and process identity (boot id plus the
/// process start time from /proc/<pid>/stat) in its run. Every ReadWrite open marks `running`
/// runs `interrupted` when, on this machine, that process no longer exists, is a zombie, or is a
/// different process with a reused pid. Runs written from another machine are left as they are
/// (their process cannot be checked from here). Everything committed before the death stays.

namespace lossstudio::storage {

/// The schema this build writes. Stores with a higher version are refused, lower ones migrated.
inline constexpr int kSchemaVersion = 3;

/// The store's file name inside the user's data directory (the app supplies the directory).
inline constexpr const char* kDefaultStoreFileName = "runs.sqlite";

enum class OpenMode {
    ReadWrite,  ///< creates the file if missing, migrates, marks dead writers' runs interrupted
    ReadOnly,   ///< never writes; the file must exist and have the current schema
};

}  // namespace lossstudio::storage
