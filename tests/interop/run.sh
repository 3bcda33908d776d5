#!/usr/bin/env bash
# Builds the interop drivers (tests/interop/build.sh) and runs the matrix in run.py against every
# installed peer.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bash "$root/tests/interop/build.sh" "${1:-target/release}" "$out"
python3 "$root/tests/interop/run.py" "$out"
