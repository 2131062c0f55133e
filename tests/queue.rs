//! The queue projection's table through the store: every write keeps each line equal to a
//! projection of the submission as stored (moves, undo, assignments, imports, tester
//! results, emails), a changed policy rebuilds it once, a writer without the policy leaves
//! it for the next one to rebuild, and readers see only what changed since they looked.

mod common;

use common::{SAMPLES, Sandbox};
use jiff::{SignedDuration, Timestamp};
use oin_review::domain::state::Holder;
use oin_review::domain::{Policy, QueueLine, ReviewState, Submission, TestRun};
use oin_review::exchange::parse_submissions;
use oin_review::store::{
    LineFilter, MoveAsk, MoveItem, MoveRequest, OpenOptions, Store, line_as_of,
};
use proptest::prelude::*;
use std::sync::Arc;

fn policy() -> Arc<Policy> {
    Arc::new(
        oin_review::config::policy_from_text(
            std::path::Path::new("policy.toml"),
            oin_review::config::BUILTIN_POLICY,
        )
        .unwrap(),
    )
}

fn opts(policy: &Arc<Policy>) -> OpenOptions {
    OpenOptions {
        create: true,
        policy: Some(policy.clone()),
        ..OpenOptions::default()
    }
}

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn samples() -> Vec<Submission> {
    parse_submissions("samples.json", SAMPLES.as_bytes()).unwrap()
}

/// Every line of the table, by id, next to a projection of the submission as stored: as
/// kept in the table (read after every event), and as read at `at` (recomputed from the
/// history for the lines with events after `at`).
/// A queue of the samples, imported at `now()`.
fn sample_store(sb: &Sandbox, p: &Arc<Policy>) -> Store {
    let mut store = Store::open(&sb.db(), &opts(p)).unwrap();
    store
        .import_submissions(&samples(), "tester", now(), "samples.json")
        .unwrap();
    store
}

fn assert_lines_match_history(store: &Store, policy: &Policy, at: Timestamp) {
    let subs = store.load_submissions().unwrap();
    for (when, fresh) in [
        (
            far(),
            subs.iter()
                .map(|s| QueueLine::of(s, policy))
                .collect::<Vec<_>>(),
        ),
        (
            at,
            subs.iter()
                .filter_map(|s| line_as_of(s, policy, at))
                .collect::<Vec<_>>(),
        ),
    ] {
        let mut lines = store.lines(&LineFilter::default(), when).unwrap().lines;
        lines.sort_by(|a, b| a.id().cmp(b.id()));
        assert_eq!(lines.len(), subs.len(), "one line per submission");
        for (line, fresh) in lines.iter().zip(&fresh) {
            assert_eq!(line, fresh, "{} at {when}", fresh.id());
        }
    }
    // A search (`list --query`) scores the search text kept on each row: each submission's,
    // once each; only the lines it scores come, each with its own score, the same lines a
    // whole read gives (recomputed at `at` alike).
    for when in [far(), at] {
        let (mut texts, mut passed) = common::scored_read(store, when, |t| {
            t.len().is_multiple_of(2).then_some(t.len() as u32)
        });
        texts.sort();
        let mut want: Vec<String> = subs.iter().map(|s| s.search_text()).collect();
        want.sort();
        assert_eq!(texts, want, "every search text, once");
        let mut whole = store.lines(&LineFilter::default(), when).unwrap().lines;
        whole.retain(|l| l.search_text().len().is_multiple_of(2));
        whole.sort_by(|a, b| a.id().cmp(b.id()));
        passed.sort_by(|a, b| a.0.id().cmp(b.0.id()));
        assert!(!passed.is_empty() && passed.len() < subs.len());
        for ((line, score), want) in passed.iter().zip(&whole) {
            assert_eq!(line, want);
            assert_eq!(*score as usize, line.search_text().len(), "{}", line.id());
        }
        assert_eq!(passed.len(), whole.len());
    }
}

/// After every event of the tests.
fn far() -> Timestamp {
    "2030-01-01T00:00:00Z".parse().unwrap()
}

fn ids(store: &Store, state: ReviewState) -> Vec<MoveItem> {
    store
        .load_submissions()
        .unwrap()
        .into_iter()
        .filter(|s| s.state == state)
        .map(|s| MoveItem::new(s.id))
        .collect()
}

#[test]
fn every_kind_of_write_keeps_the_lines_equal_to_the_history() {
    let sb = Sandbox::new();
    let p = policy();
    let mut store = sample_store(&sb, &p);
    assert_lines_match_history(&store, &p, now());

    let at = now() + SignedDuration::from_hours(3);
    let initial = ids(&store, ReviewState::InitialReview);
    assert!(initial.len() > 3);
    store
        .move_submissions(&MoveRequest::new(
            MoveAsk::new(initial.to_vec(), ReviewState::IsvReview),
            "asha",
            at,
        ))
        .unwrap();
    assert_lines_match_history(&store, &p, at);
    // Back to review: the paused clocks resume, carried on from the lines.
    let back = ids(&store, ReviewState::IsvReview);
    store
        .move_submissions(&MoveRequest::new(
            MoveAsk::new(back.to_vec(), ReviewState::InitialReview),
            "asha",
            at + SignedDuration::from_hours(30),
        ))
        .unwrap();
    assert_lines_match_history(&store, &p, at + SignedDuration::from_hours(30));
    // An undo: only the history says what it restores.
    store
        .undo_last_batch("asha", at + SignedDuration::from_hours(31))
        .unwrap();
    assert_lines_match_history(&store, &p, at + SignedDuration::from_hours(31));
    // Assignments, tester results, a promise, a re-import.
    store
        .assign_submissions(&initial[..2], Some("bea"), "bea", at)
        .unwrap();
    let run: TestRun = serde_json::from_value(serde_json::json!({
        "instance": "x", "protocol": "saml", "test_case": "idp_flow", "result": "passed",
        "run_at": (at + SignedDuration::from_hours(32)).to_string()
    }))
    .unwrap();
    store
        .import_test_results(&[(initial[0].id.clone(), run)])
        .unwrap();
    let mut again = samples();
    again[0].app_name = "Renamed App".into();
    store
        .import_submissions(&again[..1], "tester", at, "again.json")
        .unwrap();
    assert_lines_match_history(&store, &p, at + SignedDuration::from_hours(33));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random batches of moves (any target, forced or not, some undone) through the store.
    #[test]
    fn random_batches_keep_the_lines_equal_to_the_history(
        steps in prop::collection::vec((0usize..7, any::<bool>(), 0i64..(48 * 60), prop::bool::weighted(0.2)), 1..8),
    ) {
        let sb = Sandbox::new();
        let p = policy();
        let mut store = Store::open(&sb.db(), &opts(&p)).unwrap();
        store.import_submissions(&samples(), "tester", now(), "samples.json").unwrap();
        let all: Vec<MoveItem> = samples().into_iter().map(|s| MoveItem::new(s.id)).collect();
        let mut at = now();
        for (k, (to, force, gap, undo)) in steps.into_iter().enumerate() {
            at += SignedDuration::from_mins(gap + 1);
            if undo {
                store.undo_last_batch("asha", at).unwrap();
            } else {
                let items: Vec<MoveItem> = all.iter().skip(k % 3).step_by(2).cloned().collect();
                store.move_submissions(&MoveRequest::new(MoveAsk {
                    force,
                    reason: Some("test".into()),
                    ..MoveAsk::new(items.to_vec(), ReviewState::ALL[to])
                }, "asha", at)).unwrap();
            }
            assert_lines_match_history(&store, &p, at);
        }
    }
}

#[test]
fn the_first_page_comes_in_sla_order_from_the_index() {
    let sb = Sandbox::new();
    let p = policy();
    let store = sample_store(&sb, &p);
    let top = store.top_lines(Some(Holder::Oin), 5, now()).unwrap();
    let mut all: Vec<QueueLine> = store
        .lines(&LineFilter::default(), now())
        .unwrap()
        .lines
        .into_iter()
        .filter(|l| l.state.holder() == Holder::Oin)
        .collect();
    all.sort_by(|a, b| a.urgency().cmp(&b.urgency()).then(a.id().cmp(b.id())));
    let want: Vec<&str> = all.iter().take(5).map(|l| l.id()).collect();
    assert_eq!(top.iter().map(|l| l.id()).collect::<Vec<_>>(), want);
    // The plan reads the urgency index, not the whole table.
    let plan: String = rusqlite::Connection::open(sb.db())
        .unwrap()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT app_name FROM submissions
             WHERE holder = 'oin' ORDER BY urgency, urgency_key, id LIMIT 40",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .join("; ");
    assert!(plan.contains("queue_by_urgency"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
}

#[test]
fn readers_of_id_ranges_read_every_line_once_in_id_order() {
    let sb = Sandbox::new();
    let p = policy();
    let store = sample_store(&sb, &p);
    let ids_of = |filter: &LineFilter| -> Vec<String> {
        store
            .lines(filter, far())
            .unwrap()
            .lines
            .iter()
            .map(|l| l.id().to_string())
            .collect()
    };
    let all = ids_of(&LineFilter::default());
    assert!(all.len() > 20);
    for n in [2, 3] {
        let ranges = store.split_ids(n).unwrap();
        assert_eq!(ranges.len(), n);
        let mut parts: Vec<String> = ranges
            .into_iter()
            .flat_map(|ids| {
                ids_of(&LineFilter {
                    ids,
                    ..LineFilter::default()
                })
            })
            .collect();
        assert_eq!(
            parts, all,
            "{n} id ranges in order are the whole read, in id order"
        );
        parts.dedup();
        assert_eq!(parts.len(), all.len());
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "a whole read is in id order");
}

#[test]
fn readers_read_again_only_what_changed() {
    let sb = Sandbox::new();
    let p = policy();
    let store = sample_store(&sb, &p);
    let seen = store.lines(&LineFilter::default(), now()).unwrap();
    assert_eq!(seen.seq, store.queue_seq().unwrap());
    // A colleague moves two items (another connection, as another process would).
    let mut colleague = Store::open(&sb.db(), &opts(&p)).unwrap();
    let two = &ids(&colleague, ReviewState::InitialReview)[..2];
    colleague
        .move_submissions(&MoveRequest::new(
            MoveAsk::new(two.to_vec(), ReviewState::IsvReview),
            "bea",
            now(),
        ))
        .unwrap();
    let changed = store
        .lines(
            &LineFilter {
                after_seq: Some(seen.seq),
                ..LineFilter::default()
            },
            now(),
        )
        .unwrap();
    let mut got: Vec<&str> = changed.lines.iter().map(|l| l.id()).collect();
    got.sort();
    let mut want: Vec<&str> = two.iter().map(|i| i.id.as_str()).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(changed.seq > seen.seq);
    assert!(
        changed
            .lines
            .iter()
            .all(|l| l.state == ReviewState::IsvReview)
    );
}

/// The queue's record of its projection, read from the file: the fingerprint of the
/// policy its lines were built under ("stale" once a writer without it changed a line), and
/// how many whole rebuilds it has logged (each tells every reader to read everything again).
fn projection_record(sb: &Sandbox) -> (String, i64) {
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    let built_under: String = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'queue_policy'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let rebuilds: i64 = c
        .query_row("SELECT count(*) FROM queue_log WHERE ids = '*'", [], |r| {
            r.get(0)
        })
        .unwrap();
    (built_under, rebuilds)
}

#[test]
fn a_changed_policy_rebuilds_the_lines_once_and_a_writer_without_it_leaves_them_stale() {
    use oin_review::domain::projection::fingerprint;
    let sb = Sandbox::new();
    let p = policy();
    let store = sample_store(&sb, &p);
    drop(store);
    let (built_under, built) = projection_record(&sb);
    assert_eq!(built_under, fingerprint(&p));
    // A policy with other targets: the lines follow it as soon as it opens the queue,
    // rebuilt once; opening it again under that policy rebuilds nothing.
    let mut other = (*p).clone();
    other.sla.initial_review /= 2;
    let other = Arc::new(other);
    assert_ne!(fingerprint(&other), fingerprint(&p));
    let store = Store::open(&sb.db(), &opts(&other)).unwrap();
    assert_eq!(
        projection_record(&sb),
        (fingerprint(&other), built + 1),
        "one rebuild under the new policy"
    );
    assert_lines_match_history(&store, &other, now());
    drop(store);
    let store = Store::open(&sb.db(), &opts(&other)).unwrap();
    assert_lines_match_history(&store, &other, now());
    assert_eq!(
        projection_record(&sb),
        (fingerprint(&other), built + 1),
        "the same policy again rebuilds nothing"
    );
    // A process without the policy writes: the line it changed goes, the others stay, the
    // table is marked stale, and nothing is rebuilt. A reader under the policy sees that
    // its lines no longer follow it.
    let mut bare = Store::open(&sb.db(), &OpenOptions::default()).unwrap();
    let one = &ids(&bare, ReviewState::InitialReview)[..1];
    bare.move_submissions(&MoveRequest::new(
        MoveAsk::new(one.to_vec(), ReviewState::IsvReview),
        "x",
        now(),
    ))
    .unwrap();
    drop(bare);
    assert_eq!(
        projection_record(&sb),
        ("stale".to_string(), built + 1),
        "left stale, not rebuilt"
    );
    assert!(!store.lines_current().unwrap(), "the reader is told");
    drop(store);
    let unprojected: Vec<String> = {
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        let mut stmt = c
            .prepare("SELECT id FROM submissions WHERE holder IS NULL AND runs IS NULL")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        unprojected,
        [one[0].id.clone()],
        "only the changed line went"
    );
    // The next opener with a policy rebuilds, once.
    let store = Store::open(&sb.db(), &opts(&p)).unwrap();
    assert_eq!(
        projection_record(&sb),
        (fingerprint(&p), built + 2),
        "the next opener rebuilt"
    );
    assert_lines_match_history(&store, &p, now());
}

#[test]
fn at_an_instant_before_the_latest_event_lines_are_recomputed_from_history() {
    let sb = Sandbox::new();
    let p = policy();
    let mut store = sample_store(&sb, &p);
    let later = now() + SignedDuration::from_hours(50);
    let items = ids(&store, ReviewState::InitialReview);
    store
        .move_submissions(&MoveRequest::new(
            MoveAsk::new(items.to_vec(), ReviewState::QaTesting),
            "asha",
            later,
        ))
        .unwrap();
    // Between the import and the move, the items were still in initial review's clock.
    let then = now() + SignedDuration::from_hours(10);
    let lines = store.lines(&LineFilter::default(), then).unwrap().lines;
    for sub in store.load_submissions().unwrap() {
        let line = lines.iter().find(|l| l.id() == sub.id).unwrap();
        let a = oin_review::domain::assess(&sub, &p, then);
        let b = oin_review::domain::projection::business_clock(&p.sla, then);
        assert_eq!(
            line.clock_at(b),
            a.current_clock().map(oin_review::domain::ClockNow::from),
            "{}",
            sub.id
        );
    }
}

/// One generated submission: its id and its moves (state, minutes after the window's start).
type Walk = (String, Vec<(ReviewState, i64)>);

/// The import JSON of `walk` with only the moves at or before `until` (none: `None`).
fn walk_json(walk: &Walk, start: Timestamp, until: Option<Timestamp>) -> Option<serde_json::Value> {
    let (id, moves) = walk;
    let at = |m: i64| start + SignedDuration::from_mins(m);
    let kept: Vec<&(ReviewState, i64)> = moves
        .iter()
        .filter(|(_, m)| until.is_none_or(|u| at(*m) <= u))
        .collect();
    let last = kept.last()?;
    let mut s = common::passing_json(id, &at(moves[0].1).to_string());
    s["state"] = serde_json::json!(last.0.key());
    s["history"] = kept
        .iter()
        .map(|(state, m)| serde_json::json!({"to": state.key(), "at": at(*m).to_string(), "by": "ana"}))
        .collect();
    Some(s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10))]

    /// Issue 27, point 2: `list --as-of T` on a queue with random histories lists exactly
    /// what a queue that only ever saw the moves up to T lists at T: the same ids in the same
    /// order, each with the same state, assignee, SLA clocks and evidence (the whole JSON
    /// object). The second queue's lines are its stored projections (nothing happened after
    /// T), so the two answers come by different roads.
    #[test]
    fn list_as_of_is_the_queue_that_saw_only_the_moves_until_then(
        walks in prop::collection::vec(
            (0i64..(10 * 24 * 60), prop::collection::vec((0usize..7, 30i64..(3 * 24 * 60)), 0..7)),
            1..6,
        ),
        instants in prop::collection::vec(0i64..(30 * 24 * 60), 2),
    ) {
        let start: Timestamp = "2026-11-02T08:00:00Z".parse().unwrap();
        // Each walk starts in draft or initial review and takes allowed moves only.
        let walks: Vec<Walk> = walks
            .into_iter()
            .enumerate()
            .map(|(i, (first, steps))| {
                let mut state = if first % 2 == 0 { ReviewState::InitialReview } else { ReviewState::Draft };
                let mut at = first;
                let mut moves = vec![(state, at)];
                for (pick, gap) in steps {
                    let targets: Vec<ReviewState> = ReviewState::ALL
                        .into_iter()
                        .filter(|t| state.can_move_to(*t))
                        .collect();
                    if targets.is_empty() {
                        break;
                    }
                    state = targets[pick % targets.len()];
                    at += gap;
                    moves.push((state, at));
                }
                (format!("ASOF-{i}"), moves)
            })
            .collect();
        let full = Sandbox::new();
        full.import_values(&walks.iter().filter_map(|w| walk_json(w, start, None)).collect::<Vec<_>>());
        let listed = |sb: &Sandbox, at: &str| -> Vec<serde_json::Value> {
            serde_json::from_str(&sb.ok(&["list", "--as-of", at, "--format", "json"])).unwrap()
        };
        for minutes in instants {
            let t = start + SignedDuration::from_mins(minutes);
            let then: Vec<serde_json::Value> =
                walks.iter().filter_map(|w| walk_json(w, start, Some(t))).collect();
            let expected = if then.is_empty() {
                Vec::new()
            } else {
                let partial = Sandbox::new();
                partial.import_values(&then);
                listed(&partial, &t.to_string())
            };
            let got = listed(&full, &t.to_string());
            let ids = |v: &[serde_json::Value]| -> Vec<String> {
                v.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
            };
            prop_assert_eq!(ids(&got), ids(&expected), "at {}", t);
            for (g, e) in got.iter().zip(&expected) {
                prop_assert_eq!(g, e, "{} at {}", g["id"], t);
            }
        }
    }
}
