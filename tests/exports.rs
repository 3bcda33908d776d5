//! One list of exports: the `entry!` functions, `def/ntlmssp.def`, the header's prototypes and
//! the symbols the built library exports all name the same functions, in the same order where
//! the order is ours to choose.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn entry_names() -> Vec<String> {
    let src = std::fs::read_to_string(root().join("src/sspi/entry.rs")).unwrap();
    src.split("entry! {")
        .skip(1)
        .map(|block| {
            let after = block.split("pub fn ").nth(1).expect("pub fn in entry!");
            after.split('(').next().unwrap().trim().to_owned()
        })
        .collect()
}

fn def_names() -> Vec<String> {
    let def = std::fs::read_to_string(root().join("def/ntlmssp.def")).unwrap();
    def.lines()
        .skip_while(|l| l.trim() != "EXPORTS")
        .skip(1)
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn header_names() -> Vec<String> {
    let h = std::fs::read_to_string(root().join("include/sspi.h")).unwrap();
    h.lines()
        .filter(|l| !l.starts_with("#"))
        .filter_map(|l| l.split_once(" SEC_ENTRY ").map(|(_, rest)| rest))
        .filter(|rest| !rest.starts_with('*'))
        .map(|rest| rest.split('(').next().unwrap().to_owned())
        .collect()
}

/// The cdylib next to this test's target directory (cargo builds it with the tests).
fn library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let lib = profile_dir.join(if cfg!(windows) {
        "ntlmssp.dll"
    } else {
        "libntlmssp.so"
    });
    assert!(lib.exists(), "{} not built", lib.display());
    lib
}

#[test]
fn entry_def_and_header_agree() {
    let entries = entry_names();
    assert!(entries.len() >= 37, "{entries:?}");
    assert_eq!(def_names(), entries, "def/ntlmssp.def");
    assert_eq!(header_names(), entries, "include/sspi.h prototypes");
}

#[test]
#[cfg(target_os = "linux")]
fn library_exports_exactly_the_list() {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(library())
        .output()
        .expect("nm (binutils) is needed");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut exported: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (_, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
            (kind == "T").then(|| name.to_owned())
        })
        .collect();
    exported.sort();
    let mut expected = entry_names();
    expected.sort();
    assert_eq!(
        exported,
        expected,
        "functions exported by {}",
        library().display()
    );
}

/// The Windows-only exports (the LSA-mode entry points of `src/sspi/lsa.rs`, marked `@no_mangle`
/// there) are exactly `def/ntlmssp-windows.def`, and none of them is in the common list.
#[test]
fn windows_only_exports_agree() {
    let src = std::fs::read_to_string(root().join("src/sspi/lsa.rs")).unwrap();
    let lsa: Vec<String> = src
        .split("@no_mangle fn ")
        .skip(1)
        .map(|rest| rest.split('(').next().unwrap().trim().to_owned())
        .collect();
    let def = std::fs::read_to_string(root().join("def/ntlmssp-windows.def")).unwrap();
    let listed: Vec<String> = def
        .lines()
        .skip_while(|l| l.trim() != "EXPORTS")
        .skip(1)
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with(';'))
        .collect();
    assert_eq!(lsa, ["SpLsaModeInitialize", "SpUserModeInitialize"]);
    assert_eq!(listed, lsa, "def/ntlmssp-windows.def");
    assert!(
        lsa.iter().all(|n| !def_names().contains(n)),
        "Windows-only exports are not in def/ntlmssp.def"
    );
}
