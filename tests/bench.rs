//! A small run of the benchmark harness, so it cannot rot (the full run is not in the suite).

mod common;

use common::Sandbox;

#[test]
fn a_small_bench_run_reports_every_figure() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "bench",
        "--rows",
        "1500",
        "--repeats",
        "1",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rows"], 1500);
    for figure in [
        "open",
        "open_1000",
        "all_lines",
        "keystroke",
        "keystroke_final",
        "frame_1000",
        "frame_n",
        "batch",
    ] {
        let median = r[figure]["median_ms"].as_f64().unwrap();
        assert!(median > 0.0, "{figure}: {r}");
        assert!(r[figure]["p95_ms"].as_f64().unwrap() >= median, "{figure}");
    }
    for list in ["list_table", "list_tsv", "list_json"] {
        assert!(r[list]["median_ms"].as_f64().unwrap() > 0.0, "{list}: {r}");
        assert!(
            r[list]["peak_rss_mb"].as_f64().unwrap() > 1.0,
            "{list}: {r}"
        );
    }
    // The first frame in tmux, when this machine has tmux (CI installs it).
    let has_tmux = std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_tmux || !common::cannot_run("the first frame in tmux: tmux is not installed") {
        assert!(
            r["tmux_first_frame"]["median_ms"].as_f64().unwrap() > 0.0,
            "{r}"
        );
        assert!(r["tmux_ratio"].as_f64().unwrap() > 0.0, "{r}");
    }
    // The script types several queries with backspaces: one figure per keystroke.
    assert!(r["keystroke"]["runs"].as_u64().unwrap() > 30, "{r}");
    let bytes = &r["bytes"];
    assert!(bytes["selection_move"].as_u64().unwrap() > 0);
    assert!(
        bytes["selection_move"].as_u64().unwrap() < bytes["full_repaint"].as_u64().unwrap(),
        "a selection move redraws less than the whole screen: {bytes}"
    );
    assert!(r["batch_items"].as_u64().unwrap() > 100);
    assert!(r["peak_rss_mb"].as_f64().unwrap() > 1.0);
}

#[test]
fn prepare_writes_the_queue_and_its_search_lines() {
    let sb = Sandbox::new();
    let dir = sb.path("prep");
    sb.ok(&["bench", "--rows", "300", "--prepare", dir.to_str().unwrap()]);
    let lines = std::fs::read_to_string(dir.join("lines.txt")).unwrap();
    assert_eq!(lines.lines().count(), 300);
    assert!(lines.lines().next().unwrap().starts_with("DEMO-000001 "));
    let listed = common::command_in(sb.dir.path(), &dir.join("queue.db"))
        .args(["list", "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 301);
    // A second prepare into the same folder refuses instead of mixing queues.
    let again = sb.run(&["bench", "--rows", "300", "--prepare", dir.to_str().unwrap()]);
    assert!(!again.status.success());
}
