//! The emails that go with moves, one kind per phase (`domain::notice`): composing them for
//! the analyst to look at, queueing them with their move in one transaction, and the
//! "received" emails an import sends when asked.

use super::moves::MoveAsk;
use super::{Result, Workflow, WorkflowError};
use crate::config::MailConfig;
use crate::domain::notice::{EmailKind, notice};
use crate::domain::{
    EventKind, ReviewState, StateChange, Submission, check_move, is_gated, open_blockers,
};
use crate::mail::{Composed, Templates, compose};
use crate::store::{ImportSummary, MoveItem, MoveOutcome, MoveRequest, NewEmail};
use jiff::Timestamp;

/// What composing needs: the `[mail]` config and the templates (or why they failed).
pub struct MailSetup {
    pub config: MailConfig,
    pub templates: std::result::Result<Templates, String>,
}

impl MailSetup {
    /// The config's mail settings with the user's templates (else the built-in ones).
    pub fn load(config: MailConfig) -> MailSetup {
        MailSetup {
            config,
            templates: Templates::load().map_err(|e| e.to_string()),
        }
    }
}

/// Emails composed for the analyst to look at before they are queued, with the move they
/// go with.
#[derive(Debug)]
pub struct MailPreview {
    pub emails: Vec<Composed>,
    /// Items that get no email, and why (the move would refuse them, a gate stops them, or
    /// the email cannot be written): they are not moved with the emails.
    pub errors: Vec<(String, String)>,
    /// The move that goes with the emails (None: the issue list of the current state).
    pub ask: Option<MoveAsk>,
    /// Every item asked for, with the row version the email was written from.
    pub items: Vec<MoveItem>,
    /// Reminders to idle ISVs (`remind`), not a move's or an issue list's emails: queued
    /// each only if its guard still holds.
    pub reminders: bool,
    pub guards: Vec<(String, crate::store::ReminderGuard)>,
    /// Items (among `errors`) the move itself would refuse: a rule, a gate, or a change
    /// since the analyst looked. Moving without email leaves them out too.
    pub unmovable: Vec<String>,
    /// Items a gate stops (among `errors`), with their open blockers' keys: what an
    /// override (`ask.force` with a reason) would pass.
    pub gated: Vec<(String, Vec<String>)>,
    /// With `ask.force`: the items whose gate the move overrides, with the blockers.
    pub overrides: Vec<(String, Vec<String>)>,
}

impl MailPreview {
    pub fn move_to(&self) -> Option<ReviewState> {
        self.ask.as_ref().map(|a| a.to)
    }

    /// The items a move without email is for: every item but those the move refuses.
    pub fn movable_items(&self) -> Vec<MoveItem> {
        self.items
            .iter()
            .filter(|i| !self.unmovable.contains(&i.id))
            .cloned()
            .collect()
    }
}

/// Why an item gets no email, and whether its move would be refused too.
struct NoEmail {
    why: String,
    unmovable: bool,
}

impl From<String> for NoEmail {
    fn from(why: String) -> NoEmail {
        NoEmail {
            why,
            unmovable: false,
        }
    }
}

fn unmovable(why: String) -> NoEmail {
    NoEmail {
        why,
        unmovable: true,
    }
}

/// What changed a submission since the analyst saw it: its last move, who made it and when.
pub(super) fn changed_since(sub: &Submission) -> String {
    match sub.history.last() {
        Some(ev) if !ev.by.is_empty() => format!(
            "changed since you looked: moved to {} by {} at {}",
            ev.to.manager_name(),
            crate::text::safe_line(&ev.by),
            ev.at
        ),
        _ => format!(
            "changed since you looked: now in {}",
            sub.state.manager_name()
        ),
    }
}

impl Workflow {
    /// The kind of email a move to `to` sends here, or why it sends none.
    pub fn email_for_move(&self, to: ReviewState) -> std::result::Result<EmailKind, String> {
        self.mail.config.emails.for_move(to)
    }

    /// Composes the email of each item from fresh data: with `ask`, the email its move
    /// sends (the move checked as it would be made, gates included); without, the issue
    /// list of the item's current state.
    pub fn preview_emails(
        &self,
        items: &[MoveItem],
        ask: Option<MoveAsk>,
        now: Timestamp,
    ) -> MailPreview {
        let mut preview = MailPreview {
            emails: Vec::new(),
            errors: Vec::new(),
            ask,
            items: Vec::new(),
            reminders: false,
            guards: Vec::new(),
            unmovable: Vec::new(),
            gated: Vec::new(),
            overrides: Vec::new(),
        };
        for item in items {
            let mut item = item.clone();
            let mut gate = None;
            let composed = self.compose_one(&mut item, preview.ask.as_ref(), now, &mut gate);
            if let Some(keys) = gate {
                match composed.is_ok() {
                    true => preview.overrides.push((item.id.clone(), keys)),
                    false => preview.gated.push((item.id.clone(), keys)),
                }
            }
            match composed {
                Ok(c) => preview.emails.push(c),
                Err(e) => {
                    if e.unmovable {
                        preview.unmovable.push(item.id.clone());
                    }
                    preview.errors.push((item.id.clone(), e.why))
                }
            }
            preview.items.push(item);
        }
        preview
    }

    /// `gate` is set to the open blockers' keys when a gate applies to the move and has
    /// some (stopped, or overridden with `force`).
    fn compose_one(
        &self,
        item: &mut MoveItem,
        ask: Option<&MoveAsk>,
        now: Timestamp,
        gate: &mut Option<Vec<String>>,
    ) -> std::result::Result<Composed, NoEmail> {
        let sub = self.to_email(&item.id)?;
        // An item the analyst saw at another version is not written for: what they saw is
        // what is planned.
        if item.expected_version.is_some_and(|v| v != sub.version) {
            return Err(unmovable(changed_since(&sub)));
        }
        // What was previewed is what is sent: a change after it refuses the send.
        item.expected_version.get_or_insert(sub.version);
        let (after, kind) = match ask {
            None => (sub.clone(), EmailKind::Issues),
            Some(ask) => {
                let reason = ask.checked_reason().map_err(|e| e.to_string())?;
                let forced = check_move(sub.state, ask.to, ask.force, reason)
                    .map_err(|e| unmovable(format!("not moved: {e}")))?;
                if is_gated(sub.state, ask.to) {
                    let review = self.review(&sub, now).map_err(|e| e.to_string())?;
                    let blockers = open_blockers(&review.issues);
                    if !blockers.is_empty() {
                        *gate = Some(blockers.iter().map(|b| b.key.clone()).collect());
                        if !ask.force {
                            return Err(unmovable(
                                crate::store::MoveRefused::Blocked(blockers).to_string(),
                            ));
                        }
                    }
                }
                let kind = self.email_for_move(ask.to)?;
                let moved = sub.after(StateChange {
                    from: Some(sub.state),
                    to: ask.to,
                    at: now,
                    by: String::new(),
                    reason: None,
                    forced,
                    kind: EventKind::Move,
                    restart_clock: ask.restart_clock,
                    overrode: Vec::new(),
                });
                (moved, kind)
            }
        };
        Ok(self.compose_for(&after, kind, now)?)
    }

    /// The submission an email is about to be written for, read fresh (templates that do not
    /// load fail every email: that is said before anything is read).
    pub(super) fn to_email(&self, id: &str) -> std::result::Result<Submission, String> {
        self.mail.templates.as_ref().map_err(|e| e.clone())?;
        self.store
            .submission(id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "no longer in the queue".to_string())
    }

    /// The `kind` email of `after` (the submission as it is once the email goes), threaded
    /// with its earlier emails.
    pub(super) fn compose_for(
        &self,
        after: &Submission,
        kind: EmailKind,
        now: Timestamp,
    ) -> std::result::Result<Composed, String> {
        let templates = self.mail.templates.as_ref().map_err(|e| e.clone())?;
        let review = self.review(after, now).map_err(|e| e.to_string())?;
        let n = notice(
            after,
            kind,
            &review.issues,
            &review.assessment,
            &self.policy,
            now,
        )
        .map_err(|e| e.to_string())?;
        let thread = self
            .store
            .thread_message_ids(&after.id)
            .map_err(|e| e.to_string())?;
        compose(after, &n, &thread, now, &self.mail.config, templates).map_err(|e| e.to_string())
    }

    /// Queues the previewed emails and makes their move, in one transaction: only the items
    /// that have an email move; one the move refuses gets no email. Returns the move's
    /// outcomes (empty without a move) and the queued emails' ids.
    pub fn send_emails(
        &mut self,
        preview: &MailPreview,
        analyst: &str,
        at: Timestamp,
    ) -> Result<(Vec<MoveOutcome>, Vec<i64>)> {
        let emails: Vec<NewEmail> = preview
            .emails
            .iter()
            .map(|c| self.held(c.to_new_email(), at))
            .collect();
        let items: Vec<MoveItem> = preview
            .items
            .iter()
            .filter(|i| emails.iter().any(|e| e.submission_id == i.id))
            .cloned()
            .collect();
        let gate = self.gate(at);
        let reasons: Option<String> = match &preview.ask {
            Some(ask) => {
                let given = ask.checked_reason()?;
                let kind = self
                    .email_for_move(ask.to)
                    .map_err(WorkflowError::Refused)?;
                Some(match given {
                    Some(r) => r.to_string(),
                    None => format!("with the {} email", kind.short()),
                })
            }
            None => None,
        };
        let req = preview.ask.as_ref().map(|ask| MoveRequest {
            items: &items,
            to: ask.to,
            reason: reasons.as_deref(),
            force: ask.force,
            restart_clock: ask.restart_clock,
            all_or_nothing: ask.all_or_nothing,
            analyst,
            at,
            gate: Some(&gate),
        });
        Ok(self
            .store
            .queue_emails(&emails, req.as_ref(), analyst, at)?)
    }

    /// The email, held for `[mail] hold` from `at` before its first delivery.
    pub(super) fn held(&self, mut email: NewEmail, at: Timestamp) -> NewEmail {
        let hold = self.mail.config.hold();
        if !hold.is_zero() {
            email.held_until = at.checked_add(hold).ok();
        }
        email
    }

    /// Imports submissions, all or nothing. With `notify`, each one the import puts into
    /// initial review is sent its "received" email in the same transaction (opt-in, so a
    /// bulk import of history emails nobody).
    pub fn import(
        &mut self,
        subs: &[Submission],
        source: &str,
        notify: bool,
        analyst: &str,
        at: Timestamp,
    ) -> Result<ImportSummary> {
        if !notify {
            return Ok(self.store.import_submissions(subs, analyst, at, source)?);
        }
        let kind = self
            .email_for_move(ReviewState::InitialReview)
            .map_err(|e| WorkflowError::Refused(format!("import --notify: {e}")))?;
        let templates = self
            .mail
            .templates
            .as_ref()
            .map_err(|e| WorkflowError::Refused(format!("import --notify: {e}")))?;
        let (policy, config) = (self.policy.clone(), self.mail.config.clone());
        let held_until = at.checked_add(config.hold()).ok().filter(|&h| h > at);
        let compose_received =
            |stored: &Submission, thread: Vec<String>| -> std::result::Result<NewEmail, String> {
                // The facts are the stored submission's own: the queue's other rows are
                // mid-import.
                let facts = crate::domain::QueueFacts::default();
                let review = crate::domain::Review::of(stored, &policy, &facts, at);
                let n = notice(
                    stored,
                    kind,
                    &review.issues,
                    &review.assessment,
                    &policy,
                    at,
                )
                .map_err(|e| e.to_string())?;
                compose(stored, &n, &thread, at, &config, templates)
                    .map(|c| NewEmail {
                        held_until,
                        ..c.to_new_email()
                    })
                    .map_err(|e| e.to_string())
            };
        Ok(self
            .store
            .import_notifying(subs, analyst, at, source, Some(&compose_received))?)
    }
}
