#!/usr/bin/env bash
# FreeRDP 2's shadow server with NLA and ntlmssp as its SSPI module decides real RDP logins:
# `xfreerdp /auth-only` over 127.0.0.1 succeeds for a user known only to NTLM_USER_FILE and
# fails for a wrong password, and ntlmssp's trace shows its AcceptSecurityContext deciding.
#
# WinPR reads the module's path from its registry file /etc/winpr/HKLM.reg
# (HKLM\Software\FreeRDP\FreeRDP\Server\SspiModule). The machine's /etc is left untouched: the
# server runs in a private mount namespace with an overlay over /etc that holds that file. Xvfb
# gets its own socket directory (a tmpfs over /tmp/.X11-unix) and, with the RDP port, its own
# network namespace (X clients try the abstract socket @/tmp/.X11-unix/XN first): whatever X
# servers or sockets the machine has, the shadow server and the client can only reach ours.
#
# Usage: tests/freerdp/run.sh [library dir]; skipped without FreeRDP unless
# NTLMSSP_INTEROP_REQUIRE=1 (apt-get install freerdp2-shadow-x11 freerdp2-x11 xvfb iproute2).
set -euo pipefail
libdir=$(cd "${1:-target/release}" && pwd)
lib="$libdir/libntlmssp.so"
if ! command -v freerdp-shadow-cli >/dev/null || ! command -v xfreerdp >/dev/null || ! command -v Xvfb >/dev/null \
   || ! command -v ip >/dev/null; then
  if [ "${NTLMSSP_INTEROP_REQUIRE:-}" = 1 ]; then
    echo "FreeRDP check required but freerdp2-shadow-x11, freerdp2-x11, xvfb or iproute2 is missing" >&2
    exit 1
  fi
  echo "FreeRDP check skipped: apt-get install freerdp2-shadow-x11 freerdp2-x11 xvfb iproute2"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "FreeRDP check skipped: needs root for its private namespaces" >&2
  [ "${NTLMSSP_INTEROP_REQUIRE:-}" = 1 ] && exit 1
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/upper" "$work/ovl" "$work/home"
printf 'EXAMPLE:rdpuser:Rdp-Pass-1\n' > "$work/users"
cat > "$work/HKLM.reg" <<REG
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\\Software\\FreeRDP\\FreeRDP\\Server]
"SspiModule"=str:"$lib"
REG

cat > "$work/inside.sh" <<'INSIDE'
set -euo pipefail
work=$1
ip link set lo up
[ -d /tmp/.X11-unix ] || mkdir -m 1777 /tmp/.X11-unix
mount -t tmpfs -o mode=1777 tmpfs /tmp/.X11-unix
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/upper,workdir=$work/ovl" /etc
mkdir -p /etc/winpr
cp "$work/HKLM.reg" /etc/winpr/HKLM.reg
export HOME=$work/home
# Xvfb picks a free display itself and writes its number once it accepts connections (a
# display chosen here could be taken, or its lock file left behind by an earlier run).
Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
xvfb=$!
port=$((34000 + RANDOM % 2000))
# Xvfb can take seconds to listen on a loaded machine.
for _ in $(seq 300); do [ -s "$work/display" ] && break; sleep 0.1; done
display=:$(tr -dc 0-9 < "$work/display")
[ "$display" != : ] || { cat "$work/xvfb.log" >&2; echo "Xvfb did not start" >&2; exit 1; }
# The shadow server's first connection to a just-started Xvfb sometimes fails ("failed to open
# display", about one start in three here) and the server exits before it listens: a start that
# never listens is made again, up to three times, each failed start's log kept.
for attempt in 1 2 3; do
  DISPLAY=$display NTLM_USER_FILE=$work/users NTLMSSP_TRACE=1 NTLMSSP_IMPERSONATE=noop \
    freerdp-shadow-cli /port:$port /bind-address:127.0.0.1 /sec:nla >"$work/server.log" 2>&1 &
  server=$!
  listening=
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { listening=1; break; }
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$listening" ] && break
  echo "# shadow server start $attempt did not listen:" $(tail -n 2 "$work/server.log")
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  sleep 1
done
login() {
  DISPLAY=$display timeout 30 xfreerdp /v:127.0.0.1:$port /u:"$1" /d:"$2" /p:"$3" /auth-only /cert:ignore /sec:nla \
    >"$work/client-$1-$3.log" 2>&1
}
status=0
fail() { echo "not ok - $1"; status=1; }
if login rdpuser EXAMPLE Rdp-Pass-1; then echo "ok - a user known only to NTLM_USER_FILE logs in"; else fail "a user known only to NTLM_USER_FILE logs in"; fi
if login rdpuser EXAMPLE wrong-password; then fail "a wrong password is refused"; else echo "ok - a wrong password is refused"; fi
if login nobody EXAMPLE Rdp-Pass-1; then fail "an unknown user is refused"; else echo "ok - an unknown user is refused"; fi
# FreeRDP asks for "Negotiate" (and its client sends raw NTLM in it): the package the trace names.
if grep -q 'ntlmssp: AcceptSecurityContext = 0x00000000 (Negotiate)' "$work/server.log"; then
  echo "ok - FreeRDP's NLA ran on ntlmssp's Negotiate package"
else
  fail "FreeRDP's NLA ran on ntlmssp's Negotiate package"
fi
decided=$(grep -c 'ntlmssp: AcceptSecurityContext = 0x00000000' "$work/server.log" || true)
denied=$(grep -c 'ntlmssp: AcceptSecurityContext = 0x8009030c' "$work/server.log" || true)
if [ "$decided" -ge 1 ] && [ "$denied" -ge 2 ]; then
  echo "ok - ntlmssp's AcceptSecurityContext decided ($decided accepted, $denied refused)"
else
  fail "ntlmssp's AcceptSecurityContext decided (trace: $decided accepted, $denied refused)"
fi
kill "$server" "$xvfb" 2>/dev/null || true
wait 2>/dev/null || true
if [ "$status" != 0 ]; then
  echo "--- server log (tail)"; tail -n 30 "$work/server.log"
  echo "--- client log (tail)"; tail -n 15 "$work/client-rdpuser-Rdp-Pass-1.log"
  echo "--- Xvfb log (tail)"; tail -n 15 "$work/xvfb.log"
fi
exit $status
INSIDE

unshare -m -n --propagation private bash "$work/inside.sh" "$work"
