//! [MS-NLMP] 3.4 session security: MAC, sign and seal (what MakeSignature, VerifySignature,
//! EncryptMessage and DecryptMessage do).
//!
//! - With extended session security (3.4.4.2): HMAC-MD5 over SeqNum || message, its first 8
//!   bytes RC4-encrypted when key exchange was negotiated; signing and sealing keys and RC4
//!   streams per direction (SIGNKEY/SEALKEY with the client or server constant).
//! - Without (3.4.4.1): CRC32 of the message, RC4-encrypted together with a zero RandomPad
//!   and SeqNum; the pad field is sent as zero (the pseudocode's last step; Samba sends the
//!   encrypted pad, so a verifier compares only Checksum and SeqNum). Without extended session
//!   security there is one key, and — as Samba implements it for Windows compatibility — one
//!   RC4 stream and one sequence counter shared by both directions.
//! - Neither SIGN nor SEAL negotiated: MakeSignature gives (and VerifySignature accepts) the
//!   "dummy" signature, version 1 and zeros; but EncryptMessage still seals, and
//!   DecryptMessage still unseals and verifies, with the keys the flags give. That is what
//!   Windows does (the sealing vectors Wine's secur32 tests recorded on Windows, for a
//!   CHALLENGE with neither flag), and it means a caller that forgot to ask for
//!   confidentiality is never told its data was sealed when it went out in clear text.
//!
//! Nothing here allocates but a direction's first message, which boxes the keys it derives.
//! A verification that fails leaves the state as it was, so a tampered or replayed message does
//! not desynchronise the context.

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::crypto::{self, HmacMd5Key, Mode, Rc4, SealKey};
use super::digest::HmacMd5;
use super::error::{Error, Result};
use super::flags::{self, has};

/// A piece of a message: DATA buffers are sealed, READONLY_WITH_CHECKSUM ones only signed.
/// The signature covers all pieces, in order, as one stream.
#[derive(Debug)]
pub enum Segment<'a> {
    Seal(&'a mut [u8]),
    SignOnly(&'a [u8]),
}

pub const SIGNATURE_SIZE: usize = 16;
const SIGNATURE_VERSION: [u8; 4] = [1, 0, 0, 0];

/// The keys of one direction, derived on its first message and boxed: a context that never
/// signs or seals (many, as in HTTP authentication) carries 8 bytes for them, and creating,
/// moving and wiping an established context stays cheap.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Keys {
    /// SIGNKEY as a ready HMAC key (extended session security only); wipes itself on drop.
    #[zeroize(skip)]
    signing: Option<HmacMd5Key>,
    sealing_key: SealKey,
    /// Wipes itself on drop (once: wiping the Option as well went over its 258 bytes three
    /// times).
    #[zeroize(skip)]
    rc4: Option<Rc4>,
}

/// One direction's keys and state. The keys are derived on first use (SIGNKEY, SEALKEY, the
/// HMAC pads and RC4Init cost about a third of a handshake).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Direction {
    /// The exported session key, kept until the keys are derived.
    exported: [u8; 16],
    flags: u32,
    mode: Mode,
    /// Wipes itself on drop.
    #[zeroize(skip)]
    keys: Option<Box<Keys>>,
    seq: u32,
}

impl Direction {
    fn new(flags: u32, esk: &[u8; 16], mode: Mode) -> Self {
        Direction {
            exported: *esk,
            flags,
            mode,
            keys: None,
            seq: 0,
        }
    }

    fn keys(&mut self) -> &mut Keys {
        let (flags, mode, exported) = (self.flags, self.mode, &mut self.exported);
        self.keys.get_or_insert_with(|| {
            let signing = crypto::SIGNKEY(flags, exported, mode).map(|mut k| {
                let key = HmacMd5Key::new(&k);
                k.zeroize();
                key
            });
            let sealing_key = crypto::SEALKEY(flags, exported, mode);
            exported.zeroize();
            Box::new(Keys {
                signing,
                sealing_key,
                rc4: None,
            })
        })
    }

    fn signing(&mut self) -> Option<&HmacMd5Key> {
        self.keys().signing.as_ref()
    }

    fn sealing_key(&mut self) -> &SealKey {
        &self.keys().sealing_key
    }

    fn rc4(&mut self) -> &mut Rc4 {
        let Keys {
            sealing_key, rc4, ..
        } = self.keys();
        rc4.get_or_insert_with(|| Rc4::new(sealing_key.as_slice()))
    }
}

/// The session security state of an established context. Not wiped again as a whole when
/// dropped: its two directions, which hold every key, wipe themselves.
#[derive(Clone, Zeroize)]
pub struct SessionSecurity {
    flags: u32,
    mode: Mode,
    /// What we send with. Without extended session security, also what we receive with.
    outbound: Direction,
    inbound: Direction,
}

impl core::fmt::Debug for SessionSecurity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionSecurity")
            .field("flags", &format_args!("{:#x}", self.flags))
            .finish_non_exhaustive()
    }
}

impl Zeroize for Mode {
    fn zeroize(&mut self) {}
}

impl SessionSecurity {
    /// `mode` is the side we are: a client sends with the client-to-server keys.
    pub fn new(flags: u32, exported_session_key: &[u8; 16], mode: Mode) -> Self {
        let peer = if mode == Mode::Client {
            Mode::Server
        } else {
            Mode::Client
        };
        SessionSecurity {
            flags,
            mode,
            outbound: Direction::new(flags, exported_session_key, mode),
            inbound: Direction::new(flags, exported_session_key, peer),
        }
    }

    pub fn flags(&self) -> u32 {
        self.flags
    }

    fn ess(&self) -> bool {
        has(self.flags, flags::NEGOTIATE_EXTENDED_SESSIONSECURITY)
    }

    fn dummy(&self) -> bool {
        !has(self.flags, flags::NEGOTIATE_SIGN) && !has(self.flags, flags::NEGOTIATE_SEAL)
    }

    /// The direction used for sending (`true`) or receiving. Without extended session
    /// security both are the one shared state, kept in `outbound`.
    fn dir(&mut self, send: bool) -> &mut Direction {
        if send || !self.ess() {
            &mut self.outbound
        } else {
            &mut self.inbound
        }
    }

    /// Prepares a direction for one message and returns the sequence number it uses. In
    /// connectionless mode (3.4.3) the caller's number is used and, with extended session
    /// security, the RC4 stream is re-keyed per message with MD5(SealingKey || SeqNum); without
    /// it, with the sealing key itself, since messages may arrive in any order.
    fn begin(&mut self, send: bool, seq_no: Option<u32>) -> u32 {
        let ess = self.ess();
        let d = self.dir(send);
        match seq_no {
            Some(n) => {
                let rc4 = if ess {
                    let mut k = crypto::md5(&[d.sealing_key().as_slice(), &n.to_le_bytes()]);
                    let rc4 = Rc4::new(&k);
                    k.zeroize();
                    rc4
                } else {
                    Rc4::new(d.sealing_key().as_slice())
                };
                d.keys().rc4 = Some(rc4);
                n
            }
            None => d.seq,
        }
    }

    fn finish_send(&mut self, seq_no: Option<u32>) {
        if seq_no.is_none() {
            let d = self.dir(true);
            d.seq = d.seq.wrapping_add(1);
        }
    }

    /// Restarts the RC4 stream of one direction from its sealing key, keeping its sequence
    /// number. [MS-SPNG] 3.3.5.1 (and the SPNEGO note of [MS-NLMP] 3.1.5.1 / 3.2.5.1): once the
    /// mechListMIC has been signed (`send`) or verified, NTLM's cipher state is reset, so that
    /// the application's first message is sealed with the stream from its start, as the peer
    /// expects. Without extended session security both directions share the one stream.
    pub fn reset_rc4(&mut self, send: bool) {
        if let Some(keys) = self.dir(send).keys.as_mut() {
            keys.rc4 = None;
        }
    }

    /// The mechListMIC of SPNEGO ([MS-SPNG] 3.3.5.1): signs `mech_types` as the next
    /// message, then restarts the outbound RC4 stream as [`SessionSecurity::reset_rc4`] does.
    /// When the stream was new, the few bytes the MIC took are undone ([`Rc4::rewind`]) rather
    /// than the key schedule run again for the first application message.
    pub fn sign_mech_list(&mut self, mech_types: &[u8]) -> [u8; 16] {
        let new = self.stream_is_new(true);
        let mic = self.sign(None, &[mech_types]);
        self.restart_rc4(true, new);
        mic
    }

    /// Verifies the peer's mechListMIC over `mech_types`, then restarts the inbound RC4 stream
    /// (as in [`SessionSecurity::sign_mech_list`]). A failure changes nothing.
    pub fn verify_mech_list(&mut self, mech_types: &[u8], mic: &[u8]) -> Result<()> {
        let new = self.stream_is_new(false);
        self.verify(None, &[mech_types], mic)?;
        self.restart_rc4(false, new);
        Ok(())
    }

    /// Whether a direction's RC4 stream has not been keyed yet: then the next signature
    /// starts it.
    fn stream_is_new(&mut self, send: bool) -> bool {
        self.dir(send).keys.as_ref().is_none_or(|k| k.rc4.is_none())
    }

    /// Restarts a direction's RC4 stream after one signature: rewound when it was `new` before
    /// it (a signature takes at most 12 bytes of it), else keyed again on the next message.
    fn restart_rc4(&mut self, send: bool, new: bool) {
        if let Some(keys) = self.dir(send).keys.as_mut() {
            match keys.rc4.as_mut() {
                Some(rc4) if new => rc4.rewind(),
                _ => keys.rc4 = None,
            }
        }
    }

    /// Takes the receive direction of `verified`, a copy of this session that verified the
    /// acceptor's final mechListMIC (see [`SessionSecurity::skip_received`]), when this session
    /// has not received anything since: its keys, already derived, and its restarted stream
    /// serve the first received message. Otherwise nothing changes.
    pub fn adopt_receive_state(&mut self, verified: SessionSecurity) {
        if self.ess()
            && self.flags == verified.flags
            && self.inbound.keys.is_none()
            && self.inbound.seq == verified.inbound.seq
        {
            let SessionSecurity { inbound, .. } = verified;
            self.inbound = inbound;
        }
    }

    /// Counts one message as received without seeing it: the acceptor's final SPNEGO token
    /// (its mechListMIC, signed with sequence number 0 before it reset its stream) that HTTP
    /// initiators never pass back. The receive stream stays at its start, as after verifying
    /// that mechListMIC and [`SessionSecurity::reset_rc4`]. Extended session security only:
    /// without it the one counter is shared with sending.
    pub fn skip_received(&mut self) {
        if self.ess() {
            self.inbound.seq = self.inbound.seq.wrapping_add(1);
            if let Some(keys) = self.inbound.keys.as_mut() {
                keys.rc4 = None;
            }
        }
    }

    /// MakeSignature.
    pub fn sign(&mut self, seq_no: Option<u32>, segments: &[&[u8]]) -> [u8; 16] {
        if self.dummy() {
            return dummy_signature();
        }
        let seq = self.begin(true, seq_no);
        let mut mac = self.mac_state(true, seq);
        for s in segments {
            mac.update(s);
        }
        let sig = self.finish_mac(true, seq, &mut mac);
        self.finish_send(seq_no);
        sig
    }

    /// EncryptMessage: seals the Seal segments in place and returns the signature.
    pub fn seal(&mut self, seq_no: Option<u32>, segments: &mut [Segment<'_>]) -> [u8; 16] {
        let seq = self.begin(true, seq_no);
        // The MAC is over the plaintext, but the stream seals the data first (3.4.3), then
        // the checksum: each block is hashed and sealed in one pass, in the same stream order.
        let mut mac = self.mac_state(true, seq);
        let rc4 = self.dir(true).rc4();
        for s in segments.iter_mut() {
            match s {
                Segment::Seal(b) => mac.absorb_then_seal(b, rc4),
                Segment::SignOnly(b) => mac.update(b),
            }
        }
        let sig = self.finish_mac(true, seq, &mut mac);
        self.finish_send(seq_no);
        sig
    }

    /// VerifySignature.
    pub fn verify(
        &mut self,
        seq_no: Option<u32>,
        segments: &[&[u8]],
        signature: &[u8],
    ) -> Result<()> {
        let received = check_shape(signature)?;
        if self.dummy() {
            return if crypto::ct_eq(&received, &dummy_signature()) {
                Ok(())
            } else {
                Err(Error::MessageAltered)
            };
        }
        if self.ess() && seq_no.is_none() && received[12..] != self.inbound.seq.to_le_bytes() {
            return Err(Error::OutOfSequence);
        }
        let seq = self.begin(false, seq_no);
        let mut mac = self.mac_state(false, seq);
        for s in segments {
            mac.update(s);
        }
        let expected = self.finish_mac(false, seq, &mut mac);
        let result = self.compare(&expected, &received, seq_no);
        if result.is_err() {
            self.undo_checksum();
        }
        result
    }

    /// Takes back the receive stream's bytes that the checksum of a message that failed
    /// verification used ([`Rc4::undo`]), so the stream is where it was before the message.
    /// The sequence number only moves on success. (In connectionless mode the stream is keyed
    /// again for every message, so there is nothing to take back; undoing is still right.)
    fn undo_checksum(&mut self) {
        let n = self.checksum_stream_bytes();
        if n > 0 {
            self.dir(false).rc4().undo(&mut [0u8; 12][..n]);
        }
    }

    /// How many bytes of the stream a checksum takes (3.4.4): with extended session security
    /// the 8-byte HMAC prefix when keys are exchanged, none otherwise; without it RandomPad,
    /// the CRC32 and SeqNum.
    fn checksum_stream_bytes(&self) -> usize {
        match (self.ess(), has(self.flags, flags::NEGOTIATE_KEY_EXCH)) {
            (true, true) => 8,
            (true, false) => 0,
            (false, _) => 12,
        }
    }

    /// DecryptMessage: unseals the Seal segments in place and checks the signature; on
    /// failure the segments are left as received.
    pub fn unseal(
        &mut self,
        seq_no: Option<u32>,
        segments: &mut [Segment<'_>],
        signature: &[u8],
    ) -> Result<()> {
        let received = check_shape(signature)?;
        if self.ess() && seq_no.is_none() && received[12..] != self.inbound.seq.to_le_bytes() {
            return Err(Error::OutOfSequence);
        }
        let seq = self.begin(false, seq_no);
        let mut mac = self.mac_state(false, seq);
        let rc4 = self.dir(false).rc4();
        for s in segments.iter_mut() {
            match s {
                Segment::Seal(b) => mac.open_then_absorb(b, rc4),
                Segment::SignOnly(b) => mac.update(b),
            }
        }
        let expected = self.finish_mac(false, seq, &mut mac);
        let result = self.compare(&expected, &received, seq_no);
        if result.is_err() {
            // Run the stream back over the checksum and the data, last byte first: the
            // ciphertext is back and so is the stream.
            self.undo_checksum();
            let rc4 = self.dir(false).rc4();
            for s in segments.iter_mut().rev() {
                if let Segment::Seal(b) = s {
                    rc4.undo(b);
                }
            }
        }
        result
    }

    /// Compares a computed signature with a received one and, on success, moves the receive
    /// sequence on. Only Checksum and SeqNum count: RandomPad is ignored (see the module notes).
    fn compare(
        &mut self,
        expected: &[u8; 16],
        received: &[u8; 16],
        seq_no: Option<u32>,
    ) -> Result<()> {
        use subtle::ConstantTimeEq;
        // Bytes 4..12 as one word, of which only the CRC32 half without extended session
        // security (the RandomPad half is masked off); then SeqNum. Compared as integers in
        // constant time.
        let word = |sig: &[u8; 16]| u64::from_le_bytes(sig[4..12].try_into().expect("8"));
        let seq = |sig: &[u8; 16]| u32::from_le_bytes(sig[12..].try_into().expect("4"));
        let mask = if self.ess() { u64::MAX } else { u64::MAX << 32 };
        if !bool::from(((word(expected) ^ word(received)) & mask).ct_eq(&0)) {
            return Err(Error::MessageAltered);
        }
        if !bool::from(seq(expected).ct_eq(&seq(received))) {
            // Without extended session security SeqNum is encrypted, so a wrong one shows up
            // here; with it, the connection-mode check before the MAC caught it already.
            return Err(if self.ess() {
                Error::MessageAltered
            } else {
                Error::OutOfSequence
            });
        }
        if seq_no.is_none() {
            let d = self.dir(false);
            d.seq = d.seq.wrapping_add(1);
        }
        Ok(())
    }

    fn mac_state(&mut self, send: bool, seq: u32) -> MacState {
        let ess = self.ess();
        let key = self.dir(send).signing();
        if let (true, Some(key)) = (ess, key) {
            let mut m = key.start();
            m.update(&seq.to_le_bytes());
            MacState::Hmac(m)
        } else {
            MacState::Crc(crc32fast::Hasher::new())
        }
    }

    fn finish_mac(&mut self, send: bool, seq: u32, mac: &mut MacState) -> [u8; 16] {
        let key_exch = has(self.flags, flags::NEGOTIATE_KEY_EXCH);
        let d = self.dir(send);
        let mut sig = [0u8; 16];
        sig[..4].copy_from_slice(&SIGNATURE_VERSION);
        match mac {
            MacState::Hmac(m) => {
                let full: [u8; 16] = m.finish();
                let mut checksum: [u8; 8] = full[..8].try_into().expect("8");
                if key_exch {
                    d.rc4().apply(&mut checksum);
                }
                sig[4..12].copy_from_slice(&checksum);
                sig[12..].copy_from_slice(&seq.to_le_bytes());
            }
            MacState::Crc(h) => {
                let mut tail = [0u8; 12];
                tail[4..8].copy_from_slice(&h.clone().finalize().to_le_bytes());
                tail[8..].copy_from_slice(&seq.to_le_bytes());
                d.rc4().apply(&mut tail);
                sig[8..].copy_from_slice(&tail[4..]);
            }
        }
        sig
    }
}

/// The running checksum of one message: HMAC-MD5 with, CRC32 without extended session
/// security. Lives on the stack.
enum MacState {
    Hmac(HmacMd5),
    Crc(crc32fast::Hasher),
}

impl MacState {
    fn update(&mut self, data: &[u8]) {
        match self {
            MacState::Hmac(m) => m.update(data),
            MacState::Crc(h) => h.update(data),
        }
    }

    /// Checksums plaintext and seals it, block by block.
    fn absorb_then_seal(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        match self {
            MacState::Hmac(m) => m.seal_update(data, rc4),
            MacState::Crc(h) => {
                h.update(data);
                rc4.apply(data);
            }
        }
    }

    /// Unseals ciphertext and checksums the plaintext, block by block.
    fn open_then_absorb(&mut self, data: &mut [u8], rc4: &mut Rc4) {
        match self {
            MacState::Hmac(m) => m.unseal_update(data, rc4),
            MacState::Crc(h) => {
                rc4.apply(data);
                h.update(data);
            }
        }
    }
}

fn dummy_signature() -> [u8; 16] {
    let mut s = [0u8; 16];
    s[..4].copy_from_slice(&SIGNATURE_VERSION);
    s
}

fn check_shape(signature: &[u8]) -> Result<[u8; 16]> {
    let sig: [u8; 16] = signature
        .get(..SIGNATURE_SIZE)
        .ok_or(Error::InvalidToken)?
        .try_into()
        .expect("16");
    if sig[..4] != SIGNATURE_VERSION {
        return Err(Error::MessageAltered);
    }
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlmp::flags::*;

    const KEY: [u8; 16] = [0x55; 16];
    const MECH_TYPES: &[u8] = &[0x30, 0x02, 0x06, 0x00];

    fn flag_sets() -> [u32; 4] {
        let sign_seal = NEGOTIATE_SIGN | NEGOTIATE_SEAL | NEGOTIATE_128;
        [
            sign_seal | NEGOTIATE_EXTENDED_SESSIONSECURITY | NEGOTIATE_KEY_EXCH,
            sign_seal | NEGOTIATE_EXTENDED_SESSIONSECURITY,
            sign_seal | NEGOTIATE_KEY_EXCH,
            0,
        ]
    }

    /// One sealed and one signed message from `from` to `to`: what was sent.
    fn send(from: &mut SessionSecurity, to: &mut SessionSecurity, out: &mut Vec<Vec<u8>>) {
        let mut data = *b"application data";
        let sig = from.seal(None, &mut [Segment::Seal(&mut data)]);
        out.push([&data[..], &sig].concat());
        to.unseal(None, &mut [Segment::Seal(&mut data)], &sig)
            .unwrap();
        assert_eq!(&data, b"application data");
        let sig = from.sign(None, &[b"signed"]);
        out.push(sig.to_vec());
        to.verify(None, &[b"signed"], &sig).unwrap();
    }

    /// Two rounds of application messages each way after the mechListMICs.
    fn traffic(c: &mut SessionSecurity, s: &mut SessionSecurity) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..2 {
            send(c, s, &mut out);
            send(s, c, &mut out);
        }
        out
    }

    /// The kept initial RC4 state gives exactly what re-keying after the reset gives.
    #[test]
    fn mech_list_mic_restart_matches_a_reset() {
        for flags in flag_sets() {
            let (mut c1, mut s1) = (
                SessionSecurity::new(flags, &KEY, Mode::Client),
                SessionSecurity::new(flags, &KEY, Mode::Server),
            );
            let (mut c2, mut s2) = (c1.clone(), s1.clone());
            let mic = c1.sign_mech_list(MECH_TYPES);
            let mut bad = mic;
            bad[9] ^= 1;
            assert!(s1.verify_mech_list(MECH_TYPES, &bad).is_err());
            s1.verify_mech_list(MECH_TYPES, &mic).unwrap();
            let answer = s1.sign_mech_list(MECH_TYPES);
            c1.verify_mech_list(MECH_TYPES, &answer).unwrap();

            assert_eq!(c2.sign(None, &[MECH_TYPES]), mic);
            c2.reset_rc4(true);
            s2.verify(None, &[MECH_TYPES], &mic).unwrap();
            s2.reset_rc4(false);
            assert_eq!(s2.sign(None, &[MECH_TYPES]), answer);
            s2.reset_rc4(true);
            c2.verify(None, &[MECH_TYPES], &answer).unwrap();
            c2.reset_rc4(false);

            assert_eq!(
                traffic(&mut c1, &mut s1),
                traffic(&mut c2, &mut s2),
                "{flags:#x}"
            );
        }
    }

    /// An initiator that verified the final mechListMIC on a copy takes that copy's receive
    /// state; one that received messages since keeps its own.
    #[test]
    fn adopted_receive_state_serves_the_next_message() {
        // With extended session security, where the initiator counts the final token as
        // received without seeing it.
        for flags in &flag_sets()[..2] {
            let flags = *flags;
            let (mut c, mut s) = (
                SessionSecurity::new(flags, &KEY, Mode::Client),
                SessionSecurity::new(flags, &KEY, Mode::Server),
            );
            let mic = c.sign_mech_list(MECH_TYPES);
            s.verify_mech_list(MECH_TYPES, &mic).unwrap();
            let answer = s.sign_mech_list(MECH_TYPES);
            let mut verified = c.clone();
            c.skip_received();
            verified.verify_mech_list(MECH_TYPES, &answer).unwrap();
            let mut reference = c.clone();
            c.adopt_receive_state(verified);
            assert!(c.inbound.keys.is_some() && reference.inbound.keys.is_none());
            assert_eq!(
                traffic(&mut c, &mut s.clone()),
                traffic(&mut reference, &mut s)
            );
        }
    }

    /// A message in three pieces: sealed, signed only, sealed.
    fn pieces<'a>(data: &'a mut [u8], header: &'a [u8]) -> [Segment<'a>; 3] {
        let (a, b) = data.split_at_mut(301);
        [
            Segment::Seal(a),
            Segment::SignOnly(header),
            Segment::Seal(b),
        ]
    }

    /// A refused message (tampered, in several pieces, longer than the RC4 table so that taking
    /// it back crosses the stream's index wrap) is left as received, and the stream and counter
    /// as they were: the genuine message that follows is accepted, under every flag set.
    #[test]
    fn refused_messages_leave_data_and_stream_as_they_were() {
        let header = [7u8; 9];
        for flags in flag_sets() {
            let (mut c, mut s) = (
                SessionSecurity::new(flags, &KEY, Mode::Client),
                SessionSecurity::new(flags, &KEY, Mode::Server),
            );
            for round in 0..3 {
                let plain: Vec<u8> = (0..700 + round * 61).map(|n| (n * 13) as u8).collect();
                let mut data = plain.clone();
                let sig = c.seal(None, &mut pieces(&mut data, &header));
                let mut bad_sig = sig;
                bad_sig[9] ^= 1;
                let mut tampered = data.clone();
                tampered[650] ^= 0x40;
                for (mut received, signature) in [(tampered, sig), (data.clone(), bad_sig)] {
                    let before = received.clone();
                    let refused = s.unseal(None, &mut pieces(&mut received, &header), &signature);
                    assert!(refused.is_err(), "{flags:#x}");
                    assert_eq!(received, before, "{flags:#x}: refused message changed");
                }
                s.unseal(None, &mut pieces(&mut data, &header), &sig)
                    .unwrap();
                assert_eq!(data, plain, "{flags:#x}");
                let sig = s.sign(None, &[&plain]);
                let mut bad = sig;
                bad[9] ^= 1;
                assert!(c.verify(None, &[&plain], &bad).is_err(), "{flags:#x}");
                c.verify(None, &[&plain], &sig).unwrap();
            }
        }
    }
}
