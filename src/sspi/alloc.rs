//! The one allocator behind every buffer handed to the caller, paired with
//! `FreeContextBuffer`.
//!
//! On Windows, blocks come from the process heap (`HeapAlloc(GetProcessHeap())`), as every
//! Windows security package's do: secur32's FreeContextBuffer is `HeapFree(GetProcessHeap())`
//! and never reaches the provider, and callers rely on `HeapSize` of a block (Wine's secur32
//! tests record Windows' sizes). No list of blocks is kept there, since secur32 frees them
//! behind the library's back and such a list would only grow; our own FreeContextBuffer
//! frees a pointer only when the process heap recognises it as one of its blocks
//! (`HeapValidate`), so a stack, static or other-heap pointer is refused.
//!
//! Elsewhere, blocks come from the C heap (`malloc`) and each live block is recorded:
//! `FreeContextBuffer` frees only what this library handed out, so a double free or a foreign
//! pointer gets `SEC_E_INVALID_HANDLE` instead of corrupting the caller's heap.
//!
//! Blocks are wiped before this library frees them, since some hold keys
//! (`SECPKG_ATTR_SESSION_KEY`).

use zeroize::Zeroize;

/// A copy of `bytes` in a new block.
pub fn allocate_copy(bytes: &[u8]) -> Option<*mut u8> {
    let p = allocate(bytes.len())?;
    // SAFETY: `p` was just allocated with room for `bytes.len()` bytes and cannot overlap.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    Some(p)
}

#[cfg(not(windows))]
mod heap {
    use std::collections::BTreeMap;

    use parking_lot::Mutex;

    /// Live blocks: address → length. (A B-tree, whose nodes memory checkers see as reachable.)
    static LIVE: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

    pub fn allocate(len: usize) -> Option<*mut u8> {
        // SAFETY: malloc has no preconditions; the result is checked for NULL.
        let p = unsafe { libc::malloc(len.max(1)) } as *mut u8;
        if p.is_null() {
            return None;
        }
        LIVE.lock().insert(p as usize, len.max(1));
        Some(p)
    }

    /// Frees `p` after `wipe` ran over its bytes, if it is a live block.
    pub fn free(p: *mut u8, wipe: impl FnOnce(&mut [u8])) -> bool {
        let Some(len) = LIVE.lock().remove(&(p as usize)) else {
            return false;
        };
        // SAFETY: `p` came from malloc in `allocate` with `len` bytes and was live until the
        // line above removed it, so it is wiped and freed exactly once.
        unsafe {
            wipe(core::slice::from_raw_parts_mut(p, len));
            libc::free(p.cast());
        }
        true
    }

    pub fn live_blocks() -> usize {
        LIVE.lock().len()
    }
}

#[cfg(windows)]
mod heap {
    use core::ffi::c_void;
    use core::sync::atomic::{AtomicUsize, Ordering};

    #[link(name = "kernel32")]
    extern "system" {
        fn GetProcessHeap() -> *mut c_void;
        fn HeapAlloc(heap: *mut c_void, flags: u32, bytes: usize) -> *mut c_void;
        fn HeapFree(heap: *mut c_void, flags: u32, mem: *mut c_void) -> i32;
        fn HeapSize(heap: *mut c_void, flags: u32, mem: *const c_void) -> usize;
        fn HeapValidate(heap: *mut c_void, flags: u32, mem: *const c_void) -> i32;
    }

    /// Blocks handed out and not yet freed through this library (tests' leak checks only:
    /// blocks secur32 frees itself are never counted down).
    static OUTSTANDING: AtomicUsize = AtomicUsize::new(0);

    pub fn allocate(len: usize) -> Option<*mut u8> {
        // SAFETY: the process heap always exists; the result is checked for NULL. The block
        // is exactly `len` bytes (at least 1), which is what HeapSize reports to the caller.
        let p = unsafe { HeapAlloc(GetProcessHeap(), 0, len.max(1)) } as *mut u8;
        if p.is_null() {
            return None;
        }
        OUTSTANDING.fetch_add(1, Ordering::Relaxed);
        Some(p)
    }

    /// Serialises our own frees, so two threads freeing one block cannot both find it valid.
    static FREEING: parking_lot::Mutex<()> = parking_lot::Mutex::new(());

    /// Frees `p` after `wipe` ran over its bytes, if the process heap knows it as a block.
    pub fn free(p: *mut u8, wipe: impl FnOnce(&mut [u8])) -> bool {
        let _one_at_a_time = FREEING.lock();
        // SAFETY: HeapValidate with a pointer checks whether it is an allocated block of the
        // heap before touching it, and answers FALSE for anything else; only then is the
        // block (of HeapSize bytes) wiped and freed.
        unsafe {
            let heap = GetProcessHeap();
            if HeapValidate(heap, 0, p as *const c_void) == 0 {
                return false;
            }
            let len = HeapSize(heap, 0, p as *const c_void);
            if len == usize::MAX {
                return false;
            }
            wipe(core::slice::from_raw_parts_mut(p, len));
            HeapFree(heap, 0, p.cast());
        }
        let _ =
            OUTSTANDING.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        true
    }

    pub fn live_blocks() -> usize {
        OUTSTANDING.load(Ordering::Relaxed)
    }
}

/// A block of `len` bytes (at least 1), suitably aligned for any SSPI structure, or `None`
/// when the heap is exhausted.
pub fn allocate(len: usize) -> Option<*mut u8> {
    heap::allocate(len)
}

/// Frees a block from [`allocate`], wiped first; `false` when `p` is not a block this library
/// may free.
// `p` is dereferenced only once the heap module shows it is a live block, whatever the caller
// passed.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn free(p: *mut u8) -> bool {
    heap::free(p, |bytes| bytes.zeroize())
}

/// Live blocks (for leak checks in tests).
pub fn live_blocks() -> usize {
    heap::live_blocks()
}
