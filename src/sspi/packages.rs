//! The two packages, NTLM and Negotiate: what they report (SecPkgInfo), how a caller names
//! them, and the blocks handed out for them (freed by FreeContextBuffer).

#![allow(clippy::missing_safety_doc, clippy::too_many_arguments)]

use core::ffi::c_void;

use super::alloc;
use super::buffers::{self, Charset};
use super::status::run;
use super::types::*;

pub const PACKAGE_NAME: &str = "NTLM";
pub const PACKAGE_COMMENT: &str = "NTLM Security Package";
pub const PACKAGE_CAPABILITIES: ULONG = 0x0008_2B37;
pub const PACKAGE_VERSION: USHORT = 1;
/// RPC_C_AUTHN_WINNT.
pub const PACKAGE_RPCID: USHORT = 10;
pub const MAX_TOKEN: ULONG = 2888;
pub const MAX_SIGNATURE: ULONG = 16;
/// The Negotiate package ([MS-SPNG] around NTLM): what Windows reports for it.
pub const NEGOTIATE_NAME: &str = "Negotiate";
pub const NEGOTIATE_COMMENT: &str = "Microsoft Package Negotiator";
/// INTEGRITY, PRIVACY, CONNECTION, MULTI_REQUIRED, EXTENDED_ERROR, IMPERSONATION,
/// ACCEPT_WIN32_NAME, NEGOTIABLE, GSS_COMPATIBLE, LOGON, RESTRICTED_TOKENS.
pub const NEGOTIATE_CAPABILITIES: ULONG = 0x0008_3BB3;
/// RPC_C_AUTHN_GSS_NEGOTIATE.
pub const NEGOTIATE_RPCID: USHORT = 9;
/// Wine's value; an NTLM token wrapped in SPNEGO is at most MAX_TOKEN plus about 60 bytes.
pub const NEGOTIATE_MAX_TOKEN: ULONG = 12000;

/// The packages this library offers, in EnumerateSecurityPackages order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Ntlm,
    Negotiate,
}

impl Package {
    pub const ALL: [Package; 2] = [Package::Ntlm, Package::Negotiate];

    pub fn name(self) -> &'static str {
        match self {
            Package::Ntlm => PACKAGE_NAME,
            Package::Negotiate => NEGOTIATE_NAME,
        }
    }

    pub(super) fn info(self) -> (&'static str, ULONG, USHORT, ULONG) {
        match self {
            Package::Ntlm => (
                PACKAGE_COMMENT,
                PACKAGE_CAPABILITIES,
                PACKAGE_RPCID,
                MAX_TOKEN,
            ),
            Package::Negotiate => (
                NEGOTIATE_COMMENT,
                NEGOTIATE_CAPABILITIES,
                NEGOTIATE_RPCID,
                NEGOTIATE_MAX_TOKEN,
            ),
        }
    }
}

/// What Windows' NTLM reports for credential and context expiry: never.
pub const NEVER: TimeStamp = i64::MAX;

pub(super) fn package_named<C: Charset>(p: *const C::Char) -> Result<Package, SECURITY_STATUS> {
    // SAFETY: the caller passes a NUL-terminated package name or NULL.
    match unsafe { buffers::string_z::<C>(p) } {
        Ok(Some(name)) => {
            let package = Package::ALL
                .into_iter()
                .find(|k| name.eq_ignore_ascii_case(k.name()))
                .ok_or(SEC_E_SECPKG_NOT_FOUND)?;
            super::panic::note_package(package.name());
            Ok(package)
        }
        _ => Err(SEC_E_SECPKG_NOT_FOUND),
    }
}

/// One block holding an array of SecPkgInfo and their strings, freed by one FreeContextBuffer.
pub(super) fn alloc_package_infos<C: Charset>(
    packages: &[Package],
) -> Result<*mut c_void, SECURITY_STATUS> {
    let strings: Vec<[Vec<C::Char>; 2]> = packages
        .iter()
        .map(|p| [C::encode_z(p.name()), C::encode_z(p.info().0)])
        .collect();
    let head = core::mem::size_of::<SecPkgInfoW>() * packages.len();
    let ch = core::mem::size_of::<C::Char>();
    let total = head
        + strings
            .iter()
            .map(|[n, c]| (n.len() + c.len()) * ch)
            .sum::<usize>();
    let block = alloc::allocate(total).ok_or(SEC_E_INSUFFICIENT_MEMORY)?;
    // SAFETY: `block` holds `total` bytes: the structs, then every string; the structs'
    // alignment is that of malloc's result, and SecPkgInfoA and SecPkgInfoW share one layout
    // (asserted in types.rs).
    unsafe {
        let mut text = block.add(head);
        for (i, (package, [name, comment])) in packages.iter().zip(&strings).enumerate() {
            let name_p = text;
            let comment_p = name_p.add(name.len() * ch);
            text = comment_p.add(comment.len() * ch);
            core::ptr::copy_nonoverlapping(name.as_ptr() as *const u8, name_p, name.len() * ch);
            core::ptr::copy_nonoverlapping(
                comment.as_ptr() as *const u8,
                comment_p,
                comment.len() * ch,
            );
            let (_, capabilities, rpcid, max_token) = package.info();
            (block as *mut SecPkgInfoW).add(i).write(SecPkgInfoW {
                fCapabilities: capabilities,
                wVersion: PACKAGE_VERSION,
                wRPCID: rpcid,
                cbMaxToken: max_token,
                Name: name_p.cast(),
                Comment: comment_p.cast(),
            });
        }
    }
    Ok(block.cast())
}

pub(super) fn alloc_package_info<C: Charset>(
    package: Package,
) -> Result<*mut c_void, SECURITY_STATUS> {
    alloc_package_infos::<C>(&[package])
}

/// A NUL-terminated string in a new block.
pub(super) fn alloc_string<C: Charset>(s: &str) -> Result<*mut c_void, SECURITY_STATUS> {
    let z = C::encode_z(s);
    // SAFETY: viewing a slice of plain integers as its bytes.
    let bytes = unsafe {
        core::slice::from_raw_parts(
            z.as_ptr() as *const u8,
            z.len() * core::mem::size_of::<C::Char>(),
        )
    };
    alloc::allocate_copy(bytes)
        .map(|p| p.cast())
        .ok_or(SEC_E_INSUFFICIENT_MEMORY)
}

pub unsafe fn query_security_package_info<C: Charset>(
    pszPackageName: *const C::Char,
    ppPackageInfo: *mut *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        let package = package_named::<C>(pszPackageName)?;
        if ppPackageInfo.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        buffers::put(ppPackageInfo, alloc_package_info::<C>(package)?);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn enumerate_security_packages<C: Charset>(
    pcPackages: PULONG,
    ppPackageInfo: *mut *mut c_void,
) -> SECURITY_STATUS {
    run(|| {
        if pcPackages.is_null() || ppPackageInfo.is_null() {
            return Err(SEC_E_INVALID_PARAMETER);
        }
        let info = alloc_package_infos::<C>(&Package::ALL)?;
        buffers::put(pcPackages, Package::ALL.len() as ULONG);
        buffers::put(ppPackageInfo, info);
        Ok(SEC_E_OK)
    })
}

pub unsafe fn free_context_buffer(pvContextBuffer: *mut c_void) -> SECURITY_STATUS {
    if pvContextBuffer.is_null() {
        // Windows accepts freeing NULL.
        return SEC_E_OK;
    }
    if alloc::free(pvContextBuffer.cast()) {
        SEC_E_OK
    } else {
        SEC_E_INVALID_HANDLE
    }
}
