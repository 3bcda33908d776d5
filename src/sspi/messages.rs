//! Message signing and sealing (MS-NLMP 3.4): MakeSignature, VerifySignature, EncryptMessage,
//! DecryptMessage.

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use smallvec::SmallVec;

use super::buffers::{self, base_type};
use super::objects::context;
use super::status::{run, status};
use super::types::*;
use crate::nlmp::flags::{self as nf, has};
use crate::nlmp::session::Segment;

/// Up to this many buffers are gathered on the stack, so signing and sealing never allocate.
type Gathered<T> = SmallVec<[T; 8]>;

/// The descriptor of a message to sign, verify, seal or unseal. No buffer that is written —
/// the TOKEN (the signature), and with `sealing` the DATA buffers being sealed or unsealed —
/// may share memory with another taking part.
unsafe fn message<'a>(
    pMessage: PSecBufferDesc,
    sealing: bool,
) -> Result<&'a mut [SecBuffer], SECURITY_STATUS> {
    let bufs = buffers::descriptor(pMessage)?.ok_or(SEC_E_INVALID_TOKEN)?;
    let role = |b: &SecBuffer| {
        let token = base_type(b) == SECBUFFER_TOKEN;
        (token || signed(b)).then(|| token || (sealing && encrypted(b)))
    };
    if buffers::overlapping(bufs, role) {
        return Err(SEC_E_INVALID_TOKEN);
    }
    Ok(bufs)
}

/// The TOKEN buffer (the signature) of a message, which must hold 16 bytes.
unsafe fn signature_buffer<'a>(bufs: &mut [SecBuffer]) -> Result<&'a mut [u8], SECURITY_STATUS> {
    let b = buffers::find(bufs, SECBUFFER_TOKEN).ok_or(SEC_E_INVALID_TOKEN)?;
    if (b.cbBuffer as usize) < 16 {
        return Err(SEC_E_BUFFER_TOO_SMALL);
    }
    let b = &*b;
    buffers::bytes_mut(b)
}

/// Whether a buffer takes part: DATA buffers, except read-only ones without checksum.
fn signed(b: &SecBuffer) -> bool {
    base_type(b) == SECBUFFER_DATA
        && (b.BufferType & SECBUFFER_READONLY == 0
            || b.BufferType & SECBUFFER_READONLY_WITH_CHECKSUM != 0)
}

fn encrypted(b: &SecBuffer) -> bool {
    base_type(b) == SECBUFFER_DATA && b.BufferType & SECBUFFER_ATTRMASK == 0
}

/// Runs `f` on an established context's session state.
fn with_session<R>(
    phContext: PCtxtHandle,
    f: impl FnOnce(&mut crate::nlmp::session::SessionSecurity, bool) -> Result<R, SECURITY_STATUS>,
) -> Result<R, SECURITY_STATUS> {
    // SAFETY: the export's caller passes a handle pointer or NULL.
    let mut ctx = unsafe { context(phContext) }?;
    super::panic::note_package(ctx.package().name());
    let e = ctx.established_mut().ok_or(SEC_E_INVALID_HANDLE)?;
    let datagram = has(e.flags, nf::NEGOTIATE_DATAGRAM);
    f(&mut e.session, datagram)
}

pub unsafe fn make_signature(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    run(|| {
        if fQOP != 0 {
            return Err(SEC_E_QOP_NOT_SUPPORTED);
        }
        let bufs = message(pMessage, false)?;
        with_session(phContext, |session, datagram| {
            let mut data: Gathered<&[u8]> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                data.push(buffers::bytes(b)?);
            }
            let sig_buf = signature_buffer(bufs)?;
            let sig = session.sign(datagram.then_some(MessageSeqNo), &data);
            sig_buf[..16].copy_from_slice(&sig);
            if let Some(t) = buffers::find(bufs, SECBUFFER_TOKEN) {
                t.cbBuffer = 16;
            }
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn verify_signature(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    _pfQOP: PULONG,
) -> SECURITY_STATUS {
    run(|| {
        let bufs = message(pMessage, false)?;
        with_session(phContext, |session, datagram| {
            let mut data: Gathered<&[u8]> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                data.push(buffers::bytes(b)?);
            }
            let sig = signature_buffer(bufs)?;
            session
                .verify(datagram.then_some(MessageSeqNo), &data, &sig[..16])
                .map_err(status)?;
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn encrypt_message(
    phContext: PCtxtHandle,
    fQOP: ULONG,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
) -> SECURITY_STATUS {
    run(|| {
        let sign_only = match fQOP {
            0 => false,
            SECQOP_WRAP_NO_ENCRYPT => true,
            _ => return Err(SEC_E_QOP_NOT_SUPPORTED),
        };
        let bufs = message(pMessage, !sign_only)?;
        with_session(phContext, |session, datagram| {
            let seq = datagram.then_some(MessageSeqNo);
            let sig_buf = signature_buffer(bufs)?;
            let sig = if sign_only {
                let mut data: Gathered<&[u8]> = SmallVec::new();
                for b in bufs.iter().filter(|b| signed(b)) {
                    data.push(buffers::bytes(b)?);
                }
                session.sign(seq, &data)
            } else {
                let mut segs: Gathered<Segment<'_>> = SmallVec::new();
                for b in bufs.iter().filter(|b| signed(b)) {
                    segs.push(if encrypted(b) {
                        Segment::Seal(buffers::bytes_mut(b)?)
                    } else {
                        Segment::SignOnly(buffers::bytes(b)?)
                    });
                }
                session.seal(seq, &mut segs)
            };
            sig_buf[..16].copy_from_slice(&sig);
            if let Some(t) = buffers::find(bufs, SECBUFFER_TOKEN) {
                t.cbBuffer = 16;
            }
            Ok(SEC_E_OK)
        })
    })
}

pub unsafe fn decrypt_message(
    phContext: PCtxtHandle,
    pMessage: PSecBufferDesc,
    MessageSeqNo: ULONG,
    _pfQOP: PULONG,
) -> SECURITY_STATUS {
    run(|| {
        let bufs = message(pMessage, true)?;
        with_session(phContext, |session, datagram| {
            let sig = signature_buffer(bufs)?;
            let mut signature = [0u8; 16];
            signature.copy_from_slice(&sig[..16]);
            let mut segs: Gathered<Segment<'_>> = SmallVec::new();
            for b in bufs.iter().filter(|b| signed(b)) {
                segs.push(if encrypted(b) {
                    Segment::Seal(buffers::bytes_mut(b)?)
                } else {
                    Segment::SignOnly(buffers::bytes(b)?)
                });
            }
            session
                .unseal(datagram.then_some(MessageSeqNo), &mut segs, &signature)
                .map_err(status)?;
            Ok(SEC_E_OK)
        })
    })
}
