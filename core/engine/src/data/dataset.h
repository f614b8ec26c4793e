#pragma once

// Datasets as in-memory tensors. Private to core (torch).

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "lossstudio/core/result.h"
#include "lossstudio/core/run_config.h"

namespace lossstudio::core::data {

/// Examples and labels in memory: inputs float32 [N, ...shape], labels int64 [N] in [0, classes).
struct TensorDataset {
    torch::Tensor inputs;
    torch::Tensor labels;
    std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// A dataset ready for training: stratified train / validation split of the training set,
/// the test set, all normalised with the training split's statistics.
struct DatasetSplits {
    TensorDataset train;
    TensorDataset validation;
    TensorDataset test;
    int classes = 0;
    std::vector<std::int64_t> inputShape;  ///< one example, e.g. {1, 28, 28} or {3, 32, 32}
    std::string description;               ///< "Fashion-MNIST (/usr/share/...): 54000/6000/10000"
    /// The training split's per-channel (images) or per-feature (CSV) mean and standard deviation
    /// in the readers' units (pixels in [0, 1]); applied to all three sets. Empty when
    /// DataConfig::normalize is off. A constant channel has std 1 (it becomes all zeros).
    std::vector<double> mean;
    std::vector<double> std;
};

/// Loads the dataset `config` names, applies limits, the stratified validation split (seeded),
/// and normalisation. Errors name the file and what is wrong with it. Deterministic for a seed.
///
/// Order of work: read train and test; testLimit keeps a stratified subset of the test set chosen
/// with a fixed seed (the same examples for every run seed, so runs stay comparable; kept in file
/// order); trainLimit keeps a stratified subset of the training set chosen with `seed`; the
/// validation split (stratified, `seed`) is then taken from what is left; finally all three sets
/// are standardised with the training split's statistics.
///
/// Sources by DataConfig::name: fashion-mnist (data.path, else defaultFashionMnistDirectory()),
/// mnist and kmnist (IDX folder), cifar10 and cifar100 (binary batches folder), csv (a folder with
/// train.csv and test.csv, or one file from which a stratified 1/6 is held out as the test set
/// with a fixed seed), synthetic (makeSynthetic with `seed`, 1/6 held out as the test set).
/// Blocking (a second or so for Fashion-MNIST); call it from the engine's thread.
Result<DatasetSplits> loadDataset(const DataConfig& config, std::uint64_t seed);

// --- readers (each error message names the file) ---------------------------------------------

/// IDX images (magic 0x00000803, uint8 [N, rows, cols]) and labels (magic 0x00000801), raw or
/// gzipped (detected by content). Inputs come back as float32 [N, 1, rows, cols] in [0, 1].
/// Labels must lie in [0, classes).
Result<TensorDataset> readIdx(const std::string& imagesPath, const std::string& labelsPath,
                              int classes = 10);

/// Finds train/test IDX files in `folder` (train-images-idx3-ubyte[.gz] ...; also the
/// "train-images.idx3-ubyte" spelling) and reads them. KMNIST uses the same names.
/// A missing file is an Error naming the folder and every name looked for.
Result<TensorDataset> readIdxFolder(const std::string& folder, bool train, int classes = 10);

/// CIFAR binary batches: each record is <label byte(s)><3072 pixel bytes>. For CIFAR-10 one label
/// byte; for CIFAR-100 two (coarse, fine) and the fine label is used. Inputs float32 [N,3,32,32]
/// in [0, 1]. `folder` holds data_batch_1..5.bin + test_batch.bin (CIFAR-10) or train.bin +
/// test.bin (CIFAR-100), possibly inside cifar-10-batches-bin/ or cifar-100-binary/.
Result<TensorDataset> readCifarFolder(const std::string& folder, bool cifar100, bool train);

/// CSV of numeric features with an integer label column (-1: last). Inputs float32 [N, F].
/// Labels must be integers >= 0; classes = max label + 1. Cells are separated by commas (or
/// semicolons or tabs, whichever the first line uses), may be padded with spaces or wrapped in
/// double quotes (no separators inside quotes); empty lines are skipped. Every feature must be a
/// finite number; an Error names the line and column (both from 1) of the first bad cell.
Result<TensorDataset> readCsv(const std::string& path, int labelColumn, bool header);

/// Gaussian blobs, one per class, well but not perfectly separable; deterministic for a seed.
TensorDataset makeSynthetic(int classes, int features, std::int64_t samples, std::uint64_t seed);

// --- splitting and batching ---------------------------------------------------------------

/// Stratified split: for each class, round(fraction * count) examples go to the second part.
/// Returns {firstIndices, secondIndices} (int64 tensors), shuffled with `seed`. Together they
/// hold every index exactly once.
std::pair<torch::Tensor, torch::Tensor> stratifiedSplit(const torch::Tensor& labels,
                                                        double fraction, std::uint64_t seed);

/// Exactly min(count, N) indices (int64, ascending), drawn per class in proportion to the class
/// sizes (largest remainder), chosen with `seed`.
torch::Tensor stratifiedSubset(const torch::Tensor& labels, std::int64_t count, std::uint64_t seed);

/// The examples at `indices` (a copy).
TensorDataset select(const TensorDataset& dataset, const torch::Tensor& indices);

// --- normalisation --------------------------------------------------------------------------

/// Mean and standard deviation (population) of `inputs` [N, C, ...] per index of dim 1 (the
/// channel of an image, the feature of a row), accumulated in double. A channel that is constant
/// up to float precision (std below 1e-6 * max(1, |mean|)) gets std 1: it becomes all zeros
/// instead of amplified rounding noise.
/// uint8 inputs count as pixels: the statistics are those of byte / 255, exact. With `rows`
/// (int64 indices), only those examples count.
std::pair<std::vector<double>, std::vector<double>> channelStatistics(
    const torch::Tensor& inputs, const torch::Tensor& rows = {});

/// (x - mean[c]) / std[c] in place along dim 1; `inputs` must be float32 and contiguous.
void standardize(torch::Tensor& inputs, const std::vector<double>& mean,
                 const std::vector<double>& std);

/// Draws batches without replacement; each epoch is a fresh permutation derived from
/// (seed, epoch) alone, so the sampler's whole state is (epoch, position) and a checkpoint can
/// restore it exactly.
class BatchSampler final {
public:
    BatchSampler(std::int64_t size, std::uint64_t seed);
    /// The next `batchSize` indices (int64); wraps into the next epoch when one runs out, the
    /// batch then being completed from the new permutation. Empty when the dataset is.
    torch::Tensor next(std::int64_t batchSize);

    struct State {
        std::int64_t epoch = 0;
        std::int64_t position = 0;
    };
    State state() const { return {m_epoch, m_position}; }
    /// Continues exactly where a sampler of the same size and seed was when it gave `state`.
    void setState(State state);
    std::int64_t size() const { return m_size; }

private:
    void reshuffle();

    std::int64_t m_size;
    std::uint64_t m_seed;
    std::int64_t m_epoch = 0;
    std::int64_t m_position = 0;
    torch::Tensor m_permutation;
};

}  // namespace lossstudio::core::data
