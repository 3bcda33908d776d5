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
//! on their own contexts do not contend. A lock is held only to insert or remove. A lookup takes
//! no lock and writes nothing that other threads read or write: the slots live in chunks that
//! are never moved or freed while the table lives, each slot an [`ArcSwapOption`] whose loads
//! are counted in the loading thread's own records, not in the object's reference count. So
//! many threads using one object (a server's credential) do not bounce a cache line between
//! their cores, and a message call on a context costs no atomic operation but its own lock.
//! Protocol work runs on the object itself (with its own lock for contexts), so one slow
//! handshake never blocks others.

use core::ops::Deref;
use core::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};

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
pub(super) const SHARDS: usize = 1 << SHARD_BITS;
/// Slots per shard.
const SHARD_SLOTS: usize = 1 << (INDEX_BITS - SHARD_BITS);
const GENERATION_SHIFT: u32 = KIND_BITS + INDEX_BITS;
const GENERATION_MASK: ULONG_PTR = ULONG_PTR::MAX >> GENERATION_SHIFT;
/// What `dwUpper` holds in the handles we write (the package's tag; never checked).
const UPPER_TAG: ULONG_PTR = 0x4E54_4C4D; // "NTLM"

/// Slots in the first chunk of a shard; each further chunk holds twice the one before.
const FIRST_CHUNK_BITS: u32 = 4;
const FIRST_CHUNK: usize = 1 << FIRST_CHUNK_BITS;
/// Chunks per shard: enough for SHARD_SLOTS.
const CHUNKS: usize = (INDEX_BITS - SHARD_BITS - FIRST_CHUNK_BITS + 1) as usize;

/// A table of slots of type `S`, addressed by generation-checked handles. Two kinds of slot
/// give its two forms: [`SharedTable`] for objects threads share (credentials) and
/// [`LockedTable`] for objects one call at a time works on (contexts).
pub struct HandleTable<S> {
    kind: Kind,
    shards: [Shard<S>; SHARDS],
}

/// One shard, alone on its cache line(s): the lock that inserts and removes take, and the
/// chunks of slots, published once allocated and freed only with the table.
#[repr(align(128))]
struct Shard<S> {
    lock: Mutex<Inner>,
    chunks: [AtomicPtr<S>; CHUNKS],
}

/// The shard this thread inserts into: threads are dealt shards in turn. Also which of an
/// object's per-thread-group copies this thread uses ([`super::objects::Copies`]).
pub(super) fn my_shard() -> usize {
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

/// A shard's bookkeeping, under its lock: each slot's current generation (the slots in use so
/// far) and the free ones.
struct Inner {
    generations: Vec<ULONG_PTR>,
    free: Vec<usize>,
}

impl Inner {
    /// Frees slot `local` if it is at `generation`: its generation moves on.
    fn release(&mut self, local: usize, generation: ULONG_PTR) -> bool {
        if self.generations.get(local) != Some(&generation) {
            return false;
        }
        self.generations[local] = generation.wrapping_add(1) & GENERATION_MASK;
        self.free.push(local);
        true
    }
}

/// The chunk that holds a shard's slot `local`, and the slot's place in it.
#[inline]
fn chunk_of(local: usize) -> (usize, usize) {
    let q = (local >> FIRST_CHUNK_BITS) + 1;
    let chunk = (usize::BITS - 1 - q.leading_zeros()) as usize;
    (chunk, local - FIRST_CHUNK * ((1 << chunk) - 1))
}

/// Slots in chunk `chunk`.
fn chunk_len(chunk: usize) -> usize {
    FIRST_CHUNK << chunk
}

impl<S: Default> Shard<S> {
    const fn new() -> Self {
        Shard {
            lock: Mutex::new(Inner {
                generations: Vec::new(),
                free: Vec::new(),
            }),
            chunks: [const { AtomicPtr::new(core::ptr::null_mut()) }; CHUNKS],
        }
    }

    /// Slot `local`, if its chunk exists.
    #[inline]
    fn slot(&self, local: usize) -> Option<&S> {
        if local >= SHARD_SLOTS {
            return None;
        }
        let (chunk, offset) = chunk_of(local);
        let p = self.chunks[chunk].load(Ordering::Acquire);
        // SAFETY: a published chunk holds `chunk_len(chunk)` initialised slots (offset is
        // below that) and is freed only when the table is dropped, which `&self` rules out.
        (!p.is_null()).then(|| unsafe { &*p.add(offset) })
    }

    /// Makes sure slot `local` exists (under the shard's lock, which `_inner` proves).
    fn grow_to(&self, local: usize, _inner: &mut Inner) {
        let (chunk, _) = chunk_of(local);
        if self.chunks[chunk].load(Ordering::Relaxed).is_null() {
            let slots: Box<[S]> = (0..chunk_len(chunk)).map(|_| S::default()).collect();
            let p = Box::into_raw(slots) as *mut S;
            self.chunks[chunk].store(p, Ordering::Release);
        }
    }
}

impl<S> Drop for Shard<S> {
    fn drop(&mut self) {
        for (chunk, p) in self.chunks.iter_mut().enumerate() {
            let p = *p.get_mut();
            if !p.is_null() {
                // SAFETY: made by `grow_to` from a boxed slice of this length; no lookup can
                // be running (`&mut self`).
                drop(unsafe {
                    Box::from_raw(core::ptr::slice_from_raw_parts_mut(p, chunk_len(chunk)))
                });
            }
        }
    }
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

impl<S: Default> HandleTable<S> {
    pub const fn new(kind: Kind) -> Self {
        HandleTable {
            kind,
            shards: [const { Shard::new() }; SHARDS],
        }
    }

    /// Takes a free slot, has `put` fill it (under its shard's lock) and returns its handle;
    /// None when the table is full. This thread's shard is tried first and, when it is full,
    /// the others in turn, so every thread can use the whole table: SHARDS × (SHARD_SLOTS − 1)
    /// live entries (65,528 on 32-bit Windows).
    fn insert_with(&self, put: impl FnOnce(&S, ULONG_PTR)) -> Option<SecHandle> {
        let first = my_shard();
        let mut put = Some(put);
        (0..SHARDS).find_map(|i| self.insert_in((first + i) % SHARDS, &mut put))
    }

    /// [`Self::insert_with`] in `shard`, if that shard has room.
    fn insert_in(
        &self,
        shard: usize,
        put: &mut Option<impl FnOnce(&S, ULONG_PTR)>,
    ) -> Option<SecHandle> {
        let sh = &self.shards[shard];
        let mut inner = sh.lock.lock();
        let local = match inner.free.pop() {
            Some(i) => i,
            None if inner.generations.len() < SHARD_SLOTS - 1 => {
                // Each slot starts at its own generation, so a handle with its slot bits altered
                // does not match a neighbour that happens to be at the same count of reuses.
                let local = inner.generations.len();
                let index = local * SHARDS + shard;
                let generation = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as ULONG_PTR
                    & GENERATION_MASK;
                sh.grow_to(local, &mut inner);
                inner.generations.push(generation);
                local
            }
            None => return None,
        };
        let generation = inner.generations[local];
        (put.take()?)(sh.slot(local)?, generation);
        Some(self.encode(local * SHARDS + shard, generation))
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

    /// The shard, slot number in it and generation a handle names, if it is of this kind.
    #[inline]
    fn decode(&self, h: &SecHandle) -> Option<(usize, usize, ULONG_PTR)> {
        if h.dwLower & KIND_MASK != self.kind as ULONG_PTR {
            return None;
        }
        let (shard, local) = Self::locate((h.dwLower >> KIND_BITS) & INDEX_MASK);
        Some((shard, local, (h.dwLower >> GENERATION_SHIFT) ^ salt()))
    }

    /// The slot a handle names and the generation it names, if it is of this table's kind.
    #[inline]
    fn slot(&self, h: &SecHandle) -> Option<(&S, ULONG_PTR)> {
        let (shard, local, generation) = self.decode(h)?;
        Some((self.shards[shard].slot(local)?, generation))
    }

    /// Live entries (for leak checks in tests).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let inner = s.lock.lock();
                inner.generations.len() - inner.free.len()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a [`SharedTable`] slot holds: the value and the generation it was stored under, which
/// a handle must name to reach it.
pub struct Entry<T> {
    generation: ULONG_PTR,
    value: T,
}

impl<T> Deref for Entry<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A table of objects many threads use at once (credentials). A lookup takes no lock and
/// writes nothing other threads read or write: each slot is an [`ArcSwapOption`], whose loads
/// are recorded in the loading thread's own records rather than in the object's reference
/// count. (Inserting and removing cost more than a lock would; credentials are few.)
pub type SharedTable<T> = HandleTable<ArcSwapOption<Entry<T>>>;

impl<T> SharedTable<T> {
    /// Stores `value` and returns its new handle; None when the table is full.
    pub fn insert(&self, value: T) -> Option<SecHandle> {
        self.insert_with(|slot, generation| slot.store(Some(Arc::new(Entry { generation, value }))))
    }

    /// The entry a handle names, if it is live and of this table's kind: a reference of the
    /// caller's own, for objects used across calls.
    pub fn get(&self, h: &SecHandle) -> Option<Arc<Entry<T>>> {
        let (slot, generation) = self.slot(h)?;
        slot.load_full().filter(|e| e.generation == generation)
    }

    /// Runs `f` on the value a handle names without taking a reference to it (nothing shared
    /// is written). The value stays alive until `f` returns even if another thread removes it
    /// meanwhile.
    #[inline]
    pub fn with<R>(&self, h: &SecHandle, f: impl FnOnce(&T) -> R) -> Option<R> {
        let (slot, generation) = self.slot(h)?;
        let guard = slot.load();
        match &*guard {
            Some(e) if e.generation == generation => Some(f(&e.value)),
            _ => None,
        }
    }

    /// Removes a value; the handle (and every copy of it) is dead from now on. Calls already
    /// running on it finish on their own reference.
    pub fn remove(&self, h: &SecHandle) -> Option<Arc<Entry<T>>> {
        let (shard, local, generation) = self.decode(h)?;
        let sh = &self.shards[shard];
        let mut inner = sh.lock.lock();
        if inner.generations.get(local) != Some(&generation) {
            return None;
        }
        let value = sh.slot(local)?.swap(None)?;
        inner.release(local, generation);
        drop(inner);
        Some(value)
    }
}

/// What a [`LockedTable`] slot holds, under the slot's lock.
pub struct Held<T> {
    generation: ULONG_PTR,
    value: Option<Box<T>>,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held {
            generation: 0,
            value: None,
        }
    }
}

/// A table of objects that one call at a time works on (contexts): each slot has its own
/// lock, which is the object's lock. A lookup is that lock and nothing else, so a message
/// call on a context costs one lock and writes only the context's own cache lines; a call
/// holds it while it works, and removing waits for the call to finish.
pub type LockedTable<T> = HandleTable<Mutex<Held<T>>>;

/// A locked object of a [`LockedTable`].
pub type Locked<'a, T> = MappedMutexGuard<'a, T>;

impl<T> LockedTable<T> {
    /// Stores `value` and returns its new handle; None when the table is full.
    pub fn insert(&self, value: T) -> Option<SecHandle> {
        let value = Box::new(value);
        self.insert_with(|slot, generation| {
            *slot.lock() = Held {
                generation,
                value: Some(value),
            }
        })
    }

    /// The object a handle names, locked, if it is live and of this table's kind.
    #[inline]
    pub fn lock(&self, h: &SecHandle) -> Option<Locked<'_, T>> {
        let (slot, generation) = self.slot(h)?;
        MutexGuard::try_map(slot.lock(), |held| {
            if held.generation == generation {
                held.value.as_deref_mut()
            } else {
                None
            }
        })
        .ok()
    }

    /// Removes an object (after any call running on it); the handle (and every copy of it) is
    /// dead from now on.
    pub fn remove(&self, h: &SecHandle) -> Option<Box<T>> {
        let (shard, local, generation) = self.decode(h)?;
        let sh = &self.shards[shard];
        let value = {
            let mut held = sh.slot(local)?.lock();
            if held.generation != generation {
                return None;
            }
            held.generation = generation.wrapping_add(1) & GENERATION_MASK;
            held.value.take()?
        };
        // The slot's own generation has moved on, so no other removal gets here for it.
        sh.lock.lock().release(local, generation);
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_forged_and_wrong_kind_handles_fail() {
        let creds: SharedTable<u32> = SharedTable::new(Kind::Credential);
        let ctxts: SharedTable<u32> = SharedTable::new(Kind::Context);
        let h = creds.insert(7).unwrap();
        assert_eq!(**creds.get(&h).unwrap(), 7);
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
            **creds
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
        let h2 = creds.insert(8).unwrap();
        assert_eq!(
            h2.dwLower & (INDEX_MASK << KIND_BITS),
            h.dwLower & (INDEX_MASK << KIND_BITS),
            "the slot is reused"
        );
        assert!(creds.get(&h).is_none(), "but the old handle stays dead");
        assert_eq!(**creds.get(&h2).unwrap(), 8);
        assert!(h2.dwLower != 0 && h2.dwLower != usize::MAX);
    }

    /// A thread whose own shard is full gets slots from the other shards: the whole table, not
    /// one eighth of it, is every thread's (65,528 handles on 32-bit Windows, where the full
    /// table is measured by tests/windows/handles.c).
    #[test]
    fn a_full_shard_falls_over_to_the_others() {
        let table: LockedTable<u8> = LockedTable::new(Kind::Credential);
        let shard_of = |h: &SecHandle| ((h.dwLower >> KIND_BITS) & INDEX_MASK) % SHARDS;
        let first = table.insert(0).unwrap();
        let own = shard_of(&first);
        for _ in 1..SHARD_SLOTS - 1 {
            assert_eq!(shard_of(&table.insert(1).unwrap()), own);
        }
        let next = table.insert(2).expect("room in another shard");
        assert_ne!(shard_of(&next), own);
        assert_eq!(table.lock(&next).map(|v| *v), Some(2));
        assert_eq!(table.len(), SHARD_SLOTS);
        // A slot freed in the thread's own shard is used again first.
        assert_eq!(table.remove(&first).map(|v| *v), Some(0));
        assert_eq!(shard_of(&table.insert(3).unwrap()), own);
    }

    /// Threads looking up one handle while another removes it and reuses its slot: a lookup
    /// sees the value stored under that handle or nothing, never the slot's next value, and
    /// a value stays whole while a lookup runs on it. In both forms of the table.
    fn race(
        insert: impl Fn(u64) -> SecHandle,
        lookup: impl Fn(&SecHandle) -> Option<(u64, [u64; 4])> + Sync,
        remove: impl Fn(&SecHandle) -> Option<u64>,
    ) {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        let current = Mutex::new((insert(0), 0));
        let stop = AtomicBool::new(false);
        let seen = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        let (h, id) = *current.lock();
                        for _ in 0..100 {
                            let Some((v, fill)) = lookup(&h) else { break };
                            assert_eq!(v, id, "a stale handle reached a new value");
                            assert_eq!(fill, [v; 4]);
                            seen.fetch_add(1, Ordering::Relaxed);
                        }
                        // Unfair locks: let the remover in.
                        std::thread::yield_now();
                    }
                });
            }
            for id in 1..5_000u64 {
                if id % 64 == 0 {
                    // Now and then, wait for the readers to be at work on a live handle.
                    let before = seen.load(Ordering::Relaxed);
                    while seen.load(Ordering::Relaxed) < before + 10 {
                        std::thread::yield_now();
                    }
                }
                let (old, old_id) = *current.lock();
                assert_eq!(remove(&old), Some(old_id));
                assert_eq!(remove(&old), None, "double free");
                *current.lock() = (insert(id), id);
            }
            stop.store(true, Ordering::Relaxed);
        });
    }

    #[test]
    fn shared_lookups_race_removal_and_reuse() {
        let table: SharedTable<(u64, [u64; 4])> = SharedTable::new(Kind::Credential);
        race(
            |id| table.insert((id, [id; 4])).unwrap(),
            |h| {
                assert!(table.get(h).is_none_or(|e| e.0 == e.1[0]));
                table.with(h, |&v| v)
            },
            |h| table.remove(h).map(|e| e.0),
        );
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn locked_lookups_race_removal_and_reuse() {
        let table: LockedTable<(u64, [u64; 4])> = LockedTable::new(Kind::Context);
        race(
            |id| table.insert((id, [id; 4])).unwrap(),
            |h| table.lock(h).map(|v| *v),
            |h| table.remove(h).map(|e| e.0),
        );
        assert_eq!(table.len(), 1);
    }
}
