//! What the binary leaves to the end of the process rather than freeing.

/// Leaves a large value to the end of the process instead of freeing it. The
/// binary's commands end the process once they return, and the OS takes the memory
/// back at once; freeing a large account's model piece by piece took a tenth of a
/// check of the benchmark export. A library caller (tests, a long-lived process)
/// gets normal drops: only the binary's `main` calls [`leak_at_exit`].
pub fn release<T>(value: T) {
    if LEAK_AT_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    }
}

static LEAK_AT_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Called by the binary's `main`: the process ends when the command returns.
pub fn leak_at_exit() {
    LEAK_AT_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}
