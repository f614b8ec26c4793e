#pragma once

#include <QString>
#include <optional>
#include <utility>
#include <variant>

namespace lossstudio::storage {

/// Why a store operation failed, for callers that react differently (e.g. the CLI falls back to
/// a read-only open when the store is ReadOnly). The message always says more.
enum class ErrorCode {
    Failed,           ///< a database statement failed (message holds SQLite's text)
    InvalidArgument,  ///< the caller passed something that cannot be stored or found
    NotFound,         ///< the file, its folder or the run does not exist
    ReadOnly,         ///< the file or its folder is not writable
    NotAStore,        ///< not SQLite, or an SQLite database that is not a LossStudio store
    NewerSchema,      ///< written by a newer LossStudio; this build must not touch it
    NeedsUpgrade,     ///< an older schema opened read-only (cannot migrate without writing)
    Damaged,          ///< SQLite reports corruption, or a snapshot blob has a bad header
    InUse,            ///< the run is still being written by a live process
    Io,               ///< reading or writing a non-database file failed
};

/// An expected failure: what went wrong and what to do about it, naming the file.
struct Error {
    ErrorCode code = ErrorCode::Failed;
    QString message;
};

/// Either a value or an Error. Callers must look at ok() before value().
template <class T>
class [[nodiscard]] Result final {
public:
    Result(T value) : m_state(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : m_state(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_state); }
    T& value() & { return std::get<T>(m_state); }
    /// By value, so that `for (auto& x : f().value())` does not dangle.
    T value() && { return std::get<T>(std::move(m_state)); }
    /// The message; empty when ok() (so that it can be evaluated unconditionally).
    const QString& error() const {
        static const QString none;
        return ok() ? none : std::get<Error>(m_state).message;
    }
    ErrorCode code() const { return ok() ? ErrorCode::Failed : std::get<Error>(m_state).code; }
    Error takeError() const { return ok() ? Error{} : std::get<Error>(m_state); }

private:
    std::variant<T, Error> m_state;
};

/// Success or an Error, for operations without a value.
class [[nodiscard]] Status final {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}  // NOLINT(google-explicit-constructor)
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    /// The message; empty when ok().
    const QString& error() const {
        static const QString none;
        return m_error ? m_error->message : none;
    }
    ErrorCode code() const { return m_error ? m_error->code : ErrorCode::Failed; }
    Error takeError() const { return m_error ? *m_error : Error{}; }

private:
    std::optional<Error> m_error;
};

}  // namespace lossstudio::storage
