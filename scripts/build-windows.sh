#!/usr/bin/env bash
# Builds ntlmssp.dll for x86_64-pc-windows-gnu with Debian's Rust (rustc-web, cargo-web) and the
# standard library rebuilt from rust-web-src (-Zbuild-std), linked by mingw-w64.
#   apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64
# Prints the path of the DLL. The rustup toolchain (first on PATH) stays untouched; this build
# has its own target directory, target/windows.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
for tool in /usr/bin/cargo /usr/bin/rustc x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64" >&2; exit 1; }
done
# RUSTC_BOOTSTRAP lets Debian's stable cargo use -Zbuild-std; the linker is set in .cargo/config.toml.
RUSTC_BOOTSTRAP=1 PATH=/usr/bin:$PATH CARGO_PROFILE_RELEASE_DEBUG=0 \
  cargo build --release --lib --target "$target" --target-dir target/windows \
  -Zbuild-std=std,panic_unwind,panic_abort >&2
dll="target/windows/$target/release/ntlmssp.dll"
# The DLL exports exactly the names of def/ntlmssp.def (the Linux library's list too).
want=$(sed -n '/^EXPORTS/,$p' def/ntlmssp.def | tail -n +2 | awk '{print $1}' | grep -v '^;' | grep . | sort)
got=$(x86_64-w64-mingw32-objdump -p "$dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk '/\[/ && NR > 1 {print $NF}' | sort)
if [ "$want" != "$got" ]; then
  echo "export table of $dll differs from def/ntlmssp.def:" >&2
  diff <(echo "$want") <(echo "$got") >&2 || true
  exit 1
fi
echo "$dll: $(echo "$got" | wc -l) exports, as def/ntlmssp.def" >&2
echo "$dll"
