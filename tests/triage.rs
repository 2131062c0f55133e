//! Moving, assigning and undoing, safely while colleagues work the same queue.

mod common;

use common::{SAMPLES, Sandbox, sample_app, text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use oin_review::domain::{EventKind, ReviewState};
use oin_review::exchange::parse_submissions;
use oin_review::store::{MoveAsk, MoveItem, MoveRefused, MoveRequest, OpenOptions, Store};
use oin_review::tui::app::{Action, App, Msg};
use oin_review::tui::keymap::Context;
use oin_review::tui::worker::{DbRequest, Write};
use serde_json::json;

fn now() -> Timestamp {
    common::now()
}

fn seeded(sb: &Sandbox) -> Store {
    let mut store = Store::open(
        &sb.db(),
        &OpenOptions {
            create: true,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let subs = parse_submissions("s.json", SAMPLES.as_bytes()).unwrap();
    store
        .import_submissions(&subs, "t", now(), "s.json")
        .unwrap();
    store
}

fn req<'a>(items: &'a [MoveItem], to: ReviewState, analyst: &'a str) -> MoveRequest<'a> {
    MoveRequest::new(MoveAsk::new(items.to_vec(), to), analyst, now())
}

fn ids(list: &[&str]) -> Vec<MoveItem> {
    list.iter().map(|i| MoveItem::new(*i)).collect()
}

/// Every submission's state equals the target of its last event.
fn assert_consistent(store: &Store) {
    for s in store.load_submissions().unwrap() {
        assert_eq!(s.history.last().map(|e| e.to), Some(s.state), "{}", s.id);
    }
}

#[test]
fn conflicting_moves_from_two_connections_one_wins_per_item() {
    let sb = Sandbox::new();
    drop(seeded(&sb));
    let items: Vec<&str> = vec![
        "OIN-2026-0142",
        "OIN-2026-0102",
        "OIN-2026-0103",
        "OIN-2026-0110",
    ];
    let run = |to: ReviewState, who: &'static str| {
        let path = sb.db();
        let items = ids(&items);
        std::thread::spawn(move || {
            let mut s = Store::open(&path, &OpenOptions::default()).unwrap();
            s.move_submissions(&req(&items, to, who)).unwrap()
        })
    };
    let a = run(ReviewState::QaTesting, "asha");
    let b = run(ReviewState::IsvReview, "ben");
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.result.is_ok() as u8 + y.result.is_ok() as u8,
            1,
            "exactly one wins {}",
            x.id
        );
        let loser = if x.result.is_ok() { y } else { x };
        assert!(
            matches!(loser.result, Err(MoveRefused::Rule(_))),
            "{loser:?}"
        );
    }
    assert_consistent(&Store::open(&sb.db(), &OpenOptions::default()).unwrap());
}

#[test]
fn a_failure_mid_batch_leaves_nothing_half_applied() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let before = store.load_submissions().unwrap();
    {
        // A fault on the second item's update, as a full disk or a crash would cause.
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        c.execute_batch(
            "CREATE TRIGGER fault BEFORE UPDATE OF state ON submissions
             WHEN NEW.id = 'OIN-2026-0102' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
        )
        .unwrap();
    }
    let items = ids(&["OIN-2026-0142", "OIN-2026-0102", "OIN-2026-0103"]);
    let err = store
        .move_submissions(&req(&items, ReviewState::QaTesting, "asha"))
        .unwrap_err();
    assert!(err.to_string().contains("injected fault"), "{err}");
    assert_eq!(
        store.load_submissions().unwrap(),
        before,
        "nothing half applied"
    );
}

#[test]
fn undo_moves_back_and_refuses_items_a_colleague_changed() {
    let sb = Sandbox::new();
    let mut mine = seeded(&sb);
    let items = ids(&["OIN-2026-0142", "OIN-2026-0102", "OIN-2026-0103"]);
    let out = mine
        .move_submissions(&req(&items, ReviewState::QaTesting, "asha"))
        .unwrap();
    assert!(out.iter().all(|o| o.result.is_ok()));
    // Ben moves one of them on.
    let mut theirs = Store::open(&sb.db(), &OpenOptions::default()).unwrap();
    theirs
        .move_submissions(&req(
            &ids(&["OIN-2026-0103"]),
            ReviewState::IsvFixBugs,
            "ben",
        ))
        .unwrap();
    let report = mine.undo_last_batch("asha", now()).unwrap();
    assert!(report.batch.is_some());
    let by_id = |id: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .result
            .clone()
    };
    assert_eq!(by_id("OIN-2026-0142"), Ok(ReviewState::InitialReview));
    assert_eq!(by_id("OIN-2026-0102"), Ok(ReviewState::InitialReview));
    let refused = by_id("OIN-2026-0103").unwrap_err();
    assert!(refused.starts_with("changed by ben at "), "{refused}");
    let acme = mine.submission("OIN-2026-0142").unwrap().unwrap();
    assert_eq!(acme.state, ReviewState::InitialReview);
    let last = acme.history.last().unwrap();
    assert_eq!(
        (last.kind, last.reason.as_deref()),
        (EventKind::Undo, Some("undo"))
    );
    assert_eq!(
        acme.history.len(),
        4,
        "history is kept: draft, initial, qa, undo"
    );
    assert_eq!(
        mine.submission("OIN-2026-0103").unwrap().unwrap().state,
        ReviewState::IsvFixBugs
    );
    // That batch is done: nothing more to undo for asha; ben's batch is his own.
    assert_eq!(mine.undo_last_batch("asha", now()).unwrap().batch, None);
    assert_consistent(&mine);
}

#[test]
fn assignment_is_versioned_and_audited() {
    let sb = Sandbox::new();
    let mut store = seeded(&sb);
    let seen = store.submission("OIN-2026-0142").unwrap().unwrap();
    let out = store
        .assign_submissions(
            &ids(&["OIN-2026-0142", "NOPE"]),
            Some("asha"),
            "asha",
            now(),
        )
        .unwrap();
    assert_eq!(out[0].result, Ok(None));
    assert_eq!(out[1].result, Err(MoveRefused::UnknownId));
    let after = store.submission("OIN-2026-0142").unwrap().unwrap();
    assert_eq!(after.assignee.as_deref(), Some("asha"));
    assert_eq!(after.version, seen.version + 1);
    // A stale version is a conflict.
    let stale = [MoveItem {
        id: seen.id.clone(),
        expected_version: Some(seen.version),
    }];
    let out = store
        .assign_submissions(&stale, Some("ben"), "ben", now())
        .unwrap();
    assert!(matches!(out[0].result, Err(MoveRefused::Conflict { .. })));
    assert!(
        store
            .known_analysts()
            .unwrap()
            .contains(&"asha".to_string())
    );
    // Moving an item someone else claimed records it.
    store
        .move_submissions(&req(
            &ids(&["OIN-2026-0142"]),
            ReviewState::QaTesting,
            "ben",
        ))
        .unwrap();
    let last = store
        .submission("OIN-2026-0142")
        .unwrap()
        .unwrap()
        .history
        .pop()
        .unwrap();
    assert_eq!(last.reason.as_deref(), Some("[claimed by asha]"));
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM assignments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert!(
        c.execute("DELETE FROM assignments", []).is_err(),
        "append-only"
    );
}

#[test]
fn cli_claim_assign_undo() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.ok(&["assign", "--to", "carla", "OIN-2026-0142", "OIN-2026-0131"]);
    assert!(
        out.contains("OIN-2026-0131  assigned to carla (was ben)"),
        "{out}"
    );
    let out = sb.ok(&["claim", "OIN-2026-0142"]);
    assert!(out.contains("OIN-2026-0142  assigned to "), "{out}");
    sb.ok(&["move", "--to", "isv_review", "OIN-2026-0142"]);
    let out = sb.ok(&["undo"]);
    assert!(
        out.contains("OIN-2026-0142  back to initial_review"),
        "{out}"
    );
    assert!(out.contains("1 back, 0 not undone"), "{out}");
    let out = sb.ok(&["undo"]);
    assert!(out.contains("nothing to undo"), "{out}");
    let bad = sb.run(&["assign", "--to", "carla", "NOPE"]);
    assert!(!bad.status.success());
    assert!(
        text(&bad)
            .0
            .contains("NOPE  refused  no submission with this id")
    );
}

/// Two real processes move the same 1 000 items to different states at the same time.
#[test]
fn two_processes_racing_never_lose_an_update() {
    let sb = Sandbox::new();
    let subs: Vec<serde_json::Value> = (0..1000)
        .map(|i| common::submission_json(&format!("RACE-{i:04}"), "initial_review"))
        .collect();
    let f = sb.write("race.json", json!(subs).to_string());
    let ids: Vec<String> = (0..1000).map(|i| format!("RACE-{i:04}")).collect();
    for round in 0..3 {
        // Reset: everything back in initial review (re-import records an import event).
        sb.ok(&["import", f.to_str().unwrap()]);
        let spawn = |to: &str| {
            let mut c = sb.cmd();
            c.args(["move", "--to", to]).args(&ids);
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            c.spawn().unwrap()
        };
        let (a, b) = (spawn("qa_testing"), spawn("isv_review"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let (oa, ea) = text(&a);
        let (ob, eb) = text(&b);
        assert!(
            !ea.contains("locked") && !eb.contains("locked"),
            "round {round}: {ea} {eb}"
        );
        for id in &ids {
            let in_a = oa
                .lines()
                .filter(|l| l.starts_with(&format!("{id} ")))
                .count();
            let in_b = ob
                .lines()
                .filter(|l| l.starts_with(&format!("{id} ")))
                .count();
            assert_eq!(
                (in_a, in_b),
                (1, 1),
                "round {round}: each process reports {id} once"
            );
        }
        let moved_a = oa.lines().filter(|l| l.contains("  moved ")).count();
        let moved_b = ob.lines().filter(|l| l.contains("  moved ")).count();
        assert_eq!(
            moved_a + moved_b,
            1000,
            "round {round}: every item moved exactly once"
        );
        let store = Store::open(&sb.db(), &OpenOptions::default()).unwrap();
        assert_consistent(&store);
    }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// What the screen shows (a 120x40 TestBackend).
fn screen(app: &App) -> String {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(
        app.size().0,
        app.size().1,
    ))
    .unwrap();
    let theme = oin_review::tui::theme::Theme::load("dark").unwrap();
    term.draw(|f| oin_review::tui::views::draw(f, app, &theme))
        .unwrap();
    term.backend().to_string()
}

fn select(app: &mut App, id: &str) {
    app.update(code(KeyCode::Home));
    for _ in 0..40 {
        if app.selected_row().unwrap().id() == id {
            return;
        }
        app.update(key('j'));
    }
    panic!("{id} not in view");
}

#[test]
fn marking_survives_filters_and_marks_all_filtered() {
    let mut app = sample_app("2026-11-23T12:00:00Z", 120, 40);
    app.update(key('5'));
    select(&mut app, "OIN-2026-0142");
    app.update(key(' '));
    assert!(app.queue().is_marked("OIN-2026-0142"));
    // Switching tabs hides it, but the mark stays (and the header says so).
    app.update(key('2'));
    assert_eq!(app.queue().hidden_marks(), 1);
    assert!(screen(&app).contains(" 1 marked (1 hidden) "));
    app.update(key('V'));
    assert_eq!(app.queue().marks().len(), 1 + app.queue().len());
    app.update(key('U'));
    assert!(app.queue().marks().is_empty());
    // Space toggles.
    app.update(key('5'));
    select(&mut app, "OIN-2026-0142");
    app.update(key(' '));
    select(&mut app, "OIN-2026-0142");
    app.update(key(' '));
    assert!(app.queue().marks().is_empty());
}

#[test]
fn picker_offers_only_allowed_targets_with_counts_and_moves_with_versions() {
    let mut app = sample_app("2026-11-23T12:00:00Z", 120, 40);
    // Planned by the workflow on a real queue. With QA-started and issue-list emails
    // switched off, the moves go straight to the confirmation.
    let (_sb, wf) = common::sample_workflow(oin_review::config::EmailSwitches {
        qa_started: false,
        issues: false,
        ..Default::default()
    });
    let press = |app: &mut App, k: KeyCode| {
        let actions = app.update(Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)));
        common::serve(app, &wf, actions)
    };
    app.update(key('5'));
    // Mixed: two in initial review, one in QA testing, one draft.
    for id in [
        "OIN-2026-0142",
        "OIN-2026-0102",
        "OIN-2026-0105",
        "OIN-2026-0101",
    ] {
        select(&mut app, id);
        app.update(key(' '));
    }
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(app.context(), Context::Picker);
    let choices: Vec<(ReviewState, usize)> = app
        .choices_for(&app.pin_targets())
        .unwrap()
        .iter()
        .map(|c| (c.to, c.applies))
        .collect();
    assert_eq!(
        choices,
        vec![
            (ReviewState::InitialReview, 1),
            (ReviewState::IsvReview, 2),
            (ReviewState::QaTesting, 2),
            (ReviewState::IsvFixBugs, 1),
            (ReviewState::Published, 1),
        ]
    );
    app.update(key('j'));
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.context(), Context::Input);
    // Two of the four can make this move, and a gate stops both (open blockers): the
    // reason counts what will move, not the marks.
    let s = screen(&app);
    assert!(
        s.contains("Reason for moving 0 of 4 to To be QA tested by Okta"),
        "{s}"
    );
    for c in "ok".chars() {
        app.update(key(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Confirm);
    let text = screen(&app);
    assert!(
        text.contains("Move 0 of 4 submission(s) to To be QA tested by Okta?"),
        "{text}"
    );
    assert!(
        text.contains("2 cannot make this move from their state (OIN-2026-0101, OIN-2026-0105):"),
        "{text}"
    );
    assert!(text.contains("A gate stops 2, not moved"), "{text}");
    assert!(text.contains(" reason: ok"), "{text}");
    // y sends nothing to be refused: what the confirmation counted is what is written.
    let actions = app.update(key('y'));
    assert!(actions.is_empty(), "{actions:?}");
    assert!(
        screen(&app).contains("nothing moved: no item can make this move now"),
        "{}",
        screen(&app)
    );
    // To ISV needs to review (no email in this config): both that can, at the versions seen.
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("Reason for moving 2 of 4 to ISV needs to review"));
    press(&mut app, KeyCode::Enter);
    let actions = app.update(key('y'));
    let [Action::Db(DbRequest::Write(Write::Commit(plan)))] = &actions[..] else {
        panic!("{actions:?}")
    };
    let ask = plan.ask().unwrap();
    assert_eq!(ask.to, ReviewState::IsvReview);
    assert!(!ask.force, "the console never forces a gate");
    let going: Vec<_> = plan.going().map(|i| i.item.clone()).collect();
    assert_eq!(going.len(), 2);
    assert!(
        going.iter().all(|i| i.expected_version == Some(1)),
        "every write carries the version it saw: {going:?}"
    );
    // Esc at the confirmation cancels without an action.
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert_eq!(app.context(), Context::Queue);
}

#[test]
fn undo_and_claim_keys_ask_the_store() {
    let mut app = sample_app("2026-11-23T12:00:00Z", 120, 40);
    assert!(matches!(
        app.update(key('u'))[..],
        [Action::Db(DbRequest::PlanUndo)]
    ));
    let actions = app.update(key('a'));
    assert!(
        matches!(&actions[..], [Action::Db(DbRequest::Write(Write::Assign { to: Some(who), items }))] if who == "ben" && items.len() == 1)
    );
    app.update(key('A'));
    assert_eq!(app.context(), Context::Picker);
    assert!(screen(&app).contains("assign 1 to"));
    // j moves down the list instead of typing into the name.
    app.update(key('j'));
    let s = screen(&app);
    assert!(s.contains("name: ") && !s.contains("name: j"), "{s}");
    for c in "zoe".chars() {
        app.update(key(c));
    }
    // A name nobody on the team has: said, and only a second Enter assigns to it.
    assert!(screen(&app).contains("zoe (not on the team)"));
    let actions = app.update(code(KeyCode::Enter));
    assert!(actions.is_empty(), "{actions:?}");
    let s = screen(&app);
    assert!(
        s.contains("zoe is not on the team (nobody by that name has acted in this queue"),
        "{s}"
    );
    let actions = app.update(code(KeyCode::Enter));
    assert!(
        matches!(&actions[..], [Action::Db(DbRequest::Write(Write::Assign { to: Some(who), .. }))] if who == "zoe"),
        "{actions:?}"
    );
}
