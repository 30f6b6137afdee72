//! Install progress on the terminal: live bars with indicatif on a terminal, plain lines
//! when the output is not a terminal or `CI` is set (logs of CI jobs).

use crate::cli::sanitize;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use m2fresh::building::exec::{Outcome, Progress};
use m2fresh::maven::workspace::{ModuleId, Workspace};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

/// Reports install progress for the modules of a plan.
pub struct CliProgress<'a> {
    ws: &'a Workspace,
    total: usize,
    state: RefCell<State>,
    live: Option<Live>,
}

struct Live {
    multi: MultiProgress,
    overall: ProgressBar,
}

#[derive(Default)]
struct State {
    started: usize,
    done: usize,
    running: HashMap<ModuleId, Option<ProgressBar>>,
}

impl<'a> CliProgress<'a> {
    /// A reporter for `total` modules; live bars only on a terminal outside CI.
    pub fn new(ws: &'a Workspace, total: usize) -> Self {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let live = interactive.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(total as u64));
            overall.set_style(
                ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            overall.set_prefix("installing");
            overall.enable_steady_tick(Duration::from_millis(200));
            Live { multi, overall }
        });
        CliProgress {
            ws,
            total,
            state: RefCell::new(State::default()),
            live,
        }
    }

    /// Removes the bars before the summary is printed.
    pub fn finish(&self) {
        if let Some(live) = &self.live {
            live.overall.finish_and_clear();
            let _ = live.multi.clear();
        }
    }

    fn line(&self, msg: String) {
        match &self.live {
            Some(live) => {
                let _ = live.multi.println(msg);
            }
            None => say!("{msg}"),
        }
    }
}

impl Progress<ModuleId> for CliProgress<'_> {
    fn started(&self, id: ModuleId) {
        let key = sanitize::text(&self.ws.module(id).key()).into_owned();
        let bar = self.live.as_ref().map(|live| {
            let bar = live.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("  {spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(key.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let mut state = self.state.borrow_mut();
        state.started += 1;
        if self.live.is_none() {
            say!("[{}/{}] installing {key}", state.started, self.total);
        }
        state.running.insert(id, bar);
    }

    fn finished(&self, id: ModuleId, outcome: &Outcome<ModuleId>, elapsed: Duration) {
        let key = sanitize::text(&self.ws.module(id).key()).into_owned();
        let mut state = self.state.borrow_mut();
        state.done += 1;
        if let Some(Some(bar)) = state.running.remove(&id) {
            bar.finish_and_clear();
        }
        drop(state);
        if let Some(live) = &self.live {
            live.overall.inc(1);
        }
        let secs = elapsed.as_secs_f64();
        match outcome {
            Outcome::Succeeded(_) => self.line(format!("  installed {key} in {secs:.1}s")),
            Outcome::Failed(f) => self.line(format!(
                "  FAILED    {key} after {secs:.1}s: {}",
                sanitize::text(&f.to_string())
            )),
            _ => {}
        }
    }

    fn skipped(&self, id: ModuleId, because: ModuleId) {
        let mut state = self.state.borrow_mut();
        state.done += 1;
        state.started += 1;
        drop(state);
        if let Some(live) = &self.live {
            live.overall.inc(1);
        }
        self.line(format!(
            "  skipped   {} (needs {}, which failed)",
            sanitize::text(&self.ws.module(id).key()),
            sanitize::text(&self.ws.module(because).key())
        ));
    }
}
