#!/usr/bin/env bash
# ntlmssp.dll under Wine. Builds the test programs with mingw-w64 for the DLL's target, then runs
# tests/windows/checks.sh (direct use, and secur32 through each install route, package and
# ntlm_auth setting) with the host's Wine, or with the Wine of a Debian chroot made by
# scripts/wine-chroot.sh, twice: as this Wine is, and with NTLMSSP_NT52_FALLBACKS=1 (every
# function newer than NT 5.2 replaced by windows/nt52.c's fallbacks, as on ReactOS); compares the
# C harness and misuse results of both runs with Linux.
#   usage: tests/windows/run.sh [--target x86_64-pc-windows-gnu|i686-pc-windows-gnu]
#                               [--chroot bookworm-i386|trixie-amd64] [ntlmssp.dll]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=x86_64-pc-windows-gnu
chroot=
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --chroot) chroot=$2; shift 2 ;;
    *) break ;;
  esac
done
case $target in
  x86_64-pc-windows-gnu) triple=x86_64-w64-mingw32 ;;
  i686-pc-windows-gnu) triple=i686-w64-mingw32 ;;
  *) echo "unsupported target $target" >&2; exit 2 ;;
esac
build="$root/target/windows/$target/release"
dll=$(realpath "${1:-$build/ntlmssp.dll}")
out=$(mktemp -d /tmp/ntlmssp-wine.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT
cc=$triple-gcc
cflags="-std=c99 -Wall -Wextra -Werror"

# The import library build-windows.sh wrote beside the DLL (stdcall-decorated on i686: the test
# programs link with it as any 32-bit C caller would).
$cc $cflags -I"$root/include" "$root/tests/c/harness.c" -o "$out/harness.exe" -L"$(dirname "$dll")" -l:libntlmssp.dll.a
$cc $cflags -I"$root/include" "$root/tests/c/misuse.c" -o "$out/misuse.exe" -L"$(dirname "$dll")" -l:libntlmssp.dll.a
$cc $cflags -I"$root/include" "$root/tests/windows/loadlib.c" -o "$out/loadlib.exe"
$cc $cflags "$root/tests/windows/secur32_sspi.c" -o "$out/secur32_sspi.exe" -lsecur32
$cc $cflags "$root/tests/windows/rpc_auth.c" -o "$out/rpc_auth.exe" -lrpcrt4 -lsecur32
# windows/nt52.c compiled as build.rs compiles it, into its own test program.
$cc -std=gnu11 -O2 -Wall -Wextra -Werror -D_WIN32_WINNT=0x0502 "$root/tests/windows/nt52.c" -o "$out/nt52.exe" \
  -lws2_32 -ladvapi32 -lntdll
if [ "$target" = i686-pc-windows-gnu ]; then
  # 32-bit handles have 16 slot bits: the full table.
  $cc $cflags -I"$root/include" "$root/tests/windows/handles.c" -o "$out/handles.exe" -L"$(dirname "$dll")" -l:libntlmssp.dll.a
fi
if [ "$target" = i686-pc-windows-gnu ] && [ -e "$build/panic-test/ntlmssp.dll" ]; then
  # The panic boundary beside libgcc's shared DWARF unwinder, with the DLL built with the
  # panic-test feature (scripts/build-windows.sh --panic-test) in a directory of its own.
  mkdir -p "$out/panic"
  $cc $cflags -I"$root/include" "$root/tests/windows/panic.c" -o "$out/panic/panic.exe"
  cp "$build/panic-test/ntlmssp.dll" "$(dirname "$($cc -print-libgcc-file-name)")/libgcc_s_dw2-1.dll" "$out/panic/"
elif [ "$target" = i686-pc-windows-gnu ]; then
  echo "# no $build/panic-test/ntlmssp.dll (scripts/build-windows.sh --target $target --panic-test): panic check not run"
fi
cp "$dll" "$out/ntlmssp.dll"
# What wine-install.sh installs: the DLL alone.
mkdir -p "$out/install"
cp "$dll" "$out/install/"
cp "$root/scripts/wine-install.sh" "$root/windows/ntlmssp-providers.cmd" "$root/tests/windows/checks.sh" "$out/"
printf 'EXAMPLE:alice:Secret123\nDOMAIN:alice:Secret123\n' > "$out/users"

fails=0
[ -z "$chroot" ] || echo "# Wine of the $chroot chroot ($(bash "$root/scripts/wine-chroot.sh" "$chroot"))"
for mode in native nt52; do
  status=0
  if [ -z "$chroot" ]; then
    bash "$out/checks.sh" "$out" "$mode" || status=$?
  else
    bash "$root/scripts/wine-chroot.sh" "$chroot" run "$out" bash /work/checks.sh /work "$mode" || status=$?
  fi
  fails=$((fails + status))
done

# The same C programs as on Linux, with the same checks and results, in both modes.
if [ -e "$root/target/release/libntlmssp.so" ]; then
  for prog in harness misuse; do
    gcc $cflags -D_GNU_SOURCE -I"$root/include" "$root/tests/c/$prog.c" -o "$out/$prog-linux" \
      -L"$root/target/release" -lntlmssp -ldl -Wl,-rpath,"$root/target/release"
    "$out/$prog-linux" > "$out/$prog-linux.txt" || true
    for sfx in "" -nt52; do
      if diff <(sed 's/ (.*//' "$out/$prog-linux.txt") <(sed 's/ (.*//' "$out/$prog-wine$sfx.txt"); then
        echo "ok - $prog.exe${sfx:+ (NT 5.2 fallbacks)}: same checks and results as on Linux ($(tail -n 1 "$out/$prog-linux.txt"))"
      else
        echo "not ok - $prog under Wine${sfx:+ with the NT 5.2 fallbacks} differs from Linux (above)"; fails=$((fails + 1))
      fi
    done
  done
fi
[ "$fails" -eq 0 ] && echo "Windows checks passed ($target${chroot:+, $chroot})" || { echo "$fails Windows check(s) failed ($target${chroot:+, $chroot})"; exit 1; }
