#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>
#include <zlib.h>

#include <ATen/Parallel.h>

namespace lossstudio::fuzz {

const std::string& scratchFolder() {
    static const std::string folder = [] {
        namespace fs = std::filesystem;
        const fs::path base =
            fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        const fs::path dir = base / ("lossstudio-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        // libFuzzer ends a timed run with exit(): the scratch files go with it.
        static std::string removeAtExit;
        removeAtExit = dir.string();
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(removeAtExit, ec);
        });
        return dir.string();
    }();
    return folder;
}

std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
    namespace fs = std::filesystem;
    const fs::path path = fs::path(scratchFolder()) / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path.string();
}

std::string writeScratch(const std::string& name, const Bytes& bytes) {
    return writeScratch(name, bytes.data(), bytes.size());
}

namespace {

void bigEndian(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

}  // namespace

Bytes idxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
    Bytes out;
    bigEndian(out, 0x803);
    bigEndian(out, count);
    bigEndian(out, rows);
    bigEndian(out, cols);
    for (std::uint32_t i = 0; i < count * rows * cols; ++i) {
        out.push_back(static_cast<std::uint8_t>((i * 37) % 256));
    }
    return out;
}

Bytes idxLabels(const Bytes& labels) {
    Bytes out;
    bigEndian(out, 0x801);
    bigEndian(out, static_cast<std::uint32_t>(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

Bytes cifarRecords(int records, bool cifar100) {
    Bytes out;
    for (int r = 0; r < records; ++r) {
        if (cifar100) {
            out.push_back(static_cast<std::uint8_t>(r % 20));
            out.push_back(static_cast<std::uint8_t>(r % 100));
        } else {
            out.push_back(static_cast<std::uint8_t>(r % 10));
        }
        for (int i = 0; i < 3072; ++i) {
            out.push_back(static_cast<std::uint8_t>((i + r) % 256));
        }
    }
    return out;
}

Bytes gzip(const Bytes& bytes) {
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32);
    stream.next_in = const_cast<Bytef*>(bytes.data());
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

void expectClearError(const std::string& error, const std::string& mustName) {
    if (error.empty() || (!mustName.empty() && error.find(mustName) == std::string::npos)) {
        std::fprintf(stderr, "unclear error (must name %s): '%s'\n", mustName.c_str(),
                     error.c_str());
        std::abort();
    }
}

}  // namespace lossstudio::fuzz

// One thread for LibTorch's kernels: the inputs are tiny, and waking a thread pool for each of
// them cost more than the parsing being fuzzed.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    at::set_num_threads(1);
    return 0;
}
