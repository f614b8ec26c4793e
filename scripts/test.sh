#!/usr/bin/env bash
# Set-up if needed, build, and run the whole test suite headless.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" Release "$root/build"
cd "$root/build"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j "${LOSSSTUDIO_TEST_JOBS:-2}" "$@"
