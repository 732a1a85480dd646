//! The sandbox store through the real binary: kill -9 mid-run, two processes on one
//! tenant, generated passwords, generated tenants. The sandbox journal
//! (`Sandbox::journal_entries`) is the ground truth of what was applied, and how often.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use remediate::config::TenantProfile;
use remediate::model::Action;
use remediate::providers::sandbox::Sandbox;
use remediate::providers::{Provider, ProviderEnv};

use crate::support::*;

/// How many times each user got `action`, from the sandbox journal.
fn applied(env: &TestEnv, tenant: &str, action: Action) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in Sandbox::journal_entries(&env.state, tenant).unwrap() {
        if e.action == action {
            *counts.entry(e.user).or_default() += 1;
        }
    }
    counts
}

fn users_csv(env: &TestEnv, name: &str, tenant: &str, range: std::ops::RangeInclusive<u32>) -> String {
    let mut csv = String::from("user\n");
    for i in range {
        csv.push_str(&format!("user{i:05}@{tenant}.test\n"));
    }
    env.write(name, &csv).to_str().unwrap().to_string()
}

fn spawn_disable(env: &TestEnv, tenant: &str, csv: &str, stdout: Stdio) -> Child {
    env.std_cmd()
        .args(["-t", tenant, "--yes", "-o", "json", "disable", "--csv", csv])
        .env("REMEDIATE_CONCURRENCY", "8")
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn changed(b: &BatchDoc) -> usize {
    b.tasks.iter().filter(|t| t.result().changed).count()
}

#[test]
fn after_kill_9_a_rerun_applies_each_change_exactly_once() {
    let env = TestEnv::new();
    env.sandbox("crashy", &["--users", "300", "--latency-ms", "20"]);
    let csv = users_csv(&env, "users.csv", "crashy", 1..=300);
    let mut child = spawn_disable(&env, "crashy", &csv, Stdio::null());
    // Wait for the sandbox journal to show some applied changes, then SIGKILL.
    let deadline = Instant::now() + Duration::from_secs(60);
    while applied(&env, "crashy", Action::Disable).len() < 20 {
        assert!(Instant::now() < deadline, "the run never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let first = applied(&env, "crashy", Action::Disable);
    assert!(first.len() < 300, "killed mid-run, {} applied", first.len());

    // The same command again: what the killed run applied (recorded in its batch or not)
    // is read back as already disabled, and the rest is done once.
    let (code, b) = env.json_batch(&["-t", "crashy", "disable", "--csv", &csv]);
    assert_eq!(code, 0, "{b:#?}");
    assert_eq!(changed(&b), 300 - first.len());
    let all = applied(&env, "crashy", Action::Disable);
    assert_eq!(all.len(), 300, "every user disabled");
    assert!(all.values().all(|n| *n == 1), "a user was disabled twice: {all:?}");
}

#[test]
fn two_processes_on_one_tenant_lose_nothing_and_repeat_nothing() {
    let env = TestEnv::new();
    env.sandbox("shared", &["--users", "200", "--latency-ms", "2"]);
    // Overlapping halves: users 51..=150 are asked for by both processes at once.
    let a = users_csv(&env, "a.csv", "shared", 1..=150);
    let b = users_csv(&env, "b.csv", "shared", 51..=200);
    let pa = spawn_disable(&env, "shared", &a, Stdio::piped());
    let pb = spawn_disable(&env, "shared", &b, Stdio::piped());
    let (oa, ob) = (pa.wait_with_output().unwrap(), pb.wait_with_output().unwrap());
    assert!(oa.status.success() && ob.status.success(), "{:?} {:?}", oa.status, ob.status);
    let ba: BatchDoc = serde_json::from_slice(&oa.stdout).unwrap();
    let bb: BatchDoc = serde_json::from_slice(&ob.stdout).unwrap();
    assert_eq!(changed(&ba) + changed(&bb), 200, "each user changed by exactly one of the two runs");
    let all = applied(&env, "shared", Action::Disable);
    assert_eq!(all.len(), 200);
    assert!(all.values().all(|n| *n == 1), "{all:?}");
    // A third process sees every change.
    let (_, again) = env.json_batch(&["-t", "shared", "disable", "--csv", &a]);
    assert_eq!(changed(&again), 0);
}

#[test]
fn the_password_file_holds_the_password_that_was_set() {
    let env = TestEnv::new();
    let pwfile = env.dir.path().join("pw.csv");
    let out = env.run(&["--yes", "reset-password", "user009@demo.test", "--password-file", pwfile.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&pwfile).unwrap();
    let password = text.lines().nth(1).and_then(|l| l.rsplit(',').next()).unwrap().to_string();
    assert!(remediate::password::meets_complexity(&password, "user009@demo.test"), "{password}");

    let sandbox = Sandbox::open(&TenantProfile::demo(), &ProviderEnv { state_dir: env.state.clone() }).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let user = rt.block_on(sandbox.resolve("user009@demo.test")).unwrap();
    assert!(sandbox.password_matches(&user, &password), "the file's password is not the one set");
    assert!(!sandbox.password_matches(&user, &format!("{password}x")));
    let state = rt.block_on(sandbox.state(&user)).unwrap();
    assert_eq!(state.details["forceChangePasswordNextSignIn"], true);
    assert_eq!(applied(&env, "demo", Action::ResetPassword).get("u-user009"), Some(&1));
}

#[test]
fn a_generated_tenant_has_its_users_and_its_one_admin() {
    let env = TestEnv::new();
    env.sandbox("lab", &["--users", "1000"]);
    let (code, b) =
        env.json_batch(&["-t", "lab", "disable", "user01000@lab.test", "user01001@lab.test", "admin@lab.test"]);
    assert_eq!(code, 3, "{b:#?}");
    assert_eq!(b.task("user01000@lab.test", "disable").result().status, "successful");
    let missing = b.task("user01001@lab.test", "disable").result();
    assert_eq!(missing.error.as_ref().unwrap().kind, "not_found");
    assert!(missing.error.as_ref().unwrap().hint.as_deref().unwrap().contains("user00001@lab.test"));
    let admin = b.task("admin@lab.test", "disable").result();
    assert_eq!((admin.status.as_str(), admin.error.as_ref().unwrap().kind.as_str()), ("skipped", "guard"));
    assert_eq!(applied(&env, "lab", Action::Disable).keys().collect::<Vec<_>>(), ["u-user01000"]);
}
