#!/usr/bin/env bash
# Configures and builds LossStudio. Usage: scripts/build.sh [Release|Debug|RelWithDebInfo] [build-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
type="${1:-Release}"
build="${2:-$root/build}"
generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type"
else
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="$type" >/dev/null
fi
jobs="${LOSSSTUDIO_JOBS:-$(nproc)}"
cmake --build "$build" -j "$jobs"
