//! CSV input through the real binary: the fixtures the README uses, standard input, and the
//! refusals (exit 2, every bad line listed, nothing changed).

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use crate::support::{HistoryDoc, TestEnv, stderr};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

/// Run with `bytes` on standard input.
fn run_with_stdin(env: &TestEnv, args: &[&str], bytes: &[u8]) -> std::process::Output {
    let mut child = env
        .std_cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    // The binary may refuse before reading everything; a closed pipe is then expected.
    let _ = child.stdin.take().unwrap().write_all(bytes);
    child.wait_with_output().expect("runs")
}

fn batches(env: &TestEnv) -> usize {
    let out = env.run(&["history", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: HistoryDoc = serde_json::from_slice(&out.stdout).unwrap();
    doc.batches.len()
}

#[test]
fn the_quick_start_file_runs_on_the_demo_tenant() {
    let env = TestEnv::new();
    let (code, b) =
        env.json_batch(&["--tenant", "demo", "bulk", &fixture("compromised.csv"), "--description", "INC-4711"]);
    assert_eq!(b.tasks.len(), 16, "17 rows, one duplicate: {b:#?}");
    assert_eq!(b.description.as_deref(), Some("INC-4711"));
    assert_eq!(b.task("alice@demo.test", "disable").result().status, "successful");
    assert!(b.task("alice@demo.test", "disable").result().changed);
    // The guards the README promises: the break-glass account is protected, and bob is the
    // last enabled Global Administrator once alice (earlier in the file) is disabled.
    assert_eq!(b.task("breakglass@demo.test", "disable").result().status, "skipped");
    assert_eq!(b.task("bob@demo.test", "disable").result().status, "skipped");
    assert_eq!(b.task("bob@demo.test", "remove-roles").result().status, "skipped");
    assert!(!b.task("dave@demo.test", "disable").result().changed, "dave was already disabled");
    assert_eq!(b.task("user012@demo.test", "disable").result().status, "successful");
    assert_eq!(b.status, "partially_successful");
    assert_eq!(code, 3);
}

#[test]
fn the_risky_users_export_feeds_one_action() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["--tenant", "demo", "revoke-sessions", "--csv", &fixture("risky-users.csv")]);
    let users: Vec<&str> = b.tasks.iter().map(|t| t.user.as_str()).collect();
    assert_eq!(users.len(), 9, "10 rows, one duplicate: {users:?}");
    assert!(b.tasks.iter().all(|t| t.action == "revoke-sessions"));
    assert_eq!(b.task("user044@demo.test", "revoke-sessions").result().status, "successful");
    // breakglass is protected, so the batch is partial.
    assert_eq!((code, b.task("breakglass@demo.test", "revoke-sessions").result().status.as_str()), (3, "skipped"));
}

#[test]
fn the_mixed_bulk_file_runs_each_rows_action() {
    let env = TestEnv::new();
    let (code, b) = env.json_batch(&["bulk", &fixture("bulk-mixed.csv")]);
    assert_eq!(code, 0, "{b:#?}");
    let mut actions: Vec<&str> = b.tasks.iter().map(|t| t.action.as_str()).collect();
    actions.sort_unstable();
    actions.dedup();
    assert_eq!(actions, ["disable", "enforce-mfa", "remove-groups", "restrict", "revoke-sessions"]);
    let removed = b.task("alice@demo.test", "remove-groups").result();
    assert_eq!(removed.before["groups"][0]["name"], "sales");
    assert!(b.tasks.iter().all(|t| t.tenants == ["demo"]));
}

#[test]
fn a_dash_reads_the_csv_from_standard_input() {
    let env = TestEnv::new();
    let out = run_with_stdin(
        &env,
        &["--tenant", "demo", "--yes", "-o", "json", "disable", "--csv", "-"],
        b"\xef\xbb\xbfEmail\r\nuser031@demo.test\r\n\r\nUSER031@demo.test\r\nuser032@demo.test\r\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let users: Vec<&str> = doc["tasks"].as_array().unwrap().iter().map(|t| t["user"].as_str().unwrap()).collect();
    assert_eq!(users, ["user031@demo.test", "user032@demo.test"]);
}

#[test]
fn invalid_rows_are_all_listed_with_their_lines_and_nothing_runs() {
    let env = TestEnv::new();
    let csv = env.write(
        "bad.csv",
        "# INC-4711\naction,user,group\ndisable,user012@demo.test,\ndisabel,user013@demo.test,\n\nrevoke-sessions,,\n\
         disable,user014@demo.test,sales\nrestrict,user015@demo.test\n",
    );
    let out = env.run(&["--tenant", "demo", "--yes", "bulk", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("error: 4 invalid rows in `"), "{err}");
    for expected in [
        "bad.csv:4: unknown action `disabel`; valid actions: disable, enable,",
        "bad.csv:6: empty user",
        "bad.csv:7: `group` applies only to `remove-groups`, not `disable`",
        "bad.csv:8: 2 fields, but the header has 3",
        "hint: fix the rows listed above; nothing was changed",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(batches(&env), 0, "no batch may be recorded");
}

#[test]
fn a_long_list_of_bad_rows_is_capped() {
    let env = TestEnv::new();
    let mut text = String::from("user,tenant\n");
    for _ in 0..150 {
        text.push_str(",demo\n");
    }
    let csv = env.write("many.csv", &text);
    let out = env.run(&["--yes", "disable", "--csv", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("error: 150 invalid rows in `"), "{err}");
    assert_eq!(err.matches(": empty user").count(), 100, "{err}");
    assert!(err.contains("many.csv: … and 50 more"), "{err}");
}

#[test]
fn header_problems_are_refused_with_a_hint() {
    let env = TestEnv::new();
    let cases: [(&str, &str, &[&str], &str); 4] = [
        (
            "action.csv",
            "action,user\ndisable,user001@demo.test\n",
            &["disable", "--csv"],
            "to run the action each row names, use `remediate bulk",
        ),
        ("bare.csv", "user001@demo.test\nuser002@demo.test\n", &["disable", "--csv"], "add a first line `user`"),
        ("noaction.csv", "user\nuser001@demo.test\n", &["bulk"], "add an `action` column"),
        ("nouser.csv", "name,dept\nAlice,Sales\n", &["disable", "--csv"], "rename the column that holds the users"),
    ];
    for (name, text, args, hint) in cases {
        let path = env.write(name, text);
        let mut all = vec!["--tenant", "demo", "--yes"];
        all.extend_from_slice(args);
        all.push(path.to_str().unwrap());
        let out = env.run(&all);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("hint: {hint}")), "{name}: {}", stderr(&out));
    }
    assert_eq!(batches(&env), 0);
}

#[test]
fn non_utf8_standard_input_is_refused_with_the_line() {
    let env = TestEnv::new();
    let out =
        run_with_stdin(&env, &["--yes", "disable", "--csv", "-"], b"user\nuser001@demo.test\nren\xe9@demo.test\n");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("error: `<stdin>` is not UTF-8 text: invalid byte sequence on line 3"), "{err}");
    assert!(err.contains("hint: save it as \"CSV UTF-8"), "{err}");
}
