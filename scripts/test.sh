#!/usr/bin/env bash
# Set-up if needed, build, and run the whole test suite headless:
#   1. the Release build (build/) and every test (ctest; arguments go to this ctest);
#   2. the torch-free modules (api, storage, ui, app's library) built again with AddressSanitizer
#      and UndefinedBehaviorSanitizer (build-sanitize/), and their tests: any report fails;
#   3. every fuzz target (scripts/fuzz.sh: the IDX, gzip, CIFAR, CSV readers and the config
#      parser) for LOSSSTUDIO_FUZZ_SECONDS (default 30) each: a crash, leak or unclear error fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export QT_QPA_PLATFORM=offscreen
jobs="${LOSSSTUDIO_TEST_JOBS:-2}"

"$root/scripts/build.sh" Release "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs" "$@")

echo "test: the torch-free modules under AddressSanitizer + UndefinedBehaviorSanitizer"
"$root/scripts/build.sh" RelWithDebInfo "$root/build-sanitize" -DLOSSSTUDIO_WITH_ENGINE=OFF \
    -DLOSSSTUDIO_SANITIZE=address,undefined -DLOSSSTUDIO_BUILD_BENCH=OFF
(cd "$root/build-sanitize" && ctest --output-on-failure -j "$jobs")

echo "test: fuzzing every reader for ${LOSSSTUDIO_FUZZ_SECONDS:-30} s"
"$root/scripts/fuzz.sh" all "${LOSSSTUDIO_FUZZ_SECONDS:-30}"
