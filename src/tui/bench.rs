//! The console's share of `oin-review bench`: the first frame, keystrokes, frames and the
//! bytes a real crossterm backend writes, all measured in-process on fixed-size terminals.

use super::app::{Action, App, Msg};
use super::keymap::Keymap;
use super::theme::Theme;
use super::views;
use super::worker::{QueueRow, WorkerEvent, build_rows, run_search};
use crate::domain::{Policy, Submission};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const WIDTH: u16 = 160;
pub const HEIGHT: u16 = 48;

/// An app with `rows` loaded and its view built, as after the first load.
pub fn loaded_app(rows: Vec<QueueRow>, policy: Arc<Policy>, now: Timestamp) -> App {
    let mut app = App::new(
        Keymap::defaults(),
        policy,
        "bench".into(),
        "bench.db".into(),
        now,
    );
    app.update(Msg::Resize(WIDTH, HEIGHT));
    app.update(Msg::Worker(WorkerEvent::Loaded {
        rows: Arc::new(rows),
        at: now,
        took: Duration::ZERO,
        external: false,
    }));
    app
}

/// A TestBackend terminal of the bench size.
pub fn test_terminal() -> Terminal<TestBackend> {
    // TestBackend never fails.
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap_or_else(|e| match e {})
}

pub fn draw(term: &mut Terminal<TestBackend>, app: &App, theme: &Theme) {
    let _ = term.draw(|f| views::draw(f, app, theme));
}

/// From loaded submissions to the first complete frame: rows assessed, search text built,
/// sorted by SLA, rendered.
pub fn first_frame(
    subs: Vec<Submission>,
    policy: Arc<Policy>,
    now: Timestamp,
    theme: &Theme,
) -> App {
    let rows = build_rows(subs, &policy, now);
    let app = loaded_app(rows, policy, now);
    let mut term = test_terminal();
    draw(&mut term, &app, theme);
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Runs what one key asks for (the search, as the search thread would) and renders.
fn press(app: &mut App, term: &mut Terminal<TestBackend>, theme: &Theme, code: KeyCode) {
    let mut actions = app.update(key(code));
    while let Some(a) = actions.pop() {
        if let Action::Search(generation, query, candidates) = a {
            let result = run_search(&app.search_request(generation, query, candidates));
            actions.extend(app.update(Msg::Worker(WorkerEvent::SearchDone(result))));
        }
    }
    draw(term, app, theme);
}

/// The scripted typing: queries that match many, few and nothing, with backspaces.
pub const QUERIES: &[&str] = &["acme", "payroll sync", "dev-12", "zqxj", "wayne hr"];

/// Per keystroke, the time until the frame showing its result is rendered.
pub fn keystrokes(app: &mut App, theme: &Theme) -> Vec<Duration> {
    let mut term = test_terminal();
    draw(&mut term, app, theme);
    let mut times = Vec::new();
    for q in QUERIES {
        press(app, &mut term, theme, KeyCode::Char('/'));
        for c in q.chars() {
            let t = Instant::now();
            press(app, &mut term, theme, KeyCode::Char(c));
            times.push(t.elapsed());
        }
        for _ in 0..q.chars().count().min(3) {
            let t = Instant::now();
            press(app, &mut term, theme, KeyCode::Backspace);
            times.push(t.elapsed());
        }
        press(app, &mut term, theme, KeyCode::Esc);
    }
    times
}

/// Render times with the selection moved one row each time.
pub fn frames(app: &mut App, theme: &Theme, n: usize) -> Vec<Duration> {
    let mut term = test_terminal();
    draw(&mut term, app, theme);
    (0..n)
        .map(|i| {
            let code = if (i / 20) % 2 == 0 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            };
            app.update(key(code));
            let t = Instant::now();
            draw(&mut term, app, theme);
            t.elapsed()
        })
        .collect()
}

/// Bytes written to a real terminal backend.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Bytes {
    pub full_repaint: usize,
    pub selection_move: usize,
    pub search_keystroke: usize,
}

/// A terminal writer that only counts bytes.
struct Counting(Arc<AtomicUsize>);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn bytes(app: &mut App, theme: &Theme) -> std::io::Result<Bytes> {
    let count = Arc::new(AtomicUsize::new(0));
    let new_term = || {
        Terminal::with_options(
            CrosstermBackend::new(Counting(count.clone())),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
            },
        )
    };
    let measure = |term: &mut Terminal<CrosstermBackend<Counting>>, app: &App| {
        count.store(0, Ordering::Relaxed);
        term.draw(|f| views::draw(f, app, theme))?;
        Ok::<usize, std::io::Error>(count.load(Ordering::Relaxed))
    };
    // A fresh terminal's first frame writes every cell: a full repaint.
    let mut term = new_term()?;
    let full_repaint = measure(&mut term, app)?;
    app.update(key(KeyCode::Char('j')));
    let selection_move = measure(&mut term, app)?;
    app.update(key(KeyCode::Char('/')));
    measure(&mut term, app)?;
    let mut actions = app.update(key(KeyCode::Char('a')));
    while let Some(a) = actions.pop() {
        if let Action::Search(generation, query, candidates) = a {
            let result = run_search(&app.search_request(generation, query, candidates));
            actions.extend(app.update(Msg::Worker(WorkerEvent::SearchDone(result))));
        }
    }
    let search_keystroke = measure(&mut term, app)?;
    app.update(key(KeyCode::Esc));
    Ok(Bytes {
        full_repaint,
        selection_move,
        search_keystroke,
    })
}
