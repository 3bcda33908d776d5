//! ntlmssp-decode: prints what an NTLM message, or a SPNEGO token carrying one, says.
//!
//! usage: ntlmssp-decode [--json] [-f FILE]... [TOKEN...]
//!
//! TOKEN is base64, hex or a whole HTTP header line (`Authorization: NTLM …`,
//! `WWW-Authenticate: Negotiate …`, `Proxy-Authorization: …`); without TOKEN or -f, each line
//! of standard input is one. `-f FILE` reads a raw message (or, when FILE is text, one token a
//! line). Exit status: 0 when every token was decoded, 2 when one was malformed (the error names
//! the field and its offset). A SPNEGO token (Negotiate) is described with the NTLM message
//! inside it.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use ntlmssp::inspect::describe::{self, DecodeError};
use ntlmssp::nlmp::messages::SIGNATURE;

const USAGE: &str = "usage: ntlmssp-decode [--json] [-f FILE]... [TOKEN...]
  TOKEN    base64, hex, or a whole HTTP header line such as 'Authorization: NTLM TlRMTVNT...'
           (without TOKEN or -f: one token per line of standard input)
  -f FILE  a raw NTLM message (or a text file of tokens, one a line)
  --json   one JSON object per token
exit status: 0 decoded, 2 malformed input";

#[derive(Default)]
struct Outcome {
    malformed: bool,
}

fn main() -> ExitCode {
    let mut json = false;
    let mut inputs: Vec<Result<Vec<u8>, DecodeError>> = Vec::new();
    let mut args = std::env::args().skip(1);
    let mut any_input = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-f" => {
                let Some(path) = args.next() else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                any_input = true;
                match std::fs::read(&path) {
                    Ok(bytes) => inputs.extend(file_tokens(bytes)),
                    Err(e) => {
                        eprintln!("ntlmssp-decode: {path}: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            _ => {
                any_input = true;
                inputs.push(describe::parse_input(&a));
            }
        }
    }
    let mut outcome = Outcome::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if any_input {
        for (i, input) in inputs.into_iter().enumerate() {
            emit(&mut out, i, input, json, &mut outcome);
        }
    } else {
        let stdin = std::io::stdin();
        let mut i = 0;
        for line in stdin.lock().lines() {
            let line = match line {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("ntlmssp-decode: standard input: {e}");
                    return ExitCode::from(2);
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            emit(
                &mut out,
                i,
                describe::parse_input(&line),
                json,
                &mut outcome,
            );
            i += 1;
        }
    }
    let _ = out.flush();
    if outcome.malformed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// A raw message, or a text file holding tokens one a line.
fn file_tokens(bytes: Vec<u8>) -> Vec<Result<Vec<u8>, DecodeError>> {
    if bytes.starts_with(&SIGNATURE) || describe::is_spnego(&bytes) {
        return vec![Ok(bytes)];
    }
    match String::from_utf8(bytes) {
        Ok(text) if !text.trim().is_empty() => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(describe::parse_input)
            .collect(),
        Ok(text) => vec![Ok(text.into_bytes())],
        Err(e) => vec![Ok(e.into_bytes())],
    }
}

fn emit(
    out: &mut impl Write,
    index: usize,
    input: Result<Vec<u8>, DecodeError>,
    json: bool,
    outcome: &mut Outcome,
) {
    let result = input.and_then(|token| describe::describe(&token));
    let _ = match (&result, json) {
        (Ok(d), true) => writeln!(out, "{}", d.to_json()),
        (Ok(d), false) => write!(out, "{}{}", if index > 0 { "\n" } else { "" }, d.to_text()),
        (Err(e), true) => {
            writeln!(
                out,
                "{}",
                serde_json::json!({ "error": { "field": e.field, "offset": e.offset, "reason": e.reason } })
            )
        }
        (Err(_), false) => Ok(()),
    };
    match result {
        Ok(_) => {}
        Err(e) => {
            eprintln!("ntlmssp-decode: malformed: {e}");
            outcome.malformed = true;
        }
    }
}
