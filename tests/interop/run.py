#!/usr/bin/env python3
"""The interoperability matrix: ntlmssp (through its exported SSPI functions, sspi_peer) against
gss-ntlmssp (GSSAPI, gss_peer), pyspnego (its own NTLM, spnego_peer.py) and Samba's ntlm_auth
(ntlmssp-client-1 helper), each pair in every direction the peer can play, plus ntlmssp against
itself. The same for the Negotiate package (SPNEGO around NTLM): ntlmssp's "Negotiate" against MIT
krb5's SPNEGO mechanism with gss-ntlmssp as its NTLM (no KDC), pyspnego's SPNEGO and Samba's
gss-spnego-client helper; and ntlmssp's raw NTLM against both SPNEGO acceptors. WinPR 2's
"Negotiate" (winpr_peer) speaks raw NTLM: its client against ntlmssp's Negotiate server, ntlmssp's
NTLM client against its server (WinPR 2 cannot make signatures or name the client: those checks
are left out for it, sealing stands in for signing). Then the flag matrix (FlagMatrix): the NTLM
pairs with the client requesting each fContextReq of REQS (and DATAGRAM_REQS where both peers
have connectionless mode).

usage: run.py <dir with sspi_peer and gss_peer>. Prints one line per check and a summary table;
exits non-zero when a check fails. A peer that is not installed is skipped, unless
NTLMSSP_INTEROP_REQUIRE=1 (CI), when that is a failure too."""
import base64
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
REQUIRE = os.environ.get("NTLMSSP_INTEROP_REQUIRE") == "1"

SEC_E_LOGON_DENIED = "0x8009030c"
SEC_E_MESSAGE_ALTERED = "0x8009030f"
SEC_E_OUT_OF_SEQUENCE = "0x80090310"

# NTLMSSP_MESSAGE_SIGNATURE of a context without SIGN (MS-NLMP 3.4.4: version 1, then zeros),
# and the flags of the AUTHENTICATE_MESSAGE that tell what a message can be protected with.
DUMMY_SIGNATURE = "01000000" + "00" * 12
NEGOTIATE_SIGN, NEGOTIATE_SEAL, NEGOTIATE_DATAGRAM = 0x10, 0x20, 0x40
ISC_RET_INTEGRITY, ISC_RET_CONFIDENTIALITY = 0x10000, 0x10

# fContextReq of the flag matrix: what the client asks for (PEER_REQ words, see lineproto.h).
# "0" is an HTTP client such as curl (fContextReq 0, NULL expiry). The DATAGRAM variants run
# where both peers have NTLM's connectionless mode.
REQS = [("0 (HTTP-style)", "none"), ("INTEGRITY", "integ"), ("CONFIDENTIALITY", "conf"),
        ("INTEGRITY|CONFIDENTIALITY", "integ,conf")]
DATAGRAM_REQS = [("DATAGRAM", "datagram"), ("DATAGRAM|INTEGRITY", "integ,datagram"),
                 ("DATAGRAM|CONFIDENTIALITY", "conf,datagram"),
                 ("DATAGRAM|INTEGRITY|CONFIDENTIALITY", "integ,conf,datagram")]

DOMAIN = "EXAMPLE"
USERS = {
    "alice": "Secret123",
    # Latin-1, BMP and a supplementary-plane character (a UTF-16 surrogate pair).
    "bob": "P\u00e4ssw\u00f6rd\u20ac\u00f1\U0001f511",
}


class Refused(Exception):
    pass


class LinePeer:
    """A driver speaking the line protocol (see sspi_peer.c)."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")

    def ask(self, *words):
        self.proc.stdin.write(" ".join(words) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"driver exited: {err.strip()[-300:]}")
        return line.split()

    def step(self, token):
        r = self.ask("STEP", token or "-")
        if r[0] == "FAIL":
            raise Refused(r[1] if len(r) > 1 else "?")
        return r[0] == "DONE", (None if r[1] == "-" else r[1])

    def close(self):
        try:
            self.proc.stdin.write("QUIT\n")
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


class SambaClient:
    """Samba's ntlm_auth as an NTLMSSP client (no signing or sealing through the helper)."""

    messaging = False

    def __init__(self, env, user, password, v1, conf):
        argv = ["ntlm_auth", "--helper-protocol=ntlmssp-client-1", f"--configfile={conf}",
                f"--username={user}", f"--domain={DOMAIN}", f"--password={password}"]
        if v1:
            argv += ["--option=client ntlmv2 auth = no", "--option=client lanman auth = no"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)
        # PEER_REQ as the helper's features ("SF"): integrity asks for SIGN, confidentiality
        # for SEAL; without any, Samba asks for neither (and still offers KEY_EXCH).
        words = set((env.get("PEER_REQ") or "").split(","))
        features = ([] if not words & {"integ", "replay", "sequence"} else ["NTLMSSP_FEATURE_SIGN"]) \
            + ([] if "conf" not in words else ["NTLMSSP_FEATURE_SEAL"])
        if features and self._ask("SF " + " ".join(features))[0] != "OK":
            raise RuntimeError("ntlm_auth refused its features")

    def _ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        r = self.proc.stdout.readline().split()
        if not r:
            raise RuntimeError("ntlm_auth exited: " + self.proc.stderr.read().strip()[-300:])
        return r

    def step(self, token):
        if token is None:
            r = self._ask("YR")
            if r[0] != "YR":
                raise Refused(" ".join(r))
            return False, base64.b64decode(r[1]).hex()
        # The helper answers the CHALLENGE with its AUTHENTICATE as "KK <blob>" or, when it
        # has nothing more to do (Samba 4.17), "AF <blob>".
        r = self._ask("TT " + base64.b64encode(bytes.fromhex(token)).decode())
        if r[0] not in ("KK", "AF") or len(r) < 2:
            raise Refused(" ".join(r))
        return True, base64.b64decode(r[1]).hex()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


class SambaSpnegoClient(SambaClient):
    """Samba's ntlm_auth as a SPNEGO client (gss-spnego-client helper): NegTokenInit first, then
    the answer to each reply until Samba has nothing more to send."""

    def __init__(self, env, user, password, v1, conf):
        argv = ["ntlm_auth", "--helper-protocol=gss-spnego-client", f"--configfile={conf}",
                f"--username={user}", f"--domain={DOMAIN}", f"--password={password}"]
        if v1:
            argv += ["--option=client ntlmv2 auth = no", "--option=client lanman auth = no"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)

    def step(self, token):
        r = self._ask("YR" if token is None else "TT " + base64.b64encode(bytes.fromhex(token)).decode())
        if r[0] in ("YR", "KK") and len(r) > 1:
            return False, base64.b64decode(r[1]).hex()
        if r[0] == "AF":
            out = r[1] if len(r) > 1 and r[1] != "*" else None
            return True, base64.b64decode(out).hex() if out else None
        raise Refused(" ".join(r))


class SambaServer:
    """Samba's ntlm_auth as an NTLMSSP server (squid-2.5-ntlmssp helper). Without winbind it
    checks the client against the one password it is given (--password), whatever the user name,
    so it has no notion of an unknown user."""

    def __init__(self, env, user, v1, conf):
        argv = ["ntlm_auth", "--helper-protocol=squid-2.5-ntlmssp", f"--configfile={conf}",
                f"--username={user}", f"--domain={DOMAIN}", f"--password={USERS[user]}"]
        if v1:
            argv += ["--option=ntlm auth = yes"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True)
        self.name = None

    _ask = SambaClient._ask
    close = SambaClient.close

    def step(self, token):
        b64 = base64.b64encode(bytes.fromhex(token)).decode()
        if self.name is None and not getattr(self, "challenged", False):
            r = self._ask("YR " + b64)
            if r[0] != "TT":
                raise Refused(" ".join(r))
            self.challenged = True
            return False, base64.b64decode(r[1]).hex()
        r = self._ask("KK " + b64)
        if r[0] != "AF":
            raise Refused(" ".join(r))
        self.name = " ".join(r[1:])
        return True, None

    def ask(self, *words):
        return ["OK", self.name] if words == ("NAME",) else ["FAIL", "unsupported"]


def close_all(*peers):
    """Ends drivers whatever state they are in (one that crashed is already gone)."""
    for p in peers:
        try:
            p.close()
        except Exception:
            pass


def have_gss():
    return os.path.exists(os.path.join(BIN, "gss_peer")) and any(
        os.path.exists(p) for p in ("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so",
                                    "/usr/lib/aarch64-linux-gnu/gssntlmssp/gssntlmssp.so",
                                    "/etc/gss/mech.d/mech.ntlmssp.conf",
                                    "/etc/gss/mech.d/ntlmssp.conf"))


def have_spnego():
    try:
        import spnego  # noqa: F401
        return True
    except ImportError:
        return False


IMPLS = {
    "ntlmssp": {"available": lambda: os.path.exists(os.path.join(BIN, "sspi_peer")),
                "argv": lambda role: [os.path.join(BIN, "sspi_peer"), role],
                "roles": ("client", "server"), "messaging": True, "v1": True, "datagram": True},
    "ntlmssp Negotiate": {"spnego": True, "available": lambda: os.path.exists(os.path.join(BIN, "sspi_peer")),
                          "argv": lambda role: [os.path.join(BIN, "sspi_peer"), role],
                          "env": {"PEER_PACKAGE": "Negotiate"},
                          "roles": ("client", "server"), "messaging": True, "v1": True},
    "MIT SPNEGO": {"spnego": True, "available": lambda: have_gss(),
                   "argv": lambda role: [os.path.join(BIN, "gss_peer"), role],
                   "env": {"PEER_MECH": "spnego", "KRB5_CONFIG": "/dev/null", "KRB5CCNAME": "FILE:/nonexistent",
                           "KRB5_KTNAME": "FILE:/nonexistent"},
                   "roles": ("client", "server"), "messaging": True, "v1": True},
    "pyspnego Negotiate": {"spnego": True, "available": have_spnego,
                           "argv": lambda role: [sys.executable, os.path.join(HERE, "spnego_peer.py"), role],
                           "env": {"PEER_PROTOCOL": "negotiate"},
                           "roles": ("client", "server"), "messaging": True, "v1": True},
    "WinPR Negotiate": {"available": lambda: os.path.exists(os.path.join(BIN, "winpr_peer")),
                        "argv": lambda role: [os.path.join(BIN, "winpr_peer"), role],
                        "env": {"PEER_PACKAGE": "Negotiate", "WLOG_LEVEL": "OFF"},
                        "roles": ("client", "server"), "messaging": True, "v1": False,
                        "sign": False, "names": False},
    "samba gss-spnego": {"spnego": True, "available": lambda: shutil.which("ntlm_auth") is not None,
                         "roles": ("client",), "messaging": False, "v1": True},
    "gss-ntlmssp": {"available": have_gss,
                    "argv": lambda role: [os.path.join(BIN, "gss_peer"), role],
                    "roles": ("client", "server"), "messaging": True, "v1": True, "datagram": True},
    "pyspnego": {"available": have_spnego,
                 "argv": lambda role: [sys.executable, os.path.join(HERE, "spnego_peer.py"), role],
                 "roles": ("client", "server"), "messaging": True, "v1": True},
    "samba": {"available": lambda: shutil.which("ntlm_auth") is not None,
              "roles": ("client", "server"), "messaging": False, "v1": True, "users": False},
}

PAIRS = [("ntlmssp", "ntlmssp"),
         ("ntlmssp", "gss-ntlmssp"), ("gss-ntlmssp", "ntlmssp"),
         ("ntlmssp", "pyspnego"), ("pyspnego", "ntlmssp"),
         ("samba", "ntlmssp"), ("ntlmssp", "samba"),
         ("ntlmssp Negotiate", "ntlmssp Negotiate"),
         ("ntlmssp Negotiate", "MIT SPNEGO"), ("MIT SPNEGO", "ntlmssp Negotiate"),
         ("ntlmssp Negotiate", "pyspnego Negotiate"), ("pyspnego Negotiate", "ntlmssp Negotiate"),
         ("samba gss-spnego", "ntlmssp Negotiate"),
         ("ntlmssp", "ntlmssp Negotiate"), ("ntlmssp", "MIT SPNEGO"), ("ntlmssp", "pyspnego Negotiate"),
         ("WinPR Negotiate", "ntlmssp Negotiate"), ("ntlmssp", "WinPR Negotiate")]


# The flag matrix runs over the NTLM pairs (the SPNEGO pairs request what their mechanism does).
FLAG_PAIRS = [p for p in PAIRS if all(i in ("ntlmssp", "gss-ntlmssp", "pyspnego", "samba") for i in p)]


def ours(impl):
    return impl.startswith("ntlmssp")


def signs(pair):
    """Both ends make and verify signatures (WinPR 2 does neither)."""
    return all(IMPLS[i].get("sign", True) for i in pair)


def ntlm_message(token):
    """The NTLM message in a token: the token itself, or the OCTET STRING holding it inside a
    SPNEGO token (empty when there is none, as in the acceptor's final token)."""
    b = bytes.fromhex(token)
    i = b.find(b"NTLMSSP\0")
    if i <= 0:
        return b if i == 0 else b""
    # The OCTET STRING header before it: 04 len, 04 81 len or 04 82 len len.
    if i >= 2 and b[i - 2] == 0x04 and b[i - 1] < 0x80:
        n = b[i - 1]
    elif i >= 3 and b[i - 3] == 0x04 and b[i - 2] == 0x81:
        n = b[i - 1]
    elif i >= 4 and b[i - 4] == 0x04 and b[i - 3] == 0x82:
        n = (b[i - 2] << 8) | b[i - 1]
    else:
        return b[i:]
    return b[i:i + n]


class Matrix:
    def __init__(self, workdir):
        self.workdir = workdir
        self.users = os.path.join(workdir, "users")
        with open(self.users, "w", encoding="utf-8") as f:
            for u, p in USERS.items():
                f.write(f"{DOMAIN}:{u}:{p}\n")
        self.smbconf = os.path.join(workdir, "smb.conf")
        with open(self.smbconf, "w") as f:
            f.write(f"[global]\n  workgroup = {DOMAIN}\n  unix charset = UTF-8\n"
                    f"  state directory = {workdir}\n  cache directory = {workdir}\n"
                    f"  lock directory = {workdir}\n  private dir = {workdir}\n")
        self.results = {}  # (client, server) -> {case: ok}
        self.failures = 0
        self.checks = 0
        self.current = ("", "", "")

    def env(self, v1, client_user=None, password=None, extra=None):
        e = dict(os.environ)
        e.pop("PEER_REQ", None)
        e.update(extra or {})
        e.update({"NTLM_USER_FILE": self.users, "PEER_DOMAIN": DOMAIN,
                  "PEER_TARGET": "HTTP@server.example.test",
                  "NTLM_NB_DOMAIN_NAME": DOMAIN, "NTLM_NB_COMPUTER_NAME": "SERVER",
                  "NTLM_DNS_DOMAIN_NAME": "example.test",
                  "NTLM_DNS_COMPUTER_NAME": "server.example.test",
                  "LM_COMPAT_LEVEL": "2" if v1 else "3"})
        if client_user is not None:
            e["PEER_USER"], e["PEER_PASSWORD"] = client_user, password
        e.pop("NTLM_USER", None)
        return e

    def start(self, impl, role, v1, user=None, password=None, extra=None, req=None):
        """A driver; `req` is what it requests (PEER_REQ words, see lineproto.h)."""
        client_req = {"PEER_REQ": req} if req is not None else {}
        if impl == "samba":
            if role == "server":
                return SambaServer(self.env(v1), user, v1, self.smbconf)
            return SambaClient(self.env(v1, extra=client_req), user, password, v1, self.smbconf)
        if impl == "samba gss-spnego":
            return SambaSpnegoClient(self.env(v1), user, password, v1, self.smbconf)
        if role == "server":
            user = password = None
        env = {**IMPLS[impl].get("env", {}), **(extra or {}), **client_req}
        return LinePeer(IMPLS[impl]["argv"](role), self.env(v1, user, password, env))

    def record(self, pair, case, ok, detail="", table=True):
        if table:
            self.results.setdefault(pair, {})[case] = ok
        self.checks += 1
        if not ok:
            self.failures += 1
        print(f"{'ok' if ok else 'not ok'} - {pair[0]} -> {pair[1]}: {case}{' (' + detail + ')' if detail else ''}",
              flush=True)

    def handshake(self, client, server):
        """Runs the legs; returns None on success, or (side, status) of the refusal. Keeps the
        client's AUTHENTICATE in self.authenticate."""
        token, done_c, done_s = None, False, False
        self.authenticate = None
        self.tokens = []
        for _ in range(4):
            if not done_c:
                try:
                    done_c, token = client.step(token)
                except Refused as r:
                    return ("client", str(r))
                self.tokens.append(token)
                if token and ntlm_message(token)[8:12] == b"\x03\x00\x00\x00":
                    self.authenticate = ntlm_message(token)
                self.capture(token)
            if token is None and done_c:
                # A SPNEGO client that needed the server's final token is done now.
                return None if done_s else ("nobody", "client done before the server")
            try:
                done_s, token = server.step(token)
            except Refused as r:
                return ("server", str(r))
            self.tokens.append(token)
            self.capture(token)
            if done_s and done_c:
                return None
            if done_s and token is None:
                return None
        return ("nobody", "handshake did not finish")

    def run_pair(self, cimpl, simpl):
        pair = (cimpl, simpl)
        msg = IMPLS[cimpl]["messaging"] and IMPLS[simpl]["messaging"]
        ours_server = ours(simpl)
        for case, user, password, v1, expect_ok in (
                ("NTLMv2 handshake", "alice", USERS["alice"], False, True),
                ("non-ASCII password", "bob", USERS["bob"], False, True),
                ("wrong password refused", "alice", "Secret124", False, False),
                ("unknown user refused", "mallory", "Secret123", False, False),
                ("NTLMv1 (LM_COMPAT_LEVEL=2)", "alice", USERS["alice"], True, True)):
            if v1 and not (IMPLS[cimpl]["v1"] and IMPLS[simpl]["v1"]):
                continue
            if user not in USERS and not IMPLS[simpl].get("users", True):
                print(f"# {cimpl} -> {simpl}: {case}: skipped, {simpl} has no user database")
                continue
            self.current = (cimpl, simpl, case)
            client = self.start(cimpl, "client", v1, user, password)
            server = self.start(simpl, "server", v1, user, password)
            try:
                res = self.handshake(client, server)
                if expect_ok:
                    self.record(pair, case, res is None, "" if res is None else f"{res[0]} refused: {res[1]}")
                    if res is None:
                        self.check_version(pair, case, v1)
                        self.check_framing(pair, case)
                        self.check_name(pair, case, server, user)
                        if msg:
                            self.messages(pair, case, client, server)
                            if not v1 and user == "alice":
                                self.second_session(pair, case)
                else:
                    want = SEC_E_LOGON_DENIED if ours_server else None
                    ok = res is not None and res[0] == "server" and (want is None or res[1] == want)
                    self.record(pair, case, ok, "accepted" if res is None else f"{res[0]}: {res[1]}")
            except Exception as e:  # a driver crashed or hung: that pair fails, the matrix goes on
                self.record(pair, case, False, f"{type(e).__name__}: {e}")
            finally:
                close_all(client, server)

    def nothing_requested(self, pair):
        """ntlmssp's Negotiate client asking for nothing (fContextReq 0, as curl does for HTTP):
        no SIGN or SEAL, so the mechListMIC is NTLM's signature without them; the server must
        still accept it."""
        case = "nothing requested (HTTP)"
        self.current = (pair[0], pair[1], case)
        client = self.start(pair[0], "client", False, "alice", USERS["alice"], {"PEER_REQ": "none"})
        server = self.start(pair[1], "server", False)
        try:
            res = self.handshake(client, server)
            self.record(pair, case, res is None, "" if res is None else f"{res[0]} refused: {res[1]}")
            if res is None:
                self.check_framing(pair, case)
                self.check_name(pair, case, server, "alice")
        finally:
            client.close()
            server.close()

    def second_session(self, pair, case):
        client = self.start(pair[0], "client", False, "alice", USERS["alice"])
        server = self.start(pair[1], "server", False)
        try:
            res = self.handshake(client, server)
            if res is not None:
                self.record(pair, f"{case}: second session", False, str(res))
                return
            self.refusals(pair, case, client, server, second=True)
        finally:
            client.close()
            server.close()

    def capture(self, token):
        """With NTLMSSP_CAPTURE_DIR set, keeps every token (fuzzing seeds, tests/fuzz/corpus)."""
        where = os.environ.get("NTLMSSP_CAPTURE_DIR")
        if where and token:
            os.makedirs(where, exist_ok=True)
            # SPNEGO tokens are kept as the NTLM message they carry (ntlmssp-decode reads those).
            m = ntlm_message(token)
            if len(m) <= 8:
                return
            kind = {1: "negotiate", 2: "challenge", 3: "authenticate"}.get(m[8], "other")
            name = f"{self.current[0]}-{self.current[1]}-{self.current[2]}-{kind}".replace(" ", "_")
            name = "".join(ch for ch in name if ch.isalnum() or ch in "-_.")
            with open(os.path.join(where, name), "wb") as f:
                f.write(m)

    def check_version(self, pair, case, v1):
        """The NtChallengeResponse length (AUTHENTICATE offset 20) tells NTLMv1 (24 bytes) from
        NTLMv2 (NTProofStr and blob), so the matrix shows which protocol really ran."""
        a = self.authenticate
        n = int.from_bytes(a[20:22], "little") if a and len(a) >= 22 else -1
        good = n == 24 if v1 else n > 24
        self.record(pair, f"{case}: client sent {'NTLMv1' if v1 else 'NTLMv2'}", good,
                    f"NtChallengeResponse {n} bytes")

    def check_framing(self, pair, case):
        """Which protocol ran: a SPNEGO client's first token is GSS-framed SPNEGO (0x60 and OID
        1.3.6.1.5.5.2) and the reply a NegTokenResp ([1]); a raw NTLM client's is NTLMSSP and so
        is the reply, whichever package the server offers."""
        first, reply = (bytes.fromhex(t) if t else b"" for t in (self.tokens + [None, None])[:2])
        if IMPLS[pair[0]].get("spnego"):
            good = first[:1] == b"\x60" and b"\x06\x06\x2b\x06\x01\x05\x05\x02" in first[:16] and reply[:1] == b"\xa1"
            what = "SPNEGO tokens"
        else:
            good = first.startswith(b"NTLMSSP\0") and reply.startswith(b"NTLMSSP\0")
            what = "raw NTLMSSP tokens"
        self.record(pair, f"{case}: {what}", good, f"{first[:4].hex()} / {reply[:4].hex()}")

    def check_name(self, pair, case, server, user):
        if not IMPLS[pair[1]].get("names", True):
            return
        r = server.ask("NAME")
        want = f"{DOMAIN}\\{user}".lower()
        self.record(pair, case + ": server names the client", r[0] == "OK" and r[1].lower() == want,
                    " ".join(r))

    def messages(self, pair, case, client, server):
        ours_at = {"client": ours(pair[0]), "server": ours(pair[1])}
        for n, (src, dst, sname, dname) in enumerate(((client, server, "client", "server"),
                                                      (server, client, "server", "client"))):
            m = f"{n:02x}" + bytes(f"{sname} to {dname}: hello \u00e9", "utf-8").hex() * 3
            if signs(pair):
                r = src.ask("SIGN", m)
                v = dst.ask("VERIFY", m, r[1]) if r[0] == "OK" else r
                self.record(pair, f"{case}: signed {sname}->{dname}", r[0] == "OK" and v == ["OK"], " ".join(v))
            r = src.ask("SEAL", m)
            ok = r[0] == "OK" and r[2] != m
            u = dst.ask("UNSEAL", r[1], r[2]) if r[0] == "OK" else r
            self.record(pair, f"{case}: sealed {sname}->{dname}", ok and u == ["OK", m], " ".join(u)[:80])
        self.refusals(pair, case, client, server, second=False)

    def refusals(self, pair, case, client, server, second):
        """Replays, then one tampered message each way. A refused message leaves the receiver's
        state unchanged but the sender's advanced, so that direction's stream is over afterwards:
        the first session tampers sealed client->server and signed server->client, a second
        session (second=True) the other two."""
        ours_at = {"client": ours(pair[0]), "server": ours(pair[1])}
        m = "7465737420" + "ab" * 40
        legs = ((client, server, "client", "server"), (server, client, "server", "client"))
        if not second:
            for n, (src, dst, sname, dname) in enumerate(legs):
                if signs(pair):
                    r = src.ask("SIGN", m)
                    ok1 = dst.ask("VERIFY", m, r[1]) == ["OK"]
                    u = dst.ask("VERIFY", m, r[1])
                    kind = "signed"
                else:
                    r = src.ask("SEAL", m)
                    ok1 = dst.ask("UNSEAL", r[1], r[2]) == ["OK", m]
                    u = dst.ask("UNSEAL", r[1], r[2])
                    kind = "sealed"
                good = ok1 and u[0] == "FAIL" and (not ours_at[dname] or u[1] == SEC_E_OUT_OF_SEQUENCE)
                self.record(pair, f"{case}: replayed {kind} message refused by {dname}", good, " ".join(u)[:80])
        for n, (src, dst, sname, dname) in enumerate(legs):
            if (n == 0) != second or not signs(pair):
                r = src.ask("SEAL", m)
                c = bytearray.fromhex(r[2])
                c[5] ^= 0x01
                u = dst.ask("UNSEAL", r[1], c.hex())
                kind = "sealed"
            else:
                r = src.ask("SIGN", m)
                u = dst.ask("VERIFY", "00" + m[2:], r[1])
                kind = "signed"
            good = u[0] == "FAIL" and (not ours_at[dname] or u[1] == SEC_E_MESSAGE_ALTERED)
            self.record(pair, f"{case}: tampered {kind} message {sname}->{dname} refused", good, " ".join(u)[:80])


class FlagMatrix:
    """The flag matrix: for each pair, the client requests each fContextReq of REQS (and
    DATAGRAM_REQS where both peers have it); the handshake must complete and name the client,
    then every message that can be protected is checked both ways. Signatures protect only when
    SIGN was negotiated (otherwise both sides exchange the dummy signature); sealing must always
    be real: a sender either refuses or returns ciphertext with a real trailer (ntlmssp may not
    refuse), and a receiver that is ntlmssp refuses an unencrypted message with a dummy trailer."""

    def __init__(self, mx):
        self.mx = mx
        self.cells = {}  # (client, server) -> {label: ok}

    def record(self, pair, label, case, ok, detail=""):
        cell = self.cells.setdefault(pair, {})
        cell[label] = cell.get(label, True) and ok
        self.mx.record(pair, case, ok, detail, table=False)

    def run_pair(self, cimpl, simpl):
        pair = (cimpl, simpl)
        variants = list(REQS)
        if IMPLS[cimpl].get("datagram") and IMPLS[simpl].get("datagram"):
            variants += DATAGRAM_REQS
        for label, words in variants:
            case = f"fContextReq={label}"
            self.mx.current = (cimpl, simpl, case)
            start = lambda: (self.mx.start(cimpl, "client", False, "alice", USERS["alice"], req=words),
                             self.mx.start(simpl, "server", False, "alice", req=words))
            client, server = start()
            try:
                res = self.mx.handshake(client, server)
                self.record(pair, label, case + ": handshake", res is None,
                            "" if res is None else f"{res[0]} refused: {res[1]}")
                if res is None:
                    self.after_handshake(pair, label, case, client, server, words, start)
            except Exception as e:  # a driver crashed or hung: that cell fails, the matrix goes on
                self.record(pair, label, case, False, f"{type(e).__name__}: {e}")
            finally:
                close_all(client, server)

    def after_handshake(self, pair, label, case, client, server, words, start):
        a = self.mx.authenticate
        flags = int.from_bytes(a[60:64], "little") if a and len(a) >= 64 else 0
        r = server.ask("NAME")
        want = f"{DOMAIN}\\alice".lower()
        self.record(pair, label, case + ": server names the client",
                    r[0] == "OK" and r[1].lower() == want, " ".join(r))
        print(f"# {pair[0]} -> {pair[1]}: {case}: negotiated flags 0x{flags:08x}")
        if pair[0] == "ntlmssp":
            # What was asked for is what the completed context reports.
            r = client.ask("ATTRS")
            attrs = int(r[1], 16) if r[0] == "OK" else 0
            need = (ISC_RET_INTEGRITY if "integ" in words else 0) | (ISC_RET_CONFIDENTIALITY if "conf" in words else 0)
            self.record(pair, label, case + ": client attributes grant what it asked for",
                        attrs & need == need, f"attributes 0x{attrs:08x}")
        if not (IMPLS[pair[0]]["messaging"] and IMPLS[pair[1]]["messaging"]):
            return
        datagram = bool(flags & NEGOTIATE_DATAGRAM)
        signing = bool(flags & NEGOTIATE_SIGN)
        ends = {"client": (client, pair[0]), "server": (server, pair[1])}
        legs = (("client", "server"), ("server", "client"))
        m = "48656c6c6f2c20776f726c6421" + "5a" * 40

        # Signed, both ways: without SIGN and SEAL both sides exchange the dummy signature. With
        # SEAL but no SIGN (what GSS_C_CONF_FLAG or pyspnego's confidentiality alone negotiate)
        # implementations differ (a real or a dummy signature), so nothing is signed there.
        sealing = bool(flags & NEGOTIATE_SEAL)
        if sealing and not signing:
            print(f"# {pair[0]} -> {pair[1]}: {case}: SEAL without SIGN, signatures not compared")
        for src, dst in legs if signing or not sealing else ():
            r = ends[src][0].ask("SIGN", m)
            v = ends[dst][0].ask("VERIFY", m, r[1]) if r[0] == "OK" else r
            dummy = r[0] == "OK" and r[1] == DUMMY_SIGNATURE
            self.record(pair, label, f"{case}: signed {src}->{dst}{' (dummy signature, no SIGN)' if dummy else ''}",
                        r[0] == "OK" and v == ["OK"] and (signing or dummy) and (dummy != signing),
                        " ".join(v)[:80])

        # Sealed, both ways. Both seal first (the directions are separate streams), then each
        # unseals what the other sealed.
        sealed = {}
        for src, dst in legs:
            peer, impl = ends[src]
            r = peer.ask("SEAL", m)
            if r[0] != "OK":
                sealed[src] = None
                if impl == "ntlmssp":
                    self.record(pair, label, f"{case}: ntlmssp seals {src}->{dst}", False, " ".join(r))
                else:
                    print(f"# {pair[0]} -> {pair[1]}: {case}: {impl} does not seal here ({' '.join(r)[:60]})")
                continue
            sealed[src] = r
            if impl != "ntlmssp" and r[1] == DUMMY_SIGNATURE and r[2] != m:
                # pyspnego encrypts but writes the dummy trailer when SIGN is not negotiated: its
                # data is sealed without a checksum, which nothing here is required to accept.
                print(f"# {pair[0]} -> {pair[1]}: {case}: {impl} seals {src}->{dst} with a dummy trailer (no checksum)")
                sealed[src] = None
                continue
            self.record(pair, label, f"{case}: sealed {src}->{dst} is encrypted (not the plaintext, not a dummy trailer)",
                        r[2] != m and r[1] != DUMMY_SIGNATURE, f"trailer {r[1]}")
        unsealed = {}  # where the genuine message unsealed: only there a tampered one is tried
        for src, dst in legs:
            r = sealed[src]
            if r is None:
                continue
            peer, impl = ends[dst]
            u = peer.ask("UNSEAL", r[1], r[2])
            if u != ["OK", m] and datagram and "gss-ntlmssp" in (ends[src][1], impl):
                # Connectionless sealing: MS-NLMP 3.4.3 re-keys RC4 with MD5(SealingKey, SeqNum)
                # before a message is sealed, which ntlmssp does; gss-ntlmssp seals the data
                # with the stream as it was and re-keys only for the checksum, so the two do
                # not unseal each other's connectionless data. Reported, not counted.
                print(f"# {pair[0]} -> {pair[1]}: {case}: connectionless sealing {src}->{dst} differs from "
                      f"gss-ntlmssp's (it seals before re-keying, MS-NLMP 3.4.3 re-keys first)")
                sealed[src] = None
                continue
            if u != ["OK", m] and impl != "ntlmssp" and sealed[dst] is None:
                print(f"# {pair[0]} -> {pair[1]}: {case}: {impl} cannot unseal here either ({' '.join(u)[:60]})")
                sealed[src] = None
                continue
            self.record(pair, label, f"{case}: sealed {src}->{dst} unsealed", u == ["OK", m], " ".join(u)[:80])
            unsealed[src] = u == ["OK", m]

        # A receiver that is ntlmssp refuses the plaintext with a dummy trailer where a sealed
        # message was due.
        for src, dst in legs:
            peer, impl = ends[dst]
            if impl == "ntlmssp":
                u = peer.ask("UNSEAL", DUMMY_SIGNATURE, m)
                self.record(pair, label, f"{case}: unencrypted message with a dummy trailer refused by {dst}",
                            u[0] == "FAIL", " ".join(u)[:80])

        # Replays: only a signed stream of a connection has sequence numbers to check.
        if signing and not datagram:
            for src, dst in legs:
                r = ends[src][0].ask("SIGN", m)
                first = ends[dst][0].ask("VERIFY", m, r[1])
                u = ends[dst][0].ask("VERIFY", m, r[1])
                good = first == ["OK"] and u[0] == "FAIL" and (ends[dst][1] != "ntlmssp" or u[1] == SEC_E_OUT_OF_SEQUENCE)
                self.record(pair, label, f"{case}: replayed signed message refused by {dst}", good, " ".join(u)[:80])

        # Tampering: a refused message advances the sender only, so each direction tampers once
        # per session: sealed client->server and signed server->client here, the other two in a
        # second session.
        can_seal = {src: unsealed.get(src, False) for src, _ in legs}
        self.tamper(pair, label, case, ends, ("client", "server"), "sealed", can_seal, signing, m)
        self.tamper(pair, label, case, ends, ("server", "client"), "signed", can_seal, signing, m)
        if signing or can_seal["server"]:
            client2, server2 = start()
            try:
                if self.mx.handshake(client2, server2) is None:
                    ends2 = {"client": (client2, pair[0]), "server": (server2, pair[1])}
                    self.tamper(pair, label, case, ends2, ("client", "server"), "signed", can_seal, signing, m)
                    self.tamper(pair, label, case, ends2, ("server", "client"), "sealed", can_seal, signing, m)
                else:
                    self.record(pair, label, f"{case}: second session", False)
            finally:
                close_all(client2, server2)

    def tamper(self, pair, label, case, ends, leg, kind, can_seal, signing, m):
        src, dst = leg
        if kind == "signed" and not signing:
            return
        if kind == "sealed" and not can_seal[src]:
            return
        if kind == "sealed":
            r = ends[src][0].ask("SEAL", m)
            c = bytearray.fromhex(r[2])
            c[3] ^= 0x01
            u = ends[dst][0].ask("UNSEAL", r[1], c.hex())
        else:
            r = ends[src][0].ask("SIGN", m)
            u = ends[dst][0].ask("VERIFY", "00" + m[2:], r[1])
        good = u[0] == "FAIL" and (ends[dst][1] != "ntlmssp" or u[1] == SEC_E_MESSAGE_ALTERED)
        self.record(pair, label, f"{case}: tampered {kind} message {src}->{dst} refused", good, " ".join(u)[:80])

    def table(self):
        labels = [l for l, _ in REQS + DATAGRAM_REQS]
        print("\n| client -> server | " + " | ".join(f"fContextReq={l}" for l in labels) + " |")
        print("|---|" + "---|" * len(labels))
        for pair, cells in self.cells.items():
            row = ["-" if l not in cells else ("pass" if cells[l] else "FAIL") for l in labels]
            print(f"| {pair[0]} -> {pair[1]} | " + " | ".join(row) + " |")


def main():
    missing = []
    with tempfile.TemporaryDirectory(prefix="ntlmssp-interop-") as work:
        mx = Matrix(work)
        for c, s in PAIRS:
            absent = [i for i in (c, s) if not IMPLS[i]["available"]()]
            if absent:
                missing += absent
                print(f"# skipped {c} -> {s}: {', '.join(absent)} not installed")
                continue
            mx.run_pair(c, s)
            if c == "ntlmssp Negotiate":
                mx.nothing_requested((c, s))
        flags = FlagMatrix(mx)
        for c, s in FLAG_PAIRS:
            if all(IMPLS[i]["available"]() for i in (c, s)):
                flags.run_pair(c, s)
        print("\n| client -> server | " + " | ".join(
            ["NTLMv2", "non-ASCII", "wrong pw", "unknown user", "NTLMv1", "sign/seal/tamper"]) + " |")
        print("|---|---|---|---|---|---|---|")
        for pair, cases in mx.results.items():
            def cell(prefix):
                sel = [ok for name, ok in cases.items() if name == prefix or name.startswith(prefix + ":")
                       and "signed" not in name and "sealed" not in name]
                return "-" if not sel else ("pass" if all(sel) else "FAIL")
            msgs = [ok for name, ok in cases.items() if "signed" in name or "sealed" in name]
            row = [cell("NTLMv2 handshake"), cell("non-ASCII password"), cell("wrong password refused"),
                   cell("unknown user refused"), cell("NTLMv1 (LM_COMPAT_LEVEL=2)"),
                   "-" if not msgs else ("pass" if all(msgs) else "FAIL")]
            print(f"| {pair[0]} -> {pair[1]} | " + " | ".join(row) + " |")
        flags.table()
        print(f"\n{mx.checks - mx.failures}/{mx.checks} interop checks passed")
    if REQUIRE and missing:
        print(f"missing peers (required): {sorted(set(missing))}")
        return 1
    return 1 if mx.failures else 0


if __name__ == "__main__":
    sys.exit(main())
