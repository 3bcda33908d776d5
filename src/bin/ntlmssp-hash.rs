//! `ntlmssp-hash`: turns a password into a user-file entry carrying its NT hash (NTOWFv1), so
//! no plaintext password need be stored.
//!
//! `ntlmssp-hash [--sam] USER [DOMAIN]`
//!
//! The password is read from the terminal with echo off (asked twice), or as one line from
//! standard input when that is not a terminal. The entry goes to standard output:
//! `DOMAIN:USER:$NT$<32 hex digits>` (ntlmssp's form), or with `--sam`
//! `USER:DOMAIN::<32 hex digits>:::` (WinPR's SAM form, which ntlmssp reads too).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use ntlmssp::nlmp::crypto;
use ntlmssp::users::line::{hex16, NT_HASH_PREFIX};
use zeroize::Zeroizing;

const USAGE: &str = "usage: ntlmssp-hash [--sam] USER [DOMAIN]\n\
  reads the password from the terminal (echo off) or one line from standard input,\n\
  prints DOMAIN:USER:$NT$<hash> (or USER:DOMAIN::<hash>::: with --sam)";

fn read_password() -> Result<Zeroizing<String>, String> {
    if std::io::stdin().is_terminal() {
        let first =
            Zeroizing::new(rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?);
        let again =
            Zeroizing::new(rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?);
        if *first != *again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        // Only the line ending goes: spaces may be part of the password.
        let len = line.trim_end_matches(['\n', '\r']).len();
        line.truncate(len);
        Ok(line)
    }
}

fn main() -> ExitCode {
    let mut sam = false;
    let mut names = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--sam" => sam = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            s if s.starts_with('-') && s.len() > 1 => {
                eprintln!("unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => names.push(a),
        }
    }
    let (user, domain) = match names.as_slice() {
        [u] => (u.as_str(), ""),
        [u, d] => (u.as_str(), d.as_str()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if user.is_empty() || user.contains([':', '\n', '\r']) || domain.contains([':', '\n', '\r']) {
        eprintln!("ntlmssp-hash: user and domain may not contain ':' or line breaks, and the user may not be empty");
        return ExitCode::from(2);
    }
    let password = match read_password() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ntlmssp-hash: {e}");
            return ExitCode::FAILURE;
        }
    };
    let nt_hash = Zeroizing::new(crypto::NTOWFv1(&password));
    drop(password);
    let hex = Zeroizing::new(hex16(&nt_hash));
    let line = if sam {
        format!("{user}:{domain}::{}:::", *hex)
    } else {
        format!("{domain}:{user}:{NT_HASH_PREFIX}{}", *hex)
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
