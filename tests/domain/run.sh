#!/usr/bin/env bash
# Runs a command on a member of the test domain (tests/domain/provision.sh): the DC of EXAMPLE
# ("DC1", `samba -i -M single`) and a member server ("MEMBER1", joined to it at provisioning)
# whose winbindd verifies logons by NETLOGON pass-through to the DC, as on any domain member.
# The command sees the member's winbindd at libwbclient's compiled-in socket; the DC runs in a
# mount namespace of its own, where its own winbindd (which its file server needs) has that path.
# Both talk over loopback.
#
# Nothing of the machine's configuration or the cache changes, and nothing outlives the run:
#   - a private mount namespace with tmpfs over /run/samba (libwbclient's socket directory, so
#     the command reaches this member's winbindd and no other), /var/lib/samba, /var/cache/samba
#     and /var/log/samba (defaults some Samba programs touch before they read their
#     configuration), and the domain's own hosts file over /etc/hosts (dc1.example.test);
#   - the cached directory is copied and the copy bind-mounted over it (the configurations hold
#     absolute paths), so bad-password counts and lockouts of one run stay in that run;
#   - a private PID namespace: when the run ends, every process it started ends with it.
#
# usage: run.sh COMMAND [ARGS...]   (root; the exit status is COMMAND's)
# The command gets:
#   NTLMSSP_DC_DIR      the domain's directory (etc/smb.conf: the DC; member/etc/smb.conf: the
#                       member; log/, member/log/)
#   NTLMSSP_MEMBER_CONF the member's smb.conf (for ntlm_auth and other Samba clients)
#   NTLMSSP_DC          a command: "$NTLMSSP_DC" ACTION, ACTION one of
#                         stop | start       the DC (the member's winbindd keeps running: the DC
#                                            is unreachable); start waits until the member
#                                            reaches it again
#                         freeze | thaw      SIGSTOP / SIGCONT the DC: it holds its sockets but
#                                            answers nothing
#                         member-stop | member-start   the member's winbindd (no winbindd at all)
#                         status
#   NTLMSSP_DC_READY_SECONDS, NTLMSSP_MEMBER_READY_SECONDS  how long the first starts took
# NTLMSSP_DC_OPTIONS, if set when the DC starts, is passed to samba as one --option (e.g.
# 'ntlm auth = yes').
#
# run.sh --setup DIR COMMAND... runs COMMAND next to the DC of DIR itself, without a member or a
# copy (provision.sh joins the member that way).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

log() { echo "run.sh: $*" >&2; }

# The run's state lives in $NTLMSSP_DC_STATE: dir, dc.pid, member.pid (each the id of its own
# session and process group).
state() { cat "$NTLMSSP_DC_STATE/$1" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# Every process of the session a start made (samba forks smbd, winbindd and helpers).
session() { ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

stop_session() {
  local leader=$1 i
  alive "$leader" || return 0
  kill -CONT $(session "$leader") 2>/dev/null || true
  kill -TERM $(session "$leader") 2>/dev/null || true
  for i in $(seq 100); do
    [ -n "$(session "$leader")" ] || return 0
    sleep 0.1
  done
  kill -KILL $(session "$leader") 2>/dev/null || true
}

wait_for() {
  local what=$1 seconds=$2 i
  shift 2
  for i in $(seq $((seconds * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "$what did not come up within $seconds s"
  return 1
}

elapsed() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$(date +%s.%N)"; }

dc_start() {
  local dir pid start opts=()
  dir=$(state dir)
  alive "$(state dc.pid)" && return 0
  [ -z "${NTLMSSP_DC_OPTIONS:-}" ] || opts=("--option=$NTLMSSP_DC_OPTIONS")
  start=$(date +%s.%N)
  # The DC's own mount namespace, whose /run/samba holds its winbindd's socket. setsid: its
  # processes form one session, stopped together.
  setsid unshare -m --propagation private -- sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run/samba && exec "$@"' \
    sh samba -s "$dir/etc/smb.conf" -i -M single "${opts[@]}" >>"$dir/log/samba.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$NTLMSSP_DC_STATE/dc.pid"
  # Ready: the DC's winbindd reaches the DC's NETLOGON (which needs its RPC server), and the file
  # server (which a join needs) listens.
  wait_for "the DC" 120 dc_ready "$pid" || { tail -20 "$dir/log/samba.out" >&2; return 1; }
  elapsed "$start" > "$NTLMSSP_DC_STATE/dc.ready"
}

dc_ready() {
  alive "$1" || return 1
  nsenter -t "$1" -m wbinfo --ping-dc && (exec 3<>/dev/tcp/127.0.0.1/445)
}

member_start() {
  local dir pid start
  dir=$(state dir)
  alive "$(state member.pid)" && return 0
  start=$(date +%s.%N)
  setsid winbindd -s "$dir/member/etc/smb.conf" -F --no-process-group \
    >>"$dir/member/log/winbindd.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$NTLMSSP_DC_STATE/member.pid"
  wait_for "the member's winbindd" 60 wbinfo -p || { tail -20 "$dir/member/log/winbindd.out" >&2; return 1; }
  elapsed "$start" > "$NTLMSSP_DC_STATE/member.ready"
}

# The member reaches the DC (after a start of either).
member_reaches_dc() { wait_for "NETLOGON from the member to the DC" 60 wbinfo --ping-dc; }

case "${1:-}" in
--ctl)
  case "${2:-}" in
  stop) stop_session "$(state dc.pid)" ;;
  start) dc_start && { ! alive "$(state member.pid)" || member_reaches_dc; } ;;
  freeze) kill -STOP $(session "$(state dc.pid)") ;;
  thaw) kill -CONT $(session "$(state dc.pid)") ;;
  member-stop) stop_session "$(state member.pid)" ;;
  member-start) member_start && member_reaches_dc ;;
  status)
    echo "DC: $(alive "$(state dc.pid)" && echo running || echo stopped)"
    echo "member winbindd: $(alive "$(state member.pid)" && echo running || echo stopped)" ;;
  *) log "usage: \$NTLMSSP_DC stop|start|freeze|thaw|member-stop|member-start|status"; exit 2 ;;
  esac
  exit ;;
--inner)
  mode=$2 dir=$3
  shift 3 ;;
--setup)
  dir=$2
  shift 2
  exec unshare -m -p -f --kill-child --mount-proc --propagation private -- bash "$0" --inner setup "$dir" "$@" ;;
*)
  [ $# -gt 0 ] || { log "usage: run.sh COMMAND [ARGS...]"; exit 2; }
  [ "$(id -u)" = 0 ] || { log "needs root (namespaces, winbindd's privileged pipe)"; exit 2; }
  dir=$(bash "$here/provision.sh")
  exec unshare -m -p -f --kill-child --mount-proc --propagation private -- bash "$0" --inner run "$dir" "$@" ;;
esac

# Inside the namespaces.
for d in /run/samba /var/lib/samba /var/cache/samba /var/log/samba; do
  mkdir -p "$d"
  mount -t tmpfs -o mode=0755 tmpfs "$d"
done
mount --bind "$dir/etc/hosts" /etc/hosts
scratch=$(mktemp -d /tmp/ntlmssp-domain.XXXXXX)
export NTLMSSP_DC_STATE=$scratch/state
mkdir -p "$NTLMSSP_DC_STATE"
trap 'rm -rf "$scratch"' EXIT
if [ "$mode" = run ]; then
  mkdir "$scratch/dir"
  cp -a "$dir/." "$scratch/dir/"
  mount --bind "$scratch/dir" "$dir"
fi
echo "$dir" > "$NTLMSSP_DC_STATE/dir"
printf '#!/bin/sh\nNTLMSSP_DC_STATE=%q exec bash %q --ctl "$@"\n' "$NTLMSSP_DC_STATE" "$here/run.sh" \
  > "$NTLMSSP_DC_STATE/ctl"
chmod +x "$NTLMSSP_DC_STATE/ctl"
export NTLMSSP_DC_DIR=$dir NTLMSSP_DC=$NTLMSSP_DC_STATE/ctl NTLMSSP_MEMBER_CONF=$dir/member/etc/smb.conf

dc_start
NTLMSSP_DC_READY_SECONDS=$(state dc.ready)
export NTLMSSP_DC_READY_SECONDS
if [ "$mode" = run ]; then
  member_start
  member_reaches_dc
  NTLMSSP_MEMBER_READY_SECONDS=$(state member.ready)
  export NTLMSSP_MEMBER_READY_SECONDS
  # `lockedout` is locked out by bad passwords (its PSO's threshold; each wbinfo -a tries the
  # password in plain text and as a challenge/response).
  threshold=$(cd "$here" && python3 -c 'import users; print(users.LOCKOUT_THRESHOLD)')
  for i in $(seq "$threshold"); do wbinfo -a 'EXAMPLE\lockedout%not-the-password' >/dev/null 2>&1 || true; done
fi

status=0
"$@" || status=$?
stop_session "$(state member.pid)"
stop_session "$(state dc.pid)"
exit $status
