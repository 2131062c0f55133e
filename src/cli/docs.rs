//! `oin-review completions` and `oin-review man`: the shells' completion scripts (whose
//! requests `complete.rs` answers) and the manual pages (clap_mangen), both from the same
//! definitions as `--help`.

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Print the completion script for SHELL. Install, for bash: \
    `oin-review completions bash > ~/.local/share/bash-completion/completions/oin-review`; \
    zsh: `oin-review completions zsh > ~/.zfunc/_oin-review` (with ~/.zfunc in $fpath); \
    fish: `oin-review completions fish > ~/.config/fish/completions/oin-review.fish`."
)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: super::complete::Shell,
}

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Print the manual page oin-review(1) in roff (`oin-review man | man -l -`), or \
    with --dir write it and one page per subcommand (oin-review-list(1), …) into DIR, for \
    example ~/.local/share/man/man1, and beside it in man7 and man5 the pages of the query \
    syntax, the config file and the policy file: oin-review-query(7), oin-review-config(5), \
    oin-review-policy(5)."
)]
pub struct ManArgs {
    /// Write oin-review.1 and a page per subcommand into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    // The script calls this binary back on every TAB, by the name it was run with (on
    // $PATH when installed), made absolute when it is a relative path.
    let program = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("oin-review"));
    let program = if program.components().count() > 1 && program.is_relative() {
        std::env::current_dir()
            .map(|d| d.join(&program))
            .unwrap_or(program)
    } else {
        program
    };
    let script = super::complete::registration(args.shell, &program.to_string_lossy())
        .context("writing the completion script")?;
    let mut out = super::stdout();
    std::io::Write::write_all(&mut out, &script)?;
    std::io::Write::flush(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(args: ManArgs) -> Result<ExitCode> {
    let cmd = super::Cli::command();
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing the manual pages into {}", dir.display()))?;
            println!("wrote the manual pages into {}", dir.display());
            // The query syntax, the config file and the policy file have pages of their own,
            // beside man1 in man7 and man5 (or in DIR itself when it is not a man1 folder).
            for page in PAGES {
                let folder = match (dir.file_name(), dir.parent()) {
                    (Some(n), Some(parent)) if n == "man1" => {
                        parent.join(format!("man{}", page.section))
                    }
                    _ => dir.clone(),
                };
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("creating {}", folder.display()))?;
                let file = folder.join(format!("{}.{}", page.name, page.section));
                std::fs::write(&file, page.roff())
                    .with_context(|| format!("writing {}", file.display()))?;
                println!("wrote {}", file.display());
            }
        }
        None => {
            let mut out = super::stdout();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            std::io::Write::flush(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The README, whose sections the topic pages are made of (one text, so they cannot drift).
const README: &str = include_str!("../../README.md");

/// A manual page made of README sections.
struct Page {
    name: &'static str,
    section: u8,
    summary: &'static str,
    /// README headings whose sections (to the next heading of their level) make the page.
    headings: &'static [&'static str],
    /// A file shown whole at the end, with its title.
    example: Option<(&'static str, &'static str)>,
}

const PAGES: [Page; 3] = [
    Page {
        name: "oin-review-query",
        section: 7,
        summary: "the field queries of list --query, the console's search and [views]",
        headings: &["### Field queries"],
        example: None,
    },
    Page {
        name: "oin-review-config",
        section: 5,
        summary: "the config file, ~/.config/oin-review/config.toml",
        headings: &[
            "## Config file",
            "### Mail setup and the outbox",
            "### Receiving replies",
        ],
        example: None,
    },
    Page {
        name: "oin-review-policy",
        section: 5,
        summary: "the review policy: SLA targets, calendar, freshness and reminders",
        headings: &["### Policy", "## SLA clocks and test freshness"],
        example: Some((
            "THE BUILT-IN POLICY (data/policy.toml)",
            crate::config::BUILTIN_POLICY,
        )),
    },
];

impl Page {
    fn roff(&self) -> String {
        let mut out = format!(
            ".TH \"{}\" \"{}\" \"\" \"oin-review {}\"\n.SH NAME\n{} \\- {}\n",
            self.name.to_uppercase(),
            self.section,
            env!("CARGO_PKG_VERSION"),
            self.name,
            escape(self.summary)
        );
        for heading in self.headings {
            let title = heading.trim_start_matches('#').trim();
            out.push_str(&format!(".SH {}\n", escape(&title.to_uppercase())));
            out.push_str(&markdown_to_roff(readme_section(heading)));
        }
        if let Some((title, text)) = self.example {
            out.push_str(&format!(".SH {}\n.nf\n", escape(title)));
            for line in text.lines() {
                out.push_str(&escape_line(line));
                out.push('\n');
            }
            out.push_str(".fi\n");
        }
        out.push_str(
            ".SH SEE ALSO\noin-review(1), oin-review-query(7), oin-review-config(5), oin-review-policy(5)\n",
        );
        out
    }
}

/// The README's text under `heading`, to the next heading of its level or above.
fn readme_section(heading: &str) -> &'static str {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let Some(start) = README.find(&format!("\n{heading}\n")) else {
        return "";
    };
    let body = &README[start + heading.len() + 2..];
    let mut at = 0;
    let mut in_code = false;
    for line in body.split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !in_code && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            break;
        }
        at += line.len();
    }
    &body[..at]
}

/// roff for a line of text: backslashes escaped, a leading dot or quote made text.
fn escape_line(line: &str) -> String {
    let s = line.replace('\\', "\\e");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}

/// Inline text: escaped, `code` and **strong** in bold.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape_line(text).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("\\fB{part}\\fR"));
            continue;
        }
        for (k, piece) in part.split("**").enumerate() {
            if k % 2 == 1 {
                out.push_str(&format!("\\fB{piece}\\fR"));
            } else {
                out.push_str(piece);
            }
        }
    }
    out
}

/// The README's markdown as roff: paragraphs, sub-headings, code blocks and tables kept as
/// they read (tables one row a line, cells two spaces apart).
fn markdown_to_roff(md: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut paragraph = false;
    for line in md.lines() {
        if line.starts_with("```") {
            out.push_str(if in_code { ".fi\n.RE\n" } else { ".RS\n.nf\n" });
            in_code = !in_code;
            paragraph = false;
            continue;
        }
        if in_code {
            out.push_str(&escape_line(line));
            out.push('\n');
            continue;
        }
        let t = line.trim();
        if t.is_empty() {
            paragraph = false;
            continue;
        }
        if t.starts_with('#') {
            out.push_str(&format!(
                ".SS {}\n",
                escape(t.trim_start_matches('#').trim())
            ));
            paragraph = false;
            continue;
        }
        if t.starts_with('|') {
            if t.trim_matches(|c| c == '|' || c == '-' || c == ' ')
                .is_empty()
            {
                continue; // the header's rule
            }
            let cells: Vec<String> = t
                .trim_matches('|')
                .split(" | ")
                .map(|c| escape(c.trim()))
                .collect();
            out.push_str(&format!(
                ".TP\n{}\n{}\n",
                cells[0],
                cells[1..].join(" \\(em ")
            ));
            paragraph = false;
            continue;
        }
        if let Some(item) = t.strip_prefix("- ") {
            out.push_str(&format!(".IP \\(bu 2\n{}\n", escape(item)));
            paragraph = true;
            continue;
        }
        if !paragraph {
            out.push_str(".PP\n");
            paragraph = true;
        }
        out.push_str(&escape(t));
        out.push('\n');
    }
    if in_code {
        out.push_str(".fi\n.RE\n");
    }
    out
}
