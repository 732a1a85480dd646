//! The command-line shell: parse arguments, load the config, run one command, map the
//! result to an exit code. One file per command; the work is in `engine` and `providers`.

mod act;
pub mod args;
pub mod generate;
mod govern;
mod history;
mod status;
mod tenant;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;

use crate::config::{self, Config, TenantProfile};
use crate::engine::Tenant;
use crate::error::{Error, ExitCode, Result};
use crate::output::Printer;
use crate::providers::{self, ProviderEnv};
use crate::tasklog::TaskLog;
use args::{Cli, Command, GlobalArgs};

/// Entry point of the binary.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() { ExitCode::Usage } else { ExitCode::Success };
            return std::process::ExitCode::from(code as u8);
        }
    };
    let printer = Printer::new(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(&Error::io("cannot start the async runtime", e));
            return std::process::ExitCode::from(ExitCode::Failure as u8);
        }
    };
    let code = match runtime.block_on(run(cli, &printer)) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::Success,
        Err(e) => {
            printer.error(&e);
            e.exit_code()
        }
    };
    std::process::ExitCode::from(code as u8)
}

/// A reader that went away (`remediate history | head`) is not an error.
fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Everything a command needs from the environment.
pub struct Ctx {
    pub global: GlobalArgs,
    pub printer: Printer,
    pub config_path: PathBuf,
    pub config: Config,
    pub state_dir: PathBuf,
}

impl Ctx {
    fn new(global: GlobalArgs, printer: Printer) -> Result<Ctx> {
        let config_path = global.config.clone().unwrap_or_else(config::default_config_path);
        let config = Config::load(&config_path)?;
        let state_dir = global.state_dir.clone().unwrap_or_else(config::default_state_dir);
        Ok(Ctx { global, printer, config_path, config, state_dir })
    }

    pub fn log(&self) -> Result<TaskLog> {
        TaskLog::open(&self.state_dir)
    }

    /// The tenants `--tenant` (or the default) selects.
    pub fn selected(&self) -> Result<Vec<TenantProfile>> {
        self.config.select(&self.global.tenants)
    }

    /// Build the providers of these profiles (looking up their secrets).
    pub fn build(&self, profiles: &[TenantProfile]) -> Result<BTreeMap<String, Tenant>> {
        let env = ProviderEnv { state_dir: self.state_dir.clone() };
        profiles
            .iter()
            .map(|p| Ok((p.name.clone(), Tenant { profile: p.clone(), provider: providers::build(p, &env)? })))
            .collect()
    }

    /// The configured AD tenants (for hints about users synced from on-premises AD).
    pub fn ad_tenants(&self) -> Vec<String> {
        self.config
            .tenants
            .values()
            .filter(|t| t.provider.kind() == crate::providers::ProviderKind::Ad)
            .map(|t| t.name.clone())
            .collect()
    }

    /// Who is running this: `REMEDIATE_OPERATOR`, else the OS user and host.
    pub fn operator(&self) -> String {
        match std::env::var("REMEDIATE_OPERATOR") {
            Ok(op) if !op.trim().is_empty() => op.trim().to_string(),
            _ => format!(
                "{}@{}",
                whoami::username(),
                whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into())
            ),
        }
    }
}

async fn run(cli: Cli, printer: &Printer) -> Result<ExitCode> {
    let ctx = Ctx::new(cli.global, printer.clone())?;
    match cli.command {
        Command::Status(a) => status::run(&ctx, a).await,
        Command::Approve(a) => govern::approve(&ctx, a).await,
        Command::Reject(a) => govern::reject(&ctx, a).await,
        Command::Retry(a) => govern::retry(&ctx, a).await,
        Command::Undo(a) => govern::undo(&ctx, a).await,
        Command::Expire => govern::expire(&ctx).await,
        Command::History(a) => history::run(&ctx, a),
        Command::Tenant(c) => tenant::run(&ctx, c).await,
        Command::Completions(a) => generate::completions(&ctx, a),
        Command::Bulk(a) => act::bulk(&ctx, a).await,
        other => act::action(&ctx, other).await,
    }
}

/// Map an io error from writing output.
pub(crate) fn out_err(e: std::io::Error) -> Error {
    Error::io("cannot write output", e)
}
