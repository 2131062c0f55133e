//! Slow work off the render path: a database thread (the first page of the queue at once,
//! the rest streamed behind it, then only what colleagues change; full submissions when
//! they are opened), a search thread where the newest key wins, and the mail thread.

use crate::domain::state::Holder;
use crate::domain::{Policy, QueueFacts, QueueLine, Review, Submission};
use crate::workflow::{
    AssignOutcome, Choices, Committed, Hold, IssueListEdit, MoveAsk, MoveItem, OpenOptions, Plan,
    StoreError, UndoReport, Workflow, WorkflowError,
};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// The queue's lines as the console holds them.
pub type Snapshot = Arc<Vec<QueueLine>>;

/// A submission read in full for the detail (and what the lint needs of its neighbours).
#[derive(Debug, Clone)]
pub struct Opened {
    pub sub: Submission,
    pub facts: QueueFacts,
    /// Its internal notes, oldest first (never emailed).
    pub notes: Vec<crate::domain::notes::Note>,
}

impl Opened {
    /// Its review now: clocks, evidence, the lint's findings, the issue list.
    pub fn review(&self, policy: &Policy, now: Timestamp) -> Review {
        Review::of(&self.sub, policy, &self.facts, now)
    }
}

/// Lines the first frame shows before the rest are read: a tall terminal's page, twice.
pub const FIRST_PAGE: usize = 200;

/// How many lines the database thread reads between progress reports.
const PROGRESS_EVERY: usize = 25_000;

/// What the database thread is asked to do.
#[derive(Debug)]
pub enum DbRequest {
    /// Read every line again (on the analyst's request).
    Reload,
    /// Read these submissions in full (the detail, the gates of a batch).
    Open(Vec<String>),
    /// Plan the undo of the analyst's last batch (rehearsed and rolled back).
    PlanUndo,
    /// Plan the move picker's targets for these items (pinned at the versions seen).
    PlanChoices(Vec<MoveItem>),
    /// Plan an action for the analyst to see before it is committed; `again` when it is a
    /// shown plan planned again (a reload, an override switched).
    Plan { ask: PlanAsk, again: bool },
    /// One email of the outbox, to read.
    ShowEmail(i64),
    /// The lead's reports at the console's instant.
    Reports,
    /// A change to the queue, made as the console's analyst; the queue is reloaded after.
    Write(Write),
}

/// What a plan is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanAsk {
    /// A move, with its emails when `email`.
    Move(MoveAsk),
    /// The issue-list emails of these items, without a move.
    IssueLists(Vec<MoveItem>),
    /// The reminders due to idle ISVs.
    Reminders,
    /// Corrections to the ISVs of these items, told of a move that was undone since.
    Corrections(Vec<MoveItem>),
}

impl PlanAsk {
    /// The ask that planned `plan`, for its items as pinned (a reload while it is shown):
    /// with `force`, switched for an override (then only the items the transition table
    /// lets make the move: a correction outside it stays the CLI's). Reminders are not
    /// planned again: a new plan could hold items the analyst did not see.
    pub fn again(plan: &Plan, force: Option<bool>) -> Option<PlanAsk> {
        use crate::workflow::{MoveRefused, Planned};
        match &plan.what {
            Planned::Move(ask) => {
                let items = plan
                    .items
                    .iter()
                    .filter(|i| force.is_none() || !matches!(i.result, Err(MoveRefused::Rule(_))))
                    .map(|i| i.item.clone())
                    .collect();
                Some(PlanAsk::Move(MoveAsk {
                    items,
                    force: force.unwrap_or(ask.force),
                    ..ask.clone()
                }))
            }
            Planned::IssueLists => Some(PlanAsk::IssueLists(plan.pinned())),
            Planned::Reminders => None,
            Planned::Corrections => Some(PlanAsk::Corrections(plan.pinned())),
        }
    }
}

/// The writes the console asks of the workflow.
#[derive(Debug)]
pub enum Write {
    /// Commit a plan the analyst was shown, exactly: its moves and emails in one
    /// transaction, each item at the version planned.
    Commit(Arc<Plan>),
    Assign {
        items: Vec<MoveItem>,
        to: Option<String>,
    },
    /// Undo the batch the plan was made for, if it is still the analyst's last.
    Undo(Arc<UndoReport>),
    /// Save changes to one submission's issue list.
    EditIssues {
        id: String,
        edits: Vec<crate::domain::IssueEdit>,
    },
    /// Read back an issue list edited in `$EDITOR`, and save what changed.
    EditedIssues {
        list: IssueListEdit,
        edited: Result<String, String>,
    },
    /// Queue a failed email again.
    RetryEmail(i64),
    CancelEmail(i64),
    /// Attach an unmatched message to a submission, by hand.
    AttachReply {
        message: i64,
        id: String,
    },
    /// The analyst has seen a submission's conversation up to this reply.
    MarkRead {
        id: String,
        upto: i64,
    },
    /// An internal note on one submission.
    Note {
        id: String,
        text: String,
    },
    /// Edit a published integration as a new version (a draft linked to it).
    NewVersion {
        id: String,
    },
}

/// What the workers report to the UI.
#[derive(Debug)]
pub enum WorkerEvent {
    /// Lines read: the first page (`complete` false; the rest follow), or all of them.
    Loaded {
        rows: Snapshot,
        complete: bool,
        /// When the rows were read: the console's clock must not lag the data it shows.
        at: Timestamp,
        took: Duration,
        /// True when another process's commit caused the load.
        external: bool,
    },
    /// How far reading every line has come.
    Loading {
        done: usize,
        total: usize,
    },
    /// The lines that changed since the last read (a write, a colleague's commit).
    Changed {
        lines: Vec<QueueLine>,
        at: Timestamp,
        external: bool,
    },
    /// Submissions read in full.
    Opened(Vec<Arc<Opened>>),
    DbError(String),
    /// The database file is damaged: the console turns read-only.
    Damaged(String),
    SearchDone(SearchResult),
    /// The move picker's targets for the pinned items.
    Choices {
        items: Vec<MoveItem>,
        choices: Choices,
    },
    /// A plan to show (`again`: of a plan already shown).
    Planned {
        plan: Arc<Plan>,
        again: bool,
    },
    /// A plan committed: what it did.
    Committed {
        plan: Arc<Plan>,
        done: Committed,
        took: Duration,
    },
    Assigned {
        to: Option<String>,
        outcomes: Vec<AssignOutcome>,
    },
    /// The undo's plan, to show before it runs.
    UndoPlanned(Arc<UndoReport>),
    Undone(UndoReport),
    /// An edited issue list that was not saved: the analyst's text (the mistake marked at
    /// its line), why, and the private file that keeps it.
    IssuesNotSaved {
        id: String,
        text: String,
        why: String,
        kept: Option<std::path::PathBuf>,
    },
    /// A delivery round finished.
    Delivered(crate::workflow::DeliveryReport),
    IssuesSaved {
        id: String,
        result: Result<usize, String>,
    },
    /// The outbox, newest first.
    Outbox(Arc<Vec<crate::domain::EmailRecord>>),
    /// A notice for the message line.
    Notice(String),
    /// One email of the outbox, as the analyst reads it.
    Email {
        id: i64,
        text: String,
    },
    /// The submissions in this analyst's attention set (mentioned in a note).
    Attention(std::collections::BTreeSet<String>),
    /// Everyone seen in the audit log, for the assign picker.
    Analysts(Vec<String>),
    /// The messages no submission claimed, oldest first.
    Unmatched(Arc<Vec<crate::domain::Reply>>),
    /// The replies this analyst has read (the newest read, by submission), and the
    /// submissions whose newest reply they have not.
    Replies {
        marks: std::collections::HashMap<String, i64>,
        unread: std::collections::HashMap<String, i64>,
        /// When the ISV last replied, by submission (their activity, for the idle marks).
        replied: std::collections::HashMap<String, Timestamp>,
    },
    /// The reports view's figures.
    Reports(Arc<crate::workflow::reports::Reports>),
}

/// How often the database thread checks for other processes' commits.
pub const POLL: Duration = Duration::from_millis(1000);

/// Starts the database thread on an open store. It loads at once, then reloads whenever
/// `PRAGMA data_version` says another connection committed.
/// `as_of` pins the instant rows are assessed at (`--as-of`); writes are at the real time.
/// Records in the debug log (when one is on) what the workers report: loads and reloads
/// with their timings, colleagues' changes, delivery rounds and every error.
pub fn log_event(ev: &WorkerEvent) {
    match ev {
        WorkerEvent::Loaded {
            rows,
            complete,
            took,
            external,
            ..
        } => tracing::debug!(
            rows = rows.len(),
            complete,
            external,
            ms = took.as_millis() as u64,
            "queue read"
        ),
        WorkerEvent::Changed {
            lines, external, ..
        } if !lines.is_empty() => {
            tracing::debug!(changed = lines.len(), external, "reloaded what changed")
        }
        WorkerEvent::DbError(e) => tracing::warn!(error = %e, "database"),
        WorkerEvent::Damaged(e) => tracing::error!(error = %e, "damaged"),
        WorkerEvent::Committed { done, took, .. } => tracing::info!(
            items = done.outcomes.len(),
            emails = done.queued.len(),
            ms = took.as_millis() as u64,
            "plan committed"
        ),
        WorkerEvent::Delivered(r) => tracing::info!(
            sent = r.sent.len(),
            retried = r.retried.len(),
            failed = r.failed.len(),
            "delivery round"
        ),
        WorkerEvent::Notice(text) => tracing::debug!(notice = %text, "notice"),
        _ => {}
    }
}

pub fn spawn_db(
    workflow: Workflow,
    analyst: String,
    as_of: Option<Timestamp>,
    events: UnboundedSender<WorkerEvent>,
    mailer: Option<mpsc::Sender<()>>,
) -> mpsc::Sender<DbRequest> {
    let (tx, rx) = mpsc::channel::<DbRequest>();
    thread::Builder::new()
        .name("oin-review-db".into())
        .spawn(move || db_loop(workflow, &analyst, as_of, rx, events, mailer))
        .ok();
    tx
}

fn db_loop(
    mut wf: Workflow,
    analyst: &str,
    as_of: Option<Timestamp>,
    rx: mpsc::Receiver<DbRequest>,
    events: UnboundedSender<WorkerEvent>,
    mailer: Option<mpsc::Sender<()>>,
) {
    let send = |e: WorkerEvent| events.send(e).is_ok();
    let report = |e: WorkflowError| {
        let _ = events.send(failure(e));
    };
    let at = || as_of.unwrap_or_else(crate::clock::now);
    let mut seen_version = wf.queue_version().ok();

    // The first frame: the top of the default view through the urgency index.
    let started = Instant::now();
    match wf.first_lines(Some(Holder::Oin), FIRST_PAGE, at()) {
        Ok(top) => {
            if !send(WorkerEvent::Loaded {
                rows: Arc::new(top),
                complete: false,
                at: at(),
                took: started.elapsed(),
                external: false,
            }) {
                return;
            }
        }
        Err(e) => report(e),
    }
    let mut seq = match load_all(&wf, at(), false, &events) {
        Some(s) => s,
        None => return,
    };
    let extras = |wf: &Workflow| {
        if let Ok(names) = wf.team() {
            let _ = events.send(WorkerEvent::Analysts(names));
        }
        if let Ok(outbox) = wf.outbox() {
            let _ = events.send(WorkerEvent::Outbox(Arc::new(outbox)));
        }
        if let Ok(set) = wf.attention_of(analyst) {
            let _ = events.send(WorkerEvent::Attention(set));
        }
        if let Ok(list) = wf.inbox(true) {
            let _ = events.send(WorkerEvent::Unmatched(Arc::new(list)));
        }
        if let (Ok(marks), Ok(unread), Ok(replied)) = (
            wf.read_marks(analyst),
            wf.unread_replies(analyst),
            wf.last_isv_replies(),
        ) {
            let _ = events.send(WorkerEvent::Replies {
                marks,
                unread,
                replied,
            });
        }
    };
    extras(&wf);
    // Damage in pages the load did not read shows here, after the first frame.
    let damaged = match wf.quick_check() {
        Ok(None) => None,
        Ok(Some(problems)) => Some(format!(
            "the queue database is damaged ({problems}); it will not be repaired silently: restore it from a backup; nothing more will be written"
        )),
        Err(e) => Some(e.to_string()),
    };
    let mut mailer = mailer;
    if let Some(why) = damaged {
        let _ = events.send(WorkerEvent::Damaged(why));
        mailer = None; // the mail thread ends: it would write delivery states
    }
    loop {
        let (request, external) = match rx.recv_timeout(POLL) {
            Ok(r) => (Some(r), false),
            Err(RecvTimeoutError::Timeout) => {
                let v = wf.queue_version().ok();
                if v == seen_version {
                    continue;
                }
                seen_version = v;
                (None, true)
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        match request {
            None => {}
            Some(DbRequest::Reload) => {
                seq = match load_all(&wf, at(), true, &events) {
                    Some(s) => s,
                    None => return,
                };
                extras(&wf);
                continue;
            }
            Some(DbRequest::Open(ids)) => {
                match open(&wf, &ids) {
                    Ok(opened) => {
                        if !send(WorkerEvent::Opened(opened)) {
                            return;
                        }
                    }
                    Err(e) => report(e),
                }
                continue;
            }
            Some(DbRequest::PlanUndo) => {
                let _ = events.send(match wf.plan_undo(analyst, crate::clock::now()) {
                    Ok(plan) => WorkerEvent::UndoPlanned(Arc::new(plan)),
                    Err(e) => WorkerEvent::DbError(format!("the undo could not be planned: {e}")),
                });
                continue;
            }
            Some(DbRequest::PlanChoices(items)) => {
                let _ = events.send(choices(&wf, items, analyst, crate::clock::now()));
                continue;
            }
            Some(DbRequest::Plan { ask, again }) => {
                let _ = events.send(plan(&wf, ask, again, analyst, crate::clock::now()));
                continue;
            }
            Some(DbRequest::Reports) => {
                let started = Instant::now();
                let _ = events.send(match wf.reports(at()) {
                    Ok(r) => {
                        tracing::debug!(ms = started.elapsed().as_millis() as u64, "reports");
                        WorkerEvent::Reports(Arc::new(r))
                    }
                    Err(e) => WorkerEvent::DbError(format!("the reports: {e}")),
                });
                continue;
            }
            Some(DbRequest::ShowEmail(id)) => {
                let _ = events.send(match wf.email_text(id) {
                    Ok(Some(text)) => WorkerEvent::Email { id, text },
                    Ok(None) => WorkerEvent::Notice(format!("email {id} is gone")),
                    Err(e) => WorkerEvent::DbError(e.to_string()),
                });
                continue;
            }
            Some(DbRequest::Write(write)) => {
                let (event, wakes_mailer) = run_write(&mut wf, write, analyst);
                let _ = events.send(event);
                if let (true, Some(m)) = (wakes_mailer, &mailer) {
                    let _ = m.send(());
                }
                seen_version = wf.queue_version().ok();
            }
        }
        // After a write or a colleague's commit: read what changed since (all again when
        // a process with another policy, or none, marked the lines stale).
        let current = wf.lines_current().unwrap_or(false);
        if !current {
            seq = match load_all(&wf, at(), external, &events) {
                Some(s) => s,
                None => return,
            };
        } else {
            match wf.lines_changed_since(seq, at()) {
                Ok(changed) => {
                    seq = seq.max(changed.seq);
                    if !send(WorkerEvent::Changed {
                        lines: changed.lines,
                        at: at(),
                        external,
                    }) {
                        return;
                    }
                }
                Err(e) => report(e),
            }
        }
        extras(&wf);
        if events.is_closed() {
            return;
        }
    }
}

/// Reads every line, saying how far it has come; returns the sequence number seen (None
/// when the console is gone).
fn load_all(
    wf: &Workflow,
    at: Timestamp,
    external: bool,
    events: &UnboundedSender<WorkerEvent>,
) -> Option<i64> {
    let started = Instant::now();
    let total = wf.count_lines().unwrap_or(0);
    let mut rows = Vec::with_capacity(total);
    let read = wf.each_line(at, &mut |line| {
        rows.push(line);
        if rows.len().is_multiple_of(PROGRESS_EVERY) {
            let _ = events.send(WorkerEvent::Loading {
                done: rows.len(),
                total,
            });
        }
        true
    });
    match read {
        Ok(seq) => {
            let sent = events.send(WorkerEvent::Loaded {
                rows: Arc::new(rows),
                complete: true,
                at,
                took: started.elapsed(),
                external,
            });
            sent.is_ok().then_some(seq)
        }
        Err(e) => {
            let _ = events.send(failure(e));
            Some(0)
        }
    }
}

/// The submissions with `ids` in full, with their neighbours' facts.
fn open(wf: &Workflow, ids: &[String]) -> crate::workflow::Result<Vec<Arc<Opened>>> {
    Ok(wf
        .in_full(ids)?
        .into_iter()
        .map(|f| {
            Arc::new(Opened {
                sub: f.sub,
                facts: f.facts,
                notes: f.notes,
            })
        })
        .collect())
}

/// A failed read, as the console says it: a damaged file turns it read-only.
fn failure(e: WorkflowError) -> WorkerEvent {
    match e {
        WorkflowError::Store(e @ StoreError::Damaged { .. }) => WorkerEvent::Damaged(e.to_string()),
        e => WorkerEvent::DbError(e.to_string()),
    }
}

/// The move picker's targets for `items`, planned by the workflow (as the database thread
/// answers `PlanChoices`).
pub fn choices(wf: &Workflow, items: Vec<MoveItem>, analyst: &str, now: Timestamp) -> WorkerEvent {
    match wf.plan_choices(&items, analyst, now) {
        Ok(choices) => WorkerEvent::Choices { items, choices },
        Err(e) => WorkerEvent::DbError(format!("the move could not be planned: {e}")),
    }
}

/// A plan for the analyst to see, by the workflow (as the database thread answers `Plan`).
pub fn plan(
    wf: &Workflow,
    ask: PlanAsk,
    again: bool,
    analyst: &str,
    now: Timestamp,
) -> WorkerEvent {
    let planned = match ask {
        PlanAsk::Move(ask) => wf.plan(&ask, analyst, now),
        PlanAsk::IssueLists(items) => Ok(wf.plan_issue_lists(&items, analyst, now)),
        PlanAsk::Reminders => wf.plan_reminders(now).map(|(p, _)| p),
        PlanAsk::Corrections(items) => Ok(wf.plan_corrections(&items, analyst, now)),
    };
    match planned {
        Ok(plan) => WorkerEvent::Planned {
            plan: Arc::new(plan),
            again,
        },
        Err(e) => WorkerEvent::DbError(format!("not planned: {e}")),
    }
}

/// Runs one write through the workflow; the event for the UI, and whether mail was queued.
pub fn run_write(wf: &mut Workflow, write: Write, analyst: &str) -> (WorkerEvent, bool) {
    let now = crate::clock::now();
    match write {
        Write::Commit(plan) => {
            let started = Instant::now();
            let event = match wf.commit(&plan, analyst, now) {
                Ok(done) => WorkerEvent::Committed {
                    plan: plan.clone(),
                    done,
                    took: started.elapsed(),
                },
                Err(e) => WorkerEvent::DbError(format!("nothing was moved or queued: {e}")),
            };
            (event, plan.sends_email())
        }
        Write::Assign { items, to } => {
            let event = match wf.assign(&items, to.as_deref(), analyst, now) {
                Ok(outcomes) => WorkerEvent::Assigned { to, outcomes },
                Err(e) => WorkerEvent::DbError(format!("nothing was assigned: {e}")),
            };
            (event, false)
        }
        Write::NewVersion { id } => {
            let event = match wf.new_version(&id, analyst, now) {
                Ok(sub) => WorkerEvent::Notice(crate::workflow::new_version_line(&sub)),
                Err(e) => WorkerEvent::DbError(format!("no new version: {e}")),
            };
            (event, false)
        }
        Write::Undo(plan) => {
            let event = match wf.commit_undo(&plan, analyst, now) {
                Ok(report) => WorkerEvent::Undone(report),
                Err(e) => WorkerEvent::DbError(format!("nothing was undone: {e}")),
            };
            (event, false)
        }
        Write::EditIssues { id, edits } => {
            let result = wf
                .edit_issues(&id, &edits, analyst, now)
                .unwrap_or_else(|e| Err(e.to_string()));
            (WorkerEvent::IssuesSaved { id, result }, false)
        }
        Write::EditedIssues { list, edited } => {
            let id = list.id.clone();
            let text = match edited {
                Ok(t) => t,
                Err(e) => return (WorkerEvent::IssuesSaved { id, result: Err(e) }, false),
            };
            let event = match list.changes(&text) {
                Ok(edits) if edits.is_empty() => {
                    forget_draft(&id);
                    WorkerEvent::Notice(format!("{id}: issue list unchanged"))
                }
                Ok(edits) => match wf.edit_issues(&id, &edits, analyst, now) {
                    Ok(Ok(n)) => {
                        forget_draft(&id);
                        WorkerEvent::IssuesSaved { id, result: Ok(n) }
                    }
                    // Refused (a colleague changed a finding): the analyst's text is kept.
                    Ok(Err(why)) => not_saved(id, text, why),
                    Err(e) => not_saved(id, text, e.to_string()),
                },
                Err(e) => not_saved(id, IssueListEdit::marked(&text, &e), e.to_string()),
            };
            (event, false)
        }
        Write::AttachReply { message, id } => {
            let event = match wf.attach_reply(message, &id, analyst, now) {
                Ok(id) => WorkerEvent::Notice(format!("message {message} attached to {id}")),
                Err(WorkflowError::Refused(why)) => WorkerEvent::Notice(why),
                Err(e) => WorkerEvent::DbError(e.to_string()),
            };
            (event, false)
        }
        Write::MarkRead { id, upto } => {
            let read = wf
                .mark_conversation_read(analyst, &id, upto)
                .and_then(|()| {
                    Ok((
                        wf.read_marks(analyst)?,
                        wf.unread_replies(analyst)?,
                        wf.last_isv_replies()?,
                    ))
                });
            let event = match read {
                Ok((marks, unread, replied)) => WorkerEvent::Replies {
                    marks,
                    unread,
                    replied,
                },
                Err(e) => WorkerEvent::DbError(e.to_string()),
            };
            (event, false)
        }
        Write::RetryEmail(id) => {
            let event = match wf.retry_email(id, now) {
                Ok(true) => WorkerEvent::Notice(format!("email {id} queued again")),
                Ok(false) => WorkerEvent::Notice(format!("email {id} was already sent or is gone")),
                Err(e) => WorkerEvent::DbError(e.to_string()),
            };
            (event, true)
        }
        Write::CancelEmail(id) => {
            use crate::workflow::CancelOutcome;
            let event = match wf.cancel_email(id, analyst, now) {
                Ok(CancelOutcome::Cancelled) => {
                    WorkerEvent::Notice(format!("email {id} cancelled: it will not be sent"))
                }
                Ok(CancelOutcome::BeingSent) => WorkerEvent::Notice(format!(
                    "email {id} is being handed to the server: it may still go; cancelled if this attempt fails"
                )),
                Ok(CancelOutcome::AlreadySent(at)) => WorkerEvent::Notice(format!(
                    "email {id} was already sent at {at}; it cannot be taken back"
                )),
                Ok(CancelOutcome::AlreadyCancelled { by, .. }) => WorkerEvent::Notice(format!(
                    "email {id} was already cancelled by {}",
                    crate::text::safe_line(&by)
                )),
                Ok(CancelOutcome::NotFound) => WorkerEvent::Notice(format!("email {id} is gone")),
                Err(e) => WorkerEvent::DbError(e.to_string()),
            };
            (event, false)
        }
        Write::Note { id, text } => {
            let event = match wf.add_note(&id, &text, analyst, now) {
                Ok(added) => WorkerEvent::Notice(added.said()),
                Err(e) => WorkerEvent::DbError(format!("the note was not added: {e}")),
            };
            (event, false)
        }
    }
}

/// A search to run over a snapshot.
pub struct SearchRequest {
    pub generation: u64,
    /// The query as typed (results are matched to it).
    pub query: String,
    /// Its free words, matched fuzzily.
    pub fuzzy: String,
    /// Its field terms, when it has any.
    pub filter: Option<Arc<super::queue_state::RowFilter>>,
    /// The rows' searched text, in row order.
    pub index: Arc<crate::search::SearchIndex>,
    /// When the query extends an earlier one, only that one's hits can match.
    pub candidates: Option<Arc<Vec<usize>>>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub generation: u64,
    pub query: String,
    /// Row indices, best match first.
    pub hits: Arc<Vec<usize>>,
    /// False for the quick first ranking; the final one follows.
    pub done: bool,
    pub took: Duration,
}

/// Ranks rows for a query: each pass's result in turn to `each` (the quick one first when
/// there are many candidates), until done or `cancelled`. The work of one search, also
/// used by the benchmark.
pub fn run_search(
    req: &SearchRequest,
    cancelled: &(dyn Fn() -> bool + Sync),
    each: &mut dyn FnMut(SearchResult),
) {
    use crate::search::Query;
    let started = Instant::now();
    let query = Query::new(&req.fuzzy);
    let items: Vec<u32> = match &req.candidates {
        Some(c) => {
            // In row order, the index is read in sequence.
            let mut items: Vec<u32> = c.iter().map(|&i| i as u32).collect();
            items.sort_unstable();
            items
        }
        None => (0..req.index.len() as u32).collect(),
    };
    let items: Vec<u32> = match &req.filter {
        Some(f) => {
            let mut kept = Vec::with_capacity(items.len());
            for (n, i) in items.into_iter().enumerate() {
                if n % 4096 == 0 && cancelled() {
                    return;
                }
                if f.admits(i as usize) {
                    kept.push(i);
                }
            }
            kept
        }
        None => items,
    };
    if query.is_empty() {
        // Field terms only: every row they let through (the view sorts them).
        each(SearchResult {
            generation: req.generation,
            query: req.query.clone(),
            hits: Arc::new(items.iter().map(|&i| i as usize).collect()),
            done: true,
            took: started.elapsed(),
        });
        return;
    }
    let generation = req.generation;
    crate::search::search(&req.index, &query, items, cancelled, &mut |ranked, done| {
        each(SearchResult {
            generation,
            query: req.query.clone(),
            hits: Arc::new(ranked.iter().map(|&i| i as usize).collect()),
            done,
            took: started.elapsed(),
        })
    });
}

/// The search thread's mailbox: the newest search's generation is published before it is
/// sent, and a running search gives up as soon as it is not the newest.
pub struct SearchHandle {
    tx: mpsc::Sender<SearchRequest>,
    latest: Arc<AtomicU64>,
}

impl SearchHandle {
    pub fn submit(&self, req: SearchRequest) {
        self.latest.store(req.generation, Ordering::SeqCst);
        let _ = self.tx.send(req);
    }
}

/// Starts the search thread: it always runs the newest request and drops superseded ones.
pub fn spawn_search(events: UnboundedSender<WorkerEvent>) -> SearchHandle {
    let (tx, rx) = mpsc::channel::<SearchRequest>();
    let latest = Arc::new(AtomicU64::new(0));
    let newest = latest.clone();
    thread::Builder::new()
        .name("oin-review-search".into())
        .spawn(move || {
            while let Ok(mut req) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    req = newer;
                }
                let generation = req.generation;
                let cancelled = || newest.load(Ordering::SeqCst) != generation;
                let mut gone = false;
                run_search(&req, &cancelled, &mut |result| {
                    gone |= events.send(WorkerEvent::SearchDone(result)).is_err();
                });
                if gone {
                    return;
                }
            }
        })
        .ok();
    SearchHandle { tx, latest }
}

/// Where an issue list that could not be saved is kept for its analyst: their own data
/// folder (0700), one file per submission (0600).
fn draft_path(id: &str) -> Option<std::path::PathBuf> {
    let dir = crate::config::data_dir().ok()?.join("drafts");
    Some(dir.join(format!("{}.txt", crate::text::file_safe(id))))
}

/// Keeps the analyst's text, in memory for `e` and in their private drafts folder, and says
/// why it was not saved.
fn not_saved(id: String, text: String, why: String) -> WorkerEvent {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let kept = draft_path(&id).and_then(|path| {
        let dir = path.parent()?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .ok()?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .ok()?;
        std::io::Write::write_all(&mut f, text.as_bytes()).ok()?;
        Some(path)
    });
    WorkerEvent::IssuesNotSaved {
        id,
        text,
        why,
        kept,
    }
}

/// The issue list was saved (or left as it was): its draft goes.
fn forget_draft(id: &str) {
    if let Some(path) = draft_path(id) {
        let _ = std::fs::remove_file(path);
    }
}

/// Starts the fetch thread when `[inbound]` names a mailbox: a tokio runtime fetching the
/// ISVs' replies through its own database connection at once and then every `every`
/// (the queue's lease keeps to one fetch at a time across consoles and cron). A failed
/// fetch is said once on the message line, and again only when the reason changes.
pub fn spawn_fetcher(
    db: std::path::PathBuf,
    policy: Arc<Policy>,
    setup: Arc<crate::workflow::MailSetup>,
    holder: String,
    events: UnboundedSender<WorkerEvent>,
) {
    let every = setup.inbound.every();
    if !setup.inbound.is_set() || every.is_zero() {
        return;
    }
    let pause = Duration::try_from(every).unwrap_or(Duration::from_secs(300));
    let _ = thread::Builder::new()
        .name("oin-review-fetch".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            let mut wf = match Workflow::open(&db, &OpenOptions::default(), policy, setup) {
                Ok(wf) => wf,
                Err(e) => {
                    let _ = events.send(WorkerEvent::DbError(format!("mail fetch: {e}")));
                    return;
                }
            };
            let mut said: Option<String> = None;
            loop {
                use crate::workflow::inbound::FetchRefused;
                let outcome = rt.block_on(wf.fetch_replies(&holder, &crate::clock::now));
                let line = match outcome {
                    Ok(Ok(report)) => {
                        let fresh = report.stored.len();
                        let unmatched = report
                            .stored
                            .iter()
                            .filter(|s| s.submission_id.is_none())
                            .count();
                        tracing::info!(read = report.read, stored = fresh, unmatched, "fetch");
                        said = None;
                        (fresh > 0).then(|| {
                            format!(
                                "mail: {fresh} new message(s) fetched{}",
                                if unmatched > 0 {
                                    format!(", {unmatched} unmatched (oin-review mail inbox --unmatched)")
                                } else {
                                    String::new()
                                }
                            )
                        })
                    }
                    Ok(Err(FetchRefused::Busy(_))) => None,
                    Ok(Err(why)) => {
                        let text = format!(
                            "mail fetch failed (nothing lost; again in {} min): {why}",
                            pause.as_secs().div_ceil(60)
                        );
                        (said.as_deref() != Some(&text)).then(|| {
                            said = Some(text.clone());
                            text
                        })
                    }
                    Err(e) => Some(format!("mail fetch: {e}")),
                };
                if let Some(line) = line
                    && events.send(WorkerEvent::Notice(line)).is_err()
                {
                    return;
                }
                if events.is_closed() {
                    return;
                }
                thread::park_timeout(pause);
            }
        });
}

/// Starts the mail thread: a tokio runtime delivering due emails from the outbox through
/// its own database connection, woken after each queueing and every 15 s.
pub fn spawn_mailer(
    db: std::path::PathBuf,
    policy: Arc<Policy>,
    setup: Arc<crate::workflow::MailSetup>,
    transport: crate::workflow::Transport,
    events: UnboundedSender<WorkerEvent>,
) -> mpsc::Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("oin-review-mail".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = events.send(WorkerEvent::Notice(
                    "mail: could not start the delivery task; use `oin-review outbox flush`".into(),
                ));
                return;
            };
            // Its own connection, through the workflow like every other delivery.
            let mut wf = match Workflow::open(&db, &OpenOptions::default(), policy, setup) {
                Ok(wf) => wf,
                Err(e) => {
                    let _ = events.send(WorkerEvent::DbError(format!("mail: {e}")));
                    return;
                }
            };
            loop {
                match rt.block_on(wf.deliver(
                    &transport,
                    crate::clock::now(),
                    &crate::clock::now,
                    Hold::Keep,
                )) {
                    Ok(report) => {
                        let busy = !(report.sent.is_empty()
                            && report.retried.is_empty()
                            && report.failed.is_empty());
                        if busy && events.send(WorkerEvent::Delivered(report)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = events.send(WorkerEvent::DbError(format!("mail: {e}")));
                    }
                }
                match rx.recv_timeout(MAIL_POLL) {
                    Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                }
                if events.is_closed() {
                    return;
                }
            }
        })
        .ok();
    tx
}

/// How often the mail thread looks for due email without being woken.
pub const MAIL_POLL: Duration = Duration::from_secs(15);
