//! The `stopguard` binary: parse, run, map the outcome to an exit status, and render
//! an error once.
use std::process::ExitCode;

use clap::Parser;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (the sys crate names the
/// options around it, 14 and 16, but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `PR_SET_THP_DISABLE` in `<linux/prctl.h>`.
#[cfg(target_os = "linux")]
const PR_SET_THP_DISABLE: std::ffi::c_int = 41;

#[cfg(target_os = "linux")]
unsafe extern "C" {
    fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
}

fn main() -> ExitCode {
    // No transparent huge pages. mimalloc asks for them on its arena, so where the
    // kernel honours that (`madvise` mode, the common default) the first touch of
    // any byte zeroes a whole 2 MiB page. A check is a short run over a heap of
    // small objects: on a 26 MB export that zeroing was a third of the run's CPU
    // time and 15 MB of its peak memory (benches/check.sh). Failure is harmless.
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and touches no memory
    // of ours; it only sets a flag on this process.
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
            0 as std::ffi::c_ulong,
        );
    }
    // Return freed memory to the OS at once: a check frees its raw input text after
    // parsing, and peak memory is one of the benchmark's targets.
    // SAFETY: mi_option_set only stores an integer option; mimalloc reads options
    // thread-safely, and no allocation is in flight that depends on this one.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    let cli = stopguard::cli::Cli::parse();
    // Unwrapped lines: diagnostics end up in CI logs and are searched with grep.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    match stopguard::app::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`stopguard check ... | head`) is not a failure.
            if let stopguard::diag::Error::Write { source, .. } = &err {
                if source.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("{:?}", miette::Report::new(err));
            stopguard::app::ExitStatus::Error.into()
        }
    }
}
