#!/usr/bin/env bash
# Builds the C harness, the misuse checks and the example against include/ and the built library,
# runs them, then again under valgrind and AddressSanitizer (errors and leaks fail the run).
set -euo pipefail
libdir=$(cd "${1:-target/release}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for cc in gcc clang; do
  command -v "$cc" >/dev/null || { echo "$cc not installed; skipped"; continue; }
  "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" \
    "$root/tests/c/harness.c" -o "$out/harness-$cc" -L"$libdir" -lntlmssp -ldl -Wl,-rpath,"$libdir"
  "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" \
    "$root/tests/c/misuse.c" -o "$out/misuse-$cc" -L"$libdir" -lntlmssp -ldl -Wl,-rpath,"$libdir"
  "$cc" -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" \
    "$root/examples-c/client.c" -o "$out/client-$cc" -L"$libdir" -lntlmssp -Wl,-rpath,"$libdir"
done

echo "== C harness"
"$out/harness-gcc"
echo "== misuse"
"$out/misuse-gcc" | grep -v '^ok' || true
"$out/misuse-gcc" > /dev/null
echo "== example client"
"$out/client-gcc" alice EXAMPLE 'Pa55word!'
# Another library exporting the SSPI names ahead of ntlmssp in the process (WinPR in FreeRDP):
# ntlmssp's tables and exports must still be its own (-Bsymbolic, build.rs).
if [ "$(uname -s)" = Linux ]; then
  echo "== interposition by another SSPI library"
  gcc -std=c99 -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE -fPIC -shared -I"$root/include" \
    "$root/tests/c/interpose_stub.c" -o "$out/libsspistub.so"
  gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" "$root/tests/c/interpose.c" \
    -o "$out/interpose" -L"$out" -lsspistub -ldl -Wl,-rpath,"$out"
  "$out/interpose" "$libdir/libntlmssp.so" | tail -n 1
  "$out/interpose" "$libdir/libntlmssp.so" > /dev/null
fi
if command -v valgrind >/dev/null; then
  echo "== C harness under valgrind"
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    "$out/harness-gcc" > "$out/valgrind.log"
  tail -n 1 "$out/valgrind.log"
  echo "== misuse under valgrind"
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible "$out/misuse-gcc" > "$out/valgrind-misuse.log"
  tail -n 1 "$out/valgrind-misuse.log"
else
  echo "valgrind not installed; skipped"
fi

# AddressSanitizer (with LeakSanitizer and UBSan) on the C side of the misuse checks and the
# harness, where the compiler has its runtime.
if echo 'int main(void){return 0;}' | gcc -x c -fsanitize=address,undefined - -o "$out/asan-probe" 2>/dev/null; then
  for prog in misuse harness; do
    gcc -std=c99 -g -fsanitize=address,undefined -fno-omit-frame-pointer -D_GNU_SOURCE -I"$root/include" \
      "$root/tests/c/$prog.c" -o "$out/$prog-asan" -L"$libdir" -lntlmssp -ldl -Wl,-rpath,"$libdir"
    echo "== $prog under AddressSanitizer"
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1 "$out/$prog-asan" | tail -n 1
  done
else
  echo "AddressSanitizer runtime not installed; skipped"
fi
