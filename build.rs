//! Generates the C header `sspi.h` into `$OUT_DIR` from the Rust declarations:
//! - cbindgen writes the types and constants of `src/sspi/types.rs` (Windows names unchanged);
//! - the prototypes come from the `entry!` invocations in `src/sspi/entry.rs`, parsed here,
//!   because cbindgen emits none for `extern "system"` functions;
//! - function-pointer typedefs get the `SEC_ENTRY` calling convention, which cbindgen drops
//!   (it matters on 32-bit Windows, where SSPI is stdcall).
//!
//! `tests/header.rs` fails when the committed `include/sspi.h` differs from this output;
//! `NTLMSSP_BLESS=1 cargo test --test header` updates it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use quote::ToTokens;

/// Base Windows types: the header takes them from <windows.h> on Windows and defines them
/// itself elsewhere, so they are kept out of cbindgen's output.
const BASE_TYPES: &[(&str, &str)] = &[
    ("ULONG", "uint32_t"),
    ("LONG", "int32_t"),
    ("USHORT", "uint16_t"),
    ("UCHAR", "uint8_t"),
    ("WCHAR", "uint16_t"),
    ("BOOLEAN", "uint8_t"),
    ("ULONG_PTR", "uintptr_t"),
    ("PVOID", "void *"),
    ("PULONG", "ULONG *"),
    ("LPSTR", "char *"),
    ("LPWSTR", "WCHAR *"),
];

fn main() {
    println!("cargo:rerun-if-changed=src/sspi/types.rs");
    println!("cargo:rerun-if-changed=src/sspi/entry.rs");
    println!("cargo:rerun-if-changed=build.rs");
    link_as_system_library();
    link_nt52_thunks();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let header = generate();
    std::fs::write(out.join("sspi.h"), header).expect("write sspi.h");
}

/// Linux: the shared library is installed as a system library (scripts/install.sh), so it gets
/// the SONAME programs record (`libntlmssp.so.0`, bumped only when the ABI breaks), and binds
/// references to its own exports to its own definitions (`-Bsymbolic`): in a process that also
/// loads another SSPI library exporting the same names (WinPR in FreeRDP), the function tables
/// of InitSecurityInterfaceA/W and our internal calls still reach ntlmssp. Rust's own version
/// script already keeps every symbol but the `#[no_mangle]` exports local.
fn link_as_system_library() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,-soname,libntlmssp.so.{}",
            SONAME_MAJOR
        );
        println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic");
        soname_link_in_target_dir();
    }
}

/// Programs linked against `target/<profile>/libntlmssp.so` record its SONAME and look for
/// `libntlmssp.so.0` at run time, so the profile directory gets that name too (a link to the
/// library cargo writes there), as an installed library has it.
fn soname_link_in_target_dir() {
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let Some(profile_dir) = PathBuf::from(out).ancestors().nth(3).map(PathBuf::from) else {
        return;
    };
    let link = profile_dir.join(format!("libntlmssp.so.{SONAME_MAJOR}"));
    if std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libntlmssp.so", &link);
    }
}

/// Windows (MinGW): windows/nt52.c, compiled with the target's mingw-w64 gcc into a static library
/// linked whole and ahead of every import library, defines the functions std and its
/// dependencies import that an NT 5.2-level system (ReactOS) lacks, resolving the system's own at
/// first use and falling back to NT 5.2 implementations; the DLL then imports none of them
/// (scripts/reactos-exports.py checks its import table). RtlGenRandom, its ProcessPrng fallback,
/// is in advapi32.
fn link_nt52_thunks() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "windows" || env != "gnu" {
        return;
    }
    println!("cargo:rerun-if-changed=windows/nt52.c");
    println!("cargo:rerun-if-env-changed=NTLMSSP_MINGW_PREFIX");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").expect("CARGO_CFG_TARGET_ARCH");
    let prefix = std::env::var("NTLMSSP_MINGW_PREFIX").unwrap_or_else(|_| {
        let triple = if arch == "x86" { "i686" } else { arch.as_str() };
        format!("{triple}-w64-mingw32-")
    });
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let obj = out.join("nt52.o");
    run(std::process::Command::new(format!("{prefix}gcc"))
        .args([
            "-std=gnu11",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-D_WIN32_WINNT=0x0502",
            "-c",
        ])
        .arg("windows/nt52.c")
        .arg("-o")
        .arg(&obj));
    let lib = out.join("libntlmssp_nt52.a");
    let _ = std::fs::remove_file(&lib);
    run(std::process::Command::new(format!("{prefix}ar"))
        .arg("rcs")
        .arg(&lib)
        .arg(&obj));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:+whole-archive=ntlmssp_nt52");
    println!("cargo:rustc-link-lib=dylib=advapi32");
}

fn run(cmd: &mut std::process::Command) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{:?}: {e} (mingw-w64 for the target)", cmd.get_program()));
    assert!(status.success(), "{cmd:?} failed");
}

/// The SONAME's version: the ABI is Windows' SSPI, which does not change.
const SONAME_MAJOR: u32 = 0;

fn generate() -> String {
    let types_rs = std::fs::read_to_string("src/sspi/types.rs").expect("types.rs");
    let entry_rs = std::fs::read_to_string("src/sspi/entry.rs").expect("entry.rs");
    let exports = parse_exports(&entry_rs);

    let mut config = cbindgen::Config {
        language: cbindgen::Language::C,
        no_includes: true,
        style: cbindgen::Style::Both,
        documentation_style: cbindgen::DocumentationStyle::C,
        ..Default::default()
    };
    config.export.exclude = BASE_TYPES.iter().map(|(n, _)| n.to_string()).collect();
    // cbindgen writes only what its exported functions reach, and it sees none of ours.
    config.export.include = type_names(&types_rs)
        .into_iter()
        .filter(|n| !BASE_TYPES.iter().any(|(b, _)| b == n))
        .collect();
    config.enumeration.prefix_with_name = false;
    let mut body = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src("src/sspi/types.rs")
        .generate()
        .expect("cbindgen")
        .write(&mut body);
    let body = String::from_utf8(body).expect("utf8");
    let body = with_calling_convention(&body);

    let mut h = String::new();
    h.push_str(PREAMBLE);
    h.push_str("\n#ifdef _WIN32\n#include <windows.h>\n#define SEC_ENTRY __stdcall\n#else\n");
    for (name, c) in BASE_TYPES {
        if let Some(pointee) = c.strip_suffix(" *") {
            let _ = writeln!(h, "typedef {pointee} *{name};");
        } else {
            let _ = writeln!(h, "typedef {c} {name};");
        }
    }
    h.push_str("#define SEC_ENTRY\n#endif\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    h.push_str(body.trim_start_matches('\n'));
    h.push_str("\n/* The exported functions (src/sspi/entry.rs). */\n");
    for e in &exports {
        h.push_str(&e.doc);
        let _ = writeln!(h, "{} SEC_ENTRY {}({});", e.ret, e.name, e.args);
    }
    h.push_str(&aw_mappings(&types_rs, &exports));
    h.push_str(POSTAMBLE);
    h
}

/// Types that <windows.h> itself may already define (rpcdce.h, under this guard): on Windows the
/// header uses theirs, which have the same layout.
const WINDOWS_DEFINED: &[(&str, &str)] = &[
    ("SEC_WINNT_AUTH_IDENTITY_A", "_AUTH_IDENTITY_DEFINED"),
    ("SEC_WINNT_AUTH_IDENTITY_W", "_AUTH_IDENTITY_DEFINED"),
];

/// `typedef R (*NAME)(...)` → `typedef R (SEC_ENTRY *NAME)(...)`, and numeric constants in
/// hexadecimal as Windows' headers write them (status codes as SECURITY_STATUS). Constants are
/// guarded by `#ifndef` because <windows.h> (winerror.h, rpcdce.h) defines many of them too.
fn with_calling_convention(body: &str) -> String {
    body.lines()
        .map(|l| {
            for (name, guard) in WINDOWS_DEFINED {
                if l == format!("typedef struct {name} {{") {
                    return format!("#if !defined(_WIN32) || !defined({guard})\n{l}");
                }
                if l == format!("}} {name};") {
                    return format!("{l}\n#endif");
                }
            }
            if l.starts_with("typedef ") {
                return l.replacen("(*", "(SEC_ENTRY *", 1);
            }
            if let Some(rest) = l.strip_prefix("#define ") {
                if let Some((name, value)) = rest.split_once(' ') {
                    let (cast, digits) = match value.strip_prefix("(int32_t)") {
                        Some(d) => ("(SECURITY_STATUS)", d),
                        None => ("", value),
                    };
                    if let Ok(n) = digits.trim_end_matches('u').parse::<u64>() {
                        let suffix = if n > i32::MAX as u64 { "u" } else { "" };
                        let define = if cast.is_empty() {
                            format!("#define {name} 0x{n:X}{suffix}")
                        } else {
                            format!("#define {name} ((SECURITY_STATUS)0x{n:X}{suffix})")
                        };
                        return format!("#ifndef {name}\n{define}\n#endif");
                    }
                }
            }
            l.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

struct Export {
    name: String,
    ret: String,
    args: String,
    doc: String,
}

fn c_type(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Ptr(p) => {
            let inner = c_type(&p.elem);
            if p.mutability.is_some() {
                format!("{inner} *")
            } else {
                format!("const {inner} *")
            }
        }
        syn::Type::Path(p) => p.path.segments.last().expect("path").ident.to_string(),
        other => panic!("entry.rs: unsupported type {}", other.to_token_stream()),
    }
}

fn parse_exports(src: &str) -> Vec<Export> {
    let file = syn::parse_file(src).expect("parse entry.rs");
    let mut out = Vec::new();
    for item in file.items {
        let syn::Item::Macro(m) = item else { continue };
        if !m.mac.path.is_ident("entry") {
            continue;
        }
        let f: syn::ItemFn = syn::parse2(m.mac.tokens.clone()).expect("entry! holds a fn");
        let mut doc = String::new();
        for a in &f.attrs {
            if let syn::Meta::NameValue(nv) = &a.meta {
                if nv.path.is_ident("doc") {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = &nv.value
                    {
                        let _ = writeln!(doc, "/*{} */", s.value());
                    }
                }
            }
        }
        let args: Vec<String> = f
            .sig
            .inputs
            .iter()
            .map(|a| match a {
                syn::FnArg::Typed(t) => {
                    let ty = c_type(&t.ty);
                    let name = t.pat.to_token_stream().to_string();
                    if ty.ends_with('*') {
                        format!("{ty}{name}")
                    } else {
                        format!("{ty} {name}")
                    }
                }
                syn::FnArg::Receiver(_) => panic!("entry! fn with self"),
            })
            .collect();
        let ret = match &f.sig.output {
            syn::ReturnType::Type(_, t) => c_type(t),
            syn::ReturnType::Default => "void".into(),
        };
        out.push(Export {
            name: f.sig.ident.to_string(),
            ret,
            args: if args.is_empty() {
                "void".into()
            } else {
                args.join(", ")
            },
            doc,
        });
    }
    out
}

/// Every struct and type alias declared in types.rs.
fn type_names(types_rs: &str) -> BTreeSet<String> {
    let file = syn::parse_file(types_rs).expect("parse types.rs");
    let mut names = BTreeSet::new();
    for item in file.items {
        match item {
            syn::Item::Struct(s) => {
                names.insert(s.ident.to_string());
            }
            syn::Item::Type(t) => {
                names.insert(t.ident.to_string());
            }
            _ => {}
        }
    }
    names
}

/// `#ifdef UNICODE` mappings from each neutral name to its A or W form, for functions and
/// types alike (AcquireCredentialsHandle, SecPkgInfo, SEC_WINNT_AUTH_IDENTITY, ...).
fn aw_mappings(types_rs: &str, exports: &[Export]) -> String {
    let mut names: BTreeSet<String> = exports.iter().map(|e| e.name.clone()).collect();
    names.extend(type_names(types_rs));
    let mut w = String::from("\n#ifdef UNICODE\n");
    let mut a = String::from("#else\n");
    for n in &names {
        let Some(stem) = n.strip_suffix('A') else {
            continue;
        };
        let wide = format!("{stem}W");
        if !names.contains(&wide) {
            continue;
        }
        let neutral = stem.trim_end_matches('_');
        // rpcdce.h maps this one itself on Windows.
        if WINDOWS_DEFINED.iter().any(|(t, _)| t == n) {
            let _ = writeln!(w, "#ifndef {neutral}\n#define {neutral} {wide}\n#endif");
            let _ = writeln!(a, "#ifndef {neutral}\n#define {neutral} {n}\n#endif");
            continue;
        }
        let _ = writeln!(w, "#define {neutral} {wide}");
        let _ = writeln!(a, "#define {neutral} {n}");
    }
    format!("{w}{a}#endif\n")
}

const PREAMBLE: &str = r#"/* SSPI for the ntlmssp NTLM security package: Windows names, types and layouts.
 *
 * Generated by build.rs from src/sspi/types.rs (via cbindgen) and src/sspi/entry.rs.
 * Do not edit; run `NTLMSSP_BLESS=1 cargo test --test header` after changing those files.
 */
#ifndef NTLMSSP_SSPI_H
#define NTLMSSP_SSPI_H

#include <stddef.h>
#include <stdint.h>"#;

const POSTAMBLE: &str = r#"
#define SEC_SUCCESS(Status) ((Status) >= 0)
#define SecInvalidateHandle(x) \
    do { ((PSecHandle)(x))->dwLower = ((ULONG_PTR)((INT_PTR)-1)); \
         ((PSecHandle)(x))->dwUpper = ((ULONG_PTR)((INT_PTR)-1)); } while (0)
#define SecIsValidHandle(x) \
    ((((PSecHandle)(x))->dwLower != ((ULONG_PTR)((INT_PTR)-1))) && \
     (((PSecHandle)(x))->dwUpper != ((ULONG_PTR)((INT_PTR)-1))))
#ifndef _WIN32
typedef intptr_t INT_PTR;
#endif

#define NTLMSP_NAME_A "NTLM"
#define NTLMSP_NAME_W u"NTLM"
#define SECURITY_ENTRYPOINT_ANSIA "InitSecurityInterfaceA"
#define SECURITY_ENTRYPOINT_ANSIW "InitSecurityInterfaceW"
#ifdef UNICODE
#define NTLMSP_NAME NTLMSP_NAME_W
#define SECURITY_ENTRYPOINT SECURITY_ENTRYPOINT_ANSIW
#else
#define NTLMSP_NAME NTLMSP_NAME_A
#define SECURITY_ENTRYPOINT SECURITY_ENTRYPOINT_ANSIA
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NTLMSSP_SSPI_H */
"#;
