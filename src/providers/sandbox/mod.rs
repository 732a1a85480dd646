//! The `sandbox` provider: a stateful practice directory stored in the state dir, one per
//! tenant, that behaves like a small Entra ID tenant (users, static / dynamic / synced
//! groups, admin roles). It backs the built-in `demo` tenant (DESIGN.md §2) and
//! `provider = "sandbox"` tenants with `users = N`, with optional latency and failure
//! injection for trying bulk runs, retries and interruptions without any real account.
//!
//! `directory` holds the data, `seed` its deterministic start, `actions` what each action
//! does, `store` the snapshot + journal persistence shared by concurrent processes.

mod actions;
mod directory;
mod seed;
mod store;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

pub use directory::{AssignmentRecord, Change, JournalEntry};

use super::{ApplyContext, Check, Mode, Outcome, Provider, ProviderEnv, ProviderKind, UserRef, UserState};
use crate::config::{CommonSettings, ProviderConfig, SandboxConfig, TenantProfile};
use crate::error::{Error, ProviderError};
use crate::model::{Action, ErrorKind};
use directory::{Directory, Lookup, Seed, password_digest};
use store::{Paths, Store};

/// A sandbox tenant, open on its store.
pub struct Sandbox {
    tenant: String,
    common: CommonSettings,
    config: SandboxConfig,
    paths: Paths,
    inner: Mutex<Inner>,
}

struct Inner {
    dir: Directory,
    store: Store,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("tenant", &self.tenant).field("dir", &self.paths.dir).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Open the tenant's practice directory under `env.state_dir/sandbox/NAME`, seeding it
    /// on first use and replaying what earlier runs changed.
    pub fn open(profile: &TenantProfile, env: &ProviderEnv) -> Result<Sandbox, Error> {
        Sandbox::open_with(profile, env, None)
    }

    fn open_with(profile: &TenantProfile, env: &ProviderEnv, compact_after: Option<u64>) -> Result<Sandbox, Error> {
        let ProviderConfig::Sandbox(config) = &profile.provider else {
            return Err(Error::Profile {
                tenant: profile.name.clone(),
                message: format!("provider `{}` is not `sandbox`", profile.provider.kind()),
                hint: None,
            });
        };
        // The name becomes a directory name: never let it climb out of the state dir.
        crate::config::validate_name(&profile.name)?;
        let paths = Paths::new(&env.state_dir, &profile.name);
        let seed = Seed { users: config.users };
        let (store, dir) = Store::open(paths.clone(), &profile.name, seed, compact_after).map_err(|e| {
            Error::io(
                format!(
                    "cannot open the practice directory of sandbox `{}` at `{}` (delete that directory to re-seed it)",
                    profile.name,
                    paths.dir.display()
                ),
                e,
            )
        })?;
        Ok(Sandbox {
            tenant: profile.name.clone(),
            common: profile.common.clone(),
            config: config.clone(),
            paths,
            inner: Mutex::new(Inner { dir, store }),
        })
    }

    /// Delete a tenant's practice directory; the next open seeds it afresh (for
    /// `tenant remove` and "start over").
    pub fn remove_state(state_dir: &Path, tenant: &str) -> std::io::Result<()> {
        store::remove(state_dir, tenant)
    }

    /// The journal entries of a tenant still on disk, in order (see [`JournalEntry`] for
    /// the line format). Tests count them to prove nothing was applied twice.
    pub fn journal_entries(state_dir: &Path, tenant: &str) -> std::io::Result<Vec<JournalEntry>> {
        store::journal_entries(state_dir, tenant)
    }

    /// Whether `candidate` is the password last set on `user` by `reset-password` (only
    /// a salted digest is stored), so tests can check what the operator was handed.
    pub fn password_matches(&self, user: &UserRef, candidate: &str) -> bool {
        let Ok((inner, u)) = self.user(&user.id) else { return false };
        inner.dir.users[u as usize].password_sha256() == Some(password_digest(&user.id, candidate).as_str())
    }

    /// Compact the journal now (tests).
    #[cfg(test)]
    fn compact_now(&self) {
        let mut inner = self.lock();
        let Inner { dir, store } = &mut *inner;
        store.compact(dir).unwrap();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the directory half-changed: the
        // store is written before memory, and memory is rebuilt from it on reload.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lock, catch up with other processes, and find the user by id.
    fn user(&self, id: &str) -> Result<(MutexGuard<'_, Inner>, u32), ProviderError> {
        let mut inner = self.lock();
        self.refresh(&mut inner)?;
        let u = inner.dir.by_id(id).ok_or_else(|| self.unknown_user(id))?;
        Ok((inner, u))
    }

    fn refresh(&self, inner: &mut Inner) -> Result<(), ProviderError> {
        let Inner { dir, store } = inner;
        store.refresh(dir).map_err(|e| self.store_error(e))
    }

    fn store_error(&self, e: std::io::Error) -> ProviderError {
        ProviderError::new(ErrorKind::Provider, format!("sandbox store `{}`: {e}", self.paths.dir.display()))
            .with_hint("check that the state dir is writable and not full; deleting the directory re-seeds the sandbox")
    }

    fn unknown_user(&self, user: &str) -> ProviderError {
        ProviderError::not_found(format!("no user `{user}` in sandbox `{}`", self.tenant)).with_hint(format!(
            "give a UPN like `{}`, an id like `u-...`, or a unique name before the `@`",
            self.example_upn()
        ))
    }

    fn example_upn(&self) -> String {
        match self.config.users {
            None => "alice@demo.test".into(),
            Some(_) => format!("user00001@{}.test", self.tenant.to_ascii_lowercase()),
        }
    }

    async fn latency(&self) {
        if self.config.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.config.latency_ms)).await;
        }
    }

    /// Failure injection: with probability `fail_rate`, this write fails before touching
    /// anything.
    fn injected_failure(&self) -> Result<(), ProviderError> {
        if self.config.fail_rate > 0.0 && rand::random::<f64>() < self.config.fail_rate {
            return Err(ProviderError::new(
                ErrorKind::Transient,
                format!("injected failure (sandbox `fail_rate` = {}); nothing was changed", self.config.fail_rate),
            )
            .with_request_id(Some(format!("sandbox-{}", uuid::Uuid::new_v4())))
            .with_hint("this sandbox fails writes on purpose; `remediate retry` the batch, or set `--fail-rate 0`"));
        }
        Ok(())
    }

    fn check_group(&self, dir: &Directory, name: &str, setting: Option<&str>, flag: &str, seeded: &str) -> Check {
        let found = setting.and_then(|s| dir.group(s));
        let (ok, detail) = match (setting, found) {
            (None, _) => (false, format!("no group configured (`{flag}`)")),
            (Some(s), None) => (false, format!("group `{s}` (`{flag}`) does not exist here")),
            (Some(_), Some(g)) => match dir.groups[g as usize].kind {
                directory::GroupKind::Static => {
                    (true, format!("adds to / removes from `{}`", dir.groups[g as usize].name))
                }
                _ => (false, format!("`{}` is dynamic or synced: it cannot take members", dir.groups[g as usize].name)),
            },
        };
        Check {
            name: name.into(),
            ok,
            detail,
            hint: (!ok)
                .then(|| format!("set `{flag} {seeded}` on tenant `{}` (a static group of this sandbox)", self.tenant)),
        }
    }
}

#[async_trait]
impl Provider for Sandbox {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Sandbox
    }

    fn supports(&self, _action: Action) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn resolve(&self, user: &str) -> Result<UserRef, ProviderError> {
        self.latency().await;
        let mut inner = self.lock();
        self.refresh(&mut inner)?;
        match inner.dir.lookup(user) {
            Lookup::Found(u) => {
                let u = &inner.dir.users[u as usize];
                Ok(UserRef { id: u.id.to_string(), name: u.upn.to_string() })
            }
            Lookup::Ambiguous => Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("`{}` matches users in more than one domain of sandbox `{}`", user.trim(), self.tenant),
            )
            .with_hint("give the full UPN")),
            Lookup::Missing => Err(self.unknown_user(user.trim())),
        }
    }

    async fn state(&self, user: &UserRef) -> Result<UserState, ProviderError> {
        self.latency().await;
        let (inner, u) = self.user(&user.id)?;
        let dir = &inner.dir;
        let rec = &dir.users[u as usize];
        let groups: Vec<&str> = dir.memberships(u).iter().map(|g| &*dir.groups[*g as usize].name).collect();
        let roles: Vec<&str> = rec.roles.iter().map(|a| &*dir.roles[a.role as usize].name).collect();
        Ok(UserState {
            enabled: Some(rec.enabled),
            top_admin: dir.holds_top_role(u),
            synced: rec.synced,
            is_self: false,
            // The sandbox grants roles directly, never through a group.
            top_admin_groups: Vec::new(),
            details: json!({
                "id": &*rec.id,
                "upn": &*rec.upn,
                "groups": groups,
                "roles": roles,
                "forceChangePasswordNextSignIn": rec.must_change_password(),
                "signInSessionsValidFromDateTime": rec.sessions_valid_from(),
            }),
        })
    }

    async fn apply(&self, user: &UserRef, action: Action, ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        self.latency().await;
        let cx = actions::Ctx {
            tenant: &self.tenant,
            common: &self.common,
            mode: ctx.mode,
            params: ctx.params,
            restore: ctx.restore,
            now: jiff::Timestamp::now(),
        };
        let missing = |dir: &Directory| dir.by_id(&user.id).ok_or_else(|| self.unknown_user(&user.id));
        if ctx.mode == Mode::DryRun {
            let (inner, u) = self.user(&user.id)?;
            return actions::plan(&inner.dir, u, action, &cx).map(|(o, _)| o);
        }
        self.injected_failure()?;
        let mut inner = self.lock();
        let Inner { dir, store } = &mut *inner;
        store
            .mutate(dir, |dir| {
                let u = missing(dir)?;
                actions::plan(dir, u, action, &cx)
            })
            .map_err(|e| self.store_error(e))?
    }

    async fn top_admins(&self) -> Result<Vec<String>, ProviderError> {
        self.latency().await;
        let mut inner = self.lock();
        self.refresh(&mut inner)?;
        let dir = &inner.dir;
        Ok(dir.top_admins().into_iter().map(|u| dir.users[u as usize].id.to_string()).collect())
    }

    async fn check(&self) -> Result<Vec<Check>, ProviderError> {
        let mut inner = self.lock();
        self.refresh(&mut inner)?;
        let Inner { dir, store } = &*inner;
        let c = &self.common;
        let mut checks = Vec::new();
        let mut store_detail = format!(
            "practice directory at `{}`: {} users, {} groups, {} roles; {} journaled change{} since the last compaction",
            store.paths().dir.display(),
            dir.users.len(),
            dir.groups.len(),
            dir.roles.len(),
            store.entries(),
            if store.entries() == 1 { "" } else { "s" }
        );
        if store.skipped() > 0 {
            store_detail.push_str(&format!("; {} unreadable journal lines skipped", store.skipped()));
        }
        checks.push(Check { name: "store".into(), ok: store.skipped() == 0, detail: store_detail, hint: None });
        for action in Action::USER_FACING {
            let name = action.as_str();
            let simple = |detail: &str| Check { name: name.into(), ok: true, detail: detail.into(), hint: None };
            checks.push(match action {
                Action::Disable => simple("sets accountEnabled = false"),
                Action::Enable => simple("sets accountEnabled = true"),
                Action::ResetPassword => {
                    simple("sets a random password to change at next sign-in; fails for synced users, as Entra does")
                }
                Action::RevokeSessions => simple("moves signInSessionsValidFromDateTime to now"),
                Action::RemoveRoles => simple("removes role assignments; restore-roles re-creates them"),
                Action::RemoveGroups => simple("removes static memberships; skips dynamic and synced groups"),
                Action::EnforceMfa => {
                    let mut check = self.check_group(dir, name, c.mfa_group.as_deref(), "--mfa-group", "mfa-required");
                    let pr = self.check_group(
                        dir,
                        name,
                        c.phishing_resistant_mfa_group.as_deref(),
                        "--phishing-resistant-mfa-group",
                        "mfa-phishing-resistant",
                    );
                    check.detail.push_str(&format!("; --phishing-resistant: {}", pr.detail));
                    if check.ok && !pr.ok {
                        check.hint = pr.hint;
                    }
                    check
                }
                _ => {
                    self.check_group(dir, name, c.restricted_group.as_deref(), "--restricted-group", "restricted-users")
                }
            });
        }
        Ok(checks)
    }
}
