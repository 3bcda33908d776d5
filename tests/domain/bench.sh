#!/usr/bin/env bash
# The domain benchmark: logons per second against the test domain's DC at 1 and 2 threads,
# ntlmssp through its exported functions next to libwbclient alone, ntlmssp's binding alone,
# gss-ntlmssp's winbind route and ntlm_auth's, in one run (tests/domain_bench.rs). Figures are
# printed, never judged. Needs root and the test domain's packages (tests/domain/check.sh);
# the C rows need libwbclient-dev and libkrb5-dev (left out without them).
#
# usage: tests/domain/bench.sh [--quick]   (--quick: 500 ms windows instead of 1 s)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
window=1000
[ "${1:-}" != --quick ] || { window=500; shift; }
[ "$(id -u)" = 0 ] || { echo "domain benchmark skipped: it needs root"; exit 0; }
command -v samba >/dev/null && command -v winbindd >/dev/null && ldconfig -p | grep 'libwbclient\.so\.0 ' >/dev/null \
  || { echo "domain benchmark skipped: the test domain's packages are missing"; exit 0; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=() libs=(-lpthread)
if pkg-config --exists wbclient 2>/dev/null; then
  flags+=(-DWITH_WBC $(pkg-config --cflags wbclient)); libs+=($(pkg-config --libs wbclient))
fi
if [ -e /usr/include/gssapi/gssapi_ext.h ]; then
  flags+=(-DWITH_GSS); libs+=(-lgssapi_krb5)
fi
gcc -std=c99 -O2 -Wall -Wextra -Werror "${flags[@]}" "$root/tests/domain/bench_peers.c" -o "$out/bench_peers" "${libs[@]}"
bin=$(cd "$root" && cargo test --release --test domain_bench --no-run 2>&1 |
  sed -n 's/.*Executable tests\/domain_bench\.rs (\(.*\))/\1/p')
[ -n "$bin" ] || { echo "bench.sh: no tests/domain_bench.rs binary" >&2; exit 1; }
NTLMSSP_BENCH_WINDOW_MS=$window NTLMSSP_BENCH_PEERS=$out/bench_peers \
  bash "$root/tests/domain/run.sh" "$root/$bin" --ignored --nocapture --test-threads=1 2>&1 \
  | grep -v '^running \|^test \|^$\|test result'
