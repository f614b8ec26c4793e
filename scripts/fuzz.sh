#!/usr/bin/env bash
# Fuzzes one reader of untrusted input with libFuzzer (clang), AddressSanitizer and
# UndefinedBehaviorSanitizer:
#   scripts/fuzz.sh TARGET SECONDS      TARGET: idx, idx_gzip, cifar, csv, config, or all
# Builds fuzz/ into build-fuzz/ (once), writes the seed corpus, then fuzzes for SECONDS per
# target with the corpus in build-fuzz/corpus/TARGET (kept between runs). Prints one JSON line
# per target with its executions; exits non-zero on a crash, a leak, a timeout or an unclear
# error message (a finding is saved as build-fuzz/findings/TARGET/crash-*; once fixed, it goes to
# fuzz/regressions/TARGET/, replayed before every run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -ne 2 ]]; then
    echo "usage: scripts/fuzz.sh TARGET|all SECONDS" >&2
    exit 2
fi
target="$1"
seconds="$2"
build="${LOSSSTUDIO_FUZZ_BUILD:-$root/build-fuzz}"
targets=(idx idx_gzip cifar csv config)
if [[ "$target" != all ]]; then
    if [[ ! " ${targets[*]} " =~ " $target " ]]; then
        echo "unknown fuzz target '$target' (idx, idx_gzip, cifar, csv, config, all)" >&2
        exit 2
    fi
    targets=("$target")
fi
if ! command -v clang++ >/dev/null; then
    echo "fuzz: clang++ is missing (scripts/setup.sh installs clang)" >&2
    exit 1
fi
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
cmake --build "$build" -j "${LOSSSTUDIO_BUILD_JOBS:-2}"
"$build/fuzz_seeds" "$build/seeds"

status=0
for t in "${targets[@]}"; do
    corpus="$build/corpus/$t"
    findings="$build/findings/$t"
    mkdir -p "$corpus" "$findings"
    log="$build/fuzz-$t.log"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # Every input that once found a problem (fuzz/regressions/TARGET) must now pass.
    regressions=("$root/fuzz/regressions/$t"/*)
    if [[ -e "${regressions[0]}" ]] && ! "$build/fuzz_$t" "${regressions[@]}" >"$log.regressions" 2>&1; then
        echo "fuzz: $t fails on a regression input (log: $log.regressions)" >&2
        grep -E "ERROR|SUMMARY|unclear error|runtime error" "$log.regressions" | head -20 >&2 || true
        status=1
        continue
    fi
    set +e
    (cd "$findings" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -max_len=65536 -print_final_stats=1 "$corpus" "$build/seeds/$t" >"$log" 2>&1)
    rc=$?
    set -e
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    echo "{\"target\": \"$t\", \"seconds\": $seconds, \"executions\": ${runs:-0}, \"exit\": $rc}"
    if [[ $rc -ne 0 ]]; then
        echo "fuzz: $t found a problem (log: $log):" >&2
        grep -E "ERROR|SUMMARY|unclear error|runtime error" "$log" | head -20 >&2 || true
        status=1
    fi
done
exit $status
