//! The one allocator behind every buffer handed to the caller, paired with
//! `FreeContextBuffer`.
//!
//! Blocks come from the C heap (`malloc`), so they stay valid whatever the caller does with Rust
//! state, and each live block is recorded: `FreeContextBuffer` frees only what this library
//! handed out, so a double free or a foreign pointer gets `SEC_E_INVALID_HANDLE` instead of
//! corrupting the caller's heap.

use std::collections::HashSet;
use std::sync::OnceLock;

use parking_lot::Mutex;

fn live() -> &'static Mutex<HashSet<usize>> {
    static LIVE: OnceLock<Mutex<HashSet<usize>>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A block of `len` bytes (at least 1), suitably aligned for any SSPI structure, or `None`
/// when the heap is exhausted.
pub fn allocate(len: usize) -> Option<*mut u8> {
    // SAFETY: malloc has no preconditions; the result is checked for NULL.
    let p = unsafe { libc::malloc(len.max(1)) } as *mut u8;
    if p.is_null() {
        return None;
    }
    live().lock().insert(p as usize);
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
pub fn free(p: *mut u8) -> bool {
    if !live().lock().remove(&(p as usize)) {
        return false;
    }
    // SAFETY: `p` came from malloc in `allocate` and was live until the line above removed it,
    // so it is freed exactly once.
    unsafe { libc::free(p.cast()) };
    true
}

/// Live blocks (for leak checks in tests).
pub fn live_blocks() -> usize {
    live().lock().len()
}
