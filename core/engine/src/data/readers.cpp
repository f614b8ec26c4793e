// Readers for IDX (MNIST family), CIFAR binary batches and CSV. Every Error names the file.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <ATen/Parallel.h>
#include <torch/types.h>

#include "data/dataset.h"
#include "data/input_file.h"
#include "data/raw_readers.h"
#include "lossstudio/core/logging.h"

namespace lossstudio::core::data {
namespace fs = std::filesystem;
namespace {

constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr std::int64_t kCifarPixels = 3 * 32 * 32;
// classes = max label + 1, so one stray huge label would ask for that many classes.
constexpr int kMaxCsvClasses = 100000;

Error fileError(const std::string& path, const std::string& what) {
    return Error{path + ": " + what};
}

std::string hex32(std::uint32_t value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08x", value);
    return buffer;
}

std::uint32_t bigEndian32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

/// The first label in `labels` (uint8, contiguous) outside [0, classes), or -1.
std::int64_t firstLabelOutOfRange(const std::uint8_t* labels, std::int64_t count, int classes,
                                  std::int64_t stride = 1) {
    for (std::int64_t i = 0; i < count; ++i) {
        if (labels[i * stride] >= classes) {
            return i;
        }
    }
    return -1;
}

/// One IDX file of unsigned bytes: images [N, rows, cols] (magic 0x803) or labels [N] (0x801).
Result<torch::Tensor> readIdxFile(const std::string& path, bool images) {
    const std::uint32_t expectedMagic = images ? kIdxImagesMagic : kIdxLabelsMagic;
    const char* noun = images ? "images" : "labels";
    auto opened = InputFile::open(path);
    if (!opened) {
        return Error{opened.error()};
    }
    InputFile& file = opened.value();
    const std::string unpacked = file.gzipped() ? " (after gunzip)" : "";

    const std::size_t headerSize = images ? 16 : 8;
    unsigned char header[16] = {};
    auto got = file.read(header, headerSize);
    if (!got) {
        return Error{got.error()};
    }
    if (got.value() >= 4) {
        const std::uint32_t magic = bigEndian32(header);
        if (magic != expectedMagic) {
            if (magic == (images ? kIdxLabelsMagic : kIdxImagesMagic)) {
                return fileError(path, std::string("is an IDX ") + (images ? "labels" : "images") +
                                           " file, expected " + noun +
                                           " — are the images and labels files swapped?");
            }
            return fileError(path, "wrong magic number " + hex32(magic) + ", expected " +
                                       hex32(expectedMagic) + " (IDX " + noun +
                                       " of unsigned bytes) — not an IDX " + noun +
                                       " file or damaged; re-download it");
        }
    }
    if (got.value() < headerSize) {
        return fileError(path, "truncated: the file holds only " + describeBytes(got.value()) +
                                   unpacked + ", less than the " + std::to_string(headerSize) +
                                   "-byte IDX " + noun + " header — re-download it");
    }

    const std::int64_t count = bigEndian32(header + 4);
    const std::int64_t rows = images ? bigEndian32(header + 8) : 1;
    const std::int64_t cols = images ? bigEndian32(header + 12) : 1;
    constexpr std::int64_t kMaxPixels = std::int64_t{1} << 24;
    // rows and cols first: each may be up to 2^32 - 1, and their product would overflow.
    if (images && (rows == 0 || cols == 0 || rows > kMaxPixels || cols > kMaxPixels ||
                   rows * cols > kMaxPixels)) {
        return fileError(path, "header says the images are " + std::to_string(rows) + "x" +
                                   std::to_string(cols) +
                                   " pixels, which cannot be right — the file is damaged; "
                                   "re-download it");
    }
    const std::int64_t payload = count * rows * cols;  // < 2^32 * 2^24: no overflow
    std::string says = "header says " + std::to_string(count) + " " + noun;
    if (images) {
        says += " of " + std::to_string(rows) + "x" + std::to_string(cols);
    }
    says += " (" + describeBytes(static_cast<std::uint64_t>(payload)) + ")";

    // A damaged header can claim terabytes: compare with what the file can hold before
    // allocating (gzip expands at most about 1032:1).
    std::error_code ec;
    const auto onDisk = static_cast<std::int64_t>(fs::file_size(path, ec));
    const std::int64_t canHold =
        ec ? std::numeric_limits<std::int64_t>::max()
           : (file.gzipped() ? onDisk * 1100 + 4096
                             : onDisk - static_cast<std::int64_t>(headerSize));
    if (payload > canHold) {
        auto held = file.skipToEnd();
        if (!held) {
            return Error{held.error()};
        }
        return fileError(path, "truncated: " + says + " but the file holds " +
                                   describeBytes(held.value()) + unpacked + " — re-download it");
    }

    // Gunzipped straight into the tensor: no intermediate buffer.
    torch::Tensor data = images ? emptyLarge({count, rows, cols}, torch::kUInt8)
                                : emptyLarge({count}, torch::kUInt8);
    got = file.read(data.data_ptr<std::uint8_t>(), static_cast<std::size_t>(payload));
    if (!got) {
        return Error{got.error()};
    }
    if (static_cast<std::int64_t>(got.value()) < payload) {
        return fileError(path, "truncated: " + says + " but the file holds " +
                                   describeBytes(got.value()) + unpacked + " — re-download it");
    }
    auto extra = file.skipToEnd();
    if (!extra) {
        return Error{extra.error()};
    }
    if (extra.value() > 0) {
        return fileError(path, "size mismatch: " + says + " but the file holds " +
                                   describeBytes(extra.value()) + " more" + unpacked +
                                   " — damaged or not an IDX " + noun + " file; re-download it");
    }
    if (file.endedEarly()) {
        return fileError(path,
                         "truncated gzip data (the stream stops before its end) — "
                         "re-download it");
    }
    return data;
}

/// The first of `names` that exists in `folder`, or an empty string.
std::string findFirst(const fs::path& folder, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        std::error_code ec;
        if (fs::is_regular_file(folder / name, ec)) {
            return (folder / name).string();
        }
    }
    return {};
}

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    return out;
}

Status checkFolder(const std::string& folder) {
    std::error_code ec;
    if (folder.empty()) {
        return Error{"no folder given: set data.path to the folder that holds the dataset"};
    }
    if (!fs::exists(folder, ec)) {
        return Error{folder +
                     ": no such folder — set data.path to the folder that holds the "
                     "dataset"};
    }
    if (!fs::is_directory(folder, ec)) {
        return Error{folder + ": is a file, expected the folder that holds the dataset"};
    }
    return {};
}

// --- CSV ------------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
        s = s.substr(1, s.size() - 2);
    }
    return s;
}

void splitCells(std::string_view line, char separator, std::vector<std::string_view>& cells) {
    cells.clear();
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(separator, start);
        if (end == std::string_view::npos) {
            cells.push_back(trim(line.substr(start)));
            return;
        }
        cells.push_back(trim(line.substr(start, end - start)));
        start = end + 1;
    }
}

bool isBlank(std::string_view line) {
    return std::all_of(line.begin(), line.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

/// Parses the whole cell as a number: an empty string, or what is wrong with the cell.
std::string parseNumber(std::string_view cell, double& value) {
    if (!cell.empty() && cell.front() == '+') {
        cell.remove_prefix(1);
    }
    const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (ec == std::errc::result_out_of_range) {
        return "is out of the range of numbers";
    }
    if (ec != std::errc() || end != cell.data() + cell.size() || cell.empty()) {
        return "is not a number";
    }
    return {};
}

}  // namespace

// --- IDX ------------------------------------------------------------------------------------

Result<TensorDataset> readIdxBytes(const std::string& imagesPath, const std::string& labelsPath,
                                   int classes) {
    auto images = readIdxFile(imagesPath, /*images=*/true);
    if (!images) {
        return Error{images.error()};
    }
    auto labels = readIdxFile(labelsPath, /*images=*/false);
    if (!labels) {
        return Error{labels.error()};
    }
    const std::int64_t imageCount = images.value().size(0);
    const std::int64_t labelCount = labels.value().size(0);
    if (imageCount != labelCount) {
        return Error{"size mismatch: " + imagesPath + " holds " + std::to_string(imageCount) +
                     " images but " + labelsPath + " holds " + std::to_string(labelCount) +
                     " labels — use images and labels of the same set (train-* with train-*, "
                     "t10k-* with t10k-*) and re-download a damaged file"};
    }
    const std::int64_t bad =
        firstLabelOutOfRange(labels.value().data_ptr<std::uint8_t>(), labelCount, classes);
    if (bad >= 0) {
        return fileError(labelsPath,
                         "label " + std::to_string(labels.value().data_ptr<std::uint8_t>()[bad]) +
                             " at index " + std::to_string(bad) + " is out of range 0.." +
                             std::to_string(classes - 1) + " — the file is damaged or not from a " +
                             std::to_string(classes) + "-class dataset; re-download it");
    }
    TensorDataset out;
    out.inputs = images.value().unsqueeze(1);  // [N, 1, rows, cols], still contiguous
    out.labels = labels.value().to(torch::kLong);
    return out;
}

Result<TensorDataset> readIdxFolderBytes(const std::string& folder, bool train, int classes) {
    if (Status s = checkFolder(folder); !s) {
        return Error{s.error()};
    }
    const std::string prefix = train ? "train" : "t10k";
    auto candidates = [&](const std::string& kind, const std::string& idx) {
        // The usual download (gzipped), unpacked, and the "train-images.idx3-ubyte" spelling.
        const std::string dashed = prefix + "-" + kind + "-" + idx + "-ubyte";
        const std::string dotted = prefix + "-" + kind + "." + idx + "-ubyte";
        return std::vector<std::string>{dashed + ".gz", dashed, dotted + ".gz", dotted};
    };
    const auto imageNames = candidates("images", "idx3");
    const auto labelNames = candidates("labels", "idx1");
    const std::string images = findFirst(folder, imageNames);
    const std::string labels = findFirst(folder, labelNames);
    const char* set = train ? "training" : "test";
    if (images.empty() || labels.empty()) {
        const auto& missing = images.empty() ? imageNames : labelNames;
        return Error{folder + ": no " + set + " " + (images.empty() ? "images" : "labels") +
                     " found; looked for " + joinNames(missing) +
                     " — give data.path as the folder that holds the MNIST-style IDX files"};
    }
    logger("core")->debug("reading {} set from {} and {}", set, images, labels);
    return readIdxBytes(images, labels, classes);
}

Result<TensorDataset> readIdx(const std::string& imagesPath, const std::string& labelsPath,
                              int classes) {
    auto bytes = readIdxBytes(imagesPath, labelsPath, classes);
    if (!bytes) {
        return bytes;
    }
    bytes.value().inputs = bytesToFloat(bytes.value().inputs, {}, {});
    return bytes;
}

Result<TensorDataset> readIdxFolder(const std::string& folder, bool train, int classes) {
    auto bytes = readIdxFolderBytes(folder, train, classes);
    if (!bytes) {
        return bytes;
    }
    bytes.value().inputs = bytesToFloat(bytes.value().inputs, {}, {});
    return bytes;
}

// --- CIFAR ----------------------------------------------------------------------------------

Result<TensorDataset> readCifarFolderBytes(const std::string& folder, bool cifar100, bool train) {
    if (Status s = checkFolder(folder); !s) {
        return Error{s.error()};
    }
    const char* title = cifar100 ? "CIFAR-100" : "CIFAR-10";
    std::vector<std::string> names;
    if (cifar100) {
        names = {train ? "train.bin" : "test.bin"};
    } else if (train) {
        names = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                 "data_batch_5.bin"};
    } else {
        names = {"test_batch.bin"};
    }
    // The archives unpack into a subfolder; accept the folder itself or that subfolder.
    const fs::path sub = cifar100 ? "cifar-100-binary" : "cifar-10-batches-bin";
    fs::path base = folder;
    if (findFirst(base, {names.front()}).empty() &&
        !findFirst(base / sub, {names.front()}).empty()) {
        base = base / sub;
    }
    std::vector<std::string> missing;
    for (const auto& name : names) {
        if (findFirst(base, {name}).empty()) {
            missing.push_back(name);
        }
    }
    if (!missing.empty()) {
        return Error{folder + ": no " + title + " " + (train ? "training" : "test") +
                     " batches found; looked for " + joinNames(missing) + " in it and in " +
                     sub.string() + "/ — download the binary version (" +
                     (cifar100 ? "cifar-100-binary.tar.gz" : "cifar-10-binary.tar.gz") +
                     ") from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and give "
                     "data.path as that folder"};
    }

    const std::int64_t labelBytes = cifar100 ? 2 : 1;
    const std::int64_t recordSize = labelBytes + kCifarPixels;
    std::vector<std::vector<std::uint8_t>> files;
    std::int64_t total = 0;
    for (const auto& name : names) {
        const std::string path = (base / name).string();
        auto bytes = readFileBytes(path);
        if (!bytes) {
            return Error{bytes.error()};
        }
        const auto size = static_cast<std::int64_t>(bytes.value().size());
        const std::int64_t records = size / recordSize;
        if (size == 0 || size % recordSize != 0) {
            return fileError(path, "size mismatch: " + describeBytes(size) +
                                       " is not a whole number of " + std::to_string(recordSize) +
                                       "-byte " + title + " records (" + std::to_string(records) +
                                       " records and " + std::to_string(size % recordSize) +
                                       " bytes over) — truncated or not a " + title +
                                       " binary batch; re-download it");
        }
        const auto* data = bytes.value().data();
        // CIFAR-100 records start with <coarse label 0..19><fine label 0..99>.
        const int labelClasses[2] = {cifar100 ? 20 : 10, 100};
        for (std::int64_t b = 0; b < labelBytes; ++b) {
            const std::int64_t bad =
                firstLabelOutOfRange(data + b, records, labelClasses[b], recordSize);
            if (bad >= 0) {
                const char* which =
                    cifar100 ? (b == 0 ? "coarse label " : "fine label ") : "label ";
                return fileError(path, which + std::to_string(data[bad * recordSize + b]) +
                                           " of record " + std::to_string(bad) +
                                           " is out of range 0.." +
                                           std::to_string(labelClasses[b] - 1) + " — not a " +
                                           title + " binary batch or damaged; re-download it");
            }
        }
        total += records;
        files.push_back(std::move(bytes.value()));
    }

    TensorDataset out;
    out.inputs = emptyLarge({total, 3, 32, 32}, torch::kUInt8);
    out.labels = torch::empty({total}, torch::kLong);
    auto* pixels = out.inputs.data_ptr<std::uint8_t>();
    auto* labels = out.labels.data_ptr<std::int64_t>();
    std::int64_t row = 0;
    for (const auto& bytes : files) {
        const auto records = static_cast<std::int64_t>(bytes.size()) / recordSize;
        for (std::int64_t r = 0; r < records; ++r, ++row) {
            const std::uint8_t* record = bytes.data() + r * recordSize;
            labels[row] = record[labelBytes - 1];  // CIFAR-100: the fine label
            // Pixels are stored channel-major (1024 red, 1024 green, 1024 blue): already CHW.
            std::memcpy(pixels + row * kCifarPixels, record + labelBytes, kCifarPixels);
        }
    }
    logger("core")->debug("read {} {} examples of {} from {}", total, train ? "training" : "test",
                          title, base.string());
    return out;
}

Result<TensorDataset> readCifarFolder(const std::string& folder, bool cifar100, bool train) {
    auto bytes = readCifarFolderBytes(folder, cifar100, train);
    if (!bytes) {
        return bytes;
    }
    bytes.value().inputs = bytesToFloat(bytes.value().inputs, {}, {});
    return bytes;
}

// --- CSV ------------------------------------------------------------------------------------

Result<TensorDataset> readCsv(const std::string& path, int labelColumn, bool header) {
    auto bytes = readFileBytes(path);
    if (!bytes) {
        return Error{bytes.error()};
    }
    const std::string_view text(reinterpret_cast<const char*>(bytes.value().data()),
                                bytes.value().size());

    std::vector<std::string> names;  // from the header, for messages
    std::vector<std::string_view> cells;
    std::vector<float> features;
    std::vector<std::int64_t> labels;
    std::size_t columns = 0;
    std::size_t label = 0;
    char separator = ',';
    std::int64_t lineNumber = 0;
    std::int64_t firstLine = 0;  // the line that fixed the column count

    auto cellName = [&](std::size_t column) {
        std::string s =
            "line " + std::to_string(lineNumber) + ", column " + std::to_string(column + 1);
        if (column < names.size() && !names[column].empty()) {
            s += " (\"" + names[column] + "\")";
        }
        return s;
    };

    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++lineNumber;
        if (isBlank(line)) {
            continue;
        }
        if (columns == 0) {
            // The first line fixes the separator and the number of columns.
            for (char candidate : {',', ';', '\t'}) {
                if (line.find(candidate) != std::string_view::npos) {
                    separator = candidate;
                    break;
                }
            }
            splitCells(line, separator, cells);
            columns = cells.size();
            firstLine = lineNumber;
            if (columns < 2) {
                return fileError(path, "line " + std::to_string(lineNumber) + " has " +
                                           std::to_string(columns) +
                                           " column; a CSV dataset needs at least one feature "
                                           "column and a label column, separated by commas");
            }
            if (labelColumn >= static_cast<int>(columns) || labelColumn < -1) {
                return fileError(path, "data.csv_label_column is " + std::to_string(labelColumn) +
                                           " but the file has " + std::to_string(columns) +
                                           " columns (0.." + std::to_string(columns - 1) +
                                           ", or -1 for the last) — set it to the label's "
                                           "zero-based column");
            }
            label = labelColumn < 0 ? columns - 1 : static_cast<std::size_t>(labelColumn);
            if (header) {
                names.assign(cells.begin(), cells.end());
                continue;
            }
        } else {
            splitCells(line, separator, cells);
        }
        if (cells.size() != columns) {
            return fileError(path, "line " + std::to_string(lineNumber) + " has " +
                                       std::to_string(cells.size()) + " columns, expected " +
                                       std::to_string(columns) + " as on line " +
                                       std::to_string(firstLine) + " — fix or remove the row");
        }
        const std::string hint = (!header && lineNumber == firstLine)
                                     ? " (if line " + std::to_string(lineNumber) +
                                           " is a header, set data.csv_header to true)"
                                     : "";
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string_view cell = cells[c];
            double value = 0;
            if (cell.empty()) {
                return fileError(path, cellName(c) +
                                           " is empty — missing values are not supported: fill "
                                           "them in or drop the row");
            }
            if (const std::string problem = parseNumber(cell, value); !problem.empty()) {
                return fileError(path,
                                 cellName(c) + ": '" + std::string(cell) + "' " + problem + hint);
            }
            if (c == label) {
                if (!(value >= 0 && std::floor(value) == value)) {
                    return fileError(path, cellName(c) + ": '" + std::string(cell) +
                                               "' is not a class label (an integer >= 0)" +
                                               " — is data.csv_label_column right?");
                }
                if (value >= kMaxCsvClasses) {
                    return fileError(path, cellName(c) + ": label '" + std::string(cell) +
                                               "' is too large: classes are numbered 0, 1, 2, ... "
                                               "(at most " +
                                               std::to_string(kMaxCsvClasses) +
                                               ") — renumber them or check "
                                               "data.csv_label_column");
                }
                labels.push_back(static_cast<std::int64_t>(value));
            } else {
                if (!std::isfinite(value) || std::fabs(value) > std::numeric_limits<float>::max()) {
                    return fileError(path, cellName(c) + ": '" + std::string(cell) +
                                               "' is not a finite number (as float32)");
                }
                features.push_back(static_cast<float>(value));
            }
        }
    }
    if (labels.empty()) {
        return fileError(path, "holds no data rows" +
                                   std::string(header ? " below the header" : "") +
                                   " — is it the right file?");
    }
    const auto rows = static_cast<std::int64_t>(labels.size());
    const auto featureCount = static_cast<std::int64_t>(columns - 1);
    TensorDataset out;
    out.inputs = torch::from_blob(features.data(), {rows, featureCount}, torch::kFloat).clone();
    out.labels = torch::from_blob(labels.data(), {rows}, torch::kLong).clone();
    logger("core")->debug("read {}: {} rows, {} features, label column {}", path, rows,
                          featureCount, label);
    return out;
}

// --- bytes to float -------------------------------------------------------------------------

torch::Tensor emptyLarge(torch::IntArrayRef sizes, torch::ScalarType type) {
    const auto options = torch::TensorOptions().dtype(type);
#ifdef __linux__
    std::int64_t numel = 1;
    for (const std::int64_t s : sizes) {
        numel *= s;
    }
    const auto bytes = static_cast<std::size_t>(numel) * torch::elementSize(type);
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    if (bytes >= 4 * kHuge) {
        // Over-allocate by one huge page so the data can start on a huge-page boundary.
        const std::size_t length = (bytes + kHuge - 1) / kHuge * kHuge + kHuge;
        void* base =
            mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base != MAP_FAILED) {
            const auto address = reinterpret_cast<std::uintptr_t>(base);
            void* aligned = reinterpret_cast<void*>((address + kHuge - 1) / kHuge * kHuge);
            const std::size_t usable =
                length - (static_cast<char*>(aligned) - static_cast<char*>(base));
            madvise(aligned, usable, MADV_HUGEPAGE);  // a hint: without THP, plain pages
            return torch::from_blob(
                aligned, sizes, [base, length](void*) { munmap(base, length); }, options);
        }
    }
#endif
    return torch::empty(sizes, options);
}

torch::Tensor bytesToFloat(const torch::Tensor& bytes, const std::vector<double>& mean,
                           const std::vector<double>& std, const torch::Tensor& rows) {
    const torch::Tensor in = bytes.contiguous();
    const torch::Tensor order = rows.defined()
                                    ? rows.to(torch::kLong).contiguous()
                                    : torch::arange(in.dim() > 0 ? in.size(0) : 1, torch::kLong);
    std::vector<std::int64_t> shape(in.sizes().begin(), in.sizes().end());
    if (!shape.empty()) {
        shape[0] = order.numel();
    }
    torch::Tensor out = emptyLarge(shape, torch::kFloat);
    const std::int64_t n = order.numel();
    const std::int64_t channels = in.dim() > 1 ? in.size(1) : 1;
    if (out.numel() == 0) {
        return out;
    }
    const std::int64_t inner = out.numel() / (n * channels);
    std::vector<std::array<float, 256>> tables(static_cast<std::size_t>(channels));
    for (std::int64_t c = 0; c < channels; ++c) {
        const auto ci = static_cast<std::size_t>(c);
        const double m = ci < mean.size() ? mean[ci] : 0.0;
        const double s = ci < std.size() ? std[ci] : 1.0;
        for (int v = 0; v < 256; ++v) {
            tables[ci][static_cast<std::size_t>(v)] = static_cast<float>((v / 255.0 - m) / s);
        }
    }
    const std::uint8_t* src = in.data_ptr<std::uint8_t>();
    const std::int64_t* rowOf = order.data_ptr<std::int64_t>();
    const std::int64_t example = channels * inner;
    float* dst = out.data_ptr<float>();
    // Examples are independent, so any thread count gives the same result.
    at::parallel_for(0, n, /*grain_size=*/std::max<std::int64_t>(1, 65536 / example),
                     [&](std::int64_t begin, std::int64_t end) {
                         for (std::int64_t r = begin; r < end; ++r) {
                             const std::uint8_t* s = src + rowOf[r] * example;
                             float* d = dst + r * example;
                             for (std::int64_t c = 0; c < channels; ++c) {
                                 const auto& table = tables[static_cast<std::size_t>(c)];
                                 for (std::int64_t i = 0; i < inner; ++i) {
                                     d[i] = table[s[i]];
                                 }
                                 s += inner;
                                 d += inner;
                             }
                         }
                     });
    return out;
}

}  // namespace lossstudio::core::data
