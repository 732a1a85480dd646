//! The command-line definition (clap derive). Completions and man pages are generated
//! from it, so every help text here is user documentation.

// The argument structs are built once per run; boxing them would only add noise.
#![allow(clippy::large_enum_variant)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Cloud;
use crate::model::{Action, Status};
use crate::providers::ProviderKind;

const AFTER_HELP: &str = "\
Exit status: 0 every task successful (or a dry run), 1 runtime error or nothing done, 2 usage error or invalid input \
(nothing changed), 3 partially successful, 4 authentication or permission failure, 5 canceled or rejected, \
6 pending approval, 130 interrupted.";

#[derive(Debug, Parser)]
#[command(
    name = "remediate",
    version,
    about = "Take remediation actions on risky user accounts in Entra ID, Okta, Google Workspace and Active Directory",
    long_about = "Take remediation actions on risky user accounts: disable, force a password reset, revoke sessions, \
enforce MFA, strip admin roles and group memberships, restrict. One user or thousands from a CSV, on one or \
several identity systems at once; every run is a batch with an id that `status` shows later.\n\n\
Try it with no account anywhere on the built-in `demo` tenant: `remediate --tenant demo disable alice@demo.test`.",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Tenant to act on (repeatable, or comma-separated); default: the config's `default_tenant`
    #[arg(short, long = "tenant", value_name = "NAME", env = "REMEDIATE_TENANT", global = true, value_delimiter = ',')]
    pub tenants: Vec<String>,
    /// Output format: a table (plain tab-separated rows when piped), JSON or CSV
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,
    /// Act without asking for confirmation
    #[arg(short, long, global = true)]
    pub yes: bool,
    /// Print only the result data, no status lines or progress
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print a line per task as it finishes, and more detail on errors
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Never show a progress bar
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Config file with the tenant profiles
    #[arg(long, value_name = "PATH", env = "REMEDIATE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory of the task log (and the sandbox directories)
    #[arg(long, value_name = "PATH", env = "REMEDIATE_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Block sign-in for users
    Disable(ActionArgs),
    /// Unblock sign-in for users
    Enable(ActionArgs),
    /// Set a random temporary password and force a change at next sign-in (revokes sessions too)
    ResetPassword(ResetPasswordArgs),
    /// Invalidate sign-in sessions and refresh tokens
    RevokeSessions(ActionArgs),
    /// Require MFA (or phishing-resistant MFA) at next sign-in, by adding users to the tenant's MFA group
    EnforceMfa(EnforceMfaArgs),
    /// Remove active admin role assignments (all, or the named ones)
    RemoveRoles(RemoveRolesArgs),
    /// Remove group memberships (all, or the named ones); dynamic and synced groups are skipped
    RemoveGroups(RemoveGroupsArgs),
    /// Add users to the tenant's restricted group
    Restrict(ActionArgs),
    /// Remove users from the tenant's restricted group
    Unrestrict(ActionArgs),
    /// Run mixed actions from a CSV (`action,user[,tenant][,description][,group][,role]`)
    Bulk(BulkArgs),
    /// Show a batch and its tasks
    Status(StatusArgs),
    /// Approve a batch that is pending approval, and run it
    Approve(BatchIdArgs),
    /// Reject a batch that is pending approval; nothing of it runs
    Reject(RejectArgs),
    /// Run again the tasks of a batch that were unsuccessful or interrupted
    Retry(BatchIdArgs),
    /// Reverse what a batch changed, from the state it recorded before acting
    Undo(UndoArgs),
    /// Undo every `--for` action whose time is up (for cron or a systemd timer)
    Expire,
    /// Search the remediation log, newest first
    History(HistoryArgs),
    /// Manage tenant profiles
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

impl Command {
    /// The action of an action command.
    pub fn action(&self) -> Option<Action> {
        Some(match self {
            Command::Disable(_) => Action::Disable,
            Command::Enable(_) => Action::Enable,
            Command::ResetPassword(_) => Action::ResetPassword,
            Command::RevokeSessions(_) => Action::RevokeSessions,
            Command::EnforceMfa(_) => Action::EnforceMfa,
            Command::RemoveRoles(_) => Action::RemoveRoles,
            Command::RemoveGroups(_) => Action::RemoveGroups,
            Command::Restrict(_) => Action::Restrict,
            Command::Unrestrict(_) => Action::Unrestrict,
            _ => return None,
        })
    }
}

/// What every action command takes.
#[derive(Debug, Clone, Args)]
pub struct ActionArgs {
    /// Users to act on (UPN, login, email or id)
    #[arg(value_name = "USER", required_unless_present = "csv")]
    pub users: Vec<String>,
    /// Read users from a CSV file with a `user` column (`-` reads standard input)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub common: RunArgs,
}

/// Options shared by action commands and `bulk`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Why (a ticket or incident id); recorded in the batch
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Resolve users, read their state and apply the guards, but change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Needed besides `--yes` when the targets exceed the tenant's `max_targets`: the exact count
    #[arg(long, value_name = "N")]
    pub i_know_this_is_many: Option<usize>,
    /// Park the batch until another operator runs `remediate approve`
    #[arg(long)]
    pub require_approval: bool,
    /// Undo it automatically after this long (`24h`, `7d`, `90m`) when `remediate expire` runs; reversible actions only
    #[arg(long = "for", value_name = "DURATION")]
    pub for_duration: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ResetPasswordArgs {
    #[command(flatten)]
    pub base: ActionArgs,
    /// Do not revoke sessions after the reset
    #[arg(long)]
    pub keep_sessions: bool,
    /// Require MFA before the user can choose a new password (Entra)
    #[arg(long)]
    pub with_mfa: bool,
    /// Print the temporary passwords on the terminal (refused when stdout is not a terminal)
    #[arg(long)]
    pub show_password: bool,
    /// Write the temporary passwords to this file (created 0600; must not exist)
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct EnforceMfaArgs {
    #[command(flatten)]
    pub base: ActionArgs,
    /// Require phishing-resistant MFA (FIDO2, Windows Hello, certificate) instead of any MFA
    #[arg(long)]
    pub phishing_resistant: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RemoveRolesArgs {
    #[command(flatten)]
    pub base: ActionArgs,
    /// Only this role (name or id; repeatable); default: every active admin role
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RemoveGroupsArgs {
    #[command(flatten)]
    pub base: ActionArgs,
    /// Only this group (name or id; repeatable); default: every removable membership
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct BulkArgs {
    /// CSV with an `action` and a `user` column (`-` reads standard input)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub common: RunArgs,
    /// Write temporary passwords of `reset-password` rows to this file (created 0600)
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// The batch id (or a unique prefix of at least 8 characters)
    #[arg(value_name = "BATCH_ID")]
    pub batch_id: String,
    /// Refresh until the batch is finished
    #[arg(long)]
    pub watch: bool,
    /// Exit with the code of the batch's status (0 successful, 3 partial, 1 unsuccessful, ...)
    #[arg(long)]
    pub exit_status: bool,
    /// List every task in a table, even in large batches
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BatchIdArgs {
    /// The batch id (or a unique prefix of at least 8 characters)
    #[arg(value_name = "BATCH_ID")]
    pub batch_id: String,
}

#[derive(Debug, Clone, Args)]
pub struct RejectArgs {
    /// The batch id (or a unique prefix of at least 8 characters)
    #[arg(value_name = "BATCH_ID")]
    pub batch_id: String,
    /// Why it is rejected; recorded in the batch
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

#[derive(Debug, Clone, Args)]
pub struct UndoArgs {
    /// The batch id (or a unique prefix of at least 8 characters)
    #[arg(value_name = "BATCH_ID")]
    pub batch_id: String,
    /// Reverse even what someone else changed since the batch ran
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Only batches that acted on this user
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Only batches with this action
    #[arg(long, value_name = "ACTION", value_parser = parse_action)]
    pub action: Option<Action>,
    /// Only batches with this status
    #[arg(long, value_name = "STATUS", value_parser = parse_status)]
    pub status: Option<Status>,
    /// Only batches created since this time: a timestamp (2026-11-20T08:00:00Z), a date or an age (`7d`, `12h`)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most this many batches
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Check the log's hash chain and report the first record that was altered or removed
    #[arg(long)]
    pub verify: bool,
}

fn parse_action(s: &str) -> Result<Action, String> {
    let a: Action = s.parse()?;
    if Action::USER_FACING.contains(&a) { Ok(a) } else { Err(format!("unknown action `{s}`")) }
}

fn parse_status(s: &str) -> Result<Status, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Add (or replace) a tenant profile; stores its secret in the OS keyring
    Add(TenantAddArgs),
    /// List the tenant profiles
    List,
    /// Show one tenant profile and where its secret comes from
    Show {
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Remove a tenant profile and its keyring secret
    Remove {
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Check credentials and the permissions every action needs
    Test {
        /// The tenant (default: the selected one)
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct TenantAddArgs {
    /// Profile name (letters, digits, `-`, `_`, `.`)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Identity system
    #[arg(long, value_enum)]
    pub provider: ProviderKind,
    /// Read the secret (client secret, API token, bind password) from standard input
    #[arg(long)]
    pub secret_stdin: bool,
    /// Replace an existing profile of that name
    #[arg(long)]
    pub force: bool,
    /// Make it the default tenant
    #[arg(long)]
    pub default: bool,

    /// entra: directory (tenant) id
    #[arg(long, help_heading = "Entra ID")]
    pub tenant_id: Option<String>,
    /// entra, okta: application (client) id
    #[arg(long, help_heading = "Entra ID")]
    pub client_id: Option<String>,
    /// entra: PEM with the certificate and private key (else a client secret is used)
    #[arg(long, value_name = "PEM", help_heading = "Entra ID")]
    pub certificate: Option<PathBuf>,
    /// entra: national cloud
    #[arg(long, value_enum, help_heading = "Entra ID")]
    pub cloud: Option<Cloud>,
    /// entra: Graph endpoint override (proxies, tests)
    #[arg(long, value_name = "URL", help_heading = "Entra ID")]
    pub graph_url: Option<String>,
    /// entra: token endpoint host override
    #[arg(long, value_name = "URL", help_heading = "Entra ID")]
    pub login_url: Option<String>,

    /// okta: the org URL (https://ORG.okta.com)
    #[arg(long, value_name = "URL", help_heading = "Okta")]
    pub org_url: Option<String>,
    /// okta: PEM private key of the OAuth service app (with --client-id)
    #[arg(long, value_name = "PEM", help_heading = "Okta")]
    pub private_key: Option<PathBuf>,

    /// google: the Workspace primary domain
    #[arg(long, help_heading = "Google Workspace")]
    pub domain: Option<String>,
    /// google: the admin the service account impersonates
    #[arg(long, value_name = "EMAIL", help_heading = "Google Workspace")]
    pub admin_email: Option<String>,
    /// google: the service account key file (JSON)
    #[arg(long, value_name = "JSON", help_heading = "Google Workspace")]
    pub service_account_file: Option<PathBuf>,
    /// google: Directory API endpoint override
    #[arg(long, value_name = "URL", help_heading = "Google Workspace")]
    pub api_url: Option<String>,
    /// google: token endpoint override
    #[arg(long, value_name = "URL", help_heading = "Google Workspace")]
    pub token_url: Option<String>,

    /// ad: ldaps://HOST:636 (or ldap://HOST:389, upgraded with StartTLS)
    #[arg(long, value_name = "URL", help_heading = "Active Directory")]
    pub url: Option<String>,
    /// ad: the account to bind as (DN or user@realm)
    #[arg(long, value_name = "DN", help_heading = "Active Directory")]
    pub bind_dn: Option<String>,
    /// ad: where users and groups are searched
    #[arg(long, value_name = "DN", help_heading = "Active Directory")]
    pub base_dn: Option<String>,
    /// ad: PEM with the CA that signed the server certificate
    #[arg(long, value_name = "PEM", help_heading = "Active Directory")]
    pub ca_file: Option<PathBuf>,
    /// ad: skip certificate verification (refused unless the host is loopback)
    #[arg(long, help_heading = "Active Directory")]
    pub insecure_skip_verify: bool,

    /// sandbox: seed this many generic users (`user00001@NAME.test`, ...)
    #[arg(long, value_name = "N", help_heading = "Sandbox")]
    pub users: Option<u32>,
    /// sandbox: added to every provider call
    #[arg(long, value_name = "MS", help_heading = "Sandbox")]
    pub latency_ms: Option<u64>,
    /// sandbox: probability (0 to 1) that a write fails
    #[arg(long, value_name = "P", help_heading = "Sandbox")]
    pub fail_rate: Option<f64>,

    /// Group `restrict` adds users to (id or name)
    #[arg(long, value_name = "GROUP", help_heading = "Every provider")]
    pub restricted_group: Option<String>,
    /// Group `enforce-mfa` adds users to (a Conditional Access / sign-on policy targets it)
    #[arg(long, value_name = "GROUP", help_heading = "Every provider")]
    pub mfa_group: Option<String>,
    /// Group `enforce-mfa --phishing-resistant` adds users to
    #[arg(long, value_name = "GROUP", help_heading = "Every provider")]
    pub phishing_resistant_mfa_group: Option<String>,
    /// An account that is never touched (break-glass, service accounts); repeatable
    #[arg(long, value_name = "USER", help_heading = "Every provider")]
    pub protected: Vec<String>,
    /// Above this many targets `--yes` also needs `--i-know-this-is-many N` (default 500)
    #[arg(long, value_name = "N", help_heading = "Every provider")]
    pub max_targets: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
