//! What the tests on the test domain share (tests/domain/run.sh starts it; `$NTLMSSP_DC`
//! controls it).
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// `$NTLMSSP_DC stop|start|freeze|thaw|member-stop|member-start` (tests/domain/run.sh), with
/// extra environment.
pub fn dc_ctl(what: &str, env: &[(&str, &str)]) {
    let ctl = std::env::var("NTLMSSP_DC").expect("NTLMSSP_DC");
    let s = Command::new(ctl)
        .arg(what)
        .envs(env.iter().copied())
        .status()
        .unwrap();
    assert!(s.success(), "$NTLMSSP_DC {what}");
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Retries `logon` until it works (the member's winbindd finds a restarted DC after its
/// `winbind reconnect delay`); its result and the time it took.
pub fn until_it_works<T, E: std::fmt::Debug>(
    mut logon: impl FnMut() -> Result<T, E>,
) -> (T, Duration) {
    let t = Instant::now();
    loop {
        match logon() {
            Ok(v) => return (v, t.elapsed()),
            Err(e) if t.elapsed() < Duration::from_secs(120) => {
                println!("  not yet ({e:?})");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("still failing after {}: {e:?}", ms(t.elapsed())),
        }
    }
}
