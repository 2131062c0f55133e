//! Slow work off the render path: a database thread (loads, reloads when other processes
//! commit) and a search thread where the latest query wins.

use crate::domain::{Assessment, Policy, QueueFacts, ReviewState, Submission, assess};
use crate::store::{AssignOutcome, MoveItem, MoveOutcome, Store, UndoReport};
use crate::workflow::{IssueListEdit, MailPreview, MoveAsk, Workflow};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// A submission with what the queue shows about it.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub sub: Submission,
    /// Assessed when the snapshot was built; visible rows are re-assessed as time passes.
    pub assessment: Assessment,
    pub search_text: String,
    /// What the queue knows of its neighbours (the org's count, the original's dev org).
    pub facts: QueueFacts,
}

impl QueueRow {
    /// The lint's findings now: computed for the rows on screen only.
    pub fn lint(&self, policy: &Policy) -> Vec<crate::domain::Finding> {
        crate::domain::policy::findings(&self.sub, policy, &self.assessment, &self.facts)
    }

    /// The issue list: lint findings with the analyst's decisions, plus their own.
    pub fn issues(&self, policy: &Policy) -> Vec<crate::domain::Issue> {
        crate::domain::findings::issue_list(&self.lint(policy), &self.sub.notes)
    }
}

pub type Snapshot = Arc<Vec<QueueRow>>;

/// Builds the rows of a snapshot, most of the cost of a load.
pub fn build_rows(subs: Vec<Submission>, policy: &Policy, now: Timestamp) -> Vec<QueueRow> {
    let facts = {
        let refs: Vec<&Submission> = subs.iter().collect();
        crate::domain::lint::queue_facts(&refs)
    };
    subs.into_iter()
        .zip(facts)
        .map(|(sub, facts)| QueueRow {
            assessment: assess(&sub, policy, now),
            search_text: sub.search_text(),
            facts,
            sub,
        })
        .collect()
}

/// What the database thread is asked to do.
#[derive(Debug)]
pub enum DbRequest {
    /// Load everything again (after a write, or on the analyst's request).
    Reload,
    /// Re-assess the loaded rows at a new instant (clocks move on).
    Reassess(Timestamp),
    /// Compose the emails of `items`: those their move sends, or their issue lists.
    PreviewMail {
        items: Vec<MoveItem>,
        ask: Option<MoveAsk>,
    },
    /// One email of the outbox, to read.
    ShowEmail(i64),
    /// A change to the queue, made as the console's analyst; the queue is reloaded after.
    Write(Write),
}

/// The writes the console asks of the workflow.
#[derive(Debug)]
pub enum Write {
    /// A batch move without email, version-checked and gated, in one transaction.
    Move(MoveAsk),
    Assign {
        items: Vec<MoveItem>,
        to: Option<String>,
    },
    Undo,
    /// Queue previewed emails, with their move, in one transaction.
    SendMail(Arc<MailPreview>),
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
}

/// What the workers report to the UI.
#[derive(Debug)]
pub enum WorkerEvent {
    Loaded {
        rows: Snapshot,
        /// When the rows were read: the console's clock must not lag the data it shows.
        at: Timestamp,
        took: Duration,
        /// True when another process's commit caused the load.
        external: bool,
    },
    DbError(String),
    /// The database file is damaged: the console turns read-only.
    Damaged(String),
    SearchDone(SearchResult),
    Moved {
        to: ReviewState,
        outcomes: Vec<MoveOutcome>,
        took: Duration,
    },
    Assigned {
        to: Option<String>,
        outcomes: Vec<AssignOutcome>,
    },
    Undone(UndoReport),
    MailPreview(Arc<MailPreview>),
    /// Emails queued (and the move that went with them).
    MailQueued {
        outcomes: Vec<MoveOutcome>,
        move_to: Option<ReviewState>,
        queued: usize,
    },
    /// A delivery round finished.
    Delivered(crate::mail::DeliveryReport),
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
    /// Everyone seen in the audit log, for the assign picker.
    Analysts(Vec<String>),
}

/// How often the database thread checks for other processes' commits.
pub const POLL: Duration = Duration::from_millis(1000);

/// Starts the database thread on an open store. It loads at once, then reloads whenever
/// `PRAGMA data_version` says another connection committed.
/// `as_of` pins the instant rows are assessed at (`--as-of`); writes are at the real time.
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
    let policy = Arc::new(wf.policy().clone());
    let mut seen_version = wf.store().data_version().ok();
    let load = |store: &Store, external: bool| -> Option<Snapshot> {
        if let Ok(names) = store.known_analysts() {
            let _ = events.send(WorkerEvent::Analysts(names));
        }
        if let Ok(outbox) = store.outbox() {
            let _ = events.send(WorkerEvent::Outbox(Arc::new(outbox)));
        }
        let started = Instant::now();
        match store.load_submissions() {
            Ok(subs) => {
                let at = as_of.unwrap_or_else(Timestamp::now);
                let rows: Snapshot = Arc::new(build_rows(subs, &policy, at));
                let ok = events.send(WorkerEvent::Loaded {
                    rows: rows.clone(),
                    at,
                    took: started.elapsed(),
                    external,
                });
                ok.is_ok().then_some(rows)
            }
            Err(e @ crate::store::StoreError::Damaged { .. }) => {
                let _ = events.send(WorkerEvent::Damaged(e.to_string()));
                None
            }
            Err(e) => {
                let _ = events.send(WorkerEvent::DbError(e.to_string()));
                None
            }
        }
    };
    let mut last = load(wf.store(), false);
    // Damage in pages the load did not read shows here, after the first frame.
    let damaged = match wf.store().quick_check() {
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
        let request = match rx.recv_timeout(POLL) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => {
                let v = wf.store().data_version().ok();
                if v != seen_version {
                    seen_version = v;
                    last = load(wf.store(), true).or(last);
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        match request {
            DbRequest::Reload => {}
            DbRequest::Reassess(now) => {
                if let Some(prev) = &last {
                    let rows: Vec<QueueRow> = prev
                        .iter()
                        .map(|r| QueueRow {
                            assessment: assess(&r.sub, &policy, now),
                            ..r.clone()
                        })
                        .collect();
                    let rows = Arc::new(rows);
                    let sent = events.send(WorkerEvent::Loaded {
                        rows: rows.clone(),
                        at: now,
                        took: Duration::ZERO,
                        external: false,
                    });
                    if sent.is_err() {
                        return;
                    }
                    last = Some(rows);
                }
                continue;
            }
            DbRequest::PreviewMail { items, ask } => {
                let preview = wf.preview_emails(&items, ask, Timestamp::now());
                let _ = events.send(WorkerEvent::MailPreview(Arc::new(preview)));
                continue;
            }
            DbRequest::ShowEmail(id) => {
                let _ = events.send(match wf.store().email_text(id) {
                    Ok(Some(text)) => WorkerEvent::Email { id, text },
                    Ok(None) => WorkerEvent::Notice(format!("email {id} is gone")),
                    Err(e) => WorkerEvent::DbError(e.to_string()),
                });
                continue;
            }
            DbRequest::Write(write) => {
                let (event, wakes_mailer) = run_write(&mut wf, write, analyst);
                let _ = events.send(event);
                if let (true, Some(m)) = (wakes_mailer, &mailer) {
                    let _ = m.send(());
                }
            }
        }
        // After a write (or a reload asked for): show the queue as it is now.
        seen_version = wf.store().data_version().ok();
        last = load(wf.store(), false).or(last);
        if events.is_closed() {
            return;
        }
    }
}

/// Runs one write through the workflow; the event for the UI, and whether mail was queued.
fn run_write(wf: &mut Workflow, write: Write, analyst: &str) -> (WorkerEvent, bool) {
    let now = Timestamp::now();
    match write {
        Write::Move(ask) => {
            let started = Instant::now();
            let event = match wf.move_submissions(&ask, analyst, now) {
                Ok(outcomes) => WorkerEvent::Moved {
                    to: ask.to,
                    outcomes,
                    took: started.elapsed(),
                },
                Err(e) => WorkerEvent::DbError(format!("the move was not made: {e}")),
            };
            (event, false)
        }
        Write::Assign { items, to } => {
            let event = match wf.assign(&items, to.as_deref(), analyst, now) {
                Ok(outcomes) => WorkerEvent::Assigned { to, outcomes },
                Err(e) => WorkerEvent::DbError(format!("nothing was assigned: {e}")),
            };
            (event, false)
        }
        Write::Undo => {
            let event = match wf.undo(analyst, now) {
                Ok(report) => WorkerEvent::Undone(report),
                Err(e) => WorkerEvent::DbError(format!("nothing was undone: {e}")),
            };
            (event, false)
        }
        Write::SendMail(preview) => {
            let event = match wf.send_emails(&preview, analyst, now) {
                Ok((outcomes, queued)) => WorkerEvent::MailQueued {
                    outcomes,
                    move_to: preview.move_to(),
                    queued: queued.len(),
                },
                Err(e) => WorkerEvent::DbError(format!("nothing was queued or moved: {e}")),
            };
            (event, true)
        }
        Write::EditIssues { id, edits } => {
            let result = wf
                .edit_issues(&id, &edits, analyst, now)
                .unwrap_or_else(|e| Err(e.to_string()));
            (WorkerEvent::IssuesSaved { id, result }, false)
        }
        Write::EditedIssues { list, edited } => {
            let changes = edited.and_then(|text| {
                list.changes(&text)
                    .map_err(|e| format!("{e}; nothing was changed"))
            });
            let id = list.id.clone();
            let event = match changes {
                Ok(edits) if edits.is_empty() => {
                    WorkerEvent::Notice(format!("{id}: issue list unchanged"))
                }
                Ok(edits) => WorkerEvent::IssuesSaved {
                    result: wf
                        .edit_issues(&id, &edits, analyst, now)
                        .unwrap_or_else(|e| Err(e.to_string())),
                    id,
                },
                Err(e) => WorkerEvent::IssuesSaved { id, result: Err(e) },
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
    }
}

/// A search to run over a snapshot.
pub struct SearchRequest {
    pub generation: u64,
    pub query: String,
    pub rows: Snapshot,
    /// When the query extends an earlier one, only that one's hits can match.
    pub candidates: Option<Arc<Vec<usize>>>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub generation: u64,
    pub query: String,
    /// Row indices, best match first.
    pub hits: Arc<Vec<usize>>,
    pub took: Duration,
}

/// Ranks rows for a query: the work of one search, also used by the benchmark.
pub fn run_search(req: &SearchRequest) -> SearchResult {
    let started = Instant::now();
    let mut scored: Vec<(i64, usize)> = match &req.candidates {
        Some(c) => {
            crate::search::score_parallel(c.len(), |k| &req.rows[c[k]].search_text, &req.query)
                .into_iter()
                .map(|(s, k)| (s, c[k]))
                .collect()
        }
        None => {
            crate::search::score_parallel(req.rows.len(), |i| &req.rows[i].search_text, &req.query)
        }
    };
    scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    SearchResult {
        generation: req.generation,
        query: req.query.clone(),
        hits: Arc::new(scored.into_iter().map(|(_, i)| i).collect()),
        took: started.elapsed(),
    }
}

/// Starts the search thread: it always runs the newest request and drops superseded ones.
pub fn spawn_search(events: UnboundedSender<WorkerEvent>) -> mpsc::Sender<SearchRequest> {
    let (tx, rx) = mpsc::channel::<SearchRequest>();
    thread::Builder::new()
        .name("oin-review-search".into())
        .spawn(move || {
            while let Ok(mut req) = rx.recv() {
                while let Ok(newer) = rx.try_recv() {
                    req = newer;
                }
                if events
                    .send(WorkerEvent::SearchDone(run_search(&req)))
                    .is_err()
                {
                    return;
                }
            }
        })
        .ok();
    tx
}

/// Starts the mail thread: a tokio runtime delivering due emails from the outbox through
/// its own database connection, woken after each queueing and every 15 s.
pub fn spawn_mailer(
    db: std::path::PathBuf,
    transport: crate::mail::Transport,
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
            let mut store = match Store::open(&db, &crate::store::OpenOptions::default()) {
                Ok(s) => s,
                Err(e) => {
                    let _ = events.send(WorkerEvent::DbError(format!("mail: {e}")));
                    return;
                }
            };
            loop {
                match rt.block_on(crate::mail::deliver_due(
                    &mut store,
                    &transport,
                    Timestamp::now(),
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
