#!/usr/bin/env bash
# The Wine half of tests/windows/run.sh, run where Wine is: on the host, or inside a chroot with
# another Wine (scripts/wine-chroot.sh), so it needs nothing but Wine and DIR, which holds the
# programs run.sh built, ntlmssp.dll, install/ (what wine-install.sh installs), the users file,
# wine-install.sh and ntlmssp-providers.cmd. Results go to stdout and DIR; the exit status is the
# number of failures.
#   usage: checks.sh DIR [native|nt52]
# nt52 runs everything with NTLMSSP_NT52_FALLBACKS=1: the DLL (and nt52.exe) treat every function
# newer than NT 5.2 as absent and run windows/nt52.c's fallbacks, as on ReactOS; each run that
# loads the DLL must say so on standard error. Outputs then end in -nt52.
# 0. nt52.exe: windows/nt52.c's thunks themselves (native where this Wine has the function, or
#    every fallback), the address waits under load;
# 1. direct use: the C harness and misuse checks (outputs kept for run.sh to compare with
#    Linux), loadlib.exe (LoadLibrary + GetProcAddress), handles.exe and panic/panic.exe where built
#    (i686: the full 16-bit handle table; a panic beside libgcc_s_dw2-1.dll);
# 2. secur32 (an ordinary -lsecur32 program), for each install route of scripts/wine-install.sh
#    (lsa, providers), with Samba's ntlm_auth off and on PATH, for the packages "NTLM" and
#    "Negotiate": whether the handshake, the client's name and sealed messages both ways went
#    through ntlmssp (its NTLMSSP_TRACE lines show each call). Required: every case of the lsa
#    route, and on the providers route "NTLM" without ntlm_auth (and "Negotiate" without it
#    before Wine 10); the rest is reported.
#    Wine's rpcrt4 with RPC_C_AUTHN_WINNT and no identity (rpc_auth.exe) acquires the calling
#    user's NTLM credentials through ntlmssp, with no user file.
#    --uninstall must then leave the prefix's registry as it was and ntlmssp unused.
set -uo pipefail
dir=$(cd "${1:?usage: checks.sh DIR [native|nt52]}" && pwd)
mode=${2:-native}
cd "$dir"
export WINEDEBUG=-all
sfx=
case $mode in
  native) unset NTLMSSP_NT52_FALLBACKS ;;
  nt52) export NTLMSSP_NT52_FALLBACKS=1; sfx=-nt52 ;;
  *) echo "unknown mode $mode (native or nt52)" >&2; exit 2 ;;
esac
nt52_line='^ntlmssp: NTLMSSP_NT52_FALLBACKS=1: '
# In nt52 mode a run that loaded the DLL must have announced the fallbacks on standard error.
forced_seen() {
  [ "$mode" = native ] || grep -q "$nt52_line" "$1" || { fail "$2: no sign of NTLMSSP_NT52_FALLBACKS on its standard error"; return 1; }
}
# gss-ntlmssp, when installed (the interop peer), is a GSSAPI mechanism that Wine's Kerberos
# package reaches through GSSAPI, and it answers NTLM tokens: Wine 8's Negotiate server would
# then take the Kerberos path before NTLM. An empty mechanism list keeps that host package out.
: > "$dir/no-gss-mechs.conf"
export GSS_MECH_CONFIG="$dir/no-gss-mechs.conf"
echo "# $(wine --version 2>/dev/null), ntlmssp.dll for $(od -An -tx2 -j$(( $(od -An -tu4 -j60 -N4 ntlmssp.dll) + 4 )) -N2 ntlmssp.dll | tr -d ' ' | sed 's/014c/i386/; s/8664/x86_64/')$([ "$mode" = nt52 ] && echo ", NTLMSSP_NT52_FALLBACKS=1: the NT 5.2 fallbacks")"
# By absolute path: some runs take ntlm_auth off PATH, and Wine's own directory with it.
wine=$(command -v wine)
fails=0
fail() { echo "not ok - $*"; fails=$((fails + 1)); }

new_prefix() {
  export WINEPREFIX="$dir/prefix-$1"
  rm -rf "$WINEPREFIX"
  wineboot -i >/dev/null 2>&1 || true
  wineserver -w
}

new_prefix direct
echo "== 0. windows/nt52.c"
wine nt52.exe 2> "nt52$sfx.err" | tr -d '\r' > "nt52$sfx.txt"
grep -v '^ok' "nt52$sfx.txt"
grep -q '^[0-9]* passed, 0 failed' "nt52$sfx.txt" || { fail "nt52.exe"; tail -n 5 "nt52$sfx.err"; }
[ "$mode" = native ] || grep -q "$nt52_line" "nt52$sfx.err" || fail "nt52.exe did not see NTLMSSP_NT52_FALLBACKS"

echo "== 1. direct use"
# Nothing beside the programs but ntlmssp.dll: on Wine 8 (no bcryptprimitives.dll) the DLL's
# ProcessPrng falls back to RtlGenRandom by itself.
[ -e "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ] \
  && echo "# this Wine has bcryptprimitives.dll" || echo "# this Wine lacks bcryptprimitives.dll (ProcessPrng)"
users_win=$(winepath -w "$dir/users" 2>/dev/null)
for prog in harness misuse; do
  wine "$prog.exe" 2> "$prog-wine$sfx.err" | tr -d '\r' > "$prog-wine$sfx.txt"
  echo "$prog.exe: $(tail -n 1 "$prog-wine$sfx.txt")"
  grep '^not ok' "$prog-wine$sfx.txt" && fails=$((fails + 1))
  grep -q '^[0-9]* passed, 0 failed' "$prog-wine$sfx.txt" || { fail "$prog.exe"; tail -n 5 "$prog-wine$sfx.err"; }
  forced_seen "$prog-wine$sfx.err" "$prog.exe"
done
NTLM_USER_FILE="$users_win" wine loadlib.exe 2> "loadlib$sfx.err" | tr -d '\r' > "loadlib$sfx.txt"
grep -v '^ok' "loadlib$sfx.txt"
grep -q '^0 failed' "loadlib$sfx.txt" || fail "loadlib.exe"
forced_seen "loadlib$sfx.err" loadlib.exe
if [ -e handles.exe ]; then
  wine handles.exe 2> "handles$sfx.err" | tr -d '\r' | tee "handles$sfx.txt" | grep -v '^ok'
  grep -q '^0 failed' "handles$sfx.txt" || fail "handles.exe"
  forced_seen "handles$sfx.err" handles.exe
fi
if [ -e panic/panic.exe ]; then
  # A process that has loaded libgcc's DWARF unwinder as a DLL (what 32-bit MinGW programs
  # built with -shared-libgcc do) still gets SEC_E_INTERNAL_ERROR from a panicking export.
  (cd panic && wine panic.exe 2> "../panic$sfx.err") | tr -d '\r' | tee "panic$sfx.txt"
  grep -q '^ok - panic' "panic$sfx.txt" && grep -q '^0 failed' "panic$sfx.txt" || fail "panic.exe"
  forced_seen "panic$sfx.err" panic.exe
fi
wineserver -k 2>/dev/null

# One secur32_sspi.exe run; classifies where it went.
secur32_case() {
  local route=$1 auth=$2 pkg=$3 required=$4 path log=$dir/secur32-$1-$2-$3$sfx
  if [ "$auth" = off ]; then path="$dir/bin"; else path=/usr/local/bin:/usr/bin:/bin; fi
  env PATH="$path" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" secur32_sspi.exe "$pkg" \
    2> "$log.err" | tr -d '\r' > "$log.txt"
  # The program's first line names the package it queried. With no output and no crash
  # reported, Wine failed to start the program (seen once on a loaded machine): that says
  # nothing of ntlmssp, so the case runs once more, and a second failure counts. A crash is
  # never retried.
  if ! grep -q '^# package' "$log.txt" && ! grep -qi 'unhandled\|exception\|abort' "$log.err"; then
    echo "# $route, ntlm_auth $auth, \"$pkg\": secur32_sspi.exe printed nothing (stderr: $(tail -n 2 "$log.err" | tr '\n' ' ')); once more"
    wineserver -k 2>/dev/null || true
    env PATH="$path" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" secur32_sspi.exe "$pkg" \
      2> "$log.err" | tr -d '\r' > "$log.txt"
  fi
  local calls
  if [ "$route" = lsa ]; then
    calls="SpInitLsaModeContext SpAcceptLsaModeContext SpQueryContextAttributes SpSealMessage SpUnsealMessage"
  else
    calls="InitializeSecurityContextW AcceptSecurityContext QueryContextAttributesW EncryptMessage DecryptMessage"
  fi
  local missing="" c
  for c in $calls; do
    grep -q "^ntlmssp: $c = 0x00000000" "$log.err" || missing="$missing $c"
  done
  local seals
  seals=$(grep -c "^ntlmssp: \(SpSealMessage\|EncryptMessage\) = 0x00000000" "$log.err")
  local what="route $route, ntlm_auth $auth, \"$pkg\""
  if grep -q '^0 failed' "$log.txt" && [ -z "$missing" ] && [ "$seals" -eq 2 ]; then
    echo "ok - $what: handshake, names and sealing both ways through ntlmssp ($(grep '^ntlmssp: ' "$log.err" | grep -vc NTLMSSP_NT52_FALLBACKS) traced calls)"
    forced_seen "$log.err" "$what"
  elif [ "$required" = required ]; then
    fail "$what: $(tail -n 1 "$log.txt"); ntlmssp calls missing:${missing:- none}"
    grep '^not ok\|^#' "$log.txt" | head -n 8
    grep -v '^ntlmssp: ' "$log.err" | tail -n 5 | sed 's/^/# stderr: /'
  else
    local served="Wine's own provider (ntlmssp got no context call)" outcome
    if grep -q '^ntlmssp: \(InitializeSecurityContextW\|AcceptSecurityContext\|SpInitLsaModeContext\|SpAcceptLsaModeContext\) ' "$log.err"; then
      served="ntlmssp in part"
    fi
    if grep -q '^ok - handshake through secur32' "$log.txt"; then outcome="completed"
    elif grep -q 'Unhandled exception' "$log.err"; then outcome="crashed in Wine"
    else outcome="did not complete"; fi
    echo "# reported - $what: served by $served; the handshake $outcome"
  fi
}

registry() {
  wine reg query 'HKLM\System\CurrentControlSet\Control\Lsa' /s 2>/dev/null | tr -d '\r'
  wine reg query 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders' /s 2>/dev/null | tr -d '\r'
}

mkdir -p "$dir/bin"
# Before Wine 10, Wine's Negotiate is part of secur32 and also finds providers' NTLM; since, it
# is an LSA package that looks for NTLM among LSA packages only.
wine_major=$("$wine" --version 2>/dev/null | sed -n 's/^wine-\([0-9]*\).*/\1/p')
wine_major=${wine_major:-0}
have_ntlm_auth=$(PATH=/usr/local/bin:/usr/bin:/bin command -v ntlm_auth || true)
for route in lsa providers; do
  echo "== 2. secur32, installed with scripts/wine-install.sh --route $route"
  new_prefix "$route"
  registry > "registry-$route-before$sfx.txt"
  bash ./wine-install.sh --route "$route" "$dir/install/ntlmssp.dll" | sed 's/^/# /'
  for auth in off on; do
    if [ "$auth" = on ] && [ -z "$have_ntlm_auth" ]; then
      echo "# ntlm_auth is not installed here: the 'on' cases are the 'off' ones"
      continue
    fi
    for pkg in NTLM Negotiate; do
      required=reported
      if [ "$route" = lsa ] || { [ "$auth" = off ] && { [ "$pkg" = NTLM ] || [ "$wine_major" -lt 10 ]; }; }; then
        required=required
      fi
      wineserver -k 2>/dev/null
      secur32_case "$route" "$auth" "$pkg" "$required"
    done
  done
  # Wine's rpcrt4 asking for NTLM with the calling user's credentials (RPC_C_AUTHN_WINNT, no
  # identity) acquires them at once: with no source of them (no NTLM_USER_FILE) that succeeds,
  # as on Windows.
  wineserver -k 2>/dev/null
  env -u NTLM_USER_FILE PATH="$dir/bin" NTLMSSP_TRACE=1 "$wine" rpc_auth.exe 2> "rpc-$route$sfx.err" | tr -d '\r' > "rpc-$route$sfx.txt"
  if grep -q '^0 failed' "rpc-$route$sfx.txt" && grep -q '^ntlmssp: \(Sp\)\{0,1\}AcquireCredentialsHandle\(W\)\{0,1\} = 0x00000000' "rpc-$route$sfx.err"; then
    echo "ok - route $route: RpcBindingSetAuthInfo(RPC_C_AUTHN_WINNT) without an identity or a user file succeeds through ntlmssp"
  else
    fail "route $route: rpc_auth.exe: $(grep '^not ok' "rpc-$route$sfx.txt" | head -n 3 | tr '\n' ' ')"
  fi
  wineserver -k 2>/dev/null
  bash ./wine-install.sh --uninstall | sed 's/^/# /'
  registry > "registry-$route-after$sfx.txt"
  if diff "registry-$route-before$sfx.txt" "registry-$route-after$sfx.txt"; then
    echo "ok - route $route: --uninstall restores the registry"
  else
    fail "route $route: registry differs after --uninstall"
  fi
  env PATH="$dir/bin" NTLM_USER_FILE="$users_win" NTLMSSP_TRACE=1 "$wine" secur32_sspi.exe NTLM 2> uninstalled.err > /dev/null
  if grep -q '^ntlmssp: ' uninstalled.err; then fail "route $route: ntlmssp still used after --uninstall"; else echo "ok - route $route: ntlmssp unused after --uninstall"; fi
  wineserver -k 2>/dev/null
  rm -rf "$WINEPREFIX"
done
echo "$fails failure(s) under $(wine --version 2>/dev/null)$([ "$mode" = nt52 ] && echo ", NT 5.2 fallbacks forced")"
exit "$fails"
