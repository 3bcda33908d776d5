//! ntlmssp-decode and the description behind it (src/inspect/describe.rs): every [MS-NLMP] 4.2
//! message and the interop peers' captured tokens decode to the expected fields; malformed
//! input gets the field and offset; the command's input forms, JSON and exit statuses.

use std::path::Path;
use std::process::{Command, Stdio};

use ntlmssp::inspect::describe::{describe, describe_ntlm, parse_input, Description};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn vectors() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/ms-nlmp-vectors.json")).unwrap(),
    )
    .unwrap()
}

fn message(section: &str, name: &str) -> Vec<u8> {
    hex::decode(vectors()[section]["messages"][name].as_str().unwrap()).unwrap()
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v:#}"))
}

#[test]
fn ms_nlmp_4_2_messages() {
    let v = vectors();
    let server_challenge = v["common"]["ServerChallenge"]
        .as_str()
        .unwrap()
        .replace(' ', "")
        .to_lowercase();
    // 4.2.3 negotiates no key exchange.
    for (section, kind, esk) in [
        ("ntlmv1", "NTLMv1", true),
        ("ntlmv1_client_challenge", "NTLMv1-ESS", false),
        ("ntlmv2", "NTLMv2", true),
    ] {
        let c = describe_ntlm(&message(section, "CHALLENGE_MESSAGE")).unwrap();
        assert_eq!(
            field(&c, "Message"),
            "CHALLENGE_MESSAGE (type 2)",
            "{section}"
        );
        assert_eq!(field(&c, "TargetName"), "\"Server\"", "{section}");
        assert_eq!(field(&c, "ServerChallenge"), server_challenge, "{section}");
        assert_eq!(field(&c, "Charset"), "UTF-16LE (NTLMSSP_NEGOTIATE_UNICODE)");
        assert!(
            field(&c, "Version").starts_with("6.0 build 6000"),
            "{section}"
        );

        let a = describe_ntlm(&message(section, "AUTHENTICATE_MESSAGE")).unwrap();
        assert_eq!(field(&a, "Message"), "AUTHENTICATE_MESSAGE (type 3)");
        assert_eq!(field(&a, "UserName"), "\"User\"", "{section}");
        assert_eq!(field(&a, "DomainName"), "\"Domain\"", "{section}");
        assert_eq!(field(&a, "Workstation"), "\"COMPUTER\"", "{section}");
        assert_eq!(field(&a, "Response"), kind, "{section}");
        assert_eq!(
            field(&a, "EncryptedRandomSessionKey"),
            if esk { "present (16 bytes)" } else { "absent" },
            "{section}"
        );
        assert_eq!(field(&a, "MIC"), "absent", "{section}");
        let flags: Vec<&str> = a["Flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            flags.contains(&"NTLMSSP_NEGOTIATE_KEY_EXCH"),
            esk,
            "{flags:?}"
        );
        // Every flag named in the description is set, by the names of the vectors file.
        let hexflags =
            u32::from_str_radix(field(&a, "NegotiateFlags").trim_start_matches("0x"), 16).unwrap();
        for name in &flags {
            let bit = &v["negotiate_flag_bits"][*name];
            let bit = bit
                .as_str()
                .map(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
                .or(bit.as_u64().map(|b| b as u32));
            assert!(
                bit.is_some_and(|b| hexflags & b == b),
                "{name} not in the vectors or not set"
            );
        }
    }
    // 4.2.4: the NTLMv2 client challenge with its AV pairs; the CHALLENGE's TargetInfo.
    let c = describe_ntlm(&message("ntlmv2", "CHALLENGE_MESSAGE")).unwrap();
    assert_eq!(c["TargetInfo"]["MsvAvNbDomainName"], "\"Domain\"");
    assert_eq!(c["TargetInfo"]["MsvAvNbComputerName"], "\"Server\"");
    let a = describe_ntlm(&message("ntlmv2", "AUTHENTICATE_MESSAGE")).unwrap();
    let blob = &a["NTLMv2_CLIENT_CHALLENGE"];
    assert_eq!(blob["ChallengeFromClient"], "aaaaaaaaaaaaaaaa");
    assert_eq!(blob["TimeStamp"], "1601-01-01T00:00:00Z");
    assert_eq!(blob["AvPairs"]["MsvAvNbComputerName"], "\"Server\"");
    assert_eq!(field(&a, "LmChallengeResponse"), "24 bytes (LMv2)");
}

/// The tokens the interop matrix captured from gss-ntlmssp, pyspnego and Samba (tests/fuzz/corpus,
/// `scripts/fuzz.sh seed`): file names say who sent what, in which scenario.
#[test]
fn interop_peers_captured_tokens() {
    let dir = root().join("tests/fuzz/corpus/messages");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.starts_with("peer-") {
            continue;
        }
        seen += 1;
        let d =
            describe_ntlm(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let msg = field(&d, "Message");
        if name.ends_with("-negotiate") {
            assert_eq!(msg, "NEGOTIATE_MESSAGE (type 1)", "{name}");
        } else if name.ends_with("-challenge") {
            assert_eq!(msg, "CHALLENGE_MESSAGE (type 2)", "{name}");
            assert_eq!(field(&d, "ServerChallenge").len(), 16, "{name}");
            // Every peer's server sends MsvAvTimestamp, shown as a date of this century.
            assert!(
                d["TargetInfo"]["MsvAvTimestamp"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("20") && t.ends_with('Z')),
                "{name}: {d:#}"
            );
        } else if name.ends_with("-authenticate") {
            assert_eq!(msg, "AUTHENTICATE_MESSAGE (type 3)", "{name}");
            let expected = if name.contains("NTLMv1") {
                "NTLMv1-ESS"
            } else {
                "NTLMv2"
            };
            assert_eq!(field(&d, "Response"), expected, "{name}");
            if name.contains("handshake") || name.contains("LM_COMPAT") {
                assert_eq!(field(&d, "UserName"), "\"alice\"", "{name}");
            }
            if expected == "NTLMv2" {
                assert!(
                    d["NTLMv2_CLIENT_CHALLENGE"]["TimeStamp"]
                        .as_str()
                        .unwrap()
                        .starts_with("20"),
                    "{name}"
                );
                // ntlmssp, pyspnego and Samba's client send a MIC; the description says so.
                if name.starts_with("peer-ntlmssp-") || name.starts_with("peer-pyspnego-") {
                    assert_eq!(
                        field(&d, "MIC"),
                        "present (MsvAvFlags announces it)",
                        "{name}"
                    );
                }
            }
        } else {
            panic!("unexpected capture {name}");
        }
    }
    assert!(seen >= 80, "only {seen} captured tokens");
}

#[test]
fn malformed_messages_name_the_field_and_offset() {
    let challenge = message("ntlmv2", "CHALLENGE_MESSAGE");
    let authenticate = message("ntlmv2", "AUTHENTICATE_MESSAGE");
    let err = |t: &[u8]| describe(t).unwrap_err().to_string();
    assert_eq!(
        err(b"NTLM"),
        "Signature at offset 0: the message is 4 bytes, shorter than the 8-byte signature"
    );
    assert!(
        err(b"NTLMSSQ\0\x01\0\0\0").starts_with("Signature at offset 0: 4e544c4d53535100 is not")
    );
    assert_eq!(
        err(b"NTLMSSP\0\x01\0"),
        "MessageType at offset 8: truncated: the message is 10 bytes"
    );
    assert_eq!(
        err(b"NTLMSSP\0\x07\0\0\0"),
        "MessageType at offset 8: 7 is not 1 (NEGOTIATE), 2 (CHALLENGE) or 3 (AUTHENTICATE)"
    );

    let mut bad = challenge.clone();
    bad[0x2c] = 0xff; // TargetInfoFields.BufferOffset
    assert_eq!(err(&bad), "TargetInfoFields at offset 40: Len 36 at BufferOffset 255 runs past the end of the 104-byte message");
    assert_eq!(err(&challenge[..30]), "ServerChallenge at offset 24: truncated: the header needs bytes 24..32 and the message is 30 bytes");
    // An AV pair whose length runs past the TargetInfo list.
    let mut bad = challenge.clone();
    let ti = 0x44; // TargetInfo's BufferOffset in the 4.2.4.3 message; first pair's AvLen at +2
    bad[ti + 2] = 0x40;
    assert_eq!(err(&bad), "TargetInfo MsvAvNbDomainName at offset 68: AvLen 64 runs past the end of the list (32 bytes left)");

    // NTLMSSP_NEGOTIATE_TARGET_INFO with an empty list.
    let mut bad = challenge.clone();
    bad[40] = 0;
    assert_eq!(
        err(&bad),
        "TargetInfo at offset 40: the AV pair list ends without MsvAvEOL"
    );

    let mut bad = authenticate.clone();
    bad[20] = 0xf0; // NtChallengeResponseFields.Len
    assert!(
        err(&bad).starts_with("NtChallengeResponseFields at offset 20: Len 240 at BufferOffset"),
        "{}",
        err(&bad)
    );
    assert_eq!(err(&authenticate[..50]), "WorkstationFields at offset 44: truncated: the header needs bytes 44..52 and the message is 50 bytes");
    // NTLMv2 client challenge with RespType 2.
    let nt_offset = u32::from_le_bytes(authenticate[24..28].try_into().unwrap()) as usize;
    let mut bad = authenticate.clone();
    bad[nt_offset + 16] = 2;
    assert_eq!(
        err(&bad),
        format!(
            "NTLMv2_CLIENT_CHALLENGE at offset {}: RespType 2 / HiRespType 1, both must be 1",
            nt_offset + 16
        )
    );
}

#[test]
fn no_input_panics() {
    // Every prefix and every single-byte change of each message is described or refused.
    for section in ["ntlmv1", "ntlmv1_client_challenge", "ntlmv2"] {
        for name in ["CHALLENGE_MESSAGE", "AUTHENTICATE_MESSAGE"] {
            let m = message(section, name);
            for n in 0..m.len() {
                let _ = describe(&m[..n]).map(|d| d.to_text());
                let mut x = m.clone();
                x[n] ^= 0xff;
                let _ = describe(&x).map(|d| (d.to_text(), d.to_json()));
            }
        }
    }
}

fn decode_cmd(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ntlmssp-decode"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn command_input_forms_json_and_exit_status() {
    let challenge = message("ntlmv2", "CHALLENGE_MESSAGE");
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&challenge);
    let header = format!("WWW-Authenticate: NTLM {b64}");
    assert_eq!(parse_input(&header).unwrap(), challenge);

    let (code, out, _) = decode_cmd(&[&header], "");
    assert_eq!(code, 0);
    assert!(
        out.contains("Message: CHALLENGE_MESSAGE (type 2)\n")
            && out.contains("  MsvAvNbDomainName: \"Domain\"\n"),
        "{out}"
    );

    // stdin, one token a line (hex, then a Proxy-Authorization header), as JSON lines.
    let auth = message("ntlmv2", "AUTHENTICATE_MESSAGE");
    let input = format!(
        "{}\n\nProxy-Authorization: Negotiate {}\n",
        hex::encode(&challenge),
        base64::engine::general_purpose::STANDARD.encode(&auth)
    );
    let (code, out, _) = decode_cmd(&["--json"], &input);
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["Response"], "NTLMv2");

    // A raw file.
    let path = std::env::temp_dir().join(format!("ntlmssp-decode-test-{}", std::process::id()));
    std::fs::write(&path, &auth).unwrap();
    let (code, out, _) = decode_cmd(&["-f", path.to_str().unwrap()], "");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("Response: NTLMv2"));

    // Malformed: exit status 2, the field and offset on stderr (and as JSON with --json).
    let (code, _, err) = decode_cmd(&["4e544c4d5353500007000000"], "");
    assert_eq!(code, 2);
    assert_eq!(err.trim(), "ntlmssp-decode: malformed: MessageType at offset 8: 7 is not 1 (NEGOTIATE), 2 (CHALLENGE) or 3 (AUTHENTICATE)");
    let (code, out, _) = decode_cmd(&["--json", "Authorization: NTLM %%%"], "");
    assert_eq!(code, 2);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["error"]["field"],
        "input"
    );

    // SPNEGO: a Negotiate token as a header line, described with the NTLM message inside.
    let authenticate = message("ntlmv2", "AUTHENTICATE_MESSAGE");
    let token = spnego_init(&authenticate);
    let header = format!("Authorization: Negotiate {}", base64(&token));
    let (code, out, _) = decode_cmd(&["--json", &header], "");
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Message"], "SPNEGO NegTokenInit");
    assert_eq!(v["MechTypes"][0], "NTLMSSP (1.3.6.1.4.1.311.2.2.10)");
    assert_eq!(
        v["MechToken"]["Message"], "AUTHENTICATE_MESSAGE (type 3)",
        "{v:#}"
    );
    // A SPNEGO token that is not one: the error names it, exit status 2.
    let (code, _, err) = decode_cmd(&["oAMBAgM="], "");
    assert_eq!(code, 2);
    assert!(err.contains("SPNEGO token"), "{err}");
    assert!(matches!(describe(&token).unwrap(), Description::Spnego(_)));
}

/// A framed NegTokenInit listing NTLMSSP and carrying `mech_token`, built with the Negotiate
/// package's own encoder.
fn spnego_init(mech_token: &[u8]) -> Vec<u8> {
    use ntlmssp::spnego::codec::{
        encode_mech_types, octets, MechTypeList, NegTokenInit, NegotiationToken, Token, NTLMSSP,
    };
    let mechs = encode_mech_types(&[NTLMSSP]).unwrap();
    let init = NegTokenInit {
        mech_types: MechTypeList::from_der_bytes(&mechs).unwrap(),
        req_flags: None,
        mech_token: Some(octets(mech_token).unwrap()),
        mech_list_mic: None,
    };
    Token {
        token: NegotiationToken::Init(init),
        framed: true,
    }
    .encode()
    .unwrap()
}

fn base64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}
