#pragma once

// Shared by the fuzz targets: scratch files for readers that take paths, the IDX / CIFAR byte
// layouts the seeds are made of, and the property every target checks on a refused input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lossstudio::fuzz {

using Bytes = std::vector<std::uint8_t>;

/// A folder of this process for scratch files (in /dev/shm where it exists), made once.
const std::string& scratchFolder();
/// Writes `size` bytes to `name` in the scratch folder (or a subfolder of it) and returns its path.
std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size);
std::string writeScratch(const std::string& name, const Bytes& bytes);

/// IDX images (magic 0x803) of `count` images of rows x cols, pixels cycling through `pixels`.
Bytes idxImages(std::uint32_t count, std::uint32_t rows, std::uint32_t cols);
/// IDX labels (magic 0x801).
Bytes idxLabels(const Bytes& labels);
/// `records` CIFAR records (1 label byte for CIFAR-10, 2 for CIFAR-100, then 3072 pixels).
Bytes cifarRecords(int records, bool cifar100);
/// gzip (RFC 1952) of `bytes`.
Bytes gzip(const Bytes& bytes);

/// The readers' contract on bad input: an Error with a message that names the file it is about.
/// Aborts (a finding for libFuzzer) when the message is empty or does not.
void expectClearError(const std::string& error, const std::string& mustName);

}  // namespace lossstudio::fuzz
