//! Every committed fuzz seed and every input that once crashed a fuzz target, run through the
//! same checks as the targets (tests/fuzz/src/checks.rs), as an ordinary test.

#[allow(dead_code, unused_imports)]
#[path = "fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut out = Vec::new();
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            out.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out
}

fn run(target: &str, check: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no seeds for {target}");
    for (name, data) in inputs {
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: {name}");
        }
    }
}

#[test]
fn messages() {
    run("messages", checks::messages);
}

#[test]
fn client() {
    run("client", checks::client);
}

#[test]
fn server() {
    run("server", checks::server);
}

#[test]
fn session() {
    run("session", checks::session);
}

#[test]
fn exports() {
    run("exports", checks::exports);
}

#[test]
fn spnego() {
    run("spnego", checks::spnego);
}

#[test]
fn decode() {
    run("decode", checks::decode);
}
