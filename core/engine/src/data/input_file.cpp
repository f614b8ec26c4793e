#include "data/input_file.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include <zlib.h>

namespace lossstudio::core::data {
namespace {

// Compressed bytes read from the file at a time.
constexpr std::size_t kInputBuffer = std::size_t{256} * 1024;
// inflate takes an unsigned count: inflate in pieces well below UINT_MAX.
constexpr std::size_t kMaxInflatePiece = std::size_t{1} << 30;

}  // namespace

/// A plain or gzip file being read: the stdio stream, and for gzip zlib's state and its input.
struct InputFile::State {
    std::FILE* file = nullptr;
    bool gzip = false;
    bool finished = false;         // gzip: the last member ended and nothing follows
    std::uint64_t fileOffset = 0;  // compressed bytes read from the file so far
    z_stream stream{};
    std::vector<unsigned char> input;

    ~State() {
        if (gzip) {
            inflateEnd(&stream);
        }
        if (file != nullptr) {
            std::fclose(file);
        }
    }

    // Tops up the input so that at least `wanted` bytes are buffered where the file has them.
    // Returns false on a read error (errno is set).
    bool fill(std::size_t wanted) {
        if (stream.avail_in >= wanted) {
            return true;
        }
        if (stream.avail_in > 0 && stream.next_in != input.data()) {
            std::memmove(input.data(), stream.next_in, stream.avail_in);
        }
        stream.next_in = input.data();
        while (stream.avail_in < wanted) {
            const std::size_t got =
                std::fread(input.data() + stream.avail_in, 1, input.size() - stream.avail_in, file);
            fileOffset += got;
            stream.avail_in += static_cast<uInt>(got);
            if (got == 0) {
                return std::ferror(file) == 0;
            }
        }
        return true;
    }
};

std::string describeBytes(std::uint64_t bytes) {
    char buffer[64];
    if (bytes < 1024 * 1024) {
        std::snprintf(buffer, sizeof buffer, "%llu bytes", static_cast<unsigned long long>(bytes));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llu bytes (%.1f MiB)",
                      static_cast<unsigned long long>(bytes),
                      static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    return buffer;
}

Result<InputFile> InputFile::open(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) {
        return Error{path + ": no such file"};
    }
    if (fs::is_directory(status)) {
        return Error{path + ": is a folder, expected a file"};
    }
    auto state = std::make_unique<State>();
    errno = 0;
    state->file = std::fopen(path.c_str(), "rb");
    if (state->file == nullptr) {
        const int err = errno;
        return Error{path + ": cannot open: " + (err != 0 ? std::strerror(err) : "out of memory") +
                     " — check its permissions"};
    }
    state->input.resize(kInputBuffer);
    if (!state->fill(2)) {
        return Error{path + ": read error: " + std::strerror(errno)};
    }
    state->gzip = state->stream.avail_in >= 2 && state->input[0] == 0x1f && state->input[1] == 0x8b;
    if (state->gzip && inflateInit2(&state->stream, 15 + 16) != Z_OK) {  // +16: gzip wrapper
        state->gzip = false;
        return Error{path + ": cannot start gunzipping (out of memory)"};
    }
    return InputFile(path, std::move(state));
}

InputFile::InputFile(std::string path, std::unique_ptr<State> state)
    : m_path(std::move(path)), m_state(std::move(state)) {}

InputFile::InputFile(InputFile&& other) noexcept = default;
InputFile& InputFile::operator=(InputFile&& other) noexcept = default;
InputFile::~InputFile() = default;

bool InputFile::gzipped() const {
    return m_state != nullptr && m_state->gzip;
}

Result<std::size_t> InputFile::read(void* destination, std::size_t size) {
    auto* out = static_cast<unsigned char*>(destination);
    State& st = *m_state;
    std::size_t total = 0;
    if (!st.gzip) {
        // The bytes buffered while looking for the gzip magic come first.
        const std::size_t buffered = std::min<std::size_t>(st.stream.avail_in, size);
        if (buffered > 0) {
            std::memcpy(out, st.stream.next_in, buffered);
            st.stream.next_in += buffered;
            st.stream.avail_in -= static_cast<uInt>(buffered);
            total = buffered;
        }
        if (total < size) {
            total += std::fread(out + total, 1, size - total, st.file);
            if (std::ferror(st.file) != 0) {
                return Error{m_path + ": read error: " + std::strerror(errno)};
            }
        }
        return total;
    }
    while (total < size && !st.finished) {
        if (!st.fill(1)) {
            return Error{m_path + ": read error: " + std::strerror(errno)};
        }
        if (st.stream.avail_in == 0) {
            m_endedEarly = true;  // the file ends inside a gzip member
            break;
        }
        const std::size_t piece = std::min(size - total, kMaxInflatePiece);
        st.stream.next_out = out + total;
        st.stream.avail_out = static_cast<uInt>(piece);
        const int code = inflate(&st.stream, Z_NO_FLUSH);
        total += piece - st.stream.avail_out;
        if (code == Z_STREAM_END) {
            // Another member may follow (gzip allows `cat a.gz b.gz`); anything else is not ours.
            if (!st.fill(2)) {
                return Error{m_path + ": read error: " + std::strerror(errno)};
            }
            if (st.stream.avail_in == 0) {
                st.finished = true;
            } else if (st.stream.avail_in >= 2 && st.stream.next_in[0] == 0x1f &&
                       st.stream.next_in[1] == 0x8b) {
                inflateReset(&st.stream);
            } else {
                std::error_code ec;
                const auto fileSize = std::filesystem::file_size(m_path, ec);
                const std::uint64_t end = st.fileOffset - st.stream.avail_in;
                const std::uint64_t extra = ec ? st.stream.avail_in : fileSize - end;
                return Error{m_path + ": " + std::to_string(extra) +
                             " bytes after the end of the gzip data (at offset " +
                             std::to_string(end) +
                             "): the file is damaged or not what it claims — re-download it"};
            }
        } else if (code == Z_BUF_ERROR) {
            // inflate used all its input and needs more: the file has more, or it was cut short.
            const uInt before = st.stream.avail_in;
            if (!st.fill(before + 1)) {
                return Error{m_path + ": read error: " + std::strerror(errno)};
            }
            if (st.stream.avail_in == before) {
                m_endedEarly = true;
                break;
            }
        } else if (code != Z_OK) {
            return Error{
                m_path + ": corrupt gzip data (zlib: " +
                (st.stream.msg != nullptr ? st.stream.msg : "error " + std::to_string(code)) +
                ") — re-download the file"};
        }
    }
    return total;
}

Result<std::uint64_t> InputFile::skipToEnd() {
    std::vector<unsigned char> scratch(1 << 20);
    std::uint64_t total = 0;
    for (;;) {
        auto got = read(scratch.data(), scratch.size());
        if (!got) {
            return Error{got.error()};
        }
        total += got.value();
        if (got.value() < scratch.size()) {
            return total;
        }
    }
}

Result<std::vector<std::uint8_t>> InputFile::readAll() {
    std::vector<std::uint8_t> bytes;
    // A plain file's size is known; gzip data grows the buffer geometrically.
    std::size_t capacity = std::size_t{1} << 20;
    if (!gzipped()) {
        std::error_code ec;
        const auto fileSize = std::filesystem::file_size(m_path, ec);
        if (!ec) {
            capacity = static_cast<std::size_t>(fileSize) + 1;  // +1 sees the end in one read
        }
    }
    bytes.resize(capacity);
    std::size_t used = 0;
    for (;;) {
        auto got = read(bytes.data() + used, bytes.size() - used);
        if (!got) {
            return Error{got.error()};
        }
        used += got.value();
        if (used < bytes.size()) {
            break;
        }
        bytes.resize(bytes.size() * 2);
    }
    bytes.resize(used);
    return bytes;
}

Result<std::vector<std::uint8_t>> readFileBytes(const std::string& path) {
    auto file = InputFile::open(path);
    if (!file) {
        return Error{file.error()};
    }
    auto bytes = file.value().readAll();
    if (!bytes) {
        return Error{bytes.error()};
    }
    if (file.value().endedEarly()) {
        return Error{path + ": truncated gzip data (the stream stops after " +
                     describeBytes(bytes.value().size()) + ") — re-download the file"};
    }
    return bytes;
}

}  // namespace lossstudio::core::data
