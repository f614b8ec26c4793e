#!/usr/bin/env bash
# Set-up if needed, Release build, and start the studio training its default experiment
# (extra options go to lossstudio, e.g. --preset quick; see lossstudio --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" Release "$root/build"
exec "$root/build/app/lossstudio" --start "$@"
