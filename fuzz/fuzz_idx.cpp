// libFuzzer target: the IDX reader (data::readIdx) on raw bytes, as images or as labels (the first
// byte chooses), the other file a valid one. Gzip data is detected by content, so gzip-looking
// inputs reach the gunzipping reader too (fuzz_idx_gzip aims at it).

#include <cstddef>
#include <cstdint>

#include "data/dataset.h"
#include "fuzz_support.h"

using namespace lossstudio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    static const std::string images = fuzz::writeScratch("valid-images", fuzz::idxImages(3, 2, 3));
    static const std::string labels =
        fuzz::writeScratch("valid-labels", fuzz::idxLabels({1, 2, 3}));
    const bool asLabels = (data[0] & 1) != 0;
    const int classes = 1 + data[0] / 2;  // 1..128
    const std::string input = fuzz::writeScratch("input", data + 1, size - 1);
    const auto result = asLabels ? core::data::readIdx(images, input, classes)
                                 : core::data::readIdx(input, labels, classes);
    if (!result.ok()) {
        fuzz::expectClearError(result.error(), "");
    }
    return 0;
}
