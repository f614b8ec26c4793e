#!/usr/bin/env bash
# Runs a test binary under valgrind's memcheck; any memcheck error fails (exit 99). If valgrind
# cannot execute the machine's instructions at all (it stops with "unhandled instruction bytes"
# and SIGILL), the test is reported skipped (exit 77, ctest's SKIP_RETURN_CODE) with that reason,
# never passed. Usage: memcheck.sh VALGRIND SUPPRESSIONS BINARY [ARGS...]
set -uo pipefail
valgrind="$1" suppressions="$2"
shift 2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$valgrind" --error-exitcode=99 --errors-for-leak-kinds=none --suppressions="$suppressions" \
    --log-file="$log" "$@"
status=$?
cat "$log"
if [ "$status" -ne 0 ] && grep -q "unhandled instruction bytes" "$log"; then
    echo "SKIPPED: valgrind cannot run this binary on this processor:"
    grep -m1 -A1 "unhandled instruction bytes" "$log"
    grep -m1 "model name" /proc/cpuinfo || true
    exit 77
fi
exit "$status"
