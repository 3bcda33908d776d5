//! The one allocator behind every buffer handed to the caller, paired with
//! `FreeContextBuffer`.
//!
//! Blocks come from the C heap (`malloc`), so they stay valid whatever the caller does with Rust
//! state, and each live block is recorded: `FreeContextBuffer` frees only what this library
//! handed out, so a double free or a foreign pointer gets `SEC_E_INVALID_HANDLE` instead of
//! corrupting the caller's heap. Blocks are wiped before they are freed, since some hold keys
//! (`SECPKG_ATTR_SESSION_KEY`).

use std::collections::BTreeMap;

use parking_lot::Mutex;
use zeroize::Zeroize;

/// Live blocks: address → length. (A B-tree, whose nodes memory checkers see as reachable.)
static LIVE: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

fn live() -> &'static Mutex<BTreeMap<usize, usize>> {
    &LIVE
}

/// A block of `len` bytes (at least 1), suitably aligned for any SSPI structure, or `None`
/// when the heap is exhausted.
pub fn allocate(len: usize) -> Option<*mut u8> {
    // SAFETY: malloc has no preconditions; the result is checked for NULL.
    let p = unsafe { libc::malloc(len.max(1)) } as *mut u8;
    if p.is_null() {
        return None;
    }
    live().lock().insert(p as usize, len.max(1));
    Some(p)
}

/// A copy of `bytes` in a new block.
pub fn allocate_copy(bytes: &[u8]) -> Option<*mut u8> {
    let p = allocate(bytes.len())?;
    // SAFETY: `p` was just allocated with room for `bytes.len()` bytes and cannot overlap.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    Some(p)
}

/// Frees a block from [`allocate`]; `false` when `p` is not a live block of ours.
// `p` is dereferenced only once the registry shows it is a live block this module allocated,
// whatever the caller passed.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn free(p: *mut u8) -> bool {
    let Some(len) = live().lock().remove(&(p as usize)) else {
        return false;
    };
    // SAFETY: `p` came from malloc in `allocate` with `len` bytes and was live until the line
    // above removed it, so it is wiped and freed exactly once.
    unsafe {
        core::slice::from_raw_parts_mut(p, len).zeroize();
        libc::free(p.cast());
    }
    true
}

/// Live blocks (for leak checks in tests).
pub fn live_blocks() -> usize {
    live().lock().len()
}
