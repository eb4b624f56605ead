//! Serde types that mirror the TOML file exactly (format v1). Every key of the format is
//! here, unknown keys are rejected, and anything that names another entity or is a
//! template keeps its span for diagnostics. No validation beyond types happens here.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type Text = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    pub runbook: Spanned<Header>,
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<Var>>,
    #[serde(default)]
    pub precondition: Vec<Spanned<Check>>,
    #[serde(default)]
    pub step: Vec<Spanned<Step>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Header {
    pub title: Text,
    pub summary: Option<Text>,
    pub description: Option<Text>,
    pub phase: Option<Text>,
    pub risk: Option<Spanned<Risk>>,
    #[serde(default)]
    pub tags: Vec<Text>,
    pub workdir: Option<Text>,
    pub shell: Option<Text>,
    #[serde(default)]
    pub env: BTreeMap<String, Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
            Risk::Critical => "critical",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Var {
    pub description: Option<Text>,
    pub default: Option<Text>,
    pub choices: Option<Vec<Text>>,
    pub pattern: Option<Text>,
    #[serde(default)]
    pub secret: bool,
    pub from_env: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Check {
    pub name: Option<Text>,
    pub run: Option<Text>,
    pub expect_exit: Option<i32>,
    pub expect_stdout: Option<Text>,
    pub reject_stdout: Option<Text>,
    pub attempts: Option<Spanned<u32>>,
    pub interval: Option<Text>,
    pub timeout: Option<Text>,
    pub message: Option<Text>,
    // Boxed: a flux check is 168 of a check's 520 bytes, paid by every command check.
    pub flux: Option<Box<Spanned<FluxCheck>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FluxCheck {
    pub kind: FluxKind,
    pub name: Text,
    pub namespace: Option<Text>,
    pub chart_version: Option<Text>,
    #[serde(default)]
    pub follow_inventory: bool,
    pub context: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FluxKind {
    Helmrelease,
    Kustomization,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Step {
    pub id: Text,
    pub title: Option<Text>,
    pub description: Option<Text>,
    pub needs: Option<Vec<Text>>,
    pub when: Option<Text>,
    pub run: Option<Text>,
    pub manual: Option<Text>,
    pub ask: Option<Text>,
    pub call: Option<Text>,
    pub into: Option<Text>,
    pub choices: Option<Vec<Text>>,
    pub default: Option<Text>,
    pub pattern: Option<Text>,
    pub secret: Option<bool>,
    // `with`, `foreach` and `retry` are boxed: few steps have them, and unboxed they were
    // 170 of a step's 904 bytes, paid by every step of a large file.
    pub with: Option<Box<Spanned<BTreeMap<String, Text>>>>,
    pub foreach: Option<Box<Spanned<Foreach>>>,
    pub capture: Option<Text>,
    pub timeout: Option<Text>,
    pub retry: Option<Box<Spanned<Retry>>>,
    #[serde(default)]
    pub confirm: bool,
    #[serde(default)]
    pub idempotent: bool,
    pub reverify: Option<bool>,
    #[serde(default)]
    pub checkpoint: bool,
    #[serde(default)]
    pub interactive: bool,
    pub on_failure: Option<Spanned<OnFailure>>,
    #[serde(default)]
    pub precondition: Vec<Spanned<Check>>,
    #[serde(default)]
    pub verify: Vec<Spanned<Check>>,
    #[serde(default)]
    pub rollback: Vec<Spanned<Rollback>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Foreach {
    pub var: Text,
    #[serde(rename = "in")]
    pub items: Option<Vec<Text>>,
    pub from: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Retry {
    pub attempts: u32,
    pub delay: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    #[default]
    Ask,
    Halt,
    Rollback,
    Continue,
}

impl OnFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Ask => "ask",
            OnFailure::Halt => "halt",
            OnFailure::Rollback => "rollback",
            OnFailure::Continue => "continue",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rollback {
    pub name: Option<Text>,
    pub run: Text,
    pub timeout: Option<Text>,
}
