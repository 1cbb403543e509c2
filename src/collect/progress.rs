//! The progress display: one line per region and service as it starts and
//! finishes, on stderr, only when stderr is a terminal and --quiet is not given.
//! Warnings (gaps) are printed whether or not progress is shown.
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Progress {
    enabled: bool,
    done: AtomicUsize,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            done: AtomicUsize::new(0),
        }
    }

    /// A call is starting (`region` is None for the global services).
    pub fn step(&self, service: &str, region: Option<&str>, what: &str) {
        if self.enabled {
            let where_ = region.unwrap_or("global");
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K{where_:<15} {service:<10} {what}");
            let _ = err.flush();
        }
    }

    /// A region/service finished, with a count of what it read.
    pub fn done(&self, service: &str, region: &str, summary: &str) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.enabled {
            let _ = writeln!(
                std::io::stderr().lock(),
                "\r\x1b[K[{n:>3}] {region:<15} {service:<10} {summary}"
            );
        }
    }

    pub fn warn(&self, message: &str) {
        let prefix = if self.enabled { "\r\x1b[K" } else { "" };
        let _ = writeln!(std::io::stderr().lock(), "{prefix}{message}");
    }

    pub fn finish(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}
