//! Helpers shared by the integration tests: temp homes, the real binary, sample data.
#![allow(dead_code)]

pub mod imap;
pub mod smtp;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SAMPLES: &str = include_str!("../../data/sample-submissions.json");

/// The instant every test runs at: the binary's clock (`OIN_REVIEW_CLOCK`) reads it when the
/// test process started, and runs on from there. A Friday, late morning, in December 2026,
/// after the samples' history; CI runs the suite again at other real dates under
/// libfaketime, and the answers must not change.
pub const PINNED: &str = "2026-12-04T11:00:00Z";

/// The real Unix time (ns) at which the tests' clock read `PINNED`: taken once per test
/// process, and handed to every command it runs, so all of them read one clock. Only the
/// time elapsed since is ever used, never the real date.
fn anchor_ns() -> i128 {
    static ANCHOR: std::sync::OnceLock<i128> = std::sync::OnceLock::new();
    *ANCHOR.get_or_init(|| jiff::Timestamp::now().as_nanosecond())
}

/// Now, by the tests' clock: `PINNED` plus the time since the test process took its anchor.
/// The clock the binary reads too, so in-process writes and the binary's agree.
pub fn now() -> jiff::Timestamp {
    let anchor = anchor_ns();
    let elapsed = jiff::Timestamp::now().as_nanosecond() - anchor;
    pinned() + jiff::SignedDuration::from_nanos(elapsed as i64)
}

/// `PINNED`, as an instant.
pub fn pinned() -> jiff::Timestamp {
    PINNED.parse().expect("PINNED is an instant")
}

/// `days` whole days (and a minute) before the tests' now, to the second, in RFC 3339:
/// history that lies in the past of every write a test makes.
pub fn days_ago(days: i64) -> jiff::Timestamp {
    (now() - jiff::SignedDuration::from_hours(24 * days) - jiff::SignedDuration::from_mins(1))
        .round(jiff::Unit::Second)
        .expect("rounds")
}

/// The environment every child process gets besides its own: the tests' clock, and the
/// time variables of libfaketime (CI's dated runs) so a child runs at the same fake date
/// as the test. Nothing else of the host's environment reaches a child.
pub fn clock_env() -> Vec<(String, String)> {
    let mut env = vec![
        ("OIN_REVIEW_CLOCK".to_string(), PINNED.to_string()),
        (
            "OIN_REVIEW_CLOCK_ANCHOR".to_string(),
            anchor_ns().to_string(),
        ),
    ];
    for (k, v) in std::env::vars() {
        if k == "LD_PRELOAD" || k.starts_with("FAKETIME") || k == "DONT_FAKE_MONOTONIC" {
            env.push((k, v));
        }
    }
    env
}

/// `program` with a cleared environment: PATH, the tests' clock and libfaketime's variables.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(clock_env());
    c
}

/// The real `oin-review` binary on the queue at `db`, with a clean environment whose HOME
/// and XDG folders are under `root` (a sandbox's folder): what `Sandbox::cmd` runs, for a
/// thread that cannot borrow the sandbox.
pub fn command_in(root: &Path, db: &Path) -> Command {
    let mut c = clean_command(env!("CARGO_BIN_EXE_oin-review"));
    c.env("HOME", root.join("home"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .arg("--db")
        .arg(db);
    c
}

/// The seed of a test's random schedule: `OIN_TEST_SEED` when set (to replay a failure),
/// else `default`. Printed, so a failure's output says how to replay it.
pub fn seed(default: u64) -> u64 {
    let seed = std::env::var("OIN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("random schedule: seed {seed} (OIN_TEST_SEED={seed} replays it)");
    seed
}

/// Polls `done` every 5 ms until it holds; panics naming `what` after ten seconds.
pub fn poll_until(what: &str, mut done: impl FnMut() -> bool) {
    let patience = std::time::Duration::from_secs(10);
    let deadline = std::time::Instant::now() + patience;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up after {patience:?} waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Whether a test that needs `what` may be left out here: never under `CI=true` (it
/// panics, saying what is missing and how `.ci/run` provides it); elsewhere it says so
/// loudly on stderr and the caller returns.
pub fn cannot_run(what: &str) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "this test cannot run: {what} (CI=true: nothing skips; .ci/run installs what the suite needs)"
        );
    }
    eprintln!("\n*** SKIPPED: this test cannot run here: {what} ***\n");
    true
}

/// Tests whose outcome depends on timing (kills at calibrated moments, a hang-up in the
/// middle of a batch) take this first, so that they run one at a time within their test
/// binary and are not slowed unpredictably by each other.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TIMING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A test that failed while holding it says so itself; the next one still runs.
    TIMING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A private HOME/XDG tree so tests never see the user's config or data.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// The analysts the tests' queues know before any of them acts (`[team] analysts`): a
/// sandbox's config names them, so assigning or mentioning them is not a typo.
pub const TEAM: &str =
    "[team]\nanalysts = [\"ana\", \"asha\", \"bea\", \"ben\", \"carla\", \"dmitri\", \"zed\"]\n";

impl Sandbox {
    pub fn new() -> Sandbox {
        let sb = Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        sb.write("config/oin-review/config.toml", TEAM);
        sb
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn db(&self) -> PathBuf {
        self.path("queue.db")
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// The real `oin-review` binary with this sandbox's environment and `--db`.
    pub fn cmd(&self) -> Command {
        command_in(self.dir.path(), &self.db())
    }

    /// Runs the binary on the sandbox's queue. An `import` into a sandbox with no queue yet
    /// makes it first with `init`, as the README's first use does.
    pub fn run(&self, args: &[&str]) -> Output {
        if args.first() == Some(&"import") && !self.db().exists() {
            self.init();
        }
        self.cmd().args(args).output().expect("run oin-review")
    }

    /// `oin-review init` on the sandbox's queue (with the config's `db_group`, if any).
    pub fn init(&self) {
        let out = self.cmd().arg("init").output().expect("run oin-review");
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "oin-review {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Imports these submissions (JSON values in the import format); asserts success.
    pub fn import_values(&self, subs: &[serde_json::Value]) {
        let f = self.write("import.json", serde_json::to_vec(subs).unwrap());
        self.ok(&["import", f.to_str().unwrap()]);
    }

    pub fn import_samples(&self) {
        let f = self.write("samples.json", SAMPLES);
        self.ok(&["import", f.to_str().unwrap()]);
    }

    pub fn list_json(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["list", "--format", "json"])).unwrap()
    }
}

/// The built-in review policy (data/policy.toml).
pub fn builtin_policy() -> oin_review::domain::Policy {
    oin_review::config::policy_from_text("policy.toml".as_ref(), oin_review::config::BUILTIN_POLICY)
        .expect("the built-in policy parses")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

/// A minimal valid submission as JSON.
pub fn submission_json(id: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "app_name": format!("App {id}"),
        "isv": "Test ISV",
        "path": "wizard",
        "protocols": ["saml"],
        "state": state,
        "test_account": {"url": "https://isv.example/login", "username": "isvtest@okta.com", "password": format!("pw-{id}")},
        "history": [{"to": state, "at": "2026-11-02T09:00:00Z", "by": "isv@isv.example"}]
    })
}

/// A Wizard SAML submission that passes every rule: in initial review since `submitted_at`,
/// its IdP flow test run two hours before. What a gate lets through.
pub fn passing_json(id: &str, submitted_at: &str) -> serde_json::Value {
    let at: jiff::Timestamp = submitted_at.parse().expect("an RFC 3339 instant");
    let ran = (at - jiff::SignedDuration::from_hours(2)).to_string();
    serde_json::json!({
        "id": id,
        "app_name": format!("Good {id}"),
        "isv": "Good Co",
        "app_website": "https://good.example",
        "submitter_email": "dev@good.example",
        "dev_org": format!("dev-{id}.okta.com"),
        "path": "wizard",
        "protocols": ["saml"],
        "description": "A good integration.",
        "logo": {"file": "g.png", "format": "png", "bytes": 1000},
        "support_contacts": [{"kind": "email", "value": "help@good.example"}],
        "escalation_contact": "okta-escalations@good.example",
        "test_account": {"url": "https://good.example/login", "username": "isvtest@okta.com", "password": "pw-good"},
        "config_doc_url": "https://good.example/docs",
        "multi_tenant": true,
        "sso": {"idp_flow": true, "saml_signature": "sha256"},
        "state": "initial_review",
        "history": [{"to": "initial_review", "at": submitted_at, "by": "isv"}],
        "test_results": [{"instance": "good-dev", "protocol": "saml", "test_case": "idp_flow", "result": "passed", "run_at": ran}]
    })
}

/// A console app on the sample submissions, assessed at `now`, without a database: every
/// line loaded, every submission read in full (as the database thread would as the analyst
/// goes through them).
/// An issue-list email the outbox sent at `sent` to `to` (queued 5 s before), as the
/// console's outbox receives it; a test changes what its case needs (status, bounce, …).
pub fn sent_email(
    id: i64,
    submission: &str,
    to: &str,
    subject: &str,
    sent: &str,
) -> oin_review::domain::EmailRecord {
    let sent: jiff::Timestamp = sent.parse().unwrap();
    let queued = sent - jiff::SignedDuration::from_secs(5);
    oin_review::domain::EmailRecord {
        id,
        submission_id: submission.into(),
        kind: oin_review::domain::EmailKind::Issues,
        message_id: format!("<m{id}@okta.example>"),
        recipients: vec![to.into()],
        subject: subject.into(),
        status: oin_review::domain::OutboxStatus::Sent,
        attempts: 1,
        queued_at: queued,
        next_attempt_at: queued,
        sent_at: Some(sent),
        last_error: None,
        server_reply: Some("250 ok".into()),
        analyst: "ben".into(),
        claimed_at: None,
        cancelled_at: None,
        cancelled_by: None,
        held_until: None,
        bounce: None,
    }
}

pub fn sample_app(now: &str, width: u16, height: u16) -> oin_review::tui::app::App {
    sample_app_with(now, width, height, |_| {})
}

/// [`sample_app`] on the samples as `edit` leaves them (what the store would have made of
/// them, say).
pub fn sample_app_with(
    now: &str,
    width: u16,
    height: u16,
    edit: impl FnOnce(&mut Vec<oin_review::domain::Submission>),
) -> oin_review::tui::app::App {
    use oin_review::tui::app::{App, Msg};
    let now: jiff::Timestamp = now.parse().unwrap();
    let policy = std::sync::Arc::new(
        oin_review::config::policy_from_text(
            Path::new("policy.toml"),
            oin_review::config::BUILTIN_POLICY,
        )
        .unwrap(),
    );
    let mut subs =
        oin_review::exchange::parse_submissions("samples.json", SAMPLES.as_bytes()).unwrap();
    edit(&mut subs);
    let mut app = App::new(
        oin_review::tui::keymap::Keymap::defaults(),
        policy,
        "ben".into(),
        "/srv/oin/queue.db".into(),
        now,
    );
    app.update(Msg::Resize(width, height));
    feed_subs(&mut app, subs);
    app
}

/// Loads `subs` into `app` as the database thread would: their lines (all of them), and
/// each read in full (facts from the whole set, as the store computes them).
pub fn feed_subs(app: &mut oin_review::tui::app::App, subs: Vec<oin_review::domain::Submission>) {
    use oin_review::tui::app::Msg;
    use oin_review::tui::worker::{Opened, WorkerEvent};
    let policy = app.policy().clone();
    // At the version an import gives them, as the store would hold them.
    let mut subs = subs;
    for s in &mut subs {
        s.version = s.version.max(1);
    }
    let mut lines: Vec<_> = subs
        .iter()
        .filter_map(|s| oin_review::store::line_as_of(s, &policy, app.now()))
        .collect();
    lines.sort_by(|a, b| a.id().cmp(b.id()));
    let refs: Vec<&oin_review::domain::Submission> = subs.iter().collect();
    let facts = oin_review::domain::lint::queue_facts(&refs);
    let opened = subs
        .into_iter()
        .zip(facts)
        .map(|(sub, facts)| {
            std::sync::Arc::new(Opened {
                sub,
                facts,
                notes: Vec::new(),
            })
        })
        .collect();
    let now = app.now();
    app.update(Msg::Worker(WorkerEvent::Loaded {
        rows: std::sync::Arc::new(lines),
        complete: true,
        at: now,
        took: std::time::Duration::ZERO,
        external: false,
    }));
    app.update(Msg::Worker(WorkerEvent::Opened(opened)));
}

/// The submissions another app has read in full, loaded into `app` (another analyst's
/// console on the same queue).
pub fn feed(app: &mut oin_review::tui::app::App, from: Vec<oin_review::domain::Submission>) {
    feed_subs(app, from);
}

/// The queue after a fault: `integrity_check`'s answer and the count per state; asserts that
/// every submission's state equals the target of its last audited event.
pub fn consistent(db: &std::path::Path) -> (String, Vec<(String, i64)>) {
    consistent_in(&rusqlite::Connection::open(db).unwrap())
}

/// `consistent`, on an open connection.
pub fn consistent_in(c: &rusqlite::Connection) -> (String, Vec<(String, i64)>) {
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let mismatched: i64 = c
        .query_row(
            "SELECT count(*) FROM submissions s WHERE s.state IS NOT (
                 SELECT e.to_state FROM events e WHERE e.submission_id = s.id
                 ORDER BY e.at DESC, e.id DESC LIMIT 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        mismatched, 0,
        "every state equals the target of its last event"
    );
    let mut stmt = c
        .prepare("SELECT state, count(*) FROM submissions GROUP BY state ORDER BY state")
        .unwrap();
    let states = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (integrity, states)
}

/// A search's read of every line at `at` scored by `keep` (a text's score, None for no
/// match): the search texts the scorer saw, in the order it saw them, and the lines it
/// passed with their scores.
pub fn scored_read(
    store: &oin_review::store::Store,
    at: jiff::Timestamp,
    keep: fn(&str) -> Option<u32>,
) -> (Vec<String>, Vec<(oin_review::domain::QueueLine, u32)>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let mut passed = Vec::new();
    store
        .each_scored_line(
            &oin_review::store::LineFilter::default(),
            at,
            Box::new(move |t: &str| {
                record.lock().unwrap().push(t.to_string());
                keep(t)
            }),
            &mut |line, score| {
                passed.push((line, score));
                true
            },
        )
        .unwrap();
    let texts = seen.lock().unwrap().clone();
    (texts, passed)
}

/// Every SGR parameter in `text`, in order (`ESC[1;31m` gives 1 and 31; an empty
/// parameter list is a reset, 0). Cursor moves and other sequences are skipped.
pub fn sgr_params(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for seq in text.split("\x1b[").skip(1) {
        let Some(end) = seq.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':')) else {
            continue;
        };
        if &seq[end..end + 1] != "m" {
            continue;
        }
        if seq[..end].is_empty() {
            out.push(0);
        }
        out.extend(
            seq[..end]
                .split([';', ':'])
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    out
}

/// Whether an SGR parameter sets a colour (foreground, background or underline).
pub fn is_colour(p: u32) -> bool {
    matches!(p, 30..=38 | 40..=48 | 58 | 90..=97 | 100..=107)
}

/// A workflow on the sandbox's queue (the console's database thread's), with the built-in
/// policy and templates and these email switches.
pub fn workflow_with(
    sb: &Sandbox,
    emails: oin_review::config::EmailSwitches,
) -> oin_review::workflow::Workflow {
    let policy = std::sync::Arc::new(builtin_policy());
    let opts = oin_review::store::OpenOptions {
        policy: Some(policy.clone()),
        ..Default::default()
    };
    oin_review::workflow::Workflow::new(
        oin_review::store::Store::open(&sb.db(), &opts).unwrap(),
        policy,
        std::sync::Arc::new(oin_review::workflow::MailSetup {
            config: oin_review::config::MailConfig {
                emails,
                ..Default::default()
            },
            templates: oin_review::mail::Templates::from_dir(None).map_err(|e| e.to_string()),
            inbound: Default::default(),
        }),
    )
}

/// The sample submissions in a real queue, and a workflow on it.
pub fn sample_workflow(
    emails: oin_review::config::EmailSwitches,
) -> (Sandbox, oin_review::workflow::Workflow) {
    let sb = Sandbox::new();
    sb.import_samples();
    let wf = workflow_with(&sb, emails);
    (sb, wf)
}

/// Answers the plans `actions` ask for, as the console's database thread does (through the
/// same functions), at the app's instant, and feeds them back; returns every other action.
pub fn serve(
    app: &mut oin_review::tui::app::App,
    wf: &oin_review::workflow::Workflow,
    actions: Vec<oin_review::tui::app::Action>,
) -> Vec<oin_review::tui::app::Action> {
    use oin_review::tui::app::{Action, Msg};
    use oin_review::tui::worker::{self, DbRequest};
    let mut rest = Vec::new();
    for a in actions {
        let now = app.now();
        let ev = match a {
            Action::Db(DbRequest::PlanChoices(items)) => {
                worker::choices(wf, items, app.analyst(), now)
            }
            Action::Db(DbRequest::Plan { ask, again }) => {
                worker::plan(wf, ask, again, app.analyst(), now)
            }
            other => {
                rest.push(other);
                continue;
            }
        };
        let more = app.update(Msg::Worker(ev));
        rest.extend(serve(app, wf, more));
    }
    rest
}

/// Who the commands run as: the analyst a test's CLI commands act as.
pub fn me() -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::current())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| format!("uid{}", nix::unistd::Uid::current()))
}

/// Runs the searches the app asks for, as the search worker would, and feeds the results back.
pub fn settle(app: &mut oin_review::tui::app::App, actions: Vec<oin_review::tui::app::Action>) {
    use oin_review::tui::app::{Action, Msg};
    use oin_review::tui::worker::{WorkerEvent, run_search};
    for a in actions {
        if let Action::Search(generation, query, candidates) = a {
            let req = app.search_request(generation, query, candidates);
            let mut more = Vec::new();
            run_search(&req, &|| false, &mut |result| {
                more.extend(app.update(Msg::Worker(WorkerEvent::SearchDone(result))));
            });
            settle(app, more);
        }
    }
}
