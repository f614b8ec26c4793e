#!/usr/bin/env bash
# Installs, with apt, every Debian package LossStudio needs to build, test, take screenshots and
# find its default data. Idempotent: installs only what is missing. Runs as root, or through sudo.
set -euo pipefail

PACKAGES=(
    # build
    build-essential cmake ninja-build ccache pkg-config
    # libraries
    qt6-base-dev libqt6sql6-sqlite libqcustomplot-dev libqcustomplot2.1-qt6
    libtorch-dev libspdlog-dev nlohmann-json3-dev zlib1g-dev
    # optimised BLAS: without it Debian's LibTorch runs on the reference BLAS (~25x slower)
    libopenblas0-openmp
    # GUI tests, screenshots
    xvfb xauth x11-apps imagemagick
    # the memcheck test (tests/ui)
    valgrind
    # fuzzing the readers (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
    clang libclang-rt-14-dev
    # bench/reproduce reads the store's JSON listing
    jq
    # the default dataset
    dataset-fashion-mnist
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#PACKAGES[@]} packages present"
    exit 0
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup: not root and sudo is not available; install as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install fails with them as they are.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "setup: done"
