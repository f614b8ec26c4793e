#pragma once

// Sequential reading of dataset files, gunzipping on the fly. Private to core; torch-free.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lossstudio/core/result.h"

namespace lossstudio::core::data {

/// One open file, read front to back. A file that starts with the gzip magic bytes 1f 8b is
/// gunzipped while reading (the content decides, never the name); any other file is read as it
/// is. Several gzip members one after the other read as one stream; any other bytes after the
/// last member are an Error. Move-only; not thread-safe (one reader per file).
class InputFile final {
public:
    /// Opens `path`; the Error says whether the file is missing or unreadable.
    static Result<InputFile> open(const std::string& path);

    InputFile(InputFile&& other) noexcept;
    InputFile& operator=(InputFile&& other) noexcept;
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;
    ~InputFile();

    /// Reads up to `size` bytes into `destination`; fewer only at the end of the data. An Error for
    /// corrupt gzip data or a failing read. A gzip stream that just stops early counts as the end.
    Result<std::size_t> read(void* destination, std::size_t size);
    /// Reads and drops the rest of the data; returns how many bytes it held.
    Result<std::uint64_t> skipToEnd();
    /// All the (gunzipped) data from the current position on.
    Result<std::vector<std::uint8_t>> readAll();

    const std::string& path() const { return m_path; }
    /// True when the file is gzip data (zlib peeks at the first bytes to tell).
    bool gzipped() const;
    /// True when the gzip stream ended before its end marker (a truncated download).
    bool endedEarly() const { return m_endedEarly; }

private:
    struct State;
    InputFile(std::string path, std::unique_ptr<State> state);

    std::string m_path;
    std::unique_ptr<State> m_state;  // zlib stays out of this header
    bool m_endedEarly = false;
};

/// Reads a whole file (gunzipped if it is gzip data). The Error names the file.
Result<std::vector<std::uint8_t>> readFileBytes(const std::string& path);

/// The size in bytes as "47040000 bytes (44.9 MiB)" for error messages.
std::string describeBytes(std::uint64_t bytes);

}  // namespace lossstudio::core::data
