//! A readable account of one NTLM message, or of a SPNEGO token and the NTLM message inside, for
//! `ntlmssp-decode` and the `NTLMSSP_DEBUG` trace.
//!
//! The message is parsed by the decoders of [`crate::nlmp::messages`] (no second parser); this
//! module only names what they return: every flag by its [MS-NLMP] 2.2.2.5 name, strings with the
//! character set the flags chose, VERSION (2.2.2.10), AV pairs (2.2.2.1) with FILETIMEs as UTC
//! dates, and for an AUTHENTICATE_MESSAGE the kind of response (3.3.1, 3.3.2) and the NTLMv2
//! client challenge (2.2.2.7). It never shows a response, proof, MIC or key: only whether they
//! are there and how long they are, so a description may go to a log.
//!
//! When a decoder refuses a message, [`describe`] says which field and at which offset, by
//! checking the header fields and payload descriptors in wire order with the same
//! [`Reader`]/[`PayloadField`] the decoders use.
//!
//! Input forms ([`parse_input`]): base64, hex, or a whole HTTP header line
//! (`Authorization: NTLM …`, `WWW-Authenticate: Negotiate …`, `Proxy-Authorization: …`).
//! A SPNEGO token is decoded by the Negotiate package's own codec ([`describe_spnego`]), with the
//! NTLM message it carries described in place.

use serde_json::{json, Map, Value};

use crate::nlmp::codec::{from_oem, from_utf16le, PayloadField, Reader};
use crate::nlmp::flags::{self, has};
use crate::nlmp::messages::{
    self, av_flags, av_id, Authenticate, AvPairs, Challenge, Negotiate, Ntlmv2ClientChallenge,
    Version, NTLMV2_CLIENT_CHALLENGE_HEADER,
};

/// Why a token could not be described: the field, its offset in the message when it has one,
/// and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub field: String,
    pub offset: Option<usize>,
    pub reason: String,
}

impl DecodeError {
    fn at(field: impl Into<String>, offset: usize, reason: impl Into<String>) -> Self {
        DecodeError {
            field: field.into(),
            offset: Some(offset),
            reason: reason.into(),
        }
    }

    fn input(reason: impl Into<String>) -> Self {
        DecodeError {
            field: "input".into(),
            offset: None,
            reason: reason.into(),
        }
    }
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} at offset {}: {}", self.field, o, self.reason),
            None => write!(f, "{}: {}", self.field, self.reason),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What a token turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Description {
    /// An NTLM message, described field by field (keys in wire order).
    Ntlm(Value),
    /// A SPNEGO token (RFC 4178, MS-SPNG): its fields, with the NTLM message it carries
    /// described in place.
    Spnego(Value),
}

impl Description {
    /// The description as a JSON value (what `ntlmssp-decode --json` prints).
    pub fn to_json(&self) -> Value {
        match self {
            Description::Ntlm(v) | Description::Spnego(v) => v.clone(),
        }
    }

    /// The description as indented text, one field a line.
    pub fn to_text(&self) -> String {
        match self {
            Description::Ntlm(v) | Description::Spnego(v) => {
                let mut out = String::new();
                render(&mut out, v, 0);
                out
            }
        }
    }
}

fn render(out: &mut String, v: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        render(out, v, depth + 1);
                    }
                    Value::Array(items) => {
                        out.push_str(&format!(
                            "{pad}{k}:{}\n",
                            if items.is_empty() { " (none)" } else { "" }
                        ));
                        render(out, v, depth + 1);
                    }
                    other => out.push_str(&format!("{pad}{k}: {}\n", scalar(other))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}-\n"));
                        render(out, item, depth + 1);
                    }
                    other => out.push_str(&format!("{pad}{}\n", scalar(other))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Input forms

/// The token in one line of input: a whole HTTP header line (`Name: Scheme base64`), a
/// `Scheme base64` pair (`NTLM`, `Negotiate`), bare base64, or hex (optionally with spaces or
/// colons between bytes).
pub fn parse_input(line: &str) -> Result<Vec<u8>, DecodeError> {
    let mut s = line.trim();
    // "Authorization: NTLM ...", "WWW-Authenticate: Negotiate ...", "Proxy-Authorization: ..."
    if let Some((name, rest)) = s.split_once(':') {
        // A header name, not hex bytes separated by colons.
        let header_name = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.bytes().all(|b| b.is_ascii_hexdigit());
        if header_name {
            s = rest.trim();
        }
    }
    if let Some((scheme, rest)) = s.split_once(char::is_whitespace) {
        if scheme.eq_ignore_ascii_case("NTLM") || scheme.eq_ignore_ascii_case("Negotiate") {
            s = rest.trim();
        }
    }
    if s.is_empty() || s.eq_ignore_ascii_case("NTLM") || s.eq_ignore_ascii_case("Negotiate") {
        return Err(DecodeError::input(
            "no token (an NTLM/Negotiate header without data asks for authentication)",
        ));
    }
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if compact.len() % 2 == 0 && compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(&compact).map_err(|e| DecodeError::input(format!("hex: {e}")));
    }
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim_end_matches(','))
        .map_err(|e| DecodeError::input(format!("neither hex nor base64 ({e})")))
}

// ---------------------------------------------------------------------------------------------
// SPNEGO

/// The first byte of a SPNEGO token: the GSS-API InitialContextToken (`[APPLICATION 0]`,
/// RFC 2743 3.1) or a NegotiationToken's negTokenInit `[0]` / negTokenResp `[1]` (RFC 4178 4.2).
pub fn is_spnego(token: &[u8]) -> bool {
    matches!(token.first(), Some(0x60 | 0xa0 | 0xa1))
}

/// Describes one token (an NTLM message, or a SPNEGO token and the NTLM message inside it).
pub fn describe(token: &[u8]) -> Result<Description, DecodeError> {
    if is_spnego(token) {
        describe_spnego(token).map(Description::Spnego)
    } else {
        describe_ntlm(token).map(Description::Ntlm)
    }
}

/// Describes a SPNEGO token with the Negotiate package's own decoder: framing, mechanisms,
/// negState, the mechListMIC's presence (never its value), and the NTLM message inside.
pub fn describe_spnego(token: &[u8]) -> Result<Value, DecodeError> {
    use crate::spnego::codec::{mech_name, NegState, NegotiationToken, Token};
    let t = Token::decode(token).map_err(|e| DecodeError {
        field: "SPNEGO token".into(),
        offset: e.position().map(|p| u32::from(p) as usize),
        reason: e.kind().to_string(),
    })?;
    let mut m = Map::new();
    let framing = if t.framed {
        "GSS-API InitialContextToken, OID 1.3.6.1.5.5.2"
    } else {
        "bare NegotiationToken"
    };
    let inner = |field: &str, bytes: &[u8]| -> Result<Value, DecodeError> {
        if bytes.starts_with(b"NTLMSSP\0") {
            describe_ntlm(bytes).map_err(|e| DecodeError {
                field: format!("{field}.{}", e.field),
                ..e
            })
        } else {
            Ok(json!(format!("{} bytes, not an NTLM message", bytes.len())))
        }
    };
    let mic = |v: Option<&[u8]>| v.map(|b| json!(format!("present, {} bytes", b.len())));
    match &t.token {
        NegotiationToken::Init(init) => {
            m.insert("Message".into(), json!("SPNEGO NegTokenInit"));
            m.insert("Framing".into(), json!(framing));
            let mechs: Vec<Value> = init
                .mech_types
                .iter()
                .map(|o| json!(format!("{} ({o})", mech_name(&o))))
                .collect();
            m.insert("MechTypes".into(), Value::Array(mechs));
            if init.req_flags.is_some() {
                m.insert("ReqFlags".into(), json!("present"));
            }
            if let Some(tok) = init.mech_token {
                m.insert("MechToken".into(), inner("MechToken", tok.as_bytes())?);
            }
            if let Some(v) = mic(init.mech_list_mic.map(|o| o.as_bytes())) {
                m.insert("MechListMIC".into(), v);
            }
        }
        NegotiationToken::Resp(resp) => {
            m.insert("Message".into(), json!("SPNEGO NegTokenResp"));
            m.insert("Framing".into(), json!(framing));
            if let Some(state) = resp.neg_state {
                let name = match state {
                    NegState::AcceptCompleted => "accept-completed",
                    NegState::AcceptIncomplete => "accept-incomplete",
                    NegState::Reject => "reject",
                    NegState::RequestMic => "request-mic",
                };
                m.insert("NegState".into(), json!(name));
            }
            if let Some(o) = &resp.supported_mech {
                m.insert(
                    "SupportedMech".into(),
                    json!(format!("{} ({o})", mech_name(o))),
                );
            }
            if let Some(tok) = resp.response_token {
                m.insert(
                    "ResponseToken".into(),
                    inner("ResponseToken", tok.as_bytes())?,
                );
            }
            if let Some(v) = mic(resp.mech_list_mic.map(|o| o.as_bytes())) {
                m.insert("MechListMIC".into(), v);
            }
        }
    }
    Ok(Value::Object(m))
}

/// Describes one NTLM message.
pub fn describe_ntlm(token: &[u8]) -> Result<Value, DecodeError> {
    let ty = match messages::message_type(token) {
        Ok(t) => t,
        Err(_) => return Err(diagnose(token)),
    };
    let mut m = Map::new();
    match ty {
        messages::NEGOTIATE_MESSAGE_TYPE => {
            let n = Negotiate::decode(token).map_err(|_| diagnose(token))?;
            header(&mut m, "NEGOTIATE_MESSAGE", ty, token.len(), n.flags);
            // 2.2.1.1: the NEGOTIATE's names are OEM whatever the flags say.
            if has(n.flags, flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED) {
                m.insert("DomainName".into(), oem_string(n.domain));
            }
            if has(n.flags, flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED) {
                m.insert("Workstation".into(), oem_string(n.workstation));
            }
            version(&mut m, n.version);
        }
        messages::CHALLENGE_MESSAGE_TYPE => {
            let c = Challenge::decode(token).map_err(|_| diagnose(token))?;
            header(&mut m, "CHALLENGE_MESSAGE", ty, token.len(), c.flags);
            let unicode = charset(&mut m, c.flags);
            m.insert("TargetName".into(), string(c.target_name, unicode));
            m.insert(
                "ServerChallenge".into(),
                hex::encode(c.server_challenge).into(),
            );
            version(&mut m, c.version);
            if has(c.flags, flags::NEGOTIATE_TARGET_INFO) {
                // An empty list has no position of its own: report its descriptor's.
                let base = if c.target_info.is_empty() {
                    40
                } else {
                    offset_in(token, c.target_info)
                };
                let pairs = AvPairs::parse(c.target_info)
                    .map_err(|_| diagnose_av_pairs(c.target_info, base, "TargetInfo"))?;
                m.insert("TargetInfo".into(), av_pairs(&pairs));
            }
        }
        messages::AUTHENTICATE_MESSAGE_TYPE => {
            let a = Authenticate::decode(token).map_err(|_| diagnose(token))?;
            header(&mut m, "AUTHENTICATE_MESSAGE", ty, token.len(), a.flags);
            let unicode = charset(&mut m, a.flags);
            m.insert("DomainName".into(), string(a.domain_name, unicode));
            m.insert("UserName".into(), string(a.user_name, unicode));
            m.insert("Workstation".into(), string(a.workstation, unicode));
            version(&mut m, a.version);
            authenticate_responses(&mut m, token, &a)?;
        }
        other => {
            return Err(DecodeError::at(
                "MessageType",
                8,
                format!("{other} is not 1 (NEGOTIATE), 2 (CHALLENGE) or 3 (AUTHENTICATE)"),
            ))
        }
    }
    Ok(Value::Object(m))
}

fn header(m: &mut Map<String, Value>, name: &str, ty: u32, len: usize, negotiate_flags: u32) {
    m.insert("Message".into(), format!("{name} (type {ty})").into());
    m.insert("Length".into(), len.into());
    m.insert(
        "NegotiateFlags".into(),
        format!("0x{negotiate_flags:08x}").into(),
    );
    m.insert(
        "Flags".into(),
        flag_names(negotiate_flags)
            .into_iter()
            .map(Value::from)
            .collect(),
    );
}

/// Every set bit by its [MS-NLMP] 2.2.2.5 name; bits the specification reserves as `r1`..`r10`
/// by their value.
pub fn flag_names(f: u32) -> Vec<String> {
    (0..32)
        .map(|bit| 1u32 << bit)
        .filter(|b| f & b != 0)
        .map(|b| match flags::NAMES.iter().find(|(v, _)| *v == b) {
            Some((_, name)) => (*name).to_owned(),
            None => format!("0x{b:08x} (reserved)"),
        })
        .collect()
}

fn charset(m: &mut Map<String, Value>, f: u32) -> bool {
    let unicode = has(f, flags::NEGOTIATE_UNICODE);
    let cs = if unicode {
        "UTF-16LE (NTLMSSP_NEGOTIATE_UNICODE)"
    } else {
        "OEM (NTLM_NEGOTIATE_OEM)"
    };
    m.insert("Charset".into(), cs.into());
    unicode
}

fn string(b: &[u8], unicode: bool) -> Value {
    if unicode {
        match from_utf16le(b) {
            Ok(s) => format!("{s:?}").into(),
            Err(_) => format!("not valid UTF-16LE: {} ({} bytes)", hex::encode(b), b.len()).into(),
        }
    } else {
        oem_string(b)
    }
}

fn oem_string(b: &[u8]) -> Value {
    format!("{:?}", from_oem(b)).into()
}

fn version(m: &mut Map<String, Value>, v: Option<Version>) {
    if let Some(v) = v {
        m.insert(
            "Version".into(),
            format!(
                "{}.{} build {}, NTLMSSP revision {}",
                v.major, v.minor, v.build, v.revision
            )
            .into(),
        );
    }
}

/// Where `sub` (a slice the decoders returned) starts within `token`.
fn offset_in(token: &[u8], sub: &[u8]) -> usize {
    (sub.as_ptr() as usize).saturating_sub(token.as_ptr() as usize)
}

/// 2.2.2.1 AvId names.
fn av_name(id: u16) -> String {
    match id {
        av_id::EOL => "MsvAvEOL".into(),
        av_id::NB_COMPUTER_NAME => "MsvAvNbComputerName".into(),
        av_id::NB_DOMAIN_NAME => "MsvAvNbDomainName".into(),
        av_id::DNS_COMPUTER_NAME => "MsvAvDnsComputerName".into(),
        av_id::DNS_DOMAIN_NAME => "MsvAvDnsDomainName".into(),
        av_id::DNS_TREE_NAME => "MsvAvDnsTreeName".into(),
        av_id::FLAGS => "MsvAvFlags".into(),
        av_id::TIMESTAMP => "MsvAvTimestamp".into(),
        av_id::SINGLE_HOST => "MsvAvSingleHost".into(),
        av_id::TARGET_NAME => "MsvAvTargetName".into(),
        av_id::CHANNEL_BINDINGS => "MsvAvChannelBindings".into(),
        other => format!("AvId 0x{other:04x} (unknown)"),
    }
}

fn av_pairs(pairs: &AvPairs<'_>) -> Value {
    let mut m = Map::new();
    for (id, value) in pairs.iter() {
        let v: Value = match id {
            av_id::NB_COMPUTER_NAME
            | av_id::NB_DOMAIN_NAME
            | av_id::DNS_COMPUTER_NAME
            | av_id::DNS_DOMAIN_NAME
            | av_id::DNS_TREE_NAME
            | av_id::TARGET_NAME => string(value, true),
            av_id::FLAGS => match <[u8; 4]>::try_from(value) {
                Ok(b) => {
                    let f = u32::from_le_bytes(b);
                    let mut names = Vec::new();
                    for (bit, name) in [
                        (
                            av_flags::CONSTRAINED,
                            "account authentication is constrained",
                        ),
                        (av_flags::MIC_PRESENT, "MIC present"),
                        (av_flags::UNTRUSTED_SPN_TARGET, "untrusted SPN target"),
                    ] {
                        if f & bit != 0 {
                            names.push(name.to_owned());
                        }
                    }
                    let unknown = f & !(av_flags::CONSTRAINED
                        | av_flags::MIC_PRESENT
                        | av_flags::UNTRUSTED_SPN_TARGET);
                    if unknown != 0 {
                        names.push(format!("unknown bits 0x{unknown:08x}"));
                    }
                    format!(
                        "0x{f:08x}{}",
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", names.join(", "))
                        }
                    )
                    .into()
                }
                Err(_) => format!("{} bytes (MsvAvFlags is 4 bytes)", value.len()).into(),
            },
            av_id::TIMESTAMP => match <[u8; 8]>::try_from(value) {
                Ok(b) => filetime(u64::from_le_bytes(b)).into(),
                Err(_) => format!("{} bytes (MsvAvTimestamp is 8 bytes)", value.len()).into(),
            },
            av_id::CHANNEL_BINDINGS => {
                if value.iter().all(|b| *b == 0) {
                    format!("{} zero bytes (no channel bindings)", value.len()).into()
                } else {
                    hex::encode(value).into()
                }
            }
            _ => format!("{} bytes: {}", value.len(), hex::encode(value)).into(),
        };
        let mut key = av_name(id);
        // Repeated pairs stay distinct.
        let mut n = 2;
        while m.contains_key(&key) {
            key = format!("{} #{n}", av_name(id));
            n += 1;
        }
        m.insert(key, v);
    }
    Value::Object(m)
}

/// A FILETIME (100 ns ticks since 1601-01-01 UTC) as an RFC 3339 UTC date.
pub fn filetime(ticks: u64) -> String {
    const UNIX_EPOCH_TICKS: i128 = 116_444_736_000_000_000;
    let nanos = (i128::from(ticks) - UNIX_EPOCH_TICKS) * 100;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }) {
        Some(date) => date,
        None => format!("0x{ticks:016x} (not a representable date)"),
    }
}

/// 3.3.1 and 3.3.2: which response an AUTHENTICATE_MESSAGE carries, read from its lengths and
/// flags; for NTLMv2 the client challenge (2.2.2.7) without the proof before it.
fn authenticate_responses(
    m: &mut Map<String, Value>,
    token: &[u8],
    a: &Authenticate<'_>,
) -> Result<(), DecodeError> {
    let lm = a.lm_challenge_response;
    let nt = a.nt_challenge_response;
    let user_empty = a.user_name.is_empty();
    let anonymous = user_empty && nt.is_empty() && (lm.is_empty() || lm == [0]);
    let mut blob = None;
    let kind = if anonymous {
        "anonymous".to_owned()
    } else if nt.len() > 24 {
        blob = Some(&nt[16.min(nt.len())..]);
        "NTLMv2".to_owned()
    } else if nt.len() == 24 {
        // With ESS the LM field carries the client challenge padded with zeros (3.3.1).
        if has(a.flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY)
            && lm.len() == 24
            && lm[8..].iter().all(|b| *b == 0)
        {
            "NTLMv1-ESS".to_owned()
        } else {
            "NTLMv1".to_owned()
        }
    } else if nt.is_empty() && lm.len() == 24 {
        "LM only".to_owned()
    } else {
        format!("unknown (NtChallengeResponse of {} bytes)", nt.len())
    };
    m.insert("Response".into(), kind.clone().into());
    let lm_note = if lm.is_empty() {
        "absent".to_owned()
    } else if kind == "NTLMv1" && lm == nt {
        format!(
            "{} bytes, a copy of the NT response (LM_COMPAT_LEVEL 2)",
            lm.len()
        )
    } else if kind == "NTLMv2" && lm.iter().all(|b| *b == 0) {
        format!("{} zero bytes (omitted: MsvAvTimestamp sent)", lm.len())
    } else if kind == "NTLMv2" && lm.len() == 24 {
        "24 bytes (LMv2)".to_owned()
    } else if kind == "NTLMv1-ESS" {
        "24 bytes (client challenge and zeros)".to_owned()
    } else {
        format!("{} bytes", lm.len())
    };
    m.insert("LmChallengeResponse".into(), lm_note.into());
    m.insert(
        "NtChallengeResponse".into(),
        format!("{} bytes", nt.len()).into(),
    );
    let mut mic_announced = false;
    if let Some(blob) = blob {
        let base = offset_in(token, blob);
        if nt.len() < 16 + NTLMV2_CLIENT_CHALLENGE_HEADER {
            return Err(DecodeError::at(
                "NtChallengeResponse",
                offset_in(token, nt),
                format!(
                    "{} bytes, shorter than NTProofStr and the NTLMv2_CLIENT_CHALLENGE header (44)",
                    nt.len()
                ),
            ));
        }
        let c = Ntlmv2ClientChallenge::decode(blob)
            .map_err(|_| diagnose_client_challenge(blob, base))?;
        mic_announced = has(c.av_pairs.flags(), av_flags::MIC_PRESENT);
        let mut b = Map::new();
        b.insert("TimeStamp".into(), filetime(c.time).into());
        b.insert(
            "ChallengeFromClient".into(),
            hex::encode(c.client_challenge).into(),
        );
        b.insert("AvPairs".into(), av_pairs(&c.av_pairs));
        m.insert("NTLMv2_CLIENT_CHALLENGE".into(), Value::Object(b));
    }
    let mic = match (a.mic, mic_announced) {
        (Some(_), true) => "present (MsvAvFlags announces it)",
        (None, true) => "announced by MsvAvFlags but no room for it (stripped)",
        (Some(_), false) => "absent (the header has room for one, MsvAvFlags does not announce it)",
        (None, false) => "absent",
    };
    m.insert("MIC".into(), mic.into());
    let esk = a.encrypted_random_session_key;
    m.insert(
        "EncryptedRandomSessionKey".into(),
        if esk.is_empty() {
            "absent".to_owned()
        } else {
            format!("present ({} bytes)", esk.len())
        }
        .into(),
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Diagnosis of refused messages

/// The fixed header fields of each message (name, offset, size) and which of them are payload
/// descriptors (2.2.1.1–2.2.1.3), in wire order.
fn layout(ty: u32, flags_value: u32) -> Vec<(&'static str, usize, usize, bool)> {
    match ty {
        messages::NEGOTIATE_MESSAGE_TYPE => vec![
            ("NegotiateFlags", 12, 4, false),
            (
                "DomainNameFields",
                16,
                8,
                has(flags_value, flags::NEGOTIATE_OEM_DOMAIN_SUPPLIED),
            ),
            (
                "WorkstationFields",
                24,
                8,
                has(flags_value, flags::NEGOTIATE_OEM_WORKSTATION_SUPPLIED),
            ),
        ],
        messages::CHALLENGE_MESSAGE_TYPE => vec![
            ("TargetNameFields", 12, 8, true),
            ("NegotiateFlags", 20, 4, false),
            ("ServerChallenge", 24, 8, false),
            ("Reserved", 32, 8, false),
            (
                "TargetInfoFields",
                40,
                8,
                has(flags_value, flags::NEGOTIATE_TARGET_INFO),
            ),
        ],
        _ => vec![
            ("LmChallengeResponseFields", 12, 8, true),
            ("NtChallengeResponseFields", 20, 8, true),
            ("DomainNameFields", 28, 8, true),
            ("UserNameFields", 36, 8, true),
            ("WorkstationFields", 44, 8, true),
            ("EncryptedRandomSessionKeyFields", 52, 8, true),
            ("NegotiateFlags", 60, 4, false),
        ],
    }
}

/// Which field of a message the decoders refused, and why.
fn diagnose(token: &[u8]) -> DecodeError {
    let n = token.len();
    if n < 8 {
        return DecodeError::at(
            "Signature",
            0,
            format!("the message is {n} bytes, shorter than the 8-byte signature"),
        );
    }
    if token[..8] != messages::SIGNATURE {
        return DecodeError::at(
            "Signature",
            0,
            format!(
                "{} is not \"NTLMSSP\\0\" (4e544c4d53535000)",
                hex::encode(&token[..8])
            ),
        );
    }
    let mut r = Reader::new(&token[8..]);
    let Ok(ty) = r.u32() else {
        return DecodeError::at(
            "MessageType",
            8,
            format!("truncated: the message is {n} bytes"),
        );
    };
    if !(1..=3).contains(&ty) {
        return DecodeError::at(
            "MessageType",
            8,
            format!("{ty} is not 1 (NEGOTIATE), 2 (CHALLENGE) or 3 (AUTHENTICATE)"),
        );
    }
    let flags_offset = match ty {
        messages::CHALLENGE_MESSAGE_TYPE => 20,
        messages::AUTHENTICATE_MESSAGE_TYPE => 60,
        _ => 12,
    };
    let flags_value = token
        .get(flags_offset..flags_offset + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0);
    let short_ok = |offset: usize| match ty {
        // A 16-byte NEGOTIATE and a 40-byte CHALLENGE (pre-NT4) are complete messages.
        messages::NEGOTIATE_MESSAGE_TYPE => offset >= 16 && n == 16,
        messages::CHALLENGE_MESSAGE_TYPE => offset >= 40 && n < 48,
        _ => false,
    };
    let fields = layout(ty, flags_value);
    // The decoders read the whole fixed header before resolving any payload field.
    for &(name, offset, size, _) in &fields {
        if n < offset + size && !short_ok(offset) {
            return DecodeError::at(
                name,
                offset,
                format!(
                    "truncated: the header needs bytes {offset}..{} and the message is {n} bytes",
                    offset + size
                ),
            );
        }
    }
    for (name, offset, size, used) in fields {
        if n >= offset + size && name.ends_with("Fields") && used {
            let mut fr = Reader::new(&token[offset..]);
            if let Ok(f) = PayloadField::read(&mut fr) {
                if f.resolve(token).is_err() {
                    return DecodeError::at(
                        name,
                        offset,
                        format!(
                            "Len {} at BufferOffset {} runs past the end of the {n}-byte message",
                            f.len, f.offset
                        ),
                    );
                }
            }
        }
    }
    DecodeError::at("message", 0, "malformed")
}

/// Which AV pair of a list is malformed: one running past the end, or a list without MsvAvEOL.
fn diagnose_av_pairs(raw: &[u8], base: usize, field: &str) -> DecodeError {
    let mut r = Reader::new(raw);
    loop {
        let at = r.position();
        let (Ok(id), Ok(len)) = (r.u16(), r.u16()) else {
            return DecodeError::at(field, base + at, "the AV pair list ends without MsvAvEOL");
        };
        if r.take(usize::from(len)).is_err() {
            return DecodeError::at(
                format!("{field} {}", av_name(id)),
                base + at,
                format!(
                    "AvLen {len} runs past the end of the list ({} bytes left)",
                    raw.len() - at - 4
                ),
            );
        }
        if id == av_id::EOL {
            return DecodeError::at(field, base + at, "malformed AV pair list");
        }
    }
}

/// Why an NTLMv2_CLIENT_CHALLENGE (2.2.2.7) was refused.
fn diagnose_client_challenge(blob: &[u8], base: usize) -> DecodeError {
    const FIELD: &str = "NTLMv2_CLIENT_CHALLENGE";
    match (blob.first(), blob.get(1)) {
        (Some(1), Some(1)) => {}
        (Some(r), Some(h)) => {
            return DecodeError::at(
                FIELD,
                base,
                format!("RespType {r} / HiRespType {h}, both must be 1"),
            );
        }
        _ => return DecodeError::at(FIELD, base, "truncated"),
    }
    match blob.get(NTLMV2_CLIENT_CHALLENGE_HEADER..) {
        Some(pairs) => diagnose_av_pairs(
            pairs,
            base + NTLMV2_CLIENT_CHALLENGE_HEADER,
            "NTLMv2_CLIENT_CHALLENGE AvPairs",
        ),
        None => DecodeError::at(
            FIELD,
            base,
            format!("{} bytes, shorter than its 28-byte header", blob.len()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_forms() {
        let neg = "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==";
        let raw = parse_input(neg).unwrap();
        assert_eq!(&raw[..8], b"NTLMSSP\0");
        assert_eq!(
            parse_input(&format!("Authorization: NTLM {neg}")).unwrap(),
            raw
        );
        assert_eq!(
            parse_input(&format!("WWW-Authenticate: Negotiate {neg}\r")).unwrap(),
            raw
        );
        assert_eq!(
            parse_input(&format!("Proxy-Authorization: ntlm {neg}")).unwrap(),
            raw
        );
        assert_eq!(parse_input(&hex::encode(&raw)).unwrap(), raw);
        assert_eq!(parse_input("4e:54:4c:4d").unwrap(), b"NTLM");
        assert_eq!(
            parse_input("WWW-Authenticate: NTLM").unwrap_err().field,
            "input"
        );
        assert!(parse_input("not base64!").is_err());
    }

    #[test]
    fn malformed_spnego_is_an_error() {
        for first in [0x60u8, 0xa0, 0xa1] {
            let e = describe(&[first, 3, 1, 2, 3]).unwrap_err();
            assert_eq!(e.field, "SPNEGO token");
        }
    }

    #[test]
    fn filetimes() {
        assert_eq!(filetime(116_444_736_000_000_000), "1970-01-01T00:00:00Z");
        assert_eq!(filetime(0), "1601-01-01T00:00:00Z");
        assert!(filetime(u64::MAX).contains("not a representable date"));
    }

    #[test]
    fn flag_names_cover_every_bit() {
        let names = flag_names(0xffff_ffff);
        assert_eq!(names.len(), 32);
        assert_eq!(names[0], "NTLMSSP_NEGOTIATE_UNICODE");
        assert_eq!(names[31], "NTLMSSP_NEGOTIATE_56");
        assert!(names[3].contains("reserved"));
    }
}
