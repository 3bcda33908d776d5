#!/usr/bin/env bash
# curl.exe under Wine with ntlmssp.dll as its SSPI, logging a domain user in to an HTTP server
# that authenticates with libntlmssp.so's domain route (tests/domain/check.sh runs it).
#
# curl's Windows build (scripts/curl-mingw.sh: Debian's curl source, mingw-w64, SSPI) asks
# secur32 for "NTLM" (--ntlm) and "Negotiate" (--negotiate); in a fresh Wine prefix where
# scripts/wine-install.sh installed ntlmssp.dll (LSA route) those are ntlmssp's. The server,
# tests/domain/http_server.py on loopback inside the test domain (tests/domain/run.sh), hands each
# connection's tokens to sspi_peer's server side without a user file: the DC decides. Checked,
# for NTLM and Negotiate: EXAMPLE\alice with her password is let in and named as the DC spells
# her; a wrong password and a disabled account get 401; default credentials (`-u :`, NULL
# pAuthData) come from NTLM_USER_FILE, the DLL's only source of them under Wine (winbind's
# credential cache belongs to the Linux side), and without it curl gets no 200. ntlmssp's trace
# (NTLMSSP_TRACE) must show its LSA-mode client serving curl. Under Wine 8, "Negotiate" is Wine's
# SPNEGO over ntlmssp's NTLM (secur32's own Negotiate looks NTLM up among the LSA packages).
#
# usage: tests/domain/curl.sh LIBDIR DLL   (root; Wine, mingw-w64 and the test domain's packages)
#        tests/domain/curl.sh --inside DIR CURL_EXE   (tests/domain/run.sh's half)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" != --inside ]; then
  libdir=$(cd "${1:?usage: curl.sh LIBDIR DLL}" && pwd)
  dll=$(realpath "${2:?usage: curl.sh LIBDIR DLL}")
  curl_exe=$(bash "$root/scripts/curl-mingw.sh")
  out=$(mktemp -d /tmp/ntlmssp-curl.XXXXXX)
  trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT
  bash "$root/tests/interop/build.sh" "$libdir" "$out"
  cp "$dll" "$out/ntlmssp.dll"
  echo "# $(basename "$(dirname "$curl_exe")"), $(wine --version 2>/dev/null)"
  bash "$root/tests/domain/run.sh" bash "$0" --inside "$out" "$curl_exe"
  exit
fi

# Inside the domain's namespaces.
out=$2 curl_exe=$3
export WINEPREFIX=$out/prefix WINEDEBUG=-all
# gss-ntlmssp (an interop peer on this host) would otherwise be reached by Wine's Kerberos package.
: > "$out/no-gss-mechs.conf"
export GSS_MECH_CONFIG=$out/no-gss-mechs.conf
wineboot -i > /dev/null 2>&1 || true
wineserver -w
bash "$root/scripts/wine-install.sh" --route lsa "$out/ntlmssp.dll" | sed 's/^/# /'
printf 'EXAMPLE:alice:Secret123\n' > "$out/users"
users_win="Z:${out//\//\\}\\users"

python3 "$root/tests/domain/http_server.py" "$out/sspi_peer" > "$out/server.out" 2> "$out/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wineserver -k 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^port ' "$out/server.out" && break; sleep 0.1; done
port=$(awk '/^port / {print $2}' "$out/server.out")
[ -n "$port" ] || { cat "$out/server.err"; echo "not ok - the HTTP server did not start"; exit 1; }
url="http://127.0.0.1:$port/"

fails=0 checks=0
# run_curl CASE EXPECTED_CODE EXPECTED_BODY EXPECTED_TRACE CURL_ARGS... [-- ENV...]: the HTTP
# code curl reports (000: it sent nothing), the body, and a line of ntlmssp's trace that must
# appear (its LSA-mode client answering SEC_E_OK or another status).
run_curl() {
  local case=$1 want_code=$2 want_body=$3 want_trace=$4 code body log
  shift 4
  local args=() envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -eq 0 ] || { shift; envs=("$@"); }
  log=$out/curl-$checks
  code=$(cd "$out" && env "${envs[@]}" NTLMSSP_TRACE=1 timeout 120 wine "$curl_exe" -s -o body.txt \
    -w '%{http_code}' "${args[@]}" "$url" 2> "$log.err" | tr -d '\r') || true
  body=$(tr -d '\r' 2>/dev/null < "$out/body.txt" || true)
  rm -f "$out/body.txt"
  checks=$((checks + 1))
  local served=""
  grep -q "^ntlmssp: SpInitLsaModeContext = $want_trace" "$log.err" && served=", ntlmssp's client: $want_trace"
  if [ "$code" = "$want_code" ] && [[ "$body" == *"$want_body"* ]] && [ -n "$served" ]; then
    echo "ok - curl.exe $case: HTTP $code${body:+, $body}$served"
  else
    echo "not ok - curl.exe $case: HTTP $code (want $want_code), body '$body'${served:-, no ntlmssp client call returned $want_trace}"
    grep '^ntlmssp: Sp\(Init\|Acquire\)' "$log.err" | head -5 || true
    fails=$((fails + 1))
  fi
}

ok=0x00000000 no_credentials=0x8009030e
for scheme in ntlm negotiate; do
  run_curl "--$scheme -u EXAMPLE\\alice:<password>" 200 'authenticated as EXAMPLE\alice' $ok --$scheme -u 'EXAMPLE\alice:Secret123'
  run_curl "--$scheme -u example\\ALICE:<password>" 200 'authenticated as EXAMPLE\alice' $ok --$scheme -u 'example\ALICE:Secret123'
  run_curl "--$scheme, wrong password" 401 'refused: 0x8009030c' $ok --$scheme -u 'EXAMPLE\alice:Secret124'
  run_curl "--$scheme, disabled account" 401 'refused: 0x8009030c' $ok --$scheme -u 'EXAMPLE\disabled:Secret123'
  run_curl "--$scheme -u : (default credentials from NTLM_USER_FILE)" 200 'authenticated as EXAMPLE\alice' $ok \
    --$scheme -u : -- NTLM_USER_FILE="$users_win"
  # No source has the calling user's secret: the credential is acquired, the first
  # InitializeSecurityContext says SEC_E_NO_CREDENTIALS, and curl stops: with --ntlm before its
  # first request (it sends the NEGOTIATE at once), with --negotiate at the server's 401.
  [ $scheme = ntlm ] && unauthenticated=000 || unauthenticated=401
  run_curl "--$scheme -u : without a source of default credentials" $unauthenticated '' $no_credentials --$scheme -u :
done
echo "# the server's side: $(grep -c ' 200 ' "$out/server.err" || true) requests answered 200, $(grep -c ' 401 ' "$out/server.err" || true) 401"
echo "$((checks - fails))/$checks curl.exe checks passed"
[ "$fails" -eq 0 ]
