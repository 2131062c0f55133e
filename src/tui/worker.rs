//! Slow work off the render path: a database thread (loads, reloads when other processes
//! commit) and a search thread where the latest query wins.

use crate::domain::ReviewState;
use crate::domain::{Assessment, Policy, Submission, assess};
use crate::search::Matcher;
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
}

pub type Snapshot = Arc<Vec<QueueRow>>;

/// Builds the rows of a snapshot, most of the cost of a load.
pub fn build_rows(subs: Vec<Submission>, policy: &Policy, now: Timestamp) -> Vec<QueueRow> {
    subs.into_iter()
        .map(|sub| QueueRow {
            assessment: assess(&sub, policy, now),
            search_text: sub.search_text(),
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
    events: UnboundedSender<WorkerEvent>,
) -> mpsc::Sender<DbRequest> {
    let (tx, rx) = mpsc::channel::<DbRequest>();
    thread::Builder::new()
        .name("oin-review-db".into())
        .spawn(move || db_loop(store, policy, rx, events))
        .ok();
    tx
}

fn db_loop(
    mut store: Store,
    policy: Arc<Policy>,
    rx: mpsc::Receiver<DbRequest>,
    events: UnboundedSender<WorkerEvent>,
) {
    let mut seen_version = store.data_version().ok();
    let load = |store: &Store, external: bool| -> Option<Snapshot> {
        if let Ok(names) = store.known_analysts() {
            let _ = events.send(WorkerEvent::Analysts(names));
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
            Err(e) => {
                let _ = events.send(WorkerEvent::DbError(e.to_string()));
                None
            }
        }
    };
    let mut last = load(&store, false);
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
    let matcher = Matcher::default();
    let mut scored: Vec<(i64, usize)> = match &req.candidates {
        Some(c) => c
            .iter()
            .filter_map(|&i| {
                matcher
                    .score(&req.rows[i].search_text, &req.query)
                    .map(|s| (s, i))
            })
            .collect(),
        None => req
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| matcher.score(&r.search_text, &req.query).map(|s| (s, i)))
            .collect(),
    };
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
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
