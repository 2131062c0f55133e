//! What Okta tells the ISV at each phase (004: "Okta sends you an email at each phase of the
//! process to inform you of the status, the expected phase completion date, and any issues
//! for you to fix"): the kinds of email, and the content of each, by path and protocol.
//! Pure: the mail module renders it with templates.

use super::findings::{Issue, emailed};
use super::freshness::required_tests;
use super::policy::{Assessment, Policy};
pub use super::records::EmailKind;
use super::sla::{OnReturn, Phase};
use super::state::ReviewState;
use super::submission::{Protocol, Submission, SubmissionPath};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

impl EmailKind {
    pub const ALL: [EmailKind; 7] = [
        EmailKind::Received,
        EmailKind::QaStarted,
        EmailKind::FinalReview,
        EmailKind::Issues,
        EmailKind::Published,
        EmailKind::Reminder,
        EmailKind::Correction,
    ];

    /// The key in the config's `[mail.emails]` table, JSON output and the outbox.
    pub fn key(self) -> &'static str {
        match self {
            EmailKind::Received => "received",
            EmailKind::QaStarted => "qa_started",
            EmailKind::FinalReview => "final_review",
            EmailKind::Issues => "issues",
            EmailKind::Published => "published",
            EmailKind::Reminder => "reminder",
            EmailKind::Correction => "correction",
        }
    }

    pub fn from_key(s: &str) -> Option<EmailKind> {
        EmailKind::ALL.into_iter().find(|k| k.key() == s)
    }

    /// The template file stem in data/templates/.
    pub fn template(self) -> &'static str {
        match self {
            EmailKind::Received => "received",
            EmailKind::QaStarted => "qa-started",
            EmailKind::FinalReview => "final-review",
            EmailKind::Issues => "issue-list",
            EmailKind::Published => "published",
            EmailKind::Reminder => "reminder",
            EmailKind::Correction => "correction",
        }
    }

    /// One or two words: "issue list", "received".
    pub fn short(self) -> &'static str {
        match self {
            EmailKind::Received => "received",
            EmailKind::QaStarted => "QA started",
            EmailKind::FinalReview => "final review",
            EmailKind::Issues => "issue list",
            EmailKind::Published => "published",
            EmailKind::Reminder => "reminder",
            EmailKind::Correction => "correction",
        }
    }

    /// A few words for screens: "issue list", "received (queued for initial review)".
    pub fn label(self) -> &'static str {
        match self {
            EmailKind::Received => "received (queued for initial review)",
            EmailKind::QaStarted => "in QA testing",
            EmailKind::FinalReview => "in final review",
            EmailKind::Issues => "issue list",
            EmailKind::Published => "published",
            EmailKind::Reminder => "reminder (waiting for the ISV)",
            EmailKind::Correction => "correction (a move was undone)",
        }
    }

    /// The email a move into `to` sends; a move back to draft sends none.
    pub fn for_move(to: ReviewState) -> Option<EmailKind> {
        match to {
            ReviewState::Draft => None,
            ReviewState::InitialReview => Some(EmailKind::Received),
            ReviewState::QaTesting => Some(EmailKind::QaStarted),
            ReviewState::FinalReview => Some(EmailKind::FinalReview),
            ReviewState::IsvReview | ReviewState::IsvFixBugs => Some(EmailKind::Issues),
            ReviewState::Published => Some(EmailKind::Published),
        }
    }

    /// The phase whose expected finish the email states.
    pub fn phase(self) -> Option<Phase> {
        match self {
            EmailKind::Received => Some(Phase::InitialReview),
            EmailKind::QaStarted => Some(Phase::QaTesting),
            EmailKind::FinalReview => Some(Phase::FinalReview),
            EmailKind::Issues
            | EmailKind::Published
            | EmailKind::Reminder
            | EmailKind::Correction => None,
        }
    }
}

/// One issue as the email numbers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeIssue {
    pub number: usize,
    pub severity: &'static str,
    pub text: String,
}

/// Everything an email says, before templates render it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub kind: EmailKind,
    pub subject: String,
    /// The review phase the email speaks of, in words ("initial review").
    pub phase: String,
    /// The OIN Manager name of the state the submission is in once the email goes.
    pub state: String,
    /// A resubmission rather than a first submission (received emails).
    pub resubmission: bool,
    /// The numbered issues (issue-list emails only).
    pub issues: Vec<NoticeIssue>,
    pub next_steps: Vec<String>,
    /// The date the phase is expected to finish (received, QA and final review emails).
    pub expected: Option<Date>,
    /// What happens to the clock when the ISV resubmits (issue-list emails).
    pub after_resubmission: Option<String>,
    /// Reminders: since when the item waits for the ISV, how long in business time, and
    /// which reminder of this stay this is (1-based).
    pub waiting_since: Option<Date>,
    pub waiting: Option<String>,
    pub reminder: Option<u32>,
    /// Corrections: the email corrected (its subject and the date it was sent) and the
    /// state it announced, which the undo took back.
    pub corrects: Option<String>,
    pub told_on: Option<Date>,
    pub told_state: Option<String>,
    /// Published emails of a private-only integration: what makes it private (it is an
    /// internal-only integration, not in the OIN catalog).
    pub private: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// The submission (named by the caller) has no included issue.
    #[error(
        "no issues to email: every finding is left out or there are none (add one in the issue list, or with `oin-review finding add`)"
    )]
    NoIssues,
    /// A correction, but the last move was not undone after an email about it was sent.
    #[error("nothing to correct: no email was sent about a move that has since been undone")]
    NothingToCorrect,
}

/// Business time in words: "3 business days", "1 business day and 4 hours", "5 hours".
pub fn business_words(seconds: i64, day_length: i64) -> String {
    let s = seconds.max(0);
    let day = day_length.max(1);
    let (d, h) = (s / day, (s % day) / 3600);
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match (d, h) {
        (0, 0) => "less than an hour".into(),
        (0, h) => plural(h, "business hour", "business hours"),
        (d, 0) => plural(d, "business day", "business days"),
        (d, h) => format!(
            "{} and {}",
            plural(d, "business day", "business days"),
            plural(h, "hour", "hours")
        ),
    }
}

fn phase_words(p: Option<Phase>) -> &'static str {
    p.map(Phase::label).unwrap_or("review")
}

/// The tool the ISV resubmits in, and how.
fn resubmit_step(path: SubmissionPath) -> &'static str {
    match path {
        SubmissionPath::Wizard => {
            "Resubmit in the OIN Wizard (Admin Console > Applications > Your OIN Integrations): \
             open the integration, make the changes and submit it again."
        }
        SubmissionPath::Manager => {
            "Resubmit in the OIN Manager: open the submission, make the changes and submit it \
             again."
        }
    }
}

/// What to test again, by protocol (004): the Submission Tester for SSO only ("The OIN
/// Submission Tester only supports SSO integrations"), Runscope and the manual test plan for
/// SCIM, and both versions' instances for an update.
fn retest_steps(sub: &Submission, scim_too: bool) -> Vec<String> {
    let mut steps = Vec::new();
    let mut sso: Vec<&str> = sub
        .protocols
        .iter()
        .filter(|p| p.is_sso())
        .map(|p| p.badge())
        .collect();
    sso.dedup();
    // The Submission Tester is the OIN Wizard's: its instructions go to Wizard submissions
    // only, so an email never mixes the two tools (a Manager SSO submission is told by its
    // issue list to use the Wizard).
    if sub.path == SubmissionPath::Wizard && !sso.is_empty() && !required_tests(sub).is_empty() {
        if sub.is_update() {
            // 004:259 "A backwards-compatible instance is eligible if it was generated from
            // the published version of the integration before any edits are made".
            steps.push(format!(
                "Edits make the current version's test instances ineligible: generate new instances of your updated integration and run the required tests in the OIN Submission Tester again ({}). Results are valid for 48 hours, so resubmit soon after the run.",
                sso.join(", ")
            ));
            steps.push(
                "Because this updates a published integration, test the published version too (backwards compatibility), with the instance generated from the published integration before your edits; do not generate a new one from the edited version."
                    .into(),
            );
        } else {
            steps.push(format!(
                "Edits make earlier test instances ineligible: generate new instances and run the required tests in the OIN Submission Tester again ({}). Results are valid for 48 hours, so resubmit soon after the run.",
                sso.join(", ")
            ));
        }
    }
    if scim_too && sub.has_protocol(Protocol::Scim) {
        steps.push(
            "Run the Runscope SCIM spec tests and CRUD tests again, update both result links in the submission, and certify that the manual Okta SCIM test plan passed."
                .into(),
        );
    }
    steps
}

/// The content of the `kind` email for `after`: the submission as it is once the move that
/// sends it is made. `assessment` is `after`'s at the move; `issues` its issue list.
pub fn notice(
    after: &Submission,
    kind: EmailKind,
    issues: &[Issue],
    assessment: &Assessment,
    policy: &Policy,
    now: Timestamp,
) -> Result<Notice, NoticeError> {
    let app = &after.app_name;
    let id = &after.id;
    let day = policy.sla.calendar.day_length();
    let tz = policy.sla.calendar.time_zone().clone();
    let previous = after
        .history
        .len()
        .checked_sub(2)
        .and_then(|i| after.history.get(i))
        .map(|e| e.to);
    let clock = |p: Phase| {
        assessment
            .clocks
            .iter()
            .rev()
            .find(|c| c.phase == p && c.is_current())
    };
    // The date the phase is expected to finish: a promise for it when it is not in the
    // past, else the clock's due date. A clock already overrun (a breached QA clock that
    // resumes when the ISV hands the item back) promises nothing: the email leaves the
    // date out rather than name a day gone by (team policy, README "SLA clocks").
    let expected = kind.phase().and_then(|p| {
        let today = now.to_zoned(tz.clone()).date();
        after
            .promises
            .iter()
            .rev()
            .find(|pr| pr.phase == p && pr.date >= today)
            .map(|pr| pr.date)
            .or_else(|| {
                // The last business day of the window, not the first moment after it.
                clock(p)
                    .and_then(|c| c.due)
                    .map(|d| policy.sla.calendar.window_end(d).0)
                    .filter(|d| *d >= today)
            })
    });
    let state = state_words(after.path, after.state);
    let mut n = Notice {
        kind,
        subject: String::new(),
        phase: String::new(),
        state,
        resubmission: false,
        issues: Vec::new(),
        next_steps: Vec::new(),
        expected,
        after_resubmission: None,
        waiting_since: None,
        waiting: None,
        reminder: None,
        corrects: None,
        told_on: None,
        told_state: None,
        private: None,
    };
    match kind {
        EmailKind::Received => {
            n.resubmission = previous == Some(ReviewState::IsvReview);
            n.phase = phase_words(Some(Phase::InitialReview)).into();
            n.subject = if n.resubmission {
                format!("[OIN] {app} ({id}): resubmission queued for initial review")
            } else {
                format!("[OIN] {app} ({id}): queued for initial review")
            };
            n.next_steps.push(
                "Nothing is needed from you now. We will email you when the initial review is complete, with any issues to fix."
                    .into(),
            );
        }
        EmailKind::QaStarted => {
            n.phase = phase_words(Some(Phase::QaTesting)).into();
            // 004: a fix that needed no Wizard edits, reported so "that they can continue QA
            // testing": the email says QA continues, not that initial review passed.
            n.resubmission = previous == Some(ReviewState::IsvFixBugs);
            n.subject = if n.resubmission {
                format!("[OIN] {app} ({id}): QA testing continues")
            } else {
                format!("[OIN] {app} ({id}): initial review passed, now in QA testing")
            };
            n.next_steps.push(
                "Keep the test account active: the OIN team signs in with it to run the QA tests."
                    .into(),
            );
            n.next_steps.push(
                "We will email you when QA testing is complete: with a list of bugs to fix, or when the integration is published."
                    .into(),
            );
        }
        EmailKind::FinalReview => {
            n.phase = phase_words(Some(Phase::FinalReview)).into();
            n.subject = format!("[OIN] {app} ({id}): fixes received, in final review");
            n.next_steps.push(
                "The OIN team runs a final QA test of the changes it asked for; keep the test account active."
                    .into(),
            );
        }
        EmailKind::Published => {
            n.phase = phase_words(match previous {
                Some(ReviewState::FinalReview) => Some(Phase::FinalReview),
                _ => Some(Phase::QaTesting),
            })
            .into();
            let private = after.private_only_features();
            if private.is_empty() {
                n.subject = format!("[OIN] {app} ({id}): published in the OIN catalog");
            } else {
                // 002:55: "an internal-only integration that isn't included in the OIN".
                n.subject = format!("[OIN] {app} ({id}): ready as an internal-only integration");
                n.private = Some(private.join(" and "));
            }
            n.next_steps.push(
                "To change the integration later, edit the published integration: the new version starts as a draft and goes through review again."
                    .into(),
            );
        }
        EmailKind::Issues => {
            let listed = emailed(issues);
            if listed.is_empty() {
                return Err(NoticeError::NoIssues);
            }
            let found_in = found_in(after);
            n.phase = phase_words(found_in).into();
            n.subject = format!("[OIN] {app} ({id}): issues found in {}", n.phase);
            n.issues = numbered(&listed);
            n.next_steps = fix_steps(after, &listed);
            n.after_resubmission = match (after.state, found_in) {
                (ReviewState::IsvFixBugs, _) => Some(format!(
                    "Once you resubmit your fixes, final review takes up to {}.",
                    business_words(policy.sla.target(Phase::FinalReview), day)
                )),
                (_, Some(p)) => {
                    let left = assessment
                        .clocks
                        .iter()
                        .rev()
                        .find(|c| c.phase == p && c.is_current())
                        .map(|c| c.left_seconds);
                    Some(match (policy.sla.on_return, left) {
                        (OnReturn::Resume, Some(l)) if l > 0 => format!(
                            "Once you resubmit, {} continues with {} left.",
                            p.label(),
                            business_words(l, day)
                        ),
                        (OnReturn::Resume, Some(_)) => format!(
                            "Once you resubmit, {} continues where it left off.",
                            p.label()
                        ),
                        _ => format!(
                            "Once you resubmit, {} starts again and takes up to {}.",
                            p.label(),
                            business_words(policy.sla.target(p), day)
                        ),
                    })
                }
                _ => None,
            };
        }
        EmailKind::Correction => {
            // The undo is the last event; the email corrected is the last one sent before it.
            let undo = after
                .history
                .last()
                .filter(|e| e.kind == super::submission::EventKind::Undo)
                .ok_or(NoticeError::NothingToCorrect)?;
            let told = after
                .emails
                .iter()
                .filter(|e| {
                    e.status == super::outbox::OutboxStatus::Sent
                        && e.kind != EmailKind::Correction
                        && e.sent_at.is_some_and(|t| t <= undo.at)
                })
                .max_by_key(|e| e.sent_at)
                .ok_or(NoticeError::NothingToCorrect)?;
            n.phase = phase_words(Phase::of(after.state)).into();
            n.subject = format!("[OIN] {app} ({id}): correction: back in {}", n.state);
            n.corrects = Some(told.subject.clone());
            n.told_on = told.sent_at.map(|t| t.to_zoned(tz.clone()).date());
            n.told_state = undo.from.map(|s| state_words(after.path, s));
            n.next_steps.push(format!(
                "Please disregard that email: nothing is needed from you because of it. The submission is in \"{}\" again.",
                n.state
            ));
        }
        EmailKind::Reminder => {
            let listed = emailed(issues);
            n.phase = phase_words(found_in(after)).into();
            n.subject = format!("[OIN] {app} ({id}): reminder: waiting for your changes");
            n.issues = numbered(&listed);
            n.next_steps = fix_steps(after, &listed);
            let since = after.in_state_since();
            n.waiting_since = since.map(|t| t.to_zoned(tz.clone()).date());
            n.waiting =
                since.map(|t| business_words(policy.sla.calendar.business_seconds(t, now), day));
            let sent = after
                .emails
                .iter()
                .filter(|e| e.kind == EmailKind::Reminder && since.is_none_or(|s| e.queued_at >= s))
                .count() as u32;
            n.reminder = Some(sent + 1);
        }
    }
    // 000:21 "At any point in the process, you can check the status of your submission in
    // the OIN Wizard or OIN Manager"; 004:653.
    n.next_steps.push(status_step(after.path).into());
    Ok(n)
}

/// The state as the ISV's own tool names it: the OIN Wizard's group ("OIN to review") for a
/// Wizard submission, the OIN Manager's status ("To be reviewed by Okta") for a Manager one
/// (000's table gives both).
pub fn state_words(path: SubmissionPath, state: ReviewState) -> String {
    match path {
        SubmissionPath::Wizard => state.wizard_group().name().to_string(),
        SubmissionPath::Manager => state.manager_name().to_string(),
    }
}

/// Where the ISV checks the status, in their own tool.
fn status_step(path: SubmissionPath) -> &'static str {
    match path {
        SubmissionPath::Wizard => {
            "You can check the status of your submission at any time on the Your OIN Integrations dashboard (Admin Console > Applications > Your OIN Integrations)."
        }
        SubmissionPath::Manager => {
            "You can check the status of your submission at any time in the OIN Manager."
        }
    }
}

/// The phase the item was in when the issues were found.
fn found_in(after: &Submission) -> Option<Phase> {
    Phase::of(after.state)
        .or_else(|| {
            after
                .history
                .last()
                .and_then(|e| e.from)
                .and_then(Phase::of)
        })
        .or_else(|| {
            after
                .history
                .iter()
                .rev()
                .filter_map(|e| e.from.and_then(Phase::of))
                .next()
        })
}

/// The issues numbered, those that must be fixed (blockers) first, then the suggestions.
fn numbered(listed: &[&Issue]) -> Vec<NoticeIssue> {
    let mut listed: Vec<&&Issue> = listed.iter().collect();
    listed.sort_by_key(|i| i.severity.key() != "blocker");
    listed
        .iter()
        .enumerate()
        .map(|(i, issue)| NoticeIssue {
            number: i + 1,
            severity: issue.severity.key(),
            text: issue.text.clone(),
        })
        .collect()
}

/// What the ISV does about the issues: change or fix, test again, resubmit (or, for bugs
/// whose fix needs no Wizard or Manager edit, reply so that QA continues; 004).
fn fix_steps(after: &Submission, listed: &[&Issue]) -> Vec<String> {
    let mut steps = Vec::new();
    let fix_bugs = after.state == ReviewState::IsvFixBugs;
    steps.push(if fix_bugs {
        "Fix each issue above in your integration, as an update to your existing submission.".into()
    } else {
        "Change your submission to address each issue above.".into()
    });
    let scim_issue = listed
        .iter()
        .any(|i| matches!(&i.key, super::findings::IssueKey::Rule(r) if r.starts_with("scim.")));
    steps.extend(retest_steps(after, fix_bugs || scim_issue));
    steps.push(resubmit_step(after.path).into());
    // 000:83 "Review the list and resolve the issues before you respond or resubmit".
    if after.state == ReviewState::IsvReview {
        steps.push(
            "If an issue needs no change (a question for us, or something you think we got wrong), reply to this email instead: we review your response as we would a resubmission."
                .into(),
        );
    }
    if fix_bugs {
        let tool = match after.path {
            SubmissionPath::Wizard => "the OIN Wizard",
            SubmissionPath::Manager => "the OIN Manager",
        };
        steps.push(format!(
            "If your fix needs no changes in {tool}, reply to this email instead, so that we can continue QA testing."
        ));
    }
    steps
}
