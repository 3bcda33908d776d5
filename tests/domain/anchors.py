#!/usr/bin/env python3
"""The anchors on the test domain: two independent NTLM servers that verify logons through the
member's winbindd (NETLOGON pass-through to the DC), driven by the interop matrix's drivers and
line protocol (tests/interop/run.py):

  - gss-ntlmssp as a server with no NTLM_USER_FILE (its winbind route: a user missing from the
    user file is an "external" credential, verified by wbcAuthenticateUserEx), through gss_peer;
  - Samba's `ntlm_auth --helper-protocol=squid-2.5-ntlmssp` without --password (it asks winbindd).

Clients, each with an explicit password: ntlmssp (sspi_peer), pyspnego, gss-ntlmssp and Samba's
ntlm_auth ntlmssp-client-1 helper. For every pair: the domain users log in (and sign and seal
where both ends can), the wrong password, the unknown user and every refused account state
(tests/domain/users.py) are refused, NTLMv1 is refused while the DC refuses it and accepted once
it allows it; and with the DC stopped every anchor refuses, then logs users in again when the DC
is back. Run inside tests/domain/run.sh:

  usage: anchors.py <dir with sspi_peer and gss_peer>

What an anchor said when it refused is printed; the counts and a table close the output, and the
exit status is non-zero when a check failed."""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
sys.path.insert(0, HERE)

import run as interop  # noqa: E402  (tests/interop/run.py: drivers, handshake, checks)
import users  # noqa: E402

MEMBER_CONF = os.environ.get("NTLMSSP_MEMBER_CONF", "")
DC_CTL = os.environ.get("NTLMSSP_DC", "")

# Refused logons: (case, user, password, what ntlm_auth answers), from users.LOGONS. ntlm_auth
# reports the DC's NTSTATUS except that it squashes a wrong password and an unknown user into
# NT_STATUS_LOGON_FAILURE (Samba's nt_status_squash: a client must not learn which names exist).
SQUASHED = {"STATUS_WRONG_PASSWORD", "STATUS_NO_SUCH_USER"}
REFUSED = [(f"{status} ({user})", user, password,
            "NT_STATUS_LOGON_FAILURE" if status in SQUASHED else "NT_" + status)
           for user, password, status in users.LOGONS if status != "STATUS_SUCCESS"]


class WinbindSambaServer(interop.SambaServer):
    """ntlm_auth's squid-2.5-ntlmssp helper as a domain member's NTLM server: no --password, so
    each AUTHENTICATE goes to winbindd (WINBINDD_PAM_AUTH_CRAP); its CHALLENGE names the member
    (MEMBER1 in EXAMPLE) from the member's smb.conf."""

    def __init__(self, env, v1):
        argv = ["ntlm_auth", "--helper-protocol=squid-2.5-ntlmssp", f"--configfile={MEMBER_CONF}"]
        if v1:
            argv += ["--option=ntlm auth = yes"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)
        self.name = None


SERVERS = {
    "gss-ntlmssp (winbind)": {"impl": "gss-ntlmssp", "messaging": True},
    "ntlm_auth (winbind)": {"impl": "samba", "messaging": False},
}
CLIENTS = ["ntlmssp", "pyspnego", "gss-ntlmssp", "samba"]
# The matrix's message checks look peers up by name.
for _name, _anchor in SERVERS.items():
    interop.IMPLS[_name] = interop.IMPLS[_anchor["impl"]]


class Anchors(interop.Matrix):
    def env(self, v1, client_user=None, password=None, extra=None):
        e = super().env(v1, client_user, password, extra)
        # No user file anywhere: gss-ntlmssp's server then takes its winbind route.
        e.pop("NTLM_USER_FILE", None)
        for name in ("NTLM_NB_DOMAIN_NAME", "NTLM_NB_COMPUTER_NAME", "NTLM_DNS_DOMAIN_NAME",
                     "NTLM_DNS_COMPUTER_NAME"):
            e.pop(name, None)
        return e

    def server(self, name, v1):
        if SERVERS[name]["impl"] == "samba":
            return WinbindSambaServer(self.env(v1), v1)
        return interop.LinePeer(interop.IMPLS["gss-ntlmssp"]["argv"]("server"), self.env(v1))

    def login(self, client_impl, server_name, case, user, password, v1=False, expect_ok=True,
              messages=True, ntlm_auth_says=None):
        pair = (client_impl, server_name)
        self.current = (client_impl, server_name, case)
        client = self.start(client_impl, "client", v1, user, password)
        server = self.server(server_name, v1)
        try:
            t = time.monotonic()
            res = self.handshake(client, server)
            took = time.monotonic() - t
            if expect_ok:
                self.record(pair, case, res is None, "" if res is None else f"{res[0]} refused: {res[1]}")
                if res is None:
                    self.check_version(pair, case, v1)
                    r = server.ask("NAME")
                    # gss-ntlmssp names the client as it named itself, ntlm_auth as winbindd
                    # returns it; both EXAMPLE\user here.
                    want = f"{users.DOMAIN}\\{user}".lower()
                    self.record(pair, f"{case}: server names the client", r[0] == "OK" and r[1].lower() == want,
                                " ".join(r))
                    if messages and interop.IMPLS[client_impl]["messaging"] and SERVERS[server_name]["messaging"]:
                        self.messages(pair, case, client, server)
            else:
                ok = res is not None and res[0] == "server"
                self.record(pair, case, ok, ("accepted" if res is None else f"{res[0]}: {res[1]}")
                            + f", {took * 1000:.0f} ms")
                if ok and ntlm_auth_says and SERVERS[server_name]["impl"] == "samba":
                    self.record(pair, f"{case}: ntlm_auth says {ntlm_auth_says}",
                                res[1] == f"NA {ntlm_auth_says}", res[1])
            return res
        except Exception as e:  # a driver crashed or hung: that cell fails, the run goes on
            self.record(pair, case, False, f"{type(e).__name__}: {e}")
            return "crash"
        finally:
            interop.close_all(client, server)


def dc(action, **env):
    e = dict(os.environ)
    e.update(env)
    t = time.monotonic()
    subprocess.run([DC_CTL, action], check=True, env=e)
    return time.monotonic() - t


def main():
    if not (MEMBER_CONF and DC_CTL):
        sys.exit("anchors.py runs inside tests/domain/run.sh")
    missing = [c for c in CLIENTS + [s["impl"] for s in SERVERS.values()]
               if not interop.IMPLS[c]["available"]()]
    if missing:
        print(f"missing peers: {sorted(set(missing))}")
        if interop.REQUIRE:
            return 1
    clients = [c for c in CLIENTS if c not in missing]
    servers = [s for s, v in SERVERS.items() if v["impl"] not in missing]
    with tempfile.TemporaryDirectory(prefix="ntlmssp-anchors-") as work:
        mx = Anchors(work)
        for s in servers:
            for c in clients:
                mx.login(c, s, "NTLMv2", "alice", users.PASSWORD)
                mx.login(c, s, "non-ASCII password", "bob", users.BOB_PASSWORD, messages=False)
                for case, user, password, says in REFUSED:
                    mx.login(c, s, case, user, password, expect_ok=False, ntlm_auth_says=says)
                mx.login(c, s, "NTLMv1 refused by the DC", "alice", users.PASSWORD, v1=True, expect_ok=False,
                         ntlm_auth_says="NT_STATUS_LOGON_FAILURE")

        # NTLMv1 where the DC allows it (Samba's `ntlm auth = yes`).
        print(f"# DC restarted with NTLMv1 allowed in {dc('stop') + dc('start', NTLMSSP_DC_OPTIONS='ntlm auth = yes'):.1f} s")
        for s in servers:
            for c in clients:
                mx.login(c, s, "NTLMv1 (DC allows it)", "alice", users.PASSWORD, v1=True, messages=False)
        print(f"# DC restarted with its defaults in {dc('stop') + dc('start'):.1f} s")

        # The DC stopped: refused (winbindd answers NT_STATUS_NO_LOGON_SERVERS); back: accepted.
        print(f"# DC stopped in {dc('stop'):.1f} s")
        for s in servers:
            mx.login("ntlmssp", s, "DC stopped", "alice", users.PASSWORD, expect_ok=False,
                     ntlm_auth_says="NT_STATUS_NO_LOGON_SERVERS")
        print(f"# DC started, the member reaching it, in {dc('start'):.1f} s")
        for s in servers:
            mx.login("ntlmssp", s, "DC back", "alice", users.PASSWORD, messages=False)

        cases = ["NTLMv2", "non-ASCII password"] + [c for c, _, _, _ in REFUSED] + [
            "NTLMv1 refused by the DC", "NTLMv1 (DC allows it)", "DC stopped", "DC back"]
        print("\n| client -> server | " + " | ".join(cases) + " |")
        print("|---|" + "---|" * len(cases))
        for pair, results in mx.results.items():
            def cell(case):
                sel = [ok for name, ok in results.items() if name == case or name.startswith(case + ":")]
                if not sel:
                    return "-"
                return ("pass" if case in ("NTLMv2", "non-ASCII password", "NTLMv1 (DC allows it)", "DC back")
                        else "refused") if all(sel) else "FAIL"
            print(f"| {pair[0]} -> {pair[1]} | " + " | ".join(cell(c) for c in cases) + " |")
        print(f"\n{mx.checks - mx.failures}/{mx.checks} anchor checks passed")
        return 1 if mx.failures else 0


if __name__ == "__main__":
    sys.exit(main())
