#!/usr/bin/env bash
# Screenshots of the studio for the README: runs `lossstudio` under Xvfb on the Quick preset
# (Fashion-MNIST, MLP 784-256-10, AdaLFL; about a minute) and saves the window at half the run and
# at its end, then the Runs, Replay and Compare tabs, grabbed by the app itself (--screenshot),
# into docs/screenshots/. Compare shows the run beside a short cross-entropy run of the same
# preset that lossstudio-cli records into the store first.
#   scripts/screenshots.sh [extra lossstudio options, e.g. --set steps=3000]
# LOSSSTUDIO_BUILD picks the build directory (default: build/). The run is recorded in a
# temporary store, not in yours.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${LOSSSTUDIO_BUILD:-$root/build}"
out="$root/docs/screenshots"

"$root/scripts/setup.sh"
if [ ! -f "$build/CMakeCache.txt" ]; then
    generator=()
    if command -v ninja >/dev/null 2>&1; then
        generator=(-G Ninja)
    fi
    cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" --target lossstudio lossstudio-cli -j "${LOSSSTUDIO_JOBS:-$(nproc)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
XDG_DATA_HOME="$work/xdg" "$build/app/lossstudio-cli" run "$root/resources/presets/quick.json" \
    --set method=cross_entropy --set meta.init_steps=0 --set steps=1500 --set name=quick-cross-entropy \
    --db "$work/runs.sqlite" --quiet
# The window is 1280x800, as is the virtual screen; the app grabs itself (no window manager
# decorations, no timing guesswork) and quits with status 0 when the run finished.
XDG_DATA_HOME="$work/xdg" xvfb-run -a -s "-screen 0 1280x800x24" \
    "$build/app/lossstudio" --preset quick --db "$work/runs.sqlite" --screenshot "$work/shots" "$@"

mkdir -p "$out"
for name in live-mid-run live-end runs replay compare; do
    # 256-colour PNGs: a third of the size, and the plots' flat colours survive unchanged.
    if command -v convert >/dev/null 2>&1; then
        convert "$work/shots/$name.png" -strip -colors 256 "PNG8:$out/$name.png"
    else
        cp "$work/shots/$name.png" "$out/$name.png"
    fi
    echo "screenshots: $out/$name.png"
done
