//! The queue database through the store: schema, audit log, concurrency, atomicity.

mod common;

use common::{SAMPLES, Sandbox};
use jiff::Timestamp;
use oin_review::domain::{EventKind, ReviewState, Submission};
use oin_review::exchange::parse_submissions;
use oin_review::store::{
    MoveAsk, MoveItem, MoveRefused, MoveRequest, OpenOptions, Store, StoreError,
};
use std::os::unix::fs::PermissionsExt;

fn create() -> OpenOptions {
    OpenOptions {
        create: true,
        ..OpenOptions::default()
    }
}

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn samples() -> Vec<Submission> {
    parse_submissions("samples.json", SAMPLES.as_bytes()).unwrap()
}

fn seeded(sb: &Sandbox) -> Store {
    let mut store = Store::open(&sb.db(), &create()).unwrap();
    store
        .import_submissions(&samples(), "tester", now(), "samples.json")
        .unwrap();
    store
}

fn request<'a>(items: &'a [MoveItem], to: ReviewState) -> MoveRequest<'a> {
    MoveRequest::new(MoveAsk::new(items.to_vec(), to), "asha", now())
}

#[test]
fn new_database_is_private_and_migrated() {
    let sb = Sandbox::new();
    let db = sb.path("nested/dir/queue.db");
    let store = Store::open(&db, &create()).unwrap();
    assert_eq!(store.count_submissions().unwrap(), 0);
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database must be readable by its owner only");
    drop(store);
    // Reopening an up-to-date database works and keeps it.
    let store = Store::open(&db, &OpenOptions::default()).unwrap();
    assert_eq!(store.count_submissions().unwrap(), 0);
}

#[test]
fn missing_database_is_not_created_without_asking() {
    let sb = Sandbox::new();
    let err = Store::open(&sb.db(), &OpenOptions::default())
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::NotFound(_)));
    assert!(err.to_string().contains("oin-review demo"));
    assert!(!sb.db().exists());
}

#[test]
fn foreign_and_broken_files_are_refused_untouched() {
    let sb = Sandbox::new();
    let text = sb.write(
        "notes.db",
        "this is not a database, just some notes\n".repeat(200),
    );
    let before = std::fs::read(&text).unwrap();
    let err = Store::open(&text, &OpenOptions::default()).err().unwrap();
    assert!(matches!(err, StoreError::NotADatabase(_)), "{err}");
    assert_eq!(std::fs::read(&text).unwrap(), before);

    let other = sb.path("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);")
            .unwrap();
    }
    let before = std::fs::read(&other).unwrap();
    let err = Store::open(&other, &OpenOptions::default()).err().unwrap();
    assert!(matches!(err, StoreError::Foreign(_)), "{err}");
    assert!(err.to_string().contains("not an oin-review queue"));
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn newer_schema_is_refused_untouched() {
    let sb = Sandbox::new();
    drop(Store::open(&sb.db(), &create()).unwrap());
    {
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        c.execute_batch("PRAGMA user_version = 99;").unwrap();
    }
    let before = std::fs::read(sb.db()).unwrap();
    let err = Store::open(&sb.db(), &OpenOptions::default())
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade oin-review"));
    assert_eq!(std::fs::read(sb.db()).unwrap(), before);
}

#[test]
fn import_keeps_every_field_and_history() {
    let sb = Sandbox::new();
    let store = seeded(&sb);
    let loaded = store.load_submissions().unwrap();
    let mut expected = samples();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(loaded.len(), expected.len());
    for (got, want) in loaded.iter().zip(&expected) {
        let mut got = got.clone();
        got.version = 0;
        // Imported history gets `from` filled in from the entry before it.
        let mut want = want.clone();
        let mut prev = None;
        for h in &mut want.history {
            h.from = h.from.or(prev);
            prev = Some(h.to);
        }
        if let Some(a) = want.test_account.as_mut() {
            a.password_set = a.password.is_some();
        }
        // An update that names one published app is linked to it at import (issue 26).
        if want.id == "OIN-2026-0130" {
            want.supersedes = Some("OIN-2026-0135".into());
        }
        assert_eq!(got, want, "{} round trip through the store", want.id);
    }
}

#[test]
fn every_move_writes_an_event_and_bumps_the_version() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let before = store.submission("OIN-2026-0142").unwrap().unwrap();
    let items = [MoveItem::new("OIN-2026-0142")];
    let out = store
        .move_submissions(&MoveRequest::new(
            MoveAsk {
                reason: Some("initial review passed".into()),
                ..MoveAsk::new(items.to_vec(), ReviewState::QaTesting)
            },
            "asha",
            now(),
        ))
        .unwrap();
    let moved = out[0].result.as_ref().unwrap();
    assert_eq!(
        (moved.from, moved.to, moved.forced),
        (ReviewState::InitialReview, ReviewState::QaTesting, false)
    );
    let after = store.submission("OIN-2026-0142").unwrap().unwrap();
    assert_eq!(after.state, ReviewState::QaTesting);
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.history.len(), before.history.len() + 1);
    let last = after.history.last().unwrap();
    assert_eq!(last.from, Some(ReviewState::InitialReview));
    assert_eq!(last.to, ReviewState::QaTesting);
    assert_eq!(last.by, "asha");
    assert_eq!(last.reason.as_deref(), Some("initial review passed"));
    assert_eq!(last.kind, EventKind::Move);
    assert!(!last.forced);
}

#[test]
fn forced_correction_is_recorded_as_forced() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let items = [MoveItem::new("OIN-2026-0142")];
    let out = store
        .move_submissions(&MoveRequest::new(
            MoveAsk {
                force: true,
                reason: Some("ISV withdrew the submission".into()),
                ..MoveAsk::new(items.to_vec(), ReviewState::Draft)
            },
            "asha",
            now(),
        ))
        .unwrap();
    assert!(out[0].result.as_ref().unwrap().forced);
    let last = store
        .submission("OIN-2026-0142")
        .unwrap()
        .unwrap()
        .history
        .pop()
        .unwrap();
    assert!(last.forced);
    assert_eq!(last.reason.as_deref(), Some("ISV withdrew the submission"));
}

#[test]
fn partial_batch_moves_the_valid_and_refuses_the_rest() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    // 0142 initial_review (ok), 0101 draft (not allowed), NOPE unknown.
    let items: Vec<MoveItem> = ["OIN-2026-0142", "OIN-2026-0101", "NOPE"]
        .into_iter()
        .map(MoveItem::new)
        .collect();
    let out = store
        .move_submissions(&request(&items, ReviewState::QaTesting))
        .unwrap();
    assert!(out[0].result.is_ok());
    assert!(matches!(out[1].result, Err(MoveRefused::Rule(_))));
    assert_eq!(out[2].result, Err(MoveRefused::UnknownId));
    assert_eq!(
        store.submission("OIN-2026-0142").unwrap().unwrap().state,
        ReviewState::QaTesting
    );
    assert_eq!(
        store.submission("OIN-2026-0101").unwrap().unwrap().state,
        ReviewState::Draft
    );
}

#[test]
fn all_or_nothing_batch_changes_nothing_when_one_is_refused() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let before = store.load_submissions().unwrap();
    let items: Vec<MoveItem> = ["OIN-2026-0142", "OIN-2026-0102", "OIN-2026-0101"]
        .into_iter()
        .map(MoveItem::new)
        .collect();
    let out = store
        .move_submissions(&MoveRequest::new(
            MoveAsk {
                all_or_nothing: true,
                ..MoveAsk::new(items.to_vec(), ReviewState::QaTesting)
            },
            "asha",
            now(),
        ))
        .unwrap();
    assert_eq!(out[0].result, Err(MoveRefused::NotApplied(1)));
    assert_eq!(out[1].result, Err(MoveRefused::NotApplied(1)));
    assert!(matches!(out[2].result, Err(MoveRefused::Rule(_))));
    assert_eq!(
        store.load_submissions().unwrap(),
        before,
        "nothing may change"
    );
}

#[test]
fn a_stale_version_is_a_conflict_that_names_who_changed_it() {
    let sb = Sandbox::new();
    let mut mine = seeded(&sb);
    let mut theirs = Store::open(&sb.db(), &OpenOptions::default()).unwrap();
    let seen = mine.submission("OIN-2026-0142").unwrap().unwrap();
    // A colleague moves it first, from another connection.
    let items = [MoveItem::new("OIN-2026-0142")];
    let out = theirs
        .move_submissions(&MoveRequest::new(
            MoveAsk::new(items.to_vec(), ReviewState::IsvReview),
            "ben",
            now(),
        ))
        .unwrap();
    assert!(out[0].result.is_ok());
    // My move was based on the version I loaded: refused, nothing written.
    let items = [MoveItem {
        id: seen.id.clone(),
        expected_version: Some(seen.version),
    }];
    let out = mine
        .move_submissions(&request(&items, ReviewState::QaTesting))
        .unwrap();
    match &out[0].result {
        Err(MoveRefused::Conflict { by, state, .. }) => {
            assert_eq!(by, "ben");
            assert_eq!(*state, ReviewState::IsvReview);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = mine.submission("OIN-2026-0142").unwrap().unwrap();
    assert_eq!(now.state, ReviewState::IsvReview);
    assert_eq!(now.history.last().unwrap().by, "ben");
}

#[test]
fn the_audit_log_cannot_be_rewritten() {
    let sb = Sandbox::new();
    drop(seeded(&sb));
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    let upd = c.execute("UPDATE events SET analyst = 'mallory'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = c.execute("DELETE FROM events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn reimport_is_an_upsert_that_keeps_history_and_passwords() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let mut subs = samples();
    let acme = subs.iter_mut().find(|s| s.id == "OIN-2026-0142").unwrap();
    acme.app_name = "Acme Expense 2".into();
    // As in an export without secrets: the password is left out.
    acme.test_account.as_mut().unwrap().password = None;
    let summary = store
        .import_submissions(&subs, "tester", now(), "again.json")
        .unwrap();
    assert_eq!(summary.inserted, 0);
    assert_eq!(summary.updated, subs.len());
    assert_eq!(summary.events_added, 0, "known history is not duplicated");
    let acme = store.submission("OIN-2026-0142").unwrap().unwrap();
    assert_eq!(acme.app_name, "Acme Expense 2");
    assert_eq!(
        acme.test_account.unwrap().password.unwrap().expose(),
        "s3cret",
        "an omitted password leaves the stored one"
    );
}

#[test]
fn import_that_changes_state_records_an_import_event() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let mut acme = store.submission("OIN-2026-0142").unwrap().unwrap();
    acme.state = ReviewState::QaTesting;
    acme.history.clear();
    store
        .import_submissions(&[acme], "tester", now(), "fix.json")
        .unwrap();
    let acme = store.submission("OIN-2026-0142").unwrap().unwrap();
    let last = acme.history.last().unwrap();
    assert_eq!(last.kind, EventKind::Import);
    assert_eq!(last.from, Some(ReviewState::InitialReview));
    assert_eq!(last.to, ReviewState::QaTesting);
    assert_eq!(last.reason.as_deref(), Some("imported from fix.json"));
}

#[test]
fn the_whole_queue_reads_the_same_as_each_submission_alone() {
    // load_submissions reads history on a second connection in parallel; each submission
    // read alone goes through one connection. Both must give the same submissions.
    let sb = Sandbox::new();
    let out = sb.run(&["demo", "--rows", "400", "--no-open"]);
    assert!(out.status.success(), "{}", common::text(&out).1);
    sb.ok(&[
        "move",
        "--to",
        "isv_review",
        "OIN-2026-0116",
        "OIN-2026-0142",
    ]);
    sb.ok(&["move", "--to", "initial_review", "OIN-2026-0116"]);
    let store = Store::open(&sb.db(), &OpenOptions::default()).unwrap();
    let all = store.load_submissions().unwrap();
    assert_eq!(all.len(), 433);
    let events: usize = all.iter().map(|s| s.history.len()).sum();
    assert!(events > 1000, "{events}");
    for s in &all {
        let alone = store.submission(&s.id).unwrap().unwrap();
        assert_eq!(&alone, s, "{}", s.id);
        assert_eq!(
            s.history.last().map(|e| e.to),
            Some(s.state),
            "{}: history ends in the state",
            s.id
        );
    }
}
