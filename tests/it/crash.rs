//! A run killed with SIGKILL mid-batch leaves a log that `status` reads truthfully.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn sigkill_mid_batch_leaves_a_truthful_log() {
    let env = TestEnv::new();
    env.sandbox("crash", &["--users", "300", "--latency-ms", "20"]);
    let mut csv = String::from("user\n");
    for i in 1..=300 {
        csv.push_str(&format!("user{i:05}@crash.test\n"));
    }
    let file = env.write("users.csv", &csv);
    let mut child = env
        .std_cmd()
        .args(["-t", "crash", "--yes", "-o", "json", "disable", "--csv", file.to_str().unwrap()])
        .args(["--i-know-this-is-many", "300"])
        .env("REMEDIATE_CONCURRENCY", "4")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();

    // Wait until some tasks have finished (their journal lines appear), then kill.
    let batches = env.state.join("batches");
    let deadline = Instant::now() + Duration::from_secs(60);
    let journal = loop {
        assert!(Instant::now() < deadline, "the run never got going");
        let found = first_batch_dir(&batches).map(|e| e.path().join("tasks.jsonl"));
        if let Some(j) = found {
            let text = std::fs::read_to_string(&j).unwrap_or_default();
            if text.lines().filter(|l| l.contains("\"results\":[{")).count() >= 20 {
                break j;
            }
        }
        std::thread::yield_now();
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let id = journal.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();

    let out = env.run(&["status", &id, "-o", "json", "--exit-status"]);
    let b: BatchDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(b.status, "in_progress", "a killed batch is not finished");
    assert_eq!(out.status.code(), Some(130), "--exit-status of an interrupted batch");
    assert_eq!(b.tasks.len(), 300, "every task is in the log");
    let done = b.tasks.iter().filter(|t| t.status == "successful").count();
    let open = b.tasks.iter().filter(|t| t.status == "queued" || t.status == "in_progress").count();
    assert!(done >= 20 && open > 0 && done + open == 300, "done {done}, open {open}");
    assert_eq!(b.counts.get("successful").copied().unwrap_or(0) as usize, done);
    assert!(b.finished_at.is_none());
    // Every finished task recorded what undo needs.
    for t in b.tasks.iter().filter(|t| t.status == "successful") {
        assert_eq!(t.result().before["accountEnabled"], true);
    }
}
