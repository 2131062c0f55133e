//! Slow work off the render path: a database thread (loads, reloads when other processes
//! commit) and a search thread where the latest query wins.

use crate::domain::ReviewState;
use crate::domain::{Assessment, Policy, Submission, assess};
use crate::store::{AssignOutcome, MoveItem, MoveOutcome, MoveRequest, Store, UndoReport};
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
    /// How many submissions share its developer org (for the lint's per-org limit).
    pub org_submissions: usize,
}

impl QueueRow {
    /// The lint's findings now: computed for the rows on screen only.
    pub fn lint(&self, policy: &Policy) -> Vec<crate::domain::Finding> {
        crate::domain::policy::findings(&self.sub, policy, &self.assessment, self.org_submissions)
    }

    /// The issue list: lint findings with the analyst's decisions, plus their own.
    pub fn issues(&self, policy: &Policy) -> Vec<crate::domain::Issue> {
        crate::domain::findings::issue_list(&self.lint(policy), &self.sub.notes)
    }
}

pub type Snapshot = Arc<Vec<QueueRow>>;

/// Builds the rows of a snapshot, most of the cost of a load.
pub fn build_rows(subs: Vec<Submission>, policy: &Policy, now: Timestamp) -> Vec<QueueRow> {
    let orgs = crate::domain::lint::org_counts(subs.iter());
    subs.into_iter()
        .map(|sub| QueueRow {
            assessment: assess(&sub, policy, now),
            search_text: sub.search_text(),
            org_submissions: crate::domain::lint::org_count(&orgs, &sub),
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
    /// A batch move, version-checked, in one transaction.
    Move {
        items: Vec<MoveItem>,
        to: ReviewState,
        reason: Option<String>,
        analyst: String,
    },
    Assign {
        items: Vec<MoveItem>,
        to: Option<String>,
        analyst: String,
    },
    Undo {
        analyst: String,
    },
    /// Compose the issue-list emails of `items` (with the move to `move_to`, if any).
    PreviewMail {
        items: Vec<MoveItem>,
        move_to: Option<ReviewState>,
        reason: Option<String>,
    },
    /// Queue previewed emails, with their move, in one transaction.
    SendMail {
        preview: Arc<MailPreview>,
        analyst: String,
    },
    /// Save changes to one submission's issue list.
    EditIssues {
        id: String,
        edits: Vec<crate::domain::IssueEdit>,
        analyst: String,
    },
    /// Queue a failed email again.
    RetryEmail(i64),
}

/// Emails composed for the analyst to look at before they are queued.
#[derive(Debug)]
pub struct MailPreview {
    pub emails: Vec<crate::mail::Composed>,
    /// Submissions whose email could not be written, and why.
    pub errors: Vec<(String, String)>,
    /// The move that goes with the emails, and the items with the versions seen.
    pub move_to: Option<ReviewState>,
    pub items: Vec<MoveItem>,
    pub reason: Option<String>,
}

/// What composing needs: the `[mail]` config and the templates (or why they failed).
pub struct MailSetup {
    pub config: crate::config::MailConfig,
    pub templates: Result<crate::mail::Templates, String>,
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
    /// Everyone seen in the audit log, for the assign picker.
    Analysts(Vec<String>),
}

/// How often the database thread checks for other processes' commits.
pub const POLL: Duration = Duration::from_millis(1000);

/// Starts the database thread on an open store. It loads at once, then reloads whenever
/// `PRAGMA data_version` says another connection committed.
pub fn spawn_db(
    store: Store,
    policy: Arc<Policy>,
    mail: Arc<MailSetup>,
    events: UnboundedSender<WorkerEvent>,
    mailer: Option<mpsc::Sender<()>>,
) -> mpsc::Sender<DbRequest> {
    let (tx, rx) = mpsc::channel::<DbRequest>();
    thread::Builder::new()
        .name("oin-review-db".into())
        .spawn(move || db_loop(store, policy, mail, rx, events, mailer))
        .ok();
    tx
}

fn db_loop(
    mut store: Store,
    policy: Arc<Policy>,
    mail: Arc<MailSetup>,
    rx: mpsc::Receiver<DbRequest>,
    events: UnboundedSender<WorkerEvent>,
    mailer: Option<mpsc::Sender<()>>,
) {
    let mut seen_version = store.data_version().ok();
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
                let at = Timestamp::now();
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
    let mut last = load(&store, false);
    // Damage in pages the load did not read shows here, after the first frame.
    let damaged = match store.quick_check() {
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
        match rx.recv_timeout(POLL) {
            Ok(DbRequest::Reload) => {
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::Move {
                items,
                to,
                reason,
                analyst,
            }) => {
                let started = Instant::now();
                let result = store.move_submissions(&MoveRequest {
                    items: &items,
                    to,
                    reason: reason.as_deref(),
                    force: false,
                    all_or_nothing: false,
                    analyst: &analyst,
                    at: Timestamp::now(),
                });
                let ev = match result {
                    Ok(outcomes) => WorkerEvent::Moved {
                        to,
                        outcomes,
                        took: started.elapsed(),
                    },
                    Err(e) => WorkerEvent::DbError(format!("the move was not made: {e}")),
                };
                let _ = events.send(ev);
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::Assign { items, to, analyst }) => {
                let ev = match store.assign_submissions(
                    &items,
                    to.as_deref(),
                    &analyst,
                    Timestamp::now(),
                ) {
                    Ok(outcomes) => WorkerEvent::Assigned { to, outcomes },
                    Err(e) => WorkerEvent::DbError(format!("nothing was assigned: {e}")),
                };
                let _ = events.send(ev);
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::Undo { analyst }) => {
                let ev = match store.undo_last_batch(&analyst, Timestamp::now()) {
                    Ok(report) => WorkerEvent::Undone(report),
                    Err(e) => WorkerEvent::DbError(format!("nothing was undone: {e}")),
                };
                let _ = events.send(ev);
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::PreviewMail {
                items,
                move_to,
                reason,
            }) => {
                let preview = compose_previews(&store, &policy, &mail, items, move_to, reason);
                let _ = events.send(WorkerEvent::MailPreview(Arc::new(preview)));
            }
            Ok(DbRequest::SendMail { preview, analyst }) => {
                let emails: Vec<_> = preview.emails.iter().map(|c| c.to_new_email()).collect();
                let items: Vec<MoveItem> = preview
                    .items
                    .iter()
                    .filter(|i| emails.iter().any(|e| e.submission_id == i.id))
                    .cloned()
                    .collect();
                let default_reason = "issue list emailed".to_string();
                let req = preview.move_to.map(|to| MoveRequest {
                    items: &items,
                    to,
                    reason: Some(preview.reason.as_deref().unwrap_or(&default_reason)),
                    force: false,
                    all_or_nothing: false,
                    analyst: &analyst,
                    at: Timestamp::now(),
                });
                let ev = match store.queue_emails(&emails, req.as_ref(), &analyst, Timestamp::now())
                {
                    Ok((outcomes, queued)) => WorkerEvent::MailQueued {
                        outcomes,
                        move_to: preview.move_to,
                        queued: queued.len(),
                    },
                    Err(e) => WorkerEvent::DbError(format!("nothing was queued or moved: {e}")),
                };
                let _ = events.send(ev);
                if let Some(m) = &mailer {
                    let _ = m.send(());
                }
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::EditIssues { id, edits, analyst }) => {
                let result = match store.apply_issue_edits(&id, &edits, &analyst, Timestamp::now())
                {
                    Ok(Ok(())) => Ok(edits.len()),
                    Ok(Err(refused)) => Err(refused.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                let _ = events.send(WorkerEvent::IssuesSaved { id, result });
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::RetryEmail(id)) => {
                let ev = match store.retry_email(id, Timestamp::now()) {
                    Ok(true) => WorkerEvent::Notice(format!("email {id} queued again")),
                    Ok(false) => {
                        WorkerEvent::Notice(format!("email {id} was already sent or is gone"))
                    }
                    Err(e) => WorkerEvent::DbError(e.to_string()),
                };
                let _ = events.send(ev);
                if let Some(m) = &mailer {
                    let _ = m.send(());
                }
                seen_version = store.data_version().ok();
                last = load(&store, false).or(last);
            }
            Ok(DbRequest::Reassess(now)) => {
                if let Some(prev) = &last {
                    let rows: Vec<QueueRow> = prev
                        .iter()
                        .map(|r| QueueRow {
                            assessment: assess(&r.sub, &policy, now),
                            ..r.clone()
                        })
                        .collect();
                    let rows = Arc::new(rows);
                    if events
                        .send(WorkerEvent::Loaded {
                            rows: rows.clone(),
                            at: now,
                            took: Duration::ZERO,
                            external: false,
                        })
                        .is_err()
                    {
                        return;
                    }
                    last = Some(rows);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let v = store.data_version().ok();
                if v != seen_version {
                    seen_version = v;
                    last = load(&store, true).or(last);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if events.is_closed() {
            return;
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

/// Composes the email of each item from fresh data (the analyst sees what will be sent).
fn compose_previews(
    store: &Store,
    policy: &Policy,
    mail: &MailSetup,
    items: Vec<MoveItem>,
    move_to: Option<ReviewState>,
    reason: Option<String>,
) -> MailPreview {
    let mut emails = Vec::new();
    let mut errors = Vec::new();
    match &mail.templates {
        Err(e) => errors.extend(items.iter().map(|i| (i.id.clone(), e.clone()))),
        Ok(templates) => {
            for item in &items {
                let composed = (|| -> Result<crate::mail::Composed, String> {
                    let sub = store
                        .submission(&item.id)
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| "no longer in the queue".to_string())?;
                    let org = store
                        .org_submission_count(sub.dev_org.as_deref())
                        .map_err(|e| e.to_string())?;
                    let now = Timestamp::now();
                    let lint = crate::domain::policy::findings(
                        &sub,
                        policy,
                        &assess(&sub, policy, now),
                        org,
                    );
                    let thread = store
                        .thread_message_ids(&sub.id)
                        .map_err(|e| e.to_string())?;
                    crate::mail::compose(
                        &crate::mail::Draft {
                            sub: &sub,
                            lint: &lint,
                            state_after: move_to.unwrap_or(sub.state),
                            thread,
                            now,
                        },
                        &mail.config,
                        templates,
                    )
                    .map_err(|e| e.to_string())
                })();
                match composed {
                    Ok(c) => emails.push(c),
                    Err(e) => errors.push((item.id.clone(), e)),
                }
            }
        }
    }
    MailPreview {
        emails,
        errors,
        move_to,
        items,
        reason,
    }
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
