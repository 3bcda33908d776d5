#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (spec vectors, loopback, the header and
# export checks), then the C harness through the real exports, also under valgrind, then the
# interoperability matrix against gss-ntlmssp, pyspnego and Samba (peers not installed are skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release
cargo test --release
bash tests/c/run.sh target/release
bash tests/interop/run.sh target/release
