/// Loading a queue allocates a few small strings per field: mimalloc does that in about
/// half the time of glibc's allocator (README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use oin_review::cli::{parse, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash oin-review -- …`) is answered here.
    oin_review::cli::complete::answer_if_asked();
    let cli = parse();
    if let Err(e) = oin_review::clock::init_from_env() {
        eprintln!("oin-review: {e}");
        return ExitCode::FAILURE;
    }
    let code = exit_code(run(cli));
    // For `bench`: each command it times says its own peak memory.
    if std::env::var_os("OIN_REVIEW_BENCH_RSS").is_some() {
        eprintln!(
            "{}{:.1}",
            oin_review::cli::bench::RSS_MARK,
            oin_review::cli::bench::own_peak_rss_mb()
        );
    }
    code
}

fn exit_code(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        // A reader that went away (`| head`) is not an error of ours.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %describe(&e), "stopped");
            eprintln!("oin-review: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: most messages already quote their cause.
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}
