//! Running the install plan: at most `-j N` jobs at once, in dependency order.
//!
//! This module owns *how* planned work runs; *when* a node may run is
//! [`crate::building::plan::queue::DependencyQueue`]'s business. [`execute`] follows
//! cargo's job queue: one coordinating loop on the calling thread, one scoped
//! thread per running job, and an mpsc channel on which each job reports
//! back. No async runtime: a handful of Maven processes does not need one.
//!
//! What a job *is* stays generic ([`Job`]), so the scheduling can be tested
//! with fake jobs; [`MavenJobs`] and [`run_logged`] are the real thing: one
//! `mvn install` per module, its output in a log file, in a process group of
//! its own so that a Ctrl-C in the terminal reaches m2fresh only, and
//! m2fresh decides how the builds stop (see [`CancelToken`]). On Linux a child
//! also gets SIGKILL when m2fresh itself dies (a parent-death signal), so that
//! `kill -9` of m2fresh leaves no Maven running.

use std::collections::HashMap;
use std::fmt::Debug;
use std::fs::{self, File};
use std::hash::Hash;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::building::plan::queue::DependencyQueue;

/// How often a running child is checked for exit and for cancellation.
const POLL: Duration = Duration::from_millis(20);

/// How long a cancelled child may take to stop after SIGTERM before it (and
/// its process group) gets SIGKILL. A JVM runs its shutdown hooks in far less.
pub const TERMINATE_GRACE: Duration = Duration::from_secs(5);

/// A shared "stop now" flag: set once (by a signal handler, or by a library
/// user), seen by the executor and by every running job.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks everything holding a clone of this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether [`cancel`](Self::cancel) was called on any clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Cancels `token` on Ctrl-C (SIGINT), SIGTERM and SIGHUP instead of letting
/// them kill m2fresh, so that running installs are stopped and reported.
///
/// Call it once per process.
///
/// # Errors
///
/// When a handler was already installed, or the system refused it.
#[cfg(feature = "cli")]
pub fn cancel_on_signals(token: CancelToken) -> io::Result<()> {
    ctrlc::set_handler(move || token.cancel()).map_err(|err| match err {
        ctrlc::Error::System(err) => err,
        other => io::Error::other(other),
    })
}

/// Why a job did not succeed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum JobFailure {
    /// The build ran and exited unsuccessfully.
    #[error("`{}` failed ({status}); its output is in {}", program.display(), log.display())]
    #[diagnostic(
        code(m2fresh::building::exec::build_failed),
        help("read the end of the log above; rerun the command from its first line to reproduce")
    )]
    Exited {
        /// The program that ran (`mvn`, `./mvnw`).
        program: PathBuf,
        /// How it exited.
        status: ExitStatus,
        /// The log file holding its output.
        log: PathBuf,
    },
    /// The build could not be started or watched.
    #[error("could not run `{}` (log {}): {source}", program.display(), log.display())]
    #[diagnostic(
        code(m2fresh::building::exec::spawn),
        help(
            "check that Maven is installed and on PATH (or that ./mvnw is executable), and \
             that the log directory is writable"
        )
    )]
    Io {
        /// The program that was to run.
        program: PathBuf,
        /// The log file it was to write.
        log: PathBuf,
        /// What went wrong.
        #[source]
        source: io::Error,
    },
    /// Stopped because the run was cancelled (Ctrl-C).
    #[error("cancelled")]
    #[diagnostic(
        code(m2fresh::building::exec::cancelled),
        help("the module was not installed; run the command again to finish")
    )]
    Cancelled,
    /// The job panicked: a bug in m2fresh or in the library user's job.
    #[error("the job panicked: {message}")]
    #[diagnostic(
        code(m2fresh::building::exec::panicked),
        help("this is a bug; please report it with the message above")
    )]
    Panicked {
        /// The panic's message, when it had one.
        message: String,
    },
    /// Any other reason a job gives.
    #[error("{message}")]
    #[diagnostic(code(m2fresh::building::exec::other))]
    Other {
        /// What went wrong.
        message: String,
    },
}

/// One unit of work per node of the queue, run on its own thread.
pub trait Job: Sync {
    /// What the queue's nodes are (a module index, say).
    type Id: Copy + Eq + Hash + Ord + Send + Sync + Debug;

    /// Does the work for `id`. Should return soon after `cancel` is set;
    /// returning [`JobFailure::Cancelled`] then is the convention.
    ///
    /// # Errors
    ///
    /// Whatever kept the work from succeeding.
    fn run(&self, id: Self::Id, cancel: &CancelToken) -> Result<(), JobFailure>;
}

/// A [`Job`] made of a closure.
pub struct FnJob<Id, F> {
    run: F,
    id: PhantomData<fn(Id)>,
}

impl<Id, F> FnJob<Id, F>
where
    F: Fn(Id, &CancelToken) -> Result<(), JobFailure> + Sync,
{
    /// Wraps `run` as a job.
    pub fn new(run: F) -> Self {
        FnJob {
            run,
            id: PhantomData,
        }
    }
}

impl<Id, F> Job for FnJob<Id, F>
where
    Id: Copy + Eq + Hash + Ord + Send + Sync + Debug,
    F: Fn(Id, &CancelToken) -> Result<(), JobFailure> + Sync,
{
    type Id = Id;

    fn run(&self, id: Id, cancel: &CancelToken) -> Result<(), JobFailure> {
        (self.run)(id, cancel)
    }
}

/// How [`execute`] runs the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecOptions {
    /// At most this many jobs at once (`-j`); 0 counts as 1.
    pub jobs: usize,
    /// After a failure, go on with everything that does not depend on the
    /// failed node (`--keep-going`) instead of starting nothing new.
    pub keep_going: bool,
}

/// What became of one node.
#[derive(Debug)]
pub enum Outcome<Id> {
    /// The job succeeded after this long.
    Succeeded(Duration),
    /// The job failed.
    Failed(JobFailure),
    /// Not run because this dependency (direct or transitive) failed.
    Skipped(Id),
    /// Not run because the run stopped (after a failure without
    /// `keep_going`, or on cancel) before its turn.
    NotStarted,
}

/// Told about progress as it happens, on the thread that called
/// [`execute`]. Every method does nothing unless overridden.
pub trait Progress<Id> {
    /// The job for `id` was started.
    fn started(&self, id: Id) {
        let _ = id;
    }

    /// The job for `id` ended: `outcome` is [`Outcome::Succeeded`] or
    /// [`Outcome::Failed`], after `elapsed`.
    fn finished(&self, id: Id, outcome: &Outcome<Id>, elapsed: Duration) {
        let _ = (id, outcome, elapsed);
    }

    /// `id` will not run because `because` failed.
    fn skipped(&self, id: Id, because: Id) {
        let _ = (id, because);
    }
}

/// No progress reporting.
impl<Id> Progress<Id> for () {}

/// The result of [`execute`]: every node of the queue, once.
#[derive(Debug)]
pub struct ExecReport<Id> {
    /// Each node with its outcome, in the order the outcomes became known:
    /// finished and skipped nodes as they happened, then the nodes never
    /// started, in the queue's order.
    pub outcomes: Vec<(Id, Outcome<Id>)>,
    /// Whether the run was cancelled.
    pub cancelled: bool,
}

impl<Id> ExecReport<Id> {
    /// True when every node succeeded (and so nothing was cancelled).
    pub fn is_success(&self) -> bool {
        self.outcomes
            .iter()
            .all(|(_, outcome)| matches!(outcome, Outcome::Succeeded(_)))
    }

    /// The nodes that failed, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&Id, &JobFailure)> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| match outcome {
                Outcome::Failed(failure) => Some((id, failure)),
                _ => None,
            })
    }
}

/// A job's report to the coordinating loop.
struct Finished<Id> {
    id: Id,
    result: Result<(), JobFailure>,
    elapsed: Duration,
}

/// Runs every node of `queue` with `job`, at most `opts.jobs` at once, each
/// as soon as its dependencies succeeded, the most-waited-for first.
///
/// A failure starts nothing new (or, with `keep_going`, skips only the
/// failed node's dependents) and lets the running jobs finish. A cancel
/// starts nothing new either; the running jobs see `cancel` and are waited
/// for. Either way this returns only when no job is running any more.
pub fn execute<J: Job>(
    mut queue: DependencyQueue<J::Id>,
    job: &J,
    opts: &ExecOptions,
    progress: &dyn Progress<J::Id>,
    cancel: &CancelToken,
) -> ExecReport<J::Id> {
    let limit = opts.jobs.max(1);
    let mut outcomes = Vec::with_capacity(queue.len());
    let mut stopped = false;
    let (sender, receiver) = mpsc::channel::<Finished<J::Id>>();

    thread::scope(|scope| {
        let mut running = 0usize;
        // As in cargo: no `?` and no early `break` while jobs run. Every
        // outcome is handled inside the loop, so it always drains.
        loop {
            if !stopped && !cancel.is_cancelled() {
                while running < limit {
                    let Some(id) = queue.dequeue() else { break };
                    progress.started(id);
                    let sender = sender.clone();
                    scope.spawn(move || {
                        let start = Instant::now();
                        let result = panic::catch_unwind(AssertUnwindSafe(|| job.run(id, cancel)))
                            .unwrap_or_else(|payload| {
                                Err(JobFailure::Panicked {
                                    message: panic_message(payload.as_ref()),
                                })
                            });
                        let elapsed = start.elapsed();
                        // The receiver lives until every job reported.
                        let _ = sender.send(Finished {
                            id,
                            result,
                            elapsed,
                        });
                    });
                    running += 1;
                }
            }
            if running == 0 {
                break;
            }
            // `sender` is still held here, so this cannot see a closed channel.
            let Ok(Finished {
                id,
                result,
                elapsed,
            }) = receiver.recv()
            else {
                break;
            };
            running -= 1;
            match result {
                Ok(()) => {
                    queue.finish(id);
                    let outcome = Outcome::Succeeded(elapsed);
                    progress.finished(id, &outcome, elapsed);
                    outcomes.push((id, outcome));
                }
                Err(failure) => {
                    let outcome = Outcome::Failed(failure);
                    progress.finished(id, &outcome, elapsed);
                    outcomes.push((id, outcome));
                    if opts.keep_going {
                        for skipped in queue.skip_dependents(id) {
                            progress.skipped(skipped, id);
                            outcomes.push((skipped, Outcome::Skipped(id)));
                        }
                    } else {
                        stopped = true;
                    }
                }
            }
        }
    });

    outcomes.extend(
        queue
            .queued()
            .into_iter()
            .map(|id| (id, Outcome::NotStarted)),
    );
    ExecReport {
        outcomes,
        cancelled: cancel.is_cancelled(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// One Maven run: what to start, where, and where its output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MavenInvocation {
    /// `mvn` (looked up on PATH), `./mvnw`, or the one the user gave.
    pub program: PathBuf,
    /// The arguments, e.g. `-N install -DskipTests`.
    pub args: Vec<String>,
    /// The working directory: the module's base directory.
    pub cwd: PathBuf,
    /// The file that receives the run's stdout and stderr (truncated first).
    pub log: PathBuf,
    /// Extra environment variables, on top of m2fresh's own environment.
    pub env: Vec<(String, String)>,
}

impl MavenInvocation {
    /// The program and its arguments, as they are executed (no shell).
    pub fn argv(&self) -> Vec<String> {
        std::iter::once(self.program.to_string_lossy().into_owned())
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The command as a shell line, quoted so it can be pasted to reproduce.
    pub fn command_line(&self) -> String {
        let words = std::iter::once(self.program.to_string_lossy().into_owned())
            .chain(self.args.iter().cloned());
        let mut line = String::new();
        for (name, value) in &self.env {
            line.push_str(&quote(&format!("{name}={value}")));
            line.push(' ');
        }
        let words: Vec<String> = words.map(|w| quote(&w)).collect();
        line.push_str(&words.join(" "));
        format!("cd {} && {line}", quote(&self.cwd.to_string_lossy()))
    }
}

fn quote(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| format!("{word:?}"), |q| q.into_owned())
}

/// Runs `inv` to completion with its output in `inv.log`, and returns how it
/// exited.
///
/// The log starts with one line, `# cd <cwd> && <command>`, then holds the
/// child's stdout and stderr as written. The child gets no stdin and, on
/// Unix, a process group of its own, so a Ctrl-C in the terminal does not
/// reach it. When `cancel` is set, the child's group gets SIGTERM, and
/// SIGKILL if it has not exited after [`TERMINATE_GRACE`]; the returned
/// status then tells the signal.
///
/// # Errors
///
/// When the log cannot be written or the program cannot be started (the
/// message names the file or program).
pub fn run_logged(inv: &MavenInvocation, cancel: &CancelToken) -> io::Result<ExitStatus> {
    run_logged_with_grace(inv, cancel, TERMINATE_GRACE, &mut || {})
}

/// [`run_logged`], calling `watch` on this thread while the program runs (every few
/// milliseconds; it can read the log as it grows) and once more after it ended.
pub fn run_logged_watching(
    inv: &MavenInvocation,
    cancel: &CancelToken,
    watch: &mut dyn FnMut(),
) -> io::Result<ExitStatus> {
    run_logged_with_grace(inv, cancel, TERMINATE_GRACE, watch)
}

fn run_logged_with_grace(
    inv: &MavenInvocation,
    cancel: &CancelToken,
    grace: Duration,
    watch: &mut dyn FnMut(),
) -> io::Result<ExitStatus> {
    let log_error = |err: io::Error| {
        io::Error::new(
            err.kind(),
            format!("cannot write log {}: {err}", inv.log.display()),
        )
    };
    if let Some(dir) = inv.log.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(log_error)?;
    }
    let mut log = File::create(&inv.log).map_err(log_error)?;
    writeln!(log, "# {}", inv.command_line()).map_err(log_error)?;
    let stderr = log.try_clone().map_err(log_error)?;

    let mut command = Command::new(&inv.program);
    command
        .args(&inv.args)
        .current_dir(&inv.cwd)
        .envs(inv.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    #[cfg(target_os = "linux")]
    die_with_parent(&mut command);
    let mut child = command.spawn().map_err(|err| {
        io::Error::new(
            err.kind(),
            format!(
                "cannot start {} in {}: {err}",
                inv.program.display(),
                inv.cwd.display()
            ),
        )
    })?;
    // The parent's copies of the log handles go, so only the child holds them.
    drop(command);

    loop {
        if let Some(status) = child.try_wait()? {
            watch();
            return Ok(status);
        }
        if cancel.is_cancelled() {
            let status = terminate(&mut child, grace);
            watch();
            return status;
        }
        watch();
        thread::sleep(POLL);
    }
}

/// Makes the child get SIGKILL when m2fresh dies, however it dies (`kill -9` included),
/// so that no Maven keeps building — and writing into the local repository — for a
/// run that is over, while the next run starts the same modules in the same directories.
///
/// Linux sends the parent-death signal when the *thread* that spawned the child exits.
/// [`run_logged_with_grace`] spawns on the thread that then waits for the child until it
/// has exited, so that thread outlives the child in every normal course.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before `exec`. It only makes two
    // system calls (prctl, getppid) and builds an error from a constant errno: nothing
    // that allocates or takes a lock, so it is async-signal-safe.
    unsafe {
        command.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
            // m2fresh may have died between the fork and the prctl: no signal would
            // ever come then, so the child does not start at all.
            if rustix::process::getppid() != Some(parent) {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        });
    }
}

/// Stops a child and its process group: SIGTERM, up to `grace` to exit,
/// then SIGKILL. Reaps the child and returns its status.
fn terminate(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process_group};
        let group = Pid::from_child(child);
        // Signalling "group 1" would mean every process we may signal.
        if group != Pid::INIT {
            // Errors here mean the group is already gone: nothing to stop.
            let _ = kill_process_group(group, Signal::TERM);
            let deadline = Instant::now() + grace;
            let status = loop {
                if let Some(status) = child.try_wait()? {
                    break Some(status);
                }
                if Instant::now() >= deadline {
                    break None;
                }
                thread::sleep(POLL);
            };
            // Also reaches what the child started and left behind (forked
            // test JVMs), even when the child itself obeyed SIGTERM.
            let _ = kill_process_group(group, Signal::KILL);
            return match status {
                Some(status) => Ok(status),
                None => child.wait(),
            };
        }
    }
    let _ = grace;
    child.kill()?;
    child.wait()
}

/// The last `lines` lines of the file at `path` (the whole file if it is
/// shorter), for showing the end of a failed build's log. Reads only the end
/// of the file; invalid UTF-8 is replaced.
///
/// # Errors
///
/// When the file cannot be read (the message names it).
pub fn tail(path: &Path, lines: usize) -> io::Result<String> {
    let with_path = |err: io::Error| {
        io::Error::new(err.kind(), format!("cannot read {}: {err}", path.display()))
    };
    if lines == 0 {
        return Ok(String::new());
    }
    let mut file = File::open(path).map_err(with_path)?;
    let end = file.metadata().map_err(with_path)?.len();
    let mut start = end;
    let mut block: u64 = 8 * 1024;
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        // A final newline ends the last line; it does not start another.
        let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let newlines = body.iter().filter(|&&b| b == b'\n').count();
        if newlines >= lines || start == 0 {
            let skip = if newlines >= lines {
                // Keep what follows the `lines`-th newline from the end.
                body.iter()
                    .enumerate()
                    .rev()
                    .filter(|&(_, &b)| b == b'\n')
                    .nth(lines - 1)
                    .map_or(0, |(at, _)| at + 1)
            } else {
                0
            };
            return Ok(String::from_utf8_lossy(&bytes[skip..]).into_owned());
        }
        let from = start.saturating_sub(block);
        file.seek(SeekFrom::Start(from)).map_err(with_path)?;
        let mut chunk = Vec::new();
        Read::by_ref(&mut file)
            .take(start - from)
            .read_to_end(&mut chunk)
            .map_err(with_path)?;
        chunk.extend_from_slice(&bytes);
        bytes = chunk;
        start = from;
        block = block.saturating_mul(2);
    }
}

/// The [`Job`] that installs modules with Maven: one [`MavenInvocation`] per
/// node, run with [`run_logged`].
#[derive(Debug, Clone)]
pub struct MavenJobs<Id> {
    /// The invocation for each node of the queue.
    pub invocations: HashMap<Id, MavenInvocation>,
}

impl<Id> Job for MavenJobs<Id>
where
    Id: Copy + Eq + Hash + Ord + Send + Sync + Debug,
{
    type Id = Id;

    fn run(&self, id: Id, cancel: &CancelToken) -> Result<(), JobFailure> {
        let Some(inv) = self.invocations.get(&id) else {
            return Err(JobFailure::Other {
                message: format!("no Maven invocation was planned for {id:?}"),
            });
        };
        if cancel.is_cancelled() {
            return Err(JobFailure::Cancelled);
        }
        match run_logged(inv, cancel) {
            Ok(status) if status.success() => Ok(()),
            Ok(_) if cancel.is_cancelled() => Err(JobFailure::Cancelled),
            Ok(status) => Err(JobFailure::Exited {
                program: inv.program.clone(),
                status,
                log: inv.log.clone(),
            }),
            Err(source) => Err(JobFailure::Io {
                program: inv.program.clone(),
                log: inv.log.clone(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    type Graph = &'static [(u32, &'static [u32])];

    fn queue(graph: Graph) -> DependencyQueue<u32> {
        DependencyQueue::new(graph.iter().map(|(n, d)| (*n, d.to_vec())))
            .expect("test graphs have no cycle")
    }

    /// Records what the executor did, as the jobs saw it.
    #[derive(Default)]
    struct Recorder {
        running: AtomicUsize,
        most_at_once: AtomicUsize,
        started: Mutex<Vec<u32>>,
        finished: Mutex<HashSet<u32>>,
        violations: Mutex<Vec<String>>,
    }

    impl Recorder {
        /// A job that checks its dependencies finished, sleeps `millis`, and
        /// fails for the ids in `failing`.
        fn job<'a>(
            &'a self,
            graph: Graph,
            millis: u64,
            failing: &'a [u32],
        ) -> FnJob<u32, impl Fn(u32, &CancelToken) -> Result<(), JobFailure> + Sync + 'a> {
            FnJob::new(move |id: u32, _cancel: &CancelToken| {
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_at_once.fetch_max(now, Ordering::SeqCst);
                self.started.lock().map(|mut s| s.push(id)).ok();
                let deps = graph
                    .iter()
                    .find(|(n, _)| *n == id)
                    .map_or(&[][..], |g| g.1);
                if let Ok(finished) = self.finished.lock() {
                    for dep in deps {
                        if !finished.contains(dep) {
                            self.violations
                                .lock()
                                .map(|mut v| v.push(format!("{id} started before {dep}")))
                                .ok();
                        }
                    }
                }
                thread::sleep(Duration::from_millis(millis));
                self.running.fetch_sub(1, Ordering::SeqCst);
                if failing.contains(&id) {
                    return Err(JobFailure::Other {
                        message: format!("{id} failed"),
                    });
                }
                self.finished.lock().map(|mut f| f.insert(id)).ok();
                Ok(())
            })
        }

        fn started(&self) -> Vec<u32> {
            self.started.lock().map(|s| s.clone()).unwrap_or_default()
        }
    }

    fn summary(report: &ExecReport<u32>) -> Vec<(u32, String)> {
        report
            .outcomes
            .iter()
            .map(|(id, outcome)| {
                let what = match outcome {
                    Outcome::Succeeded(_) => "ok".to_owned(),
                    Outcome::Failed(JobFailure::Cancelled) => "cancelled".to_owned(),
                    Outcome::Failed(_) => "failed".to_owned(),
                    Outcome::Skipped(because) => format!("skipped for {because}"),
                    Outcome::NotStarted => "not started".to_owned(),
                };
                (*id, what)
            })
            .collect()
    }

    const WIDE: Graph = &[
        (1, &[]),
        (2, &[]),
        (3, &[1]),
        (4, &[]),
        (5, &[3, 2]),
        (6, &[]),
        (7, &[]),
        (8, &[5]),
        (9, &[]),
        (10, &[]),
    ];

    #[test]
    fn never_more_than_jobs_at_once_and_dependencies_first() {
        for jobs in [1, 3] {
            let recorder = Recorder::default();
            let job = recorder.job(WIDE, 25, &[]);
            let opts = ExecOptions {
                jobs,
                keep_going: false,
            };
            let report = execute(queue(WIDE), &job, &opts, &(), &CancelToken::new());
            assert!(report.is_success(), "{:?}", summary(&report));
            assert_eq!(report.outcomes.len(), WIDE.len());
            assert_eq!(recorder.most_at_once.load(Ordering::SeqCst), jobs);
            assert_eq!(recorder.violations.lock().map(|v| v.len()).ok(), Some(0));
            let started: HashSet<u32> = recorder.started().into_iter().collect();
            assert_eq!(started.len(), WIDE.len(), "each node ran exactly once");
        }
    }

    #[test]
    fn a_failure_starts_nothing_new_but_lets_running_jobs_finish() {
        // 1 fails at once while 2 is still busy; 3..=6 wait for a free slot.
        const GRAPH: Graph = &[(1, &[]), (2, &[]), (3, &[]), (4, &[]), (5, &[]), (6, &[])];
        let recorder = Recorder::default();
        let one_failed = AtomicBool::new(false);
        let slow_two = FnJob::new(|id: u32, cancel: &CancelToken| {
            if id == 2 {
                // Still running well after 1 reported its failure.
                let deadline = Instant::now() + Duration::from_secs(5);
                while !one_failed.load(Ordering::SeqCst) && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
                thread::sleep(Duration::from_millis(50));
            }
            let result = recorder.job(GRAPH, 1, &[1]).run(id, cancel);
            if id == 1 {
                one_failed.store(true, Ordering::SeqCst);
            }
            result
        });
        let opts = ExecOptions {
            jobs: 2,
            keep_going: false,
        };
        let report = execute(queue(GRAPH), &slow_two, &opts, &(), &CancelToken::new());
        assert_eq!(
            summary(&report),
            vec![
                (1, "failed".to_owned()),
                (2, "ok".to_owned()),
                (3, "not started".to_owned()),
                (4, "not started".to_owned()),
                (5, "not started".to_owned()),
                (6, "not started".to_owned()),
            ]
        );
        assert_eq!(recorder.started(), vec![1, 2]);
        assert!(!report.cancelled);
        assert_eq!(report.failures().count(), 1);
    }

    #[test]
    fn keep_going_skips_exactly_the_dependents() {
        const GRAPH: Graph = &[
            (1, &[]),
            (4, &[]),
            (2, &[1]),
            (3, &[2]),
            (5, &[4]),
            (6, &[1, 4]),
        ];
        let recorder = Recorder::default();
        let job = recorder.job(GRAPH, 5, &[1]);
        let opts = ExecOptions {
            jobs: 1,
            keep_going: true,
        };
        let skips = Mutex::new(Vec::new());
        struct Skips<'a>(&'a Mutex<Vec<(u32, u32)>>);
        impl Progress<u32> for Skips<'_> {
            fn skipped(&self, id: u32, because: u32) {
                self.0.lock().map(|mut s| s.push((id, because))).ok();
            }
        }
        let report = execute(
            queue(GRAPH),
            &job,
            &opts,
            &Skips(&skips),
            &CancelToken::new(),
        );
        // 1 has the most dependents, so it goes first; its failure is
        // followed at once by its dependents' skips.
        assert_eq!(
            summary(&report),
            vec![
                (1, "failed".to_owned()),
                (2, "skipped for 1".to_owned()),
                (3, "skipped for 1".to_owned()),
                (6, "skipped for 1".to_owned()),
                (4, "ok".to_owned()),
                (5, "ok".to_owned()),
            ]
        );
        assert_eq!(
            skips.lock().map(|s| s.clone()).ok(),
            Some(vec![(2, 1), (3, 1), (6, 1)])
        );
        assert_eq!(recorder.started(), vec![1, 4, 5]);
    }

    #[test]
    fn cancel_tells_running_jobs_starts_nothing_and_drains() {
        const GRAPH: Graph = &[(1, &[]), (2, &[]), (3, &[]), (4, &[]), (5, &[])];
        let cancel = CancelToken::new();
        let started = AtomicUsize::new(0);
        let job = FnJob::new(|_id: u32, token: &CancelToken| {
            if started.fetch_add(1, Ordering::SeqCst) + 1 == 2 {
                // Both slots are busy now: press Ctrl-C.
                cancel.cancel();
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if token.is_cancelled() {
                    return Err(JobFailure::Cancelled);
                }
                thread::sleep(Duration::from_millis(2));
            }
            Ok(())
        });
        let opts = ExecOptions {
            jobs: 2,
            keep_going: true,
        };
        let began = Instant::now();
        let report = execute(queue(GRAPH), &job, &opts, &(), &cancel);
        assert!(began.elapsed() < Duration::from_secs(5), "the loop drained");
        assert!(report.cancelled);
        assert_eq!(started.load(Ordering::SeqCst), 2);
        let mut seen = summary(&report);
        seen[..2].sort();
        assert_eq!(
            seen,
            vec![
                (1, "cancelled".to_owned()),
                (2, "cancelled".to_owned()),
                (3, "not started".to_owned()),
                (4, "not started".to_owned()),
                (5, "not started".to_owned()),
            ]
        );
    }

    #[test]
    fn a_panicking_job_is_a_failure_not_a_hang() {
        const GRAPH: Graph = &[(1, &[]), (2, &[1])];
        let job = FnJob::new(|id: u32, _: &CancelToken| {
            if id == 1 {
                panic!("boom");
            }
            Ok(())
        });
        let opts = ExecOptions {
            jobs: 2,
            keep_going: true,
        };
        let report = execute(queue(GRAPH), &job, &opts, &(), &CancelToken::new());
        match &report.outcomes[0] {
            (1, Outcome::Failed(JobFailure::Panicked { message })) => assert_eq!(message, "boom"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(report.outcomes[1], (2, Outcome::Skipped(1))));
    }

    #[test]
    fn zero_jobs_still_runs_one_at_a_time() {
        let recorder = Recorder::default();
        let job = recorder.job(WIDE, 1, &[]);
        let opts = ExecOptions {
            jobs: 0,
            keep_going: false,
        };
        let report = execute(queue(WIDE), &job, &opts, &(), &CancelToken::new());
        assert!(report.is_success());
        assert_eq!(recorder.most_at_once.load(Ordering::SeqCst), 1);
    }

    #[cfg(unix)]
    fn sh(dir: &Path, script: &str) -> MavenInvocation {
        MavenInvocation {
            program: PathBuf::from("sh"),
            args: vec!["-c".to_owned(), script.to_owned()],
            cwd: dir.to_path_buf(),
            log: dir.join("logs").join("module.log"),
            env: vec![("M2FRESH_TEST".to_owned(), "from env".to_owned())],
        }
    }

    #[cfg(unix)]
    #[test]
    fn run_logged_writes_output_and_returns_the_exit_status() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let inv = sh(
            dir.path(),
            "echo out $M2FRESH_TEST; pwd; echo err >&2; exit 3",
        );
        let status = run_logged(&inv, &CancelToken::new())?;
        assert_eq!(status.code(), Some(3));
        let log = fs::read_to_string(&inv.log)?;
        let cwd = dir.path().canonicalize()?;
        assert_eq!(
            log.lines().skip(1).collect::<Vec<_>>(),
            vec!["out from env", &cwd.to_string_lossy(), "err"]
        );
        assert!(log.starts_with("# cd "), "{log}");
        assert!(
            log.lines().next().is_some_and(|l| l.contains("sh -c")),
            "{log}"
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn run_logged_reports_a_missing_program() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut inv = sh(dir.path(), "");
        inv.program = dir.path().join("no-mvnw");
        let err = run_logged(&inv, &CancelToken::new()).expect_err("no such program");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("no-mvnw"), "{err}");
        Ok(())
    }

    /// Whether the process is gone (or a zombie waiting for its new parent).
    #[cfg(target_os = "linux")]
    fn gone(pid: &str) -> bool {
        match fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        }
    }

    #[cfg(target_os = "linux")]
    fn cancel_soon(cancel: &CancelToken, log: &Path) {
        let cancel = cancel.clone();
        let log = log.to_path_buf();
        thread::spawn(move || {
            // Cancel once the script has told the grandchild's pid.
            for _ in 0..500 {
                if fs::read_to_string(&log).is_ok_and(|l| l.lines().count() >= 2) {
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
            cancel.cancel();
        });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn cancel_terminates_the_childs_whole_process_group_quickly() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let inv = sh(dir.path(), "sleep 30 & echo $!; wait");
        let cancel = CancelToken::new();
        cancel_soon(&cancel, &inv.log);
        let began = Instant::now();
        let status = run_logged(&inv, &cancel)?;
        assert!(
            began.elapsed() < Duration::from_secs(3),
            "{:?}",
            began.elapsed()
        );
        assert!(!status.success());
        let log = fs::read_to_string(&inv.log)?;
        let sleeper = log.lines().nth(1).unwrap_or_default().trim().to_owned();
        assert!(!sleeper.is_empty(), "{log}");
        let deadline = Instant::now() + Duration::from_secs(2);
        while !gone(&sleeper) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(gone(&sleeper), "`sleep 30` ({sleeper}) outlived the cancel");
        Ok(())
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_ignoring_sigterm_is_killed_after_the_grace() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let inv = sh(dir.path(), "trap '' TERM; sleep 30 & echo $!; wait");
        let cancel = CancelToken::new();
        cancel_soon(&cancel, &inv.log);
        let began = Instant::now();
        let status = run_logged_with_grace(&inv, &cancel, Duration::from_millis(300), &mut || {})?;
        let took = began.elapsed();
        assert!(
            took >= Duration::from_millis(300),
            "waited the grace: {took:?}"
        );
        assert!(took < Duration::from_secs(3), "{took:?}");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn maven_jobs_map_exit_codes_to_outcomes() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut ok = sh(dir.path(), "echo installed");
        ok.log = dir.path().join("ok.log");
        let mut bad = sh(dir.path(), "echo BUILD FAILURE; exit 1");
        bad.log = dir.path().join("bad.log");
        let jobs = MavenJobs {
            invocations: HashMap::from([(1u32, ok), (2u32, bad.clone())]),
        };
        let q = DependencyQueue::new([(1u32, vec![]), (2, vec![1]), (3, vec![2])])
            .map_err(|e| io::Error::other(e.to_string()))?;
        let opts = ExecOptions {
            jobs: 2,
            keep_going: true,
        };
        let report = execute(q, &jobs, &opts, &(), &CancelToken::new());
        assert!(matches!(report.outcomes[0], (1, Outcome::Succeeded(_))));
        match &report.outcomes[1] {
            (2, Outcome::Failed(JobFailure::Exited { status, log, .. })) => {
                assert_eq!(status.code(), Some(1));
                assert_eq!(log, &bad.log);
                assert_eq!(tail(log, 1)?, "BUILD FAILURE\n");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(report.outcomes[2], (3, Outcome::Skipped(2))));
        Ok(())
    }

    #[test]
    fn tail_returns_the_last_lines() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("log");
        fs::write(&path, "a\nb\nc\n")?;
        assert_eq!(tail(&path, 2)?, "b\nc\n");
        assert_eq!(tail(&path, 3)?, "a\nb\nc\n");
        assert_eq!(tail(&path, 10)?, "a\nb\nc\n");
        assert_eq!(tail(&path, 0)?, "");
        fs::write(&path, "a\nb\nc")?;
        assert_eq!(tail(&path, 2)?, "b\nc");
        fs::write(&path, "")?;
        assert_eq!(tail(&path, 2)?, "");
        Ok(())
    }

    #[test]
    fn tail_reads_back_across_blocks_of_a_large_log() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("log");
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!("[INFO] line {i} {}\n", "x".repeat(i % 50)));
        }
        fs::write(&path, &text)?;
        let expected: Vec<&str> = text.lines().skip(20_000 - 1_500).collect();
        assert_eq!(tail(&path, 1_500)?.lines().collect::<Vec<_>>(), expected);
        Ok(())
    }

    #[test]
    fn tail_names_a_missing_log() {
        let err = tail(Path::new("/nonexistent/m2fresh.log"), 5).expect_err("no such file");
        assert!(
            err.to_string().contains("/nonexistent/m2fresh.log"),
            "{err}"
        );
    }
}
