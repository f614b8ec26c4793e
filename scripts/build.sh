#!/usr/bin/env bash
# Configures and builds LossStudio.
# Usage: scripts/build.sh [Release|Debug|RelWithDebInfo] [build-dir] [-DOPTION=VALUE ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
type="${1:-Release}"
build="${2:-$root/build}"
shift $(( $# < 2 ? $# : 2 ))
options=("$@")
generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="$type" "${options[@]}"
else
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="$type" "${options[@]}" >/dev/null
fi
jobs="${LOSSSTUDIO_JOBS:-$(nproc)}"
cmake --build "$build" -j "$jobs"
