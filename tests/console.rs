//! The console, drawn on ratatui's TestBackend from real sample data (styles included), and
//! driven by key events as a user types them. Whole screens are in tests/snapshots.rs.

mod common;

use common::sample_app;
use common::settle;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oin_review::domain::ReviewState;
use oin_review::tui::app::{Action, App, Msg};
use oin_review::tui::keymap::{Command, Context, Keymap};
use oin_review::tui::queue_state::{FilterItem, SortKey, Tab};
use oin_review::tui::theme::Theme;
use oin_review::tui::views;
use oin_review::tui::worker::{DbRequest, WorkerEvent, Write, run_search};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const NOW: &str = "2026-11-23T12:00:00Z";

fn render(app: &App, theme: &Theme) -> Buffer {
    let (w, h) = app.size();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
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

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn chars(app: &mut App, s: &str) -> Vec<Action> {
    s.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

/// Toggles `item` in the open filter menu, walking its cursor there with j/k from
/// `*cursor` (the menu keeps its cursor while it is open).
fn toggle_filter(app: &mut App, cursor: &mut usize, item: &FilterItem) {
    let target = app
        .queue()
        .filter_items()
        .iter()
        .position(|i| i == item)
        .unwrap();
    while *cursor != target {
        let down = *cursor < target;
        app.update(key(KeyCode::Char(if down { 'j' } else { 'k' })));
        *cursor = if down { *cursor + 1 } else { *cursor - 1 };
    }
    app.update(key(KeyCode::Char(' ')));
}

fn dark() -> Theme {
    Theme::load("dark").unwrap()
}

/// The column where `needle` starts on line `y`.
fn col(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let l = line(buf, y);
    let at = l
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on line {y}: {l}"));
    l[..at].chars().count() as u16
}

/// The row `needle` is on.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| line(buf, y).contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", screen(buf)))
}

/// A plan made by hand: a move to `to` with its emails (or issue lists without `to`), in
/// which each item gets no email for the reason given.
fn no_email_plan(
    to: Option<ReviewState>,
    stopped: &[(&str, &str)],
) -> std::sync::Arc<oin_review::workflow::Plan> {
    use oin_review::workflow::{MoveAsk, MoveItem, MoveRefused, Plan, PlanItem, Planned};
    let items: Vec<MoveItem> = stopped
        .iter()
        .map(|(id, _)| MoveItem {
            id: id.to_string(),
            expected_version: Some(1),
        })
        .collect();
    std::sync::Arc::new(Plan {
        what: match to {
            Some(to) => Planned::Move(MoveAsk {
                email: true,
                reason: Some("asked by phone".into()),
                ..MoveAsk::new(items.clone(), to)
            }),
            None => Planned::IssueLists,
        },
        items: items
            .into_iter()
            .zip(stopped)
            .map(|(item, (_, why))| PlanItem {
                item,
                from: Some(ReviewState::InitialReview),
                result: Err(MoveRefused::NoEmail(why.to_string())),
                email: None,
                claimed_by: None,
                guard: None,
            })
            .collect(),
        kind: None,
        at: NOW.parse().unwrap(),
    })
}

/// Selects `id` in the All tab.
fn select_id(app: &mut App, id: &str) {
    app.update(key(KeyCode::Char('5')));
    app.update(key(KeyCode::Char('g')));
    while app.selected_row().map(|r| r.id()) != Some(id) {
        let before = app.queue().selected();
        app.update(key(KeyCode::Char('j')));
        assert_ne!(app.queue().selected(), before, "{id} not in the queue");
    }
}

#[test]
fn queue_at_80x24_shows_urgent_items_first_with_styles() {
    let app = sample_app(NOW, 80, 24);
    let theme = dark();
    let buf = render(&app, &theme);
    let text = screen(&buf);
    assert!(
        line(&buf, 0).starts_with(" oin-review queue.db @ben draft 3 · OIN 22 · ISV 5 · pub 3"),
        "{}",
        line(&buf, 0)
    );
    assert!(line(&buf, 0).trim_end().ends_with("Mon 12:00 UTC"));
    assert_eq!(
        line(&buf, 3).trim_end(),
        "  ID            APP            ISV        STATE        SLA             TESTS"
    );
    // The most overdue first, selected; its SLA cell in `breached`, saying so in words.
    let first = line(&buf, 4);
    assert!(
        first.starts_with(
            "▶ OIN-2026-0116 Coho Winery I… Coho Vine… init review  3d 3h over      missing"
        ),
        "{first}"
    );
    assert_eq!(buf[(2, 4)].bg, Color::Indexed(24));
    let sla = col(&buf, 4, "3d 3h over");
    assert_eq!(buf[(sla, 4)].fg, Color::LightRed);
    assert!(buf[(sla, 4)].modifier.contains(Modifier::BOLD));
    // Running clocks say what is left.
    assert!(text.contains("3h left"), "{text}");
    // Footer hints come from the keymap.
    assert!(
        line(&buf, 23).starts_with(
            "Enter open  / search  f filter  s sort  ] tab  m move  M mail  q quit  ? help"
        ),
        "{}",
        line(&buf, 23)
    );
    // Text an ISV typed with escapes is shown with visible placeholders only.
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn sla_cells_fit_and_say_left_or_over_and_paused() {
    // "paused 4d" was ambiguous, and "paused -2d 3h" did not fit.
    let mut app = sample_app(NOW, 120, 40);
    app.update(key(KeyCode::Char('2')));
    let buf = render(&app, &dark());
    let text = screen(&buf);
    assert!(text.contains("left, paused"), "{text}");
    for y in 4..buf.area.height - 2 {
        let l = line(&buf, y);
        if let Some(at) = l.find(", paused") {
            // The cell ends right after "paused": nothing is cut.
            assert!(!l[..at + 8].ends_with('…'), "{l}");
        }
    }
}

#[test]
fn the_breached_tab_holds_only_breached_items() {
    let mut app = sample_app(NOW, 120, 40);
    app.update(key(KeyCode::Char('4')));
    assert_eq!(app.queue().tab(), Tab::Breached);
    assert!(!app.queue().is_empty());
    for (_, row) in app.queue().visible(0, 1000) {
        // Against a full recomputation from the submission's history.
        let sub = &app.opened(row.id()).unwrap().sub;
        let status = oin_review::domain::assess(sub, app.policy(), app.now())
            .current_clock()
            .map(|c| c.status);
        assert_eq!(
            status,
            Some(oin_review::domain::ClockStatus::Breached),
            "{}",
            row.id()
        );
    }
    // At-risk items are one filter away.
    assert!(
        app.queue()
            .filter_items()
            .contains(&FilterItem::Sla(oin_review::domain::ClockStatus::AtRisk))
    );
}

#[test]
fn time_in_state_sits_beside_the_state_not_the_sla() {
    let app = sample_app(NOW, 160, 48);
    let buf = render(&app, &dark());
    let head = line(&buf, 3);
    let state = head.find("STATE").unwrap();
    let in_state = head.find("IN STATE").unwrap();
    let sla = head.find("SLA").unwrap();
    assert!(state < in_state && in_state < sla, "{head}");
    assert!(!head.contains("AGE"), "{head}");
}

#[test]
fn the_header_never_runs_into_its_clock() {
    for width in [80u16, 100, 120, 121, 140, 160] {
        let mut app = sample_app(NOW, width, 30);
        app.set_read_only(Some("no write permission".into()));
        let top = line(&render(&app, &dark()), 0);
        let trimmed = top.trim_end();
        assert!(trimmed.ends_with("Mon 12:00 UTC"), "{width}: {top}");
        let before = &trimmed[..trimmed.len() - "Mon 12:00 UTC".len()];
        assert!(
            before.ends_with(' '),
            "{width}: a space before the clock: {top}"
        );
        assert!(top.contains("READ-ONLY"), "{width}: {top}");
    }
}

/// Issue 27, point 4: as the screen widens, queue columns join and none leaves. The side
/// pane appears only where the queue keeps every column beside it.
#[test]
fn every_width_shows_the_queue_columns_of_a_narrower_one_and_more() {
    const ALL: [&str; 9] = [
        "ID", "APP", "ISV", "PROTO", "STATE", "IN STATE", "WHO", "SLA", "TESTS",
    ];
    let titles = |width: u16| -> (Vec<&'static str>, bool) {
        let app = sample_app(NOW, width, 40);
        let buf = render(&app, &dark());
        let head = (0..buf.area.height)
            .map(|y| line(&buf, y))
            .find(|l| l.starts_with("  ID "))
            .unwrap_or_else(|| panic!("{width}: no queue header"));
        let queue_part = head.split('│').next().unwrap().to_string();
        let joined = queue_part.replace("IN STATE", "IN_STATE");
        let words: Vec<&str> = joined
            .split_whitespace()
            .map(|w| if w == "IN_STATE" { "IN STATE" } else { w })
            .collect();
        let shown = ALL.iter().copied().filter(|t| words.contains(t)).collect();
        (shown, screen(&buf).contains(" detail "))
    };
    let mut before: Vec<&str> = Vec::new();
    for width in [60u16, 80, 100, 119, 120, 140, 160, 166, 167, 180, 200, 250] {
        let (now, pane) = titles(width);
        for t in &before {
            assert!(
                now.contains(t),
                "{width} lost {t}: {now:?} (before: {before:?})"
            );
        }
        if pane {
            assert_eq!(now, ALL, "{width}: the pane took a column: {now:?}");
        }
        before = now;
    }
    assert_eq!(before, ALL);
    assert!(
        !titles(160).1,
        "no pane at 160: it would take the queue's columns"
    );
    assert!(titles(200).1, "a pane at 200");
}

/// Issue 27, point 4: the full-screen detail at every width (`z`), and back.
#[test]
fn the_full_screen_detail_is_reachable_at_every_width() {
    for width in [80u16, 120, 200] {
        let mut app = sample_app(NOW, width, 40);
        app.update(key(KeyCode::Char('z')));
        assert_eq!(app.context(), Context::Detail, "{width}");
        let text = screen(&render(&app, &dark()));
        assert!(
            !text.contains("  ID ") && text.contains("── State and SLA"),
            "{width}: the detail alone:\n{text}"
        );
        app.update(key(KeyCode::Char('z')));
        let text = screen(&render(&app, &dark()));
        assert!(text.contains("  ID "), "{width}: back:\n{text}");
    }
    // From the side pane: Enter focuses it, z widens it, z again brings it back beside the
    // queue with the focus kept.
    let mut app = sample_app(NOW, 200, 40);
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Detail);
    app.update(key(KeyCode::Char('z')));
    assert!(!screen(&render(&app, &dark())).contains("  ID "));
    app.update(key(KeyCode::Char('z')));
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("  ID ") && text.contains(" detail "),
        "{text}"
    );
    assert_eq!(app.context(), Context::Detail);
}

#[test]
fn wide_terminal_shows_the_detail_beside_the_queue() {
    let app = sample_app(NOW, 200, 48);
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" detail "));
    assert!(text.contains("OIN-2026-0116 Coho Winery Inventory"));
    assert!(text.contains("── State and SLA"));
    assert!(text.contains("To be reviewed by Okta"));
}

#[test]
fn the_detail_reads_in_the_order_of_the_job() {
    let mut app = sample_app(NOW, 100, 80);
    select_id(&mut app, "OIN-2026-0142");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Detail);
    let text = screen(&render(&app, &dark()));
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s}:\n{text}"));
    let order = [
        "── State and SLA",
        "── Tests",
        "── Findings",
        "── History",
        "── Conversation",
        "── Overview",
        "── Catalog",
        "── Contacts",
        "── Test account",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
    }
    assert!(text.contains("password          ••••••••  (p shows it for 5 s)"));
    assert!(!text.contains("s3cret"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Queue);
}

#[test]
fn every_line_of_the_detail_is_reachable_at_any_size() {
    // 80x24 full screen and the 120x40 side pane: G shows the last wrapped line, and the
    // history's first event and every finding come into view on the way.
    for (w, h) in [(80u16, 24u16), (120, 40), (160, 48)] {
        let mut app = sample_app(NOW, w, h);
        select_id(&mut app, "OIN-2026-0105");
        app.update(key(KeyCode::Enter));
        assert_eq!(app.context(), Context::Detail, "{w}x{h}");
        let mut seen = String::new();
        let mut last_scroll = usize::MAX;
        for _ in 0..400 {
            seen.push_str(&screen(&render(&app, &dark())));
            if app.detail_scroll() == last_scroll {
                break;
            }
            last_scroll = app.detail_scroll();
            app.update(key(KeyCode::Char('j')));
        }
        for needle in [
            "config.variables_count",
            "tests.not_valid_at_submission",
            "→ draft",
            "── Protocol settings",
            "OIDC auth server",
        ] {
            assert!(seen.contains(needle), "{w}x{h}: {needle} never shown");
        }
        // G goes straight to the end; the end is the last line (scrolling stops there).
        app.update(key(KeyCode::Char('g')));
        app.update(key(KeyCode::Char('G')));
        let end = app.detail_scroll();
        let bottom = screen(&render(&app, &dark()));
        assert!(bottom.contains("OIDC auth server"), "{w}x{h}:\n{bottom}");
        app.update(key(KeyCode::Char('j')));
        assert_eq!(app.detail_scroll(), end, "{w}x{h}: never past the end");
        app.update(key(KeyCode::PageUp));
        assert!(app.detail_scroll() < end);
        app.update(ctrl('d'));
        app.update(key(KeyCode::Home));
        assert_eq!(app.detail_scroll(), 0);
    }
}

#[test]
fn wrapped_detail_lines_keep_their_indent() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Enter));
    // To the Findings section (after State and SLA, Timeline and Tests).
    for _ in 0..3 {
        app.update(key(KeyCode::Char(']')));
    }
    let buf = render(&app, &dark());
    let y = row_of(&buf, "1. [x] blocker Add a customer configuration");
    let next = line(&buf, y + 1);
    assert!(
        next.starts_with("                  guide)"),
        "the continuation starts under the text: {next:?}"
    );
}

#[test]
fn section_jumps_and_the_position_indicator() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Enter));
    let top = screen(&render(&app, &dark()));
    assert!(top.contains(" State and SLA 1/12 · 0% "), "{top}");
    app.update(key(KeyCode::Char(']')));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" Timeline (business days) 2/12 "), "{text}");
    app.update(key(KeyCode::Char(']')));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" Tests 3/12 "), "{text}");
    assert_eq!(
        line(&render(&app, &dark()), 3),
        format!("{:<80}", "── Tests ")
    );
    app.update(key(KeyCode::Char(']')));
    app.update(key(KeyCode::Char(']')));
    assert!(screen(&render(&app, &dark())).contains(" History 5/12 "));
    app.update(key(KeyCode::Char('[')));
    assert!(screen(&render(&app, &dark())).contains(" Findings 4/12 "));
}

#[test]
fn password_shows_for_five_seconds_only() {
    let mut app = sample_app(NOW, 200, 48);
    select_id(&mut app, "OIN-2026-0142");
    app.update(key(KeyCode::Char('p')));
    // The side pane shows it at the end of a long detail: go there.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char('G')));
    assert!(screen(&render(&app, &dark())).contains("s3cret"));
    app.update(Msg::Tick("2026-11-23T12:00:05Z".parse().unwrap()));
    assert!(!screen(&render(&app, &dark())).contains("s3cret"));
}

#[test]
fn help_shows_every_context_with_its_id_and_scrolls_within_it() {
    let mut app = sample_app(NOW, 100, 40);
    app.update(key(KeyCode::Char('?')));
    assert_eq!(app.context(), Context::Help);
    let text = screen(&render(&app, &dark()));
    for expected in [
        "Everywhere  [keys] \"global.…\"",
        "Queue  [keys] \"queue.…\"",
        "j ↓",
        "next submission",
        "(sort_next)",
    ] {
        assert!(text.contains(expected), "help lacks {expected:?}");
    }
    // PgDn pages, End reaches the last context, and never past it.
    app.update(key(KeyCode::PageDown));
    let paged = screen(&render(&app, &dark()));
    assert!(!paged.contains("Everywhere"), "{paged}");
    app.update(key(KeyCode::End));
    let end = screen(&render(&app, &dark()));
    assert!(end.contains("Outbox  [keys] \"outbox.…\""), "{end}");
    app.update(key(KeyCode::Char('j')));
    assert_eq!(screen(&render(&app, &dark())), end, "not past the end");
    app.update(key(KeyCode::Char('g')));
    assert!(screen(&render(&app, &dark())).contains("Everywhere"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Queue);
}

#[test]
fn too_small_wraps_its_notice_and_no_mode_panics_at_any_size() {
    let mut app = sample_app(NOW, 40, 10);
    let text = screen(&render(&app, &dark()));
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        words, "terminal too small: need 60x15, have 40x10",
        "wrapped whole"
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
        for keys in [
            "\n", "?", "\x1b", "f", "\x1b", "m", "\x1b", "x", "\x1b", "O", "\x1b", ":", "\x1b",
            "A", "\x1b",
        ] {
            for c in keys.chars() {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    '\x1b' => KeyCode::Esc,
                    c => KeyCode::Char(c),
                };
                app.update(key(code));
                render(&app, &dark());
            }
        }
    }
}

#[test]
fn search_narrows_as_you_type_edits_like_a_shell_and_highlights_matches() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('5'))); // All tab
    app.update(key(KeyCode::Char('/')));
    assert_eq!(app.context(), Context::Search);
    let actions = chars(&mut app, "a");
    assert!(matches!(&actions[..], [Action::Search(1, q, None)] if q == "a"));
    settle(&mut app, actions);
    // Once "a" has results, "ac" searches only within them.
    let actions = chars(&mut app, "c");
    assert!(matches!(&actions[..], [Action::Search(2, q, Some(_))] if q == "ac"));
    settle(&mut app, actions);
    let actions = chars(&mut app, "mexp");
    settle(&mut app, actions);
    let matches = app.queue().len();
    assert!(matches < 33, "{matches}");
    assert_eq!(app.selected_row().unwrap().id(), "OIN-2026-0142");
    let buf = render(&app, &dark());
    let row = line(&buf, 4);
    assert!(row.contains("Acme Expense"), "{row}");
    let a = col(&buf, 4, "Acme");
    assert!(
        buf[(a, 4)].modifier.contains(Modifier::UNDERLINED),
        "matched 'A' is highlighted"
    );
    assert!(
        line(&buf, 22).starts_with(&format!("/acmexp    {matches} match(es)")),
        "{}",
        line(&buf, 22)
    );
    // A stale result (an older generation) is ignored: latest query wins.
    run_search(
        &app.search_request(1, "a".into(), None),
        &|| false,
        &mut |stale| {
            app.update(Msg::Worker(WorkerEvent::SearchDone(stale)));
        },
    );
    assert_eq!(app.queue().len(), matches);
    // The cursor moves; Ctrl-W deletes a word, Ctrl-U the line; paste inserts.
    app.update(key(KeyCode::Left));
    app.update(key(KeyCode::Left));
    let actions = chars(&mut app, " ");
    settle(&mut app, actions);
    assert_eq!(app.queue().query(), "acme xp");
    app.update(key(KeyCode::End));
    settle(&mut app, vec![]);
    let actions = app.update(ctrl('w'));
    settle(&mut app, actions);
    assert_eq!(app.queue().query(), "acme ");
    let actions = app.update(ctrl('u'));
    settle(&mut app, actions);
    assert_eq!(app.queue().query(), "");
    assert_eq!(app.queue().len(), 33);
    let actions = app.update(Msg::Paste("coho\n".into()));
    settle(&mut app, actions);
    assert_eq!(app.queue().query(), "coho ");
    app.update(key(KeyCode::Esc));
    assert!(app.queue().query().is_empty());
    assert_eq!(app.queue().len(), 33);
}

#[test]
fn filters_combine_and_show_as_chips() {
    let mut app = sample_app(NOW, 160, 30);
    app.update(key(KeyCode::Char('5')));
    app.update(key(KeyCode::Char('f')));
    assert_eq!(app.context(), Context::Filter);
    let mut cursor = 0usize;
    let mut toggle = |app: &mut App, item: FilterItem| toggle_filter(app, &mut cursor, &item);
    toggle(&mut app, FilterItem::State(ReviewState::QaTesting));
    toggle(&mut app, FilterItem::State(ReviewState::InitialReview));
    toggle(&mut app, FilterItem::Assignee(Some("ben".into())));
    app.update(key(KeyCode::Esc));
    // (QA or initial review) and assigned to ben.
    let rows: Vec<_> = app.queue().visible(0, 100).map(|(_, r)| r).collect();
    assert_eq!(rows.len(), 4);
    for r in rows {
        assert!(matches!(
            r.state,
            ReviewState::QaTesting | ReviewState::InitialReview
        ));
        assert_eq!(r.assignee.as_deref(), Some("ben"));
    }
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" State: To be QA tested by Okta "), "{text}");
    assert!(text.contains(" Assignee: ben "));
    app.update(key(KeyCode::Char('F')));
    assert_eq!(app.queue().len(), 33);
}

#[test]
fn tabs_sort_navigation_and_state_names() {
    let mut app = sample_app(NOW, 100, 30);
    assert_eq!(app.queue().tab(), Tab::NeedsOin);
    assert_eq!(app.queue().len(), 22);
    app.update(key(KeyCode::Char(']')));
    assert_eq!(app.queue().tab(), Tab::WithIsv);
    assert_eq!(
        app.queue().len(),
        5,
        "ISV needs to review, ISV needs to fix bugs"
    );
    app.update(key(KeyCode::Char('[')));
    assert_eq!(app.queue().tab(), Tab::NeedsOin);
    app.update(key(KeyCode::Char('3')));
    assert!(
        app.queue()
            .visible(0, 100)
            .all(|(_, r)| r.assignee.as_deref() == Some("ben"))
    );
    app.update(key(KeyCode::Char('5')));
    // Navigation: G, g, PgDn, Ctrl-d, Ctrl-u.
    app.update(key(KeyCode::Char('G')));
    assert_eq!(app.queue().selected(), 32);
    app.update(key(KeyCode::Char('g')));
    assert_eq!(app.queue().selected(), 0);
    app.update(key(KeyCode::PageDown));
    let page = app.page_rows();
    assert_eq!(app.queue().selected(), page);
    app.update(ctrl('u'));
    assert_eq!(app.queue().selected(), page - page / 2);
    app.update(ctrl('d'));
    assert_eq!(app.queue().selected(), page - page / 2 + page / 2);
    app.update(key(KeyCode::Char('g')));
    app.update(key(KeyCode::Char('s')));
    assert_eq!(app.queue().sort().0, SortKey::Age);
    app.update(key(KeyCode::Char('s')));
    assert_eq!(app.queue().sort().0, SortKey::App);
    let names: Vec<String> = app
        .queue()
        .visible(0, 100)
        .map(|(_, r)| r.app_name().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    app.update(key(KeyCode::Char('S')));
    assert_eq!(
        app.queue().visible(0, 1).next().unwrap().1.app_name(),
        "Woodgrove Banking Portal"
    );
    // w switches the STATE column between the Manager's names and the Wizard's groups.
    app.update(key(KeyCode::Char('g')));
    let buf = render(&app, &dark());
    let y = row_of(&buf, "▶ OIN-2026-0110");
    assert!(line(&buf, y).contains(" init review "), "{}", line(&buf, y));
    app.update(key(KeyCode::Char('w')));
    let buf = render(&app, &dark());
    let l = line(&buf, y);
    assert!(
        l.contains(" OIN to revi") && !l.contains("init review"),
        "{l}"
    );
}

#[test]
fn tab_switches_panes_ctrl_r_reloads_ctrl_z_suspends() {
    let mut app = sample_app(NOW, 200, 48);
    assert_eq!(app.context(), Context::Queue);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.context(), Context::Detail);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.context(), Context::Queue);
    assert!(matches!(
        app.update(ctrl('r'))[..],
        [Action::Db(DbRequest::Reload)]
    ));
    assert!(matches!(app.update(ctrl('z'))[..], [Action::Suspend]));
    assert!(matches!(
        app.update(key(KeyCode::Char('y')))[..],
        [Action::CopyToClipboard(ref id)] if id == "OIN-2026-0116"
    ));
    app.update(Msg::Copied(
        oin_review::tui::app::Level::Info,
        "copied OIN-2026-0116 to tmux's paste buffer".into(),
    ));
    assert!(screen(&render(&app, &dark())).contains("copied OIN-2026-0116 to tmux's paste buffer"));
}

/// Issue 27, point 5: at 80 columns the top line abbreviates before it cuts: the tabs not
/// chosen shrink, then the filter chips lose their section names, then become a count; the
/// search chip (the analyst's own words) and the sort stay whole.
#[test]
fn at_80_columns_chips_abbreviate_and_the_query_and_sort_stay_whole() {
    let mut app = sample_app(NOW, 80, 24);
    let top = |app: &App| line(&render(app, &dark()), 1);
    app.update(key(KeyCode::Char('f')));
    let mut cursor = 0usize;
    let mut toggle = |app: &mut App, item: FilterItem| toggle_filter(app, &mut cursor, &item);
    toggle(&mut app, FilterItem::State(ReviewState::IsvReview));
    app.update(key(KeyCode::Esc));
    // One filter fits whole beside shrunk tabs.
    let l = top(&app);
    assert!(
        l.contains(" State: ISV needs to review ") && l.contains("sort: SLA"),
        "{l}"
    );
    // With a search: the filter chip loses its section or becomes a count; the query is
    // whole, and so is the sort after `s` (time in state: "age").
    app.update(key(KeyCode::Char('s')));
    let actions: Vec<Action> = "/contoso"
        .chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect();
    settle(&mut app, actions);
    app.update(key(KeyCode::Enter));
    let l = top(&app);
    assert!(l.contains(" ISV review ") && !l.contains("State:"), "{l}");
    assert!(
        l.contains(" /contoso ") && l.trim_end().ends_with("sort: age"),
        "{l}"
    );
    assert!(
        l.starts_with(" 1 Needs OIN "),
        "the chosen tab is seen: {l}"
    );
    // A longer query: the count shortens and the sort chip goes (the query stays whole).
    let actions: Vec<Action> = "/ state:isv_review"
        .chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect();
    settle(&mut app, actions);
    app.update(key(KeyCode::Enter));
    let l = top(&app);
    assert!(
        l.contains(" 1 filter ") && l.trim_end().ends_with(" /contoso state:isv_review"),
        "{l}"
    );
    assert!(
        l.starts_with(" 1 Needs OIN "),
        "the chosen tab is seen: {l}"
    );
}

/// Issue 27, point 5: a message longer than its line is cut with a pointer to the messages
/// log (`:messages`), which shows every message whole, newest first.
#[test]
fn a_message_too_long_for_its_line_reads_whole_in_the_messages_log() {
    let mut app = sample_app(NOW, 80, 24);
    let long = "copied OIN-2026-0116 to tmux's paste buffer (prefix ] pastes it; tmux passes it to the system clipboard when set-clipboard is on)";
    app.update(Msg::Copied(
        oin_review::tui::app::Level::Info,
        "marks cleared".into(),
    ));
    app.update(Msg::Copied(oin_review::tui::app::Level::Info, long.into()));
    let buf = render(&app, &dark());
    let said = line(&buf, 22);
    assert!(
        said.starts_with("copied OIN-2026-0116 to tmux's paste buffer")
            && said.trim_end().ends_with("… (:messages)"),
        "{said}"
    );
    for c in ":messages".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    let text = screen(&render(&app, &dark()));
    let whole: String = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        whole.contains("when set-clipboard is on)") && whole.contains("12:00:00  copied"),
        "{text}"
    );
    // Newest first.
    assert!(
        whole.find("copied").unwrap() < whole.find("marks cleared").unwrap(),
        "{text}"
    );
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Queue);
}

#[test]
fn selection_is_kept_by_id_across_reloads() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('j')));
    let id = app.selected_row().unwrap().id().to_string();
    let reload = |app: &mut App, at, reverse: bool| {
        let mut rows: Vec<_> = app.queue().rows().iter().cloned().collect();
        if reverse {
            rows.reverse();
        }
        app.update(Msg::Worker(WorkerEvent::Loaded {
            rows: std::sync::Arc::new(rows),
            complete: true,
            at,
            took: std::time::Duration::ZERO,
            external: true,
        }));
    };
    let now = app.now();
    reload(&mut app, now, true);
    assert_eq!(app.selected_row().unwrap().id(), id);
    let said = |app: &App| app.message().map(|m| m.text.clone()).unwrap_or_default();
    assert_eq!(said(&app), "reloaded: another analyst changed the queue");
    // A result the analyst was just given stays readable for a few seconds.
    app.update(key(KeyCode::Char('V')));
    let told = said(&app);
    assert!(told.starts_with("marked the"), "{told}");
    reload(&mut app, now + jiff::SignedDuration::from_secs(2), false);
    assert_eq!(
        said(&app),
        format!("{told} · reloaded: another analyst changed the queue")
    );
    reload(&mut app, now + jiff::SignedDuration::from_secs(3), false);
    assert_eq!(
        said(&app),
        format!("{told} · reloaded: another analyst changed the queue")
    );
    reload(&mut app, now + jiff::SignedDuration::from_secs(60), false);
    assert_eq!(said(&app), "reloaded: another analyst changed the queue");
}

#[test]
fn palette_runs_any_command_by_name_and_edits_its_query() {
    let mut app = sample_app(NOW, 100, 30);
    app.update(key(KeyCode::Char(':')));
    assert_eq!(app.context(), Context::Palette);
    chars(&mut app, "xyz");
    app.update(ctrl('u'));
    chars(&mut app, "breached");
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("command palette"));
    assert!(
        text.contains(": breached"),
        "Ctrl-U cleared the typed text: {text}"
    );
    assert!(text.contains("tab: breached"), "{text}");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.queue().tab(), Tab::Breached);
    assert_eq!(app.context(), Context::Queue);
    // A command that opens an overlay opens it.
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "outbox");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Outbox);
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

/// A keymap from a real config file, through the config parser (its lines included).
fn keymap_from(text: &str) -> Result<Keymap, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let config = oin_review::config::Config::load_from(&path).map_err(|e| e.to_string())?;
    Keymap::with_overrides(&config.keys, |k| config.line_of(k)).map_err(|e| e.to_string())
}

#[test]
fn keys_rebind_by_context_id_with_errors_that_name_their_line() {
    // Every context id loads.
    let mut text = String::from("theme = \"dark\"\n[keys]\n");
    let known = Keymap::defaults();
    for ctx in Context::ALL {
        let b = known.bindings.iter().find(|b| b.context == ctx).unwrap();
        text.push_str(&format!(
            "\"{}.{}\" = {:?}\n",
            ctx.id(),
            b.command.name(),
            b.keys
                .iter()
                .map(|k| k.to_string().to_lowercase())
                .collect::<Vec<_>>()
        ));
    }
    keymap_from(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // The ones the old prefix matching refused.
    for name in [
        "palette.down",
        "global.quit",
        "preview.yes",
        "findings.toggle",
        "report.close",
    ] {
        keymap_from(&format!("[keys]\n\"{name}\" = [\"f5\"]\n"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // An empty or unknown context is refused with its line, and deletes nothing.
    let err = keymap_from("mouse = false\n[keys]\n\".down\" = [\"j\"]\n").unwrap_err();
    assert!(
        err.starts_with("line 3: keys.\".down\": unknown context \"\""),
        "{err}"
    );
    assert!(err.contains("global, queue, detail, search"), "{err}");
    let err = keymap_from("[keys]\n\"queues.down\" = [\"j\"]\n").unwrap_err();
    assert!(err.starts_with("line 2: "), "{err}");
    let err = keymap_from("[keys]\n\"queue.fly\" = [\"j\"]\n").unwrap_err();
    assert!(
        err.contains("line 2: keys.\"queue.fly\": no command \"fly\" in queue"),
        "{err}"
    );
    // A conflict names the line that made it.
    let err = keymap_from("[keys]\n\n\"queue.down\" = [\"s\"]\n").unwrap_err();
    assert!(err.starts_with("line 3: key s is bound to both"), "{err}");
    let err = keymap_from("[keys]\n\"queue.down\" = [\"hyper-x\"]\n").unwrap_err();
    assert!(
        err.starts_with("line 2: keys.\"queue.down\": unknown key \"hyper-x\""),
        "{err}"
    );
}

#[test]
fn a_shift_binding_fires_and_every_text_names_the_key_in_force() {
    let keymap = keymap_from(
        "[keys]\n\"queue.findings\" = [\"shift-z\"]\n\"queue.add_finding\" = [\"ctrl-n\"]\n",
    )
    .unwrap();
    // Terminals send Z with SHIFT, or Z alone: both are shift-z.
    for mods in [KeyModifiers::SHIFT, KeyModifiers::NONE] {
        let ev = KeyEvent::new(KeyCode::Char('Z'), mods);
        assert_eq!(keymap.lookup(Context::Queue, &ev), Some(Command::Findings));
    }
    let mut app = sample_app(NOW, 120, 40);
    let policy = std::sync::Arc::new(app.policy().clone());
    let rows = oin_review::exchange::parse_submissions("samples.json", common::SAMPLES.as_bytes())
        .unwrap();
    app = App::new(
        keymap,
        policy,
        "ben".into(),
        "q.db".into(),
        NOW.parse().unwrap(),
    );
    app.update(Msg::Resize(200, 40));
    common::feed(&mut app, rows);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('Z'),
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.context(), Context::Findings);
    app.update(key(KeyCode::Esc));
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("Z: curate · Ctrl-n: add"),
        "the detail says the keys in force: {text}"
    );
}

#[test]
fn the_issue_list_overlay_shows_findings_toggles_them_and_n_stays_in_it() {
    let mut app = sample_app(NOW, 160, 48);
    assert_eq!(app.selected_row().unwrap().id(), "OIN-2026-0116");
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.context(), Context::Findings);
    let buf = render(&app, &dark());
    let text = screen(&buf);
    assert!(text.contains("issue list of OIN-2026-0116"), "{text}");
    assert!(text.contains("3 of 3 go in the next email"), "{text}");
    let y = row_of(&buf, "[x] blocker Add a customer configuration");
    let sev = col(&buf, y, "blocker");
    assert_eq!(
        buf[(sev, y)].fg,
        Color::LightRed,
        "blockers in the error style"
    );
    // Leaving a lint finding out asks for a reason; the reason goes with the edit.
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.context(), Context::Input);
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
    assert_eq!(app.context(), Context::Findings, "back in the issue list");
    // n adds a finding and comes back to the list, too.
    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.context(), Context::Input);
    app.update(key(KeyCode::Tab));
    chars(&mut app, "SSO loops.");
    let actions = app.update(key(KeyCode::Enter));
    assert!(matches!(
        &actions[..],
        [Action::Db(DbRequest::Write(Write::EditIssues { edits, .. }))]
            if matches!(&edits[0], oin_review::domain::IssueEdit::Add { severity: oin_review::domain::Severity::Blocker, .. })
    ));
    assert_eq!(
        app.context(),
        Context::Findings,
        "n stays in the issue list"
    );
}

#[test]
fn a_read_only_queue_shows_a_banner_and_every_write_key_says_why() {
    let mut app = sample_app(NOW, 160, 48);
    app.set_read_only(Some("no write permission on the file".into()));
    let theme = dark();
    let buf = render(&app, &theme);
    let at = col(&buf, 0, "READ-ONLY");
    assert_eq!(buf[(at, 0)].fg, theme.error.fg.unwrap());
    // Browsing still works.
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.queue().selected(), 1);
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
        assert_eq!(app.context(), Context::Queue, "{k} opened nothing");
        assert_eq!(
            app.message().unwrap().text,
            format!("read-only: cannot {what} (no write permission on the file)")
        );
    }
    // The issue list and the outbox open for reading; their write keys refuse too.
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.context(), Context::Findings);
    assert!(app.update(key(KeyCode::Char(' '))).is_empty());
    assert!(
        app.message()
            .unwrap()
            .text
            .contains("cannot change the issue list")
    );
    app.update(key(KeyCode::Esc));
    // The outbox opens; retrying an email from it is a write.
    app.update(key(KeyCode::Char('O')));
    assert_eq!(app.context(), Context::Outbox);
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    assert_eq!(
        app.message().unwrap().text,
        "read-only: cannot retry email (no write permission on the file)"
    );
    app.update(key(KeyCode::Esc));
    // An email preview opens (reading); sending it, or moving without it, is refused.
    for k in ['y', 'm'] {
        app.update(Msg::Worker(WorkerEvent::Planned {
            plan: no_email_plan(
                Some(ReviewState::IsvReview),
                &[("OIN-2026-0116", "no escalation contact")],
            ),
            again: false,
        }));
        assert_eq!(app.context(), Context::Preview);
        assert!(app.update(key(KeyCode::Char(k))).is_empty(), "{k}");
        assert_eq!(
            app.message().unwrap().text,
            "read-only: cannot send email or move (no write permission on the file)",
            "{k}"
        );
        assert_eq!(app.context(), Context::Queue, "{k}: the preview closed");
    }
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
        app.message().unwrap().text,
        "read-only: cannot claim submissions (the database is damaged: restore it from a backup)"
    );
}

#[test]
fn as_of_pins_the_clock_and_says_so() {
    let mut app = sample_app(NOW, 100, 30);
    app.pin_clock("2026-11-13T09:00:00Z".parse().unwrap());
    app.update(Msg::Tick("2026-12-01T09:00:00Z".parse().unwrap()));
    let theme = dark();
    let buf = render(&app, &theme);
    let top = line(&buf, 0);
    assert!(top.contains("as of Fri 2026-11-13 09:00 UTC"), "{top}");
    let x = col(&buf, 0, "as of");
    assert_eq!(
        buf[(x, 0)].fg,
        theme.warn.fg.unwrap(),
        "the pinned clock stands out"
    );
    // The clocks are at that instant: 0116 entered initial review on 2026-11-10.
    select_id(&mut app, "OIN-2026-0116");
    let row = line(&render(&app, &theme), 4);
    assert!(row.contains("left"), "not yet breached on the 13th: {row}");
}

#[test]
fn the_claim_warning_names_the_items_claimed() {
    // Planned by the workflow on a real queue (issue-list emails off: the confirmation).
    let (_sb, wf) = common::sample_workflow(oin_review::config::EmailSwitches {
        issues: false,
        ..Default::default()
    });
    // As carla: 0131 is ben's, 0117 is carla's own.
    let rows = oin_review::exchange::parse_submissions("samples.json", common::SAMPLES.as_bytes())
        .unwrap();
    let policy = std::sync::Arc::new(common::builtin_policy());
    let mut app = App::new(
        Keymap::defaults(),
        policy,
        "carla".into(),
        "q.db".into(),
        NOW.parse().unwrap(),
    );
    app.update(Msg::Resize(120, 40));
    common::feed(&mut app, rows);
    for id in ["OIN-2026-0131", "OIN-2026-0117"] {
        select_id(&mut app, id);
        app.update(key(KeyCode::Char(' ')));
    }
    for k in [KeyCode::Char('m'), KeyCode::Enter, KeyCode::Enter] {
        let actions = app.update(key(k));
        common::serve(&mut app, &wf, actions);
    }
    assert_eq!(app.context(), Context::Confirm);
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("Claimed by ben: OIN-2026-0131"), "{text}");
    assert!(!text.contains("Claimed by carla"), "{text}");
}

#[test]
fn the_outbox_shows_when_to_whom_and_what_and_enter_opens_a_message() {
    let mut app = sample_app(NOW, 160, 48);
    let rec = common::sent_email(
        7,
        "OIN-2026-0116",
        "okta-escalations@coho.example",
        "[OIN] Coho Winery Inventory (OIN-2026-0116): issues found in initial review",
        "2026-11-23T10:00:05Z",
    );
    app.update(Msg::Worker(WorkerEvent::Outbox(std::sync::Arc::new(vec![
        rec,
    ]))));
    app.update(key(KeyCode::Char('O')));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("11-23 10:00"), "{text}");
    assert!(text.contains("issue list"), "{text}");
    assert!(text.contains("okta-escalations@coho.example"), "{text}");
    let actions = app.update(key(KeyCode::Enter));
    assert!(
        matches!(actions[..], [Action::Db(DbRequest::ShowEmail(7))]),
        "{actions:?}"
    );
    app.update(Msg::Worker(WorkerEvent::Email {
        id: 7,
        text: "From: OIN Review\nSubject: issues\n\nHello Coho team,".into(),
    }));
    assert_eq!(app.context(), Context::Report);
    assert!(screen(&render(&app, &dark())).contains("Hello Coho team,"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Outbox, "back to the outbox");
}

#[test]
fn the_email_preview_scrolls_within_its_content() {
    let mut app = sample_app(NOW, 80, 24);
    let ids: Vec<String> = (0..30).map(|i| format!("OIN-X-{i:02}")).collect();
    let stopped: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| (id.as_str(), "no escalation contact"))
        .collect();
    app.update(Msg::Worker(WorkerEvent::Planned {
        plan: no_email_plan(Some(ReviewState::IsvReview), &stopped),
        again: false,
    }));
    assert_eq!(app.context(), Context::Preview);
    let top = screen(&render(&app, &dark()));
    assert!(top.contains("OIN-X-00"), "{top}");
    app.update(key(KeyCode::End));
    let end = screen(&render(&app, &dark()));
    assert!(
        end.contains("OIN-X-29") && !end.contains("OIN-X-00"),
        "{end}"
    );
    app.update(key(KeyCode::PageDown));
    assert_eq!(screen(&render(&app, &dark())), end, "never past the end");
    app.update(key(KeyCode::Char('g')));
    assert_eq!(screen(&render(&app, &dark())), top);
}

#[test]
fn the_move_picker_says_how_many_a_gate_stops_and_the_confirmation_names_them() {
    // 000:84 "If QA testing is successful, your integration is automatically published":
    // open blockers stop publishing and passing initial review. The workflow plans them.
    let (_sb, wf) = common::sample_workflow(oin_review::config::EmailSwitches {
        qa_started: false,
        ..Default::default()
    });
    let mut app = sample_app(NOW, 120, 40);
    for id in ["OIN-2026-0116", "OIN-2026-0131"] {
        select_id(&mut app, id);
        app.update(key(KeyCode::Char(' ')));
    }
    let actions = app.update(key(KeyCode::Char('m')));
    let planning = screen(&render(&app, &dark()));
    assert!(planning.contains("planning…"), "{planning}");
    common::serve(&mut app, &wf, actions);
    let choice = app
        .choices_for(&app.pin_targets())
        .unwrap()
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
    for k in [KeyCode::Down, KeyCode::Enter, KeyCode::Enter] {
        let actions = app.update(key(k));
        common::serve(&mut app, &wf, actions);
    }
    assert_eq!(app.context(), Context::Confirm);
    let text = screen(&render(&app, &theme));
    assert!(
        text.contains("Move 0 of 2 submission(s) to To be QA tested by Okta?"),
        "{text}"
    );
    assert!(
        text.contains("A gate stops 2, not moved: OIN-2026-0116 (3 blockers), OIN-2026-0131 (1"),
        "{text}"
    );
}

#[test]
fn the_email_preview_sends_or_moves_without_email() {
    let mut app = sample_app(NOW, 120, 40);
    let plan = no_email_plan(
        Some(ReviewState::IsvReview),
        &[("OIN-2026-0116", "no escalation contact")],
    );
    // With nothing to send the preview says why, and the analyst can still move without email.
    app.update(Msg::Worker(WorkerEvent::Planned {
        plan: plan.clone(),
        again: false,
    }));
    assert_eq!(app.context(), Context::Preview);
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
    // m plans the move again without email, for the confirmation to show.
    let actions = app.update(key(KeyCode::Char('m')));
    match actions.as_slice() {
        [
            Action::Db(DbRequest::Plan {
                ask: oin_review::tui::worker::PlanAsk::Move(ask),
                again: false,
            }),
        ] => {
            assert_eq!(ask.to, ReviewState::IsvReview);
            assert!(!ask.email);
            assert_eq!(ask.items, plan.pinned());
            assert_eq!(ask.reason.as_deref(), Some("asked by phone"));
        }
        other => panic!("m plans a move without email: {other:?}"),
    }
    assert_eq!(app.context(), Context::Queue);
}

/// How many of the sample submissions pass `f` (counted from the JSON, not by the app).
fn count_samples(f: impl Fn(&serde_json::Value) -> bool) -> usize {
    let samples: Vec<serde_json::Value> = serde_json::from_str(common::SAMPLES).unwrap();
    samples.iter().filter(|s| f(s)).count()
}

fn contoso(s: &serde_json::Value) -> bool {
    s["isv"]
        .as_str()
        .unwrap_or("")
        .to_lowercase()
        .contains("contoso")
}

#[test]
fn field_terms_in_the_search_filter_exactly_show_as_chips_and_a_bad_field_is_named() {
    let mut app = sample_app(NOW, 120, 30);
    let contoso_not_initial = count_samples(|s| contoso(s) && s["state"] != "initial_review");
    app.update(key(KeyCode::Char('5'))); // All tab
    app.update(key(KeyCode::Char('/')));
    let actions = chars(&mut app, "isv:contoso -state:initial_review");
    settle(&mut app, actions);
    assert_eq!(app.queue().len(), contoso_not_initial);
    let buf = render(&app, &dark());
    let theme = dark();
    let bottom = line(&buf, 28);
    assert!(
        bottom.contains("[isv:contoso] [-state:initial_review]"),
        "{bottom}"
    );
    // The terms are highlighted where they were typed.
    let at = col(&buf, 28, "isv:contoso");
    assert_eq!(buf[(at, 28)].fg, theme.accent.fg.unwrap());
    // Terms alone rank nothing: the view keeps the SLA sort.
    let ids: Vec<String> = app
        .queue()
        .view_ids()
        .into_iter()
        .map(String::from)
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| {
        app.queue()
            .rows()
            .iter()
            .find(|r| r.id() == id)
            .unwrap()
            .urgency()
    });
    assert_eq!(ids, sorted);
    // A free word ranks within what the terms keep.
    let actions = chars(&mut app, " wiki");
    settle(&mut app, actions);
    assert!(!app.queue().is_empty() && app.queue().len() < contoso_not_initial);
    let first = app.queue().view_ids()[0].to_string();
    let row = app.queue().rows().iter().find(|r| r.id() == first).unwrap();
    assert!(row.app_name().contains("Wiki"), "{}", row.app_name());

    // An unknown field: the line says so in the error colour; the last results stay.
    app.update(ctrl('u'));
    let actions = chars(&mut app, "stat");
    settle(&mut app, actions);
    let shown = app.queue().len();
    let actions = chars(&mut app, ":x");
    assert!(actions.is_empty(), "nothing to search: {actions:?}");
    assert_eq!(app.queue().len(), shown, "the last results stay");
    let buf = render(&app, &theme);
    let bottom = line(&buf, 28);
    assert!(bottom.contains("unknown field \"stat\""), "{bottom}");
    let at = col(&buf, 28, "unknown field");
    assert_eq!(buf[(at, 28)].fg, theme.error.fg.unwrap());
}

#[test]
fn saved_views_are_tabs_after_the_built_in_ones_with_their_counts() {
    use oin_review::domain::query::{View, builtin_views, parse};
    let mut app = sample_app(NOW, 120, 30);
    let mut views = builtin_views();
    views.push(View {
        name: "Contoso".into(),
        query: parse("isv:contoso").unwrap(),
        builtin: false,
    });
    app.set_views(views);
    let contoso = count_samples(contoso);
    let buf = render(&app, &dark());
    let tabs = line(&buf, 1);
    assert!(
        tabs.contains(&format!("5 All   Contoso {contoso} ")),
        "{tabs}"
    );
    for _ in 0..5 {
        app.update(key(KeyCode::Char(']')));
    }
    assert_eq!(app.queue().len(), contoso);
    let buf = render(&app, &dark());
    let at = col(&buf, 1, "Contoso");
    assert_eq!(
        buf[(at, 1)].fg,
        dark().tab_active.fg.unwrap(),
        "the active tab"
    );
    app.update(key(KeyCode::Char(']')));
    assert_eq!(
        app.queue().tab(),
        oin_review::tui::queue_state::Tab::NeedsOin,
        "and round"
    );
}

#[test]
fn a_mention_shows_in_mine_with_a_mark_and_n_writes_a_note() {
    let mut app = sample_app(NOW, 120, 30);
    app.update(key(KeyCode::Char('3'))); // Mine
    let mine_before = app.queue().len();
    app.update(Msg::Worker(WorkerEvent::Attention(
        ["OIN-2026-0142".to_string()].into_iter().collect(),
    )));
    assert_eq!(app.queue().len(), mine_before + 1, "the mention joins Mine");
    let buf = render(&app, &dark());
    let y = (0..30)
        .find(|&y| line(&buf, y).contains("OIN-2026-0142"))
        .expect("the row is shown");
    assert!(
        line(&buf, y).starts_with(" @OIN-2026-0142")
            || line(&buf, y).starts_with("▶@OIN-2026-0142"),
        "{}",
        line(&buf, y)
    );
    assert_eq!(buf[(1, y)].fg, dark().mark.fg.unwrap());
    // Acted on (the database empties the set): it leaves Mine.
    app.update(Msg::Worker(WorkerEvent::Attention(Default::default())));
    assert_eq!(app.queue().len(), mine_before);

    // N: an internal note on the selected submission.
    app.update(key(KeyCode::Char('5')));
    let id = app.selected_row().unwrap().id().to_string();
    app.update(key(KeyCode::Char('N')));
    assert_eq!(app.context(), Context::Input);
    let buf = render(&app, &dark());
    assert!(screen(&buf).contains("internal note"), "{}", screen(&buf));
    chars(&mut app, "ask @bea");
    // Esc over a typed note asks first; the text is still there.
    app.update(key(KeyCode::Esc));
    assert_eq!(app.context(), Context::Input, "one Esc keeps the note");
    assert_eq!(
        app.message().unwrap().text,
        "discard what you typed? Esc again discards it, Enter saves it"
    );
    let actions = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&actions[..], [Action::Db(DbRequest::Write(Write::Note { id: i, text }))] if *i == id && text == "ask @bea"),
        "{actions:?}"
    );
    // Esc twice discards; Esc on an empty note closes at once.
    app.update(key(KeyCode::Char('N')));
    chars(&mut app, "draft");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert_ne!(app.context(), Context::Input);
    assert_eq!(app.message().unwrap().text, "cancelled: nothing changed");
    app.update(key(KeyCode::Char('N')));
    app.update(key(KeyCode::Esc));
    assert_ne!(app.context(), Context::Input);
}

#[test]
fn the_reports_view_reads_its_figures_once_at_a_time_and_catches_up() {
    use oin_review::domain::report::WorkloadRow;
    use oin_review::workflow::reports::Reports;
    let mut app = sample_app(NOW, 80, 24);
    let reads = |actions: &[Action]| {
        actions
            .iter()
            .filter(|a| matches!(a, Action::Db(DbRequest::Reports)))
            .count()
    };
    assert_eq!(reads(&app.update(key(KeyCode::Char('R')))), 1);
    // A colleague's change while the figures are being read asks for nothing more yet…
    let changed = || WorkerEvent::Changed {
        lines: vec![app_row()],
        at: NOW.parse().unwrap(),
        external: true,
    };
    fn app_row() -> oin_review::domain::QueueLine {
        sample_app(NOW, 80, 24).queue().rows()[0].clone()
    }
    assert_eq!(reads(&app.update(Msg::Worker(changed()))), 0);
    assert_eq!(reads(&app.update(Msg::Worker(changed()))), 0);
    // …and once they come, one more reading catches up with both changes.
    let figures = || {
        std::sync::Arc::new(Reports {
            weekly: Vec::new(),
            by_phase: Vec::new(),
            workload: Vec::new(),
            workload_total: WorkloadRow {
                group: Some("all".into()),
                by_state: [0; 6],
                by_sla: [0; 4],
                total: 0,
            },
            breaches: Vec::new(),
            idle: Vec::new(),
        })
    };
    assert_eq!(
        reads(&app.update(Msg::Worker(WorkerEvent::Reports(figures())))),
        1
    );
    assert_eq!(
        reads(&app.update(Msg::Worker(WorkerEvent::Reports(figures())))),
        0
    );
    // Closed, the view reads nothing on a change.
    app.update(key(KeyCode::Esc));
    assert_eq!(reads(&app.update(Msg::Worker(changed()))), 0);
}

#[test]
fn an_undo_after_the_email_went_offers_the_correction_in_the_preview() {
    // A real queue: 0131 moved with its email, delivered, then undone by the workflow the
    // console's database thread calls.
    let (sb, mut wf) = common::sample_workflow(Default::default());
    sb.ok(&["move", "--to", "isv_review", "--email", "OIN-2026-0131"]);
    sb.ok(&["outbox", "flush"]);
    let report = wf.undo(&common::me(), oin_review::clock::now()).unwrap();
    assert!(report.outcomes[0].result.is_ok(), "{report:?}");
    let mut app = App::new(
        Keymap::defaults(),
        std::sync::Arc::new(common::builtin_policy()),
        common::me(),
        "q.db".into(),
        NOW.parse().unwrap(),
    );
    app.update(Msg::Resize(120, 40));
    let actions = app.update(Msg::Worker(WorkerEvent::Undone(report)));
    assert!(
        app.message()
            .unwrap()
            .text
            .contains("1 ISV(s) already told: correction email(s) offered (y sends, Esc declines)"),
        "{:?}",
        app.message()
    );
    common::serve(&mut app, &wf, actions);
    assert_eq!(app.context(), Context::Preview);
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains(
            "Subject: [OIN] Contoso HR (OIN-2026-0131): correction: back in OIN to review"
        ),
        "{text}"
    );
    assert!(text.contains("y: queue 1 email(s)"), "{text}");
    // y commits exactly that correction.
    let actions = app.update(key(KeyCode::Char('y')));
    let [Action::Db(DbRequest::Write(Write::Commit(plan)))] = &actions[..] else {
        panic!("{actions:?}")
    };
    assert_eq!(plan.emails().count(), 1);
    // Under it, the undo's report names the email the ISV already has.
    let report = screen(&render(&app, &dark()));
    assert!(
        report.contains("OIN-2026-0131: email 1 was already sent: the ISV was told on"),
        "{report}"
    );
}

#[test]
fn a_replaced_version_is_not_counted_as_published_and_its_row_says_replaced() {
    // 001: "The new version replaces the old one in the OIN catalog".
    let mut subs =
        oin_review::exchange::parse_submissions("samples.json", common::SAMPLES.as_bytes())
            .unwrap();
    let mut app = App::new(
        Keymap::defaults(),
        std::sync::Arc::new(common::builtin_policy()),
        "ben".into(),
        "q.db".into(),
        NOW.parse().unwrap(),
    );
    app.update(Msg::Resize(120, 40));
    common::feed_subs(&mut app, subs.clone());
    let before = screen(&render(&app, &dark()));
    assert!(before.contains("Published 3"), "{before}");
    let old = subs.iter_mut().find(|s| s.id == "OIN-2026-0136").unwrap();
    old.superseded_by = Some("OIN-2026-0136-v2".into());
    common::feed_subs(&mut app, subs);
    let after = screen(&render(&app, &dark()));
    assert!(after.contains("Published 2"), "{after}");
    select_id(&mut app, "OIN-2026-0136");
    let row = screen(&render(&app, &dark()))
        .lines()
        .find(|l| l.contains("▶ OIN-2026-0136"))
        .unwrap_or_default()
        .to_string();
    assert!(row.contains("replaced"), "{row}");
}

#[test]
fn the_detail_shows_the_testing_instructions_certification_and_instances() {
    // 004:157 "Testing instructions" are for the OIN analyst; 004:638 the certification;
    // 004:246 the instances, with their version and status.
    let mut app = sample_app(NOW, 100, 60);
    select_id(&mut app, "OIN-2026-0105");
    app.update(key(KeyCode::Enter));
    let text = screen(&render(&app, &dark()));
    assert!(text.contains("  certified         yes"), "{text}");
    assert!(
        text.contains("  instance harborview-qa (SAML, current version) active, eligible"),
        "{text}"
    );
    // A section of its own, after the test account the instructions go with: `]` reaches
    // it.
    let mut app = sample_app(NOW, 100, 24);
    select_id(&mut app, "OIN-2026-0105");
    app.update(key(KeyCode::Enter));
    let titled = |app: &App| screen(&render(app, &dark())).contains("── Testing instructions");
    while !titled(&app) {
        let before = screen(&render(&app, &dark()));
        app.update(key(KeyCode::Char(']')));
        assert_ne!(before, screen(&render(&app, &dark())), "no such section");
    }
    let buf = render(&app, &dark());
    let y = row_of(&buf, "── Testing instructions");
    assert_eq!(
        line(&buf, y + 1).trim_end(),
        "  The admin account is isvtest@okta.com. Box office users are created under Settings > Staff;"
    );
    assert!(
        line(&buf, y - 1).starts_with("  password          ••••••••"),
        "just after the test account's password"
    );
}

#[test]
fn a_search_finds_the_versions_of_one_integration_from_either_id() {
    // 001:124 "Your existing integration remains in the OIN catalog and keeps the previous
    // settings until this new version is published": two submissions, one integration.
    // The store links the draft update 0130 to the published 0135 it names.
    let mut app = common::sample_app_with(NOW, 120, 30, |subs| {
        for s in subs.iter_mut().filter(|s| s.id == "OIN-2026-0130") {
            s.supersedes = Some("OIN-2026-0135".into());
        }
    });
    app.update(key(KeyCode::Char('5'))); // All tab
    for of in ["OIN-2026-0135", "oin-2026-0130"] {
        app.update(key(KeyCode::Char('/')));
        let actions = chars(&mut app, &format!("versions:{of}"));
        settle(&mut app, actions);
        let mut ids: Vec<String> = app
            .queue()
            .view_ids()
            .into_iter()
            .map(String::from)
            .collect();
        ids.sort();
        assert_eq!(ids, ["OIN-2026-0130", "OIN-2026-0135"], "versions:{of}");
        app.update(key(KeyCode::Esc));
    }
    // A new version's id is longer than the others: the ID column widens to show it whole.
    let mut app = common::sample_app_with(NOW, 120, 30, |subs| {
        let mut v2 = subs
            .iter()
            .find(|s| s.id == "OIN-2026-0136")
            .unwrap()
            .clone();
        v2.id = "OIN-2026-0136-v2".into();
        v2.supersedes = Some("OIN-2026-0136".into());
        subs.push(v2);
    });
    app.update(key(KeyCode::Char('5')));
    app.update(key(KeyCode::Char('/')));
    let actions = chars(&mut app, "versions:OIN-2026-0136");
    settle(&mut app, actions);
    let text = screen(&render(&app, &dark()));
    assert!(text.contains(" OIN-2026-0136-v2 Contoso Assets"), "{text}");
}

#[test]
fn a_published_integration_is_edited_as_a_new_version_from_the_palette_after_a_confirmation() {
    // 001:124 "This creates an instance of your integration where you can safely change any
    // of the parameters. Your existing integration remains in the OIN catalog and keeps the
    // previous settings until this new version is published."
    let (_sb, mut wf) = common::sample_workflow(Default::default());
    let mut app = sample_app(NOW, 120, 30);
    app.update(key(KeyCode::Char('5'))); // All tab
    let palette = |app: &mut App| -> Vec<Action> {
        app.update(key(KeyCode::Char(':')));
        chars(app, "new version");
        app.update(key(KeyCode::Enter))
    };
    // Not published: nothing to confirm, and it says why.
    select_id(&mut app, "OIN-2026-0131");
    assert!(palette(&mut app).is_empty());
    assert_eq!(
        app.message().unwrap().text,
        "OIN-2026-0131 is in To be reviewed by Okta, not published: only a published integration gets a new version"
    );
    // Published: shown first, made only on y.
    select_id(&mut app, "OIN-2026-0136");
    assert!(palette(&mut app).is_empty(), "nothing is made before y");
    assert_eq!(app.context(), Context::Confirm);
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains("Edit OIN-2026-0136 (Contoso Assets) as a new version?"),
        "{text}"
    );
    assert!(
        text.contains("OIN-2026-0136 stays published and live until the new version is"),
        "{text}"
    );
    let actions = app.update(key(KeyCode::Char('y')));
    let [Action::Db(DbRequest::Write(write))] = <[Action; 1]>::try_from(actions).unwrap() else {
        panic!("y asks for one write");
    };
    // The database thread makes it through the workflow, as `new-version` does.
    let (event, _) = oin_review::tui::worker::run_write(&mut wf, write, "ben");
    app.update(Msg::Worker(event));
    assert_eq!(
        app.message().unwrap().text,
        "OIN-2026-0136-v2: new version of OIN-2026-0136 (Contoso Assets), in draft; OIN-2026-0136 stays published until it is"
    );
    let v2 = wf.submission("OIN-2026-0136-v2").unwrap();
    assert_eq!(v2.supersedes.as_deref(), Some("OIN-2026-0136"));
    assert_eq!(v2.state, oin_review::domain::ReviewState::Draft);
}

#[test]
fn list_view_and_the_console_tab_of_the_same_name_hold_the_same_ids() {
    // Every built-in view and a saved one: the CLI's `list --view NAME` and the console's
    // tab agree, Mine with the analyst's mentions included, With ISV without drafts.
    let (sb, mut wf) = common::sample_workflow(Default::default());
    let me = common::me();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "[team]\nanalysts = [\"ana\", \"asha\", \"bea\", \"ben\", \"{me}\"]\n\n[views]\n\"Contoso open\" = \"isv:contoso -state:published\"\n"
        ),
    );
    sb.ok(&["assign", "--to", &me, "OIN-2026-0131"]);
    // A colleague mentions the analyst: the item joins the analyst's attention set.
    wf.add_note(
        "OIN-2026-0142",
        &format!("@{me} please look"),
        "bea",
        common::now(),
    )
    .unwrap();
    let mut views = oin_review::domain::query::builtin_views();
    views.push(oin_review::domain::query::View {
        name: "Contoso open".into(),
        query: oin_review::domain::query::parse("isv:contoso -state:published").unwrap(),
        builtin: false,
    });
    let mut app = App::new(
        oin_review::tui::keymap::Keymap::defaults(),
        std::sync::Arc::new(common::builtin_policy()),
        me.clone(),
        "q.db".into(),
        common::now(),
    );
    app.update(Msg::Resize(120, 40));
    common::feed(&mut app, wf.all_submissions().unwrap());
    app.set_views(views.clone());
    app.update(Msg::Worker(WorkerEvent::Attention(
        wf.attention_of(&me).unwrap(),
    )));
    app.update(key(KeyCode::Char('1')));
    for view in &views {
        let cli: Vec<serde_json::Value> =
            serde_json::from_str(&sb.ok(&["list", "--view", &view.name, "--format", "json"]))
                .unwrap();
        let cli: Vec<String> = cli
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        let tab: Vec<String> = app
            .queue()
            .view_ids()
            .into_iter()
            .map(String::from)
            .collect();
        // The same ids in the same order (both sort by SLA, ties by id).
        assert_eq!(cli, tab, "view {:?}", view.name);
        match view.name.as_str() {
            "Mine" => assert!(tab.contains(&"OIN-2026-0142".to_string()), "the mention"),
            "With ISV" => assert!(
                !tab.iter().any(|id| id == "OIN-2026-0101"),
                "a draft is held by no one"
            ),
            _ => {}
        }
        app.update(key(KeyCode::Char(']')));
    }
}

/// Issue 27, point 1: one view spec orders `list` and the console alike, for every sort
/// key, forwards and reversed, ties included (the samples tie on state, tests and age), and
/// filters alike (`--state`/`--sla`/`--tests` are the filter menu's items).
#[test]
fn list_and_the_console_order_and_filter_the_queue_alike_for_every_sort_key() {
    let (sb, wf) = common::sample_workflow(Default::default());
    let mut app = App::new(
        oin_review::tui::keymap::Keymap::defaults(),
        std::sync::Arc::new(common::builtin_policy()),
        common::me(),
        "q.db".into(),
        common::now(),
    );
    app.update(Msg::Resize(120, 40));
    common::feed(&mut app, wf.all_submissions().unwrap());
    app.update(key(KeyCode::Char('5')));
    let cli = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--format", "tsv"];
        all.extend_from_slice(args);
        sb.ok(&all)
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    let tab = |app: &App| -> Vec<String> {
        app.queue()
            .view_ids()
            .into_iter()
            .map(String::from)
            .collect()
    };
    for (name, key_) in SortKey::KEYS {
        if key_ == SortKey::Id {
            continue;
        }
        while app.queue().sort().0 != key_ {
            app.update(key(KeyCode::Char('s')));
        }
        let forward = tab(&app);
        assert_eq!(cli(&["--sort", name]), forward, "--sort {name}");
        app.update(key(KeyCode::Char('S')));
        let back = tab(&app);
        assert_eq!(
            cli(&["--sort", name, "--reverse"]),
            back,
            "--sort {name} --reverse"
        );
        assert_eq!(
            back.iter().rev().collect::<Vec<_>>(),
            forward.iter().collect::<Vec<_>>()
        );
        app.update(key(KeyCode::Char('S')));
    }
    // Ties are broken by id, ascending: in state order, the QA items come in id order.
    while app.queue().sort().0 != SortKey::State {
        app.update(key(KeyCode::Char('s')));
    }
    let qa: Vec<String> = app
        .queue()
        .visible(0, 100)
        .filter(|(_, r)| r.state == ReviewState::QaTesting)
        .map(|(_, r)| r.id().to_string())
        .collect();
    let mut by_id = qa.clone();
    by_id.sort();
    assert!(qa.len() > 2);
    assert_eq!(qa, by_id);
    // Filters: the CLI's flags are the filter menu's items.
    while app.queue().sort().0 != SortKey::Sla {
        app.update(key(KeyCode::Char('s')));
    }
    app.update(key(KeyCode::Char('f')));
    let mut cursor = 0usize;
    for item in [
        FilterItem::State(ReviewState::InitialReview),
        FilterItem::State(ReviewState::QaTesting),
        FilterItem::Sla(oin_review::domain::ClockStatus::Breached),
    ] {
        toggle_filter(&mut app, &mut cursor, &item);
    }
    app.update(key(KeyCode::Esc));
    let filtered = tab(&app);
    assert!(!filtered.is_empty());
    assert_eq!(
        cli(&[
            "--state",
            "initial_review",
            "--state",
            "qa_testing",
            "--sla",
            "breached"
        ]),
        filtered
    );
}

#[test]
fn messages_leave_the_message_line_after_a_while_notices_first_and_errors_last() {
    let mut app = sample_app(NOW, 120, 30);
    let at = |secs: i64| Msg::Tick(common::now() + jiff::SignedDuration::from_secs(secs));
    app.update(key(KeyCode::Char('s')));
    let said = app.message().unwrap().text.clone();
    assert!(said.starts_with("sorted by"), "{said}");
    app.update(at(0)); // the first tick after it was said starts its time
    app.update(at(9));
    assert_eq!(app.message().map(|m| m.text.clone()), Some(said));
    app.update(at(10));
    assert!(app.message().is_none(), "a notice goes after 10 s");
    // A warning (a write refused in a read-only console) stays 30 s.
    app.set_read_only(Some("opened read-only".into()));
    app.update(key(KeyCode::Char('a')));
    assert!(app.message().unwrap().text.starts_with("read-only"));
    app.update(at(11));
    app.update(at(40));
    assert!(app.message().is_some(), "a warning stays longer");
    app.update(at(41));
    assert!(app.message().is_none());
}

#[test]
fn claims_and_assignments_show_in_the_history_of_show_its_json_and_the_detail() {
    let (sb, wf) = common::sample_workflow(Default::default());
    let me = common::me();
    sb.write(
        "config/oin-review/config.toml",
        format!("[team]\nanalysts = [\"bea\", \"ben\", \"{me}\"]\n"),
    );
    // OIN-2026-0142 has no assignee: claimed, handed to bea, then let go.
    sb.ok(&["claim", "OIN-2026-0142"]);
    sb.ok(&["assign", "--to", "bea", "OIN-2026-0142"]);
    sb.ok(&["assign", "--to", "none", "OIN-2026-0142"]);
    let shown = sb.ok(&["show", "OIN-2026-0142"]);
    for line in [
        format!("{me:<12} claimed\n"),
        format!("{me:<12} assigned to bea (from {me})\n"),
        format!("{me:<12} unassigned (was bea)\n"),
    ] {
        assert!(shown.contains(&line), "{line:?} in {shown}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    let claims = v["assignments"].as_array().unwrap();
    assert_eq!(claims.len(), 3);
    assert_eq!(claims[1]["from"], me.as_str());
    assert_eq!(claims[1]["to"], "bea");
    assert_eq!(claims[1]["by"], me.as_str());
    assert_eq!(claims[2]["to"], serde_json::Value::Null);
    // The console's detail, newest first in its History.
    let mut app = App::new(
        Keymap::defaults(),
        std::sync::Arc::new(common::builtin_policy()),
        me.clone(),
        "q.db".into(),
        common::now(),
    );
    app.update(Msg::Resize(100, 60));
    common::feed(&mut app, wf.all_submissions().unwrap());
    app.update(key(KeyCode::Char('5')));
    select_id(&mut app, "OIN-2026-0142");
    app.update(key(KeyCode::Enter));
    while !screen(&render(&app, &dark())).contains("── History") {
        app.update(key(KeyCode::Char(']')));
    }
    let text = screen(&render(&app, &dark()));
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in {text}"))
    };
    assert!(
        at("unassigned (was bea)") < at("assigned to bea (from")
            && at("assigned to bea (from") < at(" claimed")
    );
}

#[test]
fn a_queue_key_pressed_in_the_full_detail_says_where_it_works() {
    let mut app = sample_app(NOW, 100, 30);
    app.update(key(KeyCode::Enter));
    assert_eq!(app.context(), Context::Detail);
    for (k, said) in [
        (
            'm',
            "m (move the marked (or selected) to another state) works in the queue: Esc goes back to it",
        ),
        (
            'a',
            "a (claim the marked (or selected) for me) works in the queue: Esc goes back to it",
        ),
        (
            'u',
            "u (undo my last batch of moves) works in the queue: Esc goes back to it",
        ),
    ] {
        assert!(
            app.update(key(KeyCode::Char(k))).is_empty(),
            "{k} does nothing here"
        );
        assert_eq!(app.message().map(|m| m.text.as_str()), Some(said));
        assert_eq!(app.context(), Context::Detail);
    }
    // In the help (and the other overlays that are read, not typed in) too: `/` says where
    // it works, and the help stays open.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('?')));
    assert_eq!(app.context(), Context::Help);
    app.update(key(KeyCode::Char('/')));
    assert_eq!(
        app.message().map(|m| m.text.as_str()),
        Some("/ (fuzzy search) works in the queue: Esc closes the help")
    );
    assert_eq!(app.context(), Context::Help);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('O')));
    assert_eq!(app.context(), Context::Outbox);
    app.update(key(KeyCode::Char('m')));
    assert_eq!(
        app.message().map(|m| m.text.as_str()),
        Some(
            "m (move the marked (or selected) to another state) works in the queue: Esc closes the outbox"
        )
    );
}

#[test]
fn the_issue_list_overlay_keeps_its_cursor_in_view_at_80x24() {
    // The sample with the most findings: wrapped at 80 columns they take more rows than the
    // overlay has, and the one the cursor is on must still be seen before x toggles it.
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('5')));
    let ids: Vec<String> = app
        .queue()
        .view_ids()
        .into_iter()
        .map(String::from)
        .collect();
    let most = ids
        .iter()
        .max_by_key(|id| {
            select_id(&mut app, id);
            app.selected_issues().len()
        })
        .unwrap()
        .clone();
    select_id(&mut app, &most);
    app.update(key(KeyCode::Char('x')));
    let n = app.selected_issues().len();
    assert!(n >= 4, "{n} findings");
    for _ in 1..n {
        app.update(key(KeyCode::Char('j')));
    }
    // The whole finding: its first words and, on its last row, its rule.
    let last = app.selected_issues()[n - 1].clone();
    let words: Vec<&str> = last.text.split(' ').take(3).collect();
    let rule = match &last.key {
        oin_review::domain::IssueKey::Rule(r) => r.clone(),
        oin_review::domain::IssueKey::Own(n) => format!("#{n} (yours)"),
    };
    let text = screen(&render(&app, &dark()));
    assert!(
        text.contains(&words.join(" ")) && text.contains(&rule),
        "the last finding ({}, {rule}) is on screen:\n{text}",
        last.text
    );
}

#[test]
fn at_80_columns_the_chosen_tab_is_always_seen_the_others_shrink() {
    let mut app = sample_app(NOW, 80, 24);
    let mut views = oin_review::domain::query::builtin_views();
    for (name, q) in [
        ("Contoso open", "isv:contoso -state:published"),
        ("Acme", "isv:acme"),
        ("SCIM", "protocol:scim"),
    ] {
        views.push(oin_review::domain::query::View {
            name: name.into(),
            query: oin_review::domain::query::parse(q).unwrap(),
            builtin: false,
        });
    }
    app.set_views(views);
    // Every tab in turn: its whole title is on the tab line.
    for title in [
        "Needs OIN",
        "With ISV",
        "Mine",
        "Breached",
        "All",
        "Contoso open 10",
        "Acme 1",
        "SCIM 4",
    ] {
        let tabs = line(&render(&app, &dark()), 1);
        assert!(tabs.contains(title), "{title:?} in {tabs:?}");
        app.update(key(KeyCode::Char(']')));
    }
}

#[test]
fn at_80_columns_the_search_line_and_its_chip_keep_the_whole_query() {
    let mut app = sample_app(NOW, 80, 24);
    app.update(key(KeyCode::Char('/')));
    let actions = chars(&mut app, "isv:contoso state:qa_testing");
    settle(&mut app, actions);
    let buf = render(&app, &dark());
    let bottom = (0..24)
        .map(|y| line(&buf, y))
        .find(|l| l.starts_with('/'))
        .expect("the search line");
    assert!(
        bottom.starts_with("/isv:contoso state:qa_testing"),
        "{bottom:?}"
    );
    app.update(key(KeyCode::Enter));
    let tabs = line(&render(&app, &dark()), 1);
    assert!(tabs.contains("/isv:contoso state:qa_testing"), "{tabs:?}");
}
