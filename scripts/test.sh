#!/usr/bin/env bash
# Runs every test: formatting and clippy, Rust unit and integration tests (spec vectors, loopback, the header and
# export checks), then the C harness through the real exports, also under valgrind, then the
# interoperability matrix against gss-ntlmssp, pyspnego and Samba (peers not installed are skipped),
# then the Windows DLL under Wine (skipped without Debian's rustc-web, mingw-w64 and Wine, unless
# NTLMSSP_WINDOWS_REQUIRE=1).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --check
cargo clippy --release --all-targets -- -D warnings
cargo build --release
cargo test --release
bash tests/c/run.sh target/release
# Installed like a system library: scripts/install.sh into a temporary prefix, then the example
# and the C harness built through pkg-config against the installed copy only.
bash tests/install/run.sh
# The interop matrix keeps the tokens it exchanged; ntlmssp-decode must decode every one.
capture=$(mktemp -d)
trap 'rm -rf "$capture"' EXIT
NTLMSSP_CAPTURE_DIR="$capture" bash tests/interop/run.sh target/release
bash tests/decode/captured.sh "$capture"
# FreeRDP's shadow server with NLA on ntlmssp's Negotiate decides RDP logins (skipped without
# FreeRDP, Xvfb or root, unless NTLMSSP_INTEROP_REQUIRE=1).
bash tests/freerdp/run.sh target/release
if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v x86_64-w64-mingw32-gcc >/dev/null \
   && command -v wine >/dev/null; then
  bash tests/windows/run.sh "$(bash scripts/build-windows.sh)"
elif [ "${NTLMSSP_WINDOWS_REQUIRE:-}" = 1 ]; then
  echo "Windows checks required but rustc-web/cargo-web/rust-web-src, mingw-w64 or wine is missing" >&2
  exit 1
else
  echo "Windows checks skipped: apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64 wine"
fi
