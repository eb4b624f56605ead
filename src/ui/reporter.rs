//! Reporters: turn engine events into lines on stderr. `PlainReporter` writes one line per
//! event (pipes, CI, `NO_COLOR`-friendly); `TerminalReporter` adds a spinner with elapsed
//! time and a bounded live tail of the running command's output.

use std::collections::VecDeque;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::diagnostic::sanitize;
use super::printer::Printer;
use super::summary::{format_event, summary_table};
use crate::exec::events::{Event, Reporter};

pub struct PlainReporter {
    printer: Printer,
}

impl PlainReporter {
    pub fn new(printer: Printer) -> Self {
        Self { printer }
    }
}

impl Reporter for PlainReporter {
    fn event(&mut self, event: &Event) {
        if let Event::RunFinished { summary, .. } = event {
            self.printer
                .line(summary_table(summary, &self.printer.styles).trim_end());
        }
        if let Some(text) = format_event(event, &self.printer.styles) {
            self.printer.line(&text);
        }
    }
}

/// A dry run's reporter: the plan (header, runbook preconditions, each step with what it
/// would check and undo, the summary) is data and goes to stdout, so
/// `runbook run X --dry-run > plan.txt` keeps it; the closing line is progress and goes
/// to stderr with the warnings.
pub struct PlanReporter {
    printer: Printer,
}

impl PlanReporter {
    pub fn new(printer: Printer) -> Self {
        Self { printer }
    }
}

impl Reporter for PlanReporter {
    fn event(&mut self, event: &Event) {
        let styles = &self.printer.stdout_styles;
        if let Event::RunFinished { summary, .. } = event {
            self.printer
                .data(&format!("{}\n", summary_table(summary, styles).trim_end()));
            if let Some(text) = format_event(event, &self.printer.styles) {
                self.printer.line(&text);
            }
        } else if let Some(text) = format_event(event, styles) {
            self.printer.data(&format!("{text}\n"));
        }
    }
}

/// Lines of live output kept under the spinner.
const LIVE_LINES: usize = 6;

pub struct TerminalReporter {
    printer: Printer,
    spinner: Option<ProgressBar>,
    live: VecDeque<String>,
}

impl TerminalReporter {
    pub fn new(printer: Printer) -> Self {
        Self {
            printer,
            spinner: None,
            live: VecDeque::new(),
        }
    }

    fn print(&self, text: &str) {
        match &self.spinner {
            Some(bar) => bar.suspend(|| self.printer.line(text)),
            None => self.printer.line(text),
        }
    }

    fn start_spinner(&mut self, label: String) {
        self.stop_spinner();
        let bar = ProgressBar::with_draw_target(None, spinner_target());
        // indicatif redraws `{elapsed}` on every tick, so the time moves while a silent
        // command runs; `{msg}` holds the live tail of its output.
        let style = ProgressStyle::with_template("{spinner:.cyan} {prefix} · {elapsed}{msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style.tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "));
        bar.enable_steady_tick(Duration::from_millis(100));
        // One terminal line, with room for the elapsed time and for the `^C` echo.
        let room = console::Term::stderr().size().1.saturating_sub(20).max(20);
        bar.set_prefix(console::truncate_str(&label, usize::from(room), "…").into_owned());
        self.live.clear();
        self.spinner = Some(bar);
        self.refresh();
    }

    fn stop_spinner(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }

    fn refresh(&self) {
        let Some(bar) = &self.spinner else { return };
        let mut message = String::new();
        let width = console::Term::stderr().size().1.saturating_sub(6).max(20) as usize;
        for line in &self.live {
            let shown: String = line.chars().take(width).collect();
            message.push_str(&format!(
                "\n  {} {}",
                self.printer.styles.dim.apply_to("│"),
                self.printer.styles.dim.apply_to(shown)
            ));
        }
        bar.set_message(message);
    }
}

impl Reporter for TerminalReporter {
    fn event(&mut self, event: &Event) {
        match event {
            Event::CommandStarted { id, command, .. } => {
                if let Some(text) = format_event(event, &self.printer.styles) {
                    self.print(&text);
                }
                let first = command.lines().next().unwrap_or_default();
                self.start_spinner(format!("running {id}: {}", sanitize(first)));
            }
            Event::Output { line, .. } if self.spinner.is_some() => {
                self.live.push_back(sanitize(line));
                while self.live.len() > LIVE_LINES {
                    self.live.pop_front();
                }
                self.refresh();
            }
            Event::CommandFinished {
                success,
                exit,
                lines,
                log,
                ..
            } => {
                let live: Vec<String> = self.live.iter().cloned().collect();
                self.stop_spinner();
                let styles = &self.printer.styles;
                let mut text: Vec<String> = live
                    .iter()
                    .map(|l| format!("  {} {l}", styles.dim.apply_to("│")))
                    .collect();
                if *lines > live.len() {
                    text.insert(
                        0,
                        format!(
                            "  {}",
                            styles.dim.apply_to(format!(
                                "… {} earlier lines in {log}",
                                lines - live.len()
                            ))
                        ),
                    );
                }
                if !success {
                    text.push(format!("  {} {exit}", styles.error.apply_to("✗")));
                }
                if !text.is_empty() {
                    self.print(&text.join("\n"));
                }
            }
            Event::CheckAttempt {
                passed: false,
                next_in: Some(next),
                name,
                attempt,
                attempts,
                reason,
                ..
            } => {
                let reason = reason
                    .as_deref()
                    .map(|r| format!(" — {}", sanitize(r)))
                    .unwrap_or_default();
                let label = format!(
                    "waiting for {name} (attempt {attempt}/{attempts}, next in {}){reason}",
                    crate::runbook::duration::format(*next)
                );
                self.start_spinner(label);
            }
            _ => {
                self.stop_spinner();
                if let Event::RunFinished { summary, .. } = event {
                    self.printer
                        .line(summary_table(summary, &self.printer.styles).trim_end());
                }
                if let Some(text) = format_event(event, &self.printer.styles) {
                    self.print(&text);
                }
            }
        }
    }
}

/// Where the spinner is drawn: stderr, without the padding after its last line.
///
/// indicatif pads every line with spaces to the terminal's width: that is how it moves to
/// the next line, and it leaves the cursor at the right edge after the last one. There the
/// `^C` the terminal echoes on Ctrl-C wrapped onto a new line, so clearing the spinner
/// missed its first line, which stayed frozen above the output. Without the last padding
/// the cursor stays after the text and the echo lands on a line that is cleared.
fn spinner_target() -> indicatif::ProgressDrawTarget {
    let term = console::Term::buffered_stderr();
    if !term.is_term() {
        return indicatif::ProgressDrawTarget::hidden();
    }
    let target = Unpadded {
        term,
        padding: std::sync::Mutex::new(String::new()),
    };
    indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(target), 20)
}

/// A terminal that holds back the padding indicatif writes after a line until another
/// line follows, and drops it when the frame ends (see [`spinner_target`]).
#[derive(Debug)]
struct Unpadded {
    term: console::Term,
    padding: std::sync::Mutex<String>,
}

impl Unpadded {
    /// Writes held-back padding (a line follows it) or drops it (the frame ended).
    fn settle(&self, write: bool) -> std::io::Result<()> {
        let mut padding = self
            .padding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let held = std::mem::take(&mut *padding);
        if write && !held.is_empty() {
            self.term.write_str(&held)?;
        }
        Ok(())
    }
}

impl indicatif::TermLike for Unpadded {
    fn width(&self) -> u16 {
        self.term.size().1
    }
    fn height(&self) -> u16 {
        self.term.size().0
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.settle(false)?;
        self.term.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.settle(false)?;
        self.term.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.settle(true)?;
        self.term.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.settle(true)?;
        self.term.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.settle(true)?;
        self.term.write_line(s)
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        if s.bytes().all(|b| b == b' ') {
            let mut padding = self
                .padding
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            padding.push_str(s);
            return Ok(());
        }
        self.settle(true)?;
        self.term.write_str(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.settle(false)?;
        self.term.clear_line()
    }
    fn flush(&self) -> std::io::Result<()> {
        self.settle(false)?;
        self.term.flush()
    }
}

impl Drop for TerminalReporter {
    fn drop(&mut self) {
        self.stop_spinner();
    }
}
