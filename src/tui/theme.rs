//! Colour themes: styles named by meaning (`breached`, `selection`, ...), loaded from TOML.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// A style as written in a theme file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reverse: bool,
}

macro_rules! theme_styles {
    ($($name:ident),* $(,)?) => {
        /// Every style the console uses, by meaning.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $name: Style,)*
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Styles {
            $(#[serde(default)] $name: Option<StyleSpec>,)*
        }

        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ThemeFile {
            name: Option<String>,
            #[serde(default)]
            styles: Styles,
        }

        fn build(name: &str, file: ThemeFile) -> Result<Theme, String> {
            Ok(Theme {
                name: file.name.unwrap_or_else(|| name.to_string()),
                $($name: match file.styles.$name {
                    Some(spec) => to_style(&spec).map_err(|e| format!("styles.{}: {e}", stringify!($name)))?,
                    None => Style::default(),
                },)*
            })
        }
    };
}

theme_styles!(
    text, dim, accent, border, title, header, chip, tab, tab_active, selection, mark, matched,
    breached, at_risk, warn_again, on_track, paused, stopped, fresh, expiring, stale, failed,
    missing, error, warn, ok, secret,
);

fn color(s: &str) -> Result<Color, String> {
    let named = match s {
        "reset" | "default" => Some(Color::Reset),
        "black" => Some(Color::Black),
        "red" => Some(Color::Red),
        "green" => Some(Color::Green),
        "yellow" => Some(Color::Yellow),
        "blue" => Some(Color::Blue),
        "magenta" => Some(Color::Magenta),
        "cyan" => Some(Color::Cyan),
        "white" => Some(Color::Gray),
        "bright_black" => Some(Color::DarkGray),
        "bright_red" => Some(Color::LightRed),
        "bright_green" => Some(Color::LightGreen),
        "bright_yellow" => Some(Color::LightYellow),
        "bright_blue" => Some(Color::LightBlue),
        "bright_magenta" => Some(Color::LightMagenta),
        "bright_cyan" => Some(Color::LightCyan),
        "bright_white" => Some(Color::White),
        _ => None,
    };
    if let Some(c) = named {
        return Ok(c);
    }
    if let Ok(n) = s.parse::<u8>() {
        return Ok(Color::Indexed(n));
    }
    if let Some(v) = s
        .strip_prefix('#')
        .filter(|h| h.len() == 6)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
    {
        return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Err(format!(
        "colour {s:?}: use one of the 16 ANSI names (black, red, ..., bright_white), 0-255, or #rrggbb"
    ))
}

fn to_style(spec: &StyleSpec) -> Result<Style, String> {
    let mut style = Style::default();
    if let Some(fg) = &spec.fg {
        style = style.fg(color(fg)?);
    }
    if let Some(bg) = &spec.bg {
        style = style.bg(color(bg)?);
    }
    for (on, m) in [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reverse, Modifier::REVERSED),
    ] {
        if on {
            style = style.add_modifier(m);
        }
    }
    Ok(style)
}

impl Theme {
    /// No style at all: for measuring text, where styles do not matter.
    pub fn plain() -> Theme {
        build(
            "plain",
            ThemeFile {
                name: None,
                styles: Styles::default(),
            },
        )
        .unwrap_or_else(|_| unreachable!("an empty theme has no style to get wrong"))
    }

    /// Parses a theme file's text; errors name the file and line.
    pub fn parse(name: &str, path: &Path, text: &str) -> Result<Theme, String> {
        let file: ThemeFile = crate::config::parse_toml(path, text).map_err(|e| e.to_string())?;
        build(name, file).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A theme by name: the user's `themes/NAME.toml` in the config dir, else a built-in one.
    pub fn load(name: &str) -> Result<Theme, String> {
        if let Some(dir) = crate::config::config_dir() {
            let path = dir.join("themes").join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                return Theme::parse(name, &path, &text);
            }
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Theme::parse(n, Path::new(&format!("themes/{n}.toml")), text),
            None => Err(format!(
                "no theme {name:?}: built in are {}; add your own as {}/themes/{name}.toml",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::config::config_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|| "$XDG_CONFIG_HOME/oin-review".into())
            )),
        }
    }

    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// True when no style sets a colour: safe under NO_COLOR, where crossterm turns every
    /// colour code into a full attribute reset.
    pub fn is_colourless(&self) -> bool {
        [
            self.text,
            self.dim,
            self.accent,
            self.border,
            self.title,
            self.header,
            self.chip,
            self.tab,
            self.tab_active,
            self.selection,
            self.mark,
            self.matched,
            self.breached,
            self.at_risk,
            self.warn_again,
            self.on_track,
            self.paused,
            self.stopped,
            self.fresh,
            self.expiring,
            self.stale,
            self.failed,
            self.missing,
            self.error,
            self.warn,
            self.ok,
            self.secret,
        ]
        .iter()
        .all(|s| s.fg.is_none() && s.bg.is_none() && s.underline_color.is_none())
    }
}
