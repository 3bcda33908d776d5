#!/usr/bin/env bash
# ntlmssp-decode on the tokens the interop matrix just exchanged with gss-ntlmssp, pyspnego and
# Samba (tests/interop/run.py keeps them when NTLMSSP_CAPTURE_DIR is set): every token decodes,
# with the message type its name gives, and each AUTHENTICATE with the response kind of its
# scenario (NTLMv1 at LM_COMPAT_LEVEL 2, else NTLMv2) and a UTC timestamp in its NTLMv2 blob.
# usage: tests/decode/captured.sh CAPTURE_DIR [path/to/ntlmssp-decode]
set -euo pipefail
dir=${1:?capture directory}
decode=${2:-$(cd "$(dirname "$0")/../.." && pwd)/target/release/ntlmssp-decode}
python3 - "$dir" "$decode" <<'PY'
import json, os, subprocess, sys
cap, decode = sys.argv[1:]
names = sorted(os.listdir(cap))
if not names:
    sys.exit("no captured tokens")
bad = 0
for name in names:
    path = os.path.join(cap, name)
    out = subprocess.run([decode, "--json", "-f", path], capture_output=True, text=True)
    problems = []
    if out.returncode != 0:
        problems.append(f"exit status {out.returncode}: {out.stderr.strip()}")
    else:
        d = json.loads(out.stdout)
        kind = name.rsplit("-", 1)[1]
        want = {"negotiate": "NEGOTIATE_MESSAGE", "challenge": "CHALLENGE_MESSAGE", "authenticate": "AUTHENTICATE_MESSAGE"}.get(kind)
        if not d["Message"].startswith(str(want)):
            problems.append(f"Message {d['Message']}, expected {want}")
        if kind == "authenticate":
            response = "NTLMv1-ESS" if "NTLMv1" in name else "NTLMv2"
            if d.get("Response") != response:
                problems.append(f"Response {d.get('Response')}, expected {response}")
            if response == "NTLMv2" and not d["NTLMv2_CLIENT_CHALLENGE"]["TimeStamp"].endswith("Z"):
                problems.append("NTLMv2 TimeStamp is not a UTC date")
    if problems:
        bad += 1
        print(f"not ok - {name}: {'; '.join(problems)}")
print(f"ntlmssp-decode: {len(names) - bad}/{len(names)} captured tokens decoded as expected")
sys.exit(1 if bad else 0)
PY
