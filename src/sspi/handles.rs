//! The one handle table behind every `CredHandle` and `CtxtHandle`.
//!
//! A handle is never a pointer: `dwLower` names a slot and the kind of object, `dwUpper` the
//! slot's generation mixed with a per-process secret. A freed slot's generation moves on, so a
//! stale handle, a double free, a handle of the other kind or a made-up value all fail the
//! lookup and give `SEC_E_INVALID_HANDLE`. The values 0/0 and -1/-1 (what
//! `SecInvalidateHandle` and zeroed memory produce) never name anything: `dwLower` always has
//! exactly one kind bit set among its low bits and a non-zero slot number above them.
//!
//! The table lock is held only to look up, insert or remove; protocol work runs on the object
//! itself (an `Arc`, with its own lock for contexts), so one slow handshake never blocks others.

use std::sync::OnceLock;

use parking_lot::Mutex;

use super::types::{SecHandle, ULONG_PTR};

/// Which table a handle belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Credential = 0b01,
    Context = 0b10,
}

const KIND_BITS: u32 = 4;
const KIND_MASK: ULONG_PTR = (1 << KIND_BITS) - 1;

struct Slot<T> {
    generation: ULONG_PTR,
    value: Option<T>,
}

/// A table of values of one type, addressed by generation-checked handles.
pub struct HandleTable<T> {
    kind: Kind,
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
}

/// A per-process value mixed into `dwUpper`, so handles cannot be predicted across runs.
fn salt() -> ULONG_PTR {
    static SALT: OnceLock<ULONG_PTR> = OnceLock::new();
    *SALT.get_or_init(|| {
        let mut b = [0u8; core::mem::size_of::<ULONG_PTR>()];
        // Failure leaves zeros: handles still work, they are only predictable.
        let _ = getrandom::fill(&mut b);
        // Never all ones, so that dwUpper can be -1 only by chance of the generation.
        ULONG_PTR::from_ne_bytes(b) & (ULONG_PTR::MAX >> 1)
    })
}

impl<T: Clone> HandleTable<T> {
    pub const fn new(kind: Kind) -> Self {
        HandleTable { kind, inner: Mutex::new(Inner { slots: Vec::new(), free: Vec::new() }) }
    }

    /// Stores `value` and returns its new handle.
    pub fn insert(&self, value: T) -> SecHandle {
        let mut inner = self.inner.lock();
        let index = match inner.free.pop() {
            Some(i) => i,
            None => {
                inner.slots.push(Slot { generation: 1, value: None });
                inner.slots.len() - 1
            }
        };
        let slot = &mut inner.slots[index];
        slot.value = Some(value);
        self.encode(index, slot.generation)
    }

    fn encode(&self, index: usize, generation: ULONG_PTR) -> SecHandle {
        SecHandle {
            dwLower: ((index + 1) << KIND_BITS) | self.kind as ULONG_PTR,
            dwUpper: generation ^ salt(),
        }
    }

    fn decode(&self, h: &SecHandle) -> Option<(usize, ULONG_PTR)> {
        if h.dwLower & KIND_MASK != self.kind as ULONG_PTR {
            return None;
        }
        let index = (h.dwLower >> KIND_BITS).checked_sub(1)?;
        Some((index, h.dwUpper ^ salt()))
    }

    /// The value a handle names, if it is live and of this table's kind.
    pub fn get(&self, h: &SecHandle) -> Option<T> {
        let (index, generation) = self.decode(h)?;
        let inner = self.inner.lock();
        let slot = inner.slots.get(index)?;
        if slot.generation != generation {
            return None;
        }
        slot.value.clone()
    }

    /// Removes a value; the handle (and every copy of it) is dead from now on.
    pub fn remove(&self, h: &SecHandle) -> Option<T> {
        let (index, generation) = self.decode(h)?;
        let mut inner = self.inner.lock();
        let slot = inner.slots.get_mut(index)?;
        if slot.generation != generation || slot.value.is_none() {
            return None;
        }
        let value = slot.value.take();
        // Skip the generation that would make dwUpper all ones.
        slot.generation = slot.generation.wrapping_add(1);
        if slot.generation ^ salt() == ULONG_PTR::MAX || slot.generation == 0 {
            slot.generation = slot.generation.wrapping_add(1);
        }
        inner.free.push(index);
        drop(inner);
        value
    }

    /// Live entries (for leak checks in tests).
    pub fn len(&self) -> usize {
        let inner = self.inner.lock();
        inner.slots.len() - inner.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn stale_forged_and_wrong_kind_handles_fail() {
        let creds: HandleTable<Arc<u32>> = HandleTable::new(Kind::Credential);
        let ctxts: HandleTable<Arc<u32>> = HandleTable::new(Kind::Context);
        let h = creds.insert(Arc::new(7));
        assert_eq!(*creds.get(&h).unwrap(), 7);
        assert!(ctxts.get(&h).is_none(), "a credential handle is no context handle");
        assert!(creds.get(&SecHandle { dwLower: 0, dwUpper: 0 }).is_none());
        assert!(creds.get(&SecHandle { dwLower: usize::MAX, dwUpper: usize::MAX }).is_none());
        assert!(creds.get(&SecHandle { dwLower: h.dwLower, dwUpper: h.dwUpper ^ 1 }).is_none());
        assert!(creds.remove(&h).is_some());
        assert!(creds.remove(&h).is_none(), "double free");
        assert!(creds.get(&h).is_none(), "stale");
        let h2 = creds.insert(Arc::new(8));
        assert_eq!(h2.dwLower, h.dwLower, "the slot is reused");
        assert!(creds.get(&h).is_none(), "but the old handle stays dead");
        assert_eq!(*creds.get(&h2).unwrap(), 8);
        assert!(h2.dwLower != 0 && h2.dwLower != usize::MAX);
    }
}
