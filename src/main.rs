//! The `stopguard` binary: parse, run, map the outcome to an exit status, and render
//! an error once.
use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static GLOBAL: stopguard::heap::Allocator = stopguard::heap::Allocator;

#[cfg(unix)]
unsafe extern "C" {
    fn _exit(status: std::ffi::c_int) -> !;
}

/// Ends the process with `status` once stdout and stderr are flushed, without the
/// C library's exit handlers. Every output file is complete by now (written to
/// a temporary file and renamed), and the one handler that would run is
/// mimalloc's, which walks every page of the heap to free memory the OS is about
/// to take back: 2 ms at the end of a check of the benchmark export, after its
/// report is out.
fn end(status: stopguard::app::ExitStatus) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    // SAFETY: _exit takes an integer and does not return; nothing of ours is
    // left to run (no destructor holds unwritten data: outputs are flushed and
    // renamed before the command returns, and stdout was flushed above).
    unsafe {
        _exit(std::ffi::c_int::from(status.code()))
    }
    #[cfg(not(unix))]
    status.into()
}

/// Transparent huge pages for the start of the heap and nowhere else
/// (`stopguard::heap`). This runs as a constructor, before the Rust runtime's
/// first allocation, so that no allocation comes before the region is handed
/// over or before the process's huge-page setting is made: set from `main`,
/// the old opt-out came after the runtime had touched two huge pages.
#[cfg(target_os = "linux")]
extern "C" fn huge_pages_at_heap_start() {
    stopguard::heap::prefer_huge_pages_at_start();
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static HUGE_PAGES_AT_HEAP_START: extern "C" fn() = huge_pages_at_heap_start;

fn main() -> ExitCode {
    // mimalloc's own purge delay (10 ms) is kept. Purging at once (0) lowered peak
    // memory by 3 MB on the benchmark export but cost a tenth of its run: every
    // free then returned pages with madvise, and in a process with worker threads
    // each such call interrupts the other cores to flush their TLBs.
    let cli = stopguard::cli::Cli::parse();
    // The process ends when the command returns: large values need not be freed.
    stopguard::commands::leak_at_exit();
    // Unwrapped lines: diagnostics end up in CI logs and are searched with grep.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    let status = match stopguard::app::run(cli) {
        Ok(status) => status,
        Err(err) => {
            // A closed pipe (`stopguard check ... | head`) is not a failure.
            match &err {
                stopguard::diag::Error::Write { source, .. }
                    if source.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    stopguard::app::ExitStatus::Clean
                }
                _ => {
                    eprintln!("{:?}", miette::Report::new(err));
                    stopguard::app::ExitStatus::Error
                }
            }
        }
    };
    end(status)
}
