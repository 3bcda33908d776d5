#!/usr/bin/env bash
# The domain checks (scripts/test.sh): on a member of the test domain (tests/domain/run.sh), the
# libwbclient binding's tests against the DC (tests/winbind.rs, its ignored tests) and the anchors
# (tests/domain/anchors.py: gss-ntlmssp and ntlm_auth verifying logons through winbind).
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
for tool in samba samba-tool winbindd wbinfo ntlm_auth net unshare nsenter; do
  command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install samba samba-ad-dc samba-ad-provision winbind python3-samba)"
done
/usr/bin/python3 -c 'import samba.samdb' 2>/dev/null || skip "python3-samba is missing"
ldconfig -p | grep -q 'libwbclient\.so\.0 ' || skip "libwbclient0 is missing"

dir=$(bash "$root/tests/domain/provision.sh")
echo "test domain: $dir ($(tail -1 "$dir/provision.log"))"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$root/tests/interop/build.sh" "$libdir" "$out"
test_bin=$(cd "$root" && cargo test --release --test winbind --no-run 2>&1 |
  sed -n 's/.*Executable tests\/winbind\.rs (\(.*\))/\1/p')
[ -n "$test_bin" ] || { echo "check.sh: no tests/winbind.rs binary" >&2; exit 1; }

# One run of the domain for both: the DC and the member start once.
bash "$root/tests/domain/run.sh" bash -c '
  echo "DC ready in ${NTLMSSP_DC_READY_SECONDS} s, the member'"'"'s winbindd in ${NTLMSSP_MEMBER_READY_SECONDS} s"
  "$1" --ignored --test-threads=1 --nocapture
  python3 "$2" "$3"' _ "$root/$test_bin" "$root/tests/domain/anchors.py" "$out"
