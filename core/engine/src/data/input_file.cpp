#include "data/input_file.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include <zlib.h>

namespace lossstudio::core::data {
namespace {

// gzread takes an unsigned count and returns an int: read in pieces well below INT_MAX.
constexpr std::size_t kMaxReadPiece = std::size_t{1} << 30;
// A large zlib buffer noticeably speeds up inflating (zlib.h, gzbuffer); 3x this is allocated.
constexpr unsigned kZlibBuffer = 256U * 1024U;

gzFile asGz(void* handle) {
    return static_cast<gzFile>(handle);
}

}  // namespace

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
    errno = 0;
    gzFile handle = gzopen(path.c_str(), "rb");
    if (handle == nullptr) {
        const int err = errno;
        return Error{path + ": cannot open: " + (err != 0 ? std::strerror(err) : "out of memory") +
                     " — check its permissions"};
    }
    gzbuffer(handle, kZlibBuffer);
    return InputFile(path, handle);
}

InputFile::InputFile(InputFile&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_handle(std::exchange(other.m_handle, nullptr)),
      m_endedEarly(other.m_endedEarly) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
    if (this != &other) {
        close();
        m_path = std::move(other.m_path);
        m_handle = std::exchange(other.m_handle, nullptr);
        m_endedEarly = other.m_endedEarly;
    }
    return *this;
}

InputFile::~InputFile() {
    close();
}

void InputFile::close() {
    if (m_handle != nullptr) {
        gzclose_r(asGz(m_handle));
        m_handle = nullptr;
    }
}

bool InputFile::gzipped() const {
    return m_handle != nullptr && gzdirect(asGz(m_handle)) == 0;
}

Result<std::size_t> InputFile::read(void* destination, std::size_t size) {
    auto* out = static_cast<unsigned char*>(destination);
    std::size_t total = 0;
    while (total < size) {
        const auto piece = static_cast<unsigned>(std::min(size - total, kMaxReadPiece));
        const int got = gzread(asGz(m_handle), out + total, piece);
        if (got < 0) {
            int code = Z_OK;
            const char* message = gzerror(asGz(m_handle), &code);
            if (code == Z_ERRNO) {
                return Error{m_path + ": read error: " + std::strerror(errno)};
            }
            return Error{m_path + ": corrupt gzip data (zlib: " + message +
                         ") — re-download the file"};
        }
        total += static_cast<std::size_t>(got);
        if (static_cast<unsigned>(got) < piece) {
            // End of data. Z_BUF_ERROR here means the gzip stream stopped in its middle.
            int code = Z_OK;
            gzerror(asGz(m_handle), &code);
            m_endedEarly = m_endedEarly || code == Z_BUF_ERROR;
            break;
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
