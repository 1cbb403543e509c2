//! Running independent work on every core.

/// How many threads can run at once here ([`std::thread::available_parallelism`],
/// 1 when it cannot tell), asked once: on Linux each ask reads the process's
/// cgroup files (three opens and reads), and a check asks in every parallel step.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// `f` over `items` on every core, results in the items' order. Workers take the
/// next item as they finish one, so uneven items still keep every core busy. A
/// panic in `f` reaches the caller, as it would without threads.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, cores(), || (), |(), item| f(item))
}

/// [`map`] on at most `threads` threads, each worker with state of its own made
/// by `init` (a cache that lasts across the items it takes).
pub fn map_with<T: Sync, R: Send, S>(
    items: &[T],
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut state = init();
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            out.push((i, f(&mut state, item)));
        }
        out
    };
    // The calling thread is one of the workers: it would only wait otherwise.
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for w in workers {
            done.extend(w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `make` over `items` on every core, each result handed to `take` on the calling
/// thread in the items' order, as soon as it and those before it are made. At
/// most `ahead` results wait to be taken at a time, so a long output is never
/// held whole. The first error of `take` stops the workers and is returned; a
/// panic in `make` stops them too and reaches the caller, as in [`map`]. The
/// workers start once, for all the items: starting threads for each few items
/// cost more than the items (a report of 2,000 findings started 16).
pub fn for_each_ordered<T: Sync, R: Send, E>(
    items: &[T],
    ahead: usize,
    make: impl Fn(&T) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    use std::collections::VecDeque;
    use std::sync::{Condvar, Mutex};
    let threads = cores().min(items.len());
    if threads <= 1 {
        return items.iter().try_for_each(|item| take(make(item)));
    }
    let ahead = ahead.max(threads);
    /// Results not yet taken, from item `taken` on: a slot per claimed item,
    /// filled when it is made.
    struct State<R> {
        waiting: VecDeque<Option<R>>,
        taken: usize,
        claimed: usize,
        stop: bool,
    }
    let state = Mutex::new(State {
        waiting: VecDeque::with_capacity(ahead),
        taken: 0,
        claimed: 0,
        stop: false,
    });
    // One condition for both directions: a result made, a slot freed.
    let changed = Condvar::new();
    let lock = || {
        state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    /// Stops the work when a worker unwinds, so that the taking thread, waiting
    /// for the result the worker will never make, wakes up and joins it.
    struct StopOnPanic<'s, R> {
        state: &'s Mutex<State<R>>,
        changed: &'s Condvar,
    }
    impl<R> Drop for StopOnPanic<'_, R> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .stop = true;
                self.changed.notify_all();
            }
        }
    }
    let work = || loop {
        let _stop_on_panic = StopOnPanic {
            state: &state,
            changed: &changed,
        };
        let i = {
            let mut s = lock();
            while !s.stop && s.claimed < items.len() && s.claimed >= s.taken + ahead {
                s = changed
                    .wait(s)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if s.stop || s.claimed >= items.len() {
                return;
            }
            s.claimed += 1;
            s.waiting.push_back(None);
            s.claimed - 1
        };
        let Some(item) = items.get(i) else { return };
        let made = make(item);
        let mut s = lock();
        let slot = i - s.taken;
        if let Some(place) = s.waiting.get_mut(slot) {
            *place = Some(made);
        }
        drop(s);
        changed.notify_all();
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        let mut outcome = Ok(());
        for _ in 0..items.len() {
            let made = {
                let mut s = lock();
                loop {
                    if let Some(Some(_)) = s.waiting.front() {
                        break;
                    }
                    // A worker panicked: its panic is resumed below.
                    if s.stop {
                        break;
                    }
                    s = changed
                        .wait(s)
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                }
                if s.stop {
                    None
                } else {
                    s.taken += 1;
                    s.waiting.pop_front().flatten()
                }
            };
            changed.notify_all();
            let Some(made) = made else { break };
            outcome = take(made);
            if outcome.is_err() {
                break;
            }
        }
        if outcome.is_err() {
            lock().stop = true;
            changed.notify_all();
        }
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_over_uneven_items() {
        let items: Vec<u64> = (0..500).collect();
        let out = super::map(&items, |&n| {
            if n % 97 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            n * n
        });
        assert_eq!(out, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u8], |&b| b).is_empty());
    }

    #[test]
    fn hands_results_over_in_order_with_few_waiting() {
        let items: Vec<u64> = (0..300).collect();
        let waiting = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        let mut seen = Vec::new();
        let done: Result<(), ()> = super::for_each_ordered(
            &items,
            4,
            |&n| {
                if n % 37 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                let now = waiting.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                n * 3
            },
            |r| {
                waiting.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                seen.push(r);
                Ok(())
            },
        );
        assert_eq!(done, Ok(()));
        assert_eq!(seen, items.iter().map(|n| n * 3).collect::<Vec<_>>());
        // Made but not yet taken: never more than the window (4, or one per core),
        // and the one this thread holds while taking it.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert!(
            most.into_inner() <= 4.max(cores) + 1,
            "too many results waited"
        );
    }

    #[test]
    fn the_first_error_stops_the_work() {
        let items: Vec<u64> = (0..1000).collect();
        let made = std::sync::atomic::AtomicUsize::new(0);
        let mut taken = 0;
        let done = super::for_each_ordered(
            &items,
            2,
            |&n| {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                n
            },
            |n| {
                taken += 1;
                if n == 10 {
                    Err(n)
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(done, Err(10));
        assert_eq!(taken, 11);
        // Workers stop within a window of the error, not at the end of the items.
        assert!(made.into_inner() < 100);
        let empty: Result<(), ()> = super::for_each_ordered(&[] as &[u8], 2, |&b| b, |_| Ok(()));
        assert_eq!(empty, Ok(()));
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u64> = (0..200).collect();
        let mut taken = 0;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::for_each_ordered(
                &items,
                2,
                |&n| {
                    assert!(n != 7, "item 7 fails");
                    n
                },
                |_| -> Result<(), ()> {
                    taken += 1;
                    Ok(())
                },
            )
        }));
        let panic = outcome.expect_err("the worker's panic is resumed, not swallowed or hung on");
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(message.contains("item 7 fails"), "{message}");
        assert!(
            taken <= 7,
            "nothing after the failed item is taken: {taken}"
        );
    }
}
