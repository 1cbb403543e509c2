//! Running independent work on every core.
//!
//! Work handed to another core goes to a pool of long-lived worker threads (one per
//! core but the first), each kept off the core of the thread that started the pool,
//! through [`scope`], which has the shape of [`std::thread::scope`]. A thread
//! started for each parallel step cost more than its start: on the 2-vCPU virtual
//! machines this is measured on, the kernel packs a new thread onto its parent's
//! busy vCPU rather than wake the idle one, so a worker started while its parent
//! went on working began 0.9 ms later at the median and 4.9 ms later at the 90th
//! percentile, against 0.1 ms when moved to the other vCPU at once. A check of the
//! benchmark export started 15 such workers, most of its steps a few milliseconds
//! long. A worker that is waited for but has not started is taken back and run
//! by the waiting thread, so a step never waits on a busy pool (nor on itself,
//! when a worker's job starts a step of its own).

/// How many threads can run at once here ([`std::thread::available_parallelism`],
/// 1 when it cannot tell), asked once: on Linux each ask reads the process's
/// cgroup files (three opens and reads), and a check asks in every parallel step.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// A mutex's guard, whether or not a panicking thread held it: every value
/// guarded here stays whole (a job's panic is caught before it reaches one).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`std::sync::Condvar::wait`], with the guard back whether or not a panicking
/// thread held the mutex (see [`lock`]).
fn wait<'a, T>(
    c: &std::sync::Condvar,
    guard: std::sync::MutexGuard<'a, T>,
) -> std::sync::MutexGuard<'a, T> {
    c.wait(guard)
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

mod pool {
    use super::lock;
    use std::collections::VecDeque;
    use std::sync::{Arc, Condvar, Mutex, OnceLock};

    /// A job whose borrows the [`super::Scope`] that queued it outlives.
    pub(super) type Task = Box<dyn FnOnce() + Send + 'static>;

    /// One job's progress. The task catches its own panic and stores its result
    /// where its handle reads it, so running it never unwinds.
    pub(super) enum State {
        Queued(Task),
        Running,
        Finished,
    }

    pub(super) struct Slot {
        state: Mutex<State>,
        finished: Condvar,
    }

    impl Slot {
        pub(super) fn new(task: Task) -> Arc<Self> {
            Arc::new(Slot {
                state: Mutex::new(State::Queued(task)),
                finished: Condvar::new(),
            })
        }

        /// Takes the task if it is still queued (marking it running), and
        /// leaves the state as it was otherwise.
        fn take(&self) -> Option<Task> {
            let mut state = lock(&self.state);
            match std::mem::replace(&mut *state, State::Running) {
                State::Queued(task) => Some(task),
                other => {
                    *state = other;
                    None
                }
            }
        }

        /// Runs a task taken with [`Self::take`] and tells those waiting.
        fn execute(&self, task: Task) {
            task();
            *lock(&self.state) = State::Finished;
            self.finished.notify_all();
        }

        /// Runs the task here if no worker has taken it, else waits for the
        /// worker to finish it. Returns once it has run.
        pub(super) fn complete(&self) {
            match self.take() {
                Some(task) => self.execute(task),
                None => {
                    let mut state = lock(&self.state);
                    while !matches!(*state, State::Finished) {
                        state = super::wait(&self.finished, state);
                    }
                }
            }
        }

        /// A worker's turn: runs the task unless its caller took it back (and
        /// finished, or is finishing, it).
        fn run(&self) {
            if let Some(task) = self.take() {
                self.execute(task);
            }
        }
    }

    struct Pool {
        queue: Mutex<VecDeque<Arc<Slot>>>,
        ready: Condvar,
    }

    static POOL: OnceLock<Option<Pool>> = OnceLock::new();

    /// The pool, started on first use; None on one core.
    fn pool() -> Option<&'static Pool> {
        POOL.get_or_init(|| {
            let workers = super::cores().saturating_sub(1);
            if workers == 0 {
                return None;
            }
            let mut started = 0;
            for i in 0..workers {
                let spawned = std::thread::Builder::new()
                    .name(format!("stopguard-worker-{i}"))
                    .spawn(work);
                if let Ok(handle) = spawned {
                    keep_off_this_cpu(&handle);
                    started += 1;
                }
            }
            (started > 0).then(|| Pool {
                queue: Mutex::new(VecDeque::new()),
                ready: Condvar::new(),
            })
        })
        .as_ref()
    }

    /// Queues `slot` for a worker; without a pool (one core) it waits to be
    /// completed by the thread that joins it.
    pub(super) fn submit(slot: &Arc<Slot>) {
        let Some(pool) = pool() else { return };
        lock(&pool.queue).push_back(Arc::clone(slot));
        pool.ready.notify_one();
    }

    /// Queues `task` for a worker and forgets it; without a pool it runs here.
    pub(super) fn detach(task: Task) {
        if pool().is_some() {
            submit(&Slot::new(task));
        } else {
            task();
        }
    }

    fn work() {
        // The pool is set once its workers are started; wait for it.
        let pool = loop {
            match pool_if_started() {
                Some(pool) => break pool,
                None => std::thread::yield_now(),
            }
        };
        loop {
            let slot = {
                let mut queue = lock(&pool.queue);
                loop {
                    if let Some(slot) = queue.pop_front() {
                        break slot;
                    }
                    queue = super::wait(&pool.ready, queue);
                }
            };
            slot.run();
        }
    }

    fn pool_if_started() -> Option<&'static Pool> {
        // `pool()` would wait for the thread that is starting this worker to
        // finish setting the pool up; asking whether it is set does not.
        POOL.get().and_then(Option::as_ref)
    }

    /// Moves a new worker off the CPU this thread runs on, before it first runs
    /// (see the module's documentation). A failure leaves it where the kernel
    /// put it.
    #[cfg(target_os = "linux")]
    fn keep_off_this_cpu(handle: &std::thread::JoinHandle<()>) {
        use std::os::unix::thread::JoinHandleExt;
        // SAFETY: cpu_set_t is plain data, valid all-zero; the calls read and
        // write only the sets passed, sized as declared, and the pthread_t is
        // that of a live thread (workers never end).
        unsafe {
            let mut allowed: libc::cpu_set_t = std::mem::zeroed();
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
                return;
            }
            let Ok(here) = usize::try_from(libc::sched_getcpu()) else {
                return;
            };
            libc::CPU_CLR(here, &mut allowed);
            if libc::CPU_COUNT(&allowed) == 0 {
                return;
            }
            libc::pthread_setaffinity_np(handle.as_pthread_t(), size, &allowed);
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn keep_off_this_cpu(_: &std::thread::JoinHandle<()>) {}
}

/// A set of jobs handed to the pool, all of them finished when [`scope`] returns
/// (or unwinds). Jobs may borrow anything that outlives `'env`.
pub struct Scope<'env> {
    slots: std::sync::Mutex<Vec<std::sync::Arc<pool::Slot>>>,
    _env: std::marker::PhantomData<&'env mut &'env ()>,
}

/// A job of a [`Scope`]; [`Handle::join`] returns its result, or its panic.
pub struct Handle<'scope, T> {
    slot: std::sync::Arc<pool::Slot>,
    result: std::sync::Arc<std::sync::Mutex<Option<std::thread::Result<T>>>>,
    _scope: std::marker::PhantomData<&'scope ()>,
}

impl<T> Handle<'_, T> {
    /// Waits for the job (running it here if no worker has started it).
    pub fn join(self) -> std::thread::Result<T> {
        self.slot.complete();
        let taken = lock(&self.result).take();
        taken.unwrap_or_else(|| Err(Box::new("a pool job finished without a result")))
    }
}

impl<'env> Scope<'env> {
    /// Hands `f` to a worker of the pool; on one core it waits to be run by
    /// [`Handle::join`] (or the end of the scope) on this thread.
    pub fn spawn<'scope, T: Send + 'env>(
        &'scope self,
        f: impl FnOnce() -> T + Send + 'env,
    ) -> Handle<'scope, T> {
        let result = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = std::sync::Arc::clone(&result);
        let task: Box<dyn FnOnce() + Send + 'env> = Box::new(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            *lock(&out) = Some(r);
        });
        // SAFETY: the task only borrows what outlives 'env, and it is finished
        // before `scope` returns or unwinds (`Finish` below waits for every
        // slot of the scope), so it never runs after its borrows end. The box
        // is the same allocation with a longer lifetime in its type.
        let task: pool::Task = unsafe { std::mem::transmute(task) };
        let slot = pool::Slot::new(task);
        pool::submit(&slot);
        lock(&self.slots).push(std::sync::Arc::clone(&slot));
        Handle {
            slot,
            result,
            _scope: std::marker::PhantomData,
        }
    }
}

/// [`std::thread::scope`] on the pool: `f` spawns jobs on it, and every job is
/// finished when this returns, whether joined or not, and when `f` unwinds.
pub fn scope<'env, R>(f: impl for<'scope> FnOnce(&'scope Scope<'env>) -> R) -> R {
    struct Finish<'s, 'env>(&'s Scope<'env>);
    impl Drop for Finish<'_, '_> {
        fn drop(&mut self) {
            let slots = std::mem::take(&mut *lock(&self.0.slots));
            for slot in slots {
                slot.complete();
            }
        }
    }
    let scope = Scope {
        slots: std::sync::Mutex::new(Vec::new()),
        _env: std::marker::PhantomData,
    };
    let finish = Finish(&scope);
    let r = f(&scope);
    drop(finish);
    r
}

/// Runs `f` on a worker of the pool once one is free, and does not wait for it:
/// for work whose end nobody needs to see, such as handing a mapped file's pages
/// back to the kernel (1.4 ms on the benchmark export, which the reading thread
/// would otherwise spend while the other core has nothing to do). Without a pool
/// (one core), `f` runs here. A panic in `f` is caught and goes no further:
/// nobody is waiting to be told. Queued before later jobs, it never holds them
/// up: a job that is waited for and not started is run by the waiting thread.
pub fn detach(f: impl FnOnce() + Send + 'static) {
    pool::detach(Box::new(move || {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    }));
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
    let mut done: Vec<(usize, R)> = scope(|scope| {
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
/// held whole. The first error of `take` stops the work and is returned; a panic
/// in `make` stops it too and reaches the caller, as in [`map`]. The other cores
/// make items as jobs of the pool (starting threads for each few items cost more
/// than the items: a report of 2,000 findings started 16), and the calling
/// thread makes the next item itself whenever the one it is to take next is not
/// made yet and no one is making it: it never waits on a busy pool.
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
    impl<R> State<R> {
        /// The next item to make, if there is one and the window has room for it.
        fn claim(&mut self, items: usize, ahead: usize) -> Option<usize> {
            if self.stop || self.claimed >= items || self.claimed >= self.taken + ahead {
                return None;
            }
            self.claimed += 1;
            self.waiting.push_back(None);
            Some(self.claimed - 1)
        }
    }
    let state = Mutex::new(State {
        waiting: VecDeque::with_capacity(ahead),
        taken: 0,
        claimed: 0,
        stop: false,
    });
    // One condition for both directions: a result made, a slot freed.
    let changed = Condvar::new();
    /// Stops the work when a thread making or taking items unwinds, so that the
    /// others, waiting for a result or for room that will never come, wake up
    /// and end.
    struct StopOnPanic<'s, R> {
        state: &'s Mutex<State<R>>,
        changed: &'s Condvar,
    }
    impl<R> Drop for StopOnPanic<'_, R> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                lock(self.state).stop = true;
                self.changed.notify_all();
            }
        }
    }
    let stop_on_panic = || StopOnPanic {
        state: &state,
        changed: &changed,
    };
    // Makes claimed item `i` and puts the result in its slot (which is not taken
    // before it is filled).
    let make_claimed = |i: usize| {
        let Some(item) = items.get(i) else { return };
        let made = make(item);
        let mut s = lock(&state);
        let slot = i - s.taken;
        if let Some(place) = s.waiting.get_mut(slot) {
            *place = Some(made);
        }
        drop(s);
        changed.notify_all();
    };
    let work = || {
        let _stop_on_panic = stop_on_panic();
        loop {
            let i = {
                let mut s = lock(&state);
                loop {
                    if let Some(i) = s.claim(items.len(), ahead) {
                        break i;
                    }
                    if s.stop || s.claimed >= items.len() {
                        return;
                    }
                    s = wait(&changed, s);
                }
            };
            make_claimed(i);
        }
    };
    scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let _stop_on_panic = stop_on_panic();
        let mut outcome = Ok(());
        for _ in 0..items.len() {
            let made = loop {
                let mut s = lock(&state);
                if let Some(Some(_)) = s.waiting.front() {
                    s.taken += 1;
                    let made = s.waiting.pop_front().flatten();
                    drop(s);
                    changed.notify_all();
                    break made;
                }
                // A worker panicked: its panic is resumed below.
                if s.stop {
                    break None;
                }
                // Not made yet: make the next item here rather than wait for a
                // worker that may not have started; wait only while every item
                // of the window is being made elsewhere.
                if let Some(i) = s.claim(items.len(), ahead) {
                    drop(s);
                    make_claimed(i);
                } else {
                    drop(wait(&changed, s));
                }
            };
            let Some(made) = made else { break };
            outcome = take(made);
            if outcome.is_err() {
                break;
            }
        }
        if outcome.is_err() {
            lock(&state).stop = true;
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
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn a_scope_runs_jobs_that_borrow_its_callers_data() {
        let words = ["stop".to_string(), "instances".to_string()];
        let (a, b) = super::scope(|s| {
            let a = s.spawn(|| words[0].len());
            let b = s.spawn(|| words.iter().map(String::len).sum::<usize>());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!((a, b), (4, 13));
    }

    #[test]
    fn jobs_not_joined_are_finished_when_the_scope_returns() {
        let done = AtomicUsize::new(0);
        super::scope(|s| {
            for _ in 0..20 {
                s.spawn(|| {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    done.fetch_add(1, SeqCst);
                });
            }
        });
        assert_eq!(done.load(SeqCst), 20);
    }

    #[test]
    fn a_detached_job_runs_and_its_panic_harms_no_later_work() {
        let (tx, rx) = std::sync::mpsc::channel();
        super::detach(|| panic!("a detached job fails"));
        super::detach(move || tx.send(7).unwrap());
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(got, Ok(7), "the detached job ran");
        // The pool still runs (and takes back) the jobs of a scope.
        let sum: usize = super::map(&[1, 2, 3, 4], |x| x * 10).into_iter().sum();
        assert_eq!(sum, 100);
    }

    #[test]
    fn a_panic_in_a_job_is_its_join_result() {
        let outcome = super::scope(|s| s.spawn(|| -> u8 { panic!("job fails") }).join());
        let panic = outcome.expect_err("the job's panic is returned");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"job fails"));
    }

    #[test]
    fn a_scope_that_unwinds_first_finishes_its_jobs() {
        let done = AtomicUsize::new(0);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::scope(|s| {
                s.spawn(|| {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    done.fetch_add(1, SeqCst);
                });
                panic!("the scope's own body fails");
            })
        }));
        assert!(outcome.is_err());
        // The job borrowed `done`: it ran to its end before the unwinding left
        // the scope.
        assert_eq!(done.load(SeqCst), 1);
    }

    #[test]
    fn jobs_that_start_steps_of_their_own_and_many_callers_all_finish() {
        // Every thread of the test runner, and jobs on the pool's workers, start
        // steps at once: waiting never depends on a worker being free.
        let items: Vec<u64> = (0..64).collect();
        let outer = super::map(&items, |&n| {
            let inner: Vec<u64> = (0..n).collect();
            super::map(&inner, |&m| m + 1).into_iter().sum::<u64>()
        });
        assert_eq!(
            outer,
            items.iter().map(|n| n * (n + 1) / 2).collect::<Vec<_>>()
        );
        let callers: Vec<_> = (0..8u64)
            .map(|k| {
                std::thread::spawn(move || {
                    let items: Vec<u64> = (0..200).collect();
                    super::map(&items, |&n| n * k).into_iter().sum::<u64>()
                })
            })
            .collect();
        for (k, c) in callers.into_iter().enumerate() {
            assert_eq!(c.join().unwrap(), 19_900 * k as u64);
        }
    }

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
