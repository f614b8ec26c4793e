#!/usr/bin/env bash
# Build and start-up times of one revision, measured in a fresh clone, printed as JSON:
#   - the clean Release build with the compiler cache off (CCACHE_DISABLE=1);
#   - the rebuild after one ui .cpp edit (a line appended to ui/src/live_view.cpp);
#   - the studio's start-up to its first painted window (lossstudio --startup-time under Xvfb),
#     the first start (files not yet in the page cache) and the median of five more;
#   - how many shared libraries one UI test binary loads, and how many of them are LibTorch's.
#
#   bench/build_times.sh [REV] [PATCH]
#
# REV defaults to HEAD. PATCH, if given, is applied to the clone first: revisions older than the
# studio's --startup-time option need it patched in to be measured. Run it on an otherwise idle
# machine: the JSON carries the load average before and after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rev="${1:-HEAD}"
patch="${2:-}"
work="$(mktemp -d /tmp/lossstudio-build-times-XXXXXX)"
src="$work/src"
build="$work/build"

git clone -q "$root" "$src"
git -C "$src" checkout -q "$rev"
if [[ -n "$patch" ]]; then
    git -C "$src" apply "$(realpath "$patch")"
fi
commit="$(git -C "$src" rev-parse --short HEAD)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
export CCACHE_DISABLE=1

seconds() { date +%s.%N; }

t0="$(seconds)"
"$src/scripts/build.sh" Release "$build" >"$work/clean.log" 2>&1
t1="$(seconds)"
clean_steps="$(grep -c '^\[[0-9]*/[0-9]*\]' "$work/clean.log" || true)"

echo '// build_times.sh: one edit' >>"$src/ui/src/live_view.cpp"
t2="$(seconds)"
cmake --build "$build" -j2 >"$work/edit.log" 2>&1
t3="$(seconds)"
edit_steps="$(grep -c '^\[[0-9]*/[0-9]*\]' "$work/edit.log" || true)"

panel="$build/tests/ui/test_ui_experiment_panel"
libs="$(ldd "$panel" | grep -c '=>' || true)"
torch_libs="$(ldd "$panel" | grep -c torch || true)"

startup() {
    XDG_DATA_HOME="$work/xdg" xvfb-run -a -s "-screen 0 1280x800x24" \
        "$build/app/lossstudio" --startup-time --db "$work/startup/runs.sqlite" 2>/dev/null |
        sed -n 's/.*"first_paint_s": \([0-9.]*\).*/\1/p' | tail -1
}
mkdir -p "$work/startup" "$work/xdg"
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true  # a cold first start where we may
first="$(startup)"
warm=()
for _ in 1 2 3 4 5; do
    warm+=("$(startup)")
done
median="$(printf '%s\n' "${warm[@]}" | sort -n | sed -n 3p)"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

printf '{"revision": "%s", "cpu": "%s", "load_before": "%s", "load_after": "%s",\n' \
    "$commit" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
    "$load_before" "$load_after"
printf ' "clean_build_s": %.1f, "clean_build_steps": %s,\n' "$(awk "BEGIN {print $t1 - $t0}")" "$clean_steps"
printf ' "ui_edit_rebuild_s": %.1f, "ui_edit_rebuild_steps": %s,\n' "$(awk "BEGIN {print $t3 - $t2}")" \
    "$edit_steps"
printf ' "startup_first_paint_first_s": %s, "startup_first_paint_median_s": %s,\n' "$first" "$median"
printf ' "ui_test_shared_libraries": %s, "ui_test_torch_libraries": %s}\n' "$libs" "$torch_libs"
rm -rf "$work"
