//! glibc's heaps, for a process about to build a model of many megabytes (`check` of a
//! runbook of tens of thousands of steps): what the tunables `glibc.malloc.top_pad` and
//! `glibc.malloc.hugetlb=1` do, which only the environment of a process can set, done
//! from inside it.
//!
//! - [`tune`], first thing in `main`: every heap grows by [`TOP_PAD`] at a time. The main
//!   heap asks `brk` for 64 MiB where it asked for 132 KiB, and a thread's heap (its own
//!   64 MiB mapping, made writable piece by piece) is made writable whole at its birth:
//!   on the 40,000-step file a parse worker made 3,675 `mprotect` calls, each a change to
//!   the process's mappings, and this alone took that file's `check` from 251 to 227 ms
//!   (medians). Nothing is touched before it is used: the process's memory is what it
//!   was, and its address space grows only by the main heap's pad (a thread's heap was
//!   reserved whole already). The one cost: where the kernel counts writable memory
//!   strictly (`vm.overcommit_memory = 2`) each thread heap is counted at 64 MiB from
//!   its birth; `run` starts one thread besides its main one, `check` a few.
//! - [`expect_large`], once a large file is read: from then on each heap's memory is
//!   advised for transparent huge pages, the main heap as it grows, a thread's heap at
//!   the first small block it gives. Small blocks are most of a large model (about
//!   720,000 of them): with both, the 40,000-step file's page faults go from 20,300 to
//!   3,900 and its `check` from 244 to 180 ms, for 161 MB of memory against 128.
//!
//! Two facts of glibc's allocator are relied on, and a wrong one costs memory, never
//! contents (MADV_HUGEPAGE only changes how pages are backed): the main heap lies below
//! the program break, and a thread's heap is the 64 MiB-aligned mapping that holds its
//! small blocks (`heap_for_ptr` in glibc's `arena.c`). Elsewhere than 64-bit glibc Linux
//! both functions do nothing. Runs inside the global allocator: must not allocate, lock
//! or unwind.

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
pub use glibc::{after_alloc, expect_large, tune};

/// Elsewhere: nothing to tune, nothing to advise.
#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
mod other {
    pub fn tune() {}
    pub fn expect_large() {}
    #[inline]
    pub fn after_alloc(_block: *mut u8, _size: usize) {}
}
#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
pub use other::{after_alloc, expect_large, tune};

/// How much more than asked each heap grows by (`mallopt` takes a C `int`).
pub const TOP_PAD: i32 = 64 << 20;

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
mod glibc {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// glibc's `HEAP_MAX_SIZE` on 64-bit: a thread's heap is a mapping this large,
    /// aligned to its size.
    const HEAP_MAX: usize = 64 << 20;
    /// Blocks up to this size come from a heap: far below the smallest threshold from
    /// which glibc maps a block on its own (128 KiB).
    const SMALL: usize = 1024;
    const PAGE: usize = 4096;

    /// The program break when [`tune`] ran: where advice of the main heap starts.
    static BREAK_AT_START: AtomicUsize = AtomicUsize::new(0);
    /// How far the main heap is advised; 0 while advice is off.
    static ADVISED_TO: AtomicUsize = AtomicUsize::new(0);

    thread_local! {
        /// The thread heap this thread last advised (its blocks come from one heap until
        /// that is full).
        static ADVISED_HEAP: Cell<usize> = const { Cell::new(0) };
    }

    /// Makes every heap grow by [`TOP_PAD`](super::TOP_PAD); remembers where the main
    /// heap ends now. Called before any thread is started.
    pub fn tune() {
        #[expect(unsafe_code, reason = "mallopt(3) has no wrapper in std")]
        // SAFETY: mallopt only changes how much glibc asks the kernel for.
        unsafe {
            libc::mallopt(libc::M_TOP_PAD, super::TOP_PAD);
        }
        BREAK_AT_START.store(program_break(), Ordering::Relaxed);
    }

    /// Turns the advice of heaps on, from the main heap's end at [`tune`] on.
    pub fn expect_large() {
        let start = BREAK_AT_START.load(Ordering::Relaxed);
        // Before `tune`, or in a process that never called it (a test binary): off.
        if start == 0 {
            return;
        }
        let start = start.next_multiple_of(PAGE);
        // Only the first call turns it on; the main heap's growth so far is advised now.
        if ADVISED_TO
            .compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            advise_main_heap(start, program_break() & !(PAGE - 1));
        }
    }

    /// After each block is given out: advises the heap it came from, if that is new.
    #[inline]
    pub fn after_alloc(block: *mut u8, size: usize) {
        let advised = ADVISED_TO.load(Ordering::Relaxed);
        if advised == 0 || block.is_null() {
            return;
        }
        let last = ADVISED_HEAP.try_with(Cell::get).unwrap_or(0);
        match decide(block as usize, size, advised, last, program_break) {
            Advice::Nothing => {}
            Advice::MainHeap { from, to } => advise_main_heap(from, to),
            Advice::ThreadHeap(heap) => {
                let _ = ADVISED_HEAP.try_with(|h| h.set(heap));
                advise(heap, heap + HEAP_MAX);
            }
        }
    }

    /// What to advise after a block at `at` of `size` bytes, the main heap being advised
    /// up to `advised` and this thread's heap at `last` advised already. `brk` is asked
    /// only off the fast paths: most blocks cost two loads (`advised`, `last`) and three
    /// compares.
    pub(super) fn decide(
        at: usize,
        size: usize,
        advised: usize,
        last: usize,
        brk: impl FnOnce() -> usize,
    ) -> Advice {
        if size > SMALL || at < advised {
            return Advice::Nothing;
        }
        let heap = at & !(HEAP_MAX - 1);
        if heap == last {
            return Advice::Nothing;
        }
        let brk = brk();
        if at >= brk {
            return Advice::ThreadHeap(heap);
        }
        let to = brk & !(PAGE - 1);
        if to > advised {
            Advice::MainHeap { from: advised, to }
        } else {
            Advice::Nothing
        }
    }

    #[derive(Debug, PartialEq, Eq)]
    pub(super) enum Advice {
        Nothing,
        /// The main heap's growth since it was last advised.
        MainHeap {
            from: usize,
            to: usize,
        },
        /// A thread's heap, at its start.
        ThreadHeap(usize),
    }

    /// Advises the main heap from `from` (advised up to there) to `to`. One thread
    /// advises each growth; another that saw it too does nothing.
    fn advise_main_heap(from: usize, to: usize) {
        if to > from
            && ADVISED_TO
                .compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            advise(from, to);
        }
    }

    fn program_break() -> usize {
        #[expect(unsafe_code, reason = "sbrk(2) has no wrapper in std")]
        // SAFETY: sbrk(0) reads glibc's record of the break; it changes nothing.
        unsafe {
            libc::sbrk(0) as usize
        }
    }

    fn advise(start: usize, end: usize) {
        #[expect(unsafe_code, reason = "madvise(2) has no wrapper in std")]
        // SAFETY: MADV_HUGEPAGE changes how pages are backed, never what they hold; a
        // range with unmapped parts is refused for those parts only.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(all(
    test,
    target_os = "linux",
    target_env = "gnu",
    target_pointer_width = "64"
))]
mod tests {
    use super::glibc::{Advice, after_alloc, decide, expect_large, tune};

    const MIB: usize = 1 << 20;

    /// Every kind of block against every state: the main heap advised to 100 MiB with the
    /// break at 164 MiB (and 3 bytes), this thread's heap last advised at 64 GiB.
    #[test]
    fn each_block_advises_its_heap_once() {
        let (advised, brk, last) = (100 * MIB, 164 * MIB + 3, 64 << 30);
        let thread_heap = (64 << 30) + (64 * MIB);
        let cases = [
            // Large blocks are advised by size (`advise` in `alloc`), never here.
            (150 * MIB, 4096, Advice::Nothing),
            (0, 16, Advice::Nothing),
            // In the part of the main heap advised already.
            (advised - 16, 16, Advice::Nothing),
            // In its growth since: up to the break's page.
            (
                150 * MIB,
                16,
                Advice::MainHeap {
                    from: advised,
                    to: 164 * MIB,
                },
            ),
            // In the heap this thread advised last, anywhere in it.
            (last + 12345, 16, Advice::Nothing),
            (last + 64 * MIB - 16, 1024, Advice::Nothing),
            // In another thread heap: that heap, from its 64 MiB-aligned start.
            (thread_heap + 999, 1024, Advice::ThreadHeap(thread_heap)),
        ];
        for (at, size, expected) in cases {
            assert_eq!(
                decide(at, size, advised, last, || brk),
                expected,
                "block at {at:#x}, {size} bytes"
            );
        }
        // The break is read only off the fast paths.
        let asked = std::cell::Cell::new(0);
        let brk_counted = || {
            asked.set(asked.get() + 1);
            brk
        };
        decide(advised - 16, 16, advised, last, brk_counted);
        decide(last + 1, 16, advised, last, brk_counted);
        assert_eq!(asked.get(), 0);
    }

    /// Through the kernel: the mapping that holds a thread's small block is marked for
    /// huge pages (`hg` in its smaps flags) once large heaps are expected.
    #[test]
    #[expect(clippy::print_stderr, reason = "a test that cannot run says why")]
    fn a_thread_heap_is_marked_for_huge_pages() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if !thp.is_ok_and(|t| !t.contains("[never]")) {
            eprintln!("notice: skipped: transparent huge pages are off on this machine");
            return;
        }
        tune();
        expect_large();
        let flags = std::thread::spawn(|| {
            let block = Box::new([7u8; 48]);
            let at = std::ptr::from_ref(&*block) as usize;
            after_alloc(at as *mut u8, 48);
            vm_flags(at)
        })
        .join()
        .expect("the thread does not panic");
        assert!(flags.split_whitespace().any(|f| f == "hg"), "{flags}");
    }

    /// The `VmFlags` line of the mapping of this process that contains `at`.
    fn vm_flags(at: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((start, end)) = range.split_once('-')
                && let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                )
            {
                inside = (start..end).contains(&at);
            } else if inside && let Some(flags) = line.strip_prefix("VmFlags:") {
                return flags.to_string();
            }
        }
        panic!("no mapping holds {at:#x}");
    }
}
