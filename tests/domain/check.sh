#!/usr/bin/env bash
# The domain checks (scripts/test.sh), on a member of the test domain (tests/domain/run.sh):
#   - tests/winbind.rs: the libwbclient binding against the DC (its ignored tests);
#   - tests/domain_logons.rs: domain logons through the exported functions: an INBOUND credential
#     without a user file verifies through the DC (names, refusals with the DC's reason, NTLMv1,
#     the DC stopped, frozen and back on one credential, many threads), default credentials;
#   - tests/domain/anchors.py: ntlmssp's server side by side with gss-ntlmssp's and ntlm_auth's
#     winbind routes for every client, single sign-on from winbindd's credential cache;
#   - tests/domain/curl.sh: curl.exe (scripts/curl-mingw.sh) under Wine with ntlmssp.dll as its
#     SSPI, against an HTTP server authenticating with libntlmssp.so's domain route (builds the
#     DLL with scripts/build-windows.sh; skipped without the Windows toolchain and Wine, unless
#     NTLMSSP_WINDOWS_REQUIRE=1).
# Skipped without root or Samba's AD DC packages, unless NTLMSSP_INTEROP_REQUIRE=1 (CI).
#
# usage: check.sh [LIBDIR]   (LIBDIR: the built libntlmssp.so, default target/release)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
libdir=${1:-target/release}

skip() {
  if [ "${NTLMSSP_INTEROP_REQUIRE:-}" = 1 ]; then
    echo "domain checks required but $*" >&2
    exit 1
  fi
  echo "domain checks skipped: $*"
  exit 0
}
[ "$(id -u)" = 0 ] || skip "they need root (namespaces, winbindd's privileged pipe)"
for tool in samba samba-tool winbindd wbinfo ntlm_auth net unshare nsenter setpriv; do
  command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install samba samba-ad-dc samba-ad-provision winbind python3-samba)"
done
/usr/bin/python3 -c 'import samba.samdb' 2>/dev/null || skip "python3-samba is missing"
ldconfig -p | grep 'libwbclient\.so\.0 ' >/dev/null || skip "libwbclient0 is missing"

dir=$(bash "$root/tests/domain/provision.sh")
echo "test domain: $dir ($(tail -1 "$dir/provision.log"))"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The single sign-on checks run ntlmssp's client as alice's uid: the drivers must be hers to run.
chmod 755 "$out"
bash "$root/tests/interop/build.sh" "$libdir" "$out"
test_bin() {
  local t=$1 bin
  bin=$(cd "$root" && cargo test --release --test "$t" --no-run 2>&1 |
    sed -n "s/.*Executable tests\/$t\.rs (\(.*\))/\1/p")
  [ -n "$bin" ] || { echo "check.sh: no tests/$t.rs binary" >&2; exit 1; }
  echo "$root/$bin"
}
winbind_bin=$(test_bin winbind)
logons_bin=$(test_bin domain_logons)

# One run of the domain for all: the DC and the member start once. A frozen DC is waited out
# after NTLMSSP_WINBIND_TIMEOUT_MS (3 s here, 30 s by default).
bash "$root/tests/domain/run.sh" bash -c '
  echo "DC ready in ${NTLMSSP_DC_READY_SECONDS} s, the member'"'"'s winbindd in ${NTLMSSP_MEMBER_READY_SECONDS} s"
  echo "== the libwbclient binding (tests/winbind.rs)"
  "$1" --ignored --test-threads=1 --nocapture
  echo "== domain logons through the exports (tests/domain_logons.rs)"
  NTLMSSP_WINBIND_TIMEOUT_MS=3000 "$2" --ignored --test-threads=1 --nocapture
  echo "== side by side with the anchors, single sign-on (tests/domain/anchors.py)"
  python3 "$3" "$4"' _ "$winbind_bin" "$logons_bin" "$root/tests/domain/anchors.py" "$out"

# curl.exe under Wine with the DLL as its client (the same DLL build scripts/test.sh makes later).
if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v x86_64-w64-mingw32-gcc-win32 >/dev/null \
   && command -v wine >/dev/null; then
  echo "== curl.exe under Wine with ntlmssp.dll, against an HTTP server on the domain route (tests/domain/curl.sh)"
  dll=$(cd "$root" && bash scripts/build-windows.sh | tail -n 1)
  bash "$root/tests/domain/curl.sh" "$libdir" "$root/$dll"
elif [ "${NTLMSSP_WINDOWS_REQUIRE:-}" = 1 ]; then
  echo "curl.exe under Wine required but rustc-web/cargo-web/rust-web-src, mingw-w64 or wine is missing" >&2
  exit 1
else
  echo "curl.exe under Wine skipped: apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64 wine"
fi
