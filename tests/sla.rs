//! SLA clocks on business time: property tests against a plain day-by-day reference, and
//! named cases checked by hand against a calendar.

use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use oin_review::domain::sla::{clocks, compact};
use oin_review::domain::{
    BusinessCalendar, ClockStatus, EventKind, OnReturn, Phase, ReviewState, SlaPolicy, StateChange,
    WorkingHours,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

const H: i64 = 3600;
const D: i64 = 24 * H;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn cal(tz: &str, holidays: &[Date], hours: WorkingHours) -> BusinessCalendar {
    BusinessCalendar::new(
        TimeZone::get(tz).unwrap(),
        holidays.iter().copied().collect(),
        hours,
    )
}

fn utc() -> BusinessCalendar {
    cal("UTC", &[], WorkingHours::ALL_DAY)
}

fn us_holidays_2026() -> Vec<Date> {
    vec![
        date(2026, 11, 11),
        date(2026, 11, 26),
        date(2026, 12, 25),
        date(2027, 1, 1),
    ]
}

fn policy(calendar: BusinessCalendar, on_return: OnReturn) -> SlaPolicy {
    let day = calendar.day_length();
    SlaPolicy {
        initial_review: 5 * day,
        qa_testing: 5 * day,
        final_review: day,
        calendar,
        on_return,
        at_risk_percent: 50,
        warn_again_percent: 75,
    }
}

// ----- The reference: walks calendar days, intersecting real instants. -----

struct Reference {
    tz: TimeZone,
    holidays: BTreeSet<Date>,
    open: i64,
    close: i64,
}

impl Reference {
    fn of(tz: &str, holidays: &[Date], hours: WorkingHours) -> Self {
        Reference {
            tz: TimeZone::get(tz).unwrap(),
            holidays: holidays.iter().copied().collect(),
            open: hours.open,
            close: hours.close,
        }
    }

    fn business(&self, d: Date) -> bool {
        !matches!(
            d.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) && !self.holidays.contains(&d)
    }

    /// The real instants a business day's hours begin and end.
    fn hours_of(&self, d: Date) -> (Timestamp, Timestamp) {
        let at = |secs: i64| {
            let midnight = d.to_zoned(self.tz.clone()).unwrap();
            if secs == D {
                d.tomorrow()
                    .unwrap()
                    .to_zoned(self.tz.clone())
                    .unwrap()
                    .timestamp()
            } else {
                midnight
                    .datetime()
                    .checked_add(SignedDuration::from_secs(secs))
                    .unwrap()
                    .to_zoned(self.tz.clone())
                    .unwrap()
                    .timestamp()
            }
        };
        (at(self.open), at(self.close))
    }

    fn day_of(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    fn between(&self, a: Timestamp, b: Timestamp) -> i64 {
        let mut total = 0;
        let mut d = self.day_of(a);
        while d <= self.day_of(b) {
            if self.business(d) {
                let (o, c) = self.hours_of(d);
                let (lo, hi) = (o.max(a), c.min(b));
                if hi > lo {
                    total += hi.duration_since(lo).as_secs();
                }
            }
            d = d.tomorrow().unwrap();
        }
        total
    }

    fn add(&self, start: Timestamp, amount: i64) -> Timestamp {
        let mut remaining = amount;
        let mut d = self.day_of(start);
        loop {
            if self.business(d) {
                let (o, c) = self.hours_of(d);
                let from = o.max(start);
                if c > from || (c == from && remaining == 0 && from > start) {
                    let available = c.duration_since(from).as_secs();
                    if remaining < available {
                        return from + SignedDuration::from_secs(remaining);
                    }
                    remaining -= available;
                }
            }
            d = d.tomorrow().unwrap();
        }
    }
}

// ----- Properties -----

const ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
];

fn arb_setup() -> impl Strategy<Value = (&'static str, Vec<Date>, WorkingHours)> {
    let zone = prop::sample::select(ZONES);
    let holidays = prop::collection::vec(0i64..120, 0..12).prop_map(|offsets| {
        offsets
            .into_iter()
            .map(|o| {
                date(2026, 1, 1)
                    .checked_add(jiff::Span::new().days(o * 3))
                    .unwrap()
            })
            .collect::<Vec<_>>()
    });
    let hours = prop_oneof![
        Just(WorkingHours::ALL_DAY),
        (0i64..12, 1i64..12).prop_map(|(o, len)| WorkingHours {
            open: o * H,
            close: (o + len) * H
        }),
    ];
    (zone, holidays, hours)
}

fn arb_instant() -> impl Strategy<Value = Timestamp> {
    // Whole minutes through 2026, where DST changes happen in every zone above but Kolkata.
    (0i64..(365 * 24 * 60)).prop_map(|m| ts("2026-01-01T00:00:00Z") + SignedDuration::from_mins(m))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn business_seconds_match_the_reference(
        (zone, holidays, hours) in arb_setup(),
        a in arb_instant(),
        span_minutes in 0i64..(25 * 24 * 60),
    ) {
        let b = a + SignedDuration::from_mins(span_minutes);
        let c = cal(zone, &holidays, hours);
        let r = Reference::of(zone, &holidays, hours);
        prop_assert_eq!(c.business_seconds(a, b), r.between(a, b));
        prop_assert_eq!(c.business_seconds(b, a), 0);
    }

    #[test]
    fn due_instants_match_the_reference(
        (zone, holidays, hours) in arb_setup(),
        start in arb_instant(),
        amount_minutes in 0i64..(8 * 24 * 60),
    ) {
        let c = cal(zone, &holidays, hours);
        let r = Reference::of(zone, &holidays, hours);
        let amount = (amount_minutes * 60).min(7 * c.day_length());
        let due = c.add_business(start, amount);
        prop_assert_eq!(due, r.add(start, amount));
        // Exactly `amount` has passed at the due instant, and more just after it.
        prop_assert_eq!(c.business_seconds(start, due), amount);
        prop_assert!(c.business_seconds(start, due + SignedDuration::from_secs(1)) > amount);
    }

    #[test]
    fn a_clock_counts_only_its_running_segments(
        (zone, holidays, hours) in arb_setup(),
        start in arb_instant(),
        gaps in prop::collection::vec(1i64..(4 * 24 * 60), 1..7),
        now_after in 0i64..(3 * 24 * 60),
    ) {
        // initial_review, isv_review, initial_review, ... with random gaps (resume policy).
        let c = cal(zone, &holidays, hours);
        let r = Reference::of(zone, &holidays, hours);
        let p = policy(c, OnReturn::Resume);
        let mut at = start;
        let mut history = vec![change(ReviewState::Draft, at - SignedDuration::from_hours(1))];
        let mut running_since = None;
        let mut used = 0;
        for (i, g) in gaps.iter().enumerate() {
            let to = if i % 2 == 0 { ReviewState::InitialReview } else { ReviewState::IsvReview };
            if let Some(s) = running_since.take() {
                used += r.between(s, at);
            }
            if to == ReviewState::InitialReview {
                running_since = Some(at);
            }
            history.push(change(to, at));
            at += SignedDuration::from_mins(*g);
        }
        let now = at + SignedDuration::from_mins(now_after);
        if let Some(s) = running_since {
            used += r.between(s, now);
        }
        let all = clocks(&history, &p, now);
        prop_assert_eq!(all.len(), 1, "resume keeps one clock");
        let clock = &all[0];
        prop_assert_eq!(clock.used_seconds, used);
        prop_assert_eq!(clock.left_seconds, p.initial_review - used);
        let running = gaps.len() % 2 == 1;
        let expected = if !running {
            ClockStatus::Paused
        } else if used > p.initial_review {
            ClockStatus::Breached
        } else if used * 2 >= p.initial_review {
            ClockStatus::AtRisk
        } else {
            ClockStatus::OnTrack
        };
        prop_assert_eq!(clock.status, expected);
        prop_assert_eq!(clock.due.is_none(), !running && used <= p.initial_review);
    }
}

fn change(to: ReviewState, at: Timestamp) -> StateChange {
    StateChange {
        from: None,
        to,
        at,
        by: "t".into(),
        reason: None,
        forced: false,
        kind: EventKind::Move,
        restart_clock: false,
        overrode: Vec::new(),
    }
}

fn history(steps: &[(ReviewState, &str)]) -> Vec<StateChange> {
    steps.iter().map(|(s, at)| change(*s, ts(at))).collect()
}

fn due_of(c: &BusinessCalendar, start: &str, days: i64) -> Timestamp {
    c.add_business(ts(start), days * c.day_length())
}

// ----- Named cases, each checked by hand against a calendar. -----

#[test]
fn five_days_from_a_monday_afternoon_is_the_next_monday_afternoon() {
    assert_eq!(
        due_of(&utc(), "2026-11-02T15:00:00Z", 5),
        ts("2026-11-09T15:00:00Z")
    );
}

#[test]
fn start_friday_16_00() {
    // Fri 16:00 -> Mon, Tue, Wed, Thu -> Fri 16:00.
    assert_eq!(
        due_of(&utc(), "2026-11-06T16:00:00Z", 5),
        ts("2026-11-13T16:00:00Z")
    );
    assert_eq!(
        due_of(&utc(), "2026-11-06T16:00:00Z", 1),
        ts("2026-11-09T16:00:00Z")
    );
}

#[test]
fn start_on_a_saturday_is_due_at_midnight_starting_the_sixth_business_day() {
    // Sat 7 Nov: the clock starts Mon 9 00:00; five full days end Fri 13 24:00; the first
    // instant after that with business time is Mon 16 00:00.
    assert_eq!(
        due_of(&utc(), "2026-11-07T10:00:00Z", 5),
        ts("2026-11-16T00:00:00Z")
    );
    assert_eq!(
        utc().add_business(ts("2026-11-07T10:00:00Z"), 0),
        ts("2026-11-09T00:00:00Z")
    );
}

#[test]
fn start_on_a_holiday() {
    // Thanksgiving (Thu 26 Nov 2026): starts Fri 27; Fri, Mon 30, Tue 1, Wed 2, Thu 3.
    let c = cal("UTC", &us_holidays_2026(), WorkingHours::ALL_DAY);
    assert_eq!(
        c.add_business(ts("2026-11-26T10:00:00Z"), 0),
        ts("2026-11-27T00:00:00Z")
    );
    assert_eq!(
        due_of(&c, "2026-11-26T10:00:00Z", 5),
        ts("2026-12-04T00:00:00Z")
    );
}

#[test]
fn across_new_year() {
    // Wed 30 Dec 10:00: 14h that day, Thu 31 (24h), Fri 1 Jan holiday, Mon 4, Tue 5, Wed 6
    // (110h by then), 10h more on Thu 7.
    let c = cal("UTC", &us_holidays_2026(), WorkingHours::ALL_DAY);
    assert_eq!(
        due_of(&c, "2026-12-30T10:00:00Z", 5),
        ts("2027-01-07T10:00:00Z")
    );
    assert_eq!(
        c.business_seconds(ts("2026-12-30T10:00:00Z"), ts("2027-01-04T00:00:00Z")),
        38 * H
    );
}

#[test]
fn across_the_los_angeles_dst_change() {
    // DST ends Sun 1 Nov 2026 at 02:00 in Los Angeles. Fri 30 Oct 15:00 PDT (22:00Z) plus one
    // business day is Mon 2 Nov 15:00 PST (23:00Z): the wall clock, not 24 h steps.
    let c = cal("America/Los_Angeles", &[], WorkingHours::ALL_DAY);
    assert_eq!(
        due_of(&c, "2026-10-30T22:00:00Z", 1),
        ts("2026-11-02T23:00:00Z")
    );
    assert_eq!(
        due_of(&c, "2026-10-30T22:00:00Z", 5),
        ts("2026-11-06T23:00:00Z")
    );
    // And in spring: DST starts Sun 8 Mar 2026. Fri 6 Mar 15:00 PST (23:00Z) -> Mon 9 Mar
    // 15:00 PDT (22:00Z).
    assert_eq!(
        due_of(&c, "2026-03-06T23:00:00Z", 1),
        ts("2026-03-09T22:00:00Z")
    );
}

#[test]
fn working_hours_nine_to_five() {
    let c = cal("UTC", &[], WorkingHours::parse("09:00-17:00").unwrap());
    assert_eq!(c.day_length(), 8 * H);
    // Fri 16:00 + 1 business day (8h): 1h on Friday, 7h on Monday.
    assert_eq!(
        due_of(&c, "2026-11-06T16:00:00Z", 1),
        ts("2026-11-09T16:00:00Z")
    );
    // Entering after hours starts the clock next morning.
    assert_eq!(
        c.add_business(ts("2026-11-05T18:30:00Z"), 0),
        ts("2026-11-06T09:00:00Z")
    );
    // A full day ends at 17:00 Friday; the next business moment is Monday 09:00.
    assert_eq!(
        due_of(&c, "2026-11-06T09:00:00Z", 1),
        ts("2026-11-09T09:00:00Z")
    );
    assert_eq!(
        c.business_seconds(ts("2026-11-06T08:00:00Z"), ts("2026-11-09T10:00:00Z")),
        9 * H
    );
    assert!(WorkingHours::parse("17:00-09:00").is_err());
    assert!(WorkingHours::parse("9-5").is_err());
}

#[test]
fn a_pause_across_a_weekend() {
    // In initial review Thu 5 Nov 10:00; to the ISV Fri 6 Nov 10:00 (24h used); back
    // Mon 9 Nov 10:00. At Tue 10 Nov 10:00: 24h + 24h used, not the 72h of an unpaused clock.
    let h = history(&[
        (ReviewState::Draft, "2026-11-01T09:00:00Z"),
        (ReviewState::InitialReview, "2026-11-05T10:00:00Z"),
        (ReviewState::IsvReview, "2026-11-06T10:00:00Z"),
        (ReviewState::InitialReview, "2026-11-09T10:00:00Z"),
    ]);
    let p = policy(utc(), OnReturn::Resume);
    let paused = clocks(&h[..3], &p, ts("2026-11-09T09:00:00Z"));
    assert_eq!(paused[0].status, ClockStatus::Paused);
    assert_eq!(paused[0].used_seconds, D);
    assert_eq!(paused[0].due, None);
    let all = clocks(&h, &p, ts("2026-11-10T10:00:00Z"));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].used_seconds, 2 * D);
    assert_eq!(all[0].left_seconds, 3 * D);
    // Resumed Mon 10:00 with 4 days left: due Fri 13 Nov 10:00.
    assert_eq!(all[0].due, Some(ts("2026-11-13T10:00:00Z")));
    assert_eq!(all[0].started_at, ts("2026-11-05T10:00:00Z"));
}

#[test]
fn resume_versus_restart() {
    let h = history(&[
        (ReviewState::InitialReview, "2026-11-05T10:00:00Z"),
        (ReviewState::IsvReview, "2026-11-06T10:00:00Z"),
        (ReviewState::InitialReview, "2026-11-09T10:00:00Z"),
    ]);
    let now = ts("2026-11-10T10:00:00Z");
    let restart = clocks(&h, &policy(utc(), OnReturn::Restart), now);
    assert_eq!(restart.len(), 2, "restart starts a new clock");
    assert_eq!(restart[0].status, ClockStatus::Stopped);
    assert_eq!(restart[0].used_seconds, D);
    assert_eq!(restart[0].ended_at, Some(ts("2026-11-06T10:00:00Z")));
    assert_eq!(restart[1].used_seconds, D);
    assert_eq!(restart[1].due, Some(ts("2026-11-16T10:00:00Z")));
    let resume = clocks(&h, &policy(utc(), OnReturn::Resume), now);
    assert_eq!(resume.len(), 1);
    assert_eq!(resume[0].used_seconds, 2 * D);
}

#[test]
fn fix_bugs_then_final_review_starts_the_final_clock() {
    let h = history(&[
        (ReviewState::InitialReview, "2026-11-02T09:00:00Z"),
        (ReviewState::QaTesting, "2026-11-03T09:00:00Z"),
        (ReviewState::IsvFixBugs, "2026-11-04T09:00:00Z"),
        (ReviewState::FinalReview, "2026-11-09T09:00:00Z"),
    ]);
    let all = clocks(
        &h,
        &policy(utc(), OnReturn::Resume),
        ts("2026-11-09T21:00:00Z"),
    );
    let phases: Vec<(Phase, ClockStatus)> = all.iter().map(|c| (c.phase, c.status)).collect();
    assert_eq!(
        phases,
        vec![
            (Phase::InitialReview, ClockStatus::Stopped),
            (Phase::QaTesting, ClockStatus::Stopped),
            (Phase::FinalReview, ClockStatus::AtRisk),
        ]
    );
    let last = &all[2];
    assert_eq!(last.used_seconds, 12 * H);
    assert_eq!(last.percent_used, 50.0);
    assert_eq!(last.due, Some(ts("2026-11-10T09:00:00Z")));
}

#[test]
fn statuses_across_a_clock_and_a_breach_shows_a_negative_time() {
    let h = history(&[(ReviewState::InitialReview, "2026-11-02T00:00:00Z")]);
    let p = policy(utc(), OnReturn::Resume);
    let at = |s: &str| clocks(&h, &p, ts(s)).remove(0);
    assert_eq!(at("2026-11-03T00:00:00Z").status, ClockStatus::OnTrack);
    let risk = at("2026-11-04T12:00:00Z");
    assert_eq!((risk.status, risk.warn_again), (ClockStatus::AtRisk, false));
    let warn = at("2026-11-05T18:00:00Z");
    assert_eq!((warn.status, warn.warn_again), (ClockStatus::AtRisk, true));
    // Exactly at the due instant the clock is spent, not yet breached.
    let due = at("2026-11-07T00:00:00Z");
    assert_eq!((due.status, due.left_seconds), (ClockStatus::AtRisk, 0));
    let late = at("2026-11-09T05:00:00Z");
    assert_eq!(late.status, ClockStatus::Breached);
    assert_eq!(late.left_seconds, -5 * H);
    // Five full days end Friday 24:00; as in the Saturday case, due is Monday 00:00.
    assert_eq!(late.due, Some(ts("2026-11-09T00:00:00Z")));
    assert_eq!(compact(late.left_seconds, D), "-5h");
    // Published: every clock stopped.
    let mut h2 = h.clone();
    h2.push(change(ReviewState::QaTesting, ts("2026-11-05T00:00:00Z")));
    h2.push(change(ReviewState::Published, ts("2026-11-06T00:00:00Z")));
    assert!(
        clocks(&h2, &p, ts("2026-11-10T00:00:00Z"))
            .iter()
            .all(|c| c.status == ClockStatus::Stopped)
    );
    // As of an instant before the item entered review, it has no clock at all.
    assert!(clocks(&h, &p, ts("2026-11-01T00:00:00Z")).is_empty());
}

#[test]
fn compact_times() {
    assert_eq!(compact(2 * D + 4 * H, D), "2d 4h");
    assert_eq!(compact(3 * D, D), "3d");
    assert_eq!(compact(45 * 60, D), "45m");
    assert_eq!(compact(-(D + 2 * H), D), "-1d 2h");
    assert_eq!(compact(9 * H, 8 * H), "1d 1h");
}

#[test]
fn targets_parse() {
    assert_eq!(SlaPolicy::parse_target("5 business days", D), Ok(5 * D));
    assert_eq!(SlaPolicy::parse_target("1 business day", 8 * H), Ok(8 * H));
    assert_eq!(SlaPolicy::parse_target("36 business hours", D), Ok(36 * H));
    assert!(SlaPolicy::parse_target("5 days", D).is_err());
    assert!(SlaPolicy::parse_target("-1 business days", D).is_err());
}

// ----- The last business day a window covers (issue 26): what an ISV is promised and an
// analyst is shown. 002:41 "Initial review by Okta - 5 business days". -----

/// The promise for a five-business-day window entered at `start`, and whether it ends at
/// that day's close.
fn promised(c: &BusinessCalendar, start: &str) -> (Date, bool) {
    c.window_end(due_of(c, start, 5))
}

#[test]
fn a_window_entered_on_a_weekend_or_at_midnight_is_promised_for_its_friday() {
    // Sat 12 Dec: Mon 14 .. Fri 18 are the five days; it runs out Mon 21 00:00.
    assert_eq!(
        promised(&utc(), "2026-12-12T10:00:00Z"),
        (date(2026, 12, 18), true)
    );
    // Mon 14 00:00: the same five days.
    assert_eq!(
        promised(&utc(), "2026-12-14T00:00:00Z"),
        (date(2026, 12, 18), true)
    );
    assert_eq!(
        utc().due_words(due_of(&utc(), "2026-12-14T00:00:00Z", 5)),
        "end of Fri 2026-12-18"
    );
    // Mon 14 15:00: it runs out Mon 21 15:00, on that day.
    assert_eq!(
        promised(&utc(), "2026-12-14T15:00:00Z"),
        (date(2026, 12, 21), false)
    );
    assert_eq!(
        utc().due_words(due_of(&utc(), "2026-12-14T15:00:00Z", 5)),
        "Mon 2026-12-21 15:00 UTC"
    );
}

#[test]
fn a_holiday_inside_the_window_moves_its_last_day() {
    // Mon 21 Dec 00:00, Christmas (Fri 25) off: Mon 21, Tue, Wed, Thu 24, Mon 28.
    let c = cal("UTC", &us_holidays_2026(), WorkingHours::ALL_DAY);
    assert_eq!(
        promised(&c, "2026-12-21T00:00:00Z"),
        (date(2026, 12, 28), true)
    );
    // The day before the holiday ends a window too: Fri 18 00:00 -> Fri 18, Mon 21 .. Thu 24.
    assert_eq!(
        promised(&c, "2026-12-18T00:00:00Z"),
        (date(2026, 12, 24), true)
    );
}

#[test]
fn with_working_hours_a_window_ends_at_the_close_of_its_last_day() {
    let c = cal("UTC", &[], WorkingHours::parse("09:00-17:00").unwrap());
    // Before opening (Mon 08:00) and at opening (09:00): Mon .. Fri, ends Fri 17:00.
    assert_eq!(
        promised(&c, "2026-12-14T08:00:00Z"),
        (date(2026, 12, 18), true)
    );
    assert_eq!(
        promised(&c, "2026-12-14T09:00:00Z"),
        (date(2026, 12, 18), true)
    );
    assert_eq!(
        c.due_words(due_of(&c, "2026-12-14T09:00:00Z", 5)),
        "end of Fri 2026-12-18"
    );
    // Inside (Mon 13:00): runs out Mon 21 13:00.
    assert_eq!(
        promised(&c, "2026-12-14T13:00:00Z"),
        (date(2026, 12, 21), false)
    );
    // After closing (Mon 18:00): Tue .. Mon, ends Mon 21 17:00.
    assert_eq!(
        promised(&c, "2026-12-14T18:00:00Z"),
        (date(2026, 12, 21), true)
    );
}
