//! Keeps a hash thread's large working buffer between back-to-back hashes.
//!
//! Better Auth's scrypt (N=16384, r=16) allocates and frees 32 MiB inside the `scrypt` crate on
//! every verification. The server's allocator hands freed memory back to the system at once (to
//! keep its resident set small), so each next hash faulted in 8,192 fresh pages: a quarter of its
//! time (16.5 against 21 hashes/s on two cores). A longer purge delay in the allocator fixed the
//! rate but let a third buffer become resident beside the two in use (123 MB peak) and kept them
//! after the load ended.
//!
//! [`KeepHashMemory`] wraps the global allocator instead. On a thread that asked for it (the hash
//! threads, see `password.rs`), one freed block of at least [`KEEP_AT_LEAST`] bytes is kept in a
//! thread-local slot and handed back by the next allocation of the same layout (zeroed when the
//! caller asks for zeroed memory, as `vec![0; n]` does). A hash thread releases the block when it
//! has had no job for a moment (`KEEP_WORKING_MEMORY_FOR` in `password.rs`), so an idle server
//! holds none, and at most one block per hash thread is ever kept. Every other thread and every smaller allocation goes straight through.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ptr::NonNull;

/// Blocks smaller than this are never kept: only hash working memory is this large.
pub const KEEP_AT_LEAST: usize = 1 << 20;

thread_local! {
    /// Whether this thread keeps its large freed block (set on hash threads only).
    static KEEPING: Cell<bool> = const { Cell::new(false) };
    /// The block kept on this thread, with the layout it was allocated with.
    static KEPT: Cell<Option<(NonNull<u8>, Layout)>> = const { Cell::new(None) };
}

/// A global allocator that keeps one large freed block per keeping thread (see the module).
pub struct KeepHashMemory<A>(pub A);

impl<A> KeepHashMemory<A> {
    /// The kept block, when this allocation may take it: taken out of the slot.
    fn take_for(layout: Layout) -> Option<NonNull<u8>> {
        if layout.size() < KEEP_AT_LEAST || !KEEPING.get() {
            return None;
        }
        match KEPT.get() {
            Some((ptr, kept)) if kept == layout => {
                KEPT.set(None);
                Some(ptr)
            }
            _ => None,
        }
    }
}

// SAFETY: every block handed out was allocated by `A` with the same layout it is handed out
// for (a kept block is only reused for an identical layout); every block is given back to `A`
// exactly once, by `dealloc` or by `release_kept` (through the global allocator, with keeping
// off), and a kept block is owned by the slot alone until then.
unsafe impl<A: GlobalAlloc> GlobalAlloc for KeepHashMemory<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(ptr) = Self::take_for(layout) {
            return ptr.as_ptr();
        }
        // SAFETY: forwarded with the caller's (valid, non-zero-size) layout.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if let Some(ptr) = Self::take_for(layout) {
            // SAFETY: the kept block is `layout.size()` bytes, owned by nobody else now.
            unsafe { std::ptr::write_bytes(ptr.as_ptr(), 0, layout.size()) };
            return ptr.as_ptr();
        }
        // SAFETY: as in `alloc`.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A live block never sits in the slot, so the inner allocator resizes it as it would
        // (in place when it can; the trait's default would always copy).
        // SAFETY: forwarded as given: `ptr` came from `A` (directly or through the slot) with
        // `layout`, and the caller upholds `new_size`'s requirements.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= KEEP_AT_LEAST
            && KEEPING.get()
            && let Some(block) = NonNull::new(ptr)
        {
            // The block in the slot, if any, makes room for the newer one.
            if let Some((old, old_layout)) = KEPT.replace(Some((block, layout))) {
                // SAFETY: the old block came from `A` with `old_layout` and is owned by the
                // slot alone.
                unsafe { self.0.dealloc(old.as_ptr(), old_layout) };
            }
            return;
        }
        // SAFETY: forwarded as given: `ptr` came from this allocator with `layout`.
        unsafe { self.0.dealloc(ptr, layout) }
    }
}

/// Marks the calling thread as one that keeps its large freed block (a hash thread).
pub fn keep_on_this_thread() {
    KEEPING.set(true);
}

/// Gives the calling thread's kept block, if any, back to the allocator.
pub fn release_kept() {
    if let Some((ptr, layout)) = KEPT.take() {
        let keeping = KEEPING.replace(false);
        // SAFETY: the block was allocated by the global allocator (the only allocator whose
        // `dealloc` fills the slot) with `layout`, and the slot owned it alone. With keeping
        // off, the global allocator frees it instead of keeping it again.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        KEEPING.set(keeping);
    }
}

/// The address of the block kept on this thread (for tests).
#[cfg(test)]
fn kept_address() -> Option<usize> {
    KEPT.get().map(|(ptr, _)| ptr.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use std::alloc::System;

    use super::*;

    // These tests call a `KeepHashMemory<System>` directly; the test binary's global allocator
    // is `System` too, so `release_kept` frees with the same allocator. Each runs on a thread of
    // its own, so the thread-local slot starts empty.

    #[test]
    fn a_keeping_thread_reuses_its_freed_block_zeroed_and_releases_it() {
        std::thread::spawn(|| {
            let alloc = KeepHashMemory(System);
            let layout = Layout::from_size_align(2 * KEEP_AT_LEAST, 8).unwrap();
            keep_on_this_thread();
            // SAFETY: non-zero layout; every block is freed below with its layout.
            unsafe {
                let first = alloc.alloc_zeroed(layout);
                assert!(!first.is_null());
                first.write_bytes(0xAB, layout.size());
                alloc.dealloc(first, layout);
                assert_eq!(kept_address(), Some(first as usize), "kept, not freed");

                let second = alloc.alloc_zeroed(layout);
                assert_eq!(second, first, "the kept block is handed back");
                assert_eq!(kept_address(), None);
                let bytes = std::slice::from_raw_parts(second, layout.size());
                assert!(bytes.iter().all(|b| *b == 0), "zeroed on reuse");

                // A different layout never takes the kept block.
                alloc.dealloc(second, layout);
                let other = Layout::from_size_align(3 * KEEP_AT_LEAST, 8).unwrap();
                let third = alloc.alloc(other);
                assert_ne!(third, second);
                assert_eq!(kept_address(), Some(second as usize));
                // Freeing it replaces the kept block (the older one is freed).
                alloc.dealloc(third, other);
                assert_eq!(kept_address(), Some(third as usize));
            }
            release_kept();
            assert_eq!(kept_address(), None, "released when idle");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn other_threads_and_small_blocks_are_never_kept() {
        std::thread::spawn(|| {
            let alloc = KeepHashMemory(System);
            let large = Layout::from_size_align(2 * KEEP_AT_LEAST, 8).unwrap();
            let small = Layout::from_size_align(KEEP_AT_LEAST - 1, 8).unwrap();
            // SAFETY: non-zero layouts, each freed once with its layout.
            unsafe {
                // Not a keeping thread: a large block goes straight back.
                let p = alloc.alloc(large);
                alloc.dealloc(p, large);
                assert_eq!(kept_address(), None);
                keep_on_this_thread();
                let q = alloc.alloc(small);
                alloc.dealloc(q, small);
                assert_eq!(kept_address(), None);
            }
        })
        .join()
        .unwrap();
    }
}
