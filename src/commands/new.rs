//! `runbook new NAME`: a commented starter runbook in the project's `runbooks/`, which
//! passes `runbook check` as written. Never overwrites a file.

use super::load_catalog;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::runbook::load::Catalog;
use crate::ui::printer::Printer;

/// The starter; `__NAME__` and `__TITLE__` are replaced (it is a runbook, so tera's own
/// `{{ … }}` stays for the runbook's templates).
const STARTER: &str = include_str!("../../templates/new-runbook.toml");

pub fn execute(config: &Config, printer: &Printer, name: &str) -> Result<()> {
    check_name(name)?;
    let catalog = load_catalog(config).map_err(|error| match error {
        Error::NoProject { .. } => Error::usage_hint(
            error.to_string(),
            "`runbook init` makes this directory a project (a `runbooks/` directory)",
        ),
        other => other,
    })?;
    let path = catalog.project.runbooks_dir.join(format!("{name}.toml"));
    if path.exists() {
        return Err(Error::usage_hint(
            format!("`{}` already exists", shown(&catalog, &path)),
            format!("pick another name, or edit it: `runbook show {name}` prints its plan"),
        ));
    }
    std::fs::write(&path, starter(name)).map_err(|e| Error::io("write", &path, e))?;
    printer.line(&format!("created {}", shown(&catalog, &path)));
    printer.hint(&format!(
        "edit it, then `runbook check {name}` and `runbook show {name}`; walk it with `runbook run {name}`"
    ));
    Ok(())
}

fn shown(catalog: &Catalog, path: &std::path::Path) -> String {
    crate::runbook::discover::display_path(path, &catalog.project.root)
}

/// Runbook names are file stems in kebab-case, like step ids.
fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Ok(());
    }
    let fixed: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    Err(Error::usage_hint(
        format!("`{name}` is not a runbook name"),
        if fixed.is_empty() {
            "names are kebab-case: lower-case letters, digits and `-`".to_string()
        } else {
            format!("names are kebab-case (lower-case letters, digits and `-`): try `{fixed}`")
        },
    ))
}

/// The starter text for `name`; its title is the name in words (`deploy-app`: "Deploy app").
pub fn starter(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut chars = words.chars();
    let title: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    STARTER
        .replace("__NAME__", name)
        .replace("__TITLE__", &title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case() {
        assert!(check_name("deploy-app").is_ok());
        assert!(check_name("2-fix").is_ok());
        assert!(check_name("Deploy App").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("../x").is_err());
        assert!(check_name("").is_err());
    }

    #[test]
    fn the_title_is_the_name_in_words() {
        assert!(starter("deploy-app").contains("title = \"Deploy app\""));
        assert!(!starter("x").contains("__"));
    }
}
