//! The provider abstraction: one small trait that every identity system implements.
//!
//! A provider resolves a user, reads its state and applies one action to it, idempotently
//! (`changed: false` when the user is already in the requested state). Configuration, HTTP,
//! retries, tokens and throttling live beside the trait in each provider's module, not in
//! it. Guards, confirmation, concurrency and the task log are the engine's business.

pub mod ad;
pub mod entra;
pub mod sandbox;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::config::{ProviderConfig, TenantProfile};
use crate::error::ProviderError;
use crate::model::{Action, ActionParams};
use crate::secret::Secret;

/// The kinds of identity system `remediate` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Entra,
    Okta,
    Google,
    Ad,
    Sandbox,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Entra => "entra",
            ProviderKind::Okta => "okta",
            ProviderKind::Google => "google",
            ProviderKind::Ad => "ad",
            ProviderKind::Sandbox => "sandbox",
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as the provider knows it, after resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    /// The provider's stable id (Entra object id, AD DN, sandbox id).
    pub id: String,
    /// The canonical sign-in name (UPN, login, sAMAccountName@realm).
    pub name: String,
}

/// What the engine needs to know about a user before acting: guards and dry-run read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    /// Whether sign-in is enabled; `None` where the provider cannot say.
    pub enabled: Option<bool>,
    /// Holds the tenant's top admin role (Global Administrator, super admin, Domain Admins).
    pub top_admin: bool,
    /// Mastered in on-premises AD and synced to this (cloud) tenant.
    pub synced: bool,
    /// The account the tool itself authenticates as.
    pub is_self: bool,
    /// Groups (ids and names) through which the user holds the top admin role: removing
    /// the user from one of them takes the role away as surely as `remove-roles` does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_admin_groups: Vec<String>,
    /// Provider-specific facts worth showing in a dry run (groups, roles, ...).
    #[serde(default)]
    pub details: serde_json::Value,
}

/// Apply for real, or only say what would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    DryRun,
}

/// Everything `apply` needs besides the user and the action.
#[derive(Debug, Clone, Copy)]
pub struct ApplyContext<'a> {
    pub mode: Mode,
    pub params: &'a ActionParams,
    /// For the inverse actions (`restore-groups`, `restore-roles`, ...): the `before` value
    /// recorded by the result being undone.
    pub restore: Option<&'a serde_json::Value>,
    /// State read just before; providers may re-read where a race matters.
    pub state: &'a UserState,
}

/// What one `apply` did (or, in a dry run, would do).
#[derive(Debug, Default)]
pub struct Outcome {
    pub changed: bool,
    pub message: String,
    /// What undo needs to reverse this outcome.
    pub before: serde_json::Value,
    pub after: serde_json::Value,
    pub request_id: Option<String>,
    pub warnings: Vec<String>,
    /// A generated password: shown or written only where the operator asked, never logged.
    pub secret: Option<Secret>,
}

/// One line of `tenant test`: whether the credential can do what an action needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What was checked: `token`, `bind`, or an action name.
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// What to grant when not ok.
    #[serde(default)]
    pub hint: Option<String>,
}

/// An identity system the engine can act on.
#[async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    /// `Err` with kind `unsupported` (and a hint) when this provider cannot do `action`.
    fn supports(&self, action: Action) -> Result<(), ProviderError>;

    /// Find a user by whatever the operator typed (UPN, login, mail, id).
    async fn resolve(&self, user: &str) -> Result<UserRef, ProviderError>;

    async fn state(&self, user: &UserRef) -> Result<UserState, ProviderError>;

    /// Apply `action`; idempotent, and records in `Outcome::before` what undo needs.
    async fn apply(&self, user: &UserRef, action: Action, ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError>;

    /// Ids of the enabled holders of the top admin role, for the last-admin guard.
    async fn top_admins(&self) -> Result<Vec<String>, ProviderError>;

    /// Check credentials and, per action, the permissions it needs (`tenant test`).
    async fn check(&self) -> Result<Vec<Check>, ProviderError>;
}

/// Where providers keep files of their own (the sandbox directory).
#[derive(Debug, Clone)]
pub struct ProviderEnv {
    pub state_dir: std::path::PathBuf,
}

/// Build the provider for a tenant profile. Secrets are looked up here, once per run.
pub fn build(profile: &TenantProfile, env: &ProviderEnv) -> Result<Arc<dyn Provider>, crate::error::Error> {
    match &profile.provider {
        ProviderConfig::Sandbox(_) => Ok(Arc::new(sandbox::Sandbox::open(profile, env)?)),
        ProviderConfig::Entra(_) => entra::build(profile),
        ProviderConfig::Ad(_) => Ok(Arc::new(ad::Ad::from_profile(profile)?)),
        other => Err(crate::error::Error::ProviderNotBuilt { tenant: profile.name.clone(), provider: other.kind() }),
    }
}
