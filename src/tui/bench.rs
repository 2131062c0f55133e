//! The console's share of `oin-review bench`: the first frame, keystrokes, frames and the
//! bytes a real crossterm backend writes, all measured in-process on fixed-size terminals.

use super::app::{Action, App, Msg, PREFETCH};
use super::keymap::Keymap;
use super::lean::LeanBackend;
use super::theme::Theme;
use super::views;
use super::worker::{FIRST_PAGE, Opened, WorkerEvent, run_search};
use crate::domain::state::Holder;
use crate::domain::{Policy, QueueLine};
use crate::store::Store;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Wide enough for the side pane (167 columns and up), so a selection move repaints the
/// detail beside the queue too.
pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 48;

/// An app with `rows` loaded and its view built: all of the queue (`complete`), or its
/// first page.
pub fn app_with(rows: Vec<QueueLine>, complete: bool, policy: Arc<Policy>, now: Timestamp) -> App {
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
        complete,
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

/// An app with every line loaded.
pub fn loaded_app(rows: Vec<QueueLine>, policy: Arc<Policy>, now: Timestamp) -> App {
    app_with(rows, true, policy, now)
}

/// What the console does before its first frame: the first page of the default view read
/// through the urgency index, drawn.
pub fn first_frame(
    store: &Store,
    policy: Arc<Policy>,
    now: Timestamp,
    theme: &Theme,
) -> crate::store::Result<App> {
    let top = store.top_lines(Some(Holder::Oin), FIRST_PAGE, now)?;
    let app = app_with(top, false, policy, now);
    let mut term = test_terminal();
    draw(&mut term, &app, theme);
    Ok(app)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// When a key's frames came: the first showing its results, and the one with their final
/// ranking (the same when it was ranked in one pass, or needed no search).
#[derive(Debug, Clone, Copy)]
pub struct KeyTimes {
    pub first: Duration,
    pub last: Duration,
}

/// Runs what one key asks for (the search passes, as the search thread would, each drawn as
/// it arrives) and renders.
fn press(
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    theme: &Theme,
    code: KeyCode,
) -> KeyTimes {
    let t = Instant::now();
    let mut actions = app.update(key(code));
    draw(term, app, theme);
    let mut times = KeyTimes {
        first: t.elapsed(),
        last: t.elapsed(),
    };
    let mut shown = 0;
    while let Some(a) = actions.pop() {
        if let Action::Search(generation, query, candidates) = a {
            let req = app.search_request(generation, query, candidates);
            run_search(&req, &|| false, &mut |result| {
                actions.extend(app.update(Msg::Worker(WorkerEvent::SearchDone(result))));
                draw(term, app, theme);
                shown += 1;
                if shown == 1 {
                    times.first = t.elapsed();
                }
                times.last = t.elapsed();
            });
        }
    }
    times
}

/// The scripted typing: queries that match many, few and nothing, with backspaces.
pub const QUERIES: &[&str] = &["acme", "payroll sync", "dev-12", "zqxj", "wayne hr"];

/// Per keystroke, the times until the frames showing its results are rendered.
pub fn keystrokes(app: &mut App, theme: &Theme) -> Vec<KeyTimes> {
    let mut term = test_terminal();
    draw(&mut term, app, theme);
    let mut times = Vec::new();
    for q in QUERIES {
        press(app, &mut term, theme, KeyCode::Char('/'));
        for c in q.chars() {
            times.push(press(app, &mut term, theme, KeyCode::Char(c)));
        }
        for _ in 0..q.chars().count().min(3) {
            times.push(press(app, &mut term, theme, KeyCode::Backspace));
        }
        press(app, &mut term, theme, KeyCode::Esc);
    }
    times
}

/// Two searches typed in full (for the memory figure).
pub fn two_searches(app: &mut App, theme: &Theme) {
    let mut term = test_terminal();
    for q in &QUERIES[..2] {
        press(app, &mut term, theme, KeyCode::Char('/'));
        for c in q.chars() {
            press(app, &mut term, theme, KeyCode::Char(c));
        }
        press(app, &mut term, theme, KeyCode::Esc);
    }
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
    /// The frame after `j`: the rows' highlight and the new item's first detail lines.
    pub selection_move: usize,
    /// The frame after that item is read in full (its detail drawn).
    pub detail_follow_up: usize,
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

/// `open` reads a submission in full, as the database thread would.
pub fn bytes(
    app: &mut App,
    theme: &Theme,
    open: &dyn Fn(&str) -> Option<Opened>,
) -> std::io::Result<Bytes> {
    let count = Arc::new(AtomicUsize::new(0));
    let new_term = || {
        Terminal::with_options(
            LeanBackend::fixed(
                Counting(count.clone()),
                ratatui::layout::Size::new(WIDTH, HEIGHT),
            ),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
            },
        )
    };
    let measure = |term: &mut Terminal<LeanBackend<Counting>>, app: &App| {
        count.store(0, Ordering::Relaxed);
        term.draw(|f| views::draw(f, app, theme))?;
        Ok::<usize, std::io::Error>(count.load(Ordering::Relaxed))
    };
    // What the database thread reads for the selection and its neighbours (the console
    // asks for them as the selection moves).
    let feed = |app: &mut App| {
        let at = app.queue().selected();
        let ids: Vec<String> = app
            .queue()
            .visible(at.saturating_sub(PREFETCH), 2 * PREFETCH + 1)
            .map(|(_, r)| r.id().to_string())
            .collect();
        let opened = ids.iter().filter_map(|id| open(id)).map(Arc::new).collect();
        app.update(Msg::Worker(WorkerEvent::Opened(opened)));
    };
    // A fresh terminal's first frame writes every cell: a full repaint.
    let mut term = new_term()?;
    feed(app);
    let full_repaint = measure(&mut term, app)?;
    app.update(key(KeyCode::Char('j')));
    let selection_move = measure(&mut term, app)?;
    // The next move's neighbour, read while the analyst reads this one.
    feed(app);
    let detail_follow_up = measure(&mut term, app)?;
    app.update(key(KeyCode::Char('/')));
    measure(&mut term, app)?;
    let mut actions = app.update(key(KeyCode::Char('a')));
    while let Some(a) = actions.pop() {
        if let Action::Search(generation, query, candidates) = a {
            let req = app.search_request(generation, query, candidates);
            run_search(&req, &|| false, &mut |result| {
                actions.extend(app.update(Msg::Worker(WorkerEvent::SearchDone(result))));
            });
        }
    }
    let search_keystroke = measure(&mut term, app)?;
    app.update(key(KeyCode::Esc));
    Ok(Bytes {
        full_repaint,
        selection_move,
        detail_follow_up,
        search_keystroke,
    })
}
