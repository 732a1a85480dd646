//! End to end on the built-in `demo` tenant and generated sandbox tenants, through the
//! real binary: actions, idempotency, guards, dry runs, exit codes, renderings.

use crate::support::*;

#[test]
fn disable_changes_state_records_before_and_is_idempotent() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "alice@demo.test", "--description", "INC-4711"]);
    assert_eq!(code, 0);
    assert_eq!(b.schema_version, 1);
    assert_eq!(b.status, "successful");
    assert_eq!(b.description.as_deref(), Some("INC-4711"));
    assert_eq!(b.operator, "tester@ci");
    assert!(b.finished_at.is_some());
    let r = b.task("alice@demo.test", "disable").result();
    assert_eq!(
        (r.tenant.as_str(), r.provider.as_str(), r.status.as_str(), r.changed),
        ("demo", "sandbox", "successful", true)
    );
    assert_eq!(r.before["accountEnabled"], true);
    assert_eq!(r.after["accountEnabled"], false);

    let (code, again) = env.json_batch(&["disable", "alice@demo.test"]);
    assert_eq!(code, 0);
    let r = again.task("alice@demo.test", "disable").result();
    assert_eq!((r.status.as_str(), r.changed), ("successful", false), "already disabled is success without change");

    let (_, en) = env.json_batch(&["enable", "ALICE@demo.test"]);
    assert!(en.task("alice@demo.test", "enable").result().changed);
}

#[test]
fn status_reads_back_what_the_action_printed() {
    let env = TestEnv::new();
    let (_, b) = env.json_batch(&["revoke-sessions", "user001@demo.test", "user002@demo.test"]);
    let out = env.run(&["status", &b.batch_id, "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: BatchDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s.batch_id, b.batch_id);
    assert_eq!(s.tasks.len(), 2);
    assert_eq!(s.counts.get("successful"), Some(&2));
    // A unique prefix is enough.
    let out = env.run(&["status", &b.batch_id[..13], "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn protected_accounts_are_skipped_with_the_reason() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "breakglass@demo.test"]);
    let r = b.task("breakglass@demo.test", "disable").result();
    assert_eq!(r.status, "skipped");
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.kind, "guard");
    assert!(e.message.contains("protected"), "{}", e.message);
    assert!(e.hint.is_some());
    assert_eq!(b.status, "skipped");
    assert_eq!(code, 1, "nothing done");
}

#[test]
fn the_last_enabled_global_administrator_is_kept() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "alice@demo.test", "bob@demo.test"]);
    assert_eq!(b.task("alice@demo.test", "disable").result().status, "successful");
    let bob = b.task("bob@demo.test", "disable").result();
    assert_eq!(bob.status, "skipped");
    assert!(bob.error.as_ref().unwrap().message.contains("last enabled"), "{bob:?}");
    assert_eq!((b.status.as_str(), code), ("partially_successful", 3));
    // Stripping bob's roles is refused too, while he is the last one.
    let (_, r) = env.json_batch(&["remove-roles", "bob@demo.test"]);
    assert_eq!(r.task("bob@demo.test", "remove-roles").result().status, "skipped");
    // A filter that leaves the top role alone is allowed.
    let (_, r) = env.json_batch(&["remove-roles", "bob@demo.test", "--role", "Helpdesk Administrator"]);
    assert_ne!(r.task("bob@demo.test", "remove-roles").result().status, "skipped");
}

#[test]
fn dry_run_changes_nothing() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "--dry-run", "user003@demo.test"]);
    assert_eq!(code, 0);
    assert!(b.dry_run);
    let r = b.task("user003@demo.test", "disable").result();
    assert!(r.changed, "a dry run says what would change");
    let (_, real) = env.json_batch(&["disable", "user003@demo.test"]);
    assert!(real.task("user003@demo.test", "disable").result().changed, "the dry run must not have disabled it");
}

#[test]
fn unknown_users_fail_alone_with_not_found() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["disable", "nobody@demo.test", "user004@demo.test"]);
    let r = b.task("nobody@demo.test", "disable").result();
    assert_eq!((r.status.as_str(), r.error.as_ref().unwrap().kind.as_str()), ("unsuccessful", "not_found"));
    assert_eq!(b.task("user004@demo.test", "disable").result().status, "successful");
    assert_eq!(code, 3);
    let (code, b) = env.json_batch(&["disable", "nobody@demo.test"]);
    assert_eq!((b.status.as_str(), code), ("unsuccessful", 1));
}

#[test]
fn without_a_terminal_acting_needs_yes_and_changes_nothing() {
    let env = TestEnv::new();
    let out = env.run(&["disable", "user005@demo.test"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("error: refusing to act") && err.contains("--yes"), "{err}");
    let h = env.run(&["history", "-o", "json"]);
    let doc: HistoryDoc = serde_json::from_slice(&h.stdout).unwrap();
    assert!(doc.batches.is_empty(), "no batch recorded");
    let (_, b) = env.json_batch(&["disable", "user005@demo.test"]);
    assert!(b.task("user005@demo.test", "disable").result().changed, "still enabled before");
}

#[test]
fn unknown_tenants_are_a_usage_error_listing_the_choices() {
    let env = TestEnv::new();
    let out = env.run(&["--tenant", "contoso", "--yes", "disable", "a@b.c"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown tenant `contoso`") && err.contains("hint:") && err.contains("demo"), "{err}");
}

#[test]
fn reset_password_never_prints_the_password_and_writes_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let pwfile = env.dir.path().join("pw.csv");
    let out = env.run(&[
        "--yes",
        "-o",
        "json",
        "reset-password",
        "user006@demo.test",
        "--password-file",
        pwfile.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&pwfile).unwrap();
    assert_eq!(std::fs::metadata(&pwfile).unwrap().permissions().mode() & 0o777, 0o600);
    let line = text.lines().nth(1).expect("a password row");
    let password = line.rsplit(',').next().unwrap();
    assert!(password.len() >= 16, "{password}");
    assert!(!stdout(&out).contains(password) && !stderr(&out).contains(password));
    // Never in the task log or anywhere in the state dir.
    for entry in walk(&env.state) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(password), "password found in {}", entry.display());
    }
    // An existing file is never overwritten, and that fails before anything runs.
    let out = env.run(&["--yes", "reset-password", "user007@demo.test", "--password-file", pwfile.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&pwfile).unwrap(), text);
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
    }
    out
}

#[test]
fn synced_users_fail_password_reset_with_a_hint() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["reset-password", "carol@demo.test"]);
    let r = b.task("carol@demo.test", "reset-password").result();
    assert_eq!(r.status, "unsuccessful");
    assert!(r.error.as_ref().unwrap().hint.as_deref().unwrap_or("").contains("AD"), "{r:?}");
    assert_eq!(code, 1);
}

#[test]
fn group_actions_skip_dynamic_groups_and_record_what_they_removed() {
    let env = TestEnv::new();
    let (_, b) = env.json_batch(&["remove-groups", "alice@demo.test"]);
    let r = b.task("alice@demo.test", "remove-groups").result();
    assert_eq!(r.status, "successful");
    let removed: Vec<&str> =
        r.before["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert!(removed.contains(&"sales"), "{removed:?}");
    assert!(!removed.contains(&"all-staff"), "dynamic groups are never removed");
    let (_, b) = env.json_batch(&["remove-groups", "alice@demo.test", "--group", "no-such-group"]);
    let r = b.task("alice@demo.test", "remove-groups").result();
    assert_eq!(r.error.as_ref().map(|e| e.kind.as_str()), Some("not_found"));
}

#[test]
fn restrict_and_mfa_are_idempotent_group_memberships() {
    let env = TestEnv::new();
    for (args, action) in [
        (vec!["restrict", "user008@demo.test"], "restrict"),
        (vec!["enforce-mfa", "user008@demo.test"], "enforce-mfa"),
        (vec!["enforce-mfa", "--phishing-resistant", "user008@demo.test"], "enforce-mfa"),
    ] {
        let (_, first) = env.json_batch(&args);
        assert!(first.task("user008@demo.test", action).result().changed, "{args:?}");
        let (_, second) = env.json_batch(&args);
        let r = second.task("user008@demo.test", action).result();
        assert_eq!((r.status.as_str(), r.changed), ("successful", false), "{args:?}");
    }
    let (_, un) = env.json_batch(&["unrestrict", "user008@demo.test"]);
    assert!(un.task("user008@demo.test", "unrestrict").result().changed);
}

#[test]
fn one_task_gets_one_result_per_tenant() {
    let env = TestEnv::new();
    env.sandbox("lab", &["--users", "5"]);
    let (code, b) = env.json_batch(&["-t", "demo", "-t", "lab", "disable", "user001@demo.test"]);
    let t = b.task("user001@demo.test", "disable");
    assert_eq!(t.results.len(), 2);
    assert_eq!(t.results.iter().find(|r| r.tenant == "demo").unwrap().status, "successful");
    assert_eq!(t.results.iter().find(|r| r.tenant == "lab").unwrap().status, "unsuccessful");
    assert_eq!((t.status.as_str(), b.status.as_str(), code), ("partially_successful", "partially_successful", 3));
}

#[test]
fn injected_failures_are_reported_as_transient() {
    let env = TestEnv::new();
    env.sandbox("flaky", &["--users", "3", "--fail-rate", "1"]);
    let (code, b) = env.json_batch(&["-t", "flaky", "disable", "user00001@flaky.test", "user00002@flaky.test"]);
    assert_eq!(code, 1);
    for t in &b.tasks {
        assert_eq!(t.result().error.as_ref().unwrap().kind, "transient");
    }
}

#[test]
fn bulk_runs_mixed_actions_from_a_csv() {
    let env = TestEnv::new();
    let csv = env.write(
        "mixed.csv",
        "\u{feff}action,user,description,group\r\n# comment\r\ndisable,user010@demo.test,INC-1,\r\n\r\nrevoke-sessions,user011@demo.test,,\r\nremove-groups,alice@demo.test,,sales\r\ndisable,user010@demo.test,INC-1,\r\n",
    );
    let (code, b) = env.json_batch(&["bulk", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{b:#?}");
    assert_eq!(b.tasks.len(), 3, "duplicate rows collapse");
    assert_eq!(b.task("user011@demo.test", "revoke-sessions").result().status, "successful");
    let g = b.task("alice@demo.test", "remove-groups").result();
    assert_eq!(g.before["groups"][0]["name"], "sales");
}

#[test]
fn an_invalid_csv_changes_nothing_and_lists_every_bad_line() {
    let env = TestEnv::new();
    let csv =
        env.write("bad.csv", "action,user\ndisable,user012@demo.test\nnuke,user013@demo.test\nfly,user014@demo.test\n");
    let out = env.run(&["--yes", "bulk", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(":3:") && err.contains(":4:") && err.contains("nuke"), "{err}");
    let (_, b) = env.json_batch(&["disable", "user012@demo.test"]);
    assert!(b.task("user012@demo.test", "disable").result().changed, "row 2 must not have run");
}

#[test]
fn history_filters_by_user_action_and_status() {
    let env = TestEnv::new();
    env.json_batch(&["disable", "user020@demo.test"]);
    env.json_batch(&["revoke-sessions", "user021@demo.test"]);
    env.json_batch(&["disable", "nobody@demo.test"]);
    let h = |args: &[&str]| -> HistoryDoc {
        let mut all = vec!["history", "-o", "json"];
        all.extend_from_slice(args);
        let out = env.run(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(h(&[]).batches.len(), 3);
    assert_eq!(h(&["--user", "USER021@demo.test"]).batches[0].actions, ["revoke-sessions"]);
    assert_eq!(h(&["--action", "disable"]).batches.len(), 2);
    assert_eq!(h(&["--status", "unsuccessful"]).batches.len(), 1);
    assert_eq!(h(&["--limit", "1"]).batches.len(), 1);
    assert_eq!(h(&["--since", "1h"]).batches.len(), 3);
    assert_eq!(h(&["--since", "2999-01-01"]).batches.len(), 0);
}

#[test]
fn piped_tables_are_tab_separated_rows_and_csv_has_a_header() {
    let env = TestEnv::new();
    let out = env.run(&["--yes", "disable", "user030@demo.test", "nobody@demo.test"]);
    let text = stdout(&out);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(&rows[0][..4], ["user030@demo.test", "disable", "demo", "successful"]);
    assert_eq!(rows[1][3], "unsuccessful");
    assert!(stderr(&out).contains("hint:"), "hints go to stderr");
    let out = env.run(&["--yes", "-o", "csv", "disable", "user031@demo.test"]);
    let text = stdout(&out);
    assert!(text.starts_with("batch_id,task_id,user,action,tenant,provider,status,changed"), "{text}");
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn status_watch_waits_for_a_running_batch_to_finish() {
    let env = TestEnv::new();
    env.sandbox("slow", &["--users", "40", "--latency-ms", "25"]);
    let users: Vec<String> = (1..=40).map(|i| format!("user{i:05}@slow.test")).collect();
    let mut child = env
        .std_cmd()
        .args(["-t", "slow", "--yes", "disable"])
        .args(&users)
        .env("REMEDIATE_CONCURRENCY", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let batches = env.state.join("batches");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let id = loop {
        assert!(std::time::Instant::now() < deadline);
        if let Some(e) = first_batch_dir(&batches) {
            break e.file_name().to_string_lossy().into_owned();
        }
        std::thread::yield_now();
    };
    let out = env.run(&["status", &id, "--watch", "-o", "json", "--exit-status"]);
    let b: BatchDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((b.status.as_str(), out.status.code()), ("successful", Some(0)), "{}", stderr(&out));
    assert_eq!(b.tasks.len(), 40);
    assert!(child.wait().unwrap().success());
}

#[test]
fn status_exit_status_follows_the_batch() {
    let env = TestEnv::new();
    let (_, partial) = env.json_batch(&["disable", "user032@demo.test", "nobody@demo.test"]);
    let (_, ok) = env.json_batch(&["disable", "user033@demo.test"]);
    let code = |id: &str| env.run(&["status", id, "--exit-status"]).status.code();
    assert_eq!(code(&partial.batch_id), Some(3));
    assert_eq!(code(&ok.batch_id), Some(0));
    assert_eq!(env.run(&["status", &partial.batch_id]).status.code(), Some(0), "without the flag, showing is success");
}

#[test]
fn a_corrupt_record_is_reported_and_other_batches_stay_readable() {
    let env = TestEnv::new();
    let (_, a) = env.json_batch(&["disable", "user034@demo.test"]);
    let (_, b) = env.json_batch(&["disable", "user035@demo.test"]);
    std::fs::write(env.state.join("batches").join(&a.batch_id).join("batch.json"), "{garbage").unwrap();
    let out = env.run(&["status", &a.batch_id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("corrupt batch record"), "{}", stderr(&out));
    assert!(env.run(&["status", &b.batch_id]).status.success());
    let index = env.state.join("index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, format!("{{not json\n{text}")).unwrap();
    let out = env.run(&["history", "-o", "json"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("corrupt index record"), "{}", stderr(&out));
    let h: HistoryDoc = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h.batches.len(), 2);
}

#[test]
fn users_synced_from_ad_get_a_hint_naming_the_ad_tenant() {
    let env = TestEnv::new();
    env.offline_ad("corp");
    let (_, b) = env.json_batch(&["-t", "demo", "reset-password", "carol@demo.test"]);
    let r = b.task("carol@demo.test", "reset-password").result();
    let hint = r.error.as_ref().unwrap().hint.as_deref().unwrap();
    assert!(hint.contains("remediate --tenant corp reset-password carol@demo.test"), "{hint}");
    let (_, b) = env.json_batch(&["-t", "demo", "disable", "carol@demo.test"]);
    let r = b.task("carol@demo.test", "disable").result();
    assert!(
        r.warnings.iter().any(|w| w.contains("remediate --tenant corp disable carol@demo.test")),
        "{:?}",
        r.warnings
    );
}
