#!/usr/bin/env bash
# Installs ntlmssp.dll into a Wine prefix (WINEPREFIX, default ~/.wine) so that secur32 uses it.
#   usage: scripts/wine-install.sh [--route lsa|providers] [DLL...]
#          scripts/wine-install.sh --uninstall
# DLL defaults to the x86_64 build; give the i686 build as well (either order) to serve 32-bit
# programs in a 64-bit prefix. Each DLL goes where Windows keeps system DLLs of its bitness
# (system32, or syswow64 for 32-bit DLLs in a 64-bit prefix).
# Routes:
#   lsa (default)  an LSA package: a subkey of HKLM\System\CurrentControlSet\Control\Lsa named
#                  C:/windows/system32/ntlmssp.dll. secur32 LoadLibraryW's each subkey's NAME in
#                  alphabetical order, so this one loads before MSV1_0 (Wine's own NTLM) and its
#                  "NTLM" (SpLsaModeInitialize) is the one secur32 and its Negotiate use, whether
#                  or not Samba's ntlm_auth is installed.
#   providers      a security provider: appended to the SecurityProviders value of
#                  HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders (InitSecurityInterfaceW)
#                  by windows/ntlmssp-providers.cmd, run with Wine's cmd and reg: the script that
#                  installs it on ReactOS and Windows (README, "Installing on ReactOS and Windows").
#                  Serves "NTLM" only while Wine's own NTLM is unavailable (no ntlm_auth on PATH),
#                  and then Wine 8's Negotiate, not Wine 10's (an LSA package, it looks for NTLM
#                  among LSA packages only); for hosts that load providers first (ReactOS).
# The DLL needs nothing else: functions newer than NT 5.2 (ProcessPrng, which Wine 8.0 lacks,
# among them) are looked up at first use and replaced where missing (windows/nt52.c).
# What was installed is recorded in the prefix (drive_c/windows/ntlmssp-install.txt), and
# --uninstall removes exactly that, restoring the prefix.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
route=lsa
uninstall=
dlls=()
while [ $# -gt 0 ]; do
  case $1 in
    --route) route=${2:?--route needs lsa or providers}; shift 2 ;;
    --route=*) route=${1#--route=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) dlls+=("$1"); shift ;;
  esac
done
case $route in lsa|providers) ;; *) echo "unknown route $route (lsa or providers)" >&2; exit 2 ;; esac
[ ${#dlls[@]} -gt 0 ] || dlls=("$root/target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll")
prefix=${WINEPREFIX:-$HOME/.wine}
export WINEPREFIX="$prefix" WINEDEBUG=${WINEDEBUG:--all}
record="$prefix/drive_c/windows/ntlmssp-install.txt"
lsa_key='HKLM\System\CurrentControlSet\Control\Lsa'
lsa_subkey='C:/windows/system32/ntlmssp.dll'
providers_key='HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders'

providers_value() {
  wine reg query "$providers_key" /v SecurityProviders 2>/dev/null | tr -d '\r' \
    | sed -n 's/^ *SecurityProviders *REG_SZ *//p' || true
}
# windows/ntlmssp-providers.cmd: beside this script where tests copy both, else in the tree.
providers_cmd=$(dirname "$0")/ntlmssp-providers.cmd
[ -f "$providers_cmd" ] || providers_cmd=$root/windows/ntlmssp-providers.cmd
# The script reports on standard output; Wine's own diagnostics (standard error) are dropped.
run_providers_cmd() {
  local out
  out=$(wine cmd /c "$(winepath -w "$providers_cmd" 2>/dev/null)" "$@" 2>/dev/null | tr -d '\r') \
    || { echo "$out" >&2; return 1; }
  echo "$out"
}

if [ -n "$uninstall" ]; then
  [ -f "$record" ] || { echo "nothing recorded in $record: ntlmssp is not installed in $prefix"; exit 0; }
  # The record is read on its own descriptor: wine reads standard input.
  while read -r kind what <&3; do
    case $kind in
      file) rm -f "$what" && echo "removed $what" ;;
      lsa) wine reg delete "$lsa_key\\$what" /f >/dev/null 2>&1 && echo "removed LSA package $lsa_key\\$what" ;;
      providers) run_providers_cmd /uninstall ;;
    esac
  done 3< "$record"
  rm -f "$record"
  wineserver -w
  echo "ntlmssp uninstalled from $prefix"
  exit 0
fi

wineboot -i >/dev/null 2>&1 || true   # creates the prefix when it does not exist yet
[ ! -f "$record" ] || { echo "ntlmssp is already installed in $prefix ($record): run --uninstall first" >&2; exit 1; }
win=$prefix/drive_c/windows

# The machine a PE file is built for: i386 or x86_64.
pe_machine() {
  local pe
  pe=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
  case $(od -An -tx2 -j$((pe + 4)) -N2 "$1" | tr -d ' ') in
    014c) echo i386 ;;
    8664) echo x86_64 ;;
    *) echo unknown ;;
  esac
}

: > "$record.new"
for dll in "${dlls[@]}"; do
  [ -f "$dll" ] || { echo "no $dll: run scripts/build-windows.sh first" >&2; rm -f "$record.new"; exit 1; }
  machine=$(pe_machine "$dll")
  case $machine in
    x86_64) [ -d "$win/syswow64" ] || { echo "$dll is 64-bit but $prefix is a 32-bit prefix" >&2; exit 1; }
            dir=$win/system32 ;;
    i386) if [ -d "$win/syswow64" ]; then dir=$win/syswow64; else dir=$win/system32; fi ;;
    *) echo "$dll is not an x86 or x86_64 DLL" >&2; exit 1 ;;
  esac
  cp "$dll" "$dir/ntlmssp.dll"
  echo "file $dir/ntlmssp.dll" >> "$record.new"
  echo "installed $dll ($machine) as $dir/ntlmssp.dll"
done

case $route in
  lsa)
    wine reg add "$lsa_key\\$lsa_subkey" /f >/dev/null
    echo "lsa $lsa_subkey" >> "$record.new"
    echo "route lsa: added $lsa_key\\$lsa_subkey (loads before MSV1_0): ntlmssp serves \"NTLM\" and, through Wine's Negotiate, \"Negotiate\", with or without ntlm_auth" ;;
  providers)
    # A refusal keeps the record of the copied DLLs, for --uninstall.
    refused() { mv "$record.new" "$record"; echo "$1; --uninstall removes the copied DLL" >&2; exit 1; }
    listed() { local v; v=$(providers_value); v=${v,,}; case ",${v// /}," in *,ntlmssp.dll,*) ;; *) return 1 ;; esac; }
    # An entry that was there before is not this install's to take away.
    listed && already=1 || already=
    run_providers_cmd | grep -v '^warning:' || refused "ntlmssp-providers.cmd changed nothing"
    value=$(providers_value)
    listed || refused "ntlmssp-providers.cmd left SecurityProviders as '$value'"
    [ -n "$already" ] || echo "providers" >> "$record.new"
    echo "route providers: SecurityProviders = $value: ntlmssp serves \"NTLM\" while Wine's own NTLM (msv1_0 + ntlm_auth) is unavailable (and Wine 8's Negotiate with it; Wine 10's Negotiate uses LSA packages only: prefer --route lsa)" ;;
esac
mv "$record.new" "$record"
wineserver -w
echo "ntlmssp installed in $prefix (undo: WINEPREFIX=$prefix $0 --uninstall)"
