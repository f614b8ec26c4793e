// loadDataset, splitting, normalisation, synthetic data and the batch sampler.

#include "data/dataset.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <future>
#include <numeric>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include "data/raw_readers.h"
#include "lossstudio/core/logging.h"
#include "lossstudio/core/paths.h"

namespace lossstudio::core::data {
namespace {

// Independent random streams derived from the run seed, one per use, so that changing e.g. the
// train limit does not change the validation split's stream.
constexpr std::uint64_t kStreamTrainLimit = 0x7472'6169'6e6c'696dULL;
constexpr std::uint64_t kStreamValidation = 0x7661'6c69'6461'7465ULL;
constexpr std::uint64_t kStreamSynthetic = 0x7379'6e74'6865'7469ULL;
constexpr std::uint64_t kStreamSampler = 0x7361'6d70'6c65'7273ULL;
// The test set (test limit, CSV / synthetic hold-out) is chosen with this fixed seed, not the
// run's: every run on the same data evaluates on the same examples, so runs stay comparable.
constexpr std::uint64_t kTestSelectionSeed = 0x7465'7374'7365'6c31ULL;
constexpr double kTestFraction = 1.0 / 6.0;

std::uint64_t splitMix64(std::uint64_t x) {
    x += 0x9e37'79b9'7f4a'7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d0'49bb'1331'11ebULL;
    return x ^ (x >> 31);
}

/// A well-mixed seed for `stream` of `seed`. LibTorch's mt19937 keeps only the low 32 bits of
/// a seed, which are as well mixed as the rest.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t stream) {
    return splitMix64(splitMix64(seed) ^ stream);
}

torch::Generator makeGenerator(std::uint64_t seed) {
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor indexTensor(const std::vector<std::int64_t>& indices) {
    return torch::from_blob(const_cast<std::int64_t*>(indices.data()),
                            {static_cast<std::int64_t>(indices.size())}, torch::kLong)
        .clone();
}

/// Examples per class; `labels` are int64 >= 0.
std::vector<std::int64_t> classCounts(const torch::Tensor& labels) {
    std::vector<std::int64_t> counts;
    const auto* p = labels.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < labels.numel(); ++i) {
        const auto c = static_cast<std::size_t>(p[i]);
        if (c >= counts.size()) {
            counts.resize(c + 1, 0);
        }
        ++counts[c];
    }
    return counts;
}

/// Walks a seeded permutation and gives each class's first quota[c] examples to `chosen`, the
/// rest to `others`.
void takeQuotas(const torch::Tensor& labels, const std::vector<std::int64_t>& quota,
                std::uint64_t seed, std::vector<std::int64_t>& chosen,
                std::vector<std::int64_t>* others) {
    const std::int64_t n = labels.numel();
    auto generator = makeGenerator(seed);
    const torch::Tensor perm = torch::randperm(n, generator, torch::kLong);
    const auto* order = perm.data_ptr<std::int64_t>();
    const auto* label = labels.data_ptr<std::int64_t>();
    std::vector<std::int64_t> taken(quota.size(), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t index = order[i];
        const auto c = static_cast<std::size_t>(label[index]);
        if (taken[c] < quota[c]) {
            ++taken[c];
            chosen.push_back(index);
        } else if (others != nullptr) {
            others->push_back(index);
        }
    }
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += (i == 0 ? "" : "x") + std::to_string(shape[i]);
    }
    return s;
}

/// What a dataset name reads before limits and splits. Image inputs may still be uint8.
struct Source {
    TensorDataset train;
    TensorDataset test;
    int classes = 0;
    std::string title;  ///< "Fashion-MNIST"
    std::string where;  ///< folder or file
};

/// Reads train and test concurrently (the train set's gunzip dominates; the test set's fits
/// beside it on the second core). Both readers only touch their own files and tensors.
template <class Read>
Status readTrainAndTest(Source& source, Read read) {
    auto test = std::async(std::launch::async, [&read] { return read(false); });
    auto train = read(true);
    auto testResult = test.get();
    if (!train) {
        return Error{train.error()};
    }
    if (!testResult) {
        return Error{testResult.error()};
    }
    source.train = std::move(train.value());
    source.test = std::move(testResult.value());
    return {};
}

Result<Source> readIdxSource(const std::string& title, const std::string& folder) {
    Source source;
    source.title = title;
    source.where = folder;
    source.classes = 10;
    const Status s = readTrainAndTest(
        source, [&](bool train) { return readIdxFolderBytes(folder, train, source.classes); });
    if (!s) {
        return Error{s.error()};
    }
    return source;
}

Result<Source> readCifarSource(const std::string& folder, bool cifar100) {
    Source source;
    source.title = cifar100 ? "CIFAR-100" : "CIFAR-10";
    source.where = folder;
    source.classes = cifar100 ? 100 : 10;
    const Status s = readTrainAndTest(
        source, [&](bool train) { return readCifarFolderBytes(folder, cifar100, train); });
    if (!s) {
        return Error{s.error()};
    }
    return source;
}

/// Splits one dataset into train and a stratified test part of kTestFraction (fixed seed), both
/// kept in their original order.
void holdOutTest(const TensorDataset& all, Source& source) {
    auto [trainIndices, testIndices] =
        stratifiedSplit(all.labels, kTestFraction, kTestSelectionSeed);
    source.train = select(all, std::get<0>(trainIndices.sort()));
    source.test = select(all, std::get<0>(testIndices.sort()));
}

Result<Source> readCsvSource(const DataConfig& config) {
    namespace fs = std::filesystem;
    Source source;
    source.title = "CSV";
    source.where = config.path;
    if (config.path.empty()) {
        return Error{
            "config key 'data.path' is empty: dataset 'csv' reads a CSV file, or a folder "
            "holding train.csv and test.csv"};
    }
    std::error_code ec;
    if (fs::is_directory(config.path, ec)) {
        const fs::path folder = config.path;
        std::vector<std::string> missing;
        for (const char* name : {"train.csv", "test.csv"}) {
            if (!fs::is_regular_file(folder / name, ec)) {
                missing.emplace_back(name);
            }
        }
        if (!missing.empty()) {
            return Error{config.path + ": no " + missing.front() +
                         (missing.size() > 1 ? " or " + missing.back() : std::string()) +
                         " in this folder; a CSV folder holds train.csv and test.csv — or give "
                         "data.path as one CSV file and a test part is held out of it"};
        }
        auto train =
            readCsv((folder / "train.csv").string(), config.csvLabelColumn, config.csvHeader);
        if (!train) {
            return Error{train.error()};
        }
        auto test =
            readCsv((folder / "test.csv").string(), config.csvLabelColumn, config.csvHeader);
        if (!test) {
            return Error{test.error()};
        }
        if (train.value().inputs.size(1) != test.value().inputs.size(1)) {
            return Error{(folder / "test.csv").string() + ": has " +
                         std::to_string(test.value().inputs.size(1)) + " feature columns but " +
                         "train.csv has " + std::to_string(train.value().inputs.size(1)) +
                         " — both must have the same columns"};
        }
        source.train = std::move(train.value());
        source.test = std::move(test.value());
    } else {
        auto all = readCsv(config.path, config.csvLabelColumn, config.csvHeader);
        if (!all) {
            return Error{all.error()};
        }
        holdOutTest(all.value(), source);
        source.where += " (test: a stratified 1/6 held out)";
    }
    const std::int64_t maxLabel =
        std::max(source.train.labels.max().item<std::int64_t>(),
                 source.test.size() > 0 ? source.test.labels.max().item<std::int64_t>() : 0);
    source.classes = static_cast<int>(maxLabel + 1);
    return source;
}

Result<Source> readSource(const DataConfig& config, std::uint64_t seed) {
    const std::string& name = config.name;
    auto needPath = [&](const char* what) -> Status {
        if (config.path.empty()) {
            return Error{"config key 'data.path' is empty: dataset '" + name + "' is read from " +
                         what + " — set data.path"};
        }
        return {};
    };
    if (name == "fashion-mnist") {
        const bool own = config.path.empty();
        const std::string folder = own ? defaultFashionMnistDirectory() : config.path;
        auto source = readIdxSource("Fashion-MNIST", folder);
        if (!source && own) {
            return Error{source.error() +
                         ". Install the Debian package dataset-fashion-mnist (apt install "
                         "dataset-fashion-mnist) or set data.path to a folder with the IDX files"};
        }
        return source;
    }
    if (name == "mnist" || name == "kmnist") {
        if (Status s = needPath("a folder of IDX files"); !s) {
            return Error{s.error()};
        }
        return readIdxSource(name == "mnist" ? "MNIST" : "KMNIST", config.path);
    }
    if (name == "cifar10" || name == "cifar100") {
        if (Status s = needPath("a folder of CIFAR binary batches"); !s) {
            return Error{s.error()};
        }
        return readCifarSource(config.path, name == "cifar100");
    }
    if (name == "csv") {
        return readCsvSource(config);
    }
    if (name == "synthetic") {
        Source source;
        source.title = "synthetic";
        source.where = std::to_string(config.syntheticClasses) + " classes, " +
                       std::to_string(config.syntheticFeatures) + " features, seed " +
                       std::to_string(seed);
        source.classes = config.syntheticClasses;
        holdOutTest(makeSynthetic(config.syntheticClasses, config.syntheticFeatures,
                                  config.syntheticSamples, seed),
                    source);
        return source;
    }
    return Error{"config key 'data.name' is '" + name +
                 "', an unknown dataset: choose fashion-mnist, mnist, kmnist, cifar10, cifar100, "
                 "csv or synthetic"};
}

}  // namespace

// --- splitting ------------------------------------------------------------------------------

std::pair<torch::Tensor, torch::Tensor> stratifiedSplit(const torch::Tensor& labels,
                                                        double fraction, std::uint64_t seed) {
    const torch::Tensor y = labels.to(torch::kLong).contiguous();
    const double f = std::clamp(fraction, 0.0, 1.0);
    std::vector<std::int64_t> quota = classCounts(y);
    for (auto& q : quota) {
        q = std::llround(f * static_cast<double>(q));
    }
    std::vector<std::int64_t> first;
    std::vector<std::int64_t> second;
    first.reserve(static_cast<std::size_t>(y.numel()));
    takeQuotas(y, quota, seed, second, &first);
    return {indexTensor(first), indexTensor(second)};
}

torch::Tensor stratifiedSubset(const torch::Tensor& labels, std::int64_t count,
                               std::uint64_t seed) {
    const torch::Tensor y = labels.to(torch::kLong).contiguous();
    const std::int64_t n = y.numel();
    if (count >= n) {
        return torch::arange(n, torch::kLong);
    }
    if (count <= 0) {
        return torch::empty({0}, torch::kLong);
    }
    // Largest remainder: floor of each class's share, then one more for the largest fractions
    // (ties to the lower class) until the total is exactly `count`.
    const std::vector<std::int64_t> counts = classCounts(y);
    std::vector<std::int64_t> quota(counts.size());
    std::vector<std::pair<double, std::size_t>> remainders;
    std::int64_t assigned = 0;
    for (std::size_t c = 0; c < counts.size(); ++c) {
        const double share =
            static_cast<double>(count) * static_cast<double>(counts[c]) / static_cast<double>(n);
        quota[c] = static_cast<std::int64_t>(std::floor(share));
        assigned += quota[c];
        remainders.emplace_back(share - static_cast<double>(quota[c]), c);
    }
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; assigned < count && i < remainders.size(); ++i) {
        const std::size_t c = remainders[i].second;
        if (quota[c] < counts[c]) {
            ++quota[c];
            ++assigned;
        }
    }
    std::vector<std::int64_t> chosen;
    chosen.reserve(static_cast<std::size_t>(count));
    takeQuotas(y, quota, seed, chosen, nullptr);
    std::sort(chosen.begin(), chosen.end());
    return indexTensor(chosen);
}

TensorDataset select(const TensorDataset& dataset, const torch::Tensor& indices) {
    return {dataset.inputs.index_select(0, indices), dataset.labels.index_select(0, indices)};
}

// --- normalisation --------------------------------------------------------------------------

std::pair<std::vector<double>, std::vector<double>> channelStatistics(const torch::Tensor& inputs,
                                                                      const torch::Tensor& rows) {
    const bool bytes = inputs.scalar_type() == torch::kUInt8;
    // Bytes are read in place through `order`; other types are few enough to gather first.
    const torch::Tensor x =
        bytes || !rows.defined() ? inputs.contiguous() : inputs.index_select(0, rows).contiguous();
    const torch::Tensor order = bytes && rows.defined()
                                    ? rows.to(torch::kLong).contiguous()
                                    : torch::arange(x.dim() > 0 ? x.size(0) : 0, torch::kLong);
    const std::int64_t n = order.numel();
    const std::int64_t channels = x.dim() > 1 ? x.size(1) : 1;
    const auto nc = static_cast<std::size_t>(channels);
    std::vector<double> mean(nc, 0.0);
    std::vector<double> std(nc, 1.0);
    if (n == 0 || x.numel() == 0) {
        return {mean, std};
    }
    const std::int64_t inner = x.numel() / (x.size(0) * channels);
    const double perChannel = static_cast<double>(n * inner);
    std::vector<double> variance(nc, 0.0);

    if (bytes) {
        // Pixels: a histogram of byte values per channel gives exact statistics of byte / 255.
        std::vector<std::array<std::int64_t, 256>> histogram(nc);
        for (auto& h : histogram) {
            h.fill(0);
        }
        const auto* p = x.data_ptr<std::uint8_t>();
        const auto* rowOf = order.data_ptr<std::int64_t>();
        for (std::int64_t r = 0; r < n; ++r) {
            const std::uint8_t* s = p + rowOf[r] * channels * inner;
            for (std::size_t c = 0; c < nc; ++c, s += inner) {
                auto& h = histogram[c];
                for (std::int64_t i = 0; i < inner; ++i) {
                    ++h[s[i]];
                }
            }
        }
        for (std::size_t c = 0; c < nc; ++c) {
            double sum = 0;
            for (int v = 0; v < 256; ++v) {
                sum += static_cast<double>(histogram[c][static_cast<std::size_t>(v)]) * v / 255.0;
            }
            mean[c] = sum / perChannel;
            double squares = 0;
            for (int v = 0; v < 256; ++v) {
                const double d = v / 255.0 - mean[c];
                squares += static_cast<double>(histogram[c][static_cast<std::size_t>(v)]) * d * d;
            }
            variance[c] = squares / perChannel;
        }
    } else {
        // Two passes in double over chunks of rows: the mean, then squared deviations from it
        // (no cancellation, and never a double copy of the whole set).
        const torch::Tensor view = x.reshape({n, channels, inner});
        const std::array<std::int64_t, 2> dims = {0, 2};  // all but the channel
        const std::int64_t chunk = std::max<std::int64_t>(1, (1 << 22) / (channels * inner));
        torch::Tensor sum = torch::zeros({channels}, torch::kDouble);
        for (std::int64_t start = 0; start < n; start += chunk) {
            sum += view.narrow(0, start, std::min(chunk, n - start)).to(torch::kDouble).sum(dims);
        }
        const torch::Tensor m = sum / perChannel;
        torch::Tensor squares = torch::zeros({channels}, torch::kDouble);
        for (std::int64_t start = 0; start < n; start += chunk) {
            const torch::Tensor d =
                view.narrow(0, start, std::min(chunk, n - start)).to(torch::kDouble) -
                m.view({1, channels, 1});
            squares += (d * d).sum(dims);
        }
        const torch::Tensor v = squares / perChannel;
        for (std::size_t c = 0; c < nc; ++c) {
            mean[c] = m[static_cast<std::int64_t>(c)].item<double>();
            variance[c] = v[static_cast<std::int64_t>(c)].item<double>();
        }
    }
    for (std::size_t c = 0; c < nc; ++c) {
        const double s = std::sqrt(std::max(0.0, variance[c]));
        std[c] = s < 1e-6 * std::max(1.0, std::fabs(mean[c])) ? 1.0 : s;
    }
    return {mean, std};
}

void standardize(torch::Tensor& inputs, const std::vector<double>& mean,
                 const std::vector<double>& std) {
    if (inputs.numel() == 0 || mean.empty()) {
        return;
    }
    const auto channels = static_cast<std::int64_t>(mean.size());
    std::vector<std::int64_t> shape(
        static_cast<std::size_t>(std::max<std::int64_t>(inputs.dim(), 2)), 1);
    shape[1] = channels;
    const auto options = torch::TensorOptions().dtype(torch::kDouble);
    const torch::Tensor m = torch::from_blob(const_cast<double*>(mean.data()), shape, options);
    const torch::Tensor s = torch::from_blob(const_cast<double*>(std.data()), shape, options);
    // In double, a chunk of rows at a time: float arithmetic would leave a bias of about
    // |mean| / std * 1e-7 (a feature like a year, 2000 +- 5, would not end up centred).
    const std::int64_t n = inputs.size(0);
    const std::int64_t perRow = std::max<std::int64_t>(1, inputs.numel() / n);
    const std::int64_t chunk = std::max<std::int64_t>(1, (1 << 20) / perRow);
    for (std::int64_t start = 0; start < n; start += chunk) {
        torch::Tensor rows = inputs.narrow(0, start, std::min(chunk, n - start));
        rows.copy_((rows.to(torch::kDouble) - m) / s);
    }
}

// --- synthetic ------------------------------------------------------------------------------

TensorDataset makeSynthetic(int classes, int features, std::int64_t samples, std::uint64_t seed) {
    classes = std::max(1, classes);
    features = std::max(1, features);
    samples = std::max<std::int64_t>(0, samples);
    auto generator = makeGenerator(mixSeed(seed, kStreamSynthetic));
    // Centres with expected pairwise distance 4 (in units of the unit noise): neighbouring
    // blobs overlap a little (pairwise Bayes error about Phi(-2) = 2%), whatever the dimension.
    const double spread = 4.0 / std::sqrt(2.0 * features);
    const torch::Tensor centres =
        torch::randn({std::int64_t{classes}, std::int64_t{features}}, generator, torch::kFloat)
            .mul_(spread);
    // Balanced classes in a seeded order.
    const torch::Tensor balanced = torch::arange(samples, torch::kLong).remainder(classes);
    TensorDataset out;
    out.labels = balanced.index_select(0, torch::randperm(samples, generator, torch::kLong));
    out.inputs = centres.index_select(0, out.labels) +
                 torch::randn({samples, std::int64_t{features}}, generator, torch::kFloat);
    return out;
}

// --- loading --------------------------------------------------------------------------------

namespace {

Result<DatasetSplits> loadDatasetUnguarded(const DataConfig& config, std::uint64_t seed) {
    const auto started = std::chrono::steady_clock::now();
    auto log = logger("core");
    auto read = readSource(config, seed);
    if (!read) {
        return Error{read.error()};
    }
    Source& source = read.value();
    const double readSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log->debug("read {} from {}: {} train + {} test examples in {:.3f} s", source.title,
               source.where, source.train.size(), source.test.size(), readSeconds);

    // Everything below works on indices into the sets as read; image bytes are gathered only
    // when converted to float, and each example is written once.
    torch::Tensor testRows = torch::arange(source.test.size(), torch::kLong);
    if (config.testLimit > 0 && config.testLimit < source.test.size()) {
        testRows = stratifiedSubset(source.test.labels, config.testLimit, kTestSelectionSeed);
    }
    torch::Tensor poolRows = torch::arange(source.train.size(), torch::kLong);
    if (config.trainLimit > 0 && config.trainLimit < source.train.size()) {
        poolRows = stratifiedSubset(source.train.labels, config.trainLimit,
                                    mixSeed(seed, kStreamTrainLimit));
    }
    const auto [inPool, inValidation] =
        stratifiedSplit(source.train.labels.index_select(0, poolRows), config.validationFraction,
                        mixSeed(seed, kStreamValidation));
    const torch::Tensor trainRows = poolRows.index_select(0, inPool);
    const torch::Tensor validationRows = poolRows.index_select(0, inValidation);
    if (trainRows.numel() == 0) {
        return Error{source.title + " (" + source.where + "): no training examples are left " +
                     "after data.train_limit and data.validation_fraction — raise the limit or "
                     "lower the fraction"};
    }

    // Statistics of the training split only, applied to all three sets.
    DatasetSplits splits;
    if (config.normalize) {
        std::tie(splits.mean, splits.std) = channelStatistics(source.train.inputs, trainRows);
    }
    auto build = [&splits](const TensorDataset& from, const torch::Tensor& rows) {
        TensorDataset out;
        out.labels = from.labels.index_select(0, rows);
        if (from.inputs.scalar_type() == torch::kUInt8) {
            out.inputs = bytesToFloat(from.inputs, splits.mean, splits.std, rows);
        } else {
            out.inputs = from.inputs.index_select(0, rows).to(torch::kFloat).contiguous();
            standardize(out.inputs, splits.mean, splits.std);
        }
        return out;
    };
    splits.train = build(source.train, trainRows);
    splits.validation = build(source.train, validationRows);
    splits.test = build(source.test, testRows);

    splits.classes = source.classes;
    const auto shape = splits.train.inputs.sizes();
    splits.inputShape.assign(shape.begin() + 1, shape.end());
    splits.description =
        source.title + " (" + source.where + "): " + std::to_string(splits.train.size()) + "/" +
        std::to_string(splits.validation.size()) + "/" + std::to_string(splits.test.size());

    const std::vector<std::int64_t> trainCounts = classCounts(splits.train.labels);
    const auto present =
        std::count_if(trainCounts.begin(), trainCounts.end(), [](std::int64_t c) { return c > 0; });
    if (present < splits.classes) {
        log->warn("{}: only {} of {} classes have training examples", splits.description, present,
                  splits.classes);
    }
    if (config.normalize) {
        log->debug("{} normalisation: mean[0] {:.5f}, std[0] {:.5f} ({} channels)", source.title,
                   splits.mean.front(), splits.std.front(), splits.mean.size());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log->info(
        "loaded {} from {}: train {}, validation {}, test {}, input {}, {} classes, in {:.2f} s",
        source.title, source.where, splits.train.size(), splits.validation.size(),
        splits.test.size(), shapeText(splits.inputShape), splits.classes, seconds);
    return splits;
}

}  // namespace

Result<DatasetSplits> loadDataset(const DataConfig& config, std::uint64_t seed) {
    // Nothing escapes as an exception, not even running out of memory on a large set.
    const std::string what = "loading dataset '" + config.name + "' failed: ";
    try {
        return loadDatasetUnguarded(config, seed);
    } catch (const c10::Error& e) {
        return Error{what + e.what_without_backtrace()};
    } catch (const std::bad_alloc&) {
        return Error{what + "out of memory — set data.train_limit or use a smaller dataset"};
    } catch (const std::exception& e) {
        return Error{what + e.what()};
    }
}

// --- batching -------------------------------------------------------------------------------

BatchSampler::BatchSampler(std::int64_t size, std::uint64_t seed)
    : m_size(std::max<std::int64_t>(0, size)), m_seed(seed) {
    reshuffle();
}

void BatchSampler::reshuffle() {
    auto generator = makeGenerator(
        mixSeed(mixSeed(m_seed, kStreamSampler), static_cast<std::uint64_t>(m_epoch)));
    m_permutation = torch::randperm(m_size, generator, torch::kLong);
}

torch::Tensor BatchSampler::next(std::int64_t batchSize) {
    if (batchSize <= 0 || m_size == 0) {
        return torch::empty({0}, torch::kLong);
    }
    std::vector<torch::Tensor> parts;
    std::int64_t remaining = batchSize;
    while (remaining > 0) {
        if (m_position >= m_size) {
            ++m_epoch;
            m_position = 0;
            reshuffle();
        }
        const std::int64_t take = std::min(remaining, m_size - m_position);
        parts.push_back(m_permutation.narrow(0, m_position, take));
        m_position += take;
        remaining -= take;
    }
    // A copy: the caller may keep or modify it without touching the permutation.
    return parts.size() == 1 ? parts.front().clone() : torch::cat(parts);
}

void BatchSampler::setState(State state) {
    m_epoch = std::max<std::int64_t>(0, state.epoch);
    m_position = std::clamp<std::int64_t>(state.position, 0, m_size);
    reshuffle();
}

}  // namespace lossstudio::core::data
