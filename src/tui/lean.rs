//! A terminal backend that writes fewer bytes for the same frame (analysts work over SSH):
//! ratatui hands it the changed cells; it remembers what the screen shows, so a short run
//! of unchanged cells between two changes is written again instead of jumping over it
//! (a cursor jump costs 6 to 9 bytes, a cell 1), small jumps on a row use "cursor forward",
//! and each change of style is one SGR sequence with the 16 colours' short codes. Everything
//! but drawing is crossterm's.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

/// Unchanged cells written again rather than jumped over.
const GAP: u16 = 6;

/// What the shadow holds in a cell a wide glyph covers: never written (its width is 0).
const COVERED: &str = "";

#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const RESET: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

pub struct LeanBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// What the screen shows (after the last clear, every cell drawn since).
    shadow: Buffer,
    /// Whether `shadow` can be trusted (a partial clear makes it unknown).
    trusted: bool,
    /// The size when the writer is not a terminal (benchmarks, tests).
    fixed: Option<Size>,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(writer: W) -> LeanBackend<W> {
        LeanBackend {
            inner: CrosstermBackend::new(writer),
            shadow: Buffer::empty(Rect::ZERO),
            trusted: false,
            fixed: None,
        }
    }

    /// A backend of a fixed size writing to something that is not a terminal.
    pub fn fixed(writer: W, size: Size) -> LeanBackend<W> {
        LeanBackend {
            fixed: Some(size),
            ..LeanBackend::new(writer)
        }
    }

    /// Puts the cursor at (x, y): writing the unchanged cells between when that is cheaper
    /// than jumping (same style, one column each), else "cursor forward" on the same row,
    /// else an absolute move.
    fn move_to(&self, out: &mut Vec<u8>, at: &mut Option<(u16, u16)>, pen: Pen, x: u16, y: u16) {
        if *at == Some((x, y)) {
            return;
        }
        if let Some((cx, cy)) = *at
            && cy == y
            && x > cx
        {
            if self.trusted && x - cx <= GAP {
                let gap: Option<Vec<&Cell>> = (cx..x)
                    .map(|gx| {
                        self.shadow
                            .cell((gx, y))
                            .filter(|c| Pen::of(c) == pen && plain(c.symbol()))
                    })
                    .collect();
                if let Some(gap) = gap {
                    for c in gap {
                        out.extend_from_slice(c.symbol().as_bytes());
                    }
                    *at = Some((x, y));
                    return;
                }
            }
            let _ = write!(out, "\x1b[{}C", x - cx);
        } else {
            let _ = write!(out, "\x1b[{};{}H", y + 1, x + 1);
        }
        *at = Some((x, y));
    }

    fn reset_shadow(&mut self, size: Size) {
        self.shadow = Buffer::empty(Rect::new(0, 0, size.width, size.height));
        self.trusted = true;
    }
}

/// One character one column wide: what every terminal draws where ratatui expects it.
fn plain(symbol: &str) -> bool {
    let mut chars = symbol.chars();
    chars.next().is_some() && chars.next().is_none() && symbol.width() == 1
}

fn color_code(out: &mut Vec<String>, c: Color, base: u8) {
    // base 30 for the foreground, 40 for the background; 58 selects the underline colour.
    let bright = |n: u8| (base + 60 + n).to_string();
    let normal = |n: u8| (base + n).to_string();
    let s = match c {
        Color::Reset => {
            if base == 58 {
                "59".to_string()
            } else {
                (base + 9).to_string()
            }
        }
        Color::Indexed(n) => format!("{};5;{n}", if base == 58 { 58 } else { base + 8 }),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", if base == 58 { 58 } else { base + 8 }),
        named if base == 58 => {
            // Underline colours have no short codes.
            let n = match named {
                Color::Black => 0,
                Color::Red => 1,
                Color::Green => 2,
                Color::Yellow => 3,
                Color::Blue => 4,
                Color::Magenta => 5,
                Color::Cyan => 6,
                Color::Gray => 7,
                Color::DarkGray => 8,
                Color::LightRed => 9,
                Color::LightGreen => 10,
                Color::LightYellow => 11,
                Color::LightBlue => 12,
                Color::LightMagenta => 13,
                Color::LightCyan => 14,
                _ => 15,
            };
            format!("58;5;{n}")
        }
        Color::Black => normal(0),
        Color::Red => normal(1),
        Color::Green => normal(2),
        Color::Yellow => normal(3),
        Color::Blue => normal(4),
        Color::Magenta => normal(5),
        Color::Cyan => normal(6),
        Color::Gray => normal(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
    };
    out.push(s);
}

const MODIFIERS: [(Modifier, &str); 9] = [
    (Modifier::BOLD, "1"),
    (Modifier::DIM, "2"),
    (Modifier::ITALIC, "3"),
    (Modifier::UNDERLINED, "4"),
    (Modifier::SLOW_BLINK, "5"),
    (Modifier::RAPID_BLINK, "6"),
    (Modifier::REVERSED, "7"),
    (Modifier::HIDDEN, "8"),
    (Modifier::CROSSED_OUT, "9"),
];

/// One SGR sequence from `from` to `to` (nothing when they are the same).
fn sgr(out: &mut Vec<u8>, from: Pen, to: Pen) {
    if from == to {
        return;
    }
    let mut codes = Vec::new();
    let start = if from.modifier.difference(to.modifier).is_empty() {
        from
    } else {
        // An attribute goes: start from nothing (cheaper than each one's own "off").
        codes.push("0".to_string());
        Pen::RESET
    };
    for (m, code) in MODIFIERS {
        if to.modifier.contains(m) && !start.modifier.contains(m) {
            codes.push(code.to_string());
        }
    }
    if to.fg != start.fg {
        color_code(&mut codes, to.fg, 30);
    }
    if to.bg != start.bg {
        color_code(&mut codes, to.bg, 40);
    }
    if to.underline != start.underline {
        color_code(&mut codes, to.underline, 58);
    }
    let _ = write!(out, "\x1b[{}m", codes.join(";"));
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if self.shadow.area.is_empty() {
            // A fresh screen, blank as ratatui assumes.
            let size = self.size()?;
            self.reset_shadow(size);
        }
        let updates: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        for (x, y, c) in &updates {
            if let Some(s) = self.shadow.cell_mut((*x, *y)) {
                *s = c.clone();
            }
            // The cells a wide glyph covers show its right half: marked so that they are
            // never written again as what they held before (ratatui sends no update for
            // them).
            for k in 1..c.symbol().width() as u16 {
                if let Some(s) = self.shadow.cell_mut((x + k, *y)) {
                    *s = Cell::new(COVERED);
                }
            }
        }
        let width = self.shadow.area.width;
        let blank = |c: &Cell| c.symbol() == " " && Pen::of(c) == Pen::RESET;
        let mut out: Vec<u8> = Vec::with_capacity(4096);
        let mut pen = Pen::RESET;
        let mut at: Option<(u16, u16)> = None;
        let mut k = 0;
        while k < updates.len() {
            let y = updates[k].1;
            let row_end = updates[k..]
                .iter()
                .position(|u| u.1 != y)
                .map_or(updates.len(), |n| k + n);
            // Where the row is blank to its end: cleared with one "erase line" instead.
            let tail = if self.trusted {
                let mut t = width;
                while t > 0 && self.shadow.cell((t - 1, y)).is_some_and(blank) {
                    t -= 1;
                }
                t
            } else {
                width
            };
            for (x, _, cell) in &updates[k..row_end] {
                let (x, cell) = (*x, cell);
                if x >= tail {
                    self.move_to(&mut out, &mut at, pen, x, y);
                    sgr(&mut out, pen, Pen::RESET);
                    pen = Pen::RESET;
                    out.extend_from_slice(b"\x1b[K");
                    at = None;
                    break;
                }
                self.move_to(&mut out, &mut at, pen, x, y);
                let to = Pen::of(cell);
                sgr(&mut out, pen, to);
                pen = to;
                let symbol = cell.symbol();
                let w = symbol.width() as u16;
                if plain(symbol) {
                    out.extend_from_slice(symbol.as_bytes());
                    // Past the last column the terminal's cursor is not where it seems.
                    at = (x + 1 < width).then_some((x + 1, y));
                    continue;
                }
                // A wide glyph, an emoji sequence or a combining mark: terminals do not all
                // measure these as ratatui does. Its cells are blanked first (a terminal
                // that draws it narrower leaves no stale half), a mark with no base of its
                // own gets a space to sit on, and the next cell is reached by an absolute
                // move, so a disagreement never shifts what follows.
                if w > 1 {
                    out.extend(std::iter::repeat_n(b' ', usize::from(w.min(width - x))));
                    let _ = write!(out, "\x1b[{};{}H", y + 1, x + 1);
                } else if w == 0 {
                    // A mark combines with the glyph printed just before it: this space.
                    out.push(b' ');
                }
                out.extend_from_slice(symbol.as_bytes());
                at = None;
            }
            k = row_end;
        }
        if pen != Pen::RESET {
            out.extend_from_slice(b"\x1b[0m");
        }
        Write::write_all(&mut self.inner, &out)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self.fixed {
            // Not a terminal: nothing to ask (a repaint asks before it clears).
            Some(_) => Ok(Position::ORIGIN),
            None => self.inner.get_cursor_position(),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        let size = self.size()?;
        self.reset_shadow(size);
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        if clear_type == ClearType::All {
            let size = self.size()?;
            self.reset_shadow(size);
        } else {
            self.trusted = false;
        }
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        match self.fixed {
            Some(size) => Ok(size),
            None => self.inner.size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Paragraph;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Plays the bytes back on a tiny screen model: what a terminal would show.
    fn replay(bytes: &[u8], w: usize, h: usize) -> Vec<String> {
        let mut screen = vec![vec![' '; w]; h];
        let (mut x, mut y) = (0usize, 0usize);
        let s = String::from_utf8_lossy(bytes);
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.next(); // '['
                let mut params = String::new();
                let mut end = ' ';
                for p in chars.by_ref() {
                    if p.is_ascii_alphabetic() {
                        end = p;
                        break;
                    }
                    params.push(p);
                }
                let nums: Vec<usize> = params.split(';').filter_map(|n| n.parse().ok()).collect();
                match end {
                    'H' => {
                        y = nums.first().copied().unwrap_or(1) - 1;
                        x = nums.get(1).copied().unwrap_or(1) - 1;
                    }
                    'C' => x += nums.first().copied().unwrap_or(1),
                    'J' => screen = vec![vec![' '; w]; h],
                    _ => {}
                }
                continue;
            }
            if x < w && y < h {
                screen[y][x] = c;
            }
            x += 1;
        }
        screen
            .into_iter()
            .map(|r| r.into_iter().collect())
            .collect()
    }

    #[test]
    fn the_screen_it_writes_is_the_frame_and_a_small_change_costs_little() {
        let sink = Sink::default();
        let backend = LeanBackend::fixed(sink.clone(), Size::new(30, 3));
        let mut term = Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, 30, 3)),
            },
        )
        .unwrap();
        let frame = |a: &str, b: &str| {
            vec![
                Line::from(vec![
                    Span::styled("id ", Style::new().fg(Color::DarkGray)),
                    Span::raw(a.to_string()),
                ]),
                Line::from(b.to_string()),
            ]
        };
        term.draw(|f| {
            f.render_widget(Paragraph::new(frame("OIN-2026-0131", "breached")), f.area())
        })
        .unwrap();
        term.draw(|f| {
            f.render_widget(Paragraph::new(frame("OIN-2026-0142", "on track")), f.area())
        })
        .unwrap();
        let all = sink.0.lock().unwrap().clone();
        let shown = replay(&all, 30, 3);
        assert_eq!(shown[0].trim_end(), "id OIN-2026-0142");
        assert_eq!(shown[1].trim_end(), "on track");
        // The second frame: "42" and "on track" rewritten, one gap filled.
        sink.0.lock().unwrap().clear();
        term.draw(|f| {
            f.render_widget(Paragraph::new(frame("OIN-2026-0131", "on track")), f.area())
        })
        .unwrap();
        let second = sink.0.lock().unwrap().clone();
        assert!(second.len() < 16, "{:?}", String::from_utf8_lossy(&second));
        let mut both = all;
        both.extend(second);
        assert_eq!(replay(&both, 30, 3)[0].trim_end(), "id OIN-2026-0131");
    }
}
