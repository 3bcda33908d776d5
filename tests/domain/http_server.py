#!/usr/bin/env python3
"""An HTTP server on loopback that authenticates its clients with libntlmssp.so's server side:
each connection's "Authorization: NTLM|Negotiate <token>" headers go to a sspi_peer server of
that package (tests/interop/sspi_peer.c, its line protocol), whose tokens go back in
"WWW-Authenticate"; an established connection gets 200 and a body naming the client as the
server context does (QueryContextAttributes NAMES), a refused one 401 and the status. Run where
the server side should verify: in tests/domain/run.sh, with no NTLM_USER_FILE, the domain does.

usage: http_server.py SSPI_PEER   (prints "port N" once listening on 127.0.0.1:N)"""
import base64
import http.server
import os
import subprocess
import sys

SSPI_PEER = sys.argv[1] if len(sys.argv) > 1 else ""


class Peer:
    """One sspi_peer server context (tests/interop/run.py's LinePeer, without its imports)."""

    def __init__(self, package):
        env = dict(os.environ, PEER_PACKAGE=package)
        self.proc = subprocess.Popen([SSPI_PEER, "server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True)
        self.package = package
        self.done = False

    def ask(self, *words):
        self.proc.stdin.write(" ".join(words) + "\n")
        self.proc.stdin.flush()
        return (self.proc.stdout.readline() or "FAIL exited").split()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=30)


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP authentication with NTLM is per connection: keep-alive, one context per connection.
    protocol_version = "HTTP/1.1"
    peer = None

    def log_message(self, fmt, *args):
        sys.stderr.write("http_server: " + fmt % args + "\n")

    def reply(self, code, challenges, body):
        data = body.encode()
        self.send_response(code)
        for c in challenges:
            self.send_header("WWW-Authenticate", c)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme not in ("NTLM", "Negotiate") or not token:
            return self.reply(401, ["Negotiate", "NTLM"], "authentication required\n")
        if self.peer is None or self.peer.package != scheme or self.peer.done:
            self.finish_peer()
            self.peer = Peer(scheme)
        r = self.peer.ask("STEP", base64.b64decode(token).hex())
        if r[0] == "CONTINUE":
            return self.reply(401, [f"{scheme} {base64.b64encode(bytes.fromhex(r[1])).decode()}"], "")
        if r[0] == "DONE":
            self.peer.done = True
            name = self.peer.ask("NAME")
            final = [] if r[1] == "-" else [f"{scheme} {base64.b64encode(bytes.fromhex(r[1])).decode()}"]
            return self.reply(200, final, f"authenticated as {name[1] if name[0] == 'OK' else '?'}\n")
        self.finish_peer()
        return self.reply(401, [scheme], f"refused: {' '.join(r[1:])}\n")

    def finish_peer(self):
        if self.peer is not None:
            self.peer.close()
            self.peer = None

    def finish(self):
        self.finish_peer()
        super().finish()


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
