#!/usr/bin/env bash
# Fails when one of the given binaries loads LibTorch or what Debian's LibTorch drags in (OpenCV,
# FFmpeg, libjxl, libhwy): the UI, storage and api modules are torch-free, so their tests must be
# too (valgrind cannot run libhwy's start-up code on AMD processors). Usage: check_no_torch.sh BIN...
set -euo pipefail
status=0
for binary in "$@"; do
    if ! libraries="$(ldd "$binary" 2>&1)"; then
        echo "FAIL $binary: ldd failed: $libraries"
        status=1
        continue
    fi
    count="$(printf '%s\n' "$libraries" | wc -l)"
    heavy="$(printf '%s\n' "$libraries" | grep -E 'libtorch|libc10|libopencv|libavcodec|libjxl|libhwy' || true)"
    if [ -n "$heavy" ]; then
        echo "FAIL $binary loads the engine's libraries:"
        printf '%s\n' "$heavy" | sed 's/^/    /'
        status=1
    else
        echo "ok   $binary: $count shared libraries, none of LibTorch's"
    fi
done
exit $status
