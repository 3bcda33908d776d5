//! What the exports report to the `NTLMSSP_DEBUG` trace ([`crate::inspect::trace`]): one block per step
//! of a context (the policy when it starts, each message in and out, what was negotiated) and the
//! precise reason of a failure, which the SSPI status cannot carry. Safe code: it sees only
//! tokens already copied out of the caller's buffers and the core's objects.
//!
//! The text is built only when the trace is on: callers pass `trace::enabled().then(|| ...)`.

use super::status::status;
use super::types::*;
use crate::inspect::describe::{self, flag_names};
use crate::inspect::trace;
use crate::nlmp::client::{Client, Established};
use crate::nlmp::error::{Denial, Error};
use crate::nlmp::flags::{self, has};
use crate::nlmp::policy::Policy;
use crate::nlmp::server::Server;

/// A context's id in the trace: its handle's `dwLower`, as the application sees it.
pub fn id(h: &SecHandle) -> u64 {
    h.dwLower as u64
}

/// Writes a block built by one of the functions below for context `h`.
pub fn emit(h: &SecHandle, text: Option<String>) {
    if let Some(t) = text {
        trace::event(id(h), || t);
    }
}

fn policy_text(p: Policy, client: bool) -> String {
    let what = match (client, p.client_uses_v2(), p.client_sends_lm()) {
        (true, true, _) => "the client sends NTLMv2",
        (true, false, true) => "the client sends NTLMv1 with an LM response",
        (true, false, false) => "the client sends NTLMv1",
        (false, ..) if p.server_accepts_v1() => "the server accepts NTLMv1 and NTLMv2",
        (false, ..) => "the server accepts NTLMv2 only",
    };
    format!("policy: LM_COMPAT_LEVEL={} ({what})", p.lm_compat_level)
}

fn established_text(e: &Established) -> String {
    let kind = if e.anonymous {
        "anonymous"
    } else if e.ntlmv2 {
        "NTLMv2"
    } else if has(e.flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        "NTLMv1-ESS"
    } else {
        "NTLMv1"
    };
    let user = if e.anonymous {
        "(anonymous)".to_owned()
    } else {
        format!("{}\\{}", e.domain, e.user)
    };
    format!(
        "established: {kind}, user {user}, flags 0x{:08x} {}",
        e.flags,
        flag_names(e.flags).join(" ")
    )
}

/// A client step: on the first, the policy, the identity and the target; then the message
/// received (if any), the message sent, and the result once established.
pub fn client_step(first: bool, input: Option<&[u8]>, output: &[u8], client: &Client) -> String {
    let mut t = String::new();
    if first {
        let c = client.credential();
        let who = if c.anonymous {
            "(anonymous)".to_owned()
        } else {
            format!("{}\\{}", c.domain, c.user)
        };
        t.push_str(&format!(
            "client context for {who}, target {:?}\n",
            client.options().target_name.as_deref().unwrap_or("")
        ));
        t.push_str(&policy_text(client.policy(), true));
        t.push('\n');
    }
    if let Some(i) = input {
        t.push_str(&trace::message_text("in", i));
    }
    t.push_str(&trace::message_text("out", output));
    if let Some(e) = client.established() {
        t.push_str(&established_text(e));
    }
    t
}

/// A server step: on the first, the policy; the message received, the message sent (if any),
/// and the result once established.
/// One leg of a Negotiate context (SPNEGO tokens, decoded with the NTLM message inside).
pub fn negotiate_step(
    side: &str,
    input: Option<&[u8]>,
    output: &[u8],
    established: Option<&Established>,
) -> String {
    let mut t = format!("Negotiate {side} leg\n");
    if let Some(i) = input.filter(|i| !i.is_empty()) {
        t.push_str(&trace::message_text("in", i));
    }
    if !output.is_empty() {
        t.push_str(&trace::message_text("out", output));
    }
    if let Some(e) = established {
        t.push_str(&established_text(e));
    }
    t
}

pub fn server_step(first: bool, input: &[u8], output: Option<&[u8]>, server: &Server) -> String {
    let mut t = String::new();
    if first {
        t.push_str("server context\n");
        t.push_str(&policy_text(server.policy(), false));
        t.push('\n');
    }
    t.push_str(&trace::message_text("in", input));
    if let Some(o) = output {
        t.push_str(&trace::message_text("out", o));
    }
    if let Some(e) = server.established() {
        t.push_str(&established_text(e));
    }
    t
}

fn status_name(s: SECURITY_STATUS) -> &'static str {
    match s {
        SEC_E_INVALID_TOKEN => "SEC_E_INVALID_TOKEN",
        SEC_E_LOGON_DENIED => "SEC_E_LOGON_DENIED",
        SEC_E_BAD_BINDINGS => "SEC_E_BAD_BINDINGS",
        SEC_E_OUT_OF_SEQUENCE => "SEC_E_OUT_OF_SEQUENCE",
        SEC_E_MESSAGE_ALTERED => "SEC_E_MESSAGE_ALTERED",
        SEC_E_NO_CREDENTIALS => "SEC_E_NO_CREDENTIALS",
        SEC_E_INVALID_PARAMETER => "SEC_E_INVALID_PARAMETER",
        SEC_E_UNSUPPORTED_FUNCTION => "SEC_E_UNSUPPORTED_FUNCTION",
        SEC_E_INVALID_HANDLE => "SEC_E_INVALID_HANDLE",
        SEC_E_BUFFER_TOO_SMALL => "SEC_E_BUFFER_TOO_SMALL",
        SEC_E_NO_AUTHENTICATING_AUTHORITY => "SEC_E_NO_AUTHENTICATING_AUTHORITY",
        SEC_E_TIME_SKEW => "SEC_E_TIME_SKEW",
        SEC_E_INSUFFICIENT_MEMORY => "SEC_E_INSUFFICIENT_MEMORY",
        SEC_E_INTERNAL_ERROR => "SEC_E_INTERNAL_ERROR",
        _ => "status",
    }
}

/// The status for `e`, after writing why the call failed: the refusal's reason, or for a
/// malformed token the field and offset, with the message received.
pub fn failed(
    h: Option<&SecHandle>,
    call: &str,
    e: Error,
    input: Option<&[u8]>,
    denial: Option<Denial>,
) -> SECURITY_STATUS {
    let s = status(e);
    trace::event(h.map(id).unwrap_or(0), || {
        let mut t = String::new();
        if let Some(i) = input {
            t.push_str(&trace::message_text("in", i));
        }
        let reason = match (denial, e, input) {
            (Some(d), ..) => d.to_string(),
            (None, Error::InvalidToken, Some(i)) => match describe::describe(i) {
                Err(err) => format!("malformed token: {err}"),
                Ok(_) => "the token is not the message this step expects, or is inconsistent with the exchange".to_owned(),
            },
            (None, Error::InvalidToken, None) => "no input token".to_owned(),
            (None, Error::OutOfOrder, _) => "the message does not fit the context's state (out of order)".to_owned(),
            (None, Error::Unsupported, _) => "channel bindings requested, which winbind's credential cache cannot include: the calling user's cached credentials answer the CHALLENGE without them".to_owned(),
            (None, other, _) => format!("{other:?}"),
        };
        t.push_str(&format!(
            "{call} failed: {} (0x{:08x}): {reason}",
            status_name(s),
            s as u32
        ));
        t
    });
    s
}
