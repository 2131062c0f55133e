//! The console's screens on ratatui's TestBackend (styles included) and its update function.

mod common;

use common::sample_app;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oin_review::domain::ReviewState;
use oin_review::tui::app::{Action, App, FilterItem, Mode, Msg, SortKey, Tab};
use oin_review::tui::theme::Theme;
use oin_review::tui::views;
use oin_review::tui::worker::{DbRequest, WorkerEvent, Write, run_search};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const NOW: &str = "2026-11-23T12:00:00Z";

fn render(app: &App, theme: &Theme) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    term.draw(|f| views::draw(f, app, theme)).unwrap();
    term.backend().buffer().clone()
}

fn line(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol())
        .collect::<String>()
}

fn screen(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| line(buf, y))
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, s: &str) -> Vec<Action> {
    s.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

/// Runs the searches the app asks for, as the search worker would, and feeds the results back.
fn settle(app: &mut App, actions: Vec<Action>) {
    for a in actions {
        if let Action::Search(generation, query, candidates) = a {
            let result = run_search(&app.search_request(generation, query, candidates));
            let more = app.update(Msg::Worker(WorkerEvent::SearchDone(result)));
            settle(app, more);
        }
    }
}

fn dark() -> Theme {
    Theme::load("dark").unwrap()
}

#[test]
fn queue_at_80x24_shows_urgent_items_first_with_styles() {
    let app = sample_app(NOW, 80, 24);
    let buf = render(&app, &dark());
    let text = screen(&buf);
    assert!(
        line(&buf, 0).starts_with(" oin-review queue.db @ben draft 3 · OIN 22 · ISV 5 · pub 3"),
        "{}",
        line(&buf, 0)
    );
    assert!(line(&buf, 0).trim_end().ends_with("Mon 12:00 UTC"));
    assert!(line(&buf, 1).contains(" 1 Needs OIN "), "{}", line(&buf, 1));
    assert_eq!(
        line(&buf, 3).trim_end(),
        "  ID            APP                ISV          STATE        SLA       TESTS"
    );
    // The most overdue first, selected, in the selection style; its SLA cell in `breached`.
    let first = line(&buf, 4);
    assert!(
        first.starts_with(
            "▶ OIN-2026-0116 Coho Winery Inven… Coho Vineya… init review  -3d 3h    missing"
        ),
        "{first}"
    );
    assert_eq!(buf[(2, 4)].bg, Color::Indexed(24));
    let sla_x = first[..first.find("-3d").unwrap()].chars().count() as u16;
    assert_eq!(buf[(sla_x, 4)].fg, Color::LightRed);
    assert!(buf[(sla_x, 4)].modifier.contains(Modifier::BOLD));
    // Paused items come after running ones; a paused SLA reads "paused".
    assert!(text.find("OIN-2026-0116").unwrap() < text.find("OIN-2026-0142").unwrap());
    // Footer hints come from the keymap.
    assert!(
        line(&buf, 23).starts_with(
            "Enter open  / search  f filter  s sort  ] tab  m move  M mail  q quit  ? help"
        ),
        "{}",
        line(&buf, 23)
    );
    // Text an ISV typed with escapes is shown with visible placeholders only.
    for y in 0..24 {
        assert!(!line(&buf, y).contains('\u{1b}'));
    }
}

#[test]
fn wide_terminal_shows_the_detail_beside_the_queue() {
    let app = sample_app(NOW, 160, 48);
    let buf = render(&app, &dark());
    let text = screen(&buf);
    assert!(line(&buf, 0).contains("Draft 3 · OIN to review 22 · ISV to review 5 · Published 3"));
    assert!(text.contains(" detail "));
    assert!(text.contains("OIN-2026-0116 Coho Winery Inventory"));
    assert!(text.contains("── SLA"));
    assert!(
        text.contains("To be reviewed by Okta"),
        "full Manager names at this width"
    );
}

#[test]
fn enter_opens_the_full_detail_on_a_narrow_terminal() {
    let mut app = sample_app(NOW, 100, 50);
    for _ in 0..20 {
        if app.selected_row().unwrap().sub.id == "OIN-2026-0142" {
            break;
        }
        app.update(key(KeyCode::Char('j')));
    }
    assert_eq!(app.selected_row().unwrap().sub.id, "OIN-2026-0142");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.mode, Mode::DetailFull);
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("OIN-2026-0142 Acme Expense"), "{text}");
    assert!(text.contains("── Overview"));
    assert!(text.contains("password          ••••••••"));
    assert!(!text.contains("s3cret"));
    // Scrolling down reaches the SLA and tests sections.
    for _ in 0..30 {
        app.update(key(KeyCode::Char('j')));
    }
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("initial review ") && text.contains("at_risk"),
        "{text}"
    );
    app.update(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn password_shows_for_five_seconds_only() {
    let mut app = sample_app(NOW, 160, 48);
    for _ in 0..40 {
        if app.selected_row().unwrap().sub.id == "OIN-2026-0142" {
            break;
        }
        app.update(key(KeyCode::Char('j')));
    }
    app.update(key(KeyCode::Char('p')));
    let buf = render(&app, &dark());
    assert!(screen(&buf).contains("s3cret"));
    app.update(Msg::Tick("2026-11-23T12:00:05Z".parse().unwrap()));
    assert!(!screen(&render(&app, &dark())).contains("s3cret"));
}

#[test]
fn help_is_generated_from_the_keymap() {
    let mut app = sample_app(NOW, 100, 40);
    app.update(key(KeyCode::Char('?')));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("help: every key"));
    for expected in [
        "Everywhere",
        "Queue",
        "j ↓",
        "next submission",
        "Ctrl-d",
        "fuzzy search",
        "(sort_next)",
    ] {
        assert!(text.contains(expected), "help lacks {expected:?}");
    }
    app.update(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn too_small_and_no_panic_at_any_size() {
    let mut app = sample_app(NOW, 59, 14);
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("terminal too small (need 60x15, have 59x14)"),
        "{text}"
    );
    for (w, h) in [
        (1, 1),
        (2, 1),
        (1, 40),
        (60, 15),
        (61, 16),
        (79, 23),
        (80, 24),
        (119, 30),
        (120, 30),
        (300, 100),
    ] {
        app.update(Msg::Resize(w, h));
        for mode_key in [
            KeyCode::Enter,
            KeyCode::Char('?'),
            KeyCode::Esc,
            KeyCode::Char('f'),
            KeyCode::Esc,
        ] {
            app.update(key(mode_key));
            render(&app, &dark());
        }
    }
}

#[test]
fn search_narrows_as_you_type_and_highlights_matches() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('5'))); // All tab
    app.update(key(KeyCode::Char('/')));
    assert_eq!(app.mode, Mode::Search);
    let actions = chars(&mut app, "a");
    assert!(matches!(&actions[..], [Action::Search(1, q, None)] if q == "a"));
    settle(&mut app, actions);
    // Once "a" has results, "ac" searches only within them.
    let actions = chars(&mut app, "c");
    assert!(matches!(&actions[..], [Action::Search(2, q, Some(_))] if q == "ac"));
    settle(&mut app, actions);
    let actions = chars(&mut app, "mexp");
    settle(&mut app, actions);
    // Fuzzy: emails and orgs match too, but Acme Expense ranks first and is selected.
    let matches = app.view.len();
    assert!(matches < 33, "{matches}");
    assert_eq!(app.selected_row().unwrap().sub.id, "OIN-2026-0142");
    let buf = render(&app, &dark());
    let row = line(&buf, 4);
    assert!(row.contains("Acme Expense"), "{row}");
    let a = row.chars().position(|c| c == 'A').unwrap() as u16;
    assert!(
        buf[(a, 4)].modifier.contains(Modifier::UNDERLINED),
        "matched 'A' is highlighted"
    );
    assert!(
        line(&buf, 22).starts_with(&format!("/acmexp▏   {matches} match(es)")),
        "{}",
        line(&buf, 22)
    );
    // A stale result (an older generation) is ignored: latest query wins.
    let stale = run_search(&app.search_request(1, "a".into(), None));
    app.update(Msg::Worker(WorkerEvent::SearchDone(stale)));
    assert_eq!(app.view.len(), matches);
    // Backspace widens again; Esc clears.
    let actions: Vec<Action> = (0..4)
        .flat_map(|_| app.update(key(KeyCode::Backspace)))
        .collect();
    settle(&mut app, actions);
    assert!(app.view.len() > matches);
    app.update(key(KeyCode::Esc));
    assert!(app.query.is_empty());
    assert_eq!(app.view.len(), 33);
}

#[test]
fn filters_combine_and_show_as_chips() {
    let mut app = sample_app(NOW, 160, 30);
    app.update(key(KeyCode::Char('5')));
    app.update(key(KeyCode::Char('f')));
    let items = app.filter_items();
    let pos = |item: &FilterItem| items.iter().position(|i| i == item).unwrap();
    let toggle = |app: &mut App, item: FilterItem| {
        let target = pos(&item);
        for _ in 0..items.len() {
            let Mode::Filter { cursor } = app.mode else {
                panic!("filter menu closed")
            };
            if cursor == target {
                break;
            }
            app.update(key(KeyCode::Char(if cursor < target { 'j' } else { 'k' })));
        }
        app.update(key(KeyCode::Char(' ')));
    };
    toggle(&mut app, FilterItem::State(ReviewState::QaTesting));
    toggle(&mut app, FilterItem::State(ReviewState::InitialReview));
    toggle(&mut app, FilterItem::Assignee(Some("ben".into())));
    app.update(key(KeyCode::Esc));
    let ids: Vec<&str> = app
        .view
        .iter()
        .map(|&i| app.rows[i].sub.id.as_str())
        .collect();
    // (QA or initial review) and assigned to ben.
    assert_eq!(ids.len(), 4, "{ids:?}");
    for &i in &app.view {
        let s = &app.rows[i].sub;
        assert!(matches!(
            s.state,
            ReviewState::QaTesting | ReviewState::InitialReview
        ));
        assert_eq!(s.assignee.as_deref(), Some("ben"));
    }
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" State: To be QA tested by Okta "), "{text}");
    assert!(text.contains(" Assignee: ben "));
    app.update(key(KeyCode::Char('F')));
    assert_eq!(app.view.len(), 33);
}

#[test]
fn tabs_sort_and_wizard_names() {
    let mut app = sample_app(NOW, 120, 30);
    assert_eq!(app.tab, Tab::NeedsOin);
    assert_eq!(app.view.len(), 22);
    app.update(key(KeyCode::Char(']')));
    assert_eq!(app.tab, Tab::WithIsv);
    assert_eq!(app.view.len(), 8, "ISV review, fix bugs and drafts");
    app.update(key(KeyCode::Char('3')));
    assert!(
        app.view
            .iter()
            .all(|&i| app.rows[i].sub.assignee.as_deref() == Some("ben"))
    );
    app.update(key(KeyCode::Char('4')));
    assert!(!app.view.is_empty());
    app.update(key(KeyCode::Char('5')));
    app.update(key(KeyCode::Char('s')));
    assert_eq!(app.sort, SortKey::Age);
    app.update(key(KeyCode::Char('s')));
    assert_eq!(app.sort, SortKey::App);
    let names: Vec<&str> = app
        .view
        .iter()
        .map(|&i| app.rows[i].sub.app_name.as_str())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    app.update(key(KeyCode::Char('S')));
    assert_eq!(
        app.rows[app.view[0]].sub.app_name,
        "Woodgrove Banking Portal"
    );
    app.update(key(KeyCode::Char('w')));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("OIN to review"), "{text}");
}

#[test]
fn selection_is_kept_by_id_across_reloads() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('j')));
    let id = app.selected_row().unwrap().sub.id.clone();
    // A reload where the rows come in another order.
    let mut rows: Vec<_> = app.rows.iter().cloned().collect();
    rows.reverse();
    app.update(Msg::Worker(WorkerEvent::Loaded {
        rows: std::sync::Arc::new(rows),
        at: app.now,
        took: std::time::Duration::ZERO,
        external: true,
    }));
    assert_eq!(app.selected_row().unwrap().sub.id, id);
    assert_eq!(
        app.message.as_ref().unwrap().text,
        "reloaded: another analyst changed the queue"
    );

    // A result the analyst was just given stays readable for a few seconds.
    app.update(key(KeyCode::Char('V')));
    let told = app.message.as_ref().unwrap().text.clone();
    assert!(told.starts_with("marked the"), "{told}");
    let reload = |app: &mut App, at| {
        let rows = app.rows.clone();
        app.update(Msg::Worker(WorkerEvent::Loaded {
            rows,
            at,
            took: std::time::Duration::ZERO,
            external: true,
        }));
    };
    let now = app.now;
    reload(&mut app, now + jiff::SignedDuration::from_secs(2));
    assert_eq!(
        app.message.as_ref().unwrap().text,
        format!("{told} · reloaded: another analyst changed the queue")
    );
    // Said once, however many reloads follow.
    reload(&mut app, now + jiff::SignedDuration::from_secs(3));
    assert_eq!(
        app.message.as_ref().unwrap().text,
        format!("{told} · reloaded: another analyst changed the queue")
    );
    reload(&mut app, now + jiff::SignedDuration::from_secs(60));
    assert_eq!(
        app.message.as_ref().unwrap().text,
        "reloaded: another analyst changed the queue"
    );
}

#[test]
fn palette_runs_any_command_by_name() {
    let mut app = sample_app(NOW, 100, 30);
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "breaching");
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("command palette"));
    assert!(text.contains("tab: breaching"), "{text}");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.tab, Tab::Breaching);
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn every_theme_loads_and_mono_uses_no_colour() {
    for name in Theme::builtin_names() {
        let t = Theme::load(name).unwrap();
        assert_eq!(t.name, name);
    }
    let mono = Theme::load("mono").unwrap();
    assert!(mono.is_colourless());
    assert!(!dark().is_colourless());
    let app = sample_app(NOW, 80, 24);
    let buf = render(&app, &mono);
    for y in 0..24 {
        for x in 0..80 {
            let c = &buf[(x, y)];
            assert_eq!(
                (c.fg, c.bg),
                (Color::Reset, Color::Reset),
                "colour at {x},{y}"
            );
        }
    }
    assert!(
        buf[(2, 4)].modifier.contains(Modifier::REVERSED),
        "selection is reverse video"
    );
    let err = Theme::load("nope").unwrap_err();
    assert!(
        err.contains("built in are dark, light, high-contrast, mono"),
        "{err}"
    );
    let bad = Theme::parse(
        "x",
        std::path::Path::new("x.toml"),
        "[styles]\nbreached = { fg = \"reddish\" }\n",
    )
    .unwrap_err();
    assert!(bad.contains("styles.breached: colour \"reddish\""), "{bad}");
}

#[test]
fn keymap_overrides_and_their_errors() {
    use oin_review::tui::keymap::Keymap;
    use std::collections::BTreeMap;
    let mut o = BTreeMap::new();
    o.insert("queue.down".to_string(), vec!["z".to_string()]);
    let map = Keymap::with_overrides(&o, |_| Some(3)).unwrap();
    let cmd = map.lookup(
        oin_review::tui::keymap::Context::Queue,
        &KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE),
    );
    assert_eq!(cmd, Some(oin_review::tui::keymap::Command::Down));
    o.insert("queue.down".to_string(), vec!["hyper-x".to_string()]);
    let err = Keymap::with_overrides(&o, |_| Some(3))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("line 3: keys.\"queue.down\": unknown key \"hyper-x\""),
        "{err}"
    );
    o.insert("queue.down".to_string(), vec!["s".to_string()]);
    let err = Keymap::with_overrides(&o, |_| None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("key s is bound to both"), "{err}");
    o.clear();
    o.insert("queue.fly".to_string(), vec!["x".to_string()]);
    assert!(
        Keymap::with_overrides(&o, |_| None)
            .unwrap_err()
            .to_string()
            .contains("no such binding")
    );
}

#[test]
fn the_issue_list_overlay_shows_findings_and_toggles_them() {
    let mut app = sample_app(NOW, 160, 48);
    // The most overdue item (OIN-2026-0116) is selected; it has lint findings.
    assert_eq!(app.selected_row().unwrap().sub.id, "OIN-2026-0116");
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.mode, Mode::Findings { cursor: 0 });
    let buf = render(&app, &dark());
    let text = screen(&buf);
    assert!(text.contains("issue list of OIN-2026-0116"), "{text}");
    assert!(text.contains("3 of 3 go in the next email"), "{text}");
    let y = (0..48)
        .find(|&y| line(&buf, y).contains("[x] blocker Add a customer configuration"))
        .expect("the first finding is listed");
    let l = line(&buf, y);
    let sev_x = l[..l.find("blocker").unwrap()].chars().count() as u16;
    assert_eq!(
        buf[(sev_x, y)].fg,
        Color::LightRed,
        "blockers in the error style"
    );
    assert!(
        line(&buf, 47).contains("x include/leave out"),
        "{}",
        line(&buf, 47)
    );
    // Leaving a lint finding out asks for a reason; the reason goes with the edit.
    app.update(key(KeyCode::Char('x')));
    assert!(matches!(app.mode, Mode::FindingText { .. }));
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "no reason, no edit"
    );
    chars(&mut app, "link is in the portal");
    let actions = app.update(key(KeyCode::Enter));
    match actions.as_slice() {
        [Action::Db(DbRequest::Write(Write::EditIssues { id, edits }))] => {
            assert_eq!(id, "OIN-2026-0116");
            assert_eq!(
                edits,
                &vec![oin_review::domain::IssueEdit::Decide {
                    rule: "docs.config_doc_missing".into(),
                    included: false,
                    reason: Some("link is in the portal".into()),
                }]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn moving_to_an_isv_state_goes_through_the_email_preview() {
    let mut app = sample_app(NOW, 160, 48);
    app.update(key(KeyCode::Char('m')));
    let choices = app.move_choices();
    assert_eq!(choices[0].to, ReviewState::IsvReview);
    app.update(key(KeyCode::Enter));
    let actions = app.update(key(KeyCode::Enter));
    match actions.as_slice() {
        [
            Action::Db(DbRequest::PreviewMail {
                items,
                ask: Some(ask),
            }),
        ] => {
            assert_eq!(items.len(), 1);
            assert_eq!(ask.to, ReviewState::IsvReview);
        }
        other => panic!("a move to the ISV asks for the email first: {other:?}"),
    }
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn a_read_only_queue_shows_a_banner_and_every_write_key_says_why() {
    let mut app = sample_app(NOW, 160, 48);
    app.read_only = Some("no write permission on the file".into());
    let theme = dark();
    let buf = render(&app, &theme);
    let top = line(&buf, 0);
    let at = top.find("READ-ONLY").expect("banner in the header") as u16;
    // The banner is styled as an error, so it stands out from the header.
    assert_eq!(buf[(at, 0)].fg, theme.error.fg.unwrap());

    // Browsing still works.
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.selected, 1);
    for (k, what) in [
        ('m', "move submissions"),
        ('a', "claim submissions"),
        ('A', "assign submissions"),
        ('u', "undo"),
        ('n', "change the issue list"),
        ('e', "change the issue list"),
    ] {
        let actions = app.update(key(KeyCode::Char(k)));
        assert!(actions.is_empty(), "{k}: {actions:?}");
        assert_eq!(app.mode, Mode::Normal, "{k} opened nothing");
        let msg = app.message.as_ref().expect("a message").text.clone();
        assert_eq!(
            msg,
            format!("read-only: cannot {what} (no write permission on the file)")
        );
    }
    // The issue list and the outbox open for reading; their write keys refuse too.
    app.update(key(KeyCode::Char('x')));
    assert!(matches!(app.mode, Mode::Findings { .. }));
    app.message = None;
    assert!(app.update(key(KeyCode::Char(' '))).is_empty());
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("cannot change the issue list")
    );
}

#[test]
fn a_damaged_database_turns_the_console_read_only() {
    let mut app = sample_app(NOW, 160, 48);
    app.update(Msg::Worker(WorkerEvent::Damaged(
        "the queue database is damaged (Tree 12 page 84: btreeInitPage() returns error code 11)"
            .into(),
    )));
    let buf = render(&app, &dark());
    assert!(line(&buf, 0).contains("READ-ONLY"));
    assert!(screen(&buf).contains("the queue database is damaged (Tree 12 page 84"));
    assert!(app.update(key(KeyCode::Char('a'))).is_empty());
    assert_eq!(
        app.message.as_ref().unwrap().text,
        "read-only: cannot claim submissions (the database is damaged: restore it from a backup)"
    );
}

#[test]
fn the_read_only_banner_fits_at_80_columns_with_the_clock() {
    let mut app = sample_app(NOW, 80, 24);
    app.read_only = Some("no write permission on the file".into());
    let top = line(&render(&app, &dark()), 0);
    assert!(top.contains("READ-ONLY"), "{top}");
    assert!(top.trim_end().ends_with("UTC"), "the clock is whole: {top}");
}

/// Selects `id` in the All tab.
fn select_id(app: &mut App, id: &str) {
    app.update(key(KeyCode::Char('5')));
    while app.selected_row().map(|r| r.sub.id.as_str()) != Some(id) {
        let before = app.selected;
        app.update(key(KeyCode::Char('j')));
        assert_ne!(app.selected, before, "{id} not in the queue");
    }
}

#[test]
fn the_move_picker_says_how_many_a_gate_stops_and_the_confirmation_names_them() {
    // 000:84 "If QA testing is successful, your integration is automatically published":
    // open blockers stop publishing and passing initial review.
    let mut app = sample_app(NOW, 120, 40);
    app.email_switches.qa_started = false;
    for id in ["OIN-2026-0116", "OIN-2026-0131"] {
        select_id(&mut app, id);
        app.update(key(KeyCode::Char(' ')));
    }
    app.update(key(KeyCode::Char('m')));
    let choice = app
        .move_choices()
        .into_iter()
        .find(|c| c.to == ReviewState::QaTesting)
        .unwrap();
    assert_eq!(
        choice.stopped,
        vec![
            ("OIN-2026-0116".to_string(), 3),
            ("OIN-2026-0131".to_string(), 1)
        ]
    );
    let theme = dark();
    let buf = render(&app, &theme);
    let text = screen(&buf);
    let y = (0..buf.area.height)
        .find(|&y| line(&buf, y).contains("gate stops 2 (open blockers)"))
        .unwrap_or_else(|| panic!("{text}"));
    let x = line(&buf, y).find("gate stops").unwrap();
    let x = line(&buf, y)[..x].chars().count() as u16;
    assert_eq!(
        buf[(x, y)].fg,
        theme.error.fg.unwrap(),
        "the gate note is an error"
    );
    // The issue-list move says its email goes through the preview.
    assert!(
        text.contains("✉ issue list email, previewed first"),
        "{text}"
    );
    // To QA testing: Down, Enter, no reason, Enter; the confirmation names them.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.mode, Mode::Confirm { .. }), "{:?}", app.mode);
    let text = screen(&render(&app, &theme));
    assert!(
        text.contains("Move 0 submission(s) to To be QA tested by Okta?"),
        "{text}"
    );
    assert!(
        text.contains("A gate stops 2: OIN-2026-0116 (3 blockers), OIN-2026-0131 (1 blocker)"),
        "{text}"
    );
}

#[test]
fn the_email_preview_sends_or_moves_without_email() {
    use oin_review::store::MoveItem;
    use oin_review::workflow::{MailPreview, MoveAsk};
    let mut app = sample_app(NOW, 120, 40);
    let items = vec![MoveItem {
        id: "OIN-2026-0116".into(),
        expected_version: Some(1),
    }];
    let ask = MoveAsk {
        reason: Some("asked by phone".into()),
        ..MoveAsk::new(items.clone(), ReviewState::IsvReview)
    };
    let preview = MailPreview {
        emails: Vec::new(),
        errors: vec![("OIN-2026-0116".into(), "no escalation contact".into())],
        ask: Some(ask),
        items: items.clone(),
    };
    // With nothing to send the preview says why, and the analyst can still move without email.
    app.update(Msg::Worker(WorkerEvent::MailPreview(std::sync::Arc::new(
        preview,
    ))));
    assert!(
        matches!(app.mode, Mode::MailPreview { .. }),
        "{:?}",
        app.mode
    );
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("nothing to send · m: move 1 without email (the audit log says so)"),
        "{text}"
    );
    assert!(
        text.contains("OIN-2026-0116: no email (no escalation contact)"),
        "{text}"
    );
    assert!(
        app.update(key(KeyCode::Char('y'))).is_empty(),
        "y has nothing to send"
    );
    let actions = app.update(key(KeyCode::Char('m')));
    match actions.as_slice() {
        [Action::Db(DbRequest::Write(Write::Move(ask)))] => {
            assert_eq!(ask.to, ReviewState::IsvReview);
            assert_eq!(ask.items, items);
        }
        other => panic!("m moves without email: {other:?}"),
    }
    assert_eq!(app.mode, Mode::Normal);
}
