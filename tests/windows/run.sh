#!/usr/bin/env bash
# ntlmssp.dll under Wine, three ways:
#  1. direct use: the C harness (tests/c/harness.c, built by mingw-w64, linked with an import
#     library made from def/ntlmssp.def) with the same results as on Linux, and loadlib.exe
#     (LoadLibrary + GetProcAddress + the function table);
#  2. as Wine's NTLM provider: the DLL registered in a fresh prefix (scripts/wine-install.sh) and
#     an ordinary -lsecur32 program, with Samba's ntlm_auth off PATH so Wine's own NTLM is absent;
#     our trace (NTLMSSP_TRACE) shows the calls reached ntlmssp;
#     the same with "Negotiate": Wine's own Negotiate must reach ntlmssp for its client side;
#  3. the same program with ntlm_auth on PATH: which NTLM Wine picks is reported, not required.
# usage: tests/windows/run.sh [ntlmssp.dll]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=$(cd "$root" && realpath "${1:-target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll}")
out=$(mktemp -d /tmp/ntlmssp-wine.XXXXXX)
trap 'WINEPREFIX="$out/prefix" wineserver -k 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT
cc=x86_64-w64-mingw32-gcc
cflags="-std=c99 -Wall -Wextra -Werror"
export WINEDEBUG=-all WINEPREFIX="$out/prefix"
wine=$(command -v wine)

# Wine 8.0 lacks bcryptprimitives.dll (Rust's std imports ProcessPrng from it): the test-only shim.
$cc -shared -o "$out/bcryptprimitives.dll" "$root/tests/windows/bcryptprimitives.c" \
  "$root/tests/windows/bcryptprimitives.def" -ladvapi32
x86_64-w64-mingw32-dlltool -d "$root/def/ntlmssp.def" -l "$out/libntlmssp.a" -D ntlmssp.dll
$cc $cflags -I"$root/include" "$root/tests/c/harness.c" -o "$out/harness.exe" -L"$out" -lntlmssp
$cc $cflags -I"$root/include" "$root/tests/c/misuse.c" -o "$out/misuse.exe" -L"$out" -lntlmssp
$cc $cflags -I"$root/include" "$root/tests/windows/loadlib.c" -o "$out/loadlib.exe"
$cc $cflags "$root/tests/windows/secur32_sspi.c" -o "$out/secur32_sspi.exe" -lsecur32
cp "$dll" "$out/ntlmssp.dll"
printf 'EXAMPLE:alice:Secret123\nDOMAIN:alice:Secret123\n' > "$out/users"
fails=0

# The same C programs as on Linux, with the same checks and results.
for prog in harness misuse; do
  echo "== 1. direct use: tests/c/$prog.c (import library)"
  (cd "$out" && "$wine" "$prog.exe") | tr -d '\r' > "$out/$prog-wine.txt" 2> "$out/$prog-wine.err" || true
  tail -n 1 "$out/$prog-wine.txt"
  grep '^not ok' "$out/$prog-wine.txt" && fails=$((fails + 1))
  grep -q '^[0-9]* passed, 0 failed' "$out/$prog-wine.txt" || { fails=$((fails + 1)); tail "$out/$prog-wine.err"; }
  if [ -e "$root/target/release/libntlmssp.so" ]; then
    gcc $cflags -D_GNU_SOURCE -I"$root/include" "$root/tests/c/$prog.c" -o "$out/$prog-linux" \
      -L"$root/target/release" -lntlmssp -ldl -Wl,-rpath,"$root/target/release"
    "$out/$prog-linux" > "$out/$prog-linux.txt" || true
    if diff <(sed 's/ (.*//' "$out/$prog-linux.txt") <(sed 's/ (.*//' "$out/$prog-wine.txt"); then
      echo "same checks and results as on Linux"
    else
      echo "not ok - $prog under Wine differs from Linux (above)"; fails=$((fails + 1))
    fi
  fi
done

echo "== 1. direct use: LoadLibrary + GetProcAddress"
users_win=$(winepath -w "$out/users" 2>/dev/null)
(cd "$out" && NTLM_USER_FILE="$users_win" "$wine" loadlib.exe) | tr -d '\r' | tee "$out/loadlib.txt" | grep -v '^ok' || true
grep -q '^0 failed' "$out/loadlib.txt" || fails=$((fails + 1))

echo "== 2. Wine's NTLM provider, ntlm_auth unreachable"
WINEDEBUG=-all bash "$root/scripts/wine-install.sh" "$dll"
cp "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
wineserver -k || true
# PATH without ntlm_auth: only Wine's own directory.
mkdir -p "$out/bin"
env PATH="$out/bin" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" "$out/secur32_sspi.exe" \
  > "$out/secur32-1.txt" 2> "$out/secur32-1.err" || true
tr -d '\r' < "$out/secur32-1.txt"
traced=$(grep -c '^ntlmssp: ' "$out/secur32-1.err" || true)
echo "ntlmssp trace lines: $traced (e.g. $(grep -m1 '^ntlmssp: AcceptSecurityContext' "$out/secur32-1.err" || echo none))"
grep -q '^0 failed' "$out/secur32-1.txt" || fails=$((fails + 1))
grep -q '^ntlmssp: AcceptSecurityContext = 0x00000000' "$out/secur32-1.err" || { echo "not ok - secur32 did not reach ntlmssp"; fails=$((fails + 1)); }

echo "== 2b. \"Negotiate\" through secur32, ntlm_auth unreachable"
# Wine 8's own Negotiate is listed first and serves the request; its client side reaches
# ntlmssp's NTLM (required), its server side goes to msv1_0, which needs ntlm_auth (reported).
wineserver -k || true
env PATH="$out/bin" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" "$out/secur32_sspi.exe" Negotiate \
  > "$out/secur32-n.txt" 2> "$out/secur32-n.err" || true
if grep -q '^ntlmssp: InitializeSecurityContextW = 0x00000000' "$out/secur32-n.err"; then
  echo "ok - secur32's Negotiate client reached ntlmssp: $(grep -m1 '^ntlmssp: InitializeSecurityContextW = 0x00000000' "$out/secur32-n.err")"
else
  echo "not ok - secur32's Negotiate client did not reach ntlmssp"; fails=$((fails + 1))
fi
if grep -q '^ok - handshake through secur32' "$out/secur32-n.txt"; then
  echo "its handshake completed"
else
  echo "its handshake did not complete: the server side answered $(tr -d '\r' < "$out/secur32-n.txt" | grep -m1 'AcceptSecurityContext: 0x8' | sed 's/.*: //') without reaching ntlmssp"
fi

echo "== 3. Wine's NTLM provider, ntlm_auth on PATH ($(command -v ntlm_auth || echo 'not installed'))"
wineserver -k || true
env NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" "$out/secur32_sspi.exe" \
  > "$out/secur32-2.txt" 2> "$out/secur32-2.err" || true
if grep -q '^ntlmssp: AcquireCredentialsHandleW' "$out/secur32-2.err"; then
  echo "with ntlm_auth present, secur32 still used ntlmssp for NTLM: $(tail -n 1 "$out/secur32-2.txt" | tr -d '\r')"
else
  if grep -q '^ok - handshake through secur32' "$out/secur32-2.txt"; then outcome="its handshake completed"; else outcome="its handshake did not complete (Wine's NTLM server side needs winbindd)"; fi
  echo "with ntlm_auth present, secur32 used Wine's own NTLM (msv1_0 + ntlm_auth; max token $(tr -d '\r' < "$out/secur32-2.txt" | sed -n 's/.*max token //p')): $outcome"
fi

[ "$fails" -eq 0 ] && echo "Windows checks passed" || { echo "$fails Windows check(s) failed"; exit 1; }
