#!/usr/bin/env bash
# Runs every test: formatting, clippy and rustdoc, Rust unit and integration tests (spec vectors, loopback, the header and
# export checks), then the C harness through the real exports, also under valgrind, then the
# interoperability matrix against gss-ntlmssp, pyspnego and Samba (peers not installed are skipped),
# then the test domain's checks (tests/domain/check.sh: the anchors on a Samba AD DC and the
# libwbclient binding), then the Windows DLL under Wine, x86_64 on the host's Wine 8, i686 on
# 32-bit Wine 8 and x86_64 on Wine 10 in Debian chroots, each also with Wine's own secur32
# conformance tests, and each as Wine is and with the NT 5.2 fallbacks forced (as on ReactOS; the
# DLL build itself checks the imports against ReactOS's exports) (skipped without Debian's
# rustc-web, mingw-w64 and Wine, or for the chroots without root and debootstrap, unless
# NTLMSSP_WINDOWS_REQUIRE=1).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --check
cargo clippy --release --all-targets -- -D warnings
# The documentation builds without a broken or private intra-doc link.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
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
# The test domain (tests/domain): a Samba AD DC and a joined member in private namespaces,
# provisioned once into /var/cache/ntlmssp-ci; the libwbclient binding's tests and the winbind
# anchors (gss-ntlmssp, ntlm_auth) against it (skipped without root or Samba's AD DC packages,
# unless NTLMSSP_INTEROP_REQUIRE=1).
bash tests/domain/check.sh target/release
# FreeRDP's shadow server with NLA on ntlmssp's Negotiate decides RDP logins (skipped without
# FreeRDP, Xvfb or root, unless NTLMSSP_INTEROP_REQUIRE=1).
bash tests/freerdp/run.sh target/release
if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v x86_64-w64-mingw32-gcc >/dev/null \
   && command -v wine >/dev/null; then
  # The other hosts: 32-bit (the i686 DLL under Debian 12's 32-bit Wine 8) and current Wine
  # (Debian 13's Wine 10), each in a Debian chroot cached outside the clone
  # (scripts/wine-chroot.sh; making one needs root and debootstrap). On a fresh machine both
  # are made in the background (mostly download) while the DLLs build.
  chroots=
  if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null && command -v i686-w64-mingw32-gcc >/dev/null; then
    chroots_log=$(mktemp)
    (bash scripts/wine-chroot.sh bookworm-i386 & one=$!; bash scripts/wine-chroot.sh trixie-amd64 && wait "$one") \
      > "$chroots_log" 2>&1 &
    chroots=$!
  fi
  dll=$(bash scripts/build-windows.sh)
  bash tests/windows/run.sh "$dll"
  # Wine's own secur32 conformance tests (from Debian's wine source package) against the DLL.
  bash tests/windows/wine-conformance.sh "$dll"
  if [ -n "$chroots" ]; then
    i686_dll=$(bash scripts/build-windows.sh --target i686-pc-windows-gnu --panic-test)
    wait "$chroots" || { cat "$chroots_log" >&2; echo "making the Wine chroots failed" >&2; exit 1; }
    bash tests/windows/run.sh --target i686-pc-windows-gnu --chroot bookworm-i386 "$i686_dll"
    # Wine 8's own secur32 conformance tests, built for i686, with the 32-bit DLL.
    bash tests/windows/wine-conformance.sh --chroot bookworm-i386 "$i686_dll"
    bash tests/windows/run.sh --chroot trixie-amd64 target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll
    # Wine 10's own secur32 conformance tests (from Debian 13's wine source package).
    bash tests/windows/wine-conformance.sh --chroot trixie-amd64 target/windows/x86_64-pc-windows-gnu/release/ntlmssp.dll
  elif [ "${NTLMSSP_WINDOWS_REQUIRE:-}" = 1 ]; then
    echo "Windows checks on i686 and Wine 10 required but root, debootstrap or gcc-mingw-w64-i686 is missing" >&2
    exit 1
  else
    echo "Windows checks on i686 and Wine 10 skipped: they need root, debootstrap and gcc-mingw-w64-i686"
  fi
elif [ "${NTLMSSP_WINDOWS_REQUIRE:-}" = 1 ]; then
  echo "Windows checks required but rustc-web/cargo-web/rust-web-src, mingw-w64 or wine is missing" >&2
  exit 1
else
  echo "Windows checks skipped: apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64 wine"
fi
