//! The one handle table behind every `CredHandle` and `CtxtHandle`.
//!
//! A handle is never a pointer. Everything it says lives in `dwLower`: the kind of object (low
//! bits), the slot, and the slot's generation mixed with a per-process secret (high bits).
//! `dwUpper` is written but never read, because secur32 (Windows' and Wine's) keeps its own
//! package reference there when it loads us as a security provider and passes our `dwLower`
//! back with its `dwUpper`. A freed slot's generation moves on, so a stale handle, a double
//! free, a handle of the other kind or a made-up value all fail the lookup and give
//! `SEC_E_INVALID_HANDLE`. 0 and -1 (what `SecInvalidateHandle` and zeroed memory produce) never
//! name anything: the kind field is `01` or `10`, never `00` or `11`.
//!
//! The table is split into shards, each with its own lock on its own cache line; a thread puts
//! its new objects in its own shard (the shard is part of the slot number), so threads working
//! on their own contexts do not contend. A lock is held only to look up, insert or remove;
//! protocol work runs on the object itself (an `Arc`, with its own lock for contexts), so one
//! slow handshake never blocks others.

use std::sync::OnceLock;

use parking_lot::Mutex;

use super::types::{SecHandle, ULONG_PTR};

/// Which table a handle belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Credential = 0b01,
    Context = 0b10,
}

const KIND_BITS: u32 = 2;
const KIND_MASK: ULONG_PTR = (1 << KIND_BITS) - 1;
/// Live handles per table: 2^24 on 64-bit, 2^16 on 32-bit Windows (whose `ULONG_PTR` is 32
/// bits); the rest of `dwLower` holds the generation (38 or 14 bits).
const INDEX_BITS: u32 = if ULONG_PTR::BITS >= 64 { 24 } else { 16 };
const INDEX_MASK: ULONG_PTR = (1 << INDEX_BITS) - 1;
/// Shards per table (the low bits of the slot number).
const SHARD_BITS: u32 = 3;
const SHARDS: usize = 1 << SHARD_BITS;
/// Slots per shard.
const SHARD_SLOTS: usize = 1 << (INDEX_BITS - SHARD_BITS);
const GENERATION_SHIFT: u32 = KIND_BITS + INDEX_BITS;
const GENERATION_MASK: ULONG_PTR = ULONG_PTR::MAX >> GENERATION_SHIFT;
/// What `dwUpper` holds in the handles we write (the package's tag; never checked).
const UPPER_TAG: ULONG_PTR = 0x4E54_4C4D; // "NTLM"

struct Slot<T> {
    generation: ULONG_PTR,
    value: Option<T>,
}

/// A table of values of one type, addressed by generation-checked handles.
pub struct HandleTable<T> {
    kind: Kind,
    shards: [Shard<T>; SHARDS],
}

/// One shard, alone on its cache line(s).
#[repr(align(128))]
struct Shard<T>(Mutex<Inner<T>>);

/// The shard this thread inserts into: threads are dealt shards in turn.
fn my_shard() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
}

/// A per-process value mixed into the generation, so handles cannot be predicted across runs.
fn salt() -> ULONG_PTR {
    static SALT: OnceLock<ULONG_PTR> = OnceLock::new();
    *SALT.get_or_init(|| {
        let mut b = [0u8; core::mem::size_of::<ULONG_PTR>()];
        // Failure leaves zeros: handles still work, they are only predictable.
        let _ = getrandom::fill(&mut b);
        ULONG_PTR::from_ne_bytes(b) & GENERATION_MASK
    })
}

impl<T: Clone> HandleTable<T> {
    pub const fn new(kind: Kind) -> Self {
        const fn shard<T>() -> Shard<T> {
            Shard(Mutex::new(Inner {
                slots: Vec::new(),
                free: Vec::new(),
            }))
        }
        HandleTable {
            kind,
            shards: [
                shard(),
                shard(),
                shard(),
                shard(),
                shard(),
                shard(),
                shard(),
                shard(),
            ],
        }
    }

    /// Stores `value` and returns its new handle; None when the table is full. This thread's
    /// shard is tried first and, when it is full, the others in turn, so every thread can use
    /// the whole table: SHARDS × (SHARD_SLOTS − 1) live entries (65,528 on 32-bit Windows).
    pub fn insert(&self, value: T) -> Option<SecHandle> {
        let first = my_shard();
        let mut value = Some(value);
        (0..SHARDS).find_map(|i| self.insert_in((first + i) % SHARDS, &mut value))
    }

    /// Stores the value (taking it out of `value`) in `shard`, if that shard has room.
    fn insert_in(&self, shard: usize, value: &mut Option<T>) -> Option<SecHandle> {
        let mut inner = self.shards[shard].0.lock();
        let local = match inner.free.pop() {
            Some(i) => i,
            None if inner.slots.len() < SHARD_SLOTS - 1 => {
                // Each slot starts at its own generation, so a handle with its slot bits altered
                // does not match a neighbour that happens to be at the same count of reuses.
                let index = inner.slots.len() * SHARDS + shard;
                let generation = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as ULONG_PTR
                    & GENERATION_MASK;
                inner.slots.push(Slot {
                    generation,
                    value: None,
                });
                inner.slots.len() - 1
            }
            None => return None,
        };
        let slot = &mut inner.slots[local];
        slot.value = value.take();
        Some(self.encode(local * SHARDS + shard, slot.generation))
    }

    /// The shard and the slot within it that a slot number names.
    fn locate(index: usize) -> (usize, usize) {
        (index % SHARDS, index / SHARDS)
    }

    fn encode(&self, index: usize, generation: ULONG_PTR) -> SecHandle {
        let generation = (generation ^ salt()) & GENERATION_MASK;
        SecHandle {
            dwLower: (generation << GENERATION_SHIFT)
                | (index << KIND_BITS)
                | self.kind as ULONG_PTR,
            dwUpper: UPPER_TAG,
        }
    }

    fn decode(&self, h: &SecHandle) -> Option<(usize, ULONG_PTR)> {
        if h.dwLower & KIND_MASK != self.kind as ULONG_PTR {
            return None;
        }
        let index = (h.dwLower >> KIND_BITS) & INDEX_MASK;
        Some((index, (h.dwLower >> GENERATION_SHIFT) ^ salt()))
    }

    /// The value a handle names, if it is live and of this table's kind.
    pub fn get(&self, h: &SecHandle) -> Option<T> {
        self.with(h, T::clone)
    }

    /// Runs `f` on the value a handle names, under the table lock, without taking a reference
    /// to it: for objects many threads share (a server's credential), where cloning an `Arc`
    /// would make every thread write the same reference count.
    pub fn with<R>(&self, h: &SecHandle, f: impl FnOnce(&T) -> R) -> Option<R> {
        let (index, generation) = self.decode(h)?;
        let (shard, local) = Self::locate(index);
        let inner = self.shards[shard].0.lock();
        let slot = inner.slots.get(local)?;
        if slot.generation != generation {
            return None;
        }
        slot.value.as_ref().map(f)
    }

    /// Removes a value; the handle (and every copy of it) is dead from now on.
    pub fn remove(&self, h: &SecHandle) -> Option<T> {
        let (index, generation) = self.decode(h)?;
        let (shard, local) = Self::locate(index);
        let mut inner = self.shards[shard].0.lock();
        let slot = inner.slots.get_mut(local)?;
        if slot.generation != generation || slot.value.is_none() {
            return None;
        }
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1) & GENERATION_MASK;
        inner.free.push(local);
        drop(inner);
        value
    }

    /// Live entries (for leak checks in tests).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let inner = s.0.lock();
                inner.slots.len() - inner.free.len()
            })
            .sum()
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
        let h = creds.insert(Arc::new(7)).unwrap();
        assert_eq!(*creds.get(&h).unwrap(), 7);
        assert!(
            ctxts.get(&h).is_none(),
            "a credential handle is no context handle"
        );
        assert!(creds
            .get(&SecHandle {
                dwLower: 0,
                dwUpper: 0
            })
            .is_none());
        assert!(creds
            .get(&SecHandle {
                dwLower: usize::MAX,
                dwUpper: usize::MAX
            })
            .is_none());
        for bit in KIND_BITS..ULONG_PTR::BITS {
            assert!(
                creds
                    .get(&SecHandle {
                        dwLower: h.dwLower ^ (1 << bit),
                        dwUpper: h.dwUpper
                    })
                    .is_none(),
                "bit {bit}"
            );
        }
        // secur32 overwrites dwUpper with its package reference: the handle still works.
        assert_eq!(
            *creds
                .get(&SecHandle {
                    dwLower: h.dwLower,
                    dwUpper: 0x1234_5678
                })
                .unwrap(),
            7
        );
        assert!(creds.remove(&h).is_some());
        assert!(creds.remove(&h).is_none(), "double free");
        assert!(creds.get(&h).is_none(), "stale");
        let h2 = creds.insert(Arc::new(8)).unwrap();
        assert_eq!(
            h2.dwLower & (INDEX_MASK << KIND_BITS),
            h.dwLower & (INDEX_MASK << KIND_BITS),
            "the slot is reused"
        );
        assert!(creds.get(&h).is_none(), "but the old handle stays dead");
        assert_eq!(*creds.get(&h2).unwrap(), 8);
        assert!(h2.dwLower != 0 && h2.dwLower != usize::MAX);
    }

    /// A thread whose own shard is full gets slots from the other shards: the whole table, not
    /// one eighth of it, is every thread's (65,528 handles on 32-bit Windows, where the full
    /// table is measured by tests/windows/handles.c).
    #[test]
    fn a_full_shard_falls_over_to_the_others() {
        let table: HandleTable<u8> = HandleTable::new(Kind::Credential);
        let shard_of = |h: &SecHandle| ((h.dwLower >> KIND_BITS) & INDEX_MASK) % SHARDS;
        let first = table.insert(0).unwrap();
        let own = shard_of(&first);
        for _ in 1..SHARD_SLOTS - 1 {
            assert_eq!(shard_of(&table.insert(1).unwrap()), own);
        }
        let next = table.insert(2).expect("room in another shard");
        assert_ne!(shard_of(&next), own);
        assert_eq!(table.get(&next), Some(2));
        assert_eq!(table.len(), SHARD_SLOTS);
        // A slot freed in the thread's own shard is used again first.
        assert_eq!(table.remove(&first), Some(0));
        assert_eq!(shard_of(&table.insert(3).unwrap()), own);
    }
}
