//! The lead's reports: SLA attainment over the clocks that ended in a window, and the open
//! workload, checked against clocks worked out by hand on the default calendar (UTC, every
//! hour of a weekday, US federal holidays: Veterans Day is Wed 2026-11-11). The targets are
//! 002_c1c9d0cd2f6d90af.txt:41-43: initial review and QA 5 business days, final 1.

mod common;

use common::{Sandbox, submission_json};
use serde_json::{Value, json};

const DAY: i64 = 86_400;
const AS_OF: &str = "2026-12-01T12:00:00Z";

fn with_history(
    id: &str,
    state: &str,
    assignee: Option<&str>,
    steps: &[(&str, &str, &str)],
) -> Value {
    let mut s = submission_json(id, state);
    let mut from: Option<&str> = None;
    let history: Vec<Value> = steps
        .iter()
        .map(|(to, at, by)| {
            let e = json!({"from": from, "to": to, "at": at, "by": by});
            from = Some(to);
            e
        })
        .collect();
    s["history"] = json!(history);
    s["assignee"] = json!(assignee);
    s
}

/// A: initial review Mon 11-02 09:00 → QA Wed 11-04 09:00 (asha; 2 days used, met); QA →
///    fix bugs Mon 11-09 09:00 (ben; 3 days used); back to QA Mon 11-16 09:00 (the ISV held
///    it 4 business days: Mon 15 h, Tue, Thu, Fri, Mon 9 h; Veterans Day does not count);
///    published Tue 11-17 09:00 (ben; QA 4 days used, met).
/// B: initial review Mon 11-02 00:00 → ISV review Fri 11-06 00:00 (carla; 4 days used) →
///    back Mon 11-09 00:00 (held 1 day: Friday) → QA Thu 11-12 00:00 (carla; 2 more days:
///    Mon, Tue; 6 in all, 1 over: breached).
/// C: final review Mon 11-23 09:00 → published Tue 11-24 12:00 (dmitri; 27 h of 24: 3 h
///    over).
/// D: initial review since Mon 11-30 09:00, elena's: running, not finished.
/// E: initial review Mon 11-23 → ISV review Tue 11-24 (asha): paused, not finished.
fn team_queue() -> Sandbox {
    let sb = Sandbox::new();
    sb.import_values(&[
        with_history(
            "RPT-A",
            "published",
            None,
            &[
                ("initial_review", "2026-11-02T09:00:00Z", "isv"),
                ("qa_testing", "2026-11-04T09:00:00Z", "asha"),
                ("isv_fix_bugs", "2026-11-09T09:00:00Z", "ben"),
                ("qa_testing", "2026-11-16T09:00:00Z", "isv"),
                ("published", "2026-11-17T09:00:00Z", "ben"),
            ],
        ),
        with_history(
            "RPT-B",
            "qa_testing",
            None,
            &[
                ("initial_review", "2026-11-02T00:00:00Z", "isv"),
                ("isv_review", "2026-11-06T00:00:00Z", "carla"),
                ("initial_review", "2026-11-09T00:00:00Z", "isv"),
                ("qa_testing", "2026-11-12T00:00:00Z", "carla"),
            ],
        ),
        with_history(
            "RPT-C",
            "published",
            None,
            &[
                ("final_review", "2026-11-23T09:00:00Z", "isv"),
                ("published", "2026-11-24T12:00:00Z", "dmitri"),
            ],
        ),
        with_history(
            "RPT-D",
            "initial_review",
            Some("elena"),
            &[("initial_review", "2026-11-30T09:00:00Z", "isv")],
        ),
        with_history(
            "RPT-E",
            "isv_review",
            None,
            &[
                ("initial_review", "2026-11-23T00:00:00Z", "isv"),
                ("isv_review", "2026-11-24T00:00:00Z", "asha"),
            ],
        ),
    ]);
    sb
}

fn report(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["report", "--as-of", AS_OF];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    serde_json::from_str(&sb.ok(&all)).unwrap()
}

fn row(rows: &[Value], group: &str) -> Value {
    rows.iter()
        .find(|r| r["group"] == group)
        .cloned()
        .unwrap_or_else(|| panic!("no group {group} in {rows:?}"))
}

#[test]
fn sla_by_phase_counts_the_clocks_that_ended_with_hand_computed_times() {
    let sb = team_queue();
    // QA's B clock started 11-12 and runs: only A's QA clock ended. The next QA phase of
    // B is not over, and neither are D's and E's initial reviews.
    // (By-phase order is review order, then "all".)
    let rows = report(&sb, &["sla"]);
    let groups: Vec<&str> = rows.iter().map(|r| r["group"].as_str().unwrap()).collect();
    assert_eq!(
        groups,
        ["initial_review", "qa_testing", "final_review", "all"]
    );
    assert_eq!(
        row(&rows, "initial_review"),
        json!({"group": "initial_review", "finished": 2, "met": 1, "breached": 1,
               "attainment_percent": 50.0,
               "median_used_seconds": 2 * DAY, "p90_used_seconds": 6 * DAY,
               "median_isv_held_seconds": 0, "median_isv_answer_seconds": null})
    );
    assert_eq!(
        row(&rows, "qa_testing"),
        json!({"group": "qa_testing", "finished": 1, "met": 1, "breached": 0,
               "attainment_percent": 100.0,
               "median_used_seconds": 4 * DAY, "p90_used_seconds": 4 * DAY,
               "median_isv_held_seconds": 4 * DAY, "median_isv_answer_seconds": null})
    );
    assert_eq!(
        row(&rows, "final_review"),
        json!({"group": "final_review", "finished": 1, "met": 0, "breached": 1,
               "attainment_percent": 0.0,
               "median_used_seconds": 27 * 3600, "p90_used_seconds": 27 * 3600,
               "median_isv_held_seconds": 0, "median_isv_answer_seconds": null})
    );
    // All four: used [27 h, 2 d, 4 d, 6 d] (median by nearest rank: the 2nd), held
    // [0, 0, 1 d, 4 d].
    assert_eq!(
        row(&rows, "all"),
        json!({"group": "all", "finished": 4, "met": 2, "breached": 2,
               "attainment_percent": 50.0,
               "median_used_seconds": 2 * DAY, "p90_used_seconds": 6 * DAY,
               "median_isv_held_seconds": 0, "median_isv_answer_seconds": null})
    );
}

#[test]
fn sla_by_analyst_week_and_month_and_a_window() {
    let sb = team_queue();
    let by_analyst = report(&sb, &["sla", "--by", "analyst"]);
    let pairs: Vec<(String, u64, u64)> = by_analyst
        .iter()
        .map(|r| {
            (
                r["group"].as_str().unwrap().to_string(),
                r["finished"].as_u64().unwrap(),
                r["breached"].as_u64().unwrap(),
            )
        })
        .collect();
    // Whose move ended the phase: asha passed A's initial review, ben published A, carla
    // passed B's (late), dmitri published C (late).
    assert_eq!(
        pairs,
        [
            ("asha".into(), 1, 0),
            ("ben".into(), 1, 0),
            ("carla".into(), 1, 1),
            ("dmitri".into(), 1, 1),
            ("all".into(), 4, 2)
        ]
    );
    let weeks: Vec<String> = report(&sb, &["sla", "--by", "week"])
        .iter()
        .map(|r| format!("{}={}", r["group"].as_str().unwrap(), r["finished"]))
        .collect();
    // Ended Wed 11-04, Thu 11-12, Tue 11-17, Tue 11-24.
    assert_eq!(
        weeks,
        [
            "2026-W45=1",
            "2026-W46=1",
            "2026-W47=1",
            "2026-W48=1",
            "all=4"
        ]
    );
    let months = report(&sb, &["sla", "--by", "month"]);
    assert_eq!(row(&months, "2026-11")["finished"], 4);

    // The window holds B's initial review (ended 11-12) and A's QA (ended 11-17), both
    // days included.
    let window = report(
        &sb,
        &["sla", "--since", "2026-11-12", "--until", "2026-11-17"],
    );
    let all = row(&window, "all");
    assert_eq!(
        (all["finished"].as_u64(), all["met"].as_u64()),
        (Some(2), Some(1))
    );
    // --as-of before A's QA ended: that clock was not over yet.
    let earlier: Vec<Value> = serde_json::from_str(&sb.ok(&[
        "report",
        "sla",
        "--as-of",
        "2026-11-16T12:00:00Z",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(row(&earlier, "all")["finished"], 2);
    assert!(earlier.iter().all(|r| r["group"] != "qa_testing"));

    let out = sb.run(&[
        "report",
        "sla",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-10",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--since 2026-11-20 is after --until 2026-11-10"),
        "{err}"
    );
}

#[test]
fn sla_table_and_csv_say_the_same_in_their_own_way() {
    let sb = team_queue();
    let table = sb.ok(&["report", "--as-of", AS_OF, "sla"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with(
            "SLA attainment of the clocks that ended from the start to 2026-12-01 (UTC), by phase"
        ),
        "{table}"
    );
    let cells = |name: &str| -> Vec<String> {
        lines
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        cells("initial_review"),
        ["initial_review", "2", "1", "1", "50.0%", "2d", "6d", "0m"]
    );
    assert_eq!(
        cells("final_review"),
        [
            "final_review",
            "1",
            "0",
            "1",
            "0.0%",
            "1d",
            "3h",
            "1d",
            "3h",
            "0m"
        ]
    );
    let csv = sb.ok(&["report", "--as-of", AS_OF, "sla", "--format", "csv"]);
    let csv_lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        csv_lines[0],
        "group,finished,met,breached,attainment_percent,median_used_seconds,p90_used_seconds,median_isv_held_seconds,median_isv_answer_seconds"
    );
    assert_eq!(csv_lines[2], "qa_testing,1,1,0,100,345600,345600,345600,");
    let empty = sb.ok(&["report", "--as-of", AS_OF, "sla", "--since", "2026-12-01"]);
    assert!(empty.contains("no clock ended in this window"), "{empty}");
}

#[test]
fn workload_counts_open_items_per_assignee_by_state_and_sla_status() {
    let sb = team_queue();
    let rows = report(&sb, &["workload"]);
    // D: elena's, initial review for 27 of 120 business hours: on track. B: QA since
    // 11-12, 13 business days ago (Thanksgiving off): breached. E: at the ISV: paused.
    assert_eq!(
        rows,
        [
            json!({"group": "elena", "draft": 0, "initial_review": 1, "isv_review": 0,
                   "qa_testing": 0, "isv_fix_bugs": 0, "final_review": 0,
                   "on_track": 1, "at_risk": 0, "breached": 0, "paused": 0, "total": 1}),
            json!({"group": null, "draft": 0, "initial_review": 0, "isv_review": 1,
                   "qa_testing": 1, "isv_fix_bugs": 0, "final_review": 0,
                   "on_track": 0, "at_risk": 0, "breached": 1, "paused": 1, "total": 2}),
            json!({"group": "all", "draft": 0, "initial_review": 1, "isv_review": 1,
                   "qa_testing": 1, "isv_fix_bugs": 0, "final_review": 0,
                   "on_track": 1, "at_risk": 0, "breached": 1, "paused": 1, "total": 3}),
        ]
    );
    let table = sb.ok(&["report", "--as-of", AS_OF, "workload"]);
    assert!(table.contains("(unassigned)"), "{table}");
    // The SLA columns are headed by the words `sla:` and the JSON use (issue 27, point 6),
    // and the table still fits 80 columns.
    let header = table.lines().next().unwrap();
    for word in ["on_track", "at_risk", "breached", "paused"] {
        assert!(header.split_whitespace().any(|w| w == word), "{header}");
    }
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    let csv = sb.ok(&["report", "--as-of", AS_OF, "workload", "--format", "csv"]);
    assert_eq!(
        csv.lines().next().unwrap(),
        "group,draft,initial_review,isv_review,qa_testing,isv_fix_bugs,final_review,on_track,at_risk,breached,paused,total"
    );
    assert!(csv.contains("\nelena,0,1,0,0,0,0,1,0,0,0,1\n"), "{csv}");
}

/// One week's bar of the reports view's chart, read off the screen.
struct WeekBar {
    week: String,
    /// Rows of the bar (full: 7).
    height: usize,
    /// The figure written on the bar, without the bar.
    label: String,
    /// The count under the week's name.
    done: String,
}

/// The bars of the chart on `screen`, left to right: each spans the 7 columns that start 2
/// before its week's name, above the row of names; the counts are on the row below.
fn week_chart(screen: &str) -> Vec<WeekBar> {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let head = rows
        .iter()
        .position(|r| String::from_iter(r).contains("SLA attainment per week"))
        .expect("the chart's heading");
    let names = (head + 1..rows.len())
        .find(|&i| String::from_iter(&rows[i]).contains(" W4"))
        .expect("the row of week names");
    let cells = |row: &[char], from: usize| -> String { row.iter().skip(from).take(7).collect() };
    (0..rows[names].len())
        .filter(|&c| {
            rows[names][c] == 'W' && rows[names].get(c + 1).is_some_and(char::is_ascii_digit)
        })
        .map(|c| {
            let from = c - 2;
            let bar_rows = &rows[head + 1..names];
            let blocks = |s: &str| s.chars().any(|ch| ('▁'..='█').contains(&ch));
            WeekBar {
                week: rows[names][c..c + 3].iter().collect(),
                height: bar_rows.iter().filter(|r| blocks(&cells(r, from))).count(),
                label: cells(bar_rows.last().unwrap(), from)
                    .chars()
                    .filter(|ch| !('▁'..='█').contains(ch) && *ch != ' ')
                    .collect(),
                done: cells(&rows[names + 1], from).trim().to_string(),
            }
        })
        .collect()
}

/// A line of a framed view without its frame: what lies between the first and last `│`.
fn inside_frame(line: &str) -> String {
    match (line.find('│'), line.rfind('│')) {
        (Some(a), Some(b)) if a < b => line[a + '│'.len_utf8()..b].trim().to_string(),
        _ => line.trim().to_string(),
    }
}

#[test]
fn the_console_s_reports_view_shows_the_chart_and_follows_a_colleague_s_change() {
    use common::tmux::Tmux;
    use std::time::Duration;
    let wait = Duration::from_secs(10);
    let sb = team_queue();
    let t = Tmux::start(&sb, "reports", &[], &["--as-of", AS_OF], 80, 24);
    t.wait_for("Needs OIN", wait);
    t.keys(&["R"]);
    t.wait_for("SLA attainment per week", wait);
    // The frame is read once it is whole: its last figure, the unassigned row's total,
    // drawn (a capture can catch a frame being written).
    let s = t.wait_until(
        "the whole reports frame",
        |s| {
            s.lines().any(|l| {
                let cells: Vec<&str> = l
                    .trim_matches(|c| c == '│' || c == ' ')
                    .split_whitespace()
                    .collect();
                cells.first() == Some(&"(none)") && cells.last() == Some(&"2")
            })
        },
        wait,
    );
    // The weeks of 2026-10-12 … 2026-12-01, one bar each: A's initial review ended in W45
    // (met) and its QA in W47 (met), B's initial review in W46 and C's final review in W48
    // (both breached: 0%); nothing ended in the other weeks.
    let chart = week_chart(&s);
    let weeks: Vec<&str> = chart.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(
        weeks,
        ["W42", "W43", "W44", "W45", "W46", "W47", "W48", "W49"],
        "{s}"
    );
    for w in &chart {
        let (height, label, done) = match w.week.as_str() {
            "W45" | "W47" => (7, "100%", "1 done"),
            "W46" | "W48" => (0, "0%", "1 done"),
            _ => (0, "", "0 done"),
        };
        assert_eq!(w.height, height, "{}'s bar:\n{s}", w.week);
        assert_eq!(w.done, done, "{}'s count:\n{s}", w.week);
        // A bar of no height has no room for its figure: ratatui draws none, so a week
        // whose clocks all breached shows no "0%" (see the report); any other figure is
        // wrong.
        if label == "0%" {
            assert!(
                w.label.is_empty() || w.label == "0%",
                "{}'s figure {:?}:\n{s}",
                w.week,
                w.label
            );
        } else {
            assert_eq!(w.label, label, "{}'s figure:\n{s}", w.week);
        }
    }
    // The phases of the last 8 weeks, whole lines (median used: 2d, 4d, 27 h).
    let inner: Vec<String> = s.lines().map(inside_frame).collect();
    let at = inner
        .iter()
        .position(|l| l.starts_with("The last 8 weeks"))
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(
        inner[at..at + 5],
        [
            "The last 8 weeks         FINISHED   MET BREACHED  ATTAINMENT  MEDIAN USED",
            "initial review                2     1        1       50.0%           2d",
            "QA testing                    1     1        0      100.0%           4d",
            "final review                  1     0        1        0.0%        1d 3h",
            "all                           4     2        2       50.0%           2d",
        ],
        "{s}"
    );
    // The workload, as `report workload` counts it: D is elena's, on track; B (QA,
    // breached) and E (at the ISV, paused) are nobody's.
    // A row's cells, one space apart (the columns: draft, initial review, ISV review, QA,
    // fix bugs, final review, then on_track, at_risk, breached, paused, then total).
    let workload = |s: &str, who: &str| -> String {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("│ {who} ")))
            .unwrap_or_else(|| panic!("no row of {who}:\n{s}"));
        line.trim_matches(|c| c == '│' || c == ' ')
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(workload(&s, "elena"), "elena 0 1 0 0 0 0 1 0 0 0 1", "{s}");
    assert_eq!(
        workload(&s, "(none)"),
        "(none) 0 0 1 1 0 0 0 0 1 1 2",
        "{s}"
    );
    assert!(!s.contains(" zed "), "{s}");
    // A colleague assigns E: the view reads its figures again with the queue.
    sb.ok(&["assign", "--to", "zed", "RPT-E"]);
    let s = t.wait_until("zed's row", |s| s.contains(" zed "), Duration::from_secs(5));
    // zed: one item at the ISV (isv_review), paused, 1 in all; B is left unassigned.
    assert_eq!(workload(&s, "zed"), "zed 0 0 1 0 0 0 0 0 0 1 1", "{s}");
    // Below zed now: scrolled into view.
    t.keys(&["j"]);
    let s = t.wait_until("the unassigned row", |s| s.contains("│ (none) "), wait);
    assert_eq!(
        workload(&s, "(none)"),
        "(none) 0 0 0 1 0 0 0 0 1 0 1",
        "{s}"
    );
    t.keys(&["Escape"]);
    t.wait_until("the queue again", |s| !s.contains("SLA attainment"), wait);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", wait);
}

#[test]
fn the_timeline_puts_each_phase_on_the_business_calendar_with_the_isv_s_pause_as_a_gap() {
    use oin_review::domain::timeline::timeline;
    use oin_review::domain::{PhasePromise, ReviewState, StateChange};
    let policy = common::builtin_policy();
    let step = |from: Option<ReviewState>, to, at: &str| StateChange {
        from,
        to,
        at: at.parse().unwrap(),
        by: "asha".into(),
        reason: None,
        forced: false,
        kind: Default::default(),
        restart_clock: false,
        overrode: Vec::new(),
    };
    use ReviewState::*;
    // Initial review from Mon 11-02: 2 days, the ISV holds it Wed-Fri, 3 more days (Mon,
    // Tue, Thu: Veterans Day is off), QA from Fri 11-13, now Tue 11-17. QA is due after 5
    // business days, Fri 11-20 00:00; the axis runs there: 13 business days, so at 14
    // columns one column is one business day.
    let history = [
        step(None, InitialReview, "2026-11-02T00:00:00Z"),
        step(Some(InitialReview), IsvReview, "2026-11-04T00:00:00Z"),
        step(Some(IsvReview), InitialReview, "2026-11-09T00:00:00Z"),
        step(Some(InitialReview), QaTesting, "2026-11-13T00:00:00Z"),
    ];
    let promises = [PhasePromise {
        phase: oin_review::domain::Phase::QaTesting,
        date: "2026-11-18".parse().unwrap(),
    }];
    let t = timeline(
        &history,
        &promises,
        &policy.sla,
        "2026-11-17T00:00:00Z".parse().unwrap(),
        14,
    )
    .unwrap();
    let bars: Vec<String> = t
        .bars
        .iter()
        .map(|b| {
            b.cells
                .iter()
                .map(|c| oin_review::present::timeline_glyph(*c))
                .collect()
        })
        .collect();
    assert_eq!(
        bars,
        [
            "███░░████     ", // ran Mon-Tue, the ISV Wed-Fri, ran Mon-Thu, ended Fri 00:00
            // From Fri: Fri, Mon, now Tue; the promise for Wed marks that day's end (Thu
            // 00:00); due Fri 00:00.
            "        ███ ◆│",
        ]
    );
    assert_eq!(t.bars[0].record.isv_held_seconds, 3 * DAY);
    assert_eq!(t.bars[0].record.clock.used_seconds, 5 * DAY);
    let summary =
        oin_review::present::timeline_summary(&t.bars[1].record, DAY, &jiff::tz::TimeZone::UTC);
    assert_eq!(
        summary,
        "2d of 5d used · due Fri 11-20 00:00 · promised Wed 11-18"
    );
    // The axis names the business days that begin a column, as many as fit: column 7 is
    // the 7th business day after 11-02, Thu 11-12 (the holiday takes no room).
    assert_eq!(oin_review::present::timeline_axis(&t, 14), "11-02  11-12");
}

#[test]
fn show_draws_the_timeline_of_each_clock() {
    let sb = team_queue();
    let out = sb.ok(&["show", "RPT-B", "--as-of", AS_OF]);
    let at = out.find("  timeline, business days").expect(&out);
    let lines: Vec<&str> = out[at..].lines().collect();
    // B's initial review: it ran, the ISV held it (Friday), it ran again past its target,
    // breached Tue 11-10 00:00; then QA from Thu 11-12, still running (breached too).
    assert!(lines[1].starts_with("    initial review  █"), "{out}");
    assert!(
        lines[1].contains('░') && lines[1].contains('!'),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("6d of 5d used · breached Tue 11-10 00:00 by 1d · ISV held 1d"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("    QA testing      "), "{out}");
}

#[test]
fn each_clock_s_record_is_the_clock_show_gives() {
    // The reports walk the history once for the clocks and their lives: the clocks must
    // be `sla::clocks`' own, on every sample and at several instants.
    let policy = common::builtin_policy();
    let subs: Vec<oin_review::domain::Submission> =
        oin_review::exchange::parse_submissions("samples.json", common::SAMPLES.as_bytes())
            .unwrap();
    for now in [
        "2026-11-01T00:00:00Z",
        "2026-11-23T12:00:00Z",
        "2027-03-01T00:00:00Z",
    ] {
        let now: jiff::Timestamp = now.parse().unwrap();
        for s in &subs {
            let records: Vec<_> =
                oin_review::domain::report::clock_records(&s.history, &policy.sla, now)
                    .into_iter()
                    .map(|r| r.clock)
                    .collect();
            assert_eq!(
                records,
                oin_review::domain::sla::clocks(&s.history, &policy.sla, now),
                "{} at {now}",
                s.id
            );
        }
    }
}

#[test]
fn a_correction_s_gap_is_not_drawn_as_the_isv_s() {
    use oin_review::domain::ReviewState::*;
    use oin_review::domain::StateChange;
    let policy = common::builtin_policy();
    let step = |from, to, at: &str, forced: bool| StateChange {
        from: Some(from),
        to,
        at: at.parse().unwrap(),
        by: "asha".into(),
        reason: forced.then(|| "correction".to_string()),
        forced,
        kind: Default::default(),
        restart_clock: false,
        overrode: Vec::new(),
    };
    // Published by mistake on Wed, put back on Mon: the same clock continues (a
    // correction), and the days between were nobody's, not the ISV's.
    let history = [
        step(Draft, InitialReview, "2026-11-02T00:00:00Z", false),
        step(InitialReview, Published, "2026-11-04T00:00:00Z", true),
        step(Published, InitialReview, "2026-11-09T00:00:00Z", true),
    ];
    let now = "2026-11-10T00:00:00Z".parse().unwrap();
    let t = oin_review::domain::timeline::timeline(&history, &[], &policy.sla, now, 20).unwrap();
    assert_eq!(t.bars.len(), 1, "one clock, continued");
    let r = &t.bars[0].record;
    assert!(r.pauses.is_empty());
    assert_eq!(r.isv_held_seconds, 0);
    assert_eq!(r.clock.used_seconds, 3 * DAY);
    let bar: String = t.bars[0]
        .cells
        .iter()
        .map(|c| oin_review::present::timeline_glyph(*c))
        .collect();
    assert!(!bar.contains('░') && bar.contains("█ "), "{bar:?}");
}
