//! The user file under a running server: additions, removals and password changes seen without
//! re-acquiring, a damaged or half-written file never replacing the version in force, hashed
//! entries (ntlmssp's `$NT$` form, WinPR's SAM form as `winpr-hash` writes it) and the
//! `ntlmssp-hash` command.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use ntlmssp::nlmp::crypto::NTOWFv1;
use ntlmssp::nlmp::verifier::NtHashSource;
use ntlmssp::sspi::types::*;
use ntlmssp::users::file::{Report, UserFile};
use parking_lot::Mutex;

/// The tests set process-wide environment variables: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ntlmssp-userfile-{}-{name}", std::process::id()))
}

/// Replaces the file the way editors and configuration tools do: a new file renamed over it.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Rewrites the file in place (same inode), as `>` in a shell does.
fn rewrite(path: &Path, text: &[u8]) {
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap()
        .write_all(text)
        .unwrap();
}

/// Problems are read back through `last_error`.
fn quiet() -> Report {
    Box::new(|_, _| {})
}

fn hash_of(db: &UserFile, user: &str, domain: &str) -> Option<[u8; 16]> {
    db.nt_hash(user, domain).map(|h| h.0)
}

#[test]
fn reload_sees_additions_removals_and_password_changes() {
    let path = temp("changes");
    std::fs::write(&path, "DOM:alice:one\n").unwrap();
    // Interval zero: every lookup looks at the file's stamp (the default is once a second).
    let db = UserFile::open(&path, Duration::ZERO, quiet()).unwrap();
    assert_eq!(hash_of(&db, "alice", "DOM"), Some(NTOWFv1("one")));
    assert_eq!(hash_of(&db, "bob", "DOM"), None);

    replace(&path, "DOM:alice:one\nDOM:bob:two\n");
    assert_eq!(hash_of(&db, "BOB", "dom"), Some(NTOWFv1("two")), "addition");

    replace(&path, "DOM:bob:two\n");
    assert_eq!(hash_of(&db, "alice", "DOM"), None, "removal");

    // Same length, same inode, written right away: the stamp may not change at all.
    rewrite(&path, b"DOM:bob:TWO\n");
    assert_eq!(
        hash_of(&db, "bob", "DOM"),
        Some(NTOWFv1("TWO")),
        "password change in place"
    );
    assert_eq!(db.last_error(), None);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_damaged_or_partial_file_keeps_the_last_good_version() {
    let path = temp("damaged");
    std::fs::write(&path, "DOM:alice:one\nDOM:bob:two\n").unwrap();
    let db = UserFile::open(&path, Duration::ZERO, quiet()).unwrap();
    let good = |db: &UserFile| {
        hash_of(db, "alice", "DOM") == Some(NTOWFv1("one"))
            && hash_of(db, "bob", "DOM") == Some(NTOWFv1("two"))
    };
    assert!(good(&db));

    let bad: [(&str, &[u8]); 6] = [
        (
            "a line that does not parse",
            b"DOM:alice:one\nnot an entry\nDOM:bob:two\n",
        ),
        ("cut off mid-line", b"DOM:alice:one\nDOM:bo"),
        ("truncated to nothing", b""),
        ("comments only", b"# being rewritten\n"),
        ("not UTF-8", b"DOM:alice:one\nDOM:bob:tw\xff\n"),
        ("a bad hash", b"DOM:alice:one\nDOM:bob:$NT$1234\n"),
    ];
    for (what, text) in bad {
        rewrite(&path, text);
        assert!(good(&db), "{what}: the last good version stays");
        assert!(db.last_error().is_some(), "{what}: reported");
    }
    std::fs::remove_file(&path).unwrap();
    assert!(good(&db), "a removed file keeps the version in force");
    assert!(db.last_error().unwrap().contains("cannot stat"));

    replace(&path, "DOM:alice:three\n");
    assert_eq!(
        hash_of(&db, "alice", "DOM"),
        Some(NTOWFv1("three")),
        "a sound file is taken again"
    );
    assert_eq!(hash_of(&db, "bob", "DOM"), None);
    assert_eq!(db.last_error(), None);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn checks_are_rate_limited() {
    let path = temp("interval");
    std::fs::write(&path, "DOM:alice:one\n").unwrap();
    let db = UserFile::open(&path, Duration::from_secs(3600), quiet()).unwrap();
    replace(&path, "DOM:alice:two\n");
    // Within the interval the file is not looked at.
    assert_eq!(hash_of(&db, "alice", "DOM"), Some(NTOWFv1("one")));
    // An explicit check sees it.
    db.reload_if_changed();
    assert_eq!(hash_of(&db, "alice", "DOM"), Some(NTOWFv1("two")));
    std::fs::remove_file(&path).unwrap();
}

fn logs_in(cc_user: &str, domain: &str, password: &str, sc: &mut CredHandle) -> bool {
    let mut cc = client_credential(cc_user, domain, password).unwrap();
    let r = handshake(&mut cc, sc);
    free_credential(&mut cc);
    match r {
        Ok((mut cx, mut sx)) => {
            delete(&mut cx);
            delete(&mut sx);
            true
        }
        Err(s) => {
            assert_eq!(s, SEC_E_LOGON_DENIED);
            false
        }
    }
}

#[test]
fn a_server_credential_follows_its_file() {
    let _serial = SERIAL.lock();
    let path = temp("abi");
    std::fs::write(&path, "DOMAIN:alice:one\n").unwrap();
    std::env::set_var("NTLM_USER_FILE", &path);
    std::env::set_var("NTLM_USER_FILE_CHECK_MS", "0");
    let mut sc = server_credential().unwrap();
    std::env::remove_var("NTLM_USER_FILE_CHECK_MS");
    assert!(logs_in("alice", "DOMAIN", "one", &mut sc));
    assert!(!logs_in("bob", "DOMAIN", "two", &mut sc));

    replace(
        &path,
        &format!(
            "DOMAIN:alice:changed\nbob:DOMAIN::{}:::\n",
            hex(&NTOWFv1("two"))
        ),
    );
    assert!(logs_in("bob", "DOMAIN", "two", &mut sc), "added user");
    assert!(!logs_in("alice", "DOMAIN", "one", &mut sc), "old password");
    assert!(
        logs_in("alice", "DOMAIN", "changed", &mut sc),
        "new password"
    );

    rewrite(&path, b"DOMAIN:alice:changed\nDOMAIN:b");
    assert!(
        logs_in("bob", "DOMAIN", "two", &mut sc),
        "a half-written file changes nothing"
    );

    replace(&path, "DOMAIN:alice:changed\n");
    assert!(!logs_in("bob", "DOMAIN", "two", &mut sc), "removed user");
    free_credential(&mut sc);
    std::fs::remove_file(&path).unwrap();
}

fn hex(b: &[u8; 16]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Logs in as `user`/`password` against a server whose file is `file_text`; also as a client
/// with default credentials from the same file (hashed entries serve clients too).
fn file_serves(file_text: &str, user: &str, domain: &str, password: &str) -> bool {
    let _serial = SERIAL.lock();
    let path = temp(&format!("serve-{user}"));
    std::fs::write(&path, file_text).unwrap();
    std::env::set_var("NTLM_USER_FILE", &path);
    let mut sc = server_credential().unwrap();
    let ok = logs_in(user, domain, password, &mut sc);
    free_credential(&mut sc);
    std::fs::remove_file(&path).unwrap();
    ok
}

#[test]
fn a_file_written_by_winpr_hash_serves_ntlmssp() {
    let out = match Command::new("winpr-hash")
        .args([
            "-u",
            "carol",
            "-d",
            "DOMAIN",
            "-p",
            "Pässwörd €",
            "-f",
            "sam",
        ])
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            assert!(
                std::env::var_os("NTLMSSP_INTEROP_REQUIRE").is_none(),
                "winpr-hash (Debian winpr-utils) is required"
            );
            eprintln!("winpr-hash not installed (Debian winpr-utils): skipped");
            return;
        }
    };
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(
        line.starts_with("carol:DOMAIN::") && line.trim_end().ends_with(":::"),
        "{line}"
    );
    // A WinPR SAM file, with a gss-ntlmssp plaintext line beside it.
    let file = format!("# written by winpr-hash\n{line}DOMAIN:alice:Secret123\n");
    assert!(file_serves(&file, "carol", "DOMAIN", "Pässwörd €"));
    assert!(file_serves(&file, "CAROL", "domain", "Pässwörd €"));
    assert!(!file_serves(&file, "carol", "DOMAIN", "Passwort"));
    assert!(file_serves(&file, "alice", "DOMAIN", "Secret123"));
}

fn ntlmssp_hash(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ntlmssp-hash"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A usage error exits before reading: the pipe may be closed.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn ntlmssp_hash_writes_entries_that_log_in() {
    let password = "  spaced Pässwörd 𝄞 ";
    let (ok, line, err) = ntlmssp_hash(&["dave", "DOMAIN"], &format!("{password}\n"));
    assert!(ok, "{err}");
    assert_eq!(
        line,
        format!("DOMAIN:dave:$NT${}\n", hex(&NTOWFv1(password)))
    );
    assert!(
        !line.contains("Pässwörd") && !err.contains("Pässwörd"),
        "the password is never echoed"
    );
    assert!(file_serves(&line, "dave", "DOMAIN", password));
    assert!(!file_serves(&line, "dave", "DOMAIN", password.trim()));

    let (ok, sam, _) = ntlmssp_hash(&["--sam", "erin"], "pw\r\n");
    assert!(ok);
    assert_eq!(sam, format!("erin:::{}:::\n", hex(&NTOWFv1("pw"))));
    assert!(
        file_serves(&sam, "erin", "ANYWHERE", "pw"),
        "an entry without a domain matches any domain"
    );

    // The command's own output for the same password matches winpr-hash's, when installed.
    if let Ok(o) = Command::new("winpr-hash")
        .args(["-u", "erin", "-p", "pw", "-f", "sam"])
        .output()
    {
        assert_eq!(String::from_utf8(o.stdout).unwrap(), sam);
    }

    assert!(!ntlmssp_hash(&[], "pw\n").0, "a user is required");
    assert!(
        !ntlmssp_hash(&["a:b"], "pw\n").0,
        "a colon in the user is refused"
    );
    assert!(!ntlmssp_hash(&["--bogus", "u"], "pw\n").0);
}
