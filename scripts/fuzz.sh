#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer + AddressSanitizer) on the targets in tests/fuzz:
#   scripts/fuzz.sh [seconds per target] [target...]   run each target from its committed seeds
#   scripts/fuzz.sh seed                                rebuild the seed corpora
# Runs work on copies of tests/fuzz/corpus in target/fuzz-corpus (kept between runs); a crash
# fails the run and leaves its input in tests/fuzz/artifacts/<target>/: commit it under
# tests/fuzz/regressions/<target>/ with the fix (tests/fuzz_regressions.rs replays them).
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=(messages client server session exports spnego decode)

if [ "${1:-}" = seed ]; then
  corpus=tests/fuzz/corpus
  # Conversations between the deterministic client and server (server seeds that verify).
  (cd tests/fuzz && cargo run --release --quiet --bin make_seeds -- corpus)
  # The MS-NLMP 4.2 messages.
  python3 - "$corpus" <<'PY'
import json, os, sys
corpus = sys.argv[1]
vectors = json.load(open("tests/data/ms-nlmp-vectors.json"))
for section in ("ntlmv1", "ntlmv1_client_challenge", "ntlmv2"):
    for name, hexed in vectors[section]["messages"].items():
        data = bytes.fromhex(hexed)
        open(os.path.join(corpus, "messages", f"ms-nlmp-{section}-{name}"), "wb").write(data)
        if name.startswith("CHALLENGE"):
            open(os.path.join(corpus, "client", f"ms-nlmp-{section}"), "wb").write(data)
PY
  # Tokens of the interop peers (gss-ntlmssp, pyspnego, Samba) from the interop matrix.
  cap=$(mktemp -d)
  cargo build --release --quiet
  NTLMSSP_CAPTURE_DIR="$cap" bash tests/interop/run.sh target/release > /dev/null || true
  python3 - "$cap" "$corpus" <<'PY'
import os, sys
cap, corpus = sys.argv[1:]
for name in sorted(os.listdir(cap)):
    if name.startswith("ntlmssp-ntlmssp"):
        continue
    data = open(os.path.join(cap, name), "rb").read()
    open(os.path.join(corpus, "messages", "peer-" + name), "wb").write(data)
    if name.endswith("-challenge"):
        open(os.path.join(corpus, "client", "peer-" + name), "wb").write(data)
    if name.endswith("-authenticate"):
        neg = os.path.join(cap, name[: -len("authenticate")] + "negotiate")
        if os.path.exists(neg):
            n = open(neg, "rb").read()
            seed = len(n).to_bytes(2, "little") + n + data
            open(os.path.join(corpus, "server", "peer-" + name), "wb").write(seed)
PY
  rm -rf "$cap"
  # ntlmssp-decode: every message seed, and the same tokens as the text a user pastes.
  mkdir -p "$corpus/decode"
  cp "$corpus"/messages/ms-nlmp-* "$corpus"/messages/peer-* "$corpus/decode/"
  python3 - "$corpus" <<'PY'
import base64, os, sys
corpus = sys.argv[1]
for name in sorted(os.listdir(os.path.join(corpus, "messages"))):
    if not name.startswith(("ms-nlmp-", "peer-ntlmssp-gss-ntlmssp-NTLMv2")):
        continue
    data = open(os.path.join(corpus, "messages", name), "rb").read()
    b64 = base64.b64encode(data).decode()
    text = f"Authorization: NTLM {b64}\nWWW-Authenticate: Negotiate {b64}\n{data.hex()}\n"
    open(os.path.join(corpus, "decode", "text-" + name), "w").write(text)
PY
  for t in "${targets[@]}"; do echo "$t: $(ls "$corpus/$t" 2>/dev/null | wc -l) seeds"; done
  exit 0
fi

seconds=${1:-60}
shift || true
[ $# -gt 0 ] && targets=("$@")
cargo fuzz build --fuzz-dir tests/fuzz -O
for t in "${targets[@]}"; do
  work="target/fuzz-corpus/$t"
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true
  echo "== $t ($seconds s)"
  if ! cargo fuzz run --fuzz-dir tests/fuzz -O "$t" "$work" -- -max_total_time="$seconds" \
       -print_final_stats=1 -rss_limit_mb=2048 > "target/fuzz-$t.log" 2>&1; then
    tail -n 40 "target/fuzz-$t.log"
    echo "fuzz target $t failed: input in tests/fuzz/artifacts/$t/"
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "target/fuzz-$t.log" | tr '\n' ' '
  echo
done
