//! The process allocator: the system allocator with huge pages advised. `check` on a large
//! file fills a few big blocks page by page (the file's text, its steps, the model's
//! steps) and hundreds of thousands of small ones, and on this project's 2-core VM the
//! kernel's cost per page fault was about a third of that command's time; a 2 MiB huge
//! page faults once where 512 small pages fault 512 times. Large blocks are advised here
//! (madvise MADV_HUGEPAGE), the heaps that hold the small ones in `heaps`. Where THP is
//! off or unsupported the advice fails and nothing changes. Owns nothing but that advice:
//! every block is the system allocator's, freed by it.

mod heaps;

pub use heaps::{expect_large, tune};

use std::alloc::{GlobalAlloc, Layout, System};

/// From this size a block is advised: a huge page is 2 MiB, and a smaller block holds
/// no whole one.
const HUGE: usize = 2 << 20;

/// [`System`], with huge pages advised for blocks of [`HUGE`] bytes or more.
pub struct HugeBlocks;

// SAFETY: every call forwards to `System` with the caller's own arguments, and what it
// adds (madvise on the block just returned, or on the heap that holds it) changes no
// contents.
#[expect(unsafe_code, reason = "a global allocator is an unsafe trait")]
unsafe impl GlobalAlloc for HugeBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let block = unsafe { System.alloc(layout) };
        advise(block, layout.size());
        heaps::after_alloc(block, layout.size());
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let block = unsafe { System.alloc_zeroed(layout) };
        advise(block, layout.size());
        heaps::after_alloc(block, layout.size());
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` (every block here does), with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller's contract for `realloc` is passed on.
        let block = unsafe { System.realloc(ptr, layout, new_size) };
        // Advised again even when it was large before: the block may have moved.
        advise(block, new_size);
        heaps::after_alloc(block, new_size);
        block
    }
}

/// Advises huge pages for the whole pages inside `block` (`size` bytes), if it is large.
fn advise(block: *mut u8, size: usize) {
    if size < HUGE || block.is_null() {
        return;
    }
    let page = 4096;
    let start = (block as usize).next_multiple_of(page);
    let end = (block as usize + size) & !(page - 1);
    if end > start {
        #[expect(unsafe_code, reason = "madvise(2) has no wrapper in std")]
        // SAFETY: the range lies inside a block we were just given; MADV_HUGEPAGE only
        // changes how its pages are backed, never what they hold.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Large and small blocks keep what is written to them through a grow and a shrink
    /// (the global allocator of the test binary is the system's: this calls ours).
    #[test]
    #[expect(unsafe_code, reason = "calls the allocator directly")]
    fn blocks_keep_their_contents_across_sizes() {
        use std::alloc::{GlobalAlloc, Layout};
        let ours = super::HugeBlocks;
        for size in [64, super::HUGE - 1, super::HUGE, 3 * super::HUGE + 17] {
            let layout = Layout::from_size_align(size, 16).unwrap();
            // SAFETY: a non-zero layout; each block is written within its size and freed
            // once with the layout it has.
            unsafe {
                let block = ours.alloc(layout);
                assert!(!block.is_null());
                block.write_bytes(0xA5, size);
                let grown = ours.realloc(block, layout, size * 2);
                assert!(!grown.is_null());
                assert!((0..size).step_by(4093).all(|i| *grown.add(i) == 0xA5));
                let layout2 = Layout::from_size_align(size * 2, 16).unwrap();
                let shrunk = ours.realloc(grown, layout2, size / 2 + 1);
                assert!((0..=size / 2).step_by(4093).all(|i| *shrunk.add(i) == 0xA5));
                ours.dealloc(shrunk, Layout::from_size_align(size / 2 + 1, 16).unwrap());
                let zeroed = ours.alloc_zeroed(layout);
                assert!((0..size).step_by(4093).all(|i| *zeroed.add(i) == 0));
                ours.dealloc(zeroed, layout);
            }
        }
    }
}
