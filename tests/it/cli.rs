//! The command line itself: help, usage errors, broken pipes, bad state dirs.

use std::io::Read;
use std::process::Stdio;

use crate::support::*;

#[test]
fn every_command_has_help() {
    let env = TestEnv::new();
    for cmd in [
        "disable",
        "enable",
        "reset-password",
        "revoke-sessions",
        "enforce-mfa",
        "remove-roles",
        "remove-groups",
        "restrict",
        "unrestrict",
        "bulk",
        "status",
        "history",
        "tenant",
        "completions",
    ] {
        let out = env.run(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd}");
        assert!(stdout(&out).contains("Usage: remediate"), "{cmd}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    assert_eq!(env.run(&["disable"]).status.code(), Some(2), "no users");
    assert_eq!(env.run(&["frobnicate"]).status.code(), Some(2));
    let out = env.run(&["status", "not-a-batch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a batch id"), "{}", stderr(&out));
    let out = env.run(&["status", "0193a6e2-7c1d-7b9e-9a51-3f0e8c2d4b61"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no batch"), "{}", stderr(&out));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = TestEnv::new();
    let mut child =
        env.std_cmd().args(["completions", "bash"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 16];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_state_dir_that_is_a_file_is_a_clear_error() {
    let mut env = TestEnv::new();
    let file = env.write("not-a-dir", "x");
    env.set("REMEDIATE_STATE_DIR", file.to_str().unwrap());
    let out = env.run(&["history"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is not a directory") && err.contains("hint:"), "{err}");
}

#[test]
fn plain_http_endpoints_are_refused_for_remote_hosts() {
    let env = TestEnv::new();
    let out = env.run(&[
        "tenant",
        "add",
        "contoso",
        "--provider",
        "entra",
        "--tenant-id",
        "t",
        "--client-id",
        "c",
        "--graph-url",
        "http://graph.example.com",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only accepted for loopback"), "{}", stderr(&out));
    assert!(!env.config.exists(), "nothing written");
}

#[test]
fn tenant_profiles_round_trip() {
    let env = TestEnv::new();
    env.sandbox("lab", &["--users", "10", "--protected", "user00001@lab.test", "--max-targets", "5"]);
    let out = env.run(&["tenant", "list", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["tenants"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lab", "demo"]);
    let out = env.run(&["tenant", "show", "lab", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["users"], 10);
    assert_eq!(v["protected"][0], "user00001@lab.test");
    // A second profile means no implicit default.
    env.sandbox("lab2", &["--users", "1"]);
    let out = env.run(&["--yes", "disable", "x@y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("lab, lab2, demo"), "{}", stderr(&out));
    assert!(env.run(&["tenant", "remove", "lab2"]).status.success());
    let out = env.run(&["tenant", "add", "lab", "--provider", "sandbox"]);
    assert_eq!(out.status.code(), Some(2), "no silent replace");
    let out = env.run(&["tenant", "add", "x", "--provider", "sandbox", "--bind-dn", "cn=x"]);
    assert!(stderr(&out).contains("does not apply"), "{}", stderr(&out));
}

#[test]
fn max_targets_needs_the_exact_count() {
    let env = TestEnv::new();
    env.sandbox("lab", &["--users", "10", "--max-targets", "2"]);
    let users = ["user00001@lab.test", "user00002@lab.test", "user00003@lab.test"];
    let mut args = vec!["-t", "lab", "disable"];
    args.extend(users);
    let (code, b) = env.json_batch(&args);
    assert_eq!(code, 1);
    assert!(b.tasks.iter().all(|t| t.status == "skipped"));
    assert!(b.tasks[0].result().error.as_ref().unwrap().hint.as_ref().unwrap().contains("--i-know-this-is-many 3"));
    args.extend(["--i-know-this-is-many", "3"]);
    let (code, b) = env.json_batch(&args);
    assert_eq!((code, b.status.as_str()), (0, "successful"));
}

#[test]
fn providers_not_built_yet_fail_clearly_and_change_nothing() {
    let env = TestEnv::new();
    let out = env.run(&["tenant", "add", "okta1", "--provider", "okta", "--org-url", "https://example.okta.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["-t", "okta1", "--yes", "disable", "a@example.com"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("provider `okta`, which this version cannot act on yet") && err.contains("hint:"), "{err}");
    let h = env.run(&["history", "-o", "json"]);
    let doc: HistoryDoc = serde_json::from_slice(&h.stdout).unwrap();
    assert!(doc.batches.is_empty());
}

#[test]
fn removing_a_sandbox_tenant_removes_its_practice_directory() {
    let env = TestEnv::new();
    env.sandbox("lab", &["--users", "5"]);
    let (_, b) = env.json_batch(&["-t", "lab", "disable", "user00001@lab.test"]);
    assert!(b.task("user00001@lab.test", "disable").result().changed);
    assert!(env.run(&["tenant", "remove", "lab"]).status.success());
    env.sandbox("lab", &["--users", "5"]);
    let (_, again) = env.json_batch(&["-t", "lab", "disable", "user00001@lab.test"]);
    assert!(again.task("user00001@lab.test", "disable").result().changed, "a fresh directory");
    let h = env.run(&["history", "-o", "json"]);
    let doc: HistoryDoc = serde_json::from_slice(&h.stdout).unwrap();
    assert_eq!(doc.batches.len(), 2, "the task log keeps the batches");
}
