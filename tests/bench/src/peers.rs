//! Peers written in C (gss-ntlmssp through GSSAPI, WinPR through its SSPI), built and passed in
//! by scripts/bench.sh as `--peer name=path`. Each program runs the same loops with the same
//! run count and window and prints lines `handshakes <rate>` and
//! `<Make+VerifySignature|Encrypt+DecryptMessage> <size> <rate>` (operations per second).

use std::process::Command;

use crate::Config;

pub struct Peer {
    pub name: String,
    pub handshakes: Option<f64>,
    pub messages: Vec<(String, usize, f64)>,
}

impl Peer {
    pub fn message_rate(&self, op: &str, size: usize) -> Option<f64> {
        self.messages.iter().find(|(o, s, _)| o == op && *s == size).map(|(_, _, r)| *r)
    }
}

pub fn run(spec: &str, cfg: &Config) -> Option<Peer> {
    let (name, path) = spec.split_once('=').expect("--peer name=path");
    let out = Command::new(path).arg(cfg.runs.to_string()).arg(cfg.window.as_millis().to_string()).output().ok()?;
    if !out.status.success() {
        eprintln!("peer {name} failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let mut p = Peer { name: name.to_owned(), handshakes: None, messages: Vec::new() };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["handshakes", r] => p.handshakes = r.parse().ok(),
            [op, size, r] => {
                if let (Ok(s), Ok(r)) = (size.parse(), r.parse()) {
                    p.messages.push((op.to_string(), s, r));
                }
            }
            _ => {}
        }
    }
    Some(p)
}
