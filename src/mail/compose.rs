//! Writing the issue-list email: templates rendered with minijinja, a multipart/alternative
//! message built with lettre, threaded by Message-ID.

use super::MailError;
use crate::config::MailConfig;
use crate::domain::findings::{Issue, emailed, issue_list};
use crate::domain::{Finding, Phase, ReviewState, Submission, SubmissionPath};
use crate::store::NewEmail;
use crate::text::safe_line;
use jiff::Timestamp;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use minijinja::{Environment, context};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

const BUILTIN_TXT: &str = include_str!("../../data/templates/issue-list.txt");
const BUILTIN_HTML: &str = include_str!("../../data/templates/issue-list.html");
const TXT: &str = "issue-list.txt";
const HTML: &str = "issue-list.html";

/// The email templates: `templates/issue-list.{txt,html}` in the config dir override the
/// built-in ones in data/templates/.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn load() -> Result<Templates, MailError> {
        let dir = crate::config::config_dir().map(|d| d.join("templates"));
        Templates::from_dir(dir)
    }

    /// Templates from `dir` where present, else the built-in ones.
    pub fn from_dir(dir: Option<PathBuf>) -> Result<Templates, MailError> {
        let mut env = Environment::new();
        // HTML-escape every value in .html templates; the text part is plain text.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        for (name, builtin) in [(TXT, BUILTIN_TXT), (HTML, BUILTIN_HTML)] {
            let user = dir.as_ref().map(|d| d.join(name));
            let source = match user.as_ref().map(std::fs::read_to_string) {
                Some(Ok(text)) => text,
                Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(MailError::Template(format!(
                        "{}: cannot read: {e}",
                        user.unwrap_or_default().display()
                    )));
                }
                _ => builtin.to_string(),
            };
            env.add_template_owned(name, source)
                .map_err(|e| MailError::Template(template_error(name, &e)))?;
        }
        Ok(Templates { env })
    }

    fn render(&self, name: &str, ctx: &minijinja::Value) -> Result<String, MailError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| MailError::Template(template_error(name, &e)))
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("template {name}, line {line}: {e}"),
        None => format!("template {name}: {e}"),
    }
}

/// A rendered email, ready to preview and queue.
#[derive(Debug, Clone)]
pub struct Composed {
    pub submission_id: String,
    pub subject: String,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub message_id: String,
    /// The Message-IDs this one replies to, oldest first.
    pub references: Vec<String>,
    pub plain: String,
    pub html: String,
    /// The whole RFC 5322 message.
    pub bytes: Vec<u8>,
    /// How many issues it lists.
    pub issues: usize,
}

impl Composed {
    /// What the analyst reviews before sending: the headers that matter and the plain text.
    pub fn preview(&self) -> String {
        let mut s = format!("From: {}\nTo: {}\n", self.from, self.to.join(", "));
        if !self.cc.is_empty() {
            s.push_str(&format!("Cc: {}\n", self.cc.join(", ")));
        }
        s.push_str(&format!("Subject: {}\n", self.subject));
        if let Some(last) = self.references.last() {
            s.push_str(&format!(
                "In-Reply-To: {last} (thread of {})\n",
                self.references.len() + 1
            ));
        }
        s.push('\n');
        s.push_str(&self.plain);
        s
    }

    pub fn to_new_email(&self) -> NewEmail {
        NewEmail {
            submission_id: self.submission_id.clone(),
            message_id: self.message_id.clone(),
            recipients: self.to.iter().chain(&self.cc).cloned().collect(),
            subject: self.subject.clone(),
            message: self.bytes.clone(),
        }
    }
}

/// Everything an email is made from.
pub struct Draft<'a> {
    pub sub: &'a Submission,
    /// The lint's findings now; merged with the analyst's notes into the issue list.
    pub lint: &'a [Finding],
    /// The state the submission is in once the email goes (the move it comes with, if any).
    pub state_after: ReviewState,
    /// Message-IDs of the submission's earlier emails, oldest first.
    pub thread: Vec<String>,
    pub now: Timestamp,
}

#[derive(Serialize)]
struct IssueCtx {
    number: usize,
    severity: &'static str,
    text: String,
}

/// The review phase an email speaks for: the submission's phase, or the one it left for
/// the ISV.
pub fn review_phase(sub: &Submission) -> Option<Phase> {
    Phase::of(sub.state).or_else(|| {
        sub.history
            .iter()
            .rev()
            .filter_map(|e| e.from.and_then(Phase::of))
            .next()
    })
}

fn phase_words(p: Option<Phase>) -> &'static str {
    match p {
        Some(Phase::InitialReview) => "initial review",
        Some(Phase::QaTesting) => "QA testing",
        Some(Phase::FinalReview) => "final review",
        None => "review",
    }
}

fn next_steps(sub: &Submission, state_after: ReviewState) -> Vec<String> {
    let resubmit = match sub.path {
        SubmissionPath::Wizard => {
            "Resubmit in the OIN Wizard (Admin Console > Applications > Your OIN Integrations): \
             open the integration, make the changes and submit it again."
        }
        SubmissionPath::Manager => {
            "Resubmit in the OIN Manager: open the submission, make the changes and submit it \
             again."
        }
    };
    let mut steps = Vec::new();
    match state_after {
        ReviewState::IsvFixBugs => {
            steps.push("Fix each issue above in your integration.".to_string());
            steps.push(
                "Run the OIN Submission Tester again for every protocol; results are valid for \
                 48 hours, so resubmit soon after the run."
                    .to_string(),
            );
        }
        _ => steps.push("Change your submission to address each issue above.".to_string()),
    }
    steps.push(resubmit.to_string());
    steps
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A Message-ID unique to this email: submission, time, process and a counter.
fn new_message_id(sub_id: &str, from: &Mailbox, now: Timestamp) -> String {
    let domain = from.email.domain();
    let local = crate::text::file_safe(sub_id);
    format!(
        "<oin-review.{local}.{}.{}.{}@{domain}>",
        now.as_nanosecond(),
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

fn mailbox(what: &str, value: &str) -> Result<Mailbox, MailError> {
    value
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| MailError::Address(format!("{what} {:?}: {e}", safe_line(value))))
}

/// Removes the test account's password wherever it appears; it must never be mailed.
fn without_secret(text: &str, secret: Option<&str>) -> String {
    match secret.filter(|s| !s.is_empty()) {
        Some(s) => text.replace(s, "[redacted]"),
        None => text.to_string(),
    }
}

/// Renders and builds the email for `draft`.
pub fn compose(
    draft: &Draft,
    config: &MailConfig,
    templates: &Templates,
) -> Result<Composed, MailError> {
    let sub = draft.sub;
    let issues: Vec<Issue> = issue_list(draft.lint, &sub.notes);
    let listed = emailed(&issues);
    if listed.is_empty() {
        return Err(MailError::NoIssues(sub.id.clone()));
    }
    let Some(contact) = sub
        .escalation_contact
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    else {
        return Err(MailError::Address(format!(
            "{} has no escalation contact to send to: add one to the submission and import it again",
            sub.id
        )));
    };
    let to = mailbox(&format!("{}: escalation contact", sub.id), contact)?;
    let from = mailbox("[mail] from in the config", &config.from)?;
    let cc = config
        .cc
        .iter()
        .map(|c| mailbox("[mail] cc in the config", c))
        .collect::<Result<Vec<_>, _>>()?;
    let phase = review_phase(sub);
    let app = safe_line(&sub.app_name);
    let subject = format!(
        "[OIN] {app} ({}): issues found in {}",
        safe_line(&sub.id),
        phase_words(phase)
    );
    let expected = phase
        .and_then(|p| sub.promises.iter().find(|pr| pr.phase == p))
        .map(|pr| pr.date.strftime("%A, %B %-d, %Y").to_string());
    let secret = sub
        .test_account
        .as_ref()
        .and_then(|t| t.password.as_ref())
        .map(|p| p.expose());
    let ctx = context! {
        subject => subject,
        isv => safe_line(&sub.isv),
        app_name => app,
        submission_id => safe_line(&sub.id),
        phase => phase_words(phase),
        state => draft.state_after.manager_name(),
        issues => listed
            .iter()
            .enumerate()
            .map(|(i, issue)| IssueCtx {
                number: i + 1,
                severity: issue.severity.key(),
                text: safe_line(&issue.text),
            })
            .collect::<Vec<_>>(),
        next_steps => next_steps(sub, draft.state_after),
        expected_date => expected,
        signature => config.signature.clone(),
    };
    let plain = without_secret(&templates.render(TXT, &ctx)?, secret);
    let html = without_secret(&templates.render(HTML, &ctx)?, secret);
    let message_id = new_message_id(&sub.id, &from, draft.now);
    let mut builder = Message::builder()
        .message_id(Some(message_id.clone()))
        .from(from.clone())
        .to(to.clone())
        .subject(subject.clone())
        .date(std::time::SystemTime::from(draft.now));
    for c in &cc {
        builder = builder.cc(c.clone());
    }
    if let Some(last) = draft.thread.last() {
        builder = builder
            .in_reply_to(last.clone())
            .references(draft.thread.join(" "));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            plain.clone(),
            html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))?;
    Ok(Composed {
        submission_id: sub.id.clone(),
        subject,
        from: from.to_string(),
        to: vec![to.email.to_string()],
        cc: cc.iter().map(|c| c.email.to_string()).collect(),
        message_id,
        references: draft.thread.clone(),
        plain,
        html,
        bytes: message.formatted(),
        issues: listed.len(),
    })
}
