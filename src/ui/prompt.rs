//! The interactive prompter: dialoguer menus on the terminal for the engine's questions.
//! Ctrl-C or an error at a prompt counts as an interruption. Menus are drawn on stderr, or
//! on `/dev/tty` when stderr is redirected (see [`super::tty`]).

use std::collections::BTreeMap;
use std::path::Path;

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Input, Password, Select};

use super::printer::Printer;
use super::tty::PromptTerminal;
use crate::exec::prompter::{
    Answer, AskReply, AskView, FailureChoice, FailureView, PromptError, Prompter, ReverifyChoice,
    StepChoice, StepView, UnfinishedChoice, UnknownChoice,
};
use crate::runbook::model::Var;

pub struct TerminalPrompter {
    printer: Printer,
    theme: Box<dyn Theme>,
    /// Where menus are drawn.
    term: console::Term,
    /// The operator's shell for the failure menu's "open a shell".
    pub shell: String,
}

impl TerminalPrompter {
    pub fn new(printer: Printer, shell: String) -> Self {
        let theme: Box<dyn Theme> = if printer.color {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Self {
            printer,
            theme,
            term: console::Term::stderr(),
            shell,
        }
    }

    /// Draws the menus on `terminal`: stderr, or the controlling terminal when stderr is
    /// redirected (keys are read from stdin when it is a terminal, else from `/dev/tty`,
    /// by console itself).
    pub fn on(mut self, terminal: PromptTerminal) -> Self {
        if terminal == PromptTerminal::Controlling
            && let Some(tty) = super::tty::open()
            && let Ok(write) = tty.try_clone()
        {
            self.term = console::Term::read_write_pair(tty, write);
        }
        self
    }

    fn select(&self, prompt: &str, items: &[&str], default: usize) -> Answer<usize> {
        Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .ok_or(PromptError::Interrupted)
    }

    /// A menu that clears itself once answered: the transcript reports the choice.
    fn select_quiet(&self, prompt: &str, items: &[&str], default: usize) -> Answer<usize> {
        Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .report(false)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .ok_or(PromptError::Interrupted)
    }

    fn confirm_default(&self, prompt: &str, default: bool) -> Answer<bool> {
        Confirm::with_theme(&*self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&self.term)
            .ok()
            .flatten()
            .ok_or(PromptError::Interrupted)
    }

    fn input(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Option<String>,
    ) -> Answer<String> {
        let mut input = Input::<String>::with_theme(&*self.theme).with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        input
            .validate_with(|value: &String| check(value).map_or(Ok(()), Err))
            .interact_text_on(&self.term)
            .map_err(|_| PromptError::Interrupted)
    }
}

impl Prompter for TerminalPrompter {
    fn offer_step(&mut self, step: &StepView) -> Answer<StepChoice> {
        loop {
            match self.select(
                "run this step?",
                &["run", "skip", "show details", "abort (resumable)"],
                0,
            )? {
                0 => return Ok(StepChoice::Run),
                1 => return Ok(StepChoice::Skip),
                2 => self.printer.line(&indent(&step.details)),
                _ => return Ok(StepChoice::Abort),
            }
        }
    }

    fn confirm(&mut self, step: &StepView) -> Answer<bool> {
        let prompt = format!(
            "`{}` changes things and asks for confirmation. run it?",
            step.id
        );
        self.confirm_default(&prompt, false)
    }

    fn manual(&mut self, _: &StepView, _: &str) -> Answer<StepChoice> {
        Ok(
            match self.select(
                "when you have done this:",
                &["done", "skip", "abort (resumable)"],
                0,
            )? {
                0 => StepChoice::Run,
                1 => StepChoice::Skip,
                _ => StepChoice::Abort,
            },
        )
    }

    /// The question itself is already on screen (the step's `?` line) and the answer is
    /// shown once by the transcript (`→ into = value`), so the prompt is labelled with the
    /// variable and clears itself when answered. The ways out: extra items after the
    /// choices, or an empty answer, which opens the step's menu.
    fn ask(&mut self, ask: &AskView) -> Answer<AskReply> {
        if !ask.choices.is_empty() {
            let mut items: Vec<&str> = ask.choices.iter().map(String::as_str).collect();
            items.extend(["skip this step", "abort (resumable)"]);
            let default = ask
                .default
                .as_ref()
                .and_then(|d| ask.choices.iter().position(|c| c == d))
                .unwrap_or(0);
            let chosen = self.select_quiet(&ask.into, &items, default)?;
            return Ok(match chosen.checked_sub(ask.choices.len()) {
                None => AskReply::Answer(ask.choices[chosen].clone()),
                Some(0) => AskReply::Skip,
                Some(_) => AskReply::Abort,
            });
        }
        let name = if ask.announced {
            ask.into.clone()
        } else {
            ask.question.clone()
        };
        let label = match (&ask.default, ask.secret) {
            (Some(_), true) => format!("{name} (empty: the default, skip or abort)"),
            (Some(d), false) => format!("{name} (empty: the default `{d}`, skip or abort)"),
            (None, _) => format!("{name} (empty: skip or abort)"),
        };
        loop {
            let value = if ask.secret {
                Password::with_theme(&*self.theme)
                    .with_prompt(&label)
                    .allow_empty_password(true)
                    .report(false)
                    .interact_on(&self.term)
                    .map_err(|_| PromptError::Interrupted)?
            } else {
                let pattern = ask.pattern.clone();
                Input::<String>::with_theme(&*self.theme)
                    .with_prompt(&label)
                    .allow_empty(true)
                    .report(false)
                    .validate_with(move |value: &String| match &pattern {
                        Some(re) if !value.is_empty() && !re.is_match(value) => {
                            Err(format!("must match `{}`", re.as_str()))
                        }
                        _ => Ok(()),
                    })
                    .interact_text_on(&self.term)
                    .map_err(|_| PromptError::Interrupted)?
            };
            if !value.is_empty() {
                return Ok(AskReply::Answer(value));
            }
            let first = match (&ask.default, ask.secret) {
                (Some(_), true) => "use the default".to_string(),
                (Some(d), false) => format!("use the default `{d}`"),
                (None, _) => "answer the question".to_string(),
            };
            let items = [first.as_str(), "skip this step", "abort (resumable)"];
            match self.select_quiet(&format!("`{}`: no answer. what now?", ask.step), &items, 0)? {
                0 => match &ask.default {
                    Some(d) => return Ok(AskReply::Answer(d.clone())),
                    None => continue,
                },
                1 => return Ok(AskReply::Skip),
                _ => return Ok(AskReply::Abort),
            }
        }
    }

    fn failure(&mut self, failure: &FailureView) -> Answer<FailureChoice> {
        let items = [
            "retry",
            "skip this step",
            "roll back to the last checkpoint",
            "open a shell here",
            "abort (resumable)",
        ];
        let prompt = format!("`{}` failed. what now?", failure.step.id);
        Ok(match self.select(&prompt, &items, 0)? {
            0 => FailureChoice::Retry,
            1 => FailureChoice::Skip,
            2 => FailureChoice::Rollback,
            3 => FailureChoice::Shell,
            _ => FailureChoice::Abort,
        })
    }

    fn unknown_outcome(&mut self, step: &StepView) -> Answer<UnknownChoice> {
        self.printer.line(&format!(
            "step `{}` was running when the previous session ended; its outcome is unknown",
            step.id
        ));
        let items = [
            "run it again",
            "it is done (mark it succeeded)",
            "skip it",
            "abort",
        ];
        Ok(match self.select("what happened?", &items, 0)? {
            0 => UnknownChoice::Rerun,
            1 => UnknownChoice::MarkDone,
            2 => UnknownChoice::Skip,
            _ => UnknownChoice::Abort,
        })
    }

    fn reverify_failed(&mut self, failure: &FailureView) -> Answer<ReverifyChoice> {
        self.printer.line(&failure.reason);
        let items = ["run the step again", "keep it as done", "abort (resumable)"];
        let prompt = format!(
            "`{}` was done, but its verify fails now. what now?",
            failure.step.id
        );
        Ok(match self.select(&prompt, &items, 0)? {
            0 => ReverifyChoice::Rerun,
            1 => ReverifyChoice::Keep,
            _ => ReverifyChoice::Abort,
        })
    }

    fn unfinished_run(&mut self, run_id: &str, standing: &str) -> Answer<UnfinishedChoice> {
        let prompt =
            format!("run `{run_id}` of this runbook is unfinished ({standing}). what now?");
        let items = [
            "resume it",
            "start a new run (the old one is recorded as abandoned)",
            "quit",
        ];
        Ok(match self.select(&prompt, &items, 0)? {
            0 => UnfinishedChoice::Resume,
            1 => UnfinishedChoice::New,
            _ => UnfinishedChoice::Quit,
        })
    }

    fn variable(&mut self, var: &Var) -> Answer<String> {
        let prompt = match &var.description {
            Some(d) => format!("{} ({d})", var.name),
            None => var.name.clone(),
        };
        if !var.choices.is_empty() {
            let items: Vec<&str> = var.choices.iter().map(String::as_str).collect();
            return self
                .select(&prompt, &items, 0)
                .map(|i| var.choices[i].clone());
        }
        if var.secret {
            return Password::with_theme(&*self.theme)
                .with_prompt(prompt)
                .interact_on(&self.term)
                .map_err(|_| PromptError::Interrupted);
        }
        let var = var.clone();
        self.input(&prompt, None, &move |value| var.reject(value))
    }

    fn approve_rollback(&mut self, summary: &str) -> Answer<bool> {
        self.confirm_default(summary, false)
    }

    fn shell(&mut self, cwd: &Path, env: &BTreeMap<String, String>) -> Answer<()> {
        self.printer.line(&format!(
            "opening `{}` in {} with the run's variables; exit the shell to return to the menu",
            self.shell,
            cwd.display()
        ));
        // The operator's terminal, also when the run's streams are redirected or piped
        // (`runbook run x < answers > log`): the shell talks to the operator, as the menus do.
        let tty = super::tty::open();
        crate::exec::command::interactive(&self.shell, cwd, env, tty.as_ref())
            .map_err(|_| PromptError::Interrupted)
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
