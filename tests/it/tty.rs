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
