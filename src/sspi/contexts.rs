//! The context exports: InitializeSecurityContext and AcceptSecurityContext for both packages
//! (NTLM, and Negotiate through the SPNEGO state machines), and the other calls on a context
//! handle.

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use super::alloc;
use super::buffers::{self, Charset};
use super::debug;
use super::objects::{context, with_credential, Context, CONTEXTS};
use super::packages::{Package, NEVER};
use super::status::{run, status};
use super::types::*;
use crate::inspect::trace;
use crate::nlmp::client::{channel_bindings_hash, Client, ClientOptions};
use crate::nlmp::error::Denial;
use crate::nlmp::flags::{self as nf, has};
use crate::nlmp::messages::Version;
use crate::nlmp::server::Server;
use crate::spnego::context::{Acceptor, Initiator, Progress};

/// Puts `token` into the caller's output descriptor: into a library-allocated block with
/// ISC/ASC_REQ_ALLOCATE_MEMORY, else into the first TOKEN buffer if it is large enough. On
/// failure nothing was written.
unsafe fn write_token(
    pOutput: PSecBufferDesc,
    allocate: bool,
    token: &[u8],
) -> Result<(), SECURITY_STATUS> {
    let bufs = buffers::descriptor(pOutput)?.ok_or(SEC_E_BUFFER_TOO_SMALL)?;
    let b = buffers::find(bufs, SECBUFFER_TOKEN).ok_or(SEC_E_BUFFER_TOO_SMALL)?;
    let len = ULONG::try_from(token.len()).map_err(|_| SEC_E_INTERNAL_ERROR)?;
    if allocate {
        let p = alloc::allocate_copy(token).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
        b.pvBuffer = p.cast();
        b.cbBuffer = len;
        return Ok(());
    }
    if b.pvBuffer.is_null() && b.cbBuffer != 0 {
        // A buffer that claims room but has none: Windows answers SEC_E_INTERNAL_ERROR
        // (recorded by Wine's secur32 tests), not BUFFER_TOO_SMALL.
        return Err(SEC_E_INTERNAL_ERROR);
    }
    if b.pvBuffer.is_null() || b.cbBuffer < len {
        return Err(SEC_E_BUFFER_TOO_SMALL);
    }
    core::ptr::copy_nonoverlapping(token.as_ptr(), b.pvBuffer as *mut u8, token.len());
    b.cbBuffer = len;
    Ok(())
}

/// Sets the output TOKEN buffer, if any, to empty (a last leg that sends nothing).
unsafe fn clear_token(pOutput: PSecBufferDesc) {
    if let Ok(Some(bufs)) = buffers::descriptor(pOutput) {
        if let Some(b) = buffers::find(bufs, SECBUFFER_TOKEN) {
            b.cbBuffer = 0;
        }
    }
}

/// The input TOKEN and the hash of the CHANNEL_BINDINGS buffer, if present.
type Input<'a> = (Option<&'a [u8]>, Option<[u8; 16]>);

unsafe fn read_input<'a>(pInput: PSecBufferDesc) -> Result<Input<'a>, SECURITY_STATUS> {
    let Some(bufs) = buffers::descriptor(pInput)? else {
        return Ok((None, None));
    };
    let token = match buffers::find(bufs, SECBUFFER_TOKEN) {
        Some(b) => Some(buffers::bytes(b)?).filter(|t| !t.is_empty()),
        None => None,
    };
    let bindings = match buffers::find(bufs, SECBUFFER_CHANNEL_BINDINGS) {
        Some(b) => Some(parse_channel_bindings(buffers::bytes(b)?)?),
        None => None,
    };
    Ok((token, bindings))
}

/// SEC_CHANNEL_BINDINGS: a header of eight ULONGs followed by the data its offsets point at,
/// all within the buffer.
fn parse_channel_bindings(b: &[u8]) -> Result<[u8; 16], SECURITY_STATUS> {
    let bad = SEC_E_BAD_BINDINGS;
    let header = b.get(..32).ok_or(bad)?;
    let f = |i: usize| u32::from_le_bytes(header[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    let part = |len: u32, off: u32| -> Result<&[u8], SECURITY_STATUS> {
        if len == 0 {
            return Ok(&[]);
        }
        let start = off as usize;
        b.get(start..start.checked_add(len as usize).ok_or(bad)?)
            .ok_or(bad)
    };
    Ok(channel_bindings_hash(
        f(0),
        part(f(1), f(2))?,
        f(3),
        part(f(4), f(5))?,
        part(f(6), f(7))?,
    ))
}

fn client_options(fContextReq: ULONG, target: Option<String>, workstation: &str) -> ClientOptions {
    ClientOptions {
        sign: fContextReq & (ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT)
            != 0,
        seal: fContextReq & ISC_REQ_CONFIDENTIALITY != 0,
        datagram: fContextReq & ISC_REQ_DATAGRAM != 0,
        identify: fContextReq & ISC_REQ_IDENTIFY != 0,
        target_name: target,
        workstation: workstation.into(),
        version: Version::OURS,
    }
}

/// ISC_RET attributes after the first leg, as Windows reports them: the requested
/// CONNECTION/INTEGRITY/REPLAY/SEQUENCE bits, and CONFIDENTIALITY with INTEGRITY.
fn isc_attrs_first(req: ULONG) -> ULONG {
    let mut a = req
        & (ISC_REQ_CONNECTION
            | ISC_REQ_INTEGRITY
            | ISC_REQ_REPLAY_DETECT
            | ISC_REQ_SEQUENCE_DETECT);
    if req & ISC_REQ_CONFIDENTIALITY != 0 {
        a |= ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY;
    }
    a
}

/// ISC_RET attributes once established, as Windows reports them: what was negotiated (SIGN
/// gives integrity, replay and sequence detection; SEAL adds confidentiality), and MUTUAL_AUTH
/// when the call that started the authentication (`first`) asked for it. Windows remembers
/// that request: a completing call made with `fContextReq = 0`, as Wine's tests and many
/// callers make it, still gets ISC_RET_MUTUAL_AUTH (Wine's secur32 ntlm.c
/// `testInitializeSecurityContextFlags`, which passes on Windows). Nothing else of the first
/// request comes back unless negotiated: CONNECTION belongs to the first call's answer only,
/// EXTENDED_ERROR, DELEGATE and USE_DCE_STYLE never come back. MUTUAL_AUTH asked for by the
/// completing call itself counts as well.
fn isc_attrs_final(first: ULONG, req: ULONG, flags: u32) -> ULONG {
    let mut a = (first | req) & ISC_REQ_MUTUAL_AUTH;
    if has(flags, nf::NEGOTIATE_SIGN) || has(flags, nf::NEGOTIATE_SEAL) {
        a |= ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT;
    }
    if has(flags, nf::NEGOTIATE_SEAL) {
        a |= ISC_RET_CONFIDENTIALITY;
    }
    if has(flags, nf::NEGOTIATE_DATAGRAM) {
        a |= ISC_RET_DATAGRAM;
    }
    if has(flags, nf::NEGOTIATE_IDENTIFY) {
        a |= ISC_RET_IDENTIFY;
    }
    a
}

fn with_alloc(attrs: ULONG, req: ULONG, req_bit: ULONG, ret_bit: ULONG) -> ULONG {
    if req & req_bit != 0 {
        attrs | ret_bit
    } else {
        attrs
    }
}

pub unsafe fn initialize_security_context<C: Charset>(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pszTargetName: *const C::Char,
    fContextReq: ULONG,
    pInput: PSecBufferDesc,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    run(|| {
        if fContextReq & ISC_REQ_PROMPT_FOR_CREDS != 0 {
            return Err(SEC_E_UNSUPPORTED_FUNCTION);
        }
        let target = buffers::string_z::<C>(pszTargetName).map_err(|_| SEC_E_TARGET_UNKNOWN)?;
        let (input, bindings) = read_input(pInput)?;
        let allocate = fContextReq & ISC_REQ_ALLOCATE_MEMORY != 0;

        let Some(existing) = buffers::handle(phContext) else {
            // First call: a new context.
            let (client_cred, options, policy, package) = with_credential(phCredential, |cred| {
                if phNewContext.is_null() {
                    return Err(SEC_E_INVALID_HANDLE);
                }
                if cred.use_flags & SECPKG_CRED_OUTBOUND == 0 || cred.ntlm_excluded {
                    return Err(SEC_E_NO_CREDENTIALS);
                }
                let client_cred = match (&cred.client, &cred.calling_user) {
                    (Some(c), _) => Ok(c.mine().clone()),
                    (None, Some(u)) => Err(u.clone()),
                    (None, None) => return Err(SEC_E_NO_CREDENTIALS),
                };
                Ok((
                    client_cred,
                    client_options(fContextReq, target, &cred.workstation),
                    cred.policy,
                    cred.package,
                ))
            })?;
            // The calling user is looked up outside the handle table's lock (it may ask
            // winbindd).
            let client_cred = client_cred.or_else(|u| u.credential())?;
            let mut client = Client::with_system_env(client_cred, options, policy);
            super::panic::note_package(package.name());
            if package == Package::Negotiate {
                let mut nego = Initiator::new(client);
                let (result, attrs, note) = negotiate_initiator_leg(
                    &mut nego,
                    input,
                    bindings,
                    pOutput,
                    fContextReq,
                    fContextReq,
                )?;
                let context_req = fContextReq;
                let handle = put_new(
                    Context::NegotiateClient {
                        nego,
                        context_req,
                        attrs,
                    },
                    phNewContext,
                    pfContextAttr,
                    attrs,
                    ptsExpiry,
                )?;
                debug::emit(&handle, note);
                return Ok(result);
            }
            let (token, next) = match input {
                // Server-initiated: the first input is already a CHALLENGE.
                Some(challenge) => client.authenticate(challenge, bindings),
                None => client.negotiate(),
            }
            .map_err(|e| debug::failed(None, "InitializeSecurityContext", e, input, None))?;
            write_token(pOutput, allocate, &token)?;
            client.advance(next);
            let note = trace::enabled().then(|| debug::client_step(true, input, &token, &client));
            let (result, attrs) = match client.established() {
                Some(e) => (SEC_E_OK, isc_attrs_final(fContextReq, fContextReq, e.flags)),
                None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(fContextReq)),
            };
            let attrs = with_alloc(
                attrs,
                fContextReq,
                ISC_REQ_ALLOCATE_MEMORY,
                ISC_RET_ALLOCATED_MEMORY,
            );
            let ctx = Context::Client {
                client,
                context_req: fContextReq,
                attrs,
            };
            let handle = CONTEXTS.insert(ctx).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
            debug::emit(&handle, note);
            buffers::put(phNewContext, handle);
            buffers::put(pfContextAttr, attrs);
            buffers::put(ptsExpiry, NEVER);
            return Ok(result);
        };

        let mut guard = CONTEXTS.lock(&existing).ok_or(SEC_E_INVALID_HANDLE)?;
        super::panic::note_package(guard.package().name());
        if let Context::NegotiateClient {
            nego,
            context_req,
            attrs,
        } = &mut *guard
        {
            let (result, new_attrs, note) =
                negotiate_initiator_leg(nego, input, bindings, pOutput, *context_req, fContextReq)?;
            *attrs = new_attrs;
            drop(guard);
            debug::emit(&existing, note);
            put_continued(
                phContext,
                phNewContext,
                existing,
                pfContextAttr,
                new_attrs,
                ptsExpiry,
            );
            return Ok(result);
        }
        let Context::Client {
            client,
            context_req,
            attrs,
        } = &mut *guard
        else {
            return Err(SEC_E_INVALID_HANDLE);
        };
        let restart = client.is_complete();
        // A call on a completed context starts a re-authentication, with this call's
        // requirements; the options it replaces come back if the call fails, so that a failed
        // call (a buffer too small for the NEGOTIATE) leaves the context as it was.
        let replaced = restart.then(|| {
            let workstation = client.options().workstation.clone();
            let old = client.options().clone();
            client.set_options(client_options(fContextReq, target, &workstation));
            old
        });
        let leg = match (input, restart) {
            (Some(challenge), true) => client.authenticate_fresh(challenge, bindings),
            (Some(challenge), false) => client.authenticate(challenge, bindings),
            (None, true) => client.negotiate(),
            // Nothing was replaced: only a completed context restarts.
            (None, false) => return Err(SEC_E_INVALID_TOKEN),
        }
        .map_err(|e| debug::failed(Some(&existing), "InitializeSecurityContext", e, input, None))
        .and_then(|(token, next)| write_token(pOutput, allocate, &token).map(|()| (token, next)));
        let (token, next) = match leg {
            Ok(leg) => leg,
            Err(s) => {
                if let Some(old) = replaced {
                    client.set_options(old);
                }
                return Err(s);
            }
        };
        client.advance(next);
        debug::emit(
            &existing,
            trace::enabled().then(|| debug::client_step(restart, input, &token, client)),
        );
        if restart {
            // The request that started this authentication, for the completing call's attributes.
            *context_req = fContextReq;
        }
        let (result, new_attrs) = match client.established() {
            Some(e) => (
                SEC_E_OK,
                isc_attrs_final(*context_req, fContextReq, e.flags),
            ),
            None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(fContextReq)),
        };
        *attrs = with_alloc(
            new_attrs,
            fContextReq,
            ISC_REQ_ALLOCATE_MEMORY,
            ISC_RET_ALLOCATED_MEMORY,
        );
        let attrs = *attrs;
        drop(guard);
        if !phNewContext.is_null() && phNewContext != phContext {
            buffers::put(phNewContext, existing);
        }
        buffers::put(pfContextAttr, attrs);
        buffers::put(ptsExpiry, NEVER);
        Ok(result)
    })
}

/// The outputs of a new context: its handle, attributes and expiry.
unsafe fn put_new(
    ctx: Context,
    phNewContext: PCtxtHandle,
    pfContextAttr: PULONG,
    attrs: ULONG,
    ptsExpiry: PTimeStamp,
) -> Result<SecHandle, SECURITY_STATUS> {
    let handle = CONTEXTS.insert(ctx).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
    buffers::put(phNewContext, handle);
    buffers::put(pfContextAttr, attrs);
    buffers::put(ptsExpiry, NEVER);
    Ok(handle)
}

/// The outputs of a leg on an existing context: the handle, when the caller asked for it in
/// another place, the attributes and the expiry.
unsafe fn put_continued(
    phContext: PCtxtHandle,
    phNewContext: PCtxtHandle,
    existing: SecHandle,
    pfContextAttr: PULONG,
    attrs: ULONG,
    ptsExpiry: PTimeStamp,
) {
    if !phNewContext.is_null() && phNewContext != phContext {
        buffers::put(phNewContext, existing);
    }
    buffers::put(pfContextAttr, attrs);
    buffers::put(ptsExpiry, NEVER);
}

/// A Negotiate leg's status, ISC/ASC_RET attributes, and its block for the decoded trace.
type Leg = (SECURITY_STATUS, ULONG, Option<String>);

/// The decoded trace's account of a refused Negotiate leg: the status, the NTLM server's reason
/// for a refused logon (the SPNEGO core reports no finer one), and the token that came in.
fn negotiate_failure(
    call: &str,
    s: SECURITY_STATUS,
    input: Option<&[u8]>,
    denial: Option<Denial>,
) -> String {
    let mut t = format!("{call} (Negotiate) failed: 0x{:08x}", s as u32);
    if let Some(d) = denial {
        t.push_str(&format!(": {d}"));
    }
    t.push('\n');
    if let Some(i) = input {
        t.push_str(&trace::message_text("in", i));
    }
    t
}

/// One Negotiate initiator leg: the core computes it, the token goes to the caller, then the
/// state is committed. Returns the status and the ISC_RET attributes; `first` is the request of
/// the context's first call, `req` this call's.
unsafe fn negotiate_initiator_leg(
    nego: &mut Initiator,
    input: Option<&[u8]>,
    bindings: Option<[u8; 16]>,
    pOutput: PSecBufferDesc,
    first: ULONG,
    req: ULONG,
) -> Result<Leg, SECURITY_STATUS> {
    let (token, next) = nego.step(input, bindings).map_err(|e| {
        let s = status(e);
        trace::event(0, || {
            negotiate_failure("InitializeSecurityContext", s, input, None)
        });
        s
    })?;
    if token.is_empty() {
        clear_token(pOutput);
    } else {
        write_token(pOutput, req & ISC_REQ_ALLOCATE_MEMORY != 0, &token)?;
    }
    nego.advance(next);
    let note = trace::enabled()
        .then(|| debug::negotiate_step("client", input, &token, nego.established()));
    let (result, attrs) = match nego.established() {
        Some(e) => (SEC_E_OK, isc_attrs_final(first, req, e.flags)),
        None => (SEC_I_CONTINUE_NEEDED, isc_attrs_first(req)),
    };
    Ok((
        result,
        with_alloc(
            attrs,
            req,
            ISC_REQ_ALLOCATE_MEMORY,
            ISC_RET_ALLOCATED_MEMORY,
        ),
        note,
    ))
}

/// One Negotiate acceptor leg: the core computes it (the AUTHENTICATE leg decides the logon
/// without committing it), the token goes to the caller, then the state is committed. A final
/// token that does not fit the caller's buffer is SEC_E_BUFFER_TOO_SMALL with the context as it
/// was, as for NTLM: the retry with a larger buffer (or ASC_REQ_ALLOCATE_MEMORY) completes the
/// same logon. A refused logon is committed at once: it sends no token.
unsafe fn negotiate_acceptor_leg(
    nego: &mut Acceptor,
    input: &[u8],
    bindings: Option<[u8; 16]>,
    pOutput: PSecBufferDesc,
    req: ULONG,
) -> Result<Leg, SECURITY_STATUS> {
    let failed = |e, denial| {
        let s = status(e);
        trace::event(0, || {
            negotiate_failure("AcceptSecurityContext", s, Some(input), denial)
        });
        s
    };
    let (token, next) = if nego.expects_authenticate() {
        nego.authenticate_leg(input, bindings).map_err(|r| {
            let e = nego.refuse(r);
            failed(e, nego.ntlm().denial())
        })?
    } else {
        nego.step(input).map_err(|e| failed(e, None))?
    };
    if token.is_empty() {
        clear_token(pOutput);
    } else {
        write_token(pOutput, req & ASC_REQ_ALLOCATE_MEMORY != 0, &token)?;
    }
    nego.advance(next);
    let note = trace::enabled()
        .then(|| debug::negotiate_step("server", Some(input), &token, nego.established()));
    let complete = nego.progress() == Progress::Complete;
    let flags = nego
        .established()
        .map(|e| e.flags)
        .or(nego.challenge_flags())
        .unwrap_or(0);
    let mut attrs = asc_attrs(req, flags, complete);
    if nego.established().is_some_and(|e| e.anonymous) {
        attrs |= ASC_RET_NULL_SESSION;
    }
    Ok((
        if complete {
            SEC_E_OK
        } else {
            SEC_I_CONTINUE_NEEDED
        },
        attrs,
        note,
    ))
}

/// ASC_RET attributes: replay and sequence detection when the client asked to sign,
/// confidentiality when it asked to seal, integrity once established.
fn asc_attrs(req: ULONG, flags: u32, established: bool) -> ULONG {
    let mut a = 0;
    if has(flags, nf::NEGOTIATE_SIGN) || has(flags, nf::NEGOTIATE_SEAL) {
        a |= ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT;
        if established {
            a |= ASC_RET_INTEGRITY;
        }
    }
    if has(flags, nf::NEGOTIATE_SEAL) {
        a |= ASC_RET_CONFIDENTIALITY;
    }
    if has(flags, nf::NEGOTIATE_DATAGRAM) {
        a |= ASC_RET_DATAGRAM;
    }
    if has(flags, nf::NEGOTIATE_IDENTIFY) {
        a |= ASC_RET_IDENTIFY;
    }
    with_alloc(a, req, ASC_REQ_ALLOCATE_MEMORY, ASC_RET_ALLOCATED_MEMORY)
}

pub unsafe fn accept_security_context(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pInput: PSecBufferDesc,
    fContextReq: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> SECURITY_STATUS {
    let result = run(|| {
        accept(
            phCredential,
            phContext,
            pInput,
            fContextReq,
            phNewContext,
            pOutput,
            pfContextAttr,
            ptsExpiry,
        )
    });
    if result < 0 && result != SEC_E_BUFFER_TOO_SMALL {
        // A failed leg sends nothing: callers such as FreeRDP send whatever the output TOKEN
        // buffer says it holds, which would otherwise be the whole empty buffer. (After
        // BUFFER_TOO_SMALL the caller's size is left for its retry.)
        clear_token(pOutput);
    }
    result
}

unsafe fn accept(
    phCredential: PCredHandle,
    phContext: PCtxtHandle,
    pInput: PSecBufferDesc,
    fContextReq: ULONG,
    phNewContext: PCtxtHandle,
    pOutput: PSecBufferDesc,
    pfContextAttr: PULONG,
    ptsExpiry: PTimeStamp,
) -> Result<SECURITY_STATUS, SECURITY_STATUS> {
    {
        let (input, bindings) = read_input(pInput)?;
        // Connectionless NTLM (ASC_REQ_DATAGRAM) starts with no token at all: the server
        // speaks first, with a CHALLENGE.
        let connectionless = input.is_none()
            && fContextReq & ASC_REQ_DATAGRAM != 0
            && buffers::handle(phContext).is_none();
        let input = if connectionless {
            &[][..]
        } else {
            input.ok_or(SEC_E_INVALID_TOKEN)?
        };
        let allocate = fContextReq & ASC_REQ_ALLOCATE_MEMORY != 0;

        let Some(existing) = buffers::handle(phContext) else {
            let config = with_credential(phCredential, |cred| {
                if phNewContext.is_null() {
                    return Err(SEC_E_INVALID_HANDLE);
                }
                if cred.use_flags & SECPKG_CRED_INBOUND == 0 || cred.ntlm_excluded {
                    return Err(SEC_E_NO_CREDENTIALS);
                }
                Ok((cred.server.load().mine().clone(), cred.package))
            })?;
            let (config, package) = config;
            let mut server = Server::with_config(config);
            super::panic::note_package(package.name());
            if package == Package::Negotiate {
                let mut nego = Acceptor::new(server);
                let (result, attrs, note) =
                    negotiate_acceptor_leg(&mut nego, input, bindings, pOutput, fContextReq)?;
                let handle = put_new(
                    Context::NegotiateServer { nego, attrs },
                    phNewContext,
                    pfContextAttr,
                    attrs,
                    ptsExpiry,
                )?;
                debug::emit(&handle, note);
                return Ok(result);
            }
            let next = if connectionless {
                server.challenge_connectionless_in_state()
            } else {
                server.challenge_in_state(input)
            }
            .map_err(|e| debug::failed(None, "AcceptSecurityContext", e, Some(input), None))?;
            let token = next.challenge_token().unwrap_or_default();
            write_token(pOutput, allocate, token)?;
            let note =
                trace::enabled().then(|| debug::server_step(true, input, Some(token), &server));
            server.advance(next);
            let attrs = asc_attrs(fContextReq, server.challenge_flags().unwrap_or(0), false);
            let ctx = Context::Server {
                server,
                context_req: fContextReq,
                attrs,
            };
            let handle = CONTEXTS.insert(ctx).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
            debug::emit(&handle, note);
            buffers::put(phNewContext, handle);
            buffers::put(pfContextAttr, attrs);
            buffers::put(ptsExpiry, NEVER);
            return Ok(SEC_I_CONTINUE_NEEDED);
        };

        let mut guard = CONTEXTS.lock(&existing).ok_or(SEC_E_INVALID_HANDLE)?;
        super::panic::note_package(guard.package().name());
        if let Context::NegotiateServer { nego, attrs } = &mut *guard {
            let (result, new_attrs, note) =
                negotiate_acceptor_leg(nego, input, bindings, pOutput, fContextReq)?;
            *attrs = new_attrs;
            drop(guard);
            debug::emit(&existing, note);
            put_continued(
                phContext,
                phNewContext,
                existing,
                pfContextAttr,
                new_attrs,
                ptsExpiry,
            );
            return Ok(result);
        }
        let Context::Server {
            server,
            context_req,
            attrs,
        } = &mut *guard
        else {
            return Err(SEC_E_INVALID_HANDLE);
        };
        server.authenticate(input, bindings).map_err(|e| {
            debug::failed(
                Some(&existing),
                "AcceptSecurityContext",
                e,
                Some(input),
                server.denial(),
            )
        })?;
        debug::emit(
            &existing,
            trace::enabled().then(|| debug::server_step(false, input, None, server)),
        );
        *context_req = fContextReq;
        let flags = server.established().map(|e| e.flags).unwrap_or(0);
        let mut a = asc_attrs(fContextReq, flags, true);
        if server.established().is_some_and(|e| e.anonymous) {
            a |= ASC_RET_NULL_SESSION;
        }
        *attrs = a;
        drop(guard);
        clear_token(pOutput);
        if !phNewContext.is_null() && phNewContext != phContext {
            buffers::put(phNewContext, existing);
        }
        buffers::put(pfContextAttr, a);
        buffers::put(ptsExpiry, NEVER);
        Ok(SEC_E_OK)
    }
}

pub unsafe fn complete_auth_token(
    phContext: PCtxtHandle,
    _pToken: PSecBufferDesc,
) -> SECURITY_STATUS {
    run(|| {
        drop(context(phContext)?);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn delete_security_context(phContext: PCtxtHandle) -> SECURITY_STATUS {
    match buffers::handle(phContext).and_then(|h| CONTEXTS.remove(&h)) {
        Some(_) => SEC_E_OK,
        None => SEC_E_INVALID_HANDLE,
    }
}

/// Exports that exist on Windows but have nothing to do for NTLM here: a valid handle gets
/// `valid` (what Windows answers when it cannot do the operation), a bad one
/// SEC_E_INVALID_HANDLE.
pub unsafe fn on_context(phContext: PCtxtHandle, valid: SECURITY_STATUS) -> SECURITY_STATUS {
    run(|| {
        drop(context(phContext)?);
        Ok(valid)
    })
}

/// ImpersonateSecurityContext and RevertSecurityContext. No identity change is possible in
/// this library, so they answer SEC_E_NO_IMPERSONATION, as a package without impersonation
/// does; a host that refuses every login without them (FreeRDP's NLA server) can opt in to
/// treating them as successful no-ops with `NTLMSSP_IMPERSONATE=noop`.
pub unsafe fn impersonation(phContext: PCtxtHandle) -> SECURITY_STATUS {
    static NOOP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let noop =
        *NOOP.get_or_init(|| std::env::var_os("NTLMSSP_IMPERSONATE").is_some_and(|v| v == "noop"));
    on_context(
        phContext,
        if noop {
            SEC_E_OK
        } else {
            SEC_E_NO_IMPERSONATION
        },
    )
}
