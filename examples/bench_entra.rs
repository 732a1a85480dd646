//! Benchmark of the Entra provider against the Graph emulator: a bulk disable of many
//! users under Graph's identity write quota, then the same without a quota against a
//! sequential one-request-at-a-time baseline.
//!
//!     cargo run --release --example bench_entra -- --users 10000
//!     cargo run --release --example bench_entra -- --users 1000 --quota 300 --quota-window 15
//!
//!     cargo build --release && cargo run --release --example bench_entra -- --users 10000 \
//!         --binary target/release/remediate
//!
//! Options: `--users N` (10000), `--latency-ms MS` (50), `--quota WRITES` (3000),
//! `--quota-window SECS` (150), `--concurrency N` (64, what the engine runs at once),
//! `--baseline-users N` (200), `--skip-quota`, `--skip-unthrottled`, `--binary PATH`.
//!
//! The emulator runs in this process (its source is `tests/support/graph`). Without
//! `--binary` the provider is driven as the engine drives it: resolve, read state, apply,
//! `--concurrency` tasks at a time. With `--binary` the quota run is the real thing:
//! `remediate -o json --yes disable --csv users.csv` against a tenant profile pointing at
//! the emulator, with its task log, guards and all.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/graph/mod.rs"]
mod graph;

use std::time::{Duration, Instant};

use futures::StreamExt;
use remediate::config::{AssertionAlg, Cloud, CommonSettings, EntraConfig, ProviderConfig, TenantProfile};
use remediate::model::{Action, ActionParams};
use remediate::providers::entra::Entra;
use remediate::providers::entra::auth::Credential;
use remediate::providers::entra::client::Tuning;
use remediate::providers::{ApplyContext, Mode, Provider};
use remediate::secret::Secret;

const CLIENT: &str = "b3c0ffee-0000-4000-8000-000000000001";
const SECRET: &str = "bench-secret";

struct Opts {
    users: usize,
    latency: Duration,
    quota: u32,
    window: Duration,
    concurrency: usize,
    baseline_users: usize,
    skip_quota: bool,
    skip_unthrottled: bool,
    binary: Option<std::path::PathBuf>,
}

fn parse() -> Opts {
    let mut o = Opts {
        users: 10_000,
        latency: Duration::from_millis(50),
        quota: 3000,
        window: Duration::from_secs(150),
        concurrency: 64,
        baseline_users: 200,
        skip_quota: false,
        skip_unthrottled: false,
        binary: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| -> u64 {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--users" => o.users = val("--users") as usize,
            "--latency-ms" => o.latency = Duration::from_millis(val("--latency-ms")),
            "--quota" => o.quota = val("--quota") as u32,
            "--quota-window" => o.window = Duration::from_secs(val("--quota-window")),
            "--concurrency" => o.concurrency = val("--concurrency") as usize,
            "--baseline-users" => o.baseline_users = val("--baseline-users") as usize,
            "--skip-quota" => o.skip_quota = true,
            "--skip-unthrottled" => o.skip_unthrottled = true,
            "--binary" => o.binary = Some(args.next().expect("--binary needs a path").into()),
            other => panic!("unknown option {other} (see the file header for the options)"),
        }
    }
    o
}

struct Run {
    wall: Duration,
    ok: usize,
    failed: usize,
    emu: graph::StatsView,
    write_attempts: usize,
    client: Option<remediate::providers::entra::StatsSnapshot>,
    rate: Option<f64>,
}

async fn run(
    o: &Opts,
    users: usize,
    quota: Option<(u32, Duration)>,
    tuning: Tuning,
    concurrency: usize,
    binary: Option<&std::path::Path>,
) -> Run {
    let emu =
        graph::Emulator::start(graph::Config { latency: o.latency, quota, page_size: 100, ..graph::Config::default() })
            .await;
    emu.register_app(graph::App {
        client_id: CLIENT.into(),
        secret: Some(SECRET.into()),
        roles: graph::LEAST_PRIVILEGE.iter().map(|s| s.to_string()).collect(),
        ..graph::App::default()
    });
    emu.add_users(users, "user", "bench.test");
    let profile = TenantProfile {
        name: "bench".into(),
        provider: ProviderConfig::Entra(EntraConfig {
            tenant_id: emu.tenant_id(),
            client_id: CLIENT.into(),
            certificate: None,
            cloud: Cloud::Global,
            graph_url: Some(emu.url()),
            login_url: Some(emu.url()),
            assertion_alg: AssertionAlg::Ps256,
        }),
        common: CommonSettings::default(),
    };
    if let Some(bin) = binary {
        return run_binary(bin, &emu, &profile, users, concurrency).await;
    }
    let p = Entra::new(&profile, Credential::Secret(Secret::new(SECRET)), tuning).expect("provider");
    let params = ActionParams::default();
    let t = Instant::now();
    let results: Vec<bool> = futures::stream::iter(1..=users)
        .map(|i| {
            let (p, params) = (&p, &params);
            async move {
                let name = format!("user{i:05}@bench.test");
                let r = async {
                    let u = p.resolve(&name).await?;
                    let state = p.state(&u).await?;
                    p.apply(
                        &u,
                        Action::Disable,
                        ApplyContext { mode: Mode::Apply, params, restore: None, state: &state },
                    )
                    .await
                }
                .await;
                match r {
                    Ok(o) => o.changed,
                    Err(e) => {
                        eprintln!("{name}: {} ({:?})", e.message, e.kind);
                        false
                    }
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = t.elapsed();
    let ok = results.iter().filter(|r| **r).count();
    let write_attempts = emu.writes().len();
    emu.assert_clean();
    Run {
        wall,
        ok,
        failed: users - ok,
        emu: emu.stats(),
        write_attempts,
        client: Some(p.stats()),
        rate: p.learned_write_rate(),
    }
}

/// The quota run through the real binary: a config and a CSV in a temp dir, the secret in
/// the environment, `remediate disable --csv` in a child process.
async fn run_binary(
    bin: &std::path::Path,
    emu: &graph::Emulator,
    profile: &TenantProfile,
    users: usize,
    concurrency: usize,
) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = remediate::config::Config::default();
    let mut profile = profile.clone();
    profile.common.max_targets = Some(users.max(1));
    cfg.tenants.insert("bench".into(), profile);
    cfg.default_tenant = Some("bench".into());
    let config = dir.path().join("config.toml");
    cfg.save(&config).expect("config");
    let csv = dir.path().join("users.csv");
    let mut text = String::from("user\n");
    for i in 1..=users {
        text.push_str(&format!("user{i:05}@bench.test\n"));
    }
    std::fs::write(&csv, text).expect("csv");
    let mut cmd = tokio::process::Command::new(bin);
    cmd.args(["-o", "json", "--yes", "--no-progress", "disable", "--csv"])
        .arg(&csv)
        .env("REMEDIATE_CONFIG", &config)
        .env("REMEDIATE_STATE_DIR", dir.path().join("state"))
        .env("REMEDIATE_SECRET_BENCH", SECRET)
        .env("REMEDIATE_CONCURRENCY", concurrency.to_string())
        .env("REMEDIATE_OPERATOR", "bench");
    let t = Instant::now();
    let out = cmd.output().await.expect("run remediate");
    let wall = t.elapsed();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("remediate printed no batch ({e}): {}", String::from_utf8_lossy(&out.stderr));
    });
    let ok = doc["counts"]["successful"].as_u64().unwrap_or(0) as usize;
    let write_attempts = emu.writes().len();
    emu.assert_clean();
    println!("  (ran {} disable --csv: exit {:?}, batch {})", bin.display(), out.status.code(), doc["batch_id"]);
    Run { wall, ok, failed: users - ok, emu: emu.stats(), write_attempts, client: None, rate: None }
}

fn report(title: &str, r: &Run) {
    println!("{title}");
    println!("  wall time          {:.1} s", r.wall.as_secs_f64());
    println!("  tasks              {} successful, {} failed", r.ok, r.failed);
    println!(
        "  requests sent      {} HTTP ({} $batch carrying {} items, {} token)",
        r.emu.http_requests, r.emu.batch_requests, r.emu.batch_items, r.emu.token_requests
    );
    println!("  write attempts     {} ({} accepted)", r.write_attempts, r.emu.writes_accepted);
    println!("  429s received      {}", r.emu.throttled);
    if let Some(rate) = r.rate {
        println!("  learned write rate {rate:.1} writes/s");
    }
    if let Some(c) = r.client {
        println!("  client retries     {} after 5xx/network", c.transient_retries);
    }
}

#[tokio::main]
async fn main() {
    let o = parse();
    println!(
        "bench_entra: {} users, {} ms latency, {} concurrent tasks, quota {} writes / {} s",
        o.users,
        o.latency.as_millis(),
        o.concurrency,
        o.quota,
        o.window.as_secs()
    );
    if !o.skip_quota {
        let r =
            run(&o, o.users, Some((o.quota, o.window)), Tuning::default(), o.concurrency, o.binary.as_deref()).await;
        let refill = o.quota as f64 / o.window.as_secs_f64();
        let bound = (o.users as f64 - o.quota as f64).max(0.0) / refill;
        report("\n[1] bulk disable under the write quota", &r);
        println!("  lower bound        {bound:.1} s ({} writes: {} burst, then {refill:.1}/s)", o.users, o.quota);
        if bound > 0.0 {
            println!("  ratio to bound     {:.3} (target <= 1.15)", r.wall.as_secs_f64() / bound);
        }
    }
    if !o.skip_unthrottled {
        let r = run(&o, o.users, None, Tuning::default(), o.concurrency, None).await;
        report("\n[2] bulk disable without a quota", &r);
        let fast = r.ok as f64 / r.wall.as_secs_f64();
        let sequential = Tuning { batch_writes: false, batch_reads: false, ..Tuning::default() };
        let b = run(&o, o.baseline_users, None, sequential, 1, None).await;
        report(&format!("\n[3] baseline: one request at a time, no $batch ({} users)", o.baseline_users), &b);
        let slow = b.ok as f64 / b.wall.as_secs_f64();
        println!("\nthroughput: {fast:.0} users/s vs {slow:.1} users/s sequential = {:.0}x", fast / slow);
    }
}
