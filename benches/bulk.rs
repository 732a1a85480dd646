//! Benchmark of the foundation: a 100,000-user bulk disable on a sandbox tenant with no
//! latency (tasks/s, peak RSS), `status` of that batch, and `history` over 10,000 batches.
//!
//!     cargo bench --bench bulk                 # full size
//!     cargo bench --bench bulk -- --users 20000 --batches 2000
//!
//! Targets (issue #2): bulk under 60 s and 150 MB RSS on 2 cores; `status` of one batch
//! under 100 ms whatever the history size; `history` over 10,000 batches under 1 s.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use remediate::model::{Action, ActionParams, BatchHeader, SCHEMA_VERSION, Status, Task};
use remediate::tasklog::TaskLog;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn remediate(state: &Path, config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_remediate"));
    c.env("REMEDIATE_STATE_DIR", state).env("REMEDIATE_CONFIG", config).env("REMEDIATE_OPERATOR", "bench@local");
    c.env_remove("REMEDIATE_TENANT");
    c
}

/// Run to completion, sampling the child's peak RSS (VmHWM) from /proc.
fn run_measured(mut cmd: Command) -> (Duration, u64, bool) {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn remediate");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    loop {
        let text = std::fs::read_to_string(&status_path).unwrap_or_default();
        let hwm = text.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1));
        if let Some(kb) = hwm.and_then(|v| v.parse::<u64>().ok()) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            let elapsed = start.elapsed();
            if !status.success() {
                let mut err = String::new();
                use std::io::Read;
                child.stderr.take().unwrap().read_to_string(&mut err).ok();
                eprintln!("remediate failed ({status}): {err}");
            }
            return (elapsed, peak_kb, status.success());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn time_cmd(mut cmd: Command, runs: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let st = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().expect("runs");
        assert!(st.success(), "{cmd:?} failed");
        best = best.min(start.elapsed());
    }
    best
}

fn main() {
    let users = arg("--users", 100_000);
    let batches = arg("--batches", 10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let config = dir.path().join("config.toml");

    let st = remediate(&state, &config)
        .args(["tenant", "add", "bench", "--provider", "sandbox", "--users", &users.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let csv = dir.path().join("users.csv");
    let mut text = String::with_capacity(users * 24);
    text.push_str("user\n");
    for i in 1..=users {
        text.push_str(&format!("user{i:05}@bench.test\n"));
    }
    std::fs::write(&csv, text).unwrap();

    println!("bulk disable of {users} users on a sandbox tenant (no latency), 2 cores:");
    let mut cmd = remediate(&state, &config);
    cmd.args(["-t", "bench", "--yes", "--no-progress", "-o", "json", "disable", "--csv"])
        .arg(&csv)
        .args(["--i-know-this-is-many", &users.to_string()]);
    let (elapsed, peak_kb, ok) = run_measured(cmd);
    assert!(ok, "the bulk run failed");
    println!(
        "  wall {:.2} s, {:.0} tasks/s, peak RSS {:.1} MB   (targets: < 60 s, < 150 MB)",
        elapsed.as_secs_f64(),
        users as f64 / elapsed.as_secs_f64(),
        peak_kb as f64 / 1024.0
    );

    let log = TaskLog::open(&state).unwrap();
    let (h, _) = log.history(&Default::default()).unwrap();
    let big = h[0].batch_id.clone();
    assert_eq!(h[0].status, Status::Successful, "every task succeeded");

    // Fill the history to `batches` with small batches written through the task log.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fill = Instant::now();
    rt.block_on(async {
        for n in 1..batches {
            let task = Task {
                task_id: uuid::Uuid::now_v7().to_string(),
                action: Action::RevokeSessions,
                user: format!("user{:05}@bench.test", n % users.max(1) + 1),
                status: Status::Queued,
                params: ActionParams::default(),
                description: None,
                tenants: vec!["bench".into()],
                reverses: None,
                results: vec![],
            };
            let mut header = BatchHeader {
                schema_version: SCHEMA_VERSION,
                batch_id: uuid::Uuid::now_v7().to_string(),
                status: Status::InProgress,
                created_at: jiff::Timestamp::now(),
                finished_at: None,
                operator: "bench@local".into(),
                description: Some(format!("INC-{n}")),
                dry_run: false,
                actions: vec![Action::RevokeSessions],
                tenants: vec!["bench".into()],
                counts: [(Status::Queued, 1)].into(),
                approval: None,
                undo_of: None,
                undone_by: Vec::new(),
                expires_at: None,
                expired_by: None,
                not_reversed: Vec::new(),
            };
            let (w, _lock) = log.create(&header, std::slice::from_ref(&task)).unwrap();
            let mut done = task.clone();
            done.status = Status::Successful;
            w.finished(0, &done).await.unwrap();
            w.close().unwrap();
            header.status = Status::Successful;
            header.counts = [(Status::Successful, 1)].into();
            log.update_header(&header).unwrap();
        }
    });
    println!("  (history filled to {batches} batches in {:.1} s)", fill.elapsed().as_secs_f64());

    let mut cmd = remediate(&state, &config);
    cmd.args(["status", &big, "-o", "json"]);
    let status_json = time_cmd(cmd, 3);
    let mut cmd = remediate(&state, &config);
    cmd.args(["status", &h[0].batch_id[..]]);
    let status_tsv = time_cmd(cmd, 3);
    let small = log.history(&Default::default()).unwrap().0[0].batch_id.clone();
    let mut cmd = remediate(&state, &config);
    cmd.args(["status", &small, "-o", "json"]);
    let status_small = time_cmd(cmd, 5);
    let mut cmd = remediate(&state, &config);
    cmd.args(["history", "--limit", "100000", "-o", "json"]);
    let history_all = time_cmd(cmd, 3);
    let mut cmd = remediate(&state, &config);
    cmd.args(["history", "--user", "user00042@bench.test", "-o", "json"]);
    let history_user = time_cmd(cmd, 3);

    println!("status of one small batch among {batches}: {:.1} ms   (target < 100 ms)", ms(status_small));
    println!("status of the {users}-task batch: {:.0} ms as JSON, {:.0} ms as rows", ms(status_json), ms(status_tsv));
    println!("history of all {batches} batches: {:.0} ms   (target < 1000 ms)", ms(history_all));
    println!("history --user over {batches} batches: {:.0} ms", ms(history_user));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
