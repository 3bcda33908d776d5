#!/usr/bin/env bash
# Installs ntlmssp.dll into a Wine prefix as a security provider: copies it to system32 and adds
# it to HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders (value SecurityProviders), where
# secur32 looks for provider DLLs to load through InitSecurityInterfaceW/A.
#   usage: scripts/wine-install.sh [path/to/ntlmssp.dll]   (WINEPREFIX selects the prefix)
set -euo pipefail
cd "$(dirname "$0")/.."
dll=${1:-target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll}
prefix=${WINEPREFIX:-$HOME/.wine}
[ -f "$dll" ] || { echo "no $dll: run scripts/build-windows.sh first" >&2; exit 1; }
export WINEPREFIX="$prefix" WINEDEBUG=${WINEDEBUG:--all}
wineboot -i >/dev/null 2>&1 || true   # creates the prefix when it does not exist yet
sys32="$prefix/drive_c/windows/system32"
cp "$dll" "$sys32/ntlmssp.dll"
key='HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders'
current=$(wine reg query "$key" /v SecurityProviders 2>/dev/null | tr -d '\r' | awk '/SecurityProviders/ {print $3}' || true)
case ",${current// /}," in
  *,ntlmssp.dll,*) value=$current ;;
  ,,) value=ntlmssp.dll ;;
  *) value="$current, ntlmssp.dll" ;;
esac
wine reg add "$key" /v SecurityProviders /t REG_SZ /d "$value" /f >/dev/null
wineserver -w
echo "ntlmssp.dll installed in $prefix (SecurityProviders = $value)"
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
  echo "note: this Wine has no bcryptprimitives.dll (Wine 8), which Rust's std needs; newer Wine and Windows 10+ have it" >&2
fi
