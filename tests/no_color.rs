//! Under NO_COLOR the bytes written to the terminal keep the selection in reverse video.
//! Its own test binary: crossterm reads NO_COLOR once per process.

mod common;

use oin_review::tui::theme::Theme;
use oin_review::tui::views;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Sink(Rc<RefCell<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn draw_bytes(theme: &Theme) -> String {
    let app = common::sample_app("2026-11-23T12:00:00Z", 80, 24);
    let sink = Sink::default();
    let mut term = Terminal::with_options(
        CrosstermBackend::new(sink.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    term.draw(|f| views::draw(f, &app, theme)).unwrap();
    String::from_utf8_lossy(&sink.0.borrow()).into_owned()
}

#[test]
fn selected_row_stays_reverse_video_under_no_color() {
    // SAFETY: the only test in this binary; set before crossterm first reads it.
    unsafe { std::env::set_var("NO_COLOR", "1") };
    // An explicit theme beats NO_COLOR (no-color.org: user configuration overrides it);
    // without one, NO_COLOR gives mono.
    let light = oin_review::cli::pick_theme(Some("light"), None).unwrap();
    assert_eq!(light.name, "light");
    assert!(!light.is_colourless(), "--theme light draws colours");
    let configured = oin_review::cli::pick_theme(None, Some("high-contrast")).unwrap();
    assert_eq!(configured.name, "high-contrast");
    let theme = oin_review::cli::pick_theme(None, None).unwrap();
    assert_eq!(theme.name, "mono", "NO_COLOR alone picks mono");
    let bytes = draw_bytes(&theme);
    let row = bytes.find("OIN-2026-0116").expect("selected row drawn");
    let reverse = bytes[..row]
        .rfind("\x1b[7m")
        .expect("reverse video before the selected row");
    let between = &bytes[reverse..row];
    assert!(
        !between.contains("\x1b[m") && !between.contains("\x1b[0m"),
        "reset between reverse and the row: {between:?}"
    );
    // No colour codes anywhere in the frame (crossterm writes colours as 38;/48;).
    assert!(
        !bytes.contains("\x1b[38;") && !bytes.contains("\x1b[48;"),
        "colour under NO_COLOR"
    );
}
