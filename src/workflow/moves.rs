//! Moving submissions (with the gates), undoing, assigning, promising dates, and the issue
//! list the analyst curates.

use super::{Result, Workflow, WorkflowError};
use crate::domain::findings::{EditError, IssueEdit, edit_text, parse_edit};
use crate::domain::{Issue, MoveItem, OwnFinding, Phase, PhasePromise, Submission};
use crate::store::{AssignOutcome, CancelOutcome, EmailUndo, UndoReport};
use crate::text::safe_line;
use jiff::Timestamp;
use jiff::civil::Date;

impl Workflow {
    /// Undoes the analyst's last batch of moves. The clocks come back as they were: the
    /// undone moves count as never made (see `domain::sla::clocks`).
    pub fn undo(&mut self, analyst: &str, at: Timestamp) -> Result<UndoReport> {
        let plan = self.plan_undo(analyst, at)?;
        self.commit_undo(&plan, analyst, at)
    }

    /// What undoing the analyst's last batch would do now (rehearsed and rolled back):
    /// which items go back where, and what becomes of each email the batch queued.
    pub fn plan_undo(&mut self, analyst: &str, at: Timestamp) -> Result<UndoReport> {
        Ok(self.store.undo_batch(analyst, at, None, true)?)
    }

    /// Undoes the batch `plan` was made for, if it is still the analyst's last (else
    /// nothing, and the report's `newer` says which batch is last now).
    pub fn commit_undo(
        &mut self,
        plan: &UndoReport,
        analyst: &str,
        at: Timestamp,
    ) -> Result<UndoReport> {
        if plan.batch.is_none() {
            return Ok(plan.clone());
        }
        Ok(self.store.undo_batch(analyst, at, plan.batch, false)?)
    }

    /// Assigns (or with `None`, unassigns) the items.
    pub fn assign(
        &mut self,
        items: &[MoveItem],
        to: Option<&str>,
        analyst: &str,
        at: Timestamp,
    ) -> Result<Vec<AssignOutcome>> {
        Ok(self.store.assign_submissions(items, to, analyst, at)?)
    }

    /// Records the date Okta told the ISV a phase would finish. A date before the phase
    /// began (or, for a phase not begun, before today) is refused.
    pub fn promise(
        &mut self,
        id: &str,
        phase: Phase,
        date: Date,
        analyst: &str,
        at: Timestamp,
    ) -> Result<()> {
        let sub = self.submission(id)?;
        let tz = self.policy.sla.calendar.time_zone().clone();
        let review = self.review(&sub, at)?;
        let began = review
            .assessment
            .clocks
            .iter()
            .rev()
            .find(|c| c.phase == phase)
            .map(|c| c.started_at.to_zoned(tz.clone()).date());
        let earliest = began.unwrap_or_else(|| at.to_zoned(tz.clone()).date());
        if date < earliest {
            return Err(WorkflowError::Refused(match began {
                Some(b) => format!(
                    "{}: {date} is before {} began ({b}); promise a date on or after it",
                    safe_line(id),
                    phase.label()
                ),
                None => format!(
                    "{}: {date} is in the past and {} has not begun; promise a date from today ({earliest})",
                    safe_line(id),
                    phase.label()
                ),
            }));
        }
        self.store
            .set_promise(&sub.id, &PhasePromise { phase, date }, analyst, at)?;
        Ok(())
    }

    /// Applies changes to one submission's issue list; `Err(why)` when a finding someone
    /// else changed (or a missing reason) refuses the whole edit.
    pub fn edit_issues(
        &mut self,
        id: &str,
        edits: &[IssueEdit],
        analyst: &str,
        at: Timestamp,
    ) -> Result<std::result::Result<usize, String>> {
        Ok(self
            .store
            .apply_issue_edits(id, edits, analyst, at)?
            .map(|()| edits.len())
            .map_err(|refused| refused.to_string()))
    }

    /// Cancels an email that has not gone (`outbox cancel`, `c` in the console's outbox).
    pub fn cancel_email(&mut self, id: i64, analyst: &str, at: Timestamp) -> Result<CancelOutcome> {
        Ok(self.store.cancel_email(id, analyst, at)?)
    }

    /// Edits a published integration: its new version, a draft of its own linked to it
    /// (`supersedes`), named `ID-v2` (then `-v3`…). It needs the published version's tests
    /// (an update), and once published it replaces the published one, which stays live
    /// until then (001: "The new version replaces the old one in the OIN catalog").
    pub fn new_version(&mut self, id: &str, analyst: &str, at: Timestamp) -> Result<Submission> {
        use crate::domain::{EventKind, ReviewState, StateChange};
        let published = self.submission(id)?;
        let id = published.id.clone();
        if published.state != ReviewState::Published {
            return Err(WorkflowError::Refused(format!(
                "{}: in {}, not published: only a published integration gets a new version",
                safe_line(&id),
                published.state
            )));
        }
        if let Some(by) = &published.superseded_by {
            return Err(WorkflowError::Refused(format!(
                "{}: replaced by {}; make the new version from that one",
                safe_line(&id),
                safe_line(by)
            )));
        }
        if let Some((open, state)) = self
            .store
            .new_versions_of(&id)?
            .into_iter()
            .find(|(_, s)| *s != ReviewState::Published)
        {
            return Err(WorkflowError::Refused(format!(
                "{}: its new version {} is already open (in {state}); edit that one",
                safe_line(&id),
                safe_line(&open)
            )));
        }
        // OIN-2026-0135 -> OIN-2026-0135-v2, then -v3; a version's own versions count on.
        let (base, mut n) = match id.rsplit_once("-v") {
            Some((b, v)) if v.parse::<u32>().is_ok_and(|v| v >= 2) => {
                (b.to_string(), v.parse::<u32>().unwrap_or(1) + 1)
            }
            _ => (id.clone(), 2),
        };
        let taken =
            |candidate: &str| -> Result<bool> { Ok(self.store.submission(candidate)?.is_some()) };
        let mut new_id = format!("{base}-v{n}");
        while taken(&new_id)? {
            n += 1;
            new_id = format!("{base}-v{n}");
        }
        let mut sub = published.clone();
        sub.id = new_id.clone();
        sub.state = ReviewState::Draft;
        sub.update_of = Some(published.app_name.clone());
        sub.supersedes = Some(id.clone());
        sub.superseded_by = None;
        sub.change_summary = None;
        sub.assignee = None;
        // Not certified until the ISV submits the new version (004:638). The published
        // version's instances test it for backwards compatibility (004:568: the Wizard
        // "detects an instance based on your published integration"); the current version's
        // are generated anew.
        sub.tests_certified = None;
        sub.test_instances = published
            .test_instances
            .iter()
            .filter(|i| i.version == crate::domain::freshness::InstanceVersion::Current)
            .map(|i| crate::domain::TestInstance {
                version: crate::domain::freshness::InstanceVersion::Published,
                ..i.clone()
            })
            .collect();
        sub.history = vec![StateChange {
            from: None,
            to: ReviewState::Draft,
            at,
            by: analyst.to_string(),
            reason: Some(format!("new version of {id}")),
            forced: false,
            kind: EventKind::Move,
            restart_clock: false,
            overrode: Vec::new(),
        }];
        sub.test_results = Vec::new();
        sub.promises = Vec::new();
        sub.notes = Default::default();
        sub.emails = Vec::new();
        sub.version = 1;
        self.store
            .import_submissions(&[sub], analyst, at, "new version")?;
        self.submission(&new_id)
    }

    /// The new versions of a submission, with their state.
    pub fn new_versions_of(&self, id: &str) -> Result<Vec<(String, crate::domain::ReviewState)>> {
        Ok(self.store.new_versions_of(id)?)
    }

    /// Adds OIN Submission Tester results to existing submissions, all or none; how many
    /// were new.
    pub fn import_test_results(
        &mut self,
        runs: &[(String, crate::domain::TestRun)],
    ) -> std::result::Result<usize, crate::store::ImportRefused> {
        self.store.import_test_results(runs)
    }

    /// Queues a failed (or waiting) email again, due now. False if it was sent or is gone.
    pub fn retry_email(&mut self, id: i64, at: Timestamp) -> Result<bool> {
        Ok(self.store.retry_email(id, at)?)
    }
}

/// What `new_version` made, in one line for the analyst.
pub fn new_version_line(sub: &crate::domain::Submission) -> String {
    let of = safe_line(sub.supersedes.as_deref().unwrap_or_default());
    format!(
        "{}: new version of {of} ({}), in draft; {of} stays published until it is",
        safe_line(&sub.id),
        safe_line(&sub.app_name),
    )
}

/// What became of an undone move's email, in one line for the analyst: cancelled, or why
/// it may have reached the ISV. `to` is the state the undone move had put the item in.
pub fn email_undo_line(
    e: &EmailUndo,
    to: Option<crate::domain::ReviewState>,
    tz: &jiff::tz::TimeZone,
) -> String {
    match e {
        EmailUndo::Cancelled { email, subject } => {
            format!(
                "email {email} cancelled before it was sent ({})",
                safe_line(subject)
            )
        }
        EmailUndo::MayHaveBeenSent { email, subject } => format!(
            "email {email} was being handed to the server: it may have reached the ISV ({})",
            safe_line(subject)
        ),
        EmailUndo::AlreadySent {
            email,
            subject,
            sent_at,
            ..
        } => format!(
            "email {email} was already sent: the ISV was told on {}{} ({}); a correction email can tell them it is back",
            sent_at
                .to_zoned(tz.clone())
                .strftime("%a %Y-%m-%d %H:%M %Z"),
            to.map(|s| format!(" that it is in {}", s.manager_name()))
                .unwrap_or_default(),
            safe_line(subject)
        ),
    }
}

/// The issue list as `$EDITOR` shows it, with what reading it back needs.
#[derive(Debug, Clone)]
pub struct IssueListEdit {
    pub id: String,
    pub text: String,
    pub issues: Vec<Issue>,
    pub own: Vec<OwnFinding>,
}

impl IssueListEdit {
    pub fn of(sub: &Submission, issues: Vec<Issue>) -> IssueListEdit {
        IssueListEdit {
            id: sub.id.clone(),
            text: edit_text(&sub.id, &sub.app_name, &issues),
            issues,
            own: sub.notes.own.clone(),
        }
    }

    /// The changes the edited text makes; a mistake names its line and changes nothing.
    pub fn changes(&self, edited: &str) -> std::result::Result<Vec<IssueEdit>, EditError> {
        parse_edit(edited, &self.issues, &self.own)
    }

    /// The analyst's text to edit again, with the mistake marked above its line as a comment
    /// (as `git commit` does): earlier marks are taken out first.
    pub fn marked(edited: &str, error: &EditError) -> String {
        let mut out = String::new();
        // `error.line` counts the lines as they were read, earlier marks included.
        for (n, raw) in edited.lines().enumerate() {
            if raw.starts_with(MARK) {
                continue;
            }
            if n + 1 == error.line {
                out.push_str(&format!(
                    "{MARK}the next line: {}; fix it or delete it, then save\n",
                    error.message
                ));
            }
            out.push_str(raw);
            out.push('\n');
        }
        out
    }
}

/// The start of a comment `IssueListEdit::marked` adds (a `#` line: the reader skips it).
const MARK: &str = "# oin-review: ";
