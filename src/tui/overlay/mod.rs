//! The console's overlays, one file each: its state, its keys and its drawing behind the
//! [`Panel`] interface. A new overlay costs one file, one line in `overlays!` and its
//! bindings in the keymap.

mod assign;
mod confirm;
mod filter;
mod finding_text;
mod findings;
mod help;
mod inbox;
mod move_picker;
mod new_version;
mod outbox;
mod palette;
mod preview;
mod reason;
mod reports;
mod search;
mod text_view;
mod undo;

pub use assign::AssignPicker;
pub use confirm::Confirm;
pub use filter::FilterMenu;
pub use finding_text::{FindingText, Purpose};
pub use findings::Findings;
pub use help::Help;
pub use inbox::Inbox;
pub use move_picker::MovePicker;
pub use new_version::ConfirmNewVersion;
pub use outbox::Outbox;
pub use palette::Palette;
pub use preview::Preview;
pub use reason::Reason;
pub use reports::ReportsView;
pub use search::Search;
pub use text_view::TextView;
pub use undo::ConfirmUndo;

use super::app::{Action, App};
use super::keymap::{Command, Context};
use super::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

/// What an overlay asks for after a key.
pub enum Step {
    /// Stay open.
    Stay,
    /// Stay open, and hand these to the runtime.
    Act(Vec<Action>),
    /// Close (back to what was under it).
    Close,
    /// Close, and hand these to the runtime.
    Done(Vec<Action>),
    /// Replace this overlay with another.
    Open(Overlay),
    /// Open another over this one (closing it comes back here).
    Push(Overlay),
}

/// State, keys and drawing of one overlay.
pub trait Panel {
    /// The key context its bindings live in.
    fn context(&self) -> Context;
    /// Handles a key (`command` is what the keymap says it means here).
    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step;
    /// Text pasted into the terminal (bracketed paste); only text fields take it.
    fn on_paste(&mut self, _text: &str, _app: &mut App) -> Step {
        Step::Stay
    }
    /// Draws over the whole frame.
    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme);
}

macro_rules! overlays {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// An open overlay.
        pub enum Overlay {
            $($variant($ty),)*
        }

        impl Overlay {
            fn panel(&self) -> &dyn Panel {
                match self {
                    $(Overlay::$variant(o) => o,)*
                }
            }

            fn panel_mut(&mut self) -> &mut dyn Panel {
                match self {
                    $(Overlay::$variant(o) => o,)*
                }
            }
        }

        $(impl From<$ty> for Overlay {
            fn from(o: $ty) -> Overlay {
                Overlay::$variant(o)
            }
        })*
    };
}

overlays! {
    Search(Search),
    Help(Help),
    Palette(Palette),
    Filter(FilterMenu),
    MovePicker(MovePicker),
    AssignPicker(AssignPicker),
    Reason(Reason),
    Confirm(Confirm),
    Report(TextView),
    Findings(Findings),
    FindingText(FindingText),
    Preview(Preview),
    Outbox(Outbox),
    Inbox(Inbox),
    Reports(ReportsView),
    ConfirmUndo(ConfirmUndo),
    ConfirmNewVersion(ConfirmNewVersion),
}

impl Overlay {
    /// The submissions this overlay acts on, pinned when it opened (batch overlays only).
    pub fn acts_on(&self) -> Vec<&str> {
        fn lines(p: &crate::tui::app::Pinned) -> Vec<&str> {
            p.lines().iter().map(|r| r.id()).collect()
        }
        match self {
            Overlay::MovePicker(o) => lines(o.pinned()),
            Overlay::AssignPicker(o) => lines(o.pinned()),
            Overlay::Reason(o) => lines(o.pinned()),
            Overlay::Confirm(o) => o.plan().items.iter().map(|i| i.item.id.as_str()).collect(),
            Overlay::Preview(o) => o.plan().items.iter().map(|i| i.item.id.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    pub fn context(&self) -> Context {
        self.panel().context()
    }

    pub fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        self.panel_mut().on_key(key, command, app)
    }

    pub fn on_paste(&mut self, text: &str, app: &mut App) -> Step {
        self.panel_mut().on_paste(text, app)
    }

    pub fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        self.panel().draw(frame, app, theme)
    }
}

/// A box of at most `width` x `height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(2)).max(1);
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

/// The box of a list overlay (the outbox, the inbox): up to 120 wide, the screen's height
/// less 4.
pub fn list_box(area: Rect) -> Rect {
    centered(area, 120, area.height.saturating_sub(4))
}

/// An instant as a list overlay's "when" column says it: `MM-DD HH:MM` in the team's zone.
pub fn short_when(app: &App, at: jiff::Timestamp) -> String {
    at.to_zoned(app.policy().sla.calendar.time_zone().clone())
        .strftime("%m-%d %H:%M")
        .to_string()
}

/// The bordered box every overlay draws in.
pub fn popup<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(format!(" {title} "), theme.title))
}

/// A scroll position over `content` lines shown `view` at a time, never past the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub offset: usize,
}

impl Scroll {
    fn max(content: usize, view: usize) -> usize {
        content.saturating_sub(view.max(1))
    }

    /// Applies a scrolling command; returns whether it was one.
    pub fn apply(&mut self, command: Option<Command>, content: usize, view: usize) -> bool {
        let max = Scroll::max(content, view);
        let page = view.max(1);
        self.offset = match command {
            Some(Command::Down) => self.offset + 1,
            Some(Command::Up) => self.offset.saturating_sub(1),
            Some(Command::Top) => 0,
            Some(Command::Bottom) => max,
            Some(Command::PageDown) => self.offset + page,
            Some(Command::PageUp) => self.offset.saturating_sub(page),
            Some(Command::HalfDown) => self.offset + page / 2,
            Some(Command::HalfUp) => self.offset.saturating_sub(page / 2),
            _ => return false,
        }
        .min(max);
        true
    }

    /// The offset to draw at for `content` and `view` (the content may have shrunk).
    pub fn at(&self, content: usize, view: usize) -> u16 {
        self.offset.min(Scroll::max(content, view)) as u16
    }
}

/// Moves a list cursor over `len` entries for a navigation command; returns whether it was one.
pub fn move_cursor(cursor: &mut usize, command: Option<Command>, len: usize, page: usize) -> bool {
    let last = len.saturating_sub(1);
    *cursor = match command {
        Some(Command::Down) => (*cursor + 1).min(last),
        Some(Command::Up) => cursor.saturating_sub(1),
        Some(Command::Top) => 0,
        Some(Command::Bottom) => last,
        Some(Command::PageDown) => (*cursor + page.max(1)).min(last),
        Some(Command::PageUp) => cursor.saturating_sub(page.max(1)),
        _ => return false,
    };
    true
}

/// A box in the middle of the screen, at most `max_width` wide, titled `title`, holding
/// each `(text, style)` wrapped to it: what a confirmation shows before `y`.
pub fn draw_said(
    frame: &mut Frame,
    said: &[(String, ratatui::style::Style)],
    max_width: u16,
    title: &str,
    theme: &Theme,
) {
    let width = max_width.min(frame.area().width.saturating_sub(2));
    let inner = width.saturating_sub(2) as usize;
    let lines: Vec<ratatui::text::Line> = said
        .iter()
        .flat_map(|(text, style)| wrap(text, inner, *style))
        .collect();
    let rect = centered(frame.area(), width, lines.len() as u16 + 2);
    frame.render_widget(ratatui::widgets::Clear, rect);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(lines).block(popup(title, theme)),
        rect,
    );
}

/// `text` wrapped to `width` columns, each continuation indented under the text of its
/// first line (after leading spaces and a list marker such as `- ` or `2. `).
pub fn wrap(
    text: &str,
    width: usize,
    style: ratatui::style::Style,
) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::Line;
    let safe = crate::text::safe_line(text);
    let lead = safe.len() - safe.trim_start().len();
    let rest = &safe[lead..];
    let marker = if rest.starts_with("- ") {
        2
    } else {
        rest.find(". ")
            .filter(|&i| i > 0 && i <= 3 && rest[..i].chars().all(|c| c.is_ascii_digit()))
            .map_or(0, |i| i + 2)
    };
    let hang = (lead + marker).min(width / 2);
    let mut out = Vec::new();
    let mut rest: &str = &safe;
    let mut first = true;
    while first || !rest.is_empty() {
        let indent = if first { 0 } else { hang };
        let room = width.saturating_sub(indent).max(1);
        let cut = crate::text::wrap_point(rest, room);
        let (head, tail) = rest.split_at(cut);
        out.push(Line::from(ratatui::text::Span::styled(
            format!("{}{}", " ".repeat(indent), head.trim_end()),
            style,
        )));
        rest = tail.trim_start();
        first = false;
    }
    out
}
