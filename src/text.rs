//! Showing text that came from ISVs safely: no control bytes reach the terminal.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Standard base64 (the OSC 52 clipboard and the log's redaction; base64 lives here only).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The visible stand-in for a character that must not reach the terminal, if it is one.
pub fn placeholder(c: char) -> Option<char> {
    match c {
        '\t' => Some(' '),
        // C0 controls and DEL as Unicode control pictures (ESC shows as ␛).
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{7f}' => Some('\u{2421}'),
        // C1 controls (CSI, OSC, ... as single bytes), bidi controls, invisible formatters.
        '\u{80}'..='\u{9f}'
        | '\u{061c}'
        | '\u{200b}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// Printable ASCII only: nothing to replace, one column per byte.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// One line of display text: every control, escape and bidi override made visible.
pub fn safe_line(s: &str) -> String {
    if plain(s) {
        return s.to_string();
    }
    s.chars().map(|c| placeholder(c).unwrap_or(c)).collect()
}

/// The terminal columns `s` takes once shown safely (`safe_line`).
pub fn display_width(s: &str) -> usize {
    if plain(s) {
        return s.len();
    }
    safe_line(s).width()
}

/// `safe_line`, cut to at most `width` terminal columns with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    if plain(s) && s.len() <= width {
        return s.to_string();
    }
    let safe = safe_line(s);
    if safe.width() <= width {
        return safe;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in safe.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `fit`, then padded with spaces to exactly `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    if plain(s) && s.len() <= width {
        let mut out = String::with_capacity(width);
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', width - s.len()));
        return out;
    }
    let mut out = fit(s, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// `name` with everything but ASCII letters, digits and `-` replaced by `_`: safe in a file
/// name and in the local part of a Message-ID, whatever the submission id holds.
pub fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Where to cut `s` so the head fits `width` columns: after the last space that fits, else
/// at the width (a byte index on a character boundary; all of `s` when it fits).
pub fn wrap_point(s: &str, width: usize) -> usize {
    let mut used = 0;
    let mut last_space = None;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            return match last_space {
                Some(sp) if sp > 0 => sp,
                _ => i.max(c.len_utf8().min(s.len())),
            };
        }
        if c == ' ' {
            last_space = Some(i);
        }
        used += w;
    }
    s.len()
}

/// `s` as one word for a POSIX shell: as it is when it is plain, else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
