// fuzz_seeds DIR: writes a seed corpus for every fuzz target into DIR/<target>/ (valid inputs and
// a few near-valid ones, each prefixed by the option byte its target reads first).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <lossstudio/core/run_config.h>

#include "fuzz_support.h"

using namespace lossstudio;
using fuzz::Bytes;

namespace {

void write(const std::filesystem::path& dir, const std::string& name, const Bytes& bytes) {
    std::filesystem::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

Bytes prefixed(std::uint8_t first, const Bytes& rest) {
    Bytes out{first};
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

Bytes text(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: fuzz_seeds DIR\n", stderr);
        return 2;
    }
    const std::filesystem::path root = argv[1];
    const Bytes images = fuzz::idxImages(3, 2, 3);
    const Bytes labels = fuzz::idxLabels({1, 2, 3});
    write(root / "idx", "images", prefixed(20, images));
    write(root / "idx", "images.gz", prefixed(20, fuzz::gzip(images)));
    write(root / "idx", "labels", prefixed(21, labels));
    write(root / "idx", "labels.gz", prefixed(21, fuzz::gzip(labels)));
    write(root / "idx", "images-28x28", prefixed(20, fuzz::idxImages(3, 28, 28)));
    for (std::uint8_t mode = 0; mode < 4; ++mode) {
        Bytes seed{mode, 128};
        seed.insert(seed.end(), images.begin(), images.end());
        write(root / "idx_gzip", "mode-" + std::to_string(mode), seed);
    }
    write(root / "cifar", "cifar10", prefixed(0, fuzz::cifarRecords(2, false)));
    write(root / "cifar", "cifar100", prefixed(1, fuzz::cifarRecords(2, true)));
    write(root / "csv", "plain", prefixed(0, text("0.5,1.5,0\n2,3,1\n-1,4e2,2\n")));
    write(root / "csv", "header", prefixed(8, text("a;b;label\n1;2;0\n3;4;1\n")));
    write(root / "csv", "quoted", prefixed(1, text("\"1\", \"0.25\"\n\"0\",\t\"7\"\n\n2,3\n")));
    write(root / "config", "defaults.json", text(core::toJson(core::RunConfig{}, 2)));
    write(root / "config", "partial.json",
          text(R"({"method": "ml3", "model": {"name": "mlp", "hidden": [64, 32]}, "steps": 10})"));
    write(root / "config", "preset.json",
          text(R"({"title": "t", "config": {"data": {"name": "synthetic"}, "seed": 3}})"));
    return 0;
}
