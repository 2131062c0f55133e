//! The one place the program reads the time of day.
//!
//! By default that is the system clock. `OIN_REVIEW_CLOCK` sets the instant the clock
//! reads at its anchor, and time then runs at the normal rate from there, so a rehearsal,
//! a demo or a test can run on any date while backoffs, ticks and the order of writes still
//! behave as they do for real. The anchor is the real Unix time in nanoseconds given in
//! `OIN_REVIEW_CLOCK_ANCHOR`, or this process's start when that is unset: processes given
//! the same anchor (a test and every command it runs) read the same clock.

use jiff::{SignedDuration, Timestamp};
use std::sync::OnceLock;

/// The variable that sets the clock's instant (RFC 3339).
pub const CLOCK_VAR: &str = "OIN_REVIEW_CLOCK";
/// The variable that sets the real Unix time, in nanoseconds, at which the clock read
/// `OIN_REVIEW_CLOCK`.
pub const ANCHOR_VAR: &str = "OIN_REVIEW_CLOCK_ANCHOR";

/// How far the clock is set from the system's: zero unless `OIN_REVIEW_CLOCK` is set.
static OFFSET: OnceLock<SignedDuration> = OnceLock::new();

/// Reads the clock's variables. Called once at start; a bad value is an error that names
/// the variable and the form it wants. Without this call the clock is the system's.
pub fn init_from_env() -> Result<(), String> {
    let offset = offset_from(
        std::env::var(CLOCK_VAR).ok().as_deref(),
        std::env::var(ANCHOR_VAR).ok().as_deref(),
        Timestamp::now(),
    )?;
    let _ = OFFSET.set(offset);
    Ok(())
}

/// The offset the variables ask for, given the system time at start.
fn offset_from(
    instant: Option<&str>,
    anchor: Option<&str>,
    started: Timestamp,
) -> Result<SignedDuration, String> {
    let Some(instant) = instant.filter(|s| !s.trim().is_empty()) else {
        return Ok(SignedDuration::ZERO);
    };
    let at: Timestamp = instant.trim().parse().map_err(|e| {
        format!(
            "{CLOCK_VAR}={instant:?} is not an instant ({e}); write it as 2026-12-04T11:00:00Z, or unset it to use the system clock"
        )
    })?;
    let real = match anchor.filter(|s| !s.trim().is_empty()) {
        None => started,
        Some(ns) => ns
            .trim()
            .parse::<i128>()
            .ok()
            .and_then(|ns| Timestamp::from_nanosecond(ns).ok())
            .ok_or_else(|| {
                format!(
                    "{ANCHOR_VAR}={ns:?} is not a Unix time in nanoseconds; unset it to start the clock when the program starts"
                )
            })?,
    };
    Ok(at.duration_since(real))
}

/// Now, by the program's clock.
pub fn now() -> Timestamp {
    let real = Timestamp::now();
    match OFFSET.get() {
        Some(offset) if !offset.is_zero() => real.checked_add(*offset).unwrap_or(real),
        _ => real,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs_from_its_instant_at_the_anchor() {
        let started: Timestamp = "2030-01-01T00:00:10Z".parse().unwrap();
        let anchor: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let offset = offset_from(
            Some("2026-12-04T11:00:00Z"),
            Some(&anchor.as_nanosecond().to_string()),
            started,
        )
        .unwrap();
        assert_eq!(
            started + offset,
            "2026-12-04T11:00:10Z".parse::<Timestamp>().unwrap(),
            "ten seconds after the anchor, the clock reads ten seconds after its instant"
        );
        let unanchored = offset_from(Some("2026-12-04T11:00:00Z"), None, started).unwrap();
        assert_eq!(
            started + unanchored,
            "2026-12-04T11:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            offset_from(None, None, started).unwrap(),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn a_bad_clock_names_the_variable_and_the_form() {
        let started = Timestamp::UNIX_EPOCH;
        let e = offset_from(Some("2026-12-04"), None, started).unwrap_err();
        assert!(
            e.contains("OIN_REVIEW_CLOCK=\"2026-12-04\"") && e.contains("2026-12-04T11:00:00Z"),
            "{e}"
        );
        let e = offset_from(Some("2026-12-04T11:00:00Z"), Some("soon"), started).unwrap_err();
        assert!(e.contains("OIN_REVIEW_CLOCK_ANCHOR=\"soon\""), "{e}");
    }
}
