//! Ctrl-C, SIGTERM, SIGHUP (the terminal went away) and SIGQUIT as data: a shared counter
//! the executor and the command runner poll, so each ends a run the same way (the command's
//! group stopped, `interrupted` journaled, exit 130). Installing the handler is explicit
//! (the binary does it once); tests use a plain value.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The signals that interrupt a run.
const SIGNALS: [i32; 4] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
    signal_hook::consts::SIGQUIT,
];

#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    count: Arc<AtomicUsize>,
}

impl Interrupt {
    /// Counts SIGINT, SIGTERM, SIGHUP and SIGQUIT from now on instead of dying on them.
    pub fn install() -> std::io::Result<Self> {
        let interrupt = Self::default();
        let count = Arc::clone(&interrupt.count);
        let mut signals = signal_hook::iterator::Signals::new(SIGNALS)?;
        std::thread::spawn(move || {
            for _ in signals.forever() {
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        Ok(interrupt)
    }

    /// For a dry run, which runs nothing and journals nothing: any of the signals ends the
    /// process at once with the interrupted exit code (even while a prompt waits).
    pub fn install_exiting(code: u8) -> std::io::Result<Self> {
        let mut signals = signal_hook::iterator::Signals::new(SIGNALS)?;
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                std::process::exit(i32::from(code));
            }
        });
        Ok(Self::default())
    }

    pub fn is_set(&self) -> bool {
        self.count() > 0
    }

    /// How many interrupts arrived since the last [`Interrupt::clear`].
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Forgets handled interrupts: the operator chose to go on after one.
    pub fn clear(&self) {
        self.count.store(0, Ordering::SeqCst);
    }

    /// Raises an interrupt from code (tests, or a prompt that saw Ctrl-C).
    pub fn raise(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// Sleeps up to `duration`, waking early when interrupted; returns false if interrupted.
    pub fn sleep(&self, duration: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + duration;
        while std::time::Instant::now() < deadline {
            if self.is_set() {
                return false;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
        }
        !self.is_set()
    }
}
