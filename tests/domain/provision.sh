#!/usr/bin/env bash
# The test domain: a Samba AD DC (domain EXAMPLE, realm EXAMPLE.TEST, DC "DC1" on loopback only)
# and a member server "MEMBER1" joined to it, whose winbindd the tests use. Provisioned once into
# a cache directory outside the clone and reused by every run (tests/domain/run.sh starts both in
# private namespaces on a copy, so runs never change the cache). Prints the directory. Nothing
# of the machine's configuration is read or written: `samba-tool` gets an empty smb.conf of its
# own instead of /etc/samba/smb.conf, every path the DC and the member write to is inside the
# directory, and the join runs inside run.sh's namespaces.
#
# usage: provision.sh [--force]
#   NTLMSSP_DOMAIN_DIR    the directory (default: $NTLMSSP_DOMAIN_CACHE/samba-dc-<samba version>-r<RECIPE>)
#   NTLMSSP_DOMAIN_CACHE  where the default directory lives (default /var/cache/ntlmssp-ci)
#
# The users (tests/domain/users.py lists them with the NTSTATUS each one's logon gets):
#   alice        Secret123, the ordinary domain user
#   bob          a password mixing Latin-1, the euro sign and a character outside the BMP
#   disabled     Secret123, account disabled (userAccountControl ACCOUNTDISABLE)
#   acctexpired  Secret123, accountExpires in the past
#   mustchange   Secret123, pwdLastSet 0 ("must change at next logon")
#   pwexpired    Secret123, last set in 1970 under a password settings object with a two-day maximum age
#   nohours      Secret123, logonHours all zero (no hour of the week allowed)
#   otherws      Secret123, userWorkstations names a machine no test runs on
#   lockedout    Secret123, under a password settings object locking out after 2 bad passwords:
#                run.sh locks it at every start (a copy of the cache is used, so the cache
#                never holds a lockout and its duration cannot run out between runs)
# The domain's own policy lets passwords never expire (maxPwdAge 0), so a cache stays valid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# Raise when the users or the DC's configuration change: a new directory is made.
RECIPE=3

command -v samba-tool >/dev/null || { echo "provision.sh: samba-tool not installed (samba-ad-provision)" >&2; exit 2; }
version=$(samba --version | awk '{print $2}')
cache=${NTLMSSP_DOMAIN_CACHE:-/var/cache/ntlmssp-ci}
dir=${NTLMSSP_DOMAIN_DIR:-$cache/samba-dc-$version-r$RECIPE}

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ "${1:-}" != --force ] && [ -e "$dir/provisioned" ]; then
  echo "$dir"
  exit 0
fi

start=$(date +%s.%N)
rm -rf "$dir"
mkdir -p "$dir/etc"
: > "$dir/etc/smb.conf"
log=$dir/provision.log
samba-tool domain provision -s "$dir/etc/smb.conf" --targetdir="$dir" \
  --realm=EXAMPLE.TEST --domain=EXAMPLE --server-role=dc --dns-backend=NONE \
  --host-name=dc1 --adminpass='Adm1nPass!' \
  --option='interfaces=lo' --option='bind interfaces only=yes' >"$log" 2>&1 \
  || { cat "$log" >&2; exit 1; }

# Only what the member and the tests use: the RPC server (NETLOGON), NBT and CLDAP (DC
# discovery), LDAP and the KDC (the join), the file server (the join's RPC over SMB) and
# winbindd (the file server's logons need it). No replication, DNS updates or NTP signing, whose
# default paths lie outside the directory. Logs, pid files, sockets and winbindd's privileged
# pipe (a subdirectory of the lock directory) stay inside.
/usr/bin/python3 - "$dir" <<'EOF'
import re, sys
d = sys.argv[1]
conf = f"{d}/etc/smb.conf"
text = open(conf).read()
extra = (f"\tserver services = s3fs, rpc, nbt, ldap, cldap, kdc, winbindd\n"
         f"\tlog file = {d}/log/%m.log\n\tmax log size = 0\n\tlog level = 1\n"
         f"\tpid directory = {d}/run\n\tncalrpc dir = {d}/ncalrpc\n"
         f"\tntp signd socket directory = {d}/ntp_signd\n"
         "\tload printers = no\n\tprintcap name = /dev/null\n\tdisable spoolss = yes\n")
text, n = re.subn(r"\tserver services = [^\n]*\n", lambda m: extra, text)
assert n == 1, "no server services line in the provisioned smb.conf"
open(conf, "w").write(text)
EOF
mkdir -p "$dir/log" "$dir/run" "$dir/ncalrpc" "$dir/ntp_signd"

conf=$dir/etc/smb.conf
tool() { samba-tool "$@" -s "$conf" >>"$log" 2>&1 || { tail -20 "$log" >&2; echo "provision.sh: samba-tool $1 $2 failed" >&2; exit 1; }; }
tool domain passwordsettings set --complexity=off --max-pwd-age=0 --min-pwd-age=0 --history-length=0
/usr/bin/python3 "$here/users.py" create "$dir" >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }

# The member: its own configuration (security = ads, names resolved through the domain's hosts
# file, which run.sh mounts over /etc/hosts), joined while the DC runs. Its winbindd retries an
# unreachable DC after 5 s instead of the default 30 (`winbind reconnect delay`): the tests stop
# and restart the DC, and wait for the member to find it again.
printf '127.0.0.1\tlocalhost\n127.0.0.1\tdc1.example.test dc1\n' > "$dir/etc/hosts"
m=$dir/member
mkdir -p "$m/etc" "$m/private" "$m/state" "$m/cache" "$m/lock" "$m/log" "$m/run"
cat > "$m/etc/smb.conf" <<EOF
[global]
	workgroup = EXAMPLE
	realm = EXAMPLE.TEST
	security = ads
	netbios name = MEMBER1
	password server = dc1.example.test
	kerberos method = secrets only
	winbind reconnect delay = 5
	idmap config * : backend = tdb
	idmap config * : range = 3000-7999
	idmap config EXAMPLE : backend = rid
	idmap config EXAMPLE : range = 10000-999999
	interfaces = lo
	bind interfaces only = yes
	private dir = $m/private
	state directory = $m/state
	cache directory = $m/cache
	lock directory = $m/lock
	pid directory = $m/run
	ncalrpc dir = $m/run/ncalrpc
	log file = $m/log/%m.log
	max log size = 0
	log level = 1
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
EOF
bash "$here/run.sh" --setup "$dir" net ads join -s "$m/etc/smb.conf" -S dc1.example.test -U 'Administrator%Adm1nPass!' \
  --no-dns-updates >>"$log" 2>&1 || { tail -20 "$log" >&2; echo "provision.sh: joining MEMBER1 failed" >&2; exit 1; }

end=$(date +%s.%N)
printf '%s\n' "$version" > "$dir/samba-version"
echo "provisioned in $(python3 -c "print(round($end - $start, 1))") s" >> "$log"
touch "$dir/provisioned"
echo "$dir"
