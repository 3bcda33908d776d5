#!/usr/bin/env python3
"""What ReactOS's system DLLs export, and whether ntlmssp.dll imports only that.

ReactOS describes each DLL's exports in a Wine-style .spec file; its build tool spec2def
(sdk/tools/spec2def/spec2def.c) turns that into the DLL's .def for one architecture and one
"export version", DLL_EXPORT_VERSION (sdk/cmake/config.cmake: 0x502, Windows Server 2003, unless
a module's spec2def() call in CMake gives its own VERSION). An entry is exported when:
  - its -arch= list names the architecture (i386, x86_64) or its bitness (win32, win64), a
    "!name" matching when the architecture is not that one; the last -arch= of a line decides;
    -i386 keeps an entry to i386;
  - one of the ranges of its -version= (0x600 one version, 0x600+ up to 0xFFF, 0x502-0x600
    inclusive) holds the export version; no -version= means every version;
  - it is not -dbg (exported only by debug builds: counted as absent here, as in release builds),
    -impsym (only in the import library) or -noname / named "@" (by ordinal only: no name to
    import).
A "stub" entry (or one with -stub) is exported, but calling it only logs and returns 0. A target
with a dot (ntdll.RtlFoo) makes the export a forwarder the loader resolves in that DLL.

  generate REACTOS_DIR [--commit SHA] [--version 0x502] [--out DIR] [DLL...]
      For each DLL (default: those listed in DIR already), finds the spec2def() call that builds
      it in REACTOS_DIR/dll (its CMakeLists.txt), reads the .spec, and writes DIR/<dll>.txt
      (DIR defaults to windows/reactos-nt52) for both architectures. REACTOS_DIR is a checkout
      or an export of ReactOS's tree (only dll/ and sdk/cmake/config.cmake are read).
  check PE...
      Reads the import table (and delay-import table) of each PE file and fails unless every
      import is a name DIR lists for the PE's architecture, not a stub, and every forwarder it
      reaches resolves the same way. Names DLLs without a list (api-ms-win-*, bcryptprimitives)
      as failures too: ReactOS would not load the PE.
"""
import argparse
import hashlib
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "windows", "reactos-nt52")
ARCHES = {"i386": "win32", "x86_64": "win64"}


# --- the .spec format, read as spec2def reads it ---------------------------------------------

def is_sep(c):
    """spec2def's token separators: control characters, space and !"%&'()*+, (but not $ and #),
    and :;<=> . The end of the line counts as one."""
    return c == "" or (c <= "," and c not in "$#") or (":" <= c < "?")


def at(s, i):
    return s[i] if i < len(s) else ""


def token_at(s, i):
    j = i
    while not is_sep(at(s, j)):
        j += 1
    return s[i:j]


def next_token(s, i):
    """Position of the token after the one at i, or None at the end of the line or a comment."""
    while not is_sep(at(s, i)):
        i += 1
    while at(s, i) in (" ", "\t"):
        i += 1
    if at(s, i) in ("", "\r", "\n", "#", ";"):
        return None
    return i


def starts_token(s, i, word):
    """The token at i is `word` (or begins with it, when `word` ends in a separator like '=')."""
    if not s.startswith(word, i):
        return False
    return is_sep(word[-1]) or is_sep(at(s, i + len(word)))


def list_end(s, i):
    """After one item of a comma list (-arch=, -version=): (its end, whether another follows)."""
    while at(s, i) > ",":
        i += 1
    return i, at(s, i) == ","


def hex_at(s, i):
    """strtoul(.., 16) after an optional 0x: (value, position after the digits)."""
    if s.startswith("0x", i):
        i += 2
    j = i
    while at(s, j) and at(s, j) in "0123456789abcdefABCDEF":
        j += 1
    return (int(s[i:j], 16) if j > i else 0), j


class SpecError(Exception):
    pass


def parse_spec(text, arch, version, where):
    """The entries a spec exports for `arch` at `version`: {name: (stub, forward target or None)}."""
    arch2 = ARCHES[arch]
    out = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        def fail(msg):
            raise SpecError(f"{where}:{lineno}: {msg}: {line.strip()}")

        i = 0
        while at(line, i) in (" ", "\t"):
            i += 1
        if at(line, i) in ("", "\r", ";", "#"):
            continue
        if at(line, i) != "@" and not at(line, i).isdigit():
            fail("expected '@' or an ordinal")
        i = next_token(line, i)
        if i is None:
            fail("no calling convention")
        cc = token_at(line, i)
        if cc == "varargs":
            cc = "cdecl"
        if cc not in ("stdcall", "cdecl", "fastcall", "thiscall", "extern", "stub"):
            fail("unknown calling convention")
        i = next_token(line, i)
        if i is None:
            fail("no name")
        included = True
        version_included = True
        flags = set()
        while at(line, i) == "-":
            if starts_token(line, i, "-arch="):
                included = False
                i += 5
                while True:
                    i += 1
                    negated = at(line, i) == "!"
                    if negated:
                        i += 1
                    match = starts_token(line, i, arch) or starts_token(line, i, arch2)
                    if match != negated:
                        included = True
                    i, more = list_end(line, i)
                    if not more:
                        break
            elif starts_token(line, i, "-i386"):
                if arch != "i386":
                    included = False
            elif starts_token(line, i, "-version="):
                version_included = False
                i += 8
                while True:
                    i += 1
                    low, i = hex_at(line, i)
                    high = low
                    if at(line, i) == "+":
                        high = 0xFFF
                        i += 1
                    elif at(line, i) == "-":
                        high, i = hex_at(line, i + 1)
                    if low > high:
                        fail("invalid version range")
                    if low <= version <= high:
                        version_included = True
                    i, more = list_end(line, i)
                    if not more:
                        break
            elif starts_token(line, i, "-dbg"):
                included = False
            else:
                for opt in ("private", "noname", "impsym", "ordinal", "stub", "norelay", "ret64",
                            "register"):
                    if starts_token(line, i, "-" + opt):
                        flags.add(opt)
                        break
            i = next_token(line, i)
            if i is None:
                fail("no name after the options")
        if not included:
            continue
        name = token_at(line, i)
        i = next_token(line, i)
        nargs = 0
        if i is None and cc not in ("extern", "stub"):
            fail("no parameter list")
        if i is not None and cc != "extern":
            if at(line, i) != "(":
                fail("expected '('")
            i += 1
            while at(line, i) in (" ", "\t"):
                i += 1
            while at(line, i) >= "0":
                if token_at(line, i) not in ("long", "double", "ptr", "str", "wstr", "int64",
                                             "int128", "float"):
                    fail("unknown parameter type")
                nargs += 1
                i = next_token(line, i)
                if i is None:
                    fail("unterminated parameter list")
            if at(line, i) != ")":
                fail("expected ')'")
            i = next_token(line, i + 1)
        if cc == "stub":
            # A stub exports a function that logs and returns 0; a decorated name is cut at '@'.
            if not name.startswith("?") and "@" in name:
                name = name[: name.index("@")]
                if not name:
                    fail("unexpected '@'")
            flags.add("stub")
        if "stub" in flags:
            cc = "stub"
        target = None
        if i is not None:
            target = token_at(line, i)
            if next_token(line, i) is not None:
                fail("excess tokens")
        if name == "@":
            flags.add("noname")
        if not version_included or flags & {"noname", "impsym"}:
            continue
        # The name the DLL's export table holds (spec2def's PrintName without decoration): off
        # i386 a decorated _Name@N is exported as Name.
        if arch != "i386" and name.startswith("_") and "@" in name:
            name = name[1 : name.index("@")]
        forward = target if target and "." in target else None
        out[name] = (cc == "stub", forward)
    return out


# --- generate ---------------------------------------------------------------------------------

def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def find_spec(reactos, dll):
    """(spec path, VERSION or None) of the spec2def() call that builds `dll` under dll/."""
    found = []
    call = re.compile(r"spec2def\(\s*([^\s)]+)\s+([^\s)]+)([^)]*)\)", re.S)
    for root, dirs, files in os.walk(os.path.join(reactos, "dll")):
        dirs.sort()
        if "CMakeLists.txt" not in files:
            continue
        with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8", errors="replace") as f:
            cmake = f.read()
        for m in call.finditer(cmake):
            if m.group(1).lower() == dll.lower():
                v = re.search(r"\bVERSION\s+([0-9A-Fa-fx]+)", m.group(3))
                found.append((os.path.join(root, m.group(2)), v and int(v.group(1), 16)))
    if len(found) != 1:
        raise SystemExit(f"{dll}: {len(found)} spec2def() calls build it under {reactos}/dll: {found}")
    return found[0]


def default_version(reactos):
    with open(os.path.join(reactos, "sdk", "cmake", "config.cmake"), encoding="utf-8") as f:
        m = re.search(r'set\(DLL_EXPORT_VERSION\s+"(0x[0-9A-Fa-f]+)"', f.read())
    if not m:
        raise SystemExit("no DLL_EXPORT_VERSION default in sdk/cmake/config.cmake: give --version")
    return int(m.group(1), 16)


def generate(args):
    reactos, commit, version, out = args.reactos, args.commit, args.version, args.out
    dlls = [d.lower() if d.lower().endswith(".dll") else d.lower() + ".dll" for d in args.dlls]
    if commit is None:
        r = subprocess.run(["git", "-C", reactos, "rev-parse", "HEAD"], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{reactos} is not a git checkout: name its commit with --commit")
        commit = r.stdout.strip()
    if version is None:
        version = default_version(reactos)
    os.makedirs(out, exist_ok=True)
    if not dlls:
        dlls = sorted(f[:-4] for f in os.listdir(out) if f.endswith(".dll.txt"))
    for dll in dlls:
        spec, own_version = find_spec(reactos, dll)
        v = own_version if own_version is not None else version
        with open(spec, "rb") as f:
            data = f.read()
        text = data.decode("utf-8", errors="replace")
        rel = os.path.relpath(spec, reactos)
        per_arch = {a: parse_spec(text, a, v, rel) for a in ARCHES}
        lines = []
        for name in sorted(set().union(*per_arch.values())):
            have = {a: per_arch[a][name] for a in ARCHES if name in per_arch[a]}
            if len(have) == len(ARCHES) and len(set(have.values())) == 1:
                lines.append(describe(name, None, *next(iter(have.values()))))
            else:
                lines.extend(describe(name, a, *e) for a, e in have.items())
        with open(os.path.join(out, dll + ".txt"), "w", encoding="utf-8") as f:
            f.write(f"# {dll}: the names ReactOS's build exports at version 0x{v:x}, generated by\n"
                    f"# scripts/reactos-exports.py from {rel}\n"
                    f"# (git blob {git_blob_id(data)}) of ReactOS commit {commit}.\n"
                    "# name [i386|x86_64 when only one architecture has it] [stub] [-> forwarder target]\n")
            f.write("\n".join(lines) + "\n")
        counts = ", ".join(f"{len(per_arch[a])} {a}" for a in ARCHES)
        print(f"{dll}: {counts} exports from {rel} at 0x{v:x}")


def describe(name, arch, stub, forward):
    return " ".join([name] + ([arch] if arch else []) + (["stub"] if stub else [])
                    + (["->", forward] if forward else []))


# --- check ------------------------------------------------------------------------------------

def load_lists(directory):
    """{dll: {arch: {name: (stub, forward)}}} from the committed lists."""
    lists = {}
    for f in sorted(os.listdir(directory)):
        if not f.endswith(".dll.txt"):
            continue
        per_arch = {a: {} for a in ARCHES}
        with open(os.path.join(directory, f), encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                words = line.split()
                name, rest = words[0], words[1:]
                archs = [w for w in rest if w in ARCHES] or list(ARCHES)
                forward = rest[rest.index("->") + 1] if "->" in rest else None
                for a in archs:
                    per_arch[a][name] = ("stub" in rest, forward)
        lists[f[:-4]] = per_arch
    return lists


def pe_imports(path):
    """(arch, [(dll, name or '#ordinal')]) from a PE file's import and delay-import tables."""
    with open(path, "rb") as f:
        pe = f.read()
    (lfanew,) = struct.unpack_from("<I", pe, 0x3C)
    if pe[lfanew : lfanew + 4] != b"PE\0\0":
        raise SystemExit(f"{path}: not a PE file")
    machine, nsections, _, _, _, opt_size, _ = struct.unpack_from("<HHIIIHH", pe, lfanew + 4)
    arch = {0x14C: "i386", 0x8664: "x86_64"}.get(machine)
    if arch is None:
        raise SystemExit(f"{path}: machine 0x{machine:x} is neither i386 nor x86_64")
    opt = lfanew + 24
    pe32plus = struct.unpack_from("<H", pe, opt)[0] == 0x20B
    dirs = opt + (112 if pe32plus else 96)
    sections = []
    for k in range(nsections):
        s = opt + opt_size + 40 * k
        vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", pe, s + 8)
        sections.append((va, max(vsize, rawsize), rawptr))

    def off(rva):
        for va, size, raw in sections:
            if va <= rva < va + size:
                return raw + rva - va
        raise SystemExit(f"{path}: RVA 0x{rva:x} outside every section")

    def cstr(rva):
        o = off(rva)
        return pe[o : pe.index(b"\0", o)].decode("ascii")

    thunk_size, ordinal_flag = (8, 1 << 63) if pe32plus else (4, 1 << 31)
    imports = []

    def names(thunk_rva, dll):
        o = off(thunk_rva)
        while True:
            (t,) = struct.unpack_from("<Q" if pe32plus else "<I", pe, o)
            if t == 0:
                break
            if t & ordinal_flag:
                imports.append((dll, f"#{t & 0xFFFF}"))
            else:
                imports.append((dll, cstr((t & 0x7FFFFFFF) + 2)))
            o += thunk_size

    imp_rva, imp_size = struct.unpack_from("<II", pe, dirs + 8 * 1)
    if imp_rva:
        o = off(imp_rva)
        while True:
            lookup, _, _, name_rva, iat = struct.unpack_from("<IIIII", pe, o)
            if name_rva == 0:
                break
            names(lookup or iat, cstr(name_rva).lower())
            o += 20
    delay_rva, _ = struct.unpack_from("<II", pe, dirs + 8 * 13)
    if delay_rva:
        o = off(delay_rva)
        while True:
            _, name_rva, _, _, int_rva = struct.unpack_from("<IIIII", pe, o)[:5]
            if name_rva == 0:
                break
            names(int_rva, cstr(name_rva).lower())
            o += 32
    return arch, imports


def check(args):
    directory, paths = args.lists, args.pe
    lists = load_lists(directory)
    source = commit_of(directory)
    failures = 0
    for path in paths:
        arch, imports = pe_imports(path)
        bad = []
        for dll, name in imports:
            why = resolve(lists, arch, dll, name, set())
            if why:
                bad.append(f"{dll}!{name}: {why}")
        dlls = sorted({d for d, _ in imports})
        if bad:
            failures += 1
            print(f"not ok - {path} ({arch}): {len(bad)} of {len(imports)} imports are not "
                  f"exported by ReactOS ({source}) at NT 5.2:")
            for b in bad:
                print("  " + b)
        else:
            print(f"ok - {path} ({arch}): all {len(imports)} imports from {', '.join(dlls)} are "
                  f"exported by ReactOS ({source}) at NT 5.2")
    return 1 if failures else 0


def resolve(lists, arch, dll, name, seen):
    """None when dll!name loads and works on ReactOS, else why not."""
    if (dll, name) in seen:
        return "forwarder loop"
    seen.add((dll, name))
    if dll not in lists:
        return f"no list for {dll} in windows/reactos-nt52 (not a ReactOS DLL, or not listed yet)"
    if name.startswith("#"):
        return "imported by ordinal (ReactOS's ordinals are not Windows')"
    entry = lists[dll][arch].get(name)
    if entry is None:
        return f"not exported on {arch}"
    stub, forward = entry
    if stub:
        return "exported only as a stub"
    if forward:
        target_dll, target = forward.split(".", 1)
        why = resolve(lists, arch, target_dll.lower() + ".dll", target, seen)
        if why:
            return f"forwarded to {forward}, which is {why}"
    return None


def commit_of(directory):
    for f in sorted(os.listdir(directory)):
        if f.endswith(".dll.txt"):
            with open(os.path.join(directory, f), encoding="utf-8") as fh:
                m = re.search(r"ReactOS commit ([0-9a-f]{12})", fh.read(1000))
            if m:
                return f"commit {m.group(1)}"
    return "no lists"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write the lists from a ReactOS tree")
    g.add_argument("reactos")
    g.add_argument("dlls", nargs="*")
    g.add_argument("--commit")
    g.add_argument("--version", type=lambda v: int(v, 16))
    g.add_argument("--out", default=DEFAULT_OUT)
    c = sub.add_parser("check", help="check PE files' imports against the lists")
    c.add_argument("pe", nargs="+")
    c.add_argument("--lists", default=DEFAULT_OUT)
    args = parser.parse_args()
    if args.command == "generate":
        generate(args)
    else:
        sys.exit(check(args))


if __name__ == "__main__":
    main()
