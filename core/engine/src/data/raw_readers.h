#pragma once

// Image readers that keep pixels as bytes. loadDataset selects subsets and splits on the uint8
// tensors (a quarter of the float size) and converts each part to float exactly once, folding
// the normalisation into that conversion. Private to core/src/data.

#include <string>
#include <vector>

#include <torch/types.h>

#include "data/dataset.h"
#include "lossstudio/core/result.h"

namespace lossstudio::core::data {

/// As readIdx, but inputs stay uint8 [N, 1, rows, cols].
Result<TensorDataset> readIdxBytes(const std::string& imagesPath, const std::string& labelsPath,
                                   int classes);
/// As readIdxFolder, but inputs stay uint8 [N, 1, rows, cols].
Result<TensorDataset> readIdxFolderBytes(const std::string& folder, bool train, int classes);
/// As readCifarFolder, but inputs stay uint8 [N, 3, 32, 32].
Result<TensorDataset> readCifarFolderBytes(const std::string& folder, bool cifar100, bool train);

/// float32 (byte / 255 - mean[c]) / std[c] per channel c (dim 1) of uint8 `bytes` [N, C, ...], in
/// one pass through a 256-entry table per channel. Empty mean/std: just byte / 255. With `rows`
/// (int64 indices) only those examples, in that order: selecting and converting in one go.
torch::Tensor bytesToFloat(const torch::Tensor& bytes, const std::vector<double>& mean,
                           const std::vector<double>& std, const torch::Tensor& rows = {});

/// An uninitialised contiguous CPU tensor. Large ones (8 MiB and up) are mapped with transparent
/// huge pages where Linux offers them: first touching fresh memory is the main cost of loading a
/// dataset (measured on this kind of VM: 0.9 s for 188 MB in 4 KiB pages, 0.4 s in huge pages).
torch::Tensor emptyLarge(torch::IntArrayRef sizes, torch::ScalarType type);

}  // namespace lossstudio::core::data
