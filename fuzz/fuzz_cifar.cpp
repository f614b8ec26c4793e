// libFuzzer target: the CIFAR binary reader on one test batch (CIFAR-10's test_batch.bin or
// CIFAR-100's test.bin, as the first byte chooses).

#include <cstddef>
#include <cstdint>

#include "data/dataset.h"
#include "fuzz_support.h"

using namespace lossstudio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const bool cifar100 = (data[0] & 1) != 0;
    const std::string folder = fuzz::scratchFolder() + (cifar100 ? "/c100" : "/c10");
    fuzz::writeScratch(cifar100 ? "c100/test.bin" : "c10/test_batch.bin", data + 1, size - 1);
    const auto result = core::data::readCifarFolder(folder, cifar100, /*train=*/false);
    if (!result.ok()) {
        fuzz::expectClearError(result.error(), "");
    }
    return 0;
}
