// libFuzzer target: the gunzipping reader under the IDX parser. The input is an IDX images file
// that the harness gzips and then damages as its first byte says: clean, cut short, followed by
// foreign bytes, or split into two gzip members.

#include <cstddef>
#include <cstdint>

#include "data/dataset.h"
#include "fuzz_support.h"

using namespace lossstudio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    static const std::string labels =
        fuzz::writeScratch("valid-labels", fuzz::idxLabels({1, 2, 3}));
    const std::uint8_t mode = data[0] % 4;
    const std::uint8_t amount = data[1];
    const fuzz::Bytes payload(data + 2, data + size);
    fuzz::Bytes file;
    if (mode == 3) {  // two members
        const std::size_t cut = payload.size() * amount / 256;
        file = fuzz::gzip(fuzz::Bytes(payload.begin(), payload.begin() + cut));
        const fuzz::Bytes second = fuzz::gzip(fuzz::Bytes(payload.begin() + cut, payload.end()));
        file.insert(file.end(), second.begin(), second.end());
    } else {
        file = fuzz::gzip(payload);
        if (mode == 1) {  // cut short
            file.resize(file.size() * amount / 256);
        } else if (mode == 2) {  // foreign bytes after the end
            file.insert(file.end(), amount % 16 + 1, amount);
        }
    }
    const std::string input = fuzz::writeScratch("input.gz", file);
    const auto result = core::data::readIdx(input, labels, 10);
    if (!result.ok()) {
        fuzz::expectClearError(result.error(), "");
    } else if (mode == 2 && amount != 0x1f) {
        // Foreign bytes after the gzip data must never pass (0x1f could begin a member).
        std::abort();
    }
    return 0;
}
