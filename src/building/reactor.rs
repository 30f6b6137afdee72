//! The whole plan in one Maven reactor: `mvn -f ROOT -pl g:a,g:b,... -T N clean install`.
//!
//! Maven orders and parallelises exactly the planned modules in one JVM (what is not
//! planned comes from the local repository, which m2fresh found fresh). Progress is read
//! from the log as it grows (`--< groupId:artifactId >--` announces each project), and
//! each module's outcome from Maven's reactor summary. The modules Maven built are then
//! stamped by [`stamping::stamp_built`], once, after Maven ended.

use crate::building::exec::{self, JobFailure, MavenInvocation, Outcome};
use crate::building::install::{
    InstallMode, InstallReport, InstalledModule, ModuleResult, Run, install_command_line, millis,
};
use crate::building::maven::{MavenCommandLine, MavenTool};
use crate::building::plan::Plan;
use crate::building::stamping::{self, NotStamped};
use crate::maven::workspace::ModuleId;
use crate::project::Project;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// The longest `-pl` list m2fresh passes (Linux's limit for one argument is 128 KiB).
pub(crate) const MAX_SELECTION: usize = 120 * 1024;

/// The Maven command line (without the program) that builds the whole plan in the
/// reactor of `root_pom`: the planned modules by `-pl groupId:artifactId,...`, in
/// parallel with `-T` when `jobs` allows, `-fae` to go on past a failure with
/// `keep_going`.
pub(crate) fn reactor_args(run: &Run, root_pom: &Path, tool: &MavenTool) -> Vec<String> {
    let selection: Vec<String> = run
        .plan
        .install
        .iter()
        .map(|p| run.project.workspace.module(p.module).gav.ga())
        .collect();
    MavenCommandLine {
        pom: Some(root_pom),
        projects: selection,
        threads: run.jobs,
        fail_at_end: run.opts.keep_going,
        ..install_command_line(&run.model, tool, run.opts, run.jobs > 1, run.goal)
    }
    .args()
}

/// How Maven's reactor summary says one project ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Summary {
    Success(Duration),
    Failure(Duration),
    Skipped,
}

/// Maven's "Reactor Summary" (`ExecutionEventLogger.logReactorSummary`): one line per
/// project, `NAME [VERSION] ....... SUCCESS [  1.234 s]` (the version only when the
/// reactor's projects have different versions). Returns (the text before the dots,
/// outcome) in the summary's order; nothing when Maven stopped before building.
fn reactor_summary(log: &str) -> Vec<(String, Summary)> {
    let Some(start) = log.rfind("Reactor Summary") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in log[start..].lines().skip(1) {
        let Some(text) = line.strip_prefix("[INFO] ") else {
            continue;
        };
        if text.starts_with("---") || text.starts_with("BUILD ") {
            break;
        }
        let parsed = [
            (" SUCCESS [", Summary::Success as fn(Duration) -> Summary),
            (" FAILURE [", Summary::Failure),
        ]
        .into_iter()
        .find_map(|(marker, outcome)| {
            let at = text.rfind(marker)?;
            let took = parse_duration(text[at + marker.len()..].trim_end_matches(']').trim());
            Some((&text[..at], outcome(took)))
        })
        .or_else(|| text.strip_suffix(" SKIPPED").map(|t| (t, Summary::Skipped)));
        if let Some((name, outcome)) = parsed {
            let name = name.trim_end_matches(['.', ' ']).to_string();
            out.push((name, outcome));
        }
    }
    out
}

/// Maven's `formatDuration`: `1.234 s`, `01:02 min`, `1:02 h`.
fn parse_duration(text: &str) -> Duration {
    let number = |t: &str| t.trim().parse::<f64>().ok();
    let seconds = if let Some(s) = text.strip_suffix(" s") {
        number(s)
    } else if let Some(m) = text.strip_suffix(" min") {
        m.split_once(':')
            .and_then(|(m, s)| Some(number(m)? * 60.0 + number(s)?))
    } else if let Some(h) = text.strip_suffix(" h") {
        h.split_once(':')
            .and_then(|(h, m)| Some(number(h)? * 3600.0 + number(m)? * 60.0))
    } else {
        None
    };
    Duration::try_from_secs_f64(seconds.unwrap_or(0.0)).unwrap_or_default()
}

/// What one Maven reactor run left to read: how it exited, the projects it announced
/// (in order), its reactor summary, and how long it took.
struct ReactorRun {
    status: io::Result<ExitStatus>,
    announced: Vec<ModuleId>,
    summary: Vec<(String, Summary)>,
    elapsed: Duration,
}

/// Runs the reactor, telling the progress each project's start as Maven announces it.
fn run_reactor(run: &Run, inv: &MavenInvocation) -> ReactorRun {
    let ws = &run.project.workspace;
    let by_ga: HashMap<String, ModuleId> = run
        .plan
        .install
        .iter()
        .map(|p| (ws.module(p.module).gav.ga(), p.module))
        .collect();
    // The same reading keeps the reactor summary, from its heading to `BUILD ...`.
    let mut announced: Vec<ModuleId> = Vec::new();
    let mut summary_text = String::new();
    let mut in_summary = false;
    let mut tail = LogTail::new(&inv.log);
    let started = Instant::now();
    let status = exec::run_logged_watching(inv, run.cancel, &mut || {
        for line in tail.new_lines() {
            if let Some(id) = project_header(&line).and_then(|ga| by_ga.get(ga))
                && !announced.contains(id)
            {
                announced.push(*id);
                run.progress.started(*id);
            }
            if line.contains("Reactor Summary") {
                summary_text.clear();
                in_summary = true;
            }
            if in_summary {
                summary_text.push_str(&line);
                summary_text.push('\n');
                in_summary = !line.starts_with("[INFO] BUILD ");
            }
        }
    });
    ReactorRun {
        status,
        announced,
        summary: reactor_summary(&summary_text),
        elapsed: started.elapsed(),
    }
}

/// How the summary names each planned module: its `<name>` (else artifactId), with the
/// version when the planned versions differ, as Maven prints it.
fn summary_labels(project: &Project, plan: &Plan) -> Vec<String> {
    let ws = &project.workspace;
    let mut versions = plan
        .install
        .iter()
        .map(|p| ws.module(p.module).gav.version.as_str());
    let first = versions.next();
    let single_version = versions.all(|v| Some(v) == first);
    plan.install
        .iter()
        .map(|p| {
            let m = ws.module(p.module);
            let name = crate::maven::pom::text(&m.effective.name).unwrap_or(&m.gav.artifact_id);
            let label = if single_version {
                name.to_string()
            } else {
                format!("{name} {}", m.gav.version)
            };
            label.trim_end_matches(['.', ' ']).to_string()
        })
        .collect()
}

/// What the reactor did with one planned module, before stamping.
enum Verdict {
    /// Maven built and installed it, in this long.
    Built(Duration),
    /// Maven failed on it.
    Failed(JobFailure, Duration),
    /// Skipped because a module it needs failed.
    Skipped(ModuleId),
    /// Not built: the run was cancelled, or Maven stopped first.
    NotStarted,
}

/// Each planned module's verdict, from the summary (a name two planned modules share
/// tells nothing about either) and from how Maven exited.
fn verdicts(run: &Run, inv: &MavenInvocation, done: &ReactorRun) -> Vec<(ModuleId, Verdict)> {
    let plan = run.plan;
    let labels = summary_labels(run.project, plan);
    let named = |name: &str| -> Option<ModuleId> {
        let mut hits = labels.iter().enumerate().filter(|(_, l)| *l == name);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(plan.install[i].module),
            _ => None,
        }
    };
    let failed: Vec<ModuleId> = done
        .summary
        .iter()
        .filter(|(_, s)| matches!(s, Summary::Failure(_)))
        .filter_map(|(name, _)| named(name))
        .collect();
    let cancelled = run.cancel.is_cancelled();
    let succeeded = matches!(&done.status, Ok(s) if s.success()) && !cancelled;
    plan.install
        .iter()
        .map(|p| {
            let id = p.module;
            let said = done
                .summary
                .iter()
                .find(|(name, _)| named(name) == Some(id))
                .map(|(_, s)| *s);
            let verdict = match said {
                Some(Summary::Success(took)) => Verdict::Built(took),
                None if succeeded => Verdict::Built(done.elapsed),
                _ if cancelled => Verdict::NotStarted,
                Some(Summary::Skipped) => match failed.iter().find(|f| plan.waits_on(id, **f)) {
                    Some(&because) => Verdict::Skipped(because),
                    // Maven stopped at the first failure (no -fae) before its turn.
                    None => Verdict::NotStarted,
                },
                Some(Summary::Failure(took)) => Verdict::Failed(exited(inv, &done.status), took),
                None => Verdict::Failed(unexplained(inv, done), Duration::ZERO),
            };
            (id, verdict)
        })
        .collect()
}

/// The failure of a project the summary says failed.
fn exited(inv: &MavenInvocation, status: &io::Result<ExitStatus>) -> JobFailure {
    match status {
        Ok(status) => JobFailure::Exited {
            program: inv.program.clone(),
            status: *status,
            log: inv.log.clone(),
        },
        Err(e) => JobFailure::Other {
            message: e.to_string(),
        },
    }
}

/// The failure of a project the summary does not name (or no summary at all).
fn unexplained(inv: &MavenInvocation, done: &ReactorRun) -> JobFailure {
    let message = match &done.status {
        Err(e) => format!("could not run `{}`: {e}", inv.program.display()),
        Ok(status) if done.summary.is_empty() => format!(
            "Maven failed ({status}) without a reactor summary (it stopped before \
             building, or -q hid it); its output is in {}; if the reactor itself \
             fails (a module outside the plan), --per-module builds each planned \
             module on its own",
            inv.log.display()
        ),
        Ok(status) => format!(
            "Maven failed ({status}) and its reactor summary does not name this \
             module unambiguously; its output is in {}",
            inv.log.display()
        ),
    };
    JobFailure::Other { message }
}

/// What became of a reactor install.
pub(crate) enum Reactor {
    /// Maven ran the reactor: each planned module's outcome.
    Done(InstallReport),
    /// Maven failed before building any project (it could not read or order the
    /// reactor), and the caller asked to be told: nothing was built or stamped.
    Refused {
        /// The report as a failure of every module, for a caller that does not fall back.
        report: InstallReport,
        /// Maven's first error line.
        reason: String,
        /// Maven's output.
        log: PathBuf,
    },
}

/// Runs the one reactor invocation, reads each planned module's outcome from Maven's
/// reactor summary, and stamps the modules Maven built (when their sources did not
/// change meanwhile). A reactor m2fresh wrote itself ([`InstallMode::SiblingReactor`])
/// that Maven refuses before building anything is [`Reactor::Refused`].
pub(crate) fn install_in_one_reactor(
    run: &Run,
    inv: MavenInvocation,
    tool: Option<MavenTool>,
    notes: Vec<String>,
    mode: InstallMode,
) -> Reactor {
    let ws = &run.project.workspace;
    let done = run_reactor(run, &inv);
    // Maven said why it would not build (a Maven that does not start at all, says
    // nothing, would fail one module at a time the same way).
    let refusal = (mode == InstallMode::SiblingReactor
        && !run.cancel.is_cancelled()
        && matches!(&done.status, Ok(s) if !s.success())
        && done.announced.is_empty()
        && done.summary.is_empty())
    .then(|| first_error(&inv.log))
    .flatten();
    let refused = refusal.is_some();
    let verdicts = verdicts(run, &inv, &done);
    let built: Vec<ModuleId> = verdicts
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Built(_)))
        .map(|(id, _)| *id)
        .collect();
    let mut stamps = stamping::stamp_built(run.project, &run.before, &built);
    let command = inv.command_line();
    let mut modules = Vec::new();
    for (id, verdict) in verdicts {
        let (result, outcome, took) = match verdict {
            Verdict::Built(took) => match stamps.remove(&id) {
                Some(Ok(_)) => (ModuleResult::Installed, Outcome::Succeeded(took), took),
                Some(Err(why)) => not_stamped(why, took),
                None => not_stamped(NotStamped::Failed("not stamped".into()), took),
            },
            Verdict::Failed(f, took) => (
                ModuleResult::Failed {
                    message: f.to_string(),
                },
                Outcome::Failed(f),
                took,
            ),
            Verdict::Skipped(because) => {
                if !done.announced.contains(&id) {
                    run.progress.skipped(id, because);
                }
                let result = ModuleResult::Skipped {
                    because: ws.module(because).key(),
                };
                modules.push(entry(run, id, result, 0, &inv, &command));
                continue;
            }
            Verdict::NotStarted => {
                modules.push(entry(run, id, ModuleResult::NotStarted, 0, &inv, &command));
                continue;
            }
        };
        if refused {
            // Nothing started; the caller runs it again another way.
        } else {
            if !done.announced.contains(&id) {
                // Maven did not announce it (`-q`): it started all the same.
                run.progress.started(id);
            }
            run.progress.finished(id, &outcome, took);
        }
        modules.push(entry(run, id, result, millis(took), &inv, &command));
    }
    let report = run.report(tool, modules, run.cancel.is_cancelled(), notes, mode);
    if let Some(reason) = refusal {
        return Reactor::Refused {
            report,
            reason,
            log: inv.log,
        };
    }
    Reactor::Done(report)
}

/// The first `[ERROR]` line of a Maven log that says something (without the prefix;
/// not a heading like "Some problems were encountered while processing the POMs:").
fn first_error(log: &Path) -> Option<String> {
    let text = std::fs::read(log).unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|l| l.strip_prefix("[ERROR]"))
        // Maven 3.8 repeats the prefix and ends a model problem's line with its `@`.
        .map(|l| {
            l.trim()
                .trim_start_matches("[ERROR]")
                .trim_end_matches('@')
                .trim()
        })
        .find(|l| !l.is_empty() && !l.ends_with(':'))
        .map(str::to_owned)
}

/// The result, progress outcome and time of a module Maven built but m2fresh did not
/// stamp.
fn not_stamped(why: NotStamped, took: Duration) -> (ModuleResult, Outcome<ModuleId>, Duration) {
    let message = why.to_string();
    (
        ModuleResult::NotStamped {
            message: message.clone(),
        },
        Outcome::Failed(JobFailure::Other { message }),
        took,
    )
}

fn entry(
    run: &Run,
    id: ModuleId,
    result: ModuleResult,
    millis: u64,
    inv: &MavenInvocation,
    command: &str,
) -> InstalledModule {
    InstalledModule {
        module: id,
        id: run.project.workspace.module(id).key(),
        result,
        millis,
        log: inv.log.clone(),
        command: command.to_string(),
        argv: inv.argv(),
        cwd: Some(inv.cwd.clone()),
    }
}

/// Maven's project header, `[INFO] ------< groupId:artifactId >------`: the id.
fn project_header(line: &str) -> Option<&str> {
    let line = line.strip_prefix("[INFO]").unwrap_or(line).trim();
    let inner = line.strip_prefix('-')?.trim_matches('-').trim();
    let ga = inner.strip_prefix('<')?.strip_suffix('>')?.trim();
    ga.contains(':').then_some(ga)
}

/// The lines appended to a log since the last look.
struct LogTail {
    path: PathBuf,
    file: Option<File>,
    pending: Vec<u8>,
}

impl LogTail {
    fn new(path: &Path) -> LogTail {
        LogTail {
            path: path.to_path_buf(),
            file: None,
            pending: Vec::new(),
        }
    }

    /// Complete lines written since the last call (none if the log cannot be read: the
    /// progress is then told at the end).
    fn new_lines(&mut self) -> Vec<String> {
        use std::io::Read;
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(file) = &mut self.file else {
            return Vec::new();
        };
        let _ = file.read_to_end(&mut self.pending);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reactor_summary_gives_each_projects_outcome() {
        // As Maven 3.8 prints it with -B (and -fae, after core failed).
        let log = "[INFO] BUILD stuff before\n\
            [INFO] ------------------------------------------------------------------------\n\
            [INFO] Reactor Summary for basic-parent 1.0-SNAPSHOT:\n\
            [INFO] \n\
            [INFO] basic-parent ....................................... SUCCESS [  0.412 s]\n\
            [INFO] Core library ....................................... FAILURE [  1.234 s]\n\
            [INFO] A name longer than the dots make room for, which Maven then leaves unpadded SUCCESS [01:02 min]\n\
            [INFO] svc-b 2.0 .......................................... SKIPPED\n\
            [INFO] ------------------------------------------------------------------------\n\
            [INFO] BUILD FAILURE\n";
        assert_eq!(
            reactor_summary(log),
            [
                (
                    "basic-parent".to_string(),
                    Summary::Success(Duration::from_millis(412))
                ),
                (
                    "Core library".to_string(),
                    Summary::Failure(Duration::from_millis(1234))
                ),
                (
                    "A name longer than the dots make room for, which Maven then leaves unpadded"
                        .to_string(),
                    Summary::Success(Duration::from_secs(62))
                ),
                ("svc-b 2.0".to_string(), Summary::Skipped),
            ]
        );
        assert!(reactor_summary("[ERROR] no POM in this directory\n").is_empty());
        assert_eq!(parse_duration("1:02 h"), Duration::from_secs(3720));
        assert_eq!(parse_duration("soon"), Duration::ZERO);
    }

    #[test]
    fn a_refused_reactor_is_told_by_its_first_telling_error() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("reactor.log");
        // As Maven 3.8.7 prints a reactor it cannot read.
        std::fs::write(
            &log,
            "[INFO] Scanning for projects...\n\
             [ERROR] [ERROR] Some problems were encountered while processing the POMs:\n\
             [ERROR] Child module /w/p/../gone of /w/p/pom.xml does not exist @ \n\
             [ERROR] The build could not read 1 project -> [Help 1]\n",
        )
        .unwrap();
        assert_eq!(
            first_error(&log).as_deref(),
            Some("Child module /w/p/../gone of /w/p/pom.xml does not exist")
        );
        std::fs::write(
            &log,
            "[ERROR] [ERROR] Project 'g:a:1' is duplicated in the reactor @ \n",
        )
        .unwrap();
        assert_eq!(
            first_error(&log).as_deref(),
            Some("Project 'g:a:1' is duplicated in the reactor")
        );
        std::fs::write(&log, "Error: could not find or load main class\n").unwrap();
        assert_eq!(first_error(&log), None, "Maven did not run: not a refusal");
    }

    #[test]
    fn project_starts_are_read_from_the_growing_log() {
        assert_eq!(
            project_header(
                "[INFO] ------------------< com.example.basic:core >-------------------"
            ),
            Some("com.example.basic:core")
        );
        assert_eq!(
            project_header("[INFO] --------------------------------[ jar ]---"),
            None
        );
        assert_eq!(
            project_header("[INFO] Building core 1.0-SNAPSHOT  [2/6]"),
            None
        );

        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("reactor.log");
        let mut tail = LogTail::new(&log);
        assert!(tail.new_lines().is_empty(), "no log yet");
        std::fs::write(&log, "# cd x && mvn\n[INFO] --< g:a >--\n[INFO] half").unwrap();
        assert_eq!(tail.new_lines(), ["# cd x && mvn", "[INFO] --< g:a >--"]);
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(file, " a line").unwrap();
        assert_eq!(tail.new_lines(), ["[INFO] half a line"]);
        assert!(tail.new_lines().is_empty());
    }
}
