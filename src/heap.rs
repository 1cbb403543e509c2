//! Where the binary's heap lives: transparent huge pages for its first 32 MiB,
//! 4 KiB pages for everything else.
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
/// before anything is allocated (a constructor), with mimalloc as the global
/// allocator. Failure leaves huge pages off, as they were before this existed.
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
