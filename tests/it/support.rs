//! Test environment: a temp HOME, config and state dir per test, no colour, no progress,
//! no inherited `REMEDIATE_*` variables; and strict structs for the JSON documents, so an
//! unexpected field fails the test.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub config: PathBuf,
    pub state: PathBuf,
    pub env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let config = dir.path().join("config.toml");
        let state = dir.path().join("state");
        TestEnv { dir, home, config, state, env: Vec::new() }
    }

    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_remediate"))
    }

    /// A `remediate` command in this environment.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(Self::bin());
        self.apply_env(c.env_clear_keep());
        c
    }

    /// The same environment for a `std::process::Command` (spawned, killed, ...).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(Self::bin());
        c.env_clear();
        for (k, v) in self.base_env() {
            c.env(k, v);
        }
        c
    }

    fn base_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PATH".to_string(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), self.home.display().to_string()),
            ("REMEDIATE_CONFIG".into(), self.config.display().to_string()),
            ("REMEDIATE_STATE_DIR".into(), self.state.display().to_string()),
            ("REMEDIATE_OPERATOR".into(), "tester@ci".into()),
            ("NO_COLOR".into(), "1".into()),
            ("COLUMNS".into(), "200".into()),
        ];
        for var in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
            if let Ok(v) = std::env::var(var) {
                env.push((var.into(), v));
            }
        }
        env.extend(self.env.iter().cloned());
        env
    }

    fn apply_env(&self, c: &mut Command) {
        for (k, v) in self.base_env() {
            c.env(k, v);
        }
    }

    pub fn set(&mut self, k: &str, v: &str) {
        self.env.push((k.into(), v.into()));
    }

    /// Run and return the output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("runs")
    }

    /// Run with `-o json --yes` and parse the batch document.
    pub fn json_batch(&self, args: &[&str]) -> (i32, BatchDoc) {
        let mut all = vec!["-o", "json", "--yes"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let code = out.status.code().unwrap_or(-1);
        let doc: BatchDoc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not a batch document ({e}); exit {code}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, doc)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Add an AD tenant whose DC is never contacted (for config, secret and hint tests).
    pub fn offline_ad(&self, name: &str) {
        let out = self.run(&[
            "tenant",
            "add",
            name,
            "--provider",
            "ad",
            "--url",
            "ldaps://dc1.corp.example:636",
            "--bind-dn",
            "CN=svc",
            "--base-dn",
            "DC=corp",
        ]);
        assert!(out.status.success(), "tenant add: {}", stderr(&out));
    }

    /// Add a sandbox tenant.
    pub fn sandbox(&self, name: &str, extra: &[&str]) {
        let mut args = vec!["tenant", "add", name, "--provider", "sandbox"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(out.status.success(), "tenant add failed: {}", String::from_utf8_lossy(&out.stderr));
    }
}

trait EnvClearKeep {
    fn env_clear_keep(&mut self) -> &mut Self;
}
impl EnvClearKeep for Command {
    fn env_clear_keep(&mut self) -> &mut Self {
        self.env_clear()
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether integration components must be present (CI).
pub fn require_integration() -> bool {
    std::env::var("REMEDIATE_REQUIRE_INTEGRATION").is_ok_and(|v| v == "1")
}

/// Skip visibly, or fail when integration is required.
pub fn skip(why: &str) {
    if require_integration() {
        panic!("REMEDIATE_REQUIRE_INTEGRATION=1 but {why}");
    }
    eprintln!("SKIP: {why}");
}

pub fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(cmd)).find(|p| p.is_file())
}

// The JSON schema of DESIGN.md §3, strictly.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchDoc {
    pub schema_version: u32,
    pub batch_id: String,
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub operator: String,
    pub description: Option<String>,
    pub dry_run: bool,
    pub actions: Vec<String>,
    pub tenants: Vec<String>,
    pub counts: BTreeMap<String, u64>,
    #[serde(default)]
    pub approval: Option<ApprovalDoc>,
    #[serde(default)]
    pub undo_of: Option<String>,
    #[serde(default)]
    pub undone_by: Vec<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub expired_by: Option<String>,
    #[serde(default)]
    pub not_reversed: Vec<NotReversedDoc>,
    pub tasks: Vec<TaskDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalDoc {
    pub required_because: String,
    pub requested_by: String,
    #[serde(default)]
    pub decision: Option<String>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotReversedDoc {
    pub user: String,
    pub action: String,
    pub tenant: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDoc {
    pub task_id: String,
    pub action: String,
    pub user: String,
    pub status: String,
    #[serde(default)]
    pub params: serde_json::Value,
    #[serde(default)]
    pub description: Option<String>,
    pub tenants: Vec<String>,
    #[serde(default)]
    pub reverses: Option<serde_json::Value>,
    pub results: Vec<ResultDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDoc {
    pub tenant: String,
    pub provider: String,
    pub status: String,
    pub changed: bool,
    pub message: String,
    pub request_id: Option<String>,
    pub error: Option<ErrorDoc>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    #[serde(default)]
    pub warnings: Vec<String>,
    pub attempts: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorDoc {
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryDoc {
    pub schema_version: u32,
    pub batches: Vec<HistoryEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub batch_id: String,
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub operator: String,
    pub description: Option<String>,
    pub dry_run: bool,
    pub actions: Vec<String>,
    pub tenants: Vec<String>,
    pub counts: BTreeMap<String, u64>,
}

impl BatchDoc {
    pub fn task(&self, user: &str, action: &str) -> &TaskDoc {
        self.tasks
            .iter()
            .find(|t| t.user.eq_ignore_ascii_case(user) && t.action == action)
            .unwrap_or_else(|| panic!("no task {action} {user} in {:#?}", self.tasks))
    }
}

impl TaskDoc {
    pub fn result(&self) -> &ResultDoc {
        assert_eq!(self.results.len(), 1, "expected one result: {self:#?}");
        &self.results[0]
    }
}

/// The first batch folder of a state dir (batches being created have a `.new-` name).
pub fn first_batch_dir(batches: &Path) -> Option<std::fs::DirEntry> {
    std::fs::read_dir(batches).ok()?.flatten().find(|e| !e.file_name().to_string_lossy().starts_with('.'))
}

/// Start `disable` of `user00001@T.test`…`userNNNNN@T.test` on sandbox tenant `tenant`
/// (which must exist) with `concurrency` calls at once, and SIGKILL it once at least
/// `finished` tasks have their results in the journal. Returns the batch id.
pub fn start_and_kill(env: &TestEnv, tenant: &str, n: usize, concurrency: usize, finished: usize) -> String {
    use std::time::{Duration, Instant};
    let mut csv = String::from("user\n");
    for i in 1..=n {
        csv.push_str(&format!("user{i:05}@{tenant}.test\n"));
    }
    let file = env.write(&format!("{tenant}-users.csv"), &csv);
    let mut child = env
        .std_cmd()
        .args(["-t", tenant, "--yes", "-o", "json", "disable", "--csv", file.to_str().unwrap()])
        .args(["--i-know-this-is-many", &n.to_string()])
        .env("REMEDIATE_CONCURRENCY", concurrency.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let batches = env.state.join("batches");
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        assert!(Instant::now() < deadline, "the run never got going");
        if let Some(dir) = first_batch_dir(&batches).map(|e| e.path()) {
            let text = std::fs::read_to_string(dir.join("tasks.jsonl")).unwrap_or_default();
            if text.lines().filter(|l| l.contains("\"results\":[{")).count() >= finished {
                break dir.file_name().unwrap().to_str().unwrap().to_string();
            }
        }
        std::thread::yield_now();
    };
    child.kill().unwrap();
    child.wait().unwrap();
    id
}
