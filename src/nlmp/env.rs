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
        // An OS without a working CSPRNG cannot run NTLM safely; there is no meaningful fallback.
        getrandom::fill(out).expect("operating system random number generator failed");
    }

    fn filetime(&self) -> u64 {
        let since_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        FILETIME_UNIX_EPOCH + since_unix.as_secs() * 10_000_000 + u64::from(since_unix.subsec_nanos() / 100)
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
            *b = if self.bytes.is_empty() { 0 } else { self.bytes[i % self.bytes.len()] };
        }
    }

    fn filetime(&self) -> u64 {
        self.time
    }
}
