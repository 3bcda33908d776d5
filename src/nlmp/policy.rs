//! Which NTLM variants this process may use: the `LM_COMPAT_LEVEL` setting, with the meaning of
//! Windows' LmCompatibilityLevel and of gss-ntlmssp's variable of the same name.
//!
//! | level | client sends | server accepts |
//! |---|---|---|
//! | 0, 1 | NTLMv1 (LM and NT response), ESS when the server offers it | v1, v2 |
//! | 2 | NTLMv1, the NT response in both fields | v1, v2 |
//! | 3 (default) | NTLMv2 | v2 only |
//! | 4, 5 | NTLMv2 | v2 only |
//!
//! The server side is stricter than Windows (whose domain controller decides): NTLMv1 is
//! accepted only when the server's own level is at most 2, so that a default installation never
//! accepts the broken protocol; see [`Policy::server_accepts_v1`].

/// The variable read from the environment.
pub const LM_COMPAT_LEVEL_VAR: &str = "LM_COMPAT_LEVEL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub lm_compat_level: u8,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { lm_compat_level: 3 }
    }
}

impl Policy {
    /// Reads `LM_COMPAT_LEVEL` (0–5; anything else means the default, 3).
    pub fn from_env() -> Self {
        let level = std::env::var(LM_COMPAT_LEVEL_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<u8>().ok())
            .filter(|l| *l <= 5)
            .unwrap_or(3);
        Policy {
            lm_compat_level: level,
        }
    }

    /// The client answers with NTLMv2 (levels 3–5).
    pub fn client_uses_v2(&self) -> bool {
        self.lm_compat_level >= 3
    }

    /// The client sends a real LM response (levels 0–1); at 2 the NT response is sent twice.
    pub fn client_sends_lm(&self) -> bool {
        self.lm_compat_level <= 1
    }

    /// The server accepts NTLMv1 / NTLMv1-ESS responses (levels 0–2).
    pub fn server_accepts_v1(&self) -> bool {
        self.lm_compat_level <= 2
    }
}
