//! Writing the emails of each phase: templates rendered with minijinja, a
//! multipart/alternative message built with lettre, threaded by Message-ID.

use super::MailError;
use crate::config::MailConfig;
use crate::domain::{EmailKind, Notice, PhasePromise, Submission};
use crate::store::NewEmail;
use crate::text::safe_line;
use jiff::Timestamp;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use minijinja::{Environment, context};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The built-in templates, by file name (data/templates/).
const BUILTIN: &[(&str, &str)] = &[
    (
        "received.txt",
        include_str!("../../data/templates/received.txt"),
    ),
    (
        "received.html",
        include_str!("../../data/templates/received.html"),
    ),
    (
        "qa-started.txt",
        include_str!("../../data/templates/qa-started.txt"),
    ),
    (
        "qa-started.html",
        include_str!("../../data/templates/qa-started.html"),
    ),
    (
        "final-review.txt",
        include_str!("../../data/templates/final-review.txt"),
    ),
    (
        "final-review.html",
        include_str!("../../data/templates/final-review.html"),
    ),
    (
        "issue-list.txt",
        include_str!("../../data/templates/issue-list.txt"),
    ),
    (
        "issue-list.html",
        include_str!("../../data/templates/issue-list.html"),
    ),
    (
        "published.txt",
        include_str!("../../data/templates/published.txt"),
    ),
    (
        "published.html",
        include_str!("../../data/templates/published.html"),
    ),
    (
        "reminder.txt",
        include_str!("../../data/templates/reminder.txt"),
    ),
    (
        "reminder.html",
        include_str!("../../data/templates/reminder.html"),
    ),
    (
        "correction.txt",
        include_str!("../../data/templates/correction.txt"),
    ),
    (
        "correction.html",
        include_str!("../../data/templates/correction.html"),
    ),
];

/// The email templates: a file of the same name in `templates/` of the config dir
/// overrides a built-in one.
pub struct Templates {
    env: Environment<'static>,
    /// The user's files that replace built-in templates, by template name (for errors).
    files: std::collections::BTreeMap<&'static str, PathBuf>,
}

impl Templates {
    pub fn load() -> Result<Templates, MailError> {
        let dir = crate::config::config_dir().map(|d| d.join("templates"));
        Templates::from_dir(dir)
    }

    /// Templates from `dir` where present, else the built-in ones.
    pub fn from_dir(dir: Option<PathBuf>) -> Result<Templates, MailError> {
        let (templates, mut problems) = Templates::from_dir_checked(dir);
        match problems.is_empty() {
            true => Ok(templates),
            false => Err(problems.swap_remove(0)),
        }
    }

    /// The user's templates (`templates/` in the config dir), each one that cannot be read
    /// or parsed replaced by the built-in one and named in the problems.
    pub fn load_checked() -> (Templates, Vec<MailError>) {
        Templates::from_dir_checked(crate::config::config_dir().map(|d| d.join("templates")))
    }

    fn from_dir_checked(dir: Option<PathBuf>) -> (Templates, Vec<MailError>) {
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
        let mut files = std::collections::BTreeMap::new();
        let mut problems = Vec::new();
        for (name, builtin) in BUILTIN {
            let user = dir.as_ref().map(|d| d.join(name));
            match user.as_ref().map(std::fs::read_to_string) {
                Some(Ok(text)) => {
                    let path = user.clone().unwrap_or_default();
                    let mut one = Environment::new();
                    match one.add_template_owned(*name, text.clone()) {
                        Ok(()) => {
                            files.insert(*name, path);
                            // Parsed above, so this cannot fail.
                            let _ = env.add_template_owned(*name, text);
                            continue;
                        }
                        Err(e) => {
                            files.insert(*name, path);
                            problems.push(MailError::Template(template_error(&files, name, &e)));
                            files.remove(name);
                        }
                    }
                }
                Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                    problems.push(MailError::Template(format!(
                        "{}: cannot read: {e}",
                        user.unwrap_or_default().display()
                    )));
                }
                _ => {}
            }
            if let Err(e) = env.add_template(name, builtin) {
                problems.push(MailError::Template(template_error(&files, name, &e)));
            }
        }
        (Templates { env, files }, problems)
    }

    fn render(&self, name: &str, ctx: &minijinja::Value) -> Result<String, MailError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| MailError::Template(template_error(&self.files, name, &e)))
    }
}

/// "template issue-list.txt (FILE), line 3: ..." naming the user's file when it is one.
fn template_error(
    files: &std::collections::BTreeMap<&'static str, PathBuf>,
    name: &str,
    e: &minijinja::Error,
) -> String {
    let file = files
        .get(name)
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default();
    match e.line() {
        Some(line) => format!("template {name}{file}, line {line}: {e}"),
        None => format!("template {name}{file}: {e}"),
    }
}

/// A rendered email, ready to preview and queue.
#[derive(Debug, Clone)]
pub struct Composed {
    pub submission_id: String,
    pub kind: EmailKind,
    pub subject: String,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Where the ISV's replies go: the mailbox the queue fetches (`[inbound]`).
    pub reply_to: Option<String>,
    pub message_id: String,
    /// The Message-IDs this one replies to, oldest first.
    pub references: Vec<String>,
    pub plain: String,
    pub html: String,
    /// The whole RFC 5322 message.
    pub bytes: Vec<u8>,
    /// How many issues it lists.
    pub issues: usize,
    /// The date it tells the ISV a phase will finish, recorded when it is queued.
    pub promise: Option<PhasePromise>,
}

impl Composed {
    /// What the analyst reviews before sending: the headers that matter and the plain text.
    pub fn preview(&self) -> String {
        let mut s = format!("From: {}\nTo: {}\n", self.from, self.to.join(", "));
        if !self.cc.is_empty() {
            s.push_str(&format!("Cc: {}\n", self.cc.join(", ")));
        }
        if let Some(r) = &self.reply_to {
            s.push_str(&format!("Reply-To: {r}\n"));
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
            kind: self.kind,
            message_id: self.message_id.clone(),
            recipients: self.to.iter().chain(&self.cc).cloned().collect(),
            subject: self.subject.clone(),
            message: self.bytes.clone(),
            promise: self.promise.clone(),
            preview: self.preview(),
            held_until: None,
        }
    }
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

/// Renders `notice` for `sub` and builds the message: to the escalation contact (cc from
/// the config), threaded under `thread` (Message-IDs of its earlier emails, oldest first).
pub fn compose(
    sub: &Submission,
    notice: &Notice,
    thread: &[String],
    now: Timestamp,
    config: &MailConfig,
    templates: &Templates,
) -> Result<Composed, MailError> {
    // The caller names the submission; these say what is wrong with it.
    let Some(contact) = sub.escalation_email() else {
        return Err(MailError::Address(match sub.escalation_contact.as_deref() {
            Some(c) if !c.trim().is_empty() => format!(
                "the escalation contact \"{}\" is not an email address; ask the ISV for an email distribution list and import it again",
                safe_line(c)
            ),
            _ => "no escalation contact to send to: add one to the submission and import it again"
                .to_string(),
        }));
    };
    let to = mailbox("the escalation contact", contact)?;
    let from = mailbox("[mail] from in the config", &config.from)?;
    let cc = config
        .cc
        .iter()
        .map(|c| mailbox("[mail] cc in the config", c))
        .collect::<Result<Vec<_>, _>>()?;
    let subject = safe_line(&notice.subject);
    let secret = sub
        .test_account
        .as_ref()
        .and_then(|t| t.password.as_ref())
        .map(|p| p.expose());
    let ctx = context! {
        kind => notice.kind.key(),
        subject => subject,
        isv => safe_line(&sub.isv),
        app_name => safe_line(&sub.app_name),
        submission_id => safe_line(&sub.id),
        phase => notice.phase.clone(),
        state => notice.state.clone(),
        resubmission => notice.resubmission,
        issues => notice
            .issues
            .iter()
            .map(|i| context! { number => i.number, severity => i.severity, text => safe_line(&i.text) })
            .collect::<Vec<_>>(),
        // The issues that must be fixed apart from the suggestions (warnings).
        required => notice
            .issues
            .iter()
            .filter(|i| i.severity == "blocker")
            .map(|i| context! { number => i.number, severity => i.severity, text => safe_line(&i.text) })
            .collect::<Vec<_>>(),
        suggested => notice
            .issues
            .iter()
            .filter(|i| i.severity != "blocker")
            .map(|i| context! { number => i.number, severity => i.severity, text => safe_line(&i.text) })
            .collect::<Vec<_>>(),
        next_steps => notice.next_steps.iter().map(|s| safe_line(s)).collect::<Vec<_>>(),
        expected_date => notice.expected.map(|d| d.strftime("%A, %B %-d, %Y").to_string()),
        after_resubmission => notice.after_resubmission.clone(),
        waiting_since => notice.waiting_since.map(|d| d.strftime("%A, %B %-d, %Y").to_string()),
        waiting => notice.waiting.clone(),
        reminder => notice.reminder,
        corrects => notice.corrects.as_deref().map(safe_line),
        told_on => notice.told_on.map(|d| d.strftime("%A, %B %-d, %Y").to_string()),
        told_state => notice.told_state.clone(),
        private => notice.private.clone(),
        signature => config.signature.clone(),
    };
    let stem = notice.kind.template();
    let plain = without_secret(&templates.render(&format!("{stem}.txt"), &ctx)?, secret);
    let html = without_secret(&templates.render(&format!("{stem}.html"), &ctx)?, secret);
    let message_id = new_message_id(&sub.id, &from, now);
    let mut builder = Message::builder()
        .message_id(Some(message_id.clone()))
        .from(from.clone())
        .to(to.clone())
        .subject(subject.clone())
        .date(std::time::SystemTime::from(now));
    for c in &cc {
        builder = builder.cc(c.clone());
    }
    let reply_to = config
        .reply_to
        .as_deref()
        .map(|r| mailbox("[inbound] reply_to in the config", r))
        .transpose()?;
    if let Some(r) = &reply_to {
        builder = builder.reply_to(r.clone());
    }
    if let Some(last) = thread.last() {
        builder = builder
            .in_reply_to(last.clone())
            .references(thread.join(" "));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            plain.clone(),
            html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))?;
    Ok(Composed {
        submission_id: sub.id.clone(),
        kind: notice.kind,
        subject,
        from: from.to_string(),
        to: vec![to.email.to_string()],
        cc: cc.iter().map(|c| c.email.to_string()).collect(),
        reply_to: reply_to.map(|r| r.to_string()),
        message_id,
        references: thread.to_vec(),
        plain,
        html,
        bytes: message.formatted(),
        issues: notice.issues.len(),
        promise: notice
            .kind
            .phase()
            .zip(notice.expected)
            .map(|(phase, date)| PhasePromise { phase, date }),
    })
}

/// Renders every kind of email for `sample` with every field of a notice filled in (issues,
/// next steps, an expected date, what happens on resubmission), so a template that names a
/// value that does not exist, or fails to render, is found before an email needs it.
/// Returns one line per problem.
pub fn check_templates(
    templates: &Templates,
    config: &MailConfig,
    sample: &Submission,
    now: Timestamp,
) -> Vec<String> {
    let mut problems = Vec::new();
    for kind in EmailKind::ALL {
        let notice = Notice {
            kind,
            subject: format!("{} for {} (check)", kind.short(), sample.app_name),
            phase: "initial review".into(),
            state: "Okta review".into(),
            resubmission: true,
            issues: vec![crate::domain::notice::NoticeIssue {
                number: 1,
                severity: "blocker",
                text: "A sample issue".into(),
            }],
            next_steps: vec!["A sample next step".into()],
            expected: Some(now.to_zoned(jiff::tz::TimeZone::UTC).date()),
            after_resubmission: Some("The clock resumes when you resubmit.".into()),
            waiting_since: Some(now.to_zoned(jiff::tz::TimeZone::UTC).date()),
            waiting: Some("10 business days".into()),
            // The second reminder: its template says which one it is.
            reminder: Some(2),
            corrects: Some("[OIN] a sample subject".into()),
            told_on: Some(now.to_zoned(jiff::tz::TimeZone::UTC).date()),
            told_state: Some("ISV needs to review".into()),
            private: None,
        };
        if let Err(e) = compose(sample, &notice, &[], now, config, templates) {
            problems.push(format!("{} email: {e}", kind.key()));
        }
    }
    problems
}
