//! The emails that go with moves, one kind per phase (`domain::notice`): composing them for
//! the analyst to look at, queueing them with their move in one transaction, and the
//! "received" emails an import sends when asked.

use super::{Result, Workflow, WorkflowError};
use crate::config::MailConfig;
use crate::domain::notice::{EmailKind, notice};
use crate::domain::{ReviewState, Submission};
use crate::mail::{Composed, Templates, compose};
use crate::store::{ImportSummary, NewEmail};
use jiff::Timestamp;

/// What composing needs: the `[mail]` config and the templates (or why they failed).
pub struct MailSetup {
    pub config: MailConfig,
    pub templates: std::result::Result<Templates, String>,
    /// Where replies come back (`[inbound]`): their address goes in each email's Reply-To.
    pub inbound: crate::config::InboundConfig,
}

impl MailSetup {
    /// The config's mail settings with the user's templates (else the built-in ones).
    pub fn load(config: MailConfig) -> MailSetup {
        MailSetup {
            config,
            templates: Templates::load().map_err(|e| e.to_string()),
            inbound: crate::config::InboundConfig::default(),
        }
    }

    /// With the `[inbound]` mailbox replies come back to.
    pub fn with_inbound(mut self, inbound: crate::config::InboundConfig) -> MailSetup {
        self.inbound = inbound;
        self
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
