//! `oin-review completions` and `oin-review man`: shell completions (clap_complete) and
//! manual pages (clap_mangen), generated from the same definitions as `--help`.

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
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Print the manual page oin-review(1) in roff (`oin-review man | man -l -`), or \
    with --dir write it and one page per subcommand (oin-review-list(1), …) into DIR, for \
    example ~/.local/share/man/man1."
)]
pub struct ManArgs {
    /// Write oin-review.1 and a page per subcommand into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut cmd = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "oin-review", &mut script);
    let mut script = String::from_utf8(script).context("the completion script")?;
    if args.shell == clap_complete::Shell::Bash {
        // clap_complete names a hyphenated binary's subcommands two ways in bash: `cmd` is
        // set to `oin__review__subcmd__move`, the dispatch waits for
        // `oin__subcmd__review__subcmd__move`, so nothing after a subcommand completed.
        script = script.replace("oin__subcmd__review__subcmd__", "oin__review__subcmd__");
    }
    let mut out = super::stdout();
    std::io::Write::write_all(&mut out, script.as_bytes())?;
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
        }
        None => {
            let mut out = super::stdout();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            std::io::Write::flush(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
