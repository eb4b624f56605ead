//! Colour policy, resolved once: `--color` > `NO_COLOR` > `CLICOLOR_FORCE`/`FORCE_COLOR` >
//! is the stream a terminal. Also the named styles used in output.

use console::Style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Environment facts that decide colour, read by `config` and passed in.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColorEnv {
    pub no_color: bool,
    pub force: bool,
}

/// Whether to colour a stream.
pub fn resolve(choice: ColorChoice, env: ColorEnv, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto => env.force || is_terminal,
    }
}

/// Named styles, so every message colours the same things the same way.
#[derive(Debug, Clone)]
pub struct Styles {
    pub error: Style,
    pub warning: Style,
    pub hint: Style,
    pub success: Style,
    pub dim: Style,
    pub bold: Style,
    pub accent: Style,
}

impl Styles {
    pub fn new(enabled: bool) -> Self {
        let style = |s: Style| s.force_styling(enabled);
        Self {
            error: style(Style::new().red().bold()),
            warning: style(Style::new().yellow().bold()),
            hint: style(Style::new().cyan().bold()),
            success: style(Style::new().green().bold()),
            dim: style(Style::new().dim()),
            bold: style(Style::new().bold()),
            accent: style(Style::new().cyan()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_environment_beats_terminal() {
        let no_color = ColorEnv {
            no_color: true,
            force: false,
        };
        assert!(resolve(ColorChoice::Always, no_color, false));
        assert!(!resolve(ColorChoice::Auto, no_color, true));
        assert!(!resolve(ColorChoice::Never, ColorEnv::default(), true));
        assert!(resolve(
            ColorChoice::Auto,
            ColorEnv {
                no_color: false,
                force: true
            },
            false
        ));
        assert!(resolve(ColorChoice::Auto, ColorEnv::default(), true));
        assert!(!resolve(ColorChoice::Auto, ColorEnv::default(), false));
    }
}
