#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace lossstudio::core {

/// An expected failure: a message that says what went wrong and what to do about it, and, for a
/// config error, the dotted key it is about ("optimizer.lr"), so an editor can find its field.
struct Error {
    std::string message;
    std::string key = {};  ///< empty when the error is about no single config key
};

/// Either a value or an Error. Callers must look at ok() before value().
template <class T>
class [[nodiscard]] Result final {
public:
    Result(T value) : m_state(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : m_state(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<T>(m_state); }
    T& value() & { return std::get<T>(m_state); }
    /// By value, so `for (auto& x : f().value())` does not dangle.
    T value() && { return std::get<T>(std::move(m_state)); }
    /// The message; empty when ok (safe to call either way, e.g. in a test's failure text).
    const std::string& error() const {
        static const std::string kNone;
        return ok() ? kNone : std::get<Error>(m_state).message;
    }
    /// The config key the error names; empty when ok or when it names none.
    const std::string& errorKey() const {
        static const std::string kNone;
        return ok() ? kNone : std::get<Error>(m_state).key;
    }
    /// The whole Error, to pass on (must not be ok).
    const Error& failure() const { return std::get<Error>(m_state); }

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
    /// The message; empty when ok.
    const std::string& error() const {
        static const std::string kNone;
        return m_error ? m_error->message : kNone;
    }
    /// The config key the error names; empty when ok or when it names none.
    const std::string& errorKey() const {
        static const std::string kNone;
        return m_error ? m_error->key : kNone;
    }
    /// The whole Error, to pass on (must not be ok).
    const Error& failure() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

}  // namespace lossstudio::core
