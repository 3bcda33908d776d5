#!/usr/bin/env bash
# Wine's own secur32 conformance tests with ntlmssp.dll as Wine's NTLM provider.
#
# dlls/secur32/tests/{ntlm,negotiate,main,secur32}.c of the installed Wine's Debian source
# package record what Windows does (they pass on Windows). They are fetched from the Debian archive
# this machine's apt sources use (scripts/debian-mirror.sh; NTLMSSP_DEBIAN_MIRROR overrides it)
# with a private apt source list (the system's apt configuration is not touched), cached outside
# the clone by version (only those files and Wine's include/wine/{test,debug}.h are kept), built
# with mingw-w64 against its own headers, and run under Wine in fresh prefixes where
# scripts/wine-install.sh made ntlmssp.dll the NTLM provider (once per install route: an LSA
# package, the default, and a security provider), Samba's ntlm_auth is off PATH (so
# Wine's own NTLM is absent) and GSS_MECH_CONFIG=/dev/null hides the system's gss-ntlmssp plugin
# from Wine's Kerberos package. Each program must report 0 failures, log no heap warning
# (a block handed to the caller that is not from the process heap shows as "mismatching heap"
# when secur32 frees it), and the run with LM_COMPAT_LEVEL=2 must reach Windows' recorded sealing
# vectors (ntlm.c's "A different session key is being used" means it compared nothing).
# Then, as a reference only, the same programs with Wine's own NTLM (needs ntlm_auth).
#
# Every required run is made twice: as this Wine is, and with NTLMSSP_NT52_FALLBACKS=1, where the
# DLL replaces every function newer than NT 5.2 with windows/nt52.c's fallbacks (as on ReactOS).
# With --chroot NAME the sources are those of the Wine in that Debian chroot
# (scripts/wine-chroot.sh, e.g. trixie-amd64: Debian 13's Wine 10; bookworm-i386 for the i686
# DLL), the programs are still built on the host (for the DLL's architecture), and everything
# from the install on runs inside the chroot (this script's --run half, which needs nothing but
# Wine and DIR).
#
# usage: tests/windows/wine-conformance.sh [--chroot trixie-amd64|bookworm-i386] [ntlmssp.dll]
#        tests/windows/wine-conformance.sh --run DIR   (the Wine half, where Wine is)
#   NTLMSSP_CI_CACHE   cache root (default /var/cache/ntlmssp-ci, else ~/.cache/ntlmssp-ci)
#   NTLMSSP_WINDOWS_REQUIRE=1   a missing source package is a failure, not a skip
set -euo pipefail
tests=(ntlm negotiate main secur32)
chroot= run_dir=
while [ $# -gt 0 ]; do
  case $1 in
    --chroot) chroot=${2:?--chroot needs a name}; shift 2 ;;
    --run) run_dir=${2:?--run needs a directory}; shift 2 ;;
    *) break ;;
  esac
done

if [ -z "$run_dir" ]; then  # the host half: sources, build, then the Wine half here or in the chroot
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=$(cd "$root" && realpath "${1:-target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll}")
. "$root/scripts/debian-mirror.sh"
# The test programs are built for the DLL's architecture (its PE machine field).
case $(od -An -tx2 -j$(( $(od -An -tu4 -j60 -N4 "$dll") + 4 )) -N2 "$dll" | tr -d ' ') in
  014c) cc=i686-w64-mingw32-gcc ;;
  *) cc=x86_64-w64-mingw32-gcc ;;
esac

# --- the test sources, by the source version of the Wine that runs them ----------------------
if [ -n "$chroot" ]; then
  bash "$root/scripts/wine-chroot.sh" "$chroot" > /dev/null
  read -r version codename < <(bash "$root/scripts/wine-chroot.sh" "$chroot" run /tmp \
    sh -c '. /etc/os-release; echo "$(dpkg-query -W -f="\${source:Version}" wine) $VERSION_CODENAME"')
else
  version=$(dpkg-query -W -f='${source:Version}' wine)
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
fi
cache_root=${NTLMSSP_CI_CACHE:-/var/cache/ntlmssp-ci}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
  cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/ntlmssp-ci
  mkdir -p "$cache_root"
fi
src="$cache_root/wine-src-$version"

# In a subshell: its EXIT trap removes the download and apt's private lists.
fetch_sources() (
  set -euo pipefail
  work=$(mktemp -d "$cache_root/wine-src-fetch.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # Only the upstream tarball: Debian's patches leave dlls/secur32 and include/wine alone (checked
  # for 8.0~repack-4 and 10.0~repack-6).
  name=$(debian_source wine "$version" "$codename" "$work" '\.orig\.tar\.') || return 1
  mkdir -p "$work/x"
  tar -xf "$work/$name" -C "$work/x" --strip-components=1 --wildcards \
    '*/dlls/secur32/tests/*.c' '*/include/wine/test.h' '*/include/wine/debug.h' || return 1
  for t in "${tests[@]}"; do [ -f "$work/x/dlls/secur32/tests/$t.c" ] || return 1; done
  rm -rf "$src.new" && mv "$work/x" "$src.new" && mv "$src.new" "$src"
)

if [ ! -f "$src/include/wine/test.h" ]; then
  if ! fetch_sources; then
    if [ "${NTLMSSP_WINDOWS_REQUIRE:-}" = 1 ]; then
      echo "not ok - could not fetch Wine $version's source package from Debian's archive" >&2; exit 1
    fi
    echo "Wine conformance tests skipped: Wine $version's source package could not be fetched"; exit 0
  fi
fi
echo "== Wine $version's secur32 tests ($src)${chroot:+, run in the $chroot chroot}"

# --- build ----------------------------------------------------------------------------------------
out=$(mktemp -d /tmp/ntlmssp-wineconf.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT
# _WIN32_WINNT 0x0502: the SECURITY_LOGON_SESSION_DATA main.c checks is the 136-byte layout
# Wine implements (Vista's longer one is what mingw-w64 declares for 0x0600 and later).
# Wine 10's wine/debug.h marks its functions DECLSPEC_EXPORT (Wine's winnt.h, not mingw-w64's;
# winetest_support.c defines the one used) and negotiate.c uses debugstr_w, which that header
# declares only for Wine's own build (__WINESRC__); wine_dbgstr_w is its portable name.
for t in "${tests[@]}"; do
  $cc -D_WIN32_WINNT=0x0502 -DDECLSPEC_EXPORT= -Ddebugstr_w=wine_dbgstr_w -DSTANDALONE \
    -include windows.h -I"$src/include" -w \
    "$src/dlls/secur32/tests/$t.c" "$root/tests/windows/winetest_support.c" -o "$out/$t.exe" \
    -lsecur32 -lcrypt32 -ladvapi32 -lws2_32 -lntdll
done

# What the Wine half needs: the DLL and the scripts.
mkdir -p "$out/install"
cp "$dll" "$out/install/ntlmssp.dll"
cp "$root/scripts/wine-install.sh" "$root/windows/ntlmssp-providers.cmd" "$0" "$out/"
status=0
if [ -z "$chroot" ]; then
  bash "$out/$(basename "$0")" --run "$out" || status=$?
else
  bash "$root/scripts/wine-chroot.sh" "$chroot" run "$out" bash "/work/$(basename "$0")" --run /work || status=$?
fi
exit "$status"
fi  # the host half

# --- run (where Wine is) -----------------------------------------------------------------------
out=$(cd "$run_dir" && pwd)
wine=$(command -v wine)
echo "# $(wine --version 2>/dev/null)"
cleanup() {
  local p
  for p in "$out"/prefix-*; do
    if [ -d "$p" ]; then WINEPREFIX="$p" wineserver -k 2>/dev/null || true; fi
  done
}
trap cleanup EXIT
# The tests' own identity, also the default credentials (test_null_auth_data) and the server's
# user database.
printf 'WORKGROUP:testuser:testpass\n' > "$out/users"
mkdir -p "$out/nobin"
fails=0

# run_one LABEL TEST [VAR=VALUE...]: runs TEST.exe in $WINEPREFIX, prints its summary and failed
# checks; sets $executed, $failed and $heap_warnings.
run_one() {
  local label=$1 t=$2 log summary
  shift 2
  log="$out/$label-$t"
  (cd "$out" && timeout 600 env "$@" GSS_MECH_CONFIG=/dev/null WINEDEBUG=-all,err+heap,warn+heap \
    "$wine" "$t.exe") > "$log.raw" 2> "$log.err" || true
  tr -d '\r' < "$log.raw" > "$log.txt"
  summary=$(grep -E "^[0-9a-f]+:$t:.* tests executed \(" "$log.txt" | tail -n 1 || true)
  heap_warnings=$(grep -c ':heap:' "$log.err" || true)
  if [ -z "$summary" ]; then
    executed=0 failed=1
    echo "$t.c: no test summary (the program did not finish):"
    grep -E 'Test failed|nhandled|exception' "$log.txt" | head -n 20 | sed 's/^/  /'
    return
  fi
  executed=$(sed -E 's/.* ([0-9]+) tests executed.*/\1/' <<<"$summary")
  failed=$(sed -E 's/.* ([0-9]+) failures?\).*/\1/' <<<"$summary")
  echo "$t.c: $executed checks, $failed failed, $heap_warnings heap warnings (Wine's summary:$(sed -E 's/.*tests executed//' <<<"$summary"))"
  grep -E 'Test failed|Test succeeded inside todo block|Test marked flaky' "$log.txt" | sed 's/^/  /' || true
  if [ "$heap_warnings" -gt 0 ]; then
    sed -E 's/^[0-9a-f]+://' "$log.err" | grep ':heap:' | sed -E 's/[0-9A-F]{8,16}/…/g' | sort | uniq -c | sed 's/^/  /'
  fi
}

# Each install route of scripts/wine-install.sh (an LSA package, the default, or a security
# provider) in its own fresh prefix, set up by wineboot before the install (as in
# tests/windows/checks.sh); each run is made as this Wine is and again with the NT 5.2 fallbacks
# (NTLMSSP_NT52_FALLBACKS=1, which the DLL then announces on standard error).
# ntlm.c and negotiate.c run as on Windows (WINETEST_PLATFORM=windows): their todo_wine marks
# (Wine 10's ntlm.c has some, for its own NTLM client's last status) are gaps of Wine's own NTLM,
# which ntlmssp replaces, so Windows' record applies in full. main.c and secur32.c test Wine's
# secur32 itself and keep Wine's marks.
# Since Wine 10, Negotiate is an LSA package that finds NTLM among LSA packages only, so on the
# providers route negotiate.c is reported, not required (as in tests/windows/checks.sh).
export WINEDEBUG=-all
users_win="Z:${out//\//\\}\\users"   # Wine's Z: drive is the Unix root
wine_major=$("$wine" --version 2>/dev/null | sed -n 's/^wine-\([0-9]*\).*/\1/p')
wine_major=${wine_major:-0}
for route in lsa providers; do
  export WINEPREFIX="$out/prefix-$route"
  wineboot -i > /dev/null 2>&1 || true
  wineserver -w
  bash "$out/wine-install.sh" --route "$route" "$out/install/ntlmssp.dll" > "$out/install-$route.txt" 2>&1 \
    || { cat "$out/install-$route.txt"; echo "not ok - wine-install.sh --route $route"; fails=$((fails + 1)); continue; }
  wineserver -k || true
  for mode in native nt52; do
    for lmcompat in default 2; do
      extra=()
      [ "$lmcompat" = default ] || extra=(LM_COMPAT_LEVEL="$lmcompat")
      label="$route-lm$lmcompat"
      if [ "$mode" = nt52 ]; then
        echo "== ntlmssp.dll as Wine's NTLM (route $route), ntlm_auth off PATH, LM_COMPAT_LEVEL=$lmcompat, NT 5.2 fallbacks (NTLMSSP_NT52_FALLBACKS=1)"
        extra+=(NTLMSSP_NT52_FALLBACKS=1)
        label="$label-nt52"
      else
        echo "== ntlmssp.dll as Wine's NTLM (route $route), ntlm_auth off PATH, LM_COMPAT_LEVEL=$lmcompat"
      fi
      total=0 total_failed=0
      for t in "${tests[@]}"; do
        platform=()
        case $t in ntlm|negotiate) platform=(WINETEST_PLATFORM=windows) ;; esac
        run_one "$label" "$t" PATH="$out/nobin" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "${platform[@]}" "${extra[@]}"
        if [ "$t" = negotiate ] && [ "$route" = providers ] && [ "$wine_major" -ge 10 ]; then
          echo "  (reported only: Wine $wine_major's Negotiate does not use providers' NTLM)"
          continue
        fi
        total=$((total + executed)) total_failed=$((total_failed + failed))
        [ "$failed" -eq 0 ] || fails=$((fails + 1))
        [ "$heap_warnings" -eq 0 ] || { echo "not ok - $t.exe: Wine logged $heap_warnings heap warnings (buffers not from the process heap)"; fails=$((fails + 1)); }
        # ntlmssp's trace shows the server contexts ran in it (not in some other NTLM).
        case $t in ntlm|negotiate)
          grep -Eq '^ntlmssp: (AcceptSecurityContext|SpAcceptLsaModeContext) ' "$out/$label-$t.err" \
            || { echo "not ok - $t.exe accepted no context through ntlmssp (NTLMSSP_TRACE)"; fails=$((fails + 1)); }
          if [ "$mode" = nt52 ] && ! grep -q '^ntlmssp: NTLMSSP_NT52_FALLBACKS=1: ' "$out/$label-$t.err"; then
            echo "not ok - $t.exe: the DLL did not announce the NT 5.2 fallbacks"; fails=$((fails + 1))
          fi ;;
        esac
        if [ "$t" = ntlm ] && [ "$lmcompat" = 2 ] && grep -q 'A different session key is being used' "$out/$label-$t.txt"; then
          echo "not ok - ntlm.c did not reach Windows' recorded sealing vectors ($(grep -m1 'A different session key' "$out/$label-$t.txt"))"
          fails=$((fails + 1))
        fi
      done
      echo "total (required): $total checks, $total_failed failures"
    done
  done
  wineserver -k || true
done

# Reference: the same programs with Wine's own NTLM (msv1_0 + ntlm_auth); reported, never required.
if command -v ntlm_auth >/dev/null; then
  echo "== reference: Wine's own NTLM (ntlm_auth on PATH), not a requirement"
  export WINEPREFIX="$out/prefix-wine"
  wineboot -i >/dev/null 2>&1 || true
  total=0 total_failed=0
  for t in "${tests[@]}"; do
    run_one reference "$t"
    total=$((total + executed)) total_failed=$((total_failed + failed))
  done
  echo "total: $total checks, $total_failed failures"
  wineserver -k || true
else
  echo "== reference with Wine's own NTLM skipped: no ntlm_auth (apt-get install winbind)"
fi

[ "$fails" -eq 0 ] && echo "Wine conformance checks passed" || { echo "$fails Wine conformance check(s) failed"; exit 1; }
