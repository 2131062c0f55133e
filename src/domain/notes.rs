//! Internal notes on a submission: analysts talk about it without the ISV reading along.
//! A note is append-only; `@name` in it puts the submission in that analyst's attention set
//! until they act on it (a move, a note, a claim). Notes never reach an email: the email
//! notices (`notice.rs`) are built without them.

use jiff::Timestamp;
use serde::Serialize;

/// One internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: i64,
    pub author: String,
    pub at: Timestamp,
    pub text: String,
}

/// The longest note kept (a note is a remark, not a document).
pub const MAX_NOTE_CHARS: usize = 4000;

/// The analysts a note mentions: each `@name` (letters, digits, `.`, `_`, `-`), in order,
/// once each, without trailing punctuation (`@bea,` is bea).
pub fn mentions(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // An @ that starts a word (not inside an email address).
        if c != '@' || (i > 0 && !chars[i - 1].is_whitespace() && chars[i - 1] != '(') {
            continue;
        }
        let name: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        let name = name.trim_end_matches(['.', '-', '_']).to_string();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_names_after_an_at_that_starts_a_word() {
        assert_eq!(
            mentions("@bea can you check the logo? cc @ben.k, and (@bea) again"),
            ["bea", "ben.k"]
        );
        assert!(mentions("mail dev@isv.example about it").is_empty());
        assert!(mentions("a lone @ sign").is_empty());
    }
}
