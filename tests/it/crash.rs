//! A run killed with SIGKILL mid-batch leaves a log that `status` reads truthfully.

use crate::support::*;

#[test]
fn sigkill_mid_batch_leaves_a_truthful_log() {
    let env = TestEnv::new();
    env.sandbox("crash", &["--users", "300", "--latency-ms", "20"]);
    let id = start_and_kill(&env, "crash", 300, 4, 20);

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
