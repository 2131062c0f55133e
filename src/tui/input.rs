//! One line editor for every text field of the console (search, palette, names, reasons,
//! findings): a cursor, Home/End, Ctrl-A/E/U/W/K, Alt-B/F and word moves, and paste.

use crate::text::placeholder;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

/// The text and where the cursor is (a char index into it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    chars: Vec<char>,
    cursor: usize,
}

impl LineInput {
    pub fn new() -> LineInput {
        LineInput::default()
    }

    pub fn with_text(text: &str) -> LineInput {
        let chars: Vec<char> = text.chars().collect();
        LineInput {
            cursor: chars.len(),
            chars,
        }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Inserts text at the cursor; line breaks and controls become spaces (one line).
    pub fn insert(&mut self, text: &str) {
        for c in text.chars() {
            let c = if c.is_control() { ' ' } else { c };
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    /// The start of the word before the cursor (Ctrl-W, Alt-B).
    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    /// The end of the word after the cursor (Alt-F).
    fn word_end(&self) -> usize {
        let mut i = self.cursor;
        while i < self.chars.len() && self.chars[i].is_whitespace() {
            i += 1;
        }
        while i < self.chars.len() && !self.chars[i].is_whitespace() {
            i += 1;
        }
        i
    }

    /// Edits the line for `key`. Returns whether the key was an editing key; `changed` is
    /// set when the text changed (not just the cursor).
    pub fn handle(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let before = self.chars.len();
        let moved = |s: &mut LineInput, to: usize| {
            s.cursor = to.min(s.chars.len());
            Edit::Moved
        };
        let edit = match key.code {
            KeyCode::Char('a') if ctrl => moved(self, 0),
            KeyCode::Char('e') if ctrl => moved(self, self.chars.len()),
            KeyCode::Char('b') if alt => moved(self, self.word_start()),
            KeyCode::Char('f') if alt => moved(self, self.word_end()),
            KeyCode::Left if ctrl || alt => moved(self, self.word_start()),
            KeyCode::Right if ctrl || alt => moved(self, self.word_end()),
            KeyCode::Char('u') if ctrl => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('k') if ctrl => {
                self.chars.truncate(self.cursor);
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let from = self.word_start();
                self.chars.drain(from..self.cursor);
                self.cursor = from;
                Edit::Changed
            }
            KeyCode::Backspace if alt || ctrl => {
                let from = self.word_start();
                self.chars.drain(from..self.cursor);
                self.cursor = from;
                Edit::Changed
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                self.insert(&c.to_string());
                Edit::Changed
            }
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.chars.remove(self.cursor);
                }
                Edit::Changed
            }
            KeyCode::Delete => {
                if self.cursor < self.chars.len() {
                    self.chars.remove(self.cursor);
                }
                Edit::Changed
            }
            KeyCode::Left => moved(self, self.cursor.saturating_sub(1)),
            KeyCode::Right => moved(self, self.cursor + 1),
            KeyCode::Home => moved(self, 0),
            KeyCode::End => moved(self, self.chars.len()),
            _ => Edit::Ignored,
        };
        match edit {
            Edit::Changed
                if self.chars.len() == before && !matches!(key.code, KeyCode::Char(_)) =>
            {
                // Backspace at the start, Delete at the end: nothing changed.
                Edit::Moved
            }
            e => e,
        }
    }

    /// The line as spans, the cursor drawn as a reversed cell, cut to show the cursor within
    /// `width` columns.
    pub fn spans(&self, theme: &Theme, width: usize) -> Vec<Span<'static>> {
        self.spans_marked(theme, width, &[])
    }

    /// `spans`, with the characters in `marked` (ranges of character indices) in the
    /// accent style: the field terms of a search.
    pub fn spans_marked(
        &self,
        theme: &Theme,
        width: usize,
        marked: &[std::ops::Range<usize>],
    ) -> Vec<Span<'static>> {
        let style = |i: usize| {
            if marked.iter().any(|r| r.contains(&i)) {
                theme.accent
            } else {
                theme.text
            }
        };
        let shown: Vec<char> = self
            .chars
            .iter()
            .map(|&c| placeholder(c).unwrap_or(c))
            .collect();
        let w = |c: &char| c.width().unwrap_or(0);
        // Start far enough right that the cursor fits.
        let mut start = 0;
        let room = width.saturating_sub(1).max(1);
        while shown[start..self.cursor].iter().map(w).sum::<usize>() > room {
            start += 1;
        }
        // Runs of one style: (style, text).
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut push = |style: ratatui::style::Style, c: char| match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push(c),
            _ => spans.push(Span::styled(c.to_string(), style)),
        };
        let mut used = 0;
        for (i, c) in shown.iter().enumerate().take(self.cursor).skip(start) {
            push(style(i), *c);
            used += w(c);
        }
        let at = shown.get(self.cursor).copied().unwrap_or(' ');
        used += at.width().unwrap_or(0);
        push(theme.selection, at);
        for (i, c) in shown.iter().enumerate().skip(self.cursor + 1) {
            if used + w(c) > width {
                break;
            }
            push(style(i), *c);
            used += w(c);
        }
        spans
    }
}

/// What a key did to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// Only the cursor moved.
    Moved,
    /// Not an editing key.
    Ignored,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(l: &mut LineInput, code: KeyCode, mods: KeyModifiers) -> Edit {
        l.handle(&KeyEvent::new(code, mods))
    }

    #[test]
    fn edits_in_the_middle_and_by_word() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        let alt = KeyModifiers::ALT;
        let mut l = LineInput::with_text("acme payroll sync");
        press(&mut l, KeyCode::Char('b'), alt);
        assert_eq!(l.cursor(), 13);
        press(&mut l, KeyCode::Char('w'), ctrl);
        assert_eq!(l.text(), "acme sync");
        press(&mut l, KeyCode::Home, none);
        press(&mut l, KeyCode::Char('f'), alt);
        press(&mut l, KeyCode::Char('!'), none);
        assert_eq!(l.text(), "acme! sync");
        press(&mut l, KeyCode::Char('k'), ctrl);
        assert_eq!(l.text(), "acme!");
        press(&mut l, KeyCode::Left, none);
        press(&mut l, KeyCode::Backspace, none);
        assert_eq!((l.text().as_str(), l.cursor()), ("acm!", 3));
        press(&mut l, KeyCode::Char('e'), ctrl);
        assert_eq!(l.cursor(), 4);
        assert_eq!(press(&mut l, KeyCode::Char('u'), ctrl), Edit::Changed);
        assert!(l.is_empty());
        assert_eq!(press(&mut l, KeyCode::Backspace, none), Edit::Moved);
        assert_eq!(press(&mut l, KeyCode::Up, none), Edit::Ignored);
        l.insert("two\nlines\u{1b}");
        assert_eq!(l.text(), "two lines ");
    }
}
