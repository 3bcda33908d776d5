#!/usr/bin/env bash
# Builds ntlmssp.dll for Windows with Debian's Rust (rustc-web, cargo-web) and the standard
# library rebuilt from rust-web-src (-Zbuild-std), linked by mingw-w64.
#   usage: scripts/build-windows.sh [--target x86_64-pc-windows-gnu|i686-pc-windows-gnu] [--panic-test]
# --panic-test first builds the DLL with the panic-test feature (for tests/windows/panic.c) into
# <target>/release/panic-test/, then the ordinary DLL.
#   apt-get install rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 (gcc-mingw-w64-i686)
# x86_64 is the default. Next to the DLL it writes libntlmssp.dll.a, the import library C
# callers link with (for i686 with the stdcall Name@N decoration 32-bit callers use).
# Fails unless the DLL's import table names only what ReactOS exports at NT 5.2
# (scripts/reactos-exports.py check; build.rs links windows/nt52.c for that).
# Prints the path of the DLL. The rustup toolchain (first on PATH) stays untouched; this build
# has its own target directory, target/windows.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
panic_test=
while [ $# -gt 0 ]; do
  case $1 in
    --panic-test) panic_test=1; shift ;;
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --target=*) target=${1#--target=}; shift ;;
    *) echo "usage: $0 [--target x86_64-pc-windows-gnu|i686-pc-windows-gnu] [--panic-test]" >&2; exit 2 ;;
  esac
done
case $target in
  x86_64-pc-windows-gnu) triple=x86_64-w64-mingw32 pkg=gcc-mingw-w64-x86-64 ;;
  i686-pc-windows-gnu) triple=i686-w64-mingw32 pkg=gcc-mingw-w64-i686 ;;
  *) echo "unsupported target $target" >&2; exit 2 ;;
esac
for tool in /usr/bin/cargo /usr/bin/rustc "$triple-gcc" "$triple-ar" "$triple-dlltool" python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install rustc-web cargo-web rust-web-src $pkg" >&2; exit 1; }
done
out="target/windows/$target/release"
rustflags=()
if [ "$target" = i686-pc-windows-gnu ]; then
  # Debian's Rust ships no i686 Windows startup objects. rsbegin.o/rsend.o register the DWARF
  # unwind tables of the DLL with libgcc; without them a panic cannot be caught at the export
  # boundary and aborts the process. They are built from rust-web-src the way Rust's bootstrap
  # builds them, and rustc finds them on the native search path.
  rt="target/windows/rtstartup-$target"
  mkdir -p "$rt"
  for obj in rsbegin rsend; do
    src=/usr/lib/rustlib/src/rust/library/rtstartup/$obj.rs
    [ -f "$src" ] || { echo "missing $src: apt-get install rust-web-src" >&2; exit 1; }
    if [ ! -f "$rt/$obj.o" ] || [ "$src" -nt "$rt/$obj.o" ]; then
      RUSTC_BOOTSTRAP=1 /usr/bin/rustc --target "$target" --emit=obj -C panic=abort -o "$rt/$obj.o" "$src"
    fi
  done
  rustflags=(-L "native=$(realpath "$rt")")
fi
linker_var="CARGO_TARGET_$(echo "$target" | tr 'a-z-' 'A-Z_')_LINKER"
# RUSTC_BOOTSTRAP lets Debian's stable cargo use -Zbuild-std.
cargo_build() {
  env RUSTC_BOOTSTRAP=1 PATH=/usr/bin:$PATH CARGO_PROFILE_RELEASE_DEBUG=0 "$linker_var=$triple-gcc" \
    CARGO_ENCODED_RUSTFLAGS="$(IFS=$'\x1f'; echo "${rustflags[*]}")" \
    cargo build --release --lib --target "$target" --target-dir target/windows \
    -Zbuild-std=std,panic_unwind,panic_abort "$@" >&2
}
dll="$out/ntlmssp.dll"
if [ -n "$panic_test" ]; then
  cargo_build --features panic-test
  mkdir -p "$out/panic-test"
  cp "$dll" "$out/panic-test/ntlmssp.dll"
fi
cargo_build

# The DLL exports exactly the names of def/ntlmssp.def (the Linux library's list too) and of
# def/ntlmssp-windows.def (the LSA-mode entry points, Windows only).
def_names() { for f in "$@"; do sed -n '/^EXPORTS/,$p' "$f" | tail -n +2 | awk '{print $1}' | grep -v '^;' | grep .; done; }
want=$(def_names def/ntlmssp.def def/ntlmssp-windows.def | sort)
got=$("$triple-objdump" -p "$dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | awk '/\[/ && NR > 1 {print $NF}' | sort)
if [ "$want" != "$got" ]; then
  echo "export table of $dll differs from def/ntlmssp.def + def/ntlmssp-windows.def:" >&2
  diff <(echo "$want") <(echo "$got") >&2 || true
  exit 1
fi

# The import library. 32-bit callers see SEC_ENTRY (stdcall) functions as _Name@N, N the bytes
# of their parameters; the DLL exports the plain names, so the def lists Name@N and dlltool -k
# drops the decoration from the names it imports. The byte counts come from the prototypes:
# 4 per parameter on i686, as every parameter of these functions is 32 bits or a pointer.
if [ "$target" = i686-pc-windows-gnu ]; then
  {
    echo "LIBRARY ntlmssp.dll"
    echo "EXPORTS"
    while read -r name; do
      proto=$(grep -E -A3 "^(pub unsafe extern \"system\"|.*pub fn) $name\(|fn $name\(" src/sspi/entry.rs src/sspi/lsa.rs | tr '\n' ' ' | sed -E 's/^[^(]*\(([^)]*)\).*/\1/')
      params=$(echo "$proto" | tr ',' '\n' | grep -c ':' || true)
      echo "    $name@$((params * 4))"
    done < <(def_names def/ntlmssp.def def/ntlmssp-windows.def)
  } > "$out/ntlmssp-stdcall.def"
  "$triple-dlltool" -k -d "$out/ntlmssp-stdcall.def" -l "$out/libntlmssp.dll.a" -D ntlmssp.dll
else
  cat def/ntlmssp.def <(def_names def/ntlmssp-windows.def | sed 's/^/    /') > "$out/ntlmssp-all.def"
  "$triple-dlltool" -d "$out/ntlmssp-all.def" -l "$out/libntlmssp.dll.a" -D ntlmssp.dll
fi
# ReactOS loads the DLL only if every import is a name its system DLLs export at its default NT
# 5.2 level: windows/reactos-nt52/ lists those (generated from ReactOS's spec files), and
# windows/nt52.c keeps the newer functions std uses out of the import table.
imports=("$dll")
[ -z "$panic_test" ] || imports+=("$out/panic-test/ntlmssp.dll")
python3 scripts/reactos-exports.py check "${imports[@]}" >&2
echo "$dll: $(echo "$got" | wc -l) exports, as def/ntlmssp.def + def/ntlmssp-windows.def; import library $out/libntlmssp.dll.a" >&2
echo "$dll"
