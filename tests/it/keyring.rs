//! The real Secret Service path: a gnome-keyring daemon on a private D-Bus session stores
//! a secret with `tenant add --secret-stdin`, and a second process reads it. Without a
//! keyring, `tenant add` fails naming the env variable and writes nothing.

use std::process::Stdio;

use crate::support::*;

const SECRET: &str = "s3cr3t-Value-that-must-never-leak";

#[test]
fn a_secret_stored_in_the_keyring_is_read_by_another_process() {
    if which("dbus-run-session").is_none() || which("gnome-keyring-daemon").is_none() {
        return skip("no dbus-run-session / gnome-keyring-daemon (apt-get install dbus gnome-keyring)");
    }
    let env = TestEnv::new();
    let secret_file = env.write("secret.txt", &format!("{SECRET}\n"));
    let bin = TestEnv::bin();
    let script = format!(
        r#"set -e
eval "$(printf 'test-unlock' | gnome-keyring-daemon --unlock --components=secrets)"
"{bin}" tenant add corp --provider ad --url ldaps://dc1.corp.example:636 --bind-dn 'CN=svc,DC=corp' --base-dn 'DC=corp' --secret-stdin < "{secret}"
"{bin}" tenant show corp -o json > "{out1}"
"{bin}" tenant remove corp
"{bin}" tenant add corp2 --provider ad --url ldaps://dc1.corp.example:636 --bind-dn 'CN=svc,DC=corp' --base-dn 'DC=corp' < /dev/null
"{bin}" tenant show corp2 -o json > "{out2}"
"#,
        bin = bin.display(),
        secret = secret_file.display(),
        out1 = env.dir.path().join("show1.json").display(),
        out2 = env.dir.path().join("show2.json").display(),
    );
    let out = env
        .std_cmd()
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("HOME", &env.home)
        .stdin(Stdio::null())
        .output_of("dbus-run-session", &["--", "sh", "-c", &script]);
    let text = stdout(&out);
    let err = stderr(&out);
    assert!(out.status.success(), "stdout: {text}\nstderr: {err}");
    // The JSON documents go to files: the keyring daemon may print its environment on the
    // session's stdout.
    let read = |name: &str| -> serde_json::Value {
        let raw = std::fs::read_to_string(env.dir.path().join(name)).unwrap();
        assert!(!raw.contains(SECRET));
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"))
    };
    let docs = [read("show1.json"), read("show2.json")];
    assert_eq!(docs[0]["secret"], "OS keyring", "{text}");
    assert!(docs[1]["secret"].as_str().unwrap().starts_with("missing"), "removed with the profile: {text}");
    assert!(!text.contains(SECRET) && !err.contains(SECRET));
    let config = std::fs::read_to_string(&env.config).unwrap();
    assert!(!config.contains(SECRET), "the secret is never in the config");
}

#[test]
fn without_a_keyring_the_error_names_the_env_variable_and_nothing_is_written() {
    let env = TestEnv::new();
    let out = env
        .std_cmd()
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .args(["tenant", "add", "corp-eu", "--provider", "ad", "--url", "ldaps://dc1.corp.example:636"])
        .args(["--bind-dn", "CN=svc,DC=corp", "--base-dn", "DC=corp", "--secret-stdin"])
        .stdin(Stdio::piped())
        .spawn_with_input(SECRET);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("REMEDIATE_SECRET_CORP_EU"), "{err}");
    assert!(!err.contains(SECRET));
    assert!(!env.config.exists(), "no half-written profile");
}

#[test]
fn the_env_variable_comes_before_the_keyring() {
    let mut env = TestEnv::new();
    env.set("REMEDIATE_SECRET_CORP", SECRET);
    env.offline_ad("corp");
    let out = env.run(&["tenant", "show", "corp", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["secret"], "environment (`REMEDIATE_SECRET_CORP`)");
    assert!(!stdout(&out).contains(SECRET));
}

trait RunHelpers {
    fn output_of(&mut self, program: &str, args: &[&str]) -> std::process::Output;
    fn spawn_with_input(&mut self, input: &str) -> std::process::Output;
}

impl RunHelpers for std::process::Command {
    /// Run `program args` with this command's environment.
    fn output_of(&mut self, program: &str, args: &[&str]) -> std::process::Output {
        let mut c = std::process::Command::new(program);
        c.args(args).env_clear();
        for (k, v) in self.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        c.stdin(Stdio::null()).output().expect("runs")
    }

    fn spawn_with_input(&mut self, input: &str) -> std::process::Output {
        use std::io::Write;
        let mut child = self.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}
