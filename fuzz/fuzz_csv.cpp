// libFuzzer target: the CSV reader; the first byte chooses the label column (-1: last, or 0..6)
// and whether the first line is a header.

#include <cstddef>
#include <cstdint>

#include "data/dataset.h"
#include "fuzz_support.h"

using namespace lossstudio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const int labelColumn = static_cast<int>(data[0] & 7) - 1;
    const bool header = (data[0] & 8) != 0;
    const std::string input = fuzz::writeScratch("input.csv", data + 1, size - 1);
    const auto result = core::data::readCsv(input, labelColumn, header);
    if (!result.ok()) {
        fuzz::expectClearError(result.error(), "input.csv");
    }
    return 0;
}
