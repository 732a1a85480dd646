//! Renderings and prompts on a real terminal: the binary runs under `script(1)`, which
//! gives it a pseudo-terminal.

use std::io::Write;
use std::process::Stdio;

use crate::support::*;

/// Run remediate under a pty with `input` typed in; returns (exit code, screen text).
fn on_tty(env: &TestEnv, args: &[&str], input: &str) -> Option<(i32, String)> {
    if which("script").is_none() {
        skip("no script(1) (util-linux) to give the binary a terminal");
        return None;
    }
    let mut cmdline = shell_quote(&TestEnv::bin().display().to_string());
    for a in args {
        cmdline.push(' ');
        cmdline.push_str(&shell_quote(a));
    }
    let mut c = env.std_cmd();
    let mut script = std::process::Command::new("script");
    script.args(["-qec", &cmdline, "/dev/null"]).env_clear();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            script.env(k, v);
        }
    }
    script.env("TERM", "xterm");
    let mut child = script.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let _ = &mut c;
    Some((out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn on_a_terminal_the_batch_is_a_table() {
    let env = TestEnv::new();
    let Some((code, screen)) = on_tty(&env, &["--yes", "--no-progress", "disable", "user040@demo.test"], "") else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Batch ") && screen.contains("Successful"), "{screen}");
    assert!(screen.contains('│') || screen.contains('|'), "a table: {screen}");
    assert!(screen.contains("User") && screen.contains("user040@demo.test") && screen.contains('✔'), "{screen}");
}

#[test]
fn on_a_terminal_the_operator_is_asked_and_no_cancels() {
    let env = TestEnv::new();
    let Some((code, screen)) = on_tty(&env, &["--no-progress", "disable", "user041@demo.test"], "n\n") else { return };
    assert_eq!(code, 5, "declined: {screen}");
    assert!(screen.contains("About to disable for 1 user(s)") && screen.contains("user041@demo.test"), "{screen}");
    assert!(screen.contains("Canceled"), "{screen}");
    let (_, b) = env.json_batch(&["disable", "user041@demo.test"]);
    assert!(b.task("user041@demo.test", "disable").result().changed, "declining changed nothing");
}

#[test]
fn on_a_terminal_yes_at_the_prompt_acts() {
    let env = TestEnv::new();
    let Some((code, screen)) = on_tty(&env, &["--no-progress", "disable", "user042@demo.test"], "y\n") else { return };
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Successful"), "{screen}");
}

#[test]
fn progress_and_colour_show_on_a_terminal_unless_turned_off() {
    let mut env = TestEnv::new();
    env.sandbox("slow", &["--users", "30", "--latency-ms", "20"]);
    let users: Vec<String> = (1..=30).map(|i| format!("user{i:05}@slow.test")).collect();
    let mut args = vec!["-t", "slow", "--yes", "disable"];
    args.extend(users.iter().map(String::as_str));
    // NO_COLOR is set by default in the test environment.
    let Some((_, plain)) = on_tty(&env, &args, "") else { return };
    assert!(plain.contains("applying"), "a progress bar: {plain}");
    assert!(!plain.contains("\u{1b}[38;5;"), "NO_COLOR: {plain}");
    let quiet_args: Vec<&str> = ["-q"].into_iter().chain(args.iter().copied()).collect();
    env.json_batch(&["-t", "slow", "enable", "user00001@slow.test"]);
    let Some((_, quiet)) = on_tty(&env, &quiet_args, "") else { return };
    assert!(!quiet.contains("applying"), "-q hides progress: {quiet}");
    env.env.retain(|(k, _)| k != "NO_COLOR");
    env.set("NO_COLOR", "");
    let Some((_, colour)) = on_tty(&env, &["status", "--all", &latest(&env)], "") else { return };
    assert!(colour.contains("\u{1b}["), "colour on a terminal: {colour}");
}

fn latest(env: &TestEnv) -> String {
    let out = env.run(&["history", "-o", "json", "--limit", "1"]);
    let h: HistoryDoc = serde_json::from_slice(&out.stdout).unwrap();
    h.batches[0].batch_id.clone()
}
