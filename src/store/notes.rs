//! Internal notes (append-only) and the attention set their mentions fill.

use super::queue::LineWriter;
use super::rows::{attention_in, clear_attention};
use super::{Context, Result, Store, fmt_ts, parse_ts};
use crate::domain::notes::Note;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeSet;

impl Store {
    /// Appends a note by `author` to submission `id` and puts it in the attention set of
    /// each mentioned analyst (the author's own entry goes: writing is acting); None when
    /// there is no such submission.
    pub fn add_note(
        &mut self,
        id: &str,
        author: &str,
        at: Timestamp,
        text: &str,
        mentions: &[String],
    ) -> Result<Option<i64>> {
        let policy = self.policy.clone();
        let tx = self.begin_write("add a note")?;
        let exists: Option<i64> = tx
            .query_row("SELECT 1 FROM submissions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .ctx("reading a submission to note")?;
        if exists.is_none() {
            return Ok(None);
        }
        let lines = LineWriter::begin(&tx, policy.as_deref())?;
        tx.execute(
            "INSERT INTO notes (submission_id, author, at, text) VALUES (?1, ?2, ?3, ?4)",
            params![id, author, fmt_ts(at), text],
        )
        .ctx("writing a note")?;
        let note = tx.last_insert_rowid();
        clear_attention(&tx, id, author)?;
        for who in mentions.iter().filter(|w| w.as_str() != author) {
            tx.execute(
                "INSERT INTO attention (analyst, submission_id, note_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (analyst, submission_id) DO UPDATE SET note_id = excluded.note_id",
                params![who, id, note],
            )
            .ctx("writing the attention set")?;
        }
        // Readers read the submission again (its detail shows the note).
        lines.touched(id);
        lines.finish(&tx)?;
        tx.commit().ctx("committing the note")?;
        Ok(Some(note))
    }

    /// A submission's notes, oldest first.
    pub fn notes(&self, id: &str) -> Result<Vec<Note>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, author, at, text FROM notes WHERE submission_id = ?1 ORDER BY id",
            )
            .ctx("reading notes")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                ))
            })
            .ctx("reading notes")?;
        let mut notes = Vec::new();
        for row in rows {
            let (id, author, at, text) = row.ctx("reading notes")?;
            notes.push(Note {
                id,
                author,
                at: parse_ts(&at)?,
                text,
            });
        }
        Ok(notes)
    }

    /// The submissions in `analyst`'s attention set (mentioned, not yet acted on).
    pub fn attention_of(&self, analyst: &str) -> Result<BTreeSet<String>> {
        attention_in(&self.conn, analyst)
    }

    /// Who has submission `id` in their attention set.
    pub fn attention_on(&self, id: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT analyst FROM attention WHERE submission_id = ?1 ORDER BY analyst",
            )
            .ctx("reading the attention set")?;
        let who = stmt
            .query_map([id], |r| r.get(0))
            .ctx("reading the attention set")?
            .collect::<rusqlite::Result<_>>()
            .ctx("reading the attention set")?;
        Ok(who)
    }
}
