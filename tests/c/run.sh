#!/usr/bin/env bash
# Builds the C harness and the example against include/ and the built library, runs them,
# then runs the harness again under valgrind (errors and leaks fail the run).
set -euo pipefail
libdir=$(cd "${1:-target/release}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for cc in gcc clang; do
  command -v "$cc" >/dev/null || { echo "$cc not installed; skipped"; continue; }
  "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" \
    "$root/tests/c/harness.c" -o "$out/harness-$cc" -L"$libdir" -lntlmssp -ldl -Wl,-rpath,"$libdir"
  "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" \
    "$root/examples-c/client.c" -o "$out/client-$cc" -L"$libdir" -lntlmssp -Wl,-rpath,"$libdir"
done

echo "== C harness"
"$out/harness-gcc"
echo "== example client"
"$out/client-gcc" alice EXAMPLE 'Pa55word!'
if command -v valgrind >/dev/null; then
  echo "== C harness under valgrind"
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    "$out/harness-gcc" > "$out/valgrind.log"
  tail -n 1 "$out/valgrind.log"
else
  echo "valgrind not installed; skipped"
fi
