//! Whole-screen snapshots of every mode of the console at 60x15 (the smallest it draws),
//! 80x24, 100x30, 120x40, 160x48 and 200x50 (the side pane), in the dark theme, on the
//! sample submissions at a fixed instant (insta; review changes with `cargo insta review`).
//! A few screens carry their styles too: one letter per cell, with a legend of the styles;
//! the queue and the detail so in every theme.

mod common;

use common::sample_app;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oin_review::domain::{EmailKind, EmailRecord, MoveRefusal, OutboxStatus, ReviewState};
use oin_review::store::{MoveOutcome, MoveRefused};
use oin_review::tui::app::{App, Msg};
use oin_review::tui::theme::Theme;
use oin_review::tui::views;
use oin_review::tui::worker::WorkerEvent;
use oin_review::workflow::Workflow;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Style;
use std::sync::Arc;

const NOW: &str = "2026-11-23T12:00:00Z";
const SIZES: [(u16, u16); 6] = [
    (60, 15),
    (80, 24),
    (100, 30),
    (120, 40),
    (160, 48),
    (200, 50),
];

fn render(app: &App) -> Buffer {
    render_in(app, "dark")
}

fn render_in(app: &App, theme: &str) -> Buffer {
    let theme = Theme::load(theme).unwrap();
    let mut term = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    term.draw(|f| views::draw(f, app, &theme)).unwrap();
    term.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen with a line of style letters under each line, and the legend.
fn styled(buf: &Buffer) -> String {
    let mut legend: Vec<Style> = Vec::new();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut marks = String::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            line.push_str(cell.symbol());
            let style = cell.style();
            let letter = if style == Style::default() {
                '.'
            } else {
                let i = legend.iter().position(|s| *s == style).unwrap_or_else(|| {
                    legend.push(style);
                    legend.len() - 1
                });
                char::from_u32('a' as u32 + (i as u32 % 26)).unwrap()
            };
            marks.push(letter);
        }
        out.push_str(line.trim_end());
        out.push('\n');
        out.push_str(marks.trim_end_matches('.'));
        out.push('\n');
    }
    out.push_str("legend:\n");
    for (i, s) in legend.iter().enumerate() {
        out.push_str(&format!(
            "  {} = fg {:?}, bg {:?}, add {:?}, sub {:?}\n",
            char::from_u32('a' as u32 + (i as u32 % 26)).unwrap(),
            s.fg,
            s.bg,
            s.add_modifier,
            s.sub_modifier
        ));
    }
    out
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Keys typed, with the plans they ask for answered by `wf` as the database thread would.
fn planned_keys(app: &mut App, wf: &Workflow, s: &[KeyCode]) {
    for &code in s {
        let actions = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        common::serve(app, wf, actions);
    }
}

fn chars(s: &str) -> Vec<KeyCode> {
    s.chars().map(KeyCode::Char).collect()
}

fn app(size: (u16, u16)) -> App {
    sample_app(NOW, size.0, size.1)
}

/// Snapshots the screen of `setup` at every size.
fn snap(name: &str, setup: impl Fn(&mut App)) {
    for size in SIZES {
        let mut a = app(size);
        setup(&mut a);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), text(&render(&a)));
    }
}

#[test]
fn queue() {
    snap("queue", |_| {});
    let a = app((80, 24));
    insta::assert_snapshot!("queue_styles_80x24", styled(&render(&a)));
    for theme in ["light", "high-contrast", "mono"] {
        insta::assert_snapshot!(
            format!("queue_styles_{theme}_80x24"),
            styled(&render_in(&a, theme))
        );
    }
}

#[test]
fn detail() {
    // Below 167 columns Enter opens it full screen; at 200 it is the side pane, focused.
    snap("detail", |a| key(a, KeyCode::Enter));
    let mut a = app((80, 24));
    key(&mut a, KeyCode::Enter);
    insta::assert_snapshot!("detail_styles_80x24", styled(&render(&a)));
    for theme in ["light", "high-contrast", "mono"] {
        insta::assert_snapshot!(
            format!("detail_styles_{theme}_80x24"),
            styled(&render_in(&a, theme))
        );
    }
}

#[test]
fn search() {
    // Typed, then finished: the results the search worker found. The time it took is the
    // one figure that varies: it reads "N.N ms" here.
    for size in SIZES {
        let mut a = app(size);
        let actions: Vec<_> = "/coho"
            .chars()
            .flat_map(|c| {
                a.update(Msg::Key(KeyEvent::new(
                    KeyCode::Char(c),
                    KeyModifiers::NONE,
                )))
            })
            .collect();
        common::settle(&mut a, actions);
        let screen = text(&render(&a));
        let at = screen
            .find(" match(es), ")
            .expect("the search says what it found");
        let rest = &screen[at + " match(es), ".len()..];
        let end = rest.find(" ms").expect("and how long it took");
        let shown = format!(
            "{}N.N{}",
            &screen[..at + " match(es), ".len()],
            &rest[end..]
        );
        insta::assert_snapshot!(format!("search_{}x{}", size.0, size.1), shown);
    }
}

#[test]
fn help() {
    snap("help", |a| keys(a, "?"));
}

#[test]
fn palette() {
    snap("palette", |a| keys(a, ":mo"));
}

#[test]
fn filter_menu() {
    snap("filter", |a| keys(a, "fjj "));
}

#[test]
fn move_picker() {
    let (_sb, wf) = common::sample_workflow(Default::default());
    snap("picker", |a| {
        keys(a, " j ");
        planned_keys(a, &wf, &chars("m"));
    });
    let mut a = app((80, 24));
    planned_keys(&mut a, &wf, &chars("m"));
    insta::assert_snapshot!("picker_styles_80x24", styled(&render(&a)));
}

#[test]
fn assign_picker() {
    snap("assign", |a| keys(a, "Az"));
}

#[test]
fn reason() {
    let (_sb, wf) = common::sample_workflow(Default::default());
    snap("reason", |a| {
        planned_keys(a, &wf, &[KeyCode::Char('m'), KeyCode::Enter]);
        keys(a, "asked by phone");
    });
}

#[test]
fn confirm() {
    let (_sb, wf) = common::sample_workflow(oin_review::config::EmailSwitches {
        qa_started: false,
        ..Default::default()
    });
    snap("confirm", |a| {
        keys(a, " j ");
        planned_keys(
            a,
            &wf,
            &[
                KeyCode::Char('m'),
                KeyCode::Down,
                KeyCode::Enter,
                KeyCode::Enter,
            ],
        );
    });
}

#[test]
fn report() {
    snap("report", |a| {
        let refused = |id: &str| MoveOutcome {
            id: id.into(),
            result: Err(MoveRefused::Rule(MoveRefusal::NotAllowed {
                from: ReviewState::Draft,
                to: ReviewState::QaTesting,
            })),
        };
        let ask = oin_review::workflow::MoveAsk::new(Vec::new(), ReviewState::QaTesting);
        a.update(Msg::Worker(WorkerEvent::Committed {
            plan: Arc::new(oin_review::workflow::Plan {
                what: oin_review::workflow::Planned::Move(ask),
                items: Vec::new(),
                kind: None,
                at: NOW.parse().unwrap(),
            }),
            done: oin_review::workflow::Committed {
                outcomes: vec![refused("OIN-2026-0101"), refused("OIN-2026-0130")],
                ..Default::default()
            },
            took: std::time::Duration::from_millis(12),
        }));
    });
}

#[test]
fn issue_list() {
    snap("findings", |a| keys(a, "x"));
}

#[test]
fn finding_text() {
    snap("finding_text", |a| keys(a, "nThe logo has a white box."));
}

#[test]
fn reports() {
    // Walked from the samples' audit history by the workflow, as the database thread does.
    let sb = common::Sandbox::new();
    sb.import_samples();
    let reports = Arc::new(
        common::workflow_with(&sb, Default::default())
            .reports(NOW.parse().unwrap())
            .unwrap(),
    );
    snap("reports", |a| {
        keys(a, "R");
        a.update(Msg::Worker(WorkerEvent::Reports(reports.clone())));
    });
    let mut a = app((80, 24));
    keys(&mut a, "R");
    a.update(Msg::Worker(WorkerEvent::Reports(reports.clone())));
    insta::assert_snapshot!("reports_styles_80x24", styled(&render(&a)));
    // Scrolled to its end: the breaches.
    keys(&mut a, "G");
    insta::assert_snapshot!("reports_end_80x24", text(&render(&a)));
}

#[test]
fn mail_preview() {
    // Planned by the workflow from a real queue, as the console's database thread does.
    let sb = common::Sandbox::new();
    sb.import_samples();
    let wf = common::workflow_with(&sb, Default::default());
    let items = vec![
        oin_review::workflow::MoveItem::new("OIN-2026-0116"),
        oin_review::workflow::MoveItem::new("OIN-2026-0113"),
    ];
    let ask = oin_review::workflow::MoveAsk {
        email: true,
        ..oin_review::workflow::MoveAsk::new(items.clone(), ReviewState::IsvReview)
    };
    let plan = Arc::new(wf.plan(&ask, "ben", NOW.parse().unwrap()).unwrap());
    let shown = |p: &Arc<oin_review::workflow::Plan>| WorkerEvent::Planned {
        plan: p.clone(),
        again: false,
    };
    snap("preview", |a| {
        a.update(Msg::Worker(shown(&plan)));
    });
    let mut a = app((80, 24));
    a.update(Msg::Worker(shown(&plan)));
    insta::assert_snapshot!("preview_styles_80x24", styled(&render(&a)));
    // The issue list of the current state goes with no move: the footer offers none.
    let footer = |p: &Arc<oin_review::workflow::Plan>| {
        let mut a = app((80, 24));
        a.update(Msg::Worker(shown(p)));
        text(&render(&a))
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    assert!(footer(&plan).contains("m move only"));
    let issue_lists = Arc::new(wf.plan_issue_lists(&items, "ben", NOW.parse().unwrap()));
    let without = footer(&issue_lists);
    assert!(
        without.contains("y send") && !without.contains("move only"),
        "{without}"
    );
}

#[test]
fn an_issue_list_without_its_move_says_the_clock_keeps_running_and_m_offers_the_move() {
    let sb = common::Sandbox::new();
    sb.import_samples();
    let wf = common::workflow_with(&sb, Default::default());
    let items = vec![oin_review::workflow::MoveItem::new("OIN-2026-0116")];
    let plan = Arc::new(wf.plan_issue_lists(&items, "ben", NOW.parse().unwrap()));
    let mut a = app((160, 48));
    a.update(Msg::Worker(WorkerEvent::Planned { plan, again: false }));
    let screen = text(&render(&a));
    assert!(
        screen.contains(
            "│ OIN-2026-0116 stays in To be reviewed by Okta with its clock running · m: move it to ISV needs   │"
        ) && screen.contains("│ to review with this email instead "),
        "{screen}"
    );
    // m plans the same email again, with the move that pauses the clock, for a new preview.
    let actions = a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('m'),
        KeyModifiers::NONE,
    )));
    let [
        oin_review::tui::app::Action::Db(oin_review::tui::worker::DbRequest::Plan {
            ask: oin_review::tui::worker::PlanAsk::Move(ask),
            again: false,
        }),
    ] = &actions[..]
    else {
        panic!("{actions:?}")
    };
    assert_eq!(ask.to, ReviewState::IsvReview);
    assert!(ask.email);
    assert_eq!(ask.items.len(), 1);
    assert_eq!(ask.items[0].id, "OIN-2026-0116");
    assert_eq!(ask.items[0].expected_version, Some(1), "pinned as planned");
}

#[test]
fn outbox() {
    let record = |id: i64, sub: &str, status: OutboxStatus, kind: EmailKind| EmailRecord {
        id,
        submission_id: sub.into(),
        kind,
        message_id: format!("<m{id}@okta.example>"),
        recipients: vec![format!("okta-escalations@{}.example", sub.to_lowercase())],
        subject: format!("[OIN] App ({sub}): {}", kind.short()),
        status,
        attempts: if status == OutboxStatus::Queued { 2 } else { 1 },
        queued_at: "2026-11-23T10:00:00Z".parse().unwrap(),
        next_attempt_at: "2026-11-23T10:04:00Z".parse().unwrap(),
        sent_at: (status == OutboxStatus::Sent).then(|| "2026-11-23T10:00:05Z".parse().unwrap()),
        last_error: (status != OutboxStatus::Sent).then(|| "451 try again later".into()),
        server_reply: (status == OutboxStatus::Sent).then(|| "250 2.0.0 queued as 4F2A".into()),
        analyst: "ben".into(),
        claimed_at: None,
        cancelled_at: None,
        cancelled_by: None,
        held_until: None,
        bounce: None,
    };
    let list = Arc::new(vec![
        record(3, "OIN-2026-0116", OutboxStatus::Queued, EmailKind::Issues),
        record(
            2,
            "OIN-2026-0142",
            OutboxStatus::Failed,
            EmailKind::QaStarted,
        ),
        record(1, "OIN-2026-0104", OutboxStatus::Sent, EmailKind::Received),
    ]);
    snap("outbox", |a| {
        a.update(Msg::Worker(WorkerEvent::Outbox(list.clone())));
        keys(a, "O");
    });
}
