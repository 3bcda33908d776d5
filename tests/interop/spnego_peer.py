#!/usr/bin/env python3
"""One end of an NTLM conversation with pyspnego's own NTLM implementation (use_ntlm: never the
system GSSAPI), speaking the line protocol of sspi_peer.c. A wrap token is the 16-byte signature
followed by the sealed data.

usage: spnego_peer.py client|server, with PEER_USER, PEER_DOMAIN, PEER_PASSWORD, PEER_TARGET
(service@host) for the client and NTLM_USER_FILE for the server; PEER_REQ (see lineproto.h) chooses
the client's ContextReq (pyspnego's NTLM has no datagram mode). With PEER_PROTOCOL=negotiate,
pyspnego's own SPNEGO (use_negotiate) around its NTLM."""
import os
import sys

import spnego


def unhex(s):
    return b"" if s in (None, "-") else bytes.fromhex(s)


def hx(b):
    return b.hex() if b else "-"


REQ_WORDS = {"integ": spnego.ContextReq.integrity, "conf": spnego.ContextReq.confidentiality,
             "replay": spnego.ContextReq.replay_detect, "sequence": spnego.ContextReq.sequence_detect,
             "none": spnego.ContextReq.none}


def context_req():
    words = os.environ.get("PEER_REQ")
    if words is None:
        return spnego.ContextReq.default
    req = spnego.ContextReq.none
    for w in words.split(","):
        if w not in REQ_WORDS:
            sys.exit(f"PEER_REQ: {w} is not supported by pyspnego's NTLM")
        req |= REQ_WORDS[w]
    return req


def main():
    role = sys.argv[1] if len(sys.argv) == 2 else ""
    if role not in ("client", "server"):
        sys.exit("usage: spnego_peer.py client|server")
    protocol = os.environ.get("PEER_PROTOCOL") or "ntlm"
    opts = spnego.NegotiateOptions.use_negotiate if protocol == "negotiate" else spnego.NegotiateOptions.use_ntlm
    if role == "client":
        domain, user = os.environ.get("PEER_DOMAIN", ""), os.environ.get("PEER_USER", "")
        service, _, host = os.environ.get("PEER_TARGET", "HTTP@server").partition("@")
        ctx = spnego.client(f"{domain}\\{user}" if domain else user, os.environ.get("PEER_PASSWORD", ""),
                            hostname=host, service=service, protocol=protocol, options=opts,
                            context_req=context_req())
    else:
        ctx = spnego.server(protocol=protocol, options=opts)

    def reply(text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, args = parts[0], parts[1:]
        try:
            if cmd == "STEP":
                out = ctx.step(unhex(args[0]) or None)
                reply(("DONE " if ctx.complete else "CONTINUE ") + hx(out))
            elif cmd == "SIGN":
                reply("OK " + hx(ctx.sign(unhex(args[0]))))
            elif cmd == "VERIFY":
                ctx.verify(unhex(args[0]), unhex(args[1]))
                reply("OK")
            elif cmd == "SEAL":
                w = ctx.wrap(unhex(args[0]), encrypt=True).data
                reply(f"OK {hx(w[:16])} {hx(w[16:])}")
            elif cmd == "UNSEAL":
                reply("OK " + hx(ctx.unwrap(unhex(args[0]) + unhex(args[1])).data))
            elif cmd == "NAME":
                reply("OK " + str(ctx.client_principal))
            elif cmd == "ATTRS":
                reply(f"OK {int(ctx.context_attr):08x}")
            elif cmd == "QUIT":
                break
            else:
                reply("FAIL unknown-command")
        except Exception as e:  # every refusal is reported, the orchestrator judges it
            detail = f"{type(e).__name__}:{str(e).splitlines()[0] if str(e) else ''}"
            reply("FAIL " + detail.replace(" ", "_"))


if __name__ == "__main__":
    main()
