//! QueryContextAttributes.

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use core::ffi::c_void;

use super::alloc;
use super::buffers::{self, Charset};
use super::objects::{context, Context};
use super::packages::{alloc_package_info, alloc_string, Package, MAX_SIGNATURE, MAX_TOKEN, NEVER};
use super::status::run;
use super::types::*;
use crate::nlmp::credentials;
use crate::nlmp::flags::{self as nf, has};

pub unsafe fn query_context_attributes<C: Charset>(
    phContext: PCtxtHandle,
    ulAttribute: ULONG,
    pBuffer: *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let ctx = context(phContext)?;
        if pBuffer.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        super::panic::note_package(ctx.package().name());
        let (attrs, established) = (ctx.attrs(), ctx.established());
        match ulAttribute {
            SECPKG_ATTR_SIZES => buffers::put(
                pBuffer as *mut SecPkgContext_Sizes,
                SecPkgContext_Sizes {
                    cbMaxToken: MAX_TOKEN,
                    cbMaxSignature: MAX_SIGNATURE,
                    cbBlockSize: 0,
                    cbSecurityTrailer: MAX_SIGNATURE,
                },
            ),
            SECPKG_ATTR_FLAGS => buffers::put(
                pBuffer as *mut SecPkgContext_Flags,
                SecPkgContext_Flags { Flags: attrs },
            ),
            SECPKG_ATTR_LIFESPAN => buffers::put(
                pBuffer as *mut SecPkgContext_Lifespan,
                SecPkgContext_Lifespan {
                    tsStart: 0,
                    tsExpiry: NEVER,
                },
            ),
            SECPKG_ATTR_NAMES => {
                let name = match (&*ctx, established) {
                    (_, Some(e)) => credentials::qualified_name(&e.domain, &e.user),
                    (Context::Client { client, .. }, None) => client.credential().display_name(),
                    (Context::NegotiateClient { nego, .. }, None) => {
                        nego.ntlm().credential().display_name()
                    }
                    (Context::Server { .. } | Context::NegotiateServer { .. }, None) => {
                        return Err(SEC_E_INVALID_HANDLE)
                    }
                };
                buffers::put(pBuffer as *mut *mut c_void, alloc_string::<C>(&name)?);
            }
            SECPKG_ATTR_SESSION_KEY => {
                let e = established.ok_or(SEC_E_INVALID_HANDLE)?;
                let key = alloc::allocate_copy(&e.exported_session_key.0)
                    .ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
                buffers::put(
                    pBuffer as *mut SecPkgContext_SessionKey,
                    SecPkgContext_SessionKey {
                        SessionKeyLength: 16,
                        SessionKey: key,
                    },
                );
            }
            SECPKG_ATTR_KEY_INFO => {
                let e = established.ok_or(SEC_E_INVALID_HANDLE)?;
                let ess = has(e.flags, nf::NEGOTIATE_EXTENDED_SESSIONSECURITY);
                let (sig_name, sig_alg) = if ess {
                    ("HMAC-MD5", 0xFFFF_FF76u32)
                } else {
                    ("RSADSI RC4-CRC32", 0xFFFF_FF7C)
                };
                let key_size = if has(e.flags, nf::NEGOTIATE_128) {
                    128
                } else if has(e.flags, nf::NEGOTIATE_56) {
                    56
                } else {
                    40
                };
                let sig = alloc_string::<C>(sig_name)?;
                let enc = match alloc_string::<C>("RSADSI RC4") {
                    Ok(p) => p,
                    Err(e) => {
                        alloc::free(sig.cast());
                        return Err(e);
                    }
                };
                buffers::put(
                    pBuffer as *mut SecPkgContext_KeyInfoW,
                    SecPkgContext_KeyInfoW {
                        sSignatureAlgorithmName: sig.cast(),
                        sEncryptAlgorithmName: enc.cast(),
                        KeySize: key_size,
                        SignatureAlgorithm: sig_alg,
                        EncryptAlgorithm: CALG_RC4,
                    },
                );
            }
            SECPKG_ATTR_PACKAGE_INFO => {
                buffers::put(
                    pBuffer as *mut SecPkgContext_PackageInfoW,
                    SecPkgContext_PackageInfoW {
                        PackageInfo: alloc_package_info::<C>(ctx.package())?.cast(),
                    },
                );
            }
            SECPKG_ATTR_NEGOTIATION_INFO => {
                // The package negotiated, which is always NTLM (what Windows reports for a
                // Negotiate context that chose NTLM, and for an NTLM one).
                let state = if established.is_some() {
                    SECPKG_NEGOTIATION_COMPLETE
                } else {
                    SECPKG_NEGOTIATION_IN_PROGRESS
                };
                buffers::put(
                    pBuffer as *mut SecPkgContext_NegotiationInfoW,
                    SecPkgContext_NegotiationInfoW {
                        PackageInfo: alloc_package_info::<C>(Package::Ntlm)?.cast(),
                        NegotiationState: state,
                    },
                );
            }
            _ => return Err(SEC_E_UNSUPPORTED_FUNCTION),
        }
        Ok(SEC_E_OK)
    })
}
