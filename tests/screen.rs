//! What the terminal shows is the frame: the lean backend's bytes, played on a terminal
//! emulator model (the `vt100` crate), give the intended buffer cell by cell, over random
//! sequences of frames with wide glyphs (CJK, emoji), combining marks and styles; and a
//! repaint (Ctrl-L) draws every cell again over whatever the screen held.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oin_review::tui::app::{Action, Msg};
use oin_review::tui::lean::LeanBackend;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::buffer::Buffer;
use ratatui::layout::Size;
use ratatui::style::{Color, Modifier, Style};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

mod common;

const W: u16 = 14;
const H: u16 = 4;

/// The bytes the backend writes.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A full-screen terminal, as the console's, of W x H.
fn terminal(sink: &Sink) -> Terminal<LeanBackend<Sink>> {
    Terminal::new(LeanBackend::fixed(sink.clone(), Size::new(W, H))).unwrap()
}

/// Text runs a frame is made of: ASCII, box drawing, CJK and emoji (two columns), a
/// combining mark on its base, and the names international ISVs give.
const PIECES: &[&str] = &[
    "a",
    "id ",
    "OIN-2026",
    " ",
    "─",
    "│",
    "…",
    "中",
    "勤怠",
    "株式会社テスト",
    "🙂",
    "📦 SSO",
    "e\u{301}",
    "Zoë",
    "✓",
    "2026-12-09 09:00",
];

const COLOURS: &[Color] = &[
    Color::Reset,
    Color::Red,
    Color::DarkGray,
    Color::Indexed(214),
    Color::Rgb(10, 20, 30),
];

/// One frame: for each row, pieces of text at columns, each with a style.
type Frame = Vec<Vec<(u16, usize, usize, usize, bool)>>;

fn frames() -> impl Strategy<Value = Vec<Frame>> {
    let piece = (
        0..W,
        0..PIECES.len(),
        0..COLOURS.len(),
        0..COLOURS.len(),
        any::<bool>(),
    );
    let row = prop::collection::vec(piece, 0..4);
    let frame = prop::collection::vec(row, H as usize);
    prop::collection::vec(frame, 1..6)
}

fn draw(term: &mut Terminal<LeanBackend<Sink>>, frame: &Frame) -> Buffer {
    term.draw(|f| {
        let buf = f.buffer_mut();
        for (y, row) in frame.iter().enumerate() {
            for &(x, piece, fg, bg, bold) in row {
                let mut style = Style::new().fg(COLOURS[fg]).bg(COLOURS[bg]);
                if bold {
                    style = style.add_modifier(Modifier::BOLD);
                }
                buf.set_stringn(x, y as u16, PIECES[piece], usize::from(W - x), style);
            }
        }
    })
    .unwrap()
    .buffer
    .clone()
}

fn vt_colour(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Red => vt100::Color::Idx(1),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::Indexed(n) => vt100::Color::Idx(n),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        other => panic!("no colour {other:?} in this test"),
    }
}

/// Where the emulator's screen differs from the buffer: each cell's text, colours and
/// boldness; the cell a wide glyph covers must be its continuation.
fn differences(screen: &vt100::Screen, buf: &Buffer) -> Vec<String> {
    let mut out = Vec::new();
    for y in 0..H {
        let mut covered = 0;
        for x in 0..W {
            let want = &buf[(x, y)];
            let got = screen.cell(y, x).expect("a cell inside the screen");
            if covered > 0 {
                covered -= 1;
                if !got.is_wide_continuation() {
                    out.push(format!(
                        "({x},{y}): should be covered by a wide glyph, shows {:?}",
                        got.contents()
                    ));
                }
                continue;
            }
            let width = unicode_width::UnicodeWidthStr::width(want.symbol());
            covered = width.saturating_sub(1);
            let text = if want.symbol() == " " {
                ""
            } else {
                want.symbol()
            };
            let got_text = got.contents();
            let got_text = if got_text == " " { "" } else { got_text };
            if got_text != text {
                out.push(format!("({x},{y}): {got_text:?} instead of {text:?}"));
            }
            if text.is_empty() && want.bg == Color::Reset {
                continue; // a blank cell's foreground and boldness are not seen
            }
            if got.bgcolor() != vt_colour(want.bg) {
                out.push(format!("({x},{y}): background {:?}", got.bgcolor()));
            }
            if !text.is_empty() {
                if got.fgcolor() != vt_colour(want.fg) {
                    out.push(format!("({x},{y}): foreground {:?}", got.fgcolor()));
                }
                if got.bold() != want.modifier.contains(Modifier::BOLD) {
                    out.push(format!("({x},{y}): bold {}", got.bold()));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_frame_shows_exactly_as_drawn_whatever_was_drawn_before(frames in frames()) {
        let sink = Sink::default();
        let mut term = terminal(&sink);
        let mut vt = vt100::Parser::new(H, W, 0);
        for (n, frame) in frames.iter().enumerate() {
            let buf = draw(&mut term, frame);
            vt.process(&sink.take());
            let wrong = differences(vt.screen(), &buf);
            prop_assert!(wrong.is_empty(), "frame {n}: {wrong:?}\nscreen:\n{}", vt.screen().contents());
        }
    }
}

#[test]
fn a_repaint_draws_every_cell_again_over_a_screen_that_went_wrong() {
    let sink = Sink::default();
    let mut term = terminal(&sink);
    let mut vt = vt100::Parser::new(H, W, 0);
    let frame: Frame = vec![
        vec![(0, 9, 1, 0, true)],
        vec![(0, 15, 0, 3, false)],
        vec![(2, 11, 2, 0, false)],
        vec![(0, 4, 0, 0, false), (1, 4, 0, 0, false)],
    ];
    let buf = draw(&mut term, &frame);
    vt.process(&sink.take());
    assert_eq!(differences(vt.screen(), &buf), Vec::<String>::new());
    // Something else wrote over the screen (a stray process, a terminal that measured a
    // glyph differently): the same frame again changes nothing...
    vt.process(b"\x1b[2;3Hstale!\x1b[4;1H##");
    draw(&mut term, &frame);
    vt.process(&sink.take());
    assert!(!differences(vt.screen(), &buf).is_empty());
    // ...and Ctrl-L's repaint (the console clears the terminal, then draws) restores it.
    term.clear().unwrap();
    let again = draw(&mut term, &frame);
    vt.process(&sink.take());
    assert_eq!(differences(vt.screen(), &again), Vec::<String>::new());
}

#[test]
fn ctrl_l_asks_for_a_repaint_in_the_queue_the_detail_an_overlay_and_a_text_field() {
    let ctrl_l = || Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL));
    let key = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let repaints = |actions: Vec<Action>| matches!(actions.as_slice(), [Action::Repaint]);
    let mut app = common::sample_app("2026-11-23T12:00:00Z", 100, 30);
    assert!(repaints(app.update(ctrl_l())), "the queue");
    app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    assert!(repaints(app.update(ctrl_l())), "the detail");
    app.update(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    app.update(key('?'));
    assert!(repaints(app.update(ctrl_l())), "the help overlay");
    app.update(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    app.update(key('/'));
    app.update(key('a'));
    assert!(repaints(app.update(ctrl_l())), "the search line");
    assert_eq!(app.queue().query(), "a", "the text typed is kept");
}
