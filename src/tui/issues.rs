//! The console's issue list, email preview and outbox: the part of `App::update` that
//! curates findings and sends issue-list emails. Pure, like the rest of `App`.

use super::app::{Action, App, FindingText, Level, Mode};
use super::keymap::Command;
use super::worker::{DbRequest, WorkerEvent, Write};
use crate::domain::findings::{IssueEdit, toggle_edit};
use crate::domain::{Issue, IssueKey, OutboxStatus, Severity};
use crate::workflow::{IssueListEdit, MoveAsk};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// The selected submission's issue list now.
    pub fn selected_issues(&self) -> Vec<Issue> {
        self.selected_row()
            .map(|r| r.issues(&self.policy))
            .unwrap_or_default()
    }

    pub(super) fn start_new_finding(&mut self) -> Vec<Action> {
        if self.selected_row().is_some() {
            self.mode = Mode::FindingText {
                purpose: FindingText::New {
                    severity: Severity::Warning,
                },
                text: String::new(),
            };
        }
        Vec::new()
    }

    pub(super) fn open_editor(&mut self) -> Vec<Action> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let action = Action::OpenEditor(IssueListEdit::of(&row.sub, row.issues(&self.policy)));
        self.mode = Mode::Normal;
        vec![action]
    }

    pub(super) fn preview_mail(&mut self) -> Vec<Action> {
        let items = self.items();
        if items.is_empty() {
            return Vec::new();
        }
        self.mode = Mode::Normal;
        self.say(
            Level::Info,
            format!("writing {} issue-list email(s)…", items.len()),
        );
        vec![Action::Db(DbRequest::PreviewMail { items, ask: None })]
    }

    fn save(&mut self, edits: Vec<IssueEdit>) -> Vec<Action> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        vec![Action::write(Write::EditIssues {
            id: row.sub.id.clone(),
            edits,
        })]
    }

    pub(super) fn on_findings_key(&mut self, command: Option<Command>) -> Vec<Action> {
        let Mode::Findings { cursor } = self.mode else {
            return Vec::new();
        };
        let issues = self.selected_issues();
        match command {
            Some(Command::Down) => {
                self.mode = Mode::Findings {
                    cursor: (cursor + 1).min(issues.len().saturating_sub(1)),
                }
            }
            Some(Command::Up) => {
                self.mode = Mode::Findings {
                    cursor: cursor.saturating_sub(1),
                }
            }
            Some(Command::Close) => self.mode = Mode::Normal,
            Some(Command::AddFinding | Command::EditIssues | Command::Toggle)
                if self.refuse_write("change the issue list") => {}
            Some(Command::AddFinding) => return self.start_new_finding(),
            Some(Command::EditIssues) => return self.open_editor(),
            Some(Command::Mail) => return self.preview_mail(),
            Some(Command::Toggle) => {
                let Some(issue) = issues.get(cursor) else {
                    return Vec::new();
                };
                if let (IssueKey::Rule(rule), true) = (&issue.key, issue.included) {
                    self.mode = Mode::FindingText {
                        purpose: FindingText::Reason { rule: rule.clone() },
                        text: String::new(),
                    };
                    return Vec::new();
                }
                let own = self
                    .selected_row()
                    .map(|r| r.sub.notes.own.clone())
                    .unwrap_or_default();
                match toggle_edit(issue, &own, !issue.included, None) {
                    Ok(edit) => return self.save(vec![edit]),
                    Err(e) => self.say(Level::Error, e),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn on_finding_text_key(
        &mut self,
        key: KeyEvent,
        command: Option<Command>,
    ) -> Vec<Action> {
        let Mode::FindingText { purpose, mut text } = self.mode.clone() else {
            return Vec::new();
        };
        let back = |purpose: &FindingText| match purpose {
            FindingText::Reason { .. } => Mode::Findings { cursor: 0 },
            FindingText::New { .. } => Mode::Normal,
        };
        match command {
            Some(Command::Close) => {
                self.mode = back(&purpose);
                self.say(Level::Info, "cancelled: nothing changed");
            }
            Some(Command::Accept) => {
                let text = text.trim().to_string();
                if text.is_empty() {
                    self.say(
                        Level::Warn,
                        match purpose {
                            FindingText::New { .. } => "type the finding first (Esc cancels)",
                            FindingText::Reason { .. } => {
                                "leaving a lint finding out needs a reason (Esc cancels)"
                            }
                        },
                    );
                    return Vec::new();
                }
                self.mode = back(&purpose);
                let edit = match purpose {
                    FindingText::New { severity } => IssueEdit::Add {
                        severity,
                        text,
                        included: true,
                    },
                    FindingText::Reason { rule } => IssueEdit::Decide {
                        rule,
                        included: false,
                        reason: Some(text),
                    },
                };
                return self.save(vec![edit]);
            }
            _ => {
                match (key.code, &purpose) {
                    (KeyCode::Tab, FindingText::New { severity }) => {
                        let severity = match severity {
                            Severity::Warning => Severity::Blocker,
                            Severity::Blocker => Severity::Warning,
                        };
                        self.mode = Mode::FindingText {
                            purpose: FindingText::New { severity },
                            text,
                        };
                        return Vec::new();
                    }
                    (KeyCode::Backspace, _) => {
                        text.pop();
                    }
                    (KeyCode::Char(c), _)
                        if !key
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                            && !c.is_control() =>
                    {
                        text.push(c)
                    }
                    _ => {}
                }
                self.mode = Mode::FindingText { purpose, text };
            }
        }
        Vec::new()
    }

    pub(super) fn on_preview_key(&mut self, command: Option<Command>) -> Vec<Action> {
        let Mode::MailPreview { scroll } = self.mode else {
            return Vec::new();
        };
        let page = self.page_rows() as u16;
        match command {
            Some(Command::Down) => {
                self.mode = Mode::MailPreview {
                    scroll: scroll.saturating_add(1),
                }
            }
            Some(Command::Up) => {
                self.mode = Mode::MailPreview {
                    scroll: scroll.saturating_sub(1),
                }
            }
            Some(Command::PageDown) => {
                self.mode = Mode::MailPreview {
                    scroll: scroll.saturating_add(page),
                }
            }
            Some(Command::PageUp) => {
                self.mode = Mode::MailPreview {
                    scroll: scroll.saturating_sub(page),
                }
            }
            Some(Command::Yes) if self.refuse_write("send email") => {
                self.mode = Mode::Normal;
                self.preview = None;
            }
            Some(Command::Yes) if self.preview.as_ref().is_some_and(|p| p.emails.is_empty()) => {
                self.say(
                    Level::Warn,
                    "nothing to send: m moves without email, Esc cancels",
                );
            }
            Some(Command::Yes) => {
                self.mode = Mode::Normal;
                if let Some(p) = self.preview.take() {
                    self.say(
                        Level::Info,
                        format!("queueing {} email(s)…", p.emails.len()),
                    );
                    return vec![Action::write(Write::SendMail(p))];
                }
            }
            Some(Command::MoveWithoutEmail) if self.refuse_write("move submissions") => {
                self.mode = Mode::Normal;
                self.preview = None;
            }
            Some(Command::MoveWithoutEmail) => {
                let Some(ask) = self.preview.as_ref().and_then(|p| p.ask.clone()) else {
                    self.say(
                        Level::Warn,
                        "no move goes with this email: y sends it, Esc cancels",
                    );
                    return Vec::new();
                };
                self.mode = Mode::Normal;
                let items = self
                    .preview
                    .take()
                    .map(|p| p.items.clone())
                    .unwrap_or_default();
                self.say(
                    Level::Info,
                    format!(
                        "moving {} submission(s) to {} without email…",
                        items.len(),
                        ask.to.manager_name()
                    ),
                );
                return vec![Action::write(Write::Move(MoveAsk { items, ..ask }))];
            }
            Some(Command::No) => {
                self.mode = Mode::Normal;
                self.preview = None;
                self.say(Level::Info, "not sent: nothing was queued or moved");
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn on_outbox_key(&mut self, command: Option<Command>) -> Vec<Action> {
        let Mode::Outbox { cursor } = self.mode else {
            return Vec::new();
        };
        match command {
            Some(Command::Down) => {
                self.mode = Mode::Outbox {
                    cursor: (cursor + 1).min(self.outbox.len().saturating_sub(1)),
                }
            }
            Some(Command::Up) => {
                self.mode = Mode::Outbox {
                    cursor: cursor.saturating_sub(1),
                }
            }
            Some(Command::Close) => self.mode = Mode::Normal,
            Some(Command::Retry) if self.refuse_write("retry email") => {}
            Some(Command::Retry) => match self.outbox.get(cursor) {
                Some(e) if e.status == OutboxStatus::Sent => self.say(
                    Level::Warn,
                    format!("email {} was sent; it is never sent twice", e.id),
                ),
                Some(e) => return vec![Action::write(Write::RetryEmail(e.id))],
                None => {}
            },
            _ => {}
        }
        Vec::new()
    }

    /// Counts of emails not yet sent: (queued or sending, failed).
    pub fn outbox_pending(&self) -> (usize, usize) {
        self.outbox.iter().fold((0, 0), |(q, f), e| match e.status {
            OutboxStatus::Queued | OutboxStatus::Sending => (q + 1, f),
            OutboxStatus::Failed => (q, f + 1),
            OutboxStatus::Sent => (q, f),
        })
    }

    pub(super) fn on_mail_event(&mut self, ev: WorkerEvent) {
        match ev {
            WorkerEvent::MailPreview(p) => {
                if p.emails.is_empty() && p.ask.is_none() {
                    self.mode = Mode::Report {
                        title: "no email written: nothing was sent or moved".into(),
                        lines: p
                            .errors
                            .iter()
                            .map(|(id, e)| format!("{id}  {e}"))
                            .collect(),
                        scroll: 0,
                    };
                    self.say(Level::Warn, "no email could be written (see the report)");
                } else if p.emails.is_empty() {
                    self.say(
                        Level::Warn,
                        format!(
                            "no email could be written for {}: m moves without email, Esc cancels",
                            p.errors.len()
                        ),
                    );
                    self.preview = Some(p);
                    self.mode = Mode::MailPreview { scroll: 0 };
                } else {
                    self.say(
                        Level::Info,
                        format!(
                            "preview of {} email(s){}: y sends, Esc cancels",
                            p.emails.len(),
                            if p.errors.is_empty() {
                                String::new()
                            } else {
                                format!("; {} cannot be written and are left out", p.errors.len())
                            }
                        ),
                    );
                    self.preview = Some(p);
                    self.mode = Mode::MailPreview { scroll: 0 };
                }
            }
            WorkerEvent::MailQueued {
                outcomes,
                move_to,
                queued,
            } => {
                self.mail_activity = Some(self.now);
                let refused: Vec<String> = outcomes
                    .iter()
                    .filter_map(|o| o.result.as_ref().err().map(|w| format!("{}  {w}", o.id)))
                    .collect();
                for o in outcomes.iter().filter(|o| o.result.is_ok()) {
                    self.marks.remove(&o.id);
                }
                let moved = match move_to {
                    Some(to) => format!(
                        ", moved {} to {}",
                        outcomes.len() - refused.len(),
                        to.manager_name()
                    ),
                    None => String::new(),
                };
                self.say(
                    if refused.is_empty() {
                        Level::Info
                    } else {
                        Level::Warn
                    },
                    match (refused.len(), queued) {
                        (0, _) => {
                            format!("queued {queued} email(s){moved}; delivering in the background")
                        }
                        (n, 0) => format!("nothing queued or moved: {n} refused (see the report)"),
                        (n, _) => format!(
                            "queued {queued} email(s){moved}; {n} refused (see the report); delivering in the background"
                        ),
                    },
                );
                if !refused.is_empty() {
                    self.mode = Mode::Report {
                        title: format!("{} not moved and not emailed", refused.len()),
                        lines: refused,
                        scroll: 0,
                    };
                }
            }
            WorkerEvent::Delivered(r) => {
                self.mail_activity = Some(self.now);
                let level = if !r.failed.is_empty() {
                    Level::Error
                } else if !r.retried.is_empty() {
                    Level::Warn
                } else {
                    Level::Info
                };
                let why = r
                    .failed
                    .first()
                    .or(r.retried.first())
                    .or(r.sent.last())
                    .map(|(id, e)| format!(" (email {id}: {e})"))
                    .unwrap_or_default();
                self.say(
                    level,
                    format!(
                        "mail: {} sent, {} waiting to retry, {} failed{why}; O shows the outbox",
                        r.sent.len(),
                        r.retried.len(),
                        r.failed.len()
                    ),
                );
            }
            WorkerEvent::IssuesSaved { id, result } => match result {
                Ok(n) => self.say(
                    Level::Info,
                    format!("{id}: issue list saved ({n} change(s))"),
                ),
                Err(e) => self.say(Level::Error, format!("{id}: issue list not saved: {e}")),
            },
            WorkerEvent::Outbox(list) => self.outbox = list,
            WorkerEvent::Notice(text) => self.say(Level::Info, text),
            _ => {}
        }
    }
}
