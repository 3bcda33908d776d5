#!/usr/bin/env python3
"""Domain logons side by side: ntlmssp's server and two independent NTLM servers, all verifying
logons through the member's winbindd (NETLOGON pass-through to the DC), driven by the interop
matrix's drivers and line protocol (tests/interop/run.py):

  - ntlmssp (sspi_peer) as a server with no NTLM_USER_FILE: its domain route, as "NTLM" and as
    "Negotiate" (PEER_PACKAGE=Negotiate);
  - the anchors: gss-ntlmssp as a server with no NTLM_USER_FILE (its winbind route: a user missing
    from the user file is an "external" credential, verified by wbcAuthenticateUserEx), through
    gss_peer; Samba's `ntlm_auth --helper-protocol=squid-2.5-ntlmssp` without --password (it asks
    winbindd).

Clients, each with an explicit password: ntlmssp (sspi_peer), pyspnego, gss-ntlmssp and Samba's
ntlm_auth ntlmssp-client-1 helper for the NTLM servers; ntlmssp's, pyspnego's, MIT krb5's (with
gss-ntlmssp) and Samba's gss-spnego SPNEGO clients for ntlmssp's Negotiate server. For every pair:
the domain users log in (and sign, seal, replay and tamper where both ends can), the DC's spelling
of the names whatever the client sent, the wrong password, the unknown user and every refused
account state (tests/domain/users.py) are refused, NTLMv1 is refused while the DC refuses it and
accepted once it allows it; with the DC stopped every server refuses (ntlmssp with
SEC_E_NO_AUTHENTICATING_AUTHORITY), then logs users in again when the DC is back. A table shows
that the three NTLM servers accept and refuse the same logons (every cell must agree).

Then single sign-on: after `wbinfo --ccache-save` by alice's uid, ntlmssp's client run as alice
with default credentials (NULL pAuthData) logs in to ntlmssp's server (domain route) and to an
independent one (gss-ntlmssp with a user file, directly and under MIT's SPNEGO), NTLM and
Negotiate, and both name alice; with channel
bindings requested it refuses clearly (SEC_E_UNSUPPORTED_FUNCTION). And `NTLMSSP_WINBIND=off`
takes the domain route away from both sides. Run inside tests/domain/run.sh:

  usage: anchors.py <dir with sspi_peer and gss_peer>

What a server said when it refused is printed; the counts and the tables close the output, and the
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
SEC_E_NO_AUTHENTICATING_AUTHORITY = "0x80090311"
SEC_E_NO_CREDENTIALS = "0x8009030e"
SEC_E_UNSUPPORTED_FUNCTION = "0x80090302"

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


# The servers: the matrix's implementation each stands for, and the clients that talk to it.
NTLM_CLIENTS = ["ntlmssp", "pyspnego", "gss-ntlmssp", "samba"]
SPNEGO_CLIENTS = ["ntlmssp Negotiate", "pyspnego Negotiate", "MIT SPNEGO", "samba gss-spnego"]
SERVERS = {
    "ntlmssp (winbind)": {"impl": "ntlmssp", "clients": NTLM_CLIENTS},
    "ntlmssp Negotiate (winbind)": {"impl": "ntlmssp Negotiate", "clients": SPNEGO_CLIENTS},
    "gss-ntlmssp (winbind)": {"impl": "gss-ntlmssp", "clients": NTLM_CLIENTS},
    "ntlm_auth (winbind)": {"impl": "samba", "clients": NTLM_CLIENTS},
}
# The servers whose verdicts must agree, cell by cell (the same clients talk to them).
SIDE_BY_SIDE = ["ntlmssp (winbind)", "gss-ntlmssp (winbind)", "ntlm_auth (winbind)"]
# The matrix's message checks look peers up by name.
for _name, _server in SERVERS.items():
    interop.IMPLS[_name] = interop.IMPLS[_server["impl"]]
# Clients that send the domain the driver is given (Samba's helper always sends EXAMPLE).
SPELLS = {"ntlmssp", "pyspnego", "gss-ntlmssp", "ntlmssp Negotiate", "pyspnego Negotiate", "MIT SPNEGO"}


def ours(name):
    return name.startswith("ntlmssp")


class Anchors(interop.Matrix):
    def env(self, v1, client_user=None, password=None, extra=None):
        extra = dict(extra or {})
        domain = extra.pop("DOMAIN_AS_SENT", None)
        e = super().env(v1, client_user, password, extra)
        if domain is not None:
            e["PEER_DOMAIN"] = domain
        # No user file anywhere: every server then takes its winbind route.
        e.pop("NTLM_USER_FILE", None)
        for name in ("NTLM_NB_DOMAIN_NAME", "NTLM_NB_COMPUTER_NAME", "NTLM_DNS_DOMAIN_NAME",
                     "NTLM_DNS_COMPUTER_NAME"):
            e.pop(name, None)
        return e

    def server(self, name, v1, extra=None):
        impl = SERVERS[name]["impl"]
        if impl == "samba":
            return WinbindSambaServer(self.env(v1), v1)
        env = {**interop.IMPLS[impl].get("env", {}), **(extra or {})}
        return interop.LinePeer(interop.IMPLS[impl]["argv"]("server"), self.env(v1, extra=env))

    def login(self, client_impl, server_name, case, user, password, v1=False, expect_ok=True,
              messages=True, ntlm_auth_says=None, ours_says=None, domain=None):
        pair = (client_impl, server_name)
        self.current = (client_impl, server_name, case)
        extra = {} if domain is None else {"DOMAIN_AS_SENT": domain}
        client = self.start(client_impl, "client", v1, user, password, extra)
        server = self.server(server_name, v1)
        try:
            t = time.monotonic()
            res = self.handshake(client, server)
            took = time.monotonic() - t
            self.verdicts.setdefault((client_impl, case), {})[server_name] = res is None
            if expect_ok:
                self.record(pair, case, res is None, "" if res is None else f"{res[0]} refused: {res[1]}")
                if res is None:
                    self.check_version(pair, case, v1)
                    r = server.ask("NAME")
                    # ntlmssp names the client as the DC spells it; gss-ntlmssp as the client
                    # named itself, ntlm_auth as winbindd returns it.
                    want = f"{users.DOMAIN}\\{user.lower()}"
                    good = r[0] == "OK" and (r[1] == want if ours(server_name) else r[1].lower() == want.lower())
                    self.record(pair, f"{case}: server names the client", good, " ".join(r))
                    if messages and interop.IMPLS[client_impl]["messaging"] and interop.IMPLS[server_name]["messaging"]:
                        self.messages(pair, case, client, server)
            else:
                ok = res is not None and res[0] == "server"
                self.record(pair, case, ok, ("accepted" if res is None else f"{res[0]}: {res[1]}")
                            + f", {took * 1000:.0f} ms")
                if ok and ntlm_auth_says and SERVERS[server_name]["impl"] == "samba":
                    self.record(pair, f"{case}: ntlm_auth says {ntlm_auth_says}",
                                res[1] == f"NA {ntlm_auth_says}", res[1])
                if ok and ours(server_name):
                    want = ours_says or interop.SEC_E_LOGON_DENIED
                    self.record(pair, f"{case}: ntlmssp says {want}", res[1] == want, res[1])
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


def alice_ids():
    """alice's uid and gid as the member maps them (idmap rid)."""
    fields = subprocess.run(["wbinfo", "-i", f"{users.DOMAIN}\\alice"], check=True, capture_output=True,
                            text=True).stdout.strip().split(":")
    return int(fields[2]), int(fields[3])


def as_alice(argv, ids):
    return ["setpriv", f"--reuid={ids[0]}", f"--regid={ids[1]}", "--clear-groups"] + argv


def single_sign_on(mx, work):
    """alice's cached credentials (wbinfo --ccache-save by her uid) sign her on with ntlmssp's
    default credentials, to ntlmssp's server (domain route) and to pyspnego with a user file."""
    ids = alice_ids()
    save = subprocess.run(as_alice(["wbinfo", f"--ccache-save={users.DOMAIN}\\alice%{users.PASSWORD}"], ids),
                          capture_output=True, text=True)
    print(f"# wbinfo --ccache-save as alice (uid {ids[0]}): {save.stdout.strip()} {save.stderr.strip()}")
    pyusers = os.path.join(work, "sso-users")
    with open(pyusers, "w") as f:
        f.write(f"{users.DOMAIN}:alice:{users.PASSWORD}\n")
    # The independent servers know alice from a user file. pyspnego's server cannot be one: it
    # checks an NTLMv2 response against a blob it rebuilds with 4 more zero bytes at the end than
    # Samba's NTLMSSP client sends (winbindd's cache answers with that client), so it refuses
    # every Samba-made response, ntlm_auth's own client's included; reported, not counted.
    sso_servers = {
        "ntlmssp (winbind)": ("ntlmssp", {}, True),
        "ntlmssp Negotiate (winbind)": ("ntlmssp Negotiate", {}, True),
        "gss-ntlmssp (user file)": ("gss-ntlmssp", {"NTLM_USER_FILE": pyusers}, True),
        "MIT SPNEGO (user file)": ("MIT SPNEGO", {"NTLM_USER_FILE": pyusers}, True),
        "pyspnego (user file)": ("pyspnego", {"NTLM_USER_FILE": pyusers}, False),
    }
    for name, (impl, senv, counted) in sso_servers.items():
        interop.IMPLS.setdefault(name, interop.IMPLS[impl])
        cimpl = "ntlmssp Negotiate" if interop.IMPLS[impl].get("spnego") else "ntlmssp"
        client_name = f"{cimpl} (alice's default credentials)"
        interop.IMPLS.setdefault(client_name, interop.IMPLS[cimpl])
        pair = (client_name, name)
        for case, extra, expect in (("single sign-on", {}, None),
                                    ("single sign-on with channel bindings", {"PEER_CHANNEL_BINDINGS": "tls-unique:x"},
                                     SEC_E_UNSUPPORTED_FUNCTION)):
            if expect and not name.startswith("ntlmssp"):
                continue
            mx.current = (client_name, name, case)
            cenv = mx.env(False, extra={**interop.IMPLS[cimpl].get("env", {}), "PEER_DEFAULT_CREDENTIALS": "1", **extra})
            for v in ("PEER_USER", "PEER_PASSWORD", "PEER_DOMAIN"):
                cenv.pop(v, None)
            client = interop.LinePeer(as_alice(interop.IMPLS[cimpl]["argv"]("client"), ids), cenv)
            senv = {**interop.IMPLS[impl].get("env", {}), **senv}
            server = interop.LinePeer(interop.IMPLS[impl]["argv"]("server"), {**mx.env(False, extra=senv), **senv})
            try:
                res = mx.handshake(client, server)
                if not counted:
                    print(f"# reported - {client_name} -> {name}: {case}: "
                          f"{'accepted' if res is None else f'{res[0]} refused: {res[1]}'}")
                    continue
                if expect:
                    mx.record(pair, case, res is not None and res[0] == "client" and res[1] == expect,
                              "accepted" if res is None else f"{res[0]}: {res[1]}")
                    continue
                mx.record(pair, case, res is None, "" if res is None else f"{res[0]} refused: {res[1]}")
                if res is None:
                    r = server.ask("NAME")
                    mx.record(pair, f"{case}: server names the client",
                              r[0] == "OK" and r[1].lower() == f"{users.DOMAIN}\\alice".lower(), " ".join(r))
                    r = client.ask("NAME")
                    mx.record(pair, f"{case}: client names itself", r == ["OK", f"{users.DOMAIN}\\alice"], " ".join(r))
                    mx.messages(pair, case, client, server)
            except Exception as e:  # a driver crashed or hung: that cell fails, the run goes on
                mx.record(pair, case, False, f"{type(e).__name__}: {e}")
            finally:
                interop.close_all(client, server)

    # NTLMSSP_WINBIND=off: no domain route for the server (alice is an unknown user there) and
    # no credential cache for the client.
    for name, env, argv, expect in (
            ("ntlmssp (NTLMSSP_WINBIND=off)", {}, None, ("server", interop.SEC_E_LOGON_DENIED)),
            ("ntlmssp (winbind)", {"NTLMSSP_WINBIND": "off"}, "client", ("client", SEC_E_NO_CREDENTIALS))):
        case = "NTLMSSP_WINBIND=off"
        pair = ("ntlmssp (alice's default credentials)" if argv else "ntlmssp", name)
        if argv:
            cenv = mx.env(False, extra={"PEER_DEFAULT_CREDENTIALS": "1", **env})
            client = interop.LinePeer(as_alice(interop.IMPLS["ntlmssp"]["argv"]("client"), ids), cenv)
            server = interop.LinePeer(interop.IMPLS["ntlmssp"]["argv"]("server"), mx.env(False))
        else:
            client = mx.start("ntlmssp", "client", False, "alice", users.PASSWORD)
            server = interop.LinePeer(interop.IMPLS["ntlmssp"]["argv"]("server"),
                                      mx.env(False, extra={"NTLMSSP_WINBIND": "off"}))
        try:
            res = mx.handshake(client, server)
            mx.record(pair, case, res is not None and tuple(res) == expect, str(res))
        finally:
            interop.close_all(client, server)


def main():
    if not (MEMBER_CONF and DC_CTL):
        sys.exit("anchors.py runs inside tests/domain/run.sh")
    wanted = set()
    for s in SERVERS.values():
        wanted |= {s["impl"], *s["clients"]}
    missing = sorted(c for c in wanted if not interop.IMPLS[c]["available"]())
    if missing:
        print(f"missing peers: {missing}")
        if interop.REQUIRE:
            return 1
    servers = [s for s, v in SERVERS.items() if v["impl"] not in missing]
    with tempfile.TemporaryDirectory(prefix="ntlmssp-anchors-") as work:
        os.chmod(work, 0o755)
        mx = Anchors(work)
        mx.verdicts = {}  # (client, case) -> {server: accepted}

        def clients(s):
            return [c for c in SERVERS[s]["clients"] if c not in missing]

        for s in servers:
            for c in clients(s):
                mx.login(c, s, "NTLMv2", "alice", users.PASSWORD)
                mx.login(c, s, "non-ASCII password", "bob", users.BOB_PASSWORD, messages=False)
                if c in SPELLS:
                    mx.login(c, s, "sent as example\\ALICE", "ALICE", users.PASSWORD, messages=False,
                             domain="example")
                for case, user, password, says in REFUSED:
                    mx.login(c, s, case, user, password, expect_ok=False, ntlm_auth_says=says)
                mx.login(c, s, "NTLMv1 refused by the DC", "alice", users.PASSWORD, v1=True, expect_ok=False,
                         ntlm_auth_says="NT_STATUS_LOGON_FAILURE")

        # NTLMv1 where the DC allows it (Samba's `ntlm auth = yes`).
        print(f"# DC restarted with NTLMv1 allowed in {dc('stop') + dc('start', NTLMSSP_DC_OPTIONS='ntlm auth = yes'):.1f} s")
        for s in servers:
            for c in clients(s):
                mx.login(c, s, "NTLMv1 (DC allows it)", "alice", users.PASSWORD, v1=True, messages=False)
        print(f"# DC restarted with its defaults in {dc('stop') + dc('start'):.1f} s")

        # The DC stopped: refused (winbindd answers NT_STATUS_NO_LOGON_SERVERS); back: accepted.
        print(f"# DC stopped in {dc('stop'):.1f} s")
        for s in servers:
            c = "ntlmssp Negotiate" if s == "ntlmssp Negotiate (winbind)" else "ntlmssp"
            mx.login(c, s, "DC stopped", "alice", users.PASSWORD, expect_ok=False,
                     ntlm_auth_says="NT_STATUS_NO_LOGON_SERVERS", ours_says=SEC_E_NO_AUTHENTICATING_AUTHORITY)
        print(f"# DC started, the member reaching it, in {dc('start'):.1f} s")
        for s in servers:
            c = "ntlmssp Negotiate" if s == "ntlmssp Negotiate (winbind)" else "ntlmssp"
            mx.login(c, s, "DC back", "alice", users.PASSWORD, messages=False)

        single_sign_on(mx, work)

        passing = ("NTLMv2", "non-ASCII password", "sent as example\\ALICE", "NTLMv1 (DC allows it)", "DC back",
                   "single sign-on")
        cases = ["NTLMv2", "non-ASCII password", "sent as example\\ALICE"] + [c for c, _, _, _ in REFUSED] + [
            "NTLMv1 refused by the DC", "NTLMv1 (DC allows it)", "DC stopped", "DC back"]
        sso_cases = ["single sign-on", "single sign-on with channel bindings", "NTLMSSP_WINBIND=off"]
        print("\n| client -> server | " + " | ".join(cases + sso_cases) + " |")
        print("|---|" + "---|" * len(cases + sso_cases))
        for pair, results in mx.results.items():
            def cell(case):
                sel = [ok for name, ok in results.items() if name == case or name.startswith(case + ":")]
                if not sel:
                    return "-"
                return ("pass" if case in passing else "refused") if all(sel) else "FAIL"
            print(f"| {pair[0]} -> {pair[1]} | " + " | ".join(cell(c) for c in cases + sso_cases) + " |")

        # Side by side: the same client's logon, accepted or refused alike by every server.
        side = [s for s in SIDE_BY_SIDE if s in servers]
        print("\n| client, logon | " + " | ".join(side) + " | agree |")
        print("|---|" + "---|" * (len(side) + 1))
        disagree = 0
        for (client, case), by in mx.verdicts.items():
            if case in ("DC stopped", "DC back") or not all(s in by for s in side):
                continue
            cells = ["accepted" if by[s] else "refused" for s in side]
            same = len(set(cells)) == 1
            disagree += not same
            print(f"| {client}, {case} | " + " | ".join(cells) + f" | {'yes' if same else 'NO'} |")
        mx.record(("all clients", "all servers"), "ntlmssp, gss-ntlmssp and ntlm_auth agree on every logon",
                  disagree == 0, f"{disagree} disagreement(s)", table=False)
        print(f"\n{mx.checks - mx.failures}/{mx.checks} domain checks passed")
        return 1 if mx.failures else 0


if __name__ == "__main__":
    sys.exit(main())
