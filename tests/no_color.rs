//! Under NO_COLOR the bytes the console writes to the terminal (through its own lean
//! backend, as the running console does) keep the selection in reverse video and carry no
//! colour. Its own test binary: crossterm reads NO_COLOR once per process.

mod common;

use common::{is_colour, sgr_params};

use oin_review::tui::lean::LeanBackend;
use oin_review::tui::theme::Theme;
use oin_review::tui::views;
use ratatui::layout::{Rect, Size};
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
        LeanBackend::fixed(sink.clone(), Size::new(80, 24)),
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
    // SAFETY: the only test in this binary that reads the environment; set before
    // crossterm first reads it.
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
    // The last SGR before the row's text is the pen it is written with: reverse video on.
    let last_sgr = bytes[..row].rfind("\x1b[").expect("an SGR before the row");
    let pen = sgr_params(&bytes[last_sgr..row]);
    assert!(
        pen.contains(&7) && !pen.ends_with(&[0]) && !pen.ends_with(&[27]),
        "the selected row is written in reverse video: {:?}",
        &bytes[last_sgr..row]
    );
    // No colour anywhere in the frame, in any form: 30-37, 90-97 and their backgrounds,
    // 38/48 (256-colour and RGB), 58 (underline colour).
    let colours: Vec<u32> = sgr_params(&bytes)
        .into_iter()
        .filter(|p| is_colour(*p))
        .collect();
    assert!(colours.is_empty(), "colour under NO_COLOR: {colours:?}");
}

#[test]
fn the_colour_check_catches_every_form_of_colour() {
    for coloured in [
        "\x1b[31m",
        "\x1b[1;31m",
        "\x1b[91m",
        "\x1b[38;5;196m",
        "\x1b[38;2;1;2;3m",
        "\x1b[48:5:4m",
    ] {
        assert!(
            sgr_params(coloured).into_iter().any(is_colour),
            "{coloured:?} is a colour"
        );
    }
    for plain in [
        "\x1b[0;7m",
        "\x1b[1m",
        "\x1b[m",
        "\x1b[39;49m",
        "\x1b[12;31H",
    ] {
        assert!(
            !sgr_params(plain).into_iter().any(is_colour),
            "{plain:?} is no colour"
        );
    }
}
