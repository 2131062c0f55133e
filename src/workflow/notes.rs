//! Internal notes: what analysts say about a submission among themselves.

use super::{Result, Workflow, WorkflowError};
use crate::domain::notes::{MAX_NOTE_CHARS, Note, mentions};
use crate::text::safe_line;
use jiff::Timestamp;

/// A note as written: its number and who it put in their attention set.
#[derive(Debug, Clone)]
pub struct NoteAdded {
    pub id: String,
    pub note: i64,
    pub mentioned: Vec<String>,
}

impl NoteAdded {
    /// What to tell the analyst: "OIN-1: note 3 added (internal, never emailed); in the
    /// attention set of bea".
    pub fn said(&self) -> String {
        let mut s = format!(
            "{}: note {} added (internal, never emailed)",
            safe_line(&self.id),
            self.note
        );
        if !self.mentioned.is_empty() {
            let who: Vec<String> = self.mentioned.iter().map(|m| safe_line(m)).collect();
            s.push_str(&format!("; in the attention set of {}", who.join(", ")));
        }
        s
    }
}

impl Workflow {
    /// Adds `author`'s note to submission `id` (matched case-insensitively): never emailed;
    /// each `@name` in it puts the submission in that analyst's attention set.
    pub fn add_note(
        &mut self,
        id: &str,
        text: &str,
        author: &str,
        at: Timestamp,
    ) -> Result<NoteAdded> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WorkflowError::Refused(
                "an empty note: write what colleagues should know".into(),
            ));
        }
        let chars = text.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(WorkflowError::Refused(format!(
                "a note of {chars} characters: keep it under {MAX_NOTE_CHARS} (notes are remarks)"
            )));
        }
        // The id as the queue spells it; the store says whether it exists (the whole
        // submission need not be read to write a note on it).
        let id_in_queue = self
            .canonical_ids(&[id.to_string()])?
            .into_iter()
            .next()
            .unwrap_or_else(|| id.to_string());
        let mentioned = mentions(text);
        // A mention of someone not on the team would sit in nobody's attention set, and a
        // note cannot be corrected: refused, with the closest names.
        let unknown: Vec<String> = match mentioned.is_empty() {
            true => Vec::new(),
            false => {
                let team = self.team()?;
                mentioned
                    .iter()
                    .filter(|m| !team.contains(m))
                    .map(|m| format!("@{}{}", safe_line(m), super::closest_names(m, &team)))
                    .collect()
            }
        };
        if !unknown.is_empty() {
            return Err(WorkflowError::Refused(format!(
                "not on the team: {}; the note was not added (fix the mention, or add the analyst to [team] analysts in the config)",
                unknown.join("; ")
            )));
        }
        match self
            .store
            .add_note(&id_in_queue, author, at, text, &mentioned)?
        {
            Some(note) => Ok(NoteAdded {
                id: id_in_queue,
                note,
                mentioned: mentioned.into_iter().filter(|m| m != author).collect(),
            }),
            None => Err(WorkflowError::NotFound {
                id: safe_line(id),
                path: self.store.path().to_path_buf(),
            }),
        }
    }

    /// A submission's notes, oldest first.
    pub fn notes(&self, id: &str) -> Result<Vec<Note>> {
        let sub = self.submission(id)?;
        Ok(self.store.notes(&sub.id)?)
    }
}
