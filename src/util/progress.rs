//! Feedback on long work: when stderr is a terminal and a check takes more
//! than about a second, a spinner names the phase it is in (reading the
//! plan, the dependency graph, the rules). Silent otherwise: in pipes, in CI
//! logs (`CI` set) and on a dumb terminal, and for the usual sub-second check.

use std::io::IsTerminal;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a check runs before the spinner appears.
const DELAY: Duration = Duration::from_secs(1);

/// The phase the current check is in; read by the spinner, set anywhere.
static PHASE: Mutex<&str> = Mutex::new("reading the plan");

/// Names the phase a check has reached (a no-op unless a spinner shows it).
pub fn phase(name: &'static str) {
    if let Ok(mut phase) = PHASE.lock() {
        *phase = name;
    }
}

fn current() -> &'static str {
    PHASE.lock().map_or("", |phase| *phase)
}

/// Whether a spinner may be drawn: on a terminal, outside CI, not `TERM=dumb`.
pub fn wanted(stderr_is_terminal: bool, ci: Option<&str>, term: Option<&str>) -> bool {
    stderr_is_terminal && ci.is_none_or(str::is_empty) && term != Some("dumb")
}

/// The spinner of one check; dropping it stops and erases it.
pub struct Progress {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    pub fn start() -> Self {
        phase("reading the plan");
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let ci = std::env::var("CI").ok();
        let term = std::env::var("TERM").ok();
        let thread = wanted(
            std::io::stderr().is_terminal(),
            ci.as_deref(),
            term.as_deref(),
        )
        .then(|| {
            let done = Arc::clone(&done);
            let started = std::time::Instant::now();
            std::thread::spawn(move || spin(&done, started))
        });
        Self { done, thread }
    }
}

/// Waits `DELAY`, then redraws the phase every 100 ms until the check ends.
fn spin(done: &(Mutex<bool>, Condvar), started: std::time::Instant) {
    let (lock, signal) = done;
    let Ok(guard) = lock.lock() else { return };
    let Ok((guard, _)) = signal.wait_timeout_while(guard, DELAY, |done| !*done) else {
        return;
    };
    if *guard {
        return;
    }
    drop(guard);
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
            .with_elapsed(started.elapsed());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} blastwall: {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    loop {
        bar.set_message(current());
        bar.tick();
        let Ok(guard) = lock.lock() else { break };
        let Ok((guard, _)) =
            signal.wait_timeout_while(guard, Duration::from_millis(100), |done| !*done)
        else {
            break;
        };
        if *guard {
            break;
        }
    }
    bar.finish_and_clear();
}

impl Drop for Progress {
    fn drop(&mut self) {
        let (lock, signal) = &*self.done;
        if let Ok(mut done) = lock.lock() {
            *done = true;
        }
        signal.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_terminal_outside_ci_gets_a_spinner() {
        assert!(wanted(true, None, Some("xterm-256color")));
        assert!(wanted(true, Some(""), None));
        assert!(!wanted(false, None, Some("xterm")), "a pipe or a file");
        assert!(!wanted(true, Some("true"), Some("xterm")), "a CI log");
        assert!(!wanted(true, None, Some("dumb")));
    }

    #[test]
    fn a_quick_check_never_draws_and_stops_at_once() {
        let started = std::time::Instant::now();
        drop(Progress::start());
        assert!(
            started.elapsed() < DELAY,
            "dropping must not wait for the delay"
        );
    }
}
