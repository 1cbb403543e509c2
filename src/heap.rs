//! The binary's heap: mimalloc through a global allocator of our own
//! ([`Allocator`]), with transparent huge pages for its first 32 MiB and 4 KiB
//! pages for everything else.
//!
//! A check of the benchmark export touches about 45 MiB of fresh heap. On the
//! project's 2-core virtual machine each first touch of a 4 KiB page costs the
//! kernel about 1.7 µs (a C test touching 30 MiB: 12 to 16 ms in 4 KiB pages, 3 ms
//! in 2 MiB ones), and those 11,500 faults were a sixth of the check's CPU time.
//! Huge pages everywhere cut the faults to under a thousand, but cost 33 MiB
//! of peak memory (85 MiB, over the 3x of the file): mimalloc's
//! arenas are used sparsely at 2 MiB granularity, and every 2 MiB block touched
//! becomes resident whole.
//!
//! So [`prefer_huge_pages_at_start`], which the binary calls from a constructor
//! before the first allocation:
//!
//! 1. Turns huge pages off for the process except where advised
//!    (`PR_SET_THP_DISABLE` with `PR_THP_DISABLE_EXCEPT_ADVISED`, Linux 6.18).
//!    mimalloc is built with `no_thp`, so it advises none of its own arenas.
//! 2. Maps a 64 MiB region, advises huge pages on its first 32 MiB
//!    (`MADV_HUGEPAGE`), and hands the region to mimalloc as an arena
//!    (`mi_manage_os_memory_ex`). mimalloc's arenas track their 64 KiB slices in
//!    chunks of 512 (32 MiB), and a thread looks for free slices from a chunk
//!    of its own first: the first chunk is where the main thread's allocations
//!    go, densely, from the start (the model of the export, which lives for the
//!    whole run, among them); the second, less densely, is a pool worker's.
//!    Beyond the region, mimalloc reserves arenas of its own as usual.
//!
//! The flag is inherited across `fork` and `execve`: a child (the
//! `credential_process` the AWS SDK may run) gets huge pages only where it
//! advises them, as it got none at all before.
//!
//! On a kernel without the flag (before 6.18) the prctl fails, and huge pages
//! are turned off for the whole process as before (the region would then
//! only be more of the same 4 KiB pages, so it is not made). With the system's
//! huge pages set to `never`, the advice is ignored and the region is plain
//! memory.
//!
//! Measured with `benches/check.sh --compact --runs 9 --interleave 15`, four
//! runs of each binary alternating: the nine back-to-back checks' median went
//! from 146-175 to 109-143 ms; the interleaved checks (each right after a
//! fresh `json.load`) stayed where they were (medians 114-125 and 113-123 ms);
//! peak resident memory went from 57 to 68-70 MB (2.6x the file). Alone, 21
//! alternating checks: median 113.0 -> 99.4 ms, faults 11,500 -> 4,700. Right
//! after a process has freed a lot of memory (three `json.load`s of the file,
//! about a gigabyte), a check can be slower with the region than without
//! (12 alternating rounds: median 112 -> 120 ms): on this virtual machine the
//! hypervisor takes back freed 2 MiB blocks after two seconds, and a huge page
//! is then faulted in again there, whole. Advising 40 or 48 MiB (part of the
//! worker's chunk too) made no difference in time that repeated, and raised
//! `who-can`'s peak by 3 to 9 MiB. A check of `examples/` takes the same time,
//! with about 10 MiB more memory (the first 2 MiB blocks it touches are whole).

/// The region handed to mimalloc.
#[cfg(target_os = "linux")]
const REGION: usize = 64 << 20;
/// Its start, advised huge pages.
#[cfg(target_os = "linux")]
const ADVISED: usize = 32 << 20;
/// A transparent huge page on x86-64 and aarch64 with 4 KiB base pages: the
/// advised part must start on one to be backed by them.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// How the heap was set up, for `STOPGUARD_TIMINGS`.
static MODE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(Mode::Default as u8);

#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// [`prefer_huge_pages_at_start`] was not called (library use, tests).
    Default = 0,
    /// Huge pages for the start of the heap, none elsewhere.
    HugeAtStart = 1,
    /// No huge pages at all: the kernel lacks `PR_THP_DISABLE_EXCEPT_ADVISED`, or
    /// the region could not be mapped or handed over.
    NoHuge = 2,
}

/// How the heap was set up in this process.
pub fn mode() -> Mode {
    match MODE.load(std::sync::atomic::Ordering::Relaxed) {
        1 => Mode::HugeAtStart,
        2 => Mode::NoHuge,
        _ => Mode::Default,
    }
}

/// Sets the heap up as the module describes. For the binary only: call it once,
/// before anything is allocated (a constructor), with [`Allocator`] (mimalloc) as
/// the global allocator. Failure leaves huge pages off, as they were before this existed.
#[cfg(target_os = "linux")]
pub fn prefer_huge_pages_at_start() {
    const PR_THP_DISABLE_EXCEPT_ADVISED: libc::c_ulong = 1 << 1;
    let huge = thp_disable(PR_THP_DISABLE_EXCEPT_ADVISED) && huge_region();
    if !huge {
        thp_disable(0);
    }
    let mode = if huge {
        Mode::HugeAtStart
    } else {
        Mode::NoHuge
    };
    MODE.store(mode as u8, std::sync::atomic::Ordering::Relaxed);
}

/// `PR_SET_THP_DISABLE` with `flags` (0: no huge pages at all): true when the
/// kernel took it.
#[cfg(target_os = "linux")]
fn thp_disable(flags: libc::c_ulong) -> bool {
    // `<linux/prctl.h>`.
    const PR_SET_THP_DISABLE: libc::c_int = 41;
    let (on, unused): (libc::c_ulong, libc::c_ulong) = (1, 0);
    // SAFETY: PR_SET_THP_DISABLE takes two integers and touches no memory of
    // ours; it only sets flags on this process.
    unsafe { libc::prctl(PR_SET_THP_DISABLE, on, flags, unused, unused) == 0 }
}

#[cfg(not(target_os = "linux"))]
pub fn prefer_huge_pages_at_start() {}

/// Maps the region, advises its start, and hands it to mimalloc: true when all
/// of that succeeded.
#[cfg(target_os = "linux")]
fn huge_region() -> bool {
    // One huge page more than the region, to start the region on one.
    let mapped = REGION + HUGE_PAGE;
    // SAFETY: a new private anonymous mapping at an address the kernel picks;
    // nothing of ours is there.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            mapped,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let start_ptr = p.wrapping_byte_add(start - p as usize);
    // SAFETY: `start..start + ADVISED` lies inside the mapping just made
    // (`start - p < HUGE_PAGE`, and ADVISED < REGION); advice changes no data.
    let advised = unsafe { libc::madvise(start_ptr, ADVISED, libc::MADV_HUGEPAGE) } == 0;
    if !advised {
        // SAFETY: unmaps exactly the mapping made above, which nothing uses yet.
        unsafe { libc::munmap(p, mapped) };
        return false;
    }
    let mut arena: libmimalloc_sys::mi_arena_id_t = std::ptr::null_mut();
    // SAFETY: the region is mapped readable and writable for the life of the
    // process (it is never unmapped once handed over), starts on a 2 MiB
    // boundary (mimalloc needs its 64 KiB slices aligned) and is zeroed, as fresh
    // anonymous memory is. Not exclusive: any heap may allocate in it.
    unsafe {
        libmimalloc_sys::mi_manage_os_memory_ex(
            start_ptr, REGION, true, false, true, -1, false, &mut arena,
        )
    }
}

/// The binary's global allocator: mimalloc, asked for an aligned block only when
/// a plain one might not do.
///
/// The `mimalloc` crate's allocator passes every request to `mi_malloc_aligned`
/// with the type's alignment. When the free list of the request's size class is
/// empty (the first request of a size, or a page used up), mimalloc falls back to
/// over-allocating `size + alignment - 1` bytes unless the block size is a power
/// of two: a 48-byte request with alignment 8 then takes a 64-byte block, and
/// the 48-byte class gets no page, so the next request takes the same slow path.
/// On the benchmark export that was 58,000 over-allocations and 70,000 calls to
/// the generic path, out of 655,000 allocations.
///
/// A plain `mi_malloc` block is aligned to 16 bytes (`MI_MAX_ALIGN_SIZE`,
/// mimalloc's `max_align_t`) when it is 16 bytes or more, and to 8 when it is
/// smaller: size classes are multiples of two words and the blocks of a page
/// start on 16 bytes (`MI_PAGE_MIN_START_BLOCK_ALIGN`). So, as the standard
/// library's `System` allocator does with `malloc`, a layout whose alignment is
/// at most 16 and at most its size takes a plain block, and only the others an
/// aligned one.
pub struct Allocator;

/// The alignment every plain mimalloc block of at least this many bytes has.
const PLAIN_ALIGN: usize = 16;

/// Whether a plain block of `size` bytes has alignment `align`.
#[inline(always)]
fn plain(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

/// A block for `layout` from mimalloc, zeroed when `zero`: plain when that
/// suffices (see [`Allocator`]), else aligned.
#[inline(always)]
fn allocate(layout: std::alloc::Layout, zero: bool) -> *mut u8 {
    use libmimalloc_sys::{mi_malloc, mi_malloc_aligned, mi_zalloc, mi_zalloc_aligned};
    let (size, align) = (layout.size(), layout.align());
    // SAFETY: mimalloc's allocation functions take any size and alignment, and
    // return a block of at least that size and alignment, or null.
    let block = unsafe {
        match (plain(size, align), zero) {
            (true, false) => mi_malloc(size),
            (true, true) => mi_zalloc(size),
            (false, false) => mi_malloc_aligned(size, align),
            (false, true) => mi_zalloc_aligned(size, align),
        }
    };
    block.cast()
}

// SAFETY: every block comes from mimalloc and goes back to it through `mi_free`,
// which takes plain and aligned blocks alike; each returned block has at least
// the layout's size and alignment (see above and `plain`), or is null.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        allocate(layout, false)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        allocate(layout, true)
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        // SAFETY: `ptr` came from this allocator, so from mimalloc, whose
        // reallocation functions take plain and aligned blocks alike.
        unsafe {
            // The new block must have the old alignment at the new size.
            if plain(new_size, align) {
                libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, align).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Allocator;
    use std::alloc::{GlobalAlloc, Layout};

    /// Every block has its layout's alignment, however the allocator came by it
    /// (plain or aligned), for allocation, zeroed allocation and reallocation up
    /// and down across the plain/aligned boundary; zeroed blocks are zero, and a
    /// reallocated block keeps its bytes.
    #[test]
    fn blocks_have_their_layouts_alignment_and_keep_their_bytes() {
        let sizes = [
            1, 2, 7, 8, 9, 15, 16, 17, 24, 40, 48, 100, 1000, 1025, 5000, 70_000,
        ];
        let aligns = [1, 2, 4, 8, 16, 32, 64, 4096];
        let aligned = |p: *mut u8, align: usize| !p.is_null() && (p as usize) % align == 0;
        for &align in &aligns {
            for &size in &sizes {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes, valid layouts; every block is freed with
                // the layout it was made (or last reallocated) with.
                unsafe {
                    // Several of a size, so that a class's free list is both empty
                    // (first) and not (later), and fresh pages are made.
                    let blocks: Vec<*mut u8> = (0..40).map(|_| Allocator.alloc(layout)).collect();
                    for &p in &blocks {
                        assert!(aligned(p, align), "alloc {size} align {align}: {p:?}");
                        p.write_bytes(0xa5, size);
                    }
                    let z = Allocator.alloc_zeroed(layout);
                    assert!(aligned(z, align), "alloc_zeroed {size} align {align}");
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    Allocator.dealloc(z, layout);
                    for (i, &p) in blocks.iter().enumerate() {
                        let new_size = sizes[(i * 7 + size) % sizes.len()];
                        let q = Allocator.realloc(p, layout, new_size);
                        assert!(
                            aligned(q, align),
                            "realloc {size} -> {new_size} align {align}: {q:?}"
                        );
                        let kept = size.min(new_size);
                        assert!(std::slice::from_raw_parts(q, kept)
                            .iter()
                            .all(|&b| b == 0xa5));
                        Allocator.dealloc(q, Layout::from_size_align(new_size, align).unwrap());
                    }
                }
            }
        }
    }
}
