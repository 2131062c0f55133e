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

/// A writer for JSON that escapes the C1 controls (U+0080 to U+009F) as `\u0080`…:
/// serde_json writes them raw, and a terminal may take a raw U+009B for the start of an
/// escape sequence. Lossless: a JSON reader reads the escape back as the character. (In
/// UTF-8 these are `C2 80` to `C2 9F`, and `C2` is only ever a lead byte.)
pub struct JsonText<W: std::io::Write> {
    inner: W,
    /// The last buffer ended with a `C2` whose next byte is still to come.
    pending: bool,
}

impl<W: std::io::Write> JsonText<W> {
    pub fn new(inner: W) -> JsonText<W> {
        JsonText {
            inner,
            pending: false,
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonText<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let c1 = |b: u8| (0x80..=0x9f).contains(&b);
        let (mut start, mut i) = (0, 0);
        if std::mem::take(&mut self.pending) {
            match buf.first() {
                Some(&b) if c1(b) => {
                    write!(self.inner, "\\u{:04x}", b)?;
                    (start, i) = (1, 1);
                }
                _ => self.inner.write_all(&[0xc2])?,
            }
        }
        while i < buf.len() {
            if buf[i] == 0xc2 {
                match buf.get(i + 1) {
                    None => {
                        self.inner.write_all(&buf[start..i])?;
                        self.pending = true;
                        return Ok(buf.len());
                    }
                    Some(&b) if c1(b) => {
                        self.inner.write_all(&buf[start..i])?;
                        write!(self.inner, "\\u{:04x}", b)?;
                        i += 2;
                        start = i;
                        continue;
                    }
                    Some(_) => {}
                }
            }
            i += 1;
        }
        self.inner.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.pending) {
            self.inner.write_all(&[0xc2])?;
        }
        self.inner.flush()
    }
}

/// `value` as JSON (pretty or one line) with the C1 controls escaped ([`JsonText`]).
pub fn json_text(value: &impl serde::Serialize, pretty: bool) -> serde_json::Result<String> {
    let mut out = JsonText::new(Vec::new());
    if pretty {
        serde_json::to_writer_pretty(&mut out, value)?;
    } else {
        serde_json::to_writer(&mut out, value)?;
    }
    // Valid UTF-8: whole characters went in, and some came out as ASCII escapes.
    Ok(String::from_utf8_lossy(&out.inner).into_owned())
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

#[cfg(test)]
mod tests {
    use super::JsonText;
    use std::io::Write;

    #[test]
    fn a_c1_control_split_across_two_writes_is_escaped_and_other_text_passes_whole() {
        let mut out = JsonText::new(Vec::new());
        let text = "a\u{9b}b é \u{85}";
        let bytes = text.as_bytes();
        // Every split point, the C2 of U+009B at the end of the first write included.
        for cut in 0..=bytes.len() {
            out.inner.clear();
            out.write_all(&bytes[..cut]).unwrap();
            out.write_all(&bytes[cut..]).unwrap();
            out.flush().unwrap();
            assert_eq!(
                String::from_utf8(out.inner.clone()).unwrap(),
                "a\\u009bb é \\u0085",
                "cut at {cut}"
            );
        }
    }
}
