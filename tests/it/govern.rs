//! Safety and governance end to end: approvals, rejection, undo (and undo of an undo),
//! retry after a real SIGKILL, time-boxed actions and the tamper-evident log.

use std::time::{Duration, Instant};

use crate::support::*;

fn as_operator(env: &TestEnv, op: &str, args: &[&str]) -> std::process::Output {
    env.cmd().env("REMEDIATE_OPERATOR", op).args(args).output().unwrap()
}

fn batch_of(out: &std::process::Output) -> BatchDoc {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

/// Whether the user would still change on `disable` (i.e. is enabled now).
fn is_enabled(env: &TestEnv, tenant: &str, user: &str) -> bool {
    let (_, b) = env.json_batch(&["-t", tenant, "disable", "--dry-run", user]);
    b.task(user, "disable").result().changed
}

#[test]
fn a_batch_that_requires_approval_waits_and_the_requester_cannot_approve_it() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "--require-approval", "user001@demo.test"]);
    assert_eq!((code, b.status.as_str()), (6, "pending_approval"));
    let a = b.approval.as_ref().unwrap();
    assert_eq!((a.required_because.as_str(), a.requested_by.as_str()), ("--require-approval", "tester@ci"));
    assert!(is_enabled(&env, "demo", "user001@demo.test"), "nothing done while pending");

    let out = env.run(&["--yes", "approve", &b.batch_id]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot approve it too"), "{}", stderr(&out));

    let out = as_operator(&env, "second@ci", &["--yes", "-o", "json", "approve", &b.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let done = batch_of(&out);
    assert_eq!(done.status, "successful");
    let a = done.approval.as_ref().unwrap();
    assert_eq!((a.decision.as_deref(), a.decided_by.as_deref()), (Some("approved"), Some("second@ci")));
    assert!(!is_enabled(&env, "demo", "user001@demo.test"));
    let out = as_operator(&env, "second@ci", &["--yes", "approve", &b.batch_id]);
    assert_eq!(out.status.code(), Some(2), "approving twice: {}", stderr(&out));
}

#[test]
fn the_approver_sees_what_changed_since_the_batch_was_planned() {
    let env = TestEnv::new();
    let (_, b) = env.json_batch(&["disable", "--require-approval", "user002@demo.test"]);
    env.json_batch(&["disable", "user002@demo.test"]);
    let out = as_operator(&env, "second@ci", &["--yes", "-o", "json", "approve", &b.batch_id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("changed since it was planned") && err.contains("enabled was true when planned, now false"),
        "{err}"
    );
    let r = batch_of(&out);
    assert!(!r.task("user002@demo.test", "disable").result().changed, "re-read: already disabled");
}

#[test]
fn rejected_batches_record_the_reason_and_never_run() {
    let env = TestEnv::new();
    let (_, b) = env.json_batch(&["remove-groups", "--require-approval", "alice@demo.test"]);
    let out = as_operator(&env, "lead@ci", &["-o", "json", "reject", &b.batch_id, "--reason", "wrong user"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let r = batch_of(&out);
    assert_eq!(r.status, "rejected");
    let a = r.approval.unwrap();
    assert_eq!(
        (a.decision.as_deref(), a.reason.as_deref(), a.decided_by.as_deref()),
        (Some("rejected"), Some("wrong user"), Some("lead@ci"))
    );
    let out = as_operator(&env, "lead@ci", &["--yes", "approve", &b.batch_id]);
    assert_eq!(out.status.code(), Some(2));
    let (_, again) = env.json_batch(&["remove-groups", "--dry-run", "alice@demo.test"]);
    assert!(again.task("alice@demo.test", "remove-groups").result().changed, "alice still in her groups");
}

#[test]
fn tenant_policies_require_approval_and_may_allow_self_approval() {
    let env = TestEnv::new();
    std::fs::write(
        &env.config,
        "[tenants.lab]\nprovider = \"sandbox\"\nusers = 20\napproval_required_for = [\"remove-roles\"]\napproval_threshold = 2\nself_approval = true\n",
    )
    .unwrap();
    let (code, b) = env.json_batch(&["remove-roles", "user00009@lab.test"]);
    assert_eq!(code, 6);
    assert!(b.approval.as_ref().unwrap().required_because.contains("remove-roles"));
    let (code, b) =
        env.json_batch(&["revoke-sessions", "user00001@lab.test", "user00002@lab.test", "user00003@lab.test"]);
    assert_eq!(code, 6);
    assert!(b.approval.as_ref().unwrap().required_because.contains("above 2 users"));
    let out = env.run(&["--yes", "-o", "json", "approve", &b.batch_id]);
    assert_eq!(out.status.code(), Some(0), "self approval allowed by policy: {}", stderr(&out));
    let (code, _) = env.json_batch(&["revoke-sessions", "user00001@lab.test"]);
    assert_eq!(code, 0, "below the threshold");
}

#[test]
fn undo_reverses_from_the_recorded_state_and_lists_what_it_cannot() {
    let env = TestEnv::new();
    let csv = env.write(
        "b.csv",
        "action,user\ndisable,alice@demo.test\nremove-groups,alice@demo.test\nrestrict,user003@demo.test\nreset-password,user004@demo.test\ndisable,dave@demo.test\n",
    );
    let (_, original) = env.json_batch(&["bulk", csv.to_str().unwrap()]);
    assert_eq!(original.status, "successful");
    let out = env.run(&["--yes", "-o", "json", "undo", &original.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let undo = batch_of(&out);
    assert_eq!(undo.undo_of.as_deref(), Some(original.batch_id.as_str()));
    let actions: Vec<(&str, &str)> = undo.tasks.iter().map(|t| (t.user.as_str(), t.action.as_str())).collect();
    assert!(actions.contains(&("alice@demo.test", "enable")), "{actions:?}");
    assert!(actions.contains(&("alice@demo.test", "restore-groups")), "{actions:?}");
    assert!(actions.contains(&("user003@demo.test", "unrestrict")), "{actions:?}");
    assert!(!actions.iter().any(|(u, _)| *u == "dave@demo.test"), "dave was already disabled: nothing to undo");
    assert_eq!(undo.not_reversed.len(), 1);
    assert_eq!(undo.not_reversed[0].action, "reset-password");
    assert!(stderr(&out).contains("not reversed: reset-password user004@demo.test"), "{}", stderr(&out));
    let restored = undo.task("alice@demo.test", "restore-groups").result();
    assert_eq!(restored.before["groups"][0]["name"], "sales");
    assert!(is_enabled(&env, "demo", "alice@demo.test"));

    let out = env.run(&["status", &original.batch_id, "-o", "json"]);
    assert_eq!(batch_of(&out).undone_by, vec![undo.batch_id.clone()]);

    // Undo of the undo brings the original state back.
    let out = env.run(&["--yes", "-o", "json", "undo", &undo.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let redo = batch_of(&out);
    let acts: Vec<&str> = redo.tasks.iter().map(|t| t.action.as_str()).collect();
    assert!(acts.contains(&"disable") && acts.contains(&"remove-groups") && acts.contains(&"restrict"), "{acts:?}");
    assert!(!is_enabled(&env, "demo", "alice@demo.test"));
}

#[test]
fn undo_refuses_what_someone_changed_since_unless_forced() {
    let env = TestEnv::new();
    let (_, original) = env.json_batch(&["disable", "user005@demo.test"]);
    env.json_batch(&["enable", "user005@demo.test"]);
    let out = env.run(&["--yes", "-o", "json", "undo", &original.batch_id]);
    let undo = batch_of(&out);
    let r = undo.task("user005@demo.test", "enable").result();
    assert_eq!(r.status, "skipped");
    assert!(r.message.contains("changed since") && r.message.contains("now enabled"), "{}", r.message);
    let out = env.run(&["--yes", "-o", "json", "undo", "--force", &original.batch_id]);
    let forced = batch_of(&out);
    assert_eq!(forced.task("user005@demo.test", "enable").result().status, "successful");
}

#[test]
fn bad_batch_ids_and_wrong_states_are_clear_errors() {
    let env = TestEnv::new();
    for cmd in ["approve", "retry", "undo"] {
        let out = env.run(&["--yes", cmd, "zzz"]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stderr(&out));
        assert!(stderr(&out).contains("is not a batch id"), "{cmd}");
    }
    let (_, b) = env.json_batch(&["disable", "user006@demo.test"]);
    let out = env.run(&["--yes", "approve", &b.batch_id]);
    assert!(stderr(&out).contains("not pending approval"), "{}", stderr(&out));
    let out = env.run(&["--yes", "retry", &b.batch_id]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to retry"), "{}", stderr(&out));
    let (_, dry) = env.json_batch(&["disable", "--dry-run", "user006@demo.test"]);
    let out = env.run(&["--yes", "undo", &dry.batch_id]);
    assert!(stderr(&out).contains("dry run"), "{}", stderr(&out));
}

#[test]
fn retry_finishes_unsuccessful_tasks_and_counts_attempts() {
    let env = TestEnv::new();
    env.sandbox("flaky", &["--users", "5", "--fail-rate", "1"]);
    let (code, b) = env.json_batch(&["-t", "flaky", "disable", "user00001@flaky.test", "user00002@flaky.test"]);
    assert_eq!(code, 1);
    let cfg = std::fs::read_to_string(&env.config).unwrap().replace("fail_rate = 1.0", "fail_rate = 0.0");
    std::fs::write(&env.config, cfg).unwrap();
    let out = env.run(&["--yes", "-o", "json", "retry", &b.batch_id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = batch_of(&out);
    assert_eq!(r.batch_id, b.batch_id, "retry runs in the same batch");
    for t in &r.tasks {
        let res = t.result();
        assert_eq!((res.status.as_str(), res.changed, res.attempts), ("successful", true, 2));
    }
}

#[test]
fn retry_after_sigkill_finishes_every_user_and_applies_nothing_twice() {
    let env = TestEnv::new();
    let n = 300;
    env.sandbox("crash", &["--users", "300", "--latency-ms", "15"]);
    let id = start_and_kill(&env, "crash", n, 8, 40);

    let out = env.run(&["status", &id, "-o", "json"]);
    let killed = batch_of(&out);
    assert_eq!(killed.status, "in_progress");
    let out = env.run(&["--yes", "-o", "json", "retry", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let done = batch_of(&out);
    assert_eq!(done.status, "successful");
    assert!(done.tasks.iter().all(|t| t.status == "successful"));
    // Attempts: an interrupted task (its write may have happened) counts a second attempt;
    // a task that never started counts its first; a finished one is not run again.
    for (before, after) in killed.tasks.iter().zip(&done.tasks) {
        let expected = match before.status.as_str() {
            "in_progress" => 2,
            "queued" | "successful" => 1,
            other => panic!("unexpected status after the kill: {other}"),
        };
        assert_eq!(after.result().attempts, expected, "{} was {}", after.user, before.status);
    }
    // The sandbox's own journal: every user was disabled exactly once.
    let entries = remediate::providers::sandbox::Sandbox::journal_entries(&env.state, "crash").unwrap();
    let mut per_user = std::collections::HashMap::new();
    for e in entries.iter().filter(|e| e.action == remediate::model::Action::Disable) {
        *per_user.entry(e.user.clone()).or_insert(0) += 1;
    }
    assert_eq!(per_user.len(), n, "every user disabled");
    assert!(per_user.values().all(|c| *c == 1), "no user disabled twice: {per_user:?}");
    // A second retry has nothing left to do.
    let out = env.run(&["--yes", "retry", &id]);
    assert!(stderr(&out).contains("nothing to retry"));
}

#[test]
fn time_boxed_actions_are_undone_once_by_expire() {
    let env = TestEnv::new();
    let out = env.run(&["--yes", "reset-password", "user007@demo.test", "--for", "1h"]);
    assert_eq!(out.status.code(), Some(2), "irreversible actions cannot be time-boxed");
    let (_, long) = env.json_batch(&["restrict", "user008@demo.test", "--for", "24h"]);
    assert!(long.expires_at.is_some());
    let (_, short) = env.json_batch(&["disable", "user009@demo.test", "--for", "1s"]);
    assert!(!is_enabled(&env, "demo", "user009@demo.test"));
    // Wait for the second to pass: the clock is what is under test here.
    let deadline = Instant::now() + Duration::from_secs(10);
    let expired = loop {
        let out = env.run(&["-o", "json", "expire"]);
        assert!(out.status.success(), "{}", stderr(&out));
        if !out.stdout.is_empty() {
            break serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(200));
    };
    let list = expired["expired"].as_array().unwrap();
    assert_eq!(list.len(), 1, "only the short one: {expired}");
    assert_eq!(list[0]["batch_id"], short.batch_id.as_str());
    assert!(is_enabled(&env, "demo", "user009@demo.test"));
    let out = env.run(&["-o", "json", "expire"]);
    assert!(out.stdout.is_empty() && stderr(&out).contains("nothing has expired"), "once only");
    let out = env.run(&["status", &short.batch_id, "-o", "json"]);
    assert!(batch_of(&out).expired_by.is_some());
}

#[test]
fn the_log_is_tamper_evident() {
    let env = TestEnv::new();
    let (_, first) = env.json_batch(&["disable", "user010@demo.test", "--description", "INC-1"]);
    env.json_batch(&["disable", "user011@demo.test", "--description", "INC-2"]);
    env.json_batch(&["disable", "user012@demo.test", "--description", "INC-3"]);
    let out = env.run(&["history", "--verify", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["ok"].as_bool(), v["batches"].as_u64()), (Some(true), Some(3)));

    // Alter a task record: the journal no longer matches its sealed digest.
    let journal = env.state.join("batches").join(&first.batch_id).join("tasks.jsonl");
    let original = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, original.replace("user010@demo.test", "someone@demo.test")).unwrap();
    let out = env.run(&["history", "--verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&first.batch_id) && stderr(&out).contains("tasks.jsonl"), "{}", stderr(&out));
    std::fs::write(&journal, original).unwrap();
    assert!(env.run(&["history", "--verify"]).status.success());

    // Alter a record of the index, then remove one.
    let index = env.state.join("index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replacen("INC-2", "INC-9", 1)).unwrap();
    let out = env.run(&["history", "--verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("this record was altered"), "{}", stderr(&out));
    let lines: Vec<&str> = text.lines().collect();
    let without: String = lines.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(&index, without).unwrap();
    let out = env.run(&["history", "--verify"]);
    assert!(stderr(&out).contains("index.jsonl:2") && stderr(&out).contains("altered or removed"), "{}", stderr(&out));
}

#[test]
fn a_batch_still_running_cannot_be_undone_or_retried() {
    let env = TestEnv::new();
    env.sandbox("slow", &["--users", "60", "--latency-ms", "30"]);
    let users: Vec<String> = (1..=60).map(|i| format!("user{i:05}@slow.test")).collect();
    let mut child = env
        .std_cmd()
        .args(["-t", "slow", "--yes", "disable"])
        .args(&users)
        .env("REMEDIATE_CONCURRENCY", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let batches = env.state.join("batches");
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        assert!(Instant::now() < deadline);
        if let Some(e) = first_batch_dir(&batches) {
            break e.file_name().to_string_lossy().into_owned();
        }
        std::thread::yield_now();
    };
    for cmd in ["undo", "retry"] {
        let out = env.run(&["--yes", cmd, &id]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("still running") || stderr(&out).contains("being run by another"),
            "{cmd}: {}",
            stderr(&out)
        );
    }
    assert!(child.wait().unwrap().success());
    let out = env.run(&["--yes", "-o", "json", "undo", &id]);
    assert_eq!(out.status.code(), Some(0), "once finished it can be undone: {}", stderr(&out));
}
