//! Randomness and the clock, injected so that tests reproduce [MS-NLMP] 4.2 byte for byte.

/// Everything nondeterministic a handshake needs.
pub trait Environment: Send + Sync {
    /// Fills `out` with cryptographically secure random bytes.
    fn random(&self, out: &mut [u8]);
    /// The current time as a Windows FILETIME (100 ns ticks since 1601-01-01 UTC).
    fn filetime(&self) -> u64;
}

/// 100 ns intervals between 1601-01-01 and 1970-01-01.
pub const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// The operating system's CSPRNG and clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn random(&self, out: &mut [u8]) {
        pool::fill(out);
    }

    fn filetime(&self) -> u64 {
        let since_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        FILETIME_UNIX_EPOCH
            + since_unix.as_secs() * 10_000_000
            + u64::from(since_unix.subsec_nanos() / 100)
    }
}

/// Fixed values, for tests and vector reproduction: `random` repeats `bytes` cyclically.
#[derive(Debug, Clone)]
pub struct FixedEnvironment {
    pub bytes: Vec<u8>,
    pub time: u64,
}

impl Environment for FixedEnvironment {
    fn random(&self, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            *b = if self.bytes.is_empty() {
                0
            } else {
                self.bytes[i % self.bytes.len()]
            };
        }
    }

    fn filetime(&self) -> u64 {
        self.time
    }
}

/// The operating system's random bytes, fetched a few hundred at a time: one system call then
/// serves many handshakes (each side of one needs 8 or 24 bytes). Bytes are handed out once
/// and wiped as they go; a forked child never reuses its parent's pool.
mod pool {
    use std::cell::RefCell;

    use zeroize::Zeroize;

    const SIZE: usize = 512;

    struct Pool {
        bytes: [u8; SIZE],
        used: usize,
        pid: u32,
    }

    impl Drop for Pool {
        fn drop(&mut self) {
            self.bytes.zeroize();
        }
    }

    thread_local! {
        static POOL: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; SIZE], used: SIZE, pid: 0 }) };
    }

    fn os_fill(out: &mut [u8]) {
        // An OS without a working CSPRNG cannot run NTLM safely; there is no meaningful fallback.
        getrandom::fill(out).expect("operating system random number generator failed");
    }

    pub fn fill(out: &mut [u8]) {
        if out.len() > SIZE / 4 {
            return os_fill(out);
        }
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            let pid = std::process::id();
            if p.used + out.len() > SIZE || p.pid != pid {
                os_fill(&mut p.bytes);
                p.used = 0;
                p.pid = pid;
            }
            let at = p.used;
            out.copy_from_slice(&p.bytes[at..at + out.len()]);
            p.bytes[at..at + out.len()].zeroize();
            p.used += out.len();
        })
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn bytes_are_never_handed_out_twice() {
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let mut b = [0u8; 24];
                super::fill(&mut b);
                assert!(seen.insert(b), "repeated random bytes");
            }
        }
    }
}
