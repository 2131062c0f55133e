//! What the database, search and mail threads report, as the console shows it.

use super::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::overlay::{Confirm, ConfirmUndo, Overlay, Preview, TextView};
use crate::tui::worker::{DbRequest, PlanAsk, WorkerEvent};
use crate::workflow::{Committed, Plan, Planned};
use std::fmt::Display;
use std::sync::Arc;

impl App {
    /// Marks off the moved items, and shows what was refused.
    fn report_outcomes<T, E: Display>(
        &mut self,
        title: impl FnOnce(usize, usize) -> String,
        outcomes: impl Iterator<Item = (String, Result<T, E>)>,
    ) -> (usize, usize) {
        let mut done = 0;
        let mut refused = Vec::new();
        for (id, result) in outcomes {
            match result {
                Ok(_) => {
                    self.queue.unmark(&id);
                    done += 1;
                }
                Err(why) => refused.push(format!("{id}  {why}")),
            }
        }
        let n = refused.len();
        if n > 0 {
            self.open(TextView::new(title(n, done + n), refused));
        }
        (done, n)
    }

    /// After the queue was read: search again, and read the reports again when their view
    /// is open (they follow the queue).
    fn then_reports(&mut self, changed: bool) -> Vec<Action> {
        let mut actions = self.search_again();
        if changed && self.reports_open() {
            actions.extend(self.read_reports());
        }
        actions
    }

    pub(super) fn on_worker(&mut self, ev: WorkerEvent) -> Vec<Action> {
        match ev {
            WorkerEvent::Loaded {
                rows,
                complete,
                at,
                external,
                ..
            } => {
                self.catch_up(at);
                if complete {
                    self.loading = None;
                    // Everything is read again: what was read in full may be stale.
                    let ids: Vec<String> = self.opened.keys().cloned().collect();
                    self.forget_opened(&ids);
                } else if !self.queue.complete() {
                    self.loading = Some((rows.len(), rows.len()));
                }
                self.queue.load(rows, complete);
                self.clamp_detail();
                if external {
                    self.colleague_changed();
                }
                return self.then_reports(complete);
            }
            WorkerEvent::Loading { done, total } => self.loading = Some((done, total)),
            WorkerEvent::Changed {
                lines,
                at,
                external,
            } => {
                self.catch_up(at);
                if lines.is_empty() {
                    return Vec::new();
                }
                let ids = self.queue.apply_changes(lines);
                self.forget_opened(&ids);
                self.clamp_detail();
                if external {
                    self.colleague_changed();
                }
                // An open overlay that shows a plan plans again for its pinned items: what it
                // acts on stays; the plan says what changed and who changed it.
                let touched = self
                    .overlays
                    .iter()
                    .any(|o| o.acts_on().iter().any(|id| ids.iter().any(|c| c == id)));
                let mut actions = if touched {
                    self.plan_again()
                } else {
                    Vec::new()
                };
                actions.extend(self.then_reports(true));
                return actions;
            }
            WorkerEvent::Opened(opened) => {
                self.keep_opened(opened);
                self.clamp_detail();
                return self.conversation_seen();
            }
            WorkerEvent::SearchDone(result) => {
                if self.queue.search_done(result) {
                    self.selection_changed();
                    self.queue.select(0);
                }
            }
            WorkerEvent::DbError(e) => {
                // A failed reading of the reports ends it too.
                self.reports_reading = false;
                self.say(Level::Error, format!("database: {e}"))
            }
            WorkerEvent::Damaged(e) => {
                // Browse what can be read; write nothing more into a damaged file.
                self.read_only = Some("the database is damaged: restore it from a backup".into());
                self.say(Level::Error, e);
            }
            WorkerEvent::Analysts(names) => self.analysts = names,
            WorkerEvent::Unmatched(list) => self.set_unmatched(list),
            WorkerEvent::Replies {
                marks,
                unread,
                replied,
            } => {
                let known = crate::domain::query::RepliesKnown {
                    last: replied,
                    unread: unread.keys().cloned().collect(),
                };
                let mut actions: Vec<Action> = self
                    .queue
                    .set_replies(known)
                    .map(|(g, q, c)| vec![Action::Search(g, q, c)])
                    .unwrap_or_default();
                self.set_replies(marks, unread);
                actions.extend(self.conversation_seen());
                return actions;
            }
            WorkerEvent::Attention(set) => self.queue.set_attention(set),
            WorkerEvent::Outbox(list) => self.outbox = list,
            WorkerEvent::Reports(r) => {
                self.reports = Some(r);
                self.reports_reading = false;
                if self.reports_stale && self.reports_open() {
                    return self.read_reports();
                }
            }
            WorkerEvent::Notice(text) => self.say(Level::Info, text),
            WorkerEvent::Email { id, text } => self.open(TextView::new(
                format!("email {id}"),
                text.lines().map(String::from).collect(),
            )),
            WorkerEvent::Choices { items, choices } => self.choices = Some((items, choices)),
            WorkerEvent::Planned { plan, again } => self.show_plan(plan, again),
            WorkerEvent::Committed { plan, done, took } => self.report_commit(&plan, done, took),
            WorkerEvent::Assigned { to, outcomes } => {
                let who = to.as_deref().unwrap_or("nobody").to_string();
                let (done, refused) = self.report_outcomes(
                    |_, _| format!("not assigned to {who}"),
                    outcomes.into_iter().map(|o| (o.id, o.result)),
                );
                let extra = if refused > 0 {
                    format!("; {refused} refused")
                } else {
                    String::new()
                };
                let level = if refused > 0 {
                    Level::Warn
                } else {
                    Level::Info
                };
                self.say(level, format!("assigned {done} to {who}{extra}"));
            }
            WorkerEvent::UndoPlanned(plan) => match plan.batch {
                None => self.say(
                    Level::Warn,
                    "nothing to undo: you have no batch of moves left to undo",
                ),
                Some(_) => {
                    self.message = None;
                    self.open(ConfirmUndo::new(plan));
                }
            },
            WorkerEvent::Undone(report) if report.newer.is_some() => self.say(
                Level::Warn,
                format!(
                    "nothing undone: your last batch changed since the undo was shown (batch {} is last now); {} plans again",
                    report.newer.unwrap_or_default(),
                    self.key(Context::Queue, Command::Undo)
                ),
            ),
            WorkerEvent::Undone(report) => match report.batch {
                None => self.say(
                    Level::Warn,
                    "nothing to undo: you have no batch of moves left to undo",
                ),
                Some(_) => {
                    let tz = self.policy.sla.calendar.time_zone().clone();
                    let mut emails: Vec<String> = Vec::new();
                    let mut cancelled = 0;
                    // Items whose ISV was already told: a correction is offered for them.
                    let mut told: Vec<crate::workflow::MoveItem> = Vec::new();
                    for o in &report.outcomes {
                        for e in &o.emails {
                            if matches!(e, crate::workflow::EmailUndo::AlreadySent { .. })
                                && o.result.is_ok()
                                && !told.iter().any(|t| t.id == o.id)
                            {
                                told.push(crate::workflow::MoveItem::new(o.id.clone()));
                            }
                            match e {
                                crate::workflow::EmailUndo::Cancelled { .. } => cancelled += 1,
                                _ => emails.push(format!(
                                    "{}: {}",
                                    crate::text::safe_line(&o.id),
                                    crate::workflow::email_undo_line(e, report.to, &tz)
                                )),
                            }
                        }
                    }
                    let (back, failed) = self.report_outcomes(
                        |_, _| "not undone".to_string(),
                        report.outcomes.into_iter().map(|o| (o.id, o.result)),
                    );
                    let mut extra = if failed > 0 {
                        format!("; {failed} could not be undone")
                    } else {
                        String::new()
                    };
                    if cancelled > 0 {
                        extra.push_str(&format!("; {cancelled} email(s) cancelled before sending"));
                    }
                    let level = if failed > 0 || !emails.is_empty() {
                        Level::Warn
                    } else {
                        Level::Info
                    };
                    if !told.is_empty() {
                        // What became of each email stays readable under the preview.
                        self.open(TextView::new(
                            format!("undid {back} move(s): emails that may have reached the ISV"),
                            emails,
                        ));
                        // The correction email, planned and shown in the preview: y sends
                        // it, Esc declines.
                        self.say(
                            level,
                            format!(
                                "undid {back} move(s){extra}; {} ISV(s) already told: correction email(s) offered (y sends, Esc declines)",
                                told.len()
                            ),
                        );
                        return vec![Action::Db(DbRequest::Plan {
                            ask: PlanAsk::Corrections(told),
                            again: false,
                        })];
                    }
                    self.say(level, format!("undid {back} move(s){extra}"));
                    if !emails.is_empty() {
                        self.open(TextView::new(
                            format!("undid {back} move(s): emails that may have reached the ISV"),
                            emails,
                        ));
                    }
                }
            },
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
                let outbox = self.key(Context::Queue, Command::Outbox);
                self.say(
                    level,
                    format!(
                        "mail: {} sent, {} waiting to retry, {} failed{why}; {outbox} shows the outbox",
                        r.sent.len(),
                        r.retried.len(),
                        r.failed.len()
                    ),
                );
            }
            WorkerEvent::IssuesNotSaved {
                id,
                text,
                why,
                kept,
            } => {
                let again = self.key(Context::Queue, Command::EditIssues);
                let kept = kept
                    .map(|p| format!(", kept in {}", p.display()))
                    .unwrap_or_default();
                self.say(
                    Level::Error,
                    format!(
                        "{id}: issue list not saved: {why}; nothing was changed; {again} reopens your text with the mistake marked{kept}"
                    ),
                );
                self.drafts.insert(id, text);
            }
            WorkerEvent::IssuesSaved { id, result } => match result {
                Ok(n) => {
                    self.drafts.remove(&id);
                    self.say(
                        Level::Info,
                        format!("{id}: issue list saved ({n} change(s))"),
                    )
                }
                Err(e) => {
                    let again = self.key(Context::Queue, Command::EditIssues);
                    self.say(
                        Level::Error,
                        format!("{id}: issue list not saved: {e} ({again} edits again)"),
                    )
                }
            },
        }
        Vec::new()
    }

    /// The open overlays that show a plan (or the picker's targets) plan again, for the
    /// items they pinned.
    pub(crate) fn plan_again(&mut self) -> Vec<Action> {
        let mut actions = Vec::new();
        for o in &self.overlays {
            match o {
                Overlay::MovePicker(p) => {
                    actions.push(Action::Db(DbRequest::PlanChoices(p.pinned().items())))
                }
                Overlay::Confirm(c) => {
                    if let Some(ask) = PlanAsk::again(c.plan(), None) {
                        actions.push(Action::Db(DbRequest::Plan { ask, again: true }));
                    }
                }
                Overlay::Preview(p) => {
                    if let Some(ask) = PlanAsk::again(p.plan(), None) {
                        actions.push(Action::Db(DbRequest::Plan { ask, again: true }));
                    }
                }
                _ => {}
            }
        }
        actions
    }

    /// A plan to show: a new one opens the preview (it emails) or the confirmation; one
    /// planned again replaces the plan its overlay shows, saying what changed.
    fn show_plan(&mut self, plan: Arc<Plan>, again: bool) {
        if again {
            let Some(top) = self.overlays.last_mut() else {
                return;
            };
            let (before, shown) = match top {
                Overlay::Confirm(c) if c.plan().what.same_kind(&plan.what) => {
                    let before = c.plan().clone();
                    c.replan(plan.clone());
                    (before, true)
                }
                Overlay::Preview(p) if p.plan().what.same_kind(&plan.what) => {
                    let before = p.plan().clone();
                    p.replan(plan.clone());
                    (before, true)
                }
                _ => return,
            };
            if shown {
                let changed: Vec<String> = plan
                    .stopped()
                    .filter(|(i, _)| {
                        before
                            .items
                            .iter()
                            .any(|b| b.item.id == i.item.id && b.result.is_ok())
                    })
                    .map(|(i, why)| format!("{} {why}", crate::text::safe_line(&i.item.id)))
                    .collect();
                if !changed.is_empty() {
                    self.say(
                        Level::Warn,
                        format!(
                            "planned again: {}; {} of {} left",
                            changed.join("; "),
                            plan.going().count(),
                            plan.items.len()
                        ),
                    );
                }
            }
            return;
        }
        let emails = plan.emails().count();
        let stopped = plan.stopped().count();
        if plan.is_reminders() && emails == 0 {
            if stopped == 0 {
                self.say(
                    Level::Info,
                    "no reminder is due: every idle item was reminded less than an idle period ago",
                );
            } else {
                self.open(TextView::new(
                    "no reminder is due; these idle items get none".into(),
                    stopped_lines(&plan),
                ));
                self.say(Level::Info, "no reminder is due (see the report)");
            }
            return;
        }
        if matches!(plan.what, Planned::IssueLists | Planned::Corrections) && emails == 0 {
            self.open(TextView::new(
                "no email written: nothing was sent or moved".into(),
                stopped_lines(&plan),
            ));
            self.say(Level::Warn, "no email could be written (see the report)");
            return;
        }
        if !plan.sends_email() {
            // The confirmation says it all; "planning…" is done.
            self.message = None;
            self.open(Confirm::new(plan));
            return;
        }
        let (send, cancel) = (
            self.key(Context::Preview, Command::Yes),
            self.key(Context::Preview, Command::No),
        );
        let moves = self.key(Context::Preview, Command::MoveWithoutEmail);
        let text = if emails == 0 {
            format!(
                "no email could be written for {stopped}: {moves} moves without email, {cancel} cancels"
            )
        } else if stopped == 0 {
            format!("preview of {emails} email(s): {send} sends, {cancel} cancels")
        } else {
            format!(
                "preview of {emails} email(s); {stopped} left out (said below): {send} sends, {cancel} cancels"
            )
        };
        self.say(
            if emails == 0 {
                Level::Warn
            } else {
                Level::Info
            },
            text,
        );
        self.open(Preview::new(plan));
    }

    /// What a committed plan did, marking off what it moved or emailed.
    fn report_commit(&mut self, plan: &Plan, done: Committed, took: std::time::Duration) {
        if plan.sends_email() {
            self.mail_activity = Some(self.now);
        }
        if plan.is_reminders() {
            let (queued, refused) = self.report_outcomes(
                |n, all| format!("{n} of {all} reminders not queued"),
                done.reminded.into_iter(),
            );
            self.say(
                if refused > 0 {
                    Level::Warn
                } else {
                    Level::Info
                },
                format!(
                    "queued {queued} reminder(s){}; {}",
                    if refused > 0 {
                        format!("; {refused} not (see the report)")
                    } else {
                        String::new()
                    },
                    self.delivery_note()
                ),
            );
            return;
        }
        let queued = done.queued.len();
        let mut outcomes: Vec<(String, Result<(), String>)> = done
            .outcomes
            .into_iter()
            .map(|o| (o.id, o.result.map(|_| ()).map_err(|e| e.to_string())))
            .collect();
        if plan.move_to().is_none() {
            outcomes.extend(done.queued.into_iter().map(|(id, _)| (id, Ok(()))));
        }
        let all = outcomes.len();
        let Some(to) = plan.move_to() else {
            let (_, refused) =
                self.report_outcomes(|n, _| format!("{n} not emailed"), outcomes.into_iter());
            let when = self.delivery_note();
            self.say(
                if refused > 0 {
                    Level::Warn
                } else {
                    Level::Info
                },
                match refused {
                    0 => format!("queued {queued} email(s); {when}"),
                    n => format!("queued {queued} email(s); {n} refused (see the report); {when}"),
                },
            );
            return;
        };
        let email = plan.sends_email();
        let (moved, refused) = self.report_outcomes(
            |n, all| match email {
                true => format!("{n} of {all} not moved and not emailed"),
                false => format!("{n} of {all} not moved to {}", to.key()),
            },
            outcomes.into_iter(),
        );
        let see = if refused > 0 {
            format!("; {refused} refused (see the report)")
        } else {
            String::new()
        };
        let text = match (email, queued) {
            (false, _) => format!(
                "moved {moved} of {all} to {} in {} ms{see}",
                to.manager_name(),
                took.as_millis()
            ),
            (true, 0) => format!("nothing queued or moved: {refused} refused (see the report)"),
            (true, _) => format!(
                "queued {queued} email(s), moved {moved} to {}{see}; {}",
                to.manager_name(),
                self.delivery_note()
            ),
        };
        self.say(
            if refused > 0 {
                Level::Warn
            } else {
                Level::Info
            },
            text,
        );
    }

    /// When queued email goes: at once, or after the hold, during which it can be taken back.
    fn delivery_note(&self) -> String {
        if self.hold.is_zero() {
            return "delivering in the background".to_string();
        }
        let secs = self.hold.as_secs();
        let hold = if secs % 60 == 0 {
            format!("{} min", secs / 60)
        } else {
            format!("{secs} s")
        };
        format!(
            "held {hold} ({}: undo with the move, {} then {}: cancel)",
            self.key(Context::Queue, Command::Undo),
            self.key(Context::Queue, Command::Outbox),
            self.key(Context::Outbox, Command::CancelEmail)
        )
    }

    /// The console's clock must not lag the data it shows.
    fn catch_up(&mut self, at: jiff::Timestamp) {
        if !self.pinned && at > self.now {
            self.now = at;
            self.queue.set_now(at);
        }
    }

    /// Says a colleague changed the queue, unless the commit was our own mail task's (it
    /// writes through its own connection: its commits look external, but they are ours).
    fn colleague_changed(&mut self) {
        let ours = self
            .mail_activity
            .is_some_and(|t| self.now.duration_since(t).as_secs() < 5);
        if !ours {
            self.note_colleague_change();
        }
    }

    /// A colleague's commit reloaded the queue: said without hiding what the analyst was
    /// just told (a batch's result stays first).
    fn note_colleague_change(&mut self) {
        const RELOADED: &str = "reloaded: another analyst changed the queue";
        let now = self.now;
        match self.message.as_mut() {
            Some(m) if now.duration_since(m.at).as_secs() < 5 => {
                if !m.text.contains(RELOADED) {
                    m.text = format!("{} · {RELOADED}", m.text);
                }
            }
            _ => self.say(Level::Info, RELOADED),
        }
    }

    /// The current query again on new rows (their indices changed).
    pub(crate) fn search_again(&mut self) -> Vec<Action> {
        self.queue
            .search_again()
            .map(|(g, q, c)| vec![Action::Search(g, q, c)])
            .unwrap_or_default()
    }
}

/// The items a plan left out, and why: one line each.
fn stopped_lines(p: &Plan) -> Vec<String> {
    p.stopped()
        .map(|(i, why)| {
            format!(
                "{}  {}",
                i.item.id,
                crate::workflow::reminders::no_email(why)
            )
        })
        .collect()
}
