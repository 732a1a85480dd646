//! Benchmark of the `ad` provider: bulk-disable N users on the throw-away Samba AD DC of the
//! integration tests, one at a time versus pooled, through the provider trait and through
//! the `remediate` binary. Reports wall time and tasks/s, and checks on the server that every
//! user ended up disabled.
//!
//!     cargo bench --bench ad                           # 1,000 users
//!     cargo bench --bench ad -- --users 200 --pool 8 --concurrency 64 --cli-concurrency 1,8,64
//!
//! Needs root and Samba (`.ci/samba-packages`); the DC is provisioned and torn down as in
//! the tests (`tests/support/samba.rs`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/samba.rs"]
mod samba;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use remediate::config::{AdConfig, CommonSettings, ProviderConfig, TenantProfile};
use remediate::model::{Action, ActionParams};
use remediate::providers::ad::{Ad, AdOptions};
use remediate::providers::{ApplyContext, Mode, Provider};
use remediate::secret::Secret;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn profile(dc: &samba::Dc) -> TenantProfile {
    TenantProfile {
        name: "bench".into(),
        provider: ProviderConfig::Ad(AdConfig {
            url: samba::LDAPS_URL.into(),
            bind_dn: samba::ADMIN.into(),
            base_dn: samba::BASE_DN.into(),
            ca_file: Some(dc.ca_file.clone()),
            insecure_skip_verify: false,
            privileged_groups: vec![],
        }),
        common: CommonSettings { max_targets: Some(100_000), ..CommonSettings::default() },
    }
}

/// Resolve, read state, apply: what the engine does per task.
async fn run(p: &Ad, users: &[String], action: Action, concurrency: usize) -> (Duration, usize) {
    let params = ActionParams::default();
    let start = Instant::now();
    let changed = futures::stream::iter(users.iter().map(|u| {
        let params = &params;
        async move {
            let user = p.resolve(u).await.expect("resolve");
            let state = p.state(&user).await.expect("state");
            let ctx = ApplyContext { mode: Mode::Apply, params, restore: None, state: &state };
            p.apply(&user, action, ctx).await.expect("apply").changed
        }
    }))
    .buffer_unordered(concurrency.max(1))
    .filter(|c| std::future::ready(*c))
    .count()
    .await;
    (start.elapsed(), changed)
}

fn line(mode: &str, n: usize, took: Duration) {
    println!("{mode:<44} {n:>6} {:>9.2} s {:>9.1} tasks/s", took.as_secs_f64(), n as f64 / took.as_secs_f64());
}

#[tokio::main]
async fn main() {
    let n = arg("--users", 1000);
    let pool = arg("--pool", AdOptions::default().pool_size);
    let concurrency = arg("--concurrency", 64);
    let Some(dc) = samba::dc() else {
        eprintln!("no Samba AD DC here: install the packages in .ci/samba-packages and run as root");
        std::process::exit(1);
    };

    // Seed N users on a few admin connections.
    let t = Instant::now();
    let names: Vec<String> = (0..n).map(|_| samba::unique("bench")).collect();
    let chunks: Vec<Vec<String>> = names.chunks(n.div_ceil(8).max(1)).map(<[String]>::to_vec).collect();
    futures::future::join_all(chunks.into_iter().map(|chunk| async move {
        let mut admin = samba::Admin::connect(dc).await;
        for name in chunk {
            admin.add_user(&name, 512).await;
        }
    }))
    .await;
    eprintln!("seeded {n} users in {:.1} s", t.elapsed().as_secs_f64());
    let upns: Vec<String> = names.iter().map(|s| format!("{s}@{}", samba::DNS_DOMAIN)).collect();

    let secret = || Secret::new(samba::ADMIN_PASSWORD);
    let one = AdOptions { pool_size: 1, ..AdOptions::default() };
    let pooled = AdOptions { pool_size: pool, ..AdOptions::default() };
    let fixer = Ad::with_options(&profile(dc), secret(), pooled.clone()).unwrap();

    println!("{:<44} {:>6} {:>11} {:>15}", "mode", "tasks", "wall", "rate");
    let p = Ad::with_options(&profile(dc), secret(), one).unwrap();
    let (took, changed) = run(&p, &upns, Action::Disable, 1).await;
    assert_eq!(changed, n, "every user disabled");
    line("provider, sequential (1 connection)", n, took);
    run(&fixer, &upns, Action::Enable, concurrency).await;

    let p = Ad::with_options(&profile(dc), secret(), pooled.clone()).unwrap();
    let (took, changed) = run(&p, &upns, Action::Disable, concurrency).await;
    assert_eq!(changed, n);
    line(&format!("provider, pooled ({pool} connections, {concurrency} at once)"), n, took);
    run(&fixer, &upns, Action::Enable, concurrency).await;

    // The real binary: engine, guards, task log and all.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let csv = dir.path().join("users.csv");
    std::fs::write(&csv, format!("user\n{}\n", upns.join("\n"))).unwrap();
    let cfg = format!(
        "[tenants.bench]\nprovider = \"ad\"\nurl = \"{}\"\nbind_dn = \"{}\"\nbase_dn = \"{}\"\nca_file = \"{}\"\nmax_targets = 100000\n",
        samba::LDAPS_URL,
        samba::ADMIN,
        samba::BASE_DN,
        dc.ca_file.display()
    );
    std::fs::write(&config, cfg).unwrap();
    let args: Vec<String> = std::env::args().collect();
    let levels: Vec<usize> = args
        .iter()
        .position(|a| a == "--cli-concurrency")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 0]);
    for conc in levels {
        let mode = match conc {
            0 => "remediate disable, default concurrency".to_string(),
            c => format!("remediate disable, REMEDIATE_CONCURRENCY={c}"),
        };
        let state = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_remediate"));
        cmd.env("REMEDIATE_CONFIG", &config)
            .env("REMEDIATE_STATE_DIR", state.path())
            .env("REMEDIATE_SECRET_BENCH", samba::ADMIN_PASSWORD)
            .env("REMEDIATE_OPERATOR", "bench@local")
            .args(["--tenant", "bench", "-o", "json", "--yes", "disable", "--csv"])
            .arg(&csv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if conc > 0 {
            cmd.env("REMEDIATE_CONCURRENCY", conc.to_string());
        }
        let t = Instant::now();
        let out = cmd.output().expect("run remediate");
        let took = t.elapsed();
        assert!(out.status.success(), "remediate failed: {}", String::from_utf8_lossy(&out.stderr));
        line(&mode, n, took);
        let mut admin = samba::Admin::connect(dc).await;
        for dn in names.iter().map(|s| samba::user_dn(s)) {
            assert_eq!(admin.uac(&dn).await & 2, 2, "{dn} disabled on the server");
        }
        run(&fixer, &upns, Action::Enable, concurrency).await;
    }
}
