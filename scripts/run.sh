#!/usr/bin/env bash
# Set-up if needed, Release build, and start the studio on its default experiment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/build.sh" Release "$root/build"
exec "$root/build/app/lossstudio" "$@"
