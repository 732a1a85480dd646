//! The Entra ID provider: every action through Microsoft Graph v1.0, app-only.
//!
//! This file is the `Provider` implementation: resolving users, reading their state, and
//! each action with its before-state for undo. HTTP, retries, throttling and `$batch` live
//! in `client`, tokens in `auth`, URL and OData encoding in `encode`, the permission table
//! in `permissions`. The calls and their quirks are in api-contracts §1 (sources cited at
//! each use).

pub mod auth;
pub mod client;
pub mod encode;
pub mod permissions;
pub mod throttle;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{CommonSettings, EntraConfig, ProviderConfig, TenantProfile};
use crate::error::{Error, ProviderError};
use crate::model::{Action, ErrorKind};
use crate::secret::Secret;

use super::{ApplyContext, Check, Mode, Outcome, Provider, ProviderKind, UserRef, UserState};
use auth::{Credential, Endpoints, TokenSource};
use client::{Client, GraphRequest, GraphResponse, Tuning};
use encode::{eq_filter, is_guid, query, shown, user_path};
use permissions::Need;

pub use client::StatsSnapshot;

/// Role template id of Global Administrator (learn.microsoft.com/entra/identity/
/// role-based-access-control/permissions-reference).
pub const GLOBAL_ADMIN_ROLE: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Built-in authentication strength "Phishing-resistant MFA"
/// (learn.microsoft.com/graph/api/authenticationstrengthroot-list-policies).
pub const PHISHING_RESISTANT_STRENGTH: &str = "00000000-0000-0000-0000-000000000004";
pub const MFA_POLICY_NAME: &str = "remediate: require MFA";
pub const PHISHING_RESISTANT_POLICY_NAME: &str = "remediate: require phishing-resistant MFA";

/// User properties read on resolve: the default set lacks all of these
/// (learn.microsoft.com/graph/api/user-get, "Default properties").
const USER_SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled,userType,onPremisesSyncEnabled,\
                           onPremisesSamAccountName,signInSessionsValidFromDateTime";
const GROUP_SELECT: &str = "id,displayName,groupTypes,membershipRule,onPremisesSyncEnabled,mailEnabled,\
                            securityEnabled,isAssignableToRole";
/// How long the list of Global Administrator assignments is reused.
const GA_CACHE: Duration = Duration::from_secs(30);

/// The Entra provider for one tenant.
pub struct Entra {
    tenant: String,
    tenant_id: String,
    common: CommonSettings,
    endpoints: Endpoints,
    client: Client,
    /// Users read by `resolve`, taken by the `state` call that follows.
    users: Mutex<HashMap<String, Value>>,
    /// What `apply` wants to know about a user whose state was read: kept small, as a
    /// bulk run holds one per user.
    facts: Mutex<HashMap<String, Facts>>,
    /// Who holds Global Administrator, reused for `GA_CACHE`; `forget_ga` drops it.
    ga: tokio::sync::Mutex<Option<(Instant, Arc<GaHolders>)>>,
    groups: tokio::sync::Mutex<HashMap<String, Group>>,
    roles: tokio::sync::Mutex<HashMap<String, RoleDef>>,
    /// The conditional access policy of each strength (`true` = phishing-resistant), once
    /// found or created.
    policies: tokio::sync::Mutex<HashMap<bool, Policy>>,
    protected_ids: tokio::sync::OnceCell<(Vec<String>, Vec<String>)>,
}

impl std::fmt::Debug for Entra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entra")
            .field("tenant", &self.tenant)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

/// A user's facts that `apply` reports on (read once by `state`).
#[derive(Debug, Clone, Default)]
struct Facts {
    guest: bool,
    sessions_from: Option<String>,
}

/// Who holds an active Global Administrator assignment: users assigned it directly, and
/// the user members of role-assignable groups assigned it. Role-assignable groups cannot
/// have groups as members (learn.microsoft.com/entra/identity/role-based-access-control/
/// groups-concept, "Restrictions for role-assignable groups"), so one level is all there is.
#[derive(Debug, Default)]
struct GaHolders {
    /// Users assigned the role directly, and whether they are enabled.
    users: Vec<(String, bool)>,
    /// Groups assigned the role, with their user members.
    groups: Vec<GaGroup>,
}

#[derive(Debug)]
struct GaGroup {
    id: String,
    /// User members and whether they are enabled; a member whose `accountEnabled` Graph
    /// did not give counts as not enabled (it is then no remaining admin to rely on).
    members: Vec<(String, bool)>,
}

/// What one Global Administrator principal turned out to be.
enum GaPrincipal {
    User(String, bool),
    Group(GaGroup),
    /// A service principal: no one to sign in as.
    Other,
}

impl GaHolders {
    /// Whether the user holds the role, directly or through a group, enabled or not.
    fn holds(&self, uid: &str) -> bool {
        self.users.iter().any(|(id, _)| id == uid) || !self.groups_of(uid).is_empty()
    }

    /// Ids of the groups through which the user holds the role.
    fn groups_of(&self, uid: &str) -> Vec<&str> {
        self.groups.iter().filter(|g| g.members.iter().any(|(id, _)| id == uid)).map(|g| g.id.as_str()).collect()
    }

    /// Enabled holders, direct ones first, each once.
    fn enabled(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.users
            .iter()
            .chain(self.groups.iter().flat_map(|g| &g.members))
            .filter(|(id, enabled)| *enabled && seen.insert(id.clone()))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// A group as far as membership changes care.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    id: String,
    name: String,
    dynamic: bool,
    synced: bool,
    mail_enabled_security_or_list: bool,
    role_assignable: bool,
}

impl Group {
    fn from_json(v: &Value) -> Group {
        let types: Vec<&str> =
            v["groupTypes"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let mail = v["mailEnabled"].as_bool() == Some(true);
        Group {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            name: v["displayName"].as_str().unwrap_or_default().to_string(),
            dynamic: types.contains(&"DynamicMembership")
                || v["membershipRule"].as_str().is_some_and(|r| !r.is_empty()),
            synced: v["onPremisesSyncEnabled"].as_bool() == Some(true),
            mail_enabled_security_or_list: mail
                && (v["securityEnabled"].as_bool() == Some(true) || !types.contains(&"Unified")),
            role_assignable: v["isAssignableToRole"].as_bool() == Some(true),
        }
    }

    /// Why Graph cannot change this group's members, if it cannot (api-contracts §1.8).
    fn cannot_change(&self) -> Option<&'static str> {
        if self.dynamic {
            // "You can't remove a member from groups with dynamic memberships."
            // (learn.microsoft.com/graph/api/group-delete-members)
            Some("dynamic membership: change the rule or the user's attributes instead")
        } else if self.synced {
            // Membership is mastered on-premises; cloud writes fail (microsoft-graph-docs #7301).
            Some("synced from on-premises AD: change it on the `ad` tenant")
        } else if self.mail_enabled_security_or_list {
            // "Cannot Update a mail-enabled security groups and or distribution list."
            // (microsoft-graph-docs #14827): Exchange Online owns these.
            Some("mail-enabled security group or distribution list: change it in Exchange Online")
        } else {
            None
        }
    }

    fn as_json(&self) -> Value {
        json!({"id": self.id, "name": self.name})
    }
}

#[derive(Debug, Clone)]
struct RoleDef {
    id: String,
    name: String,
}

#[derive(Debug, Clone, Serialize)]
struct Policy {
    id: String,
    #[serde(rename = "displayName")]
    name: String,
    state: String,
    created: bool,
}

/// A role assignment (active, or PIM eligible) as `remove-roles` records it in its
/// before-state: everything `restore-roles` needs to re-create it exactly. The field names
/// are the ones every provider's before-state uses (`role_id`, `role_name`, `scope`), so
/// that undoing a restore can name the roles it re-created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RoleRecord {
    /// The active assignment's id; none for an eligibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assignment_id: Option<String>,
    /// The role definition (template) id.
    role_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role_name: Option<String>,
    /// `directoryScopeId` (`/` = the whole tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    /// `appScopeId`, for application-scoped assignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_scope: Option<String>,
    /// A PIM eligible assignment rather than an active one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    eligible: bool,
    /// When a PIM eligibility ends, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    /// An active assignment held alongside an eligibility for the same role and scope: a
    /// PIM activation, which `roleAssignments` lists like a permanent one (api-contracts
    /// §1.7). `restore-roles` must not re-create it as a permanent assignment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    activated: bool,
}

/// Mark the active assignments that are PIM activations: the user also holds an
/// eligibility for the same role and scope.
fn mark_activations(held: &mut [RoleRecord]) {
    let eligible: Vec<(String, Option<String>, Option<String>)> =
        held.iter().filter(|r| r.eligible).map(|r| (r.role_id.clone(), r.scope.clone(), r.app_scope.clone())).collect();
    for r in held.iter_mut().filter(|r| !r.eligible) {
        r.activated =
            eligible.iter().any(|(id, scope, app)| *id == r.role_id && *scope == r.scope && *app == r.app_scope);
    }
}

impl RoleRecord {
    fn label(&self) -> String {
        let name = self.role_name.clone().unwrap_or_else(|| self.role_id.clone());
        if self.eligible { format!("{name} (eligible)") } else { name }
    }

    fn scope(&self) -> &str {
        self.scope.as_deref().unwrap_or("/")
    }

    /// Put the assignment's scope into a request body: exactly one of `appScopeId` and
    /// `directoryScopeId` ("Either directoryScopeId or appScopeId is required",
    /// learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests;
    /// the same for rbacapplication-post-roleassignments).
    fn scope_into(&self, body: &mut Value) {
        match &self.app_scope {
            Some(app) => body["appScopeId"] = json!(app),
            None => body["directoryScopeId"] = json!(self.scope()),
        }
    }

    /// Same role, same scope, same kind.
    fn same(&self, other: &RoleRecord) -> bool {
        self.role_id == other.role_id
            && self.scope() == other.scope()
            && self.app_scope == other.app_scope
            && self.eligible == other.eligible
    }
}

fn labels(roles: &[RoleRecord]) -> String {
    roles.iter().map(RoleRecord::label).collect::<Vec<_>>().join(", ")
}

/// Which configured group an action uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Configured {
    Restricted,
    Mfa,
    PhishingResistant,
}

impl Configured {
    fn setting(self) -> &'static str {
        match self {
            Configured::Restricted => "restricted_group",
            Configured::Mfa => "mfa_group",
            Configured::PhishingResistant => "phishing_resistant_mfa_group",
        }
    }
    fn flag(self) -> &'static str {
        match self {
            Configured::Restricted => "--restricted-group",
            Configured::Mfa => "--mfa-group",
            Configured::PhishingResistant => "--phishing-resistant-mfa-group",
        }
    }
}

/// Result of one membership write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Membership {
    Changed,
    Unchanged,
}

impl Entra {
    /// Build from a profile, looking up the credential: the certificate file when one is
    /// configured, else the client secret (env `REMEDIATE_SECRET_<TENANT>`, then keyring).
    pub fn from_profile(profile: &TenantProfile) -> Result<Entra, Error> {
        let cfg = entra_config(profile)?;
        let credential = match &cfg.certificate {
            Some(path) => {
                Credential::Certificate(Box::new(auth::load_certificate(path, cfg.assertion_alg).map_err(|e| {
                    Error::Profile { tenant: profile.name.clone(), message: e.message, hint: Some(e.hint) }
                })?))
            }
            None => Credential::Secret(crate::secret::lookup(&profile.name)?.0),
        };
        Entra::new(profile, credential, Tuning::default())
    }

    /// Build with a credential in hand (tests, the benchmark).
    pub fn new(profile: &TenantProfile, credential: Credential, tuning: Tuning) -> Result<Entra, Error> {
        let cfg = entra_config(profile)?;
        let profile_err =
            |message: String, hint: Option<String>| Error::Profile { tenant: profile.name.clone(), message, hint };
        if cfg.tenant_id.trim().is_empty() || cfg.client_id.trim().is_empty() {
            return Err(profile_err("`tenant_id` and `client_id` are required".into(), None));
        }
        let endpoints = Endpoints::new(cfg).map_err(|m| profile_err(m, None))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("remediate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| profile_err(format!("cannot set up HTTPS: {e}"), None))?;
        let tokens =
            TokenSource::new(http.clone(), endpoints.clone(), cfg.tenant_id.clone(), cfg.client_id.clone(), credential);
        let canonical = format!("{}/v1.0", endpoints.cloud_graph);
        let client = Client::new(http, endpoints.graph_v1(), &canonical, tokens, tuning);
        Ok(Entra {
            tenant: profile.name.clone(),
            tenant_id: cfg.tenant_id.clone(),
            common: profile.common.clone(),
            endpoints,
            client,
            users: Mutex::new(HashMap::new()),
            facts: Mutex::new(HashMap::new()),
            ga: tokio::sync::Mutex::new(None),
            groups: tokio::sync::Mutex::new(HashMap::new()),
            roles: tokio::sync::Mutex::new(HashMap::new()),
            policies: tokio::sync::Mutex::new(HashMap::new()),
            protected_ids: tokio::sync::OnceCell::new(),
        })
    }

    /// HTTP counters (requests, `$batch` requests, 429s, retries).
    pub fn stats(&self) -> StatsSnapshot {
        self.client.stats()
    }

    /// The write rate the adaptive limiter settled on, if it had to limit.
    pub fn learned_write_rate(&self) -> Option<f64> {
        self.client.throttle().snapshot().rate
    }

    fn facts(&self, user: &UserRef) -> Facts {
        self.facts.lock().expect("facts lock").get(&user.id).cloned().unwrap_or_default()
    }

    // ---- errors -------------------------------------------------------------------

    /// Classify a Graph error answer for `what` (e.g. "disable `alice@x`"); a 403 names
    /// the permission `need` (or the Entra role, when the token already holds it).
    async fn fail(&self, r: &GraphResponse, what: &str, action: Option<Action>, need: Need) -> ProviderError {
        let e = r.error();
        let kind = match r.status {
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::Throttled,
            400 | 405 | 409 | 412 | 422 => ErrorKind::InvalidRequest,
            s if s >= 500 => ErrorKind::Transient,
            _ => ErrorKind::Provider,
        };
        let err = ProviderError::new(kind, format!("{what}: {e}")).with_request_id(e.request_id.clone());
        match kind {
            ErrorKind::Authentication => err.with_hint(format!(
                "Graph rejected the app's token; check `tenant_id`, `client_id` and the credential of `{}` with \
                 `remediate tenant test {}`",
                self.tenant, self.tenant
            )),
            ErrorKind::Permission => {
                let roles = self.client.tokens().token().await.ok().map(|t| t.roles.clone());
                err.with_hint(permissions::denied_hint(action, need, roles.as_deref()))
            }
            _ => err,
        }
    }

    // ---- users --------------------------------------------------------------------

    async fn read_user(&self, key: &str) -> Result<Result<Value, GraphResponse>, ProviderError> {
        self.client.get(&format!("{}{}", user_path(key), query(&[("$select", USER_SELECT)]))).await
    }

    fn user_ref(&self, v: &Value) -> Result<UserRef, ProviderError> {
        let id = v["id"]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ProviderError::new(ErrorKind::Provider, "Graph returned a user without an `id`"))?;
        let name = v["userPrincipalName"].as_str().unwrap_or(id);
        self.users.lock().expect("users lock").insert(id.to_string(), v.clone());
        Ok(UserRef { id: id.to_string(), name: name.to_string() })
    }

    /// Who holds an active Global Administrator assignment (cached for `GA_CACHE` unless
    /// `fresh`): the assignments, then each principal read as a user, and when it is not
    /// one, as a group whose members are listed. A member read that fails is an error, never
    /// a group counted as empty: the last-admin guard must not lose admins it cannot see.
    async fn ga_holders(&self, fresh: bool) -> Result<Arc<GaHolders>, ProviderError> {
        let mut cache = self.ga.lock().await;
        if !fresh
            && let Some((at, holders)) = cache.as_ref()
            && at.elapsed() < GA_CACHE
        {
            return Ok(holders.clone());
        }
        let path = format!(
            "/roleManagement/directory/roleAssignments{}",
            query(&[("$filter", &eq_filter("roleDefinitionId", GLOBAL_ADMIN_ROLE))])
        );
        let list = match self.client.get_all(&path, client::Lane::Read).await? {
            Ok(v) => v,
            Err(r) => {
                return Err(self
                    .fail(&r, "read the Global Administrator assignments", None, permissions::READ_ROLES)
                    .await);
            }
        };
        let principals: Vec<String> = {
            let mut seen = HashSet::new();
            list.iter()
                .filter_map(|a| a["principalId"].as_str())
                .filter(|p| seen.insert(p.to_string()))
                .map(str::to_string)
                .collect()
        };
        let mut holders = GaHolders::default();
        for p in join_all(principals.iter().map(|p| self.ga_principal(p))).await {
            match p? {
                GaPrincipal::User(id, enabled) => holders.users.push((id, enabled)),
                GaPrincipal::Group(g) => holders.groups.push(g),
                GaPrincipal::Other => {}
            }
        }
        let holders = Arc::new(holders);
        *cache = Some((Instant::now(), holders.clone()));
        Ok(holders)
    }

    /// One Global Administrator principal: a user, a role-assignable group (`/users/{id}`
    /// answers 404 for it), or neither (a service principal: 404 on both).
    async fn ga_principal(&self, p: &str) -> Result<GaPrincipal, ProviderError> {
        let user = format!("/users/{}{}", encode::segment(p), query(&[("$select", "id,accountEnabled")]));
        match self.client.get(&user).await? {
            Ok(v) => return Ok(GaPrincipal::User(p.to_string(), v["accountEnabled"].as_bool() != Some(false))),
            Err(r) if r.status == 404 => {}
            Err(r) => return Err(self.fail(&r, "read a Global Administrator", None, permissions::READ_USER).await),
        }
        // Direct members, every page (learn.microsoft.com/graph/api/group-list-members;
        // `@odata.nextLink` followed verbatim by `get_all`). The list holds directoryObjects:
        // only `#microsoft.graph.user` members are people; service principals have an
        // `accountEnabled` too and are left out. Without a permission to read users Graph
        // returns members "with limited information" (id and type, properties null), hence
        // `accountEnabled` must be `true` to count (permissions-overview, "Limited
        // information returned for inaccessible member objects").
        let members = format!("/groups/{}/members{}", encode::segment(p), query(&[("$select", "id,accountEnabled")]));
        match self.client.get_all(&members, client::Lane::Read).await? {
            Ok(list) => Ok(GaPrincipal::Group(GaGroup {
                id: p.to_string(),
                members: list
                    .iter()
                    .filter_map(|m| {
                        let id = m["id"].as_str().filter(|s| !s.is_empty())?;
                        // Without a type (Graph always sends one here) the member still
                        // holds the role for its own state, but is no admin to rely on.
                        let (user, known) = match m["@odata.type"].as_str() {
                            Some(t) => (t == "#microsoft.graph.user", true),
                            None => (true, false),
                        };
                        user.then(|| (id.to_string(), known && m["accountEnabled"].as_bool() == Some(true)))
                    })
                    .collect(),
            })),
            Err(r) if r.status == 404 => Ok(GaPrincipal::Other),
            Err(r) => Err(self
                .fail(
                    &r,
                    &format!("list the members of group `{p}`, which holds Global Administrator"),
                    None,
                    permissions::READ_GA_MEMBERS,
                )
                .await),
        }
    }

    async fn forget_ga(&self) {
        *self.ga.lock().await = None;
    }

    /// After a membership write to a role-assignable group: it may hold Global
    /// Administrator, so who holds it is read again.
    async fn forget_ga_if_holder(&self, g: &Group) {
        if g.role_assignable {
            self.forget_ga().await;
        }
    }

    // ---- groups -------------------------------------------------------------------

    /// A group by object id or display name; the name goes into an escaped `$filter`.
    async fn group(&self, key: &str, purpose: &str) -> Result<Group, ProviderError> {
        let key = key.trim();
        if let Some(g) = self.groups.lock().await.get(key) {
            return Ok(g.clone());
        }
        let not_found = || {
            ProviderError::not_found(format!("no group `{}` ({purpose}) in tenant `{}`", shown(key), self.tenant))
                .with_hint("give the group's display name or object id; check it in the Entra admin center")
        };
        let g = if is_guid(key) {
            match self.client.get(&format!("/groups/{key}{}", query(&[("$select", GROUP_SELECT)]))).await? {
                Ok(v) => Group::from_json(&v),
                Err(r) if r.status == 404 => return Err(not_found().with_request_id(r.error().request_id)),
                Err(r) => {
                    return Err(self.fail(&r, &format!("read group `{key}`"), None, permissions::READ_GROUPS).await);
                }
            }
        } else {
            let path =
                format!("/groups{}", query(&[("$filter", &eq_filter("displayName", key)), ("$select", GROUP_SELECT)]));
            let found = match self.client.get_all(&path, client::Lane::Read).await? {
                Ok(v) => v,
                Err(r) => {
                    return Err(self
                        .fail(&r, &format!("look up group `{}`", shown(key)), None, permissions::READ_GROUPS)
                        .await);
                }
            };
            match found.as_slice() {
                [] => return Err(not_found()),
                [one] => Group::from_json(one),
                many => {
                    let ids: Vec<&str> = many.iter().filter_map(|g| g["id"].as_str()).collect();
                    return Err(ProviderError::new(
                        ErrorKind::InvalidRequest,
                        format!("`{}` names {} groups in tenant `{}`", shown(key), many.len(), self.tenant),
                    )
                    .with_hint(format!("give the object id of the one you mean: {}", ids.join(", "))));
                }
            }
        };
        let mut cache = self.groups.lock().await;
        cache.insert(key.to_string(), g.clone());
        cache.insert(g.id.clone(), g.clone());
        Ok(g)
    }

    async fn configured_group(&self, which: Configured) -> Result<Group, ProviderError> {
        let setting = match which {
            Configured::Restricted => &self.common.restricted_group,
            Configured::Mfa => &self.common.mfa_group,
            Configured::PhishingResistant => &self.common.phishing_resistant_mfa_group,
        };
        let Some(key) = setting.as_deref().filter(|s| !s.trim().is_empty()) else {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("no `{}` is configured for tenant `{}`", which.setting(), self.tenant),
            )
            .with_hint(format!(
                "set it with `remediate tenant add {} --provider entra ... {} GROUP` (a group's name or object id)",
                self.tenant,
                which.flag()
            )));
        };
        let g = self.group(key, which.setting()).await?;
        if let Some(why) = g.cannot_change() {
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("the {} `{}` cannot take members from Graph ({why})", which.setting(), g.name),
            )
            .with_hint(format!("configure a static cloud security group as `{}`", which.setting())));
        }
        Ok(g)
    }

    /// The user's direct group memberships, every page.
    async fn member_of(&self, user: &UserRef, action: Action) -> Result<Vec<Group>, ProviderError> {
        // The cast segment returns groups only (no directory roles or administrative
        // units). "ConsistencyLevel: eventual. This header and `$count` are required when
        // using the `$search`, `$filter`, `$orderby`, or OData cast query parameters"
        // (learn.microsoft.com/graph/api/user-list-memberof, Request headers); the header
        // goes with every next page too.
        let path = format!(
            "{}/memberOf/microsoft.graph.group{}",
            user_path(&user.id),
            query(&[("$select", GROUP_SELECT), ("$count", "true")])
        );
        let req = GraphRequest::get(path).header("ConsistencyLevel", "eventual");
        match self.client.get_all_req(req).await? {
            Ok(v) => Ok(v.iter().map(Group::from_json).collect()),
            Err(r) => Err(self
                .fail(
                    &r,
                    &format!("list the groups of `{}`", shown(&user.name)),
                    Some(action),
                    permissions::READ_GROUPS,
                )
                .await),
        }
    }

    /// `POST /groups/{gid}/members/$ref`. Already a member is no change: Graph answers 400
    /// "One or more added object references already exist for the following modified
    /// properties: 'members'." (api-contracts §1.8; the code is the generic
    /// `Request_BadRequest`, so the message is what tells it apart). That text is not
    /// documented (learn.microsoft.com/graph/api/group-post-members documents only "400
    /// Bad Request"), so it is only a fast path: any other 400 is checked by reading the
    /// user's groups, and a user found in the group is no change either.
    async fn add_member(
        &self,
        g: &Group,
        user: &UserRef,
        action: Action,
    ) -> Result<(Membership, Option<String>), ProviderError> {
        let r = self
            .client
            .send(GraphRequest::post(
                format!("/groups/{}/members/$ref", g.id),
                Some(json!({"@odata.id": self.endpoints.odata_id(&user.id)})),
            ))
            .await?;
        self.forget_ga_if_holder(g).await;
        if r.ok() {
            return Ok((Membership::Changed, r.request_id));
        }
        if r.status == 400 && (r.error().message.contains("already exist") || self.is_member(g, user, action).await?) {
            // After an ambiguous failure, "already there" may be our own first try.
            let m = if r.ambiguous { Membership::Changed } else { Membership::Unchanged };
            return Ok((m, r.request_id));
        }
        Err(self
            .fail(
                &r,
                &format!("add `{}` to group `{}`", shown(&user.name), g.name),
                Some(action),
                permissions::WRITE_MEMBERS,
            )
            .await)
    }

    /// `DELETE /groups/{gid}/members/{uid}/$ref`: always with `/$ref`, which removes the
    /// membership; without it Graph deletes the member object itself, i.e. the user
    /// (learn.microsoft.com/graph/api/group-delete-members, "Caution"). Not a member (404)
    /// is no change.
    async fn remove_member(
        &self,
        g: &Group,
        user: &UserRef,
        action: Action,
    ) -> Result<(Membership, Option<String>), ProviderError> {
        let r = self.client.send(GraphRequest::delete(format!("/groups/{}/members/{}/$ref", g.id, user.id))).await?;
        self.forget_ga_if_holder(g).await;
        if r.ok() {
            return Ok((Membership::Changed, r.request_id));
        }
        if r.status == 404 {
            let m = if r.ambiguous { Membership::Changed } else { Membership::Unchanged };
            return Ok((m, r.request_id));
        }
        Err(self
            .fail(
                &r,
                &format!("remove `{}` from group `{}`", shown(&user.name), g.name),
                Some(action),
                permissions::WRITE_MEMBERS,
            )
            .await)
    }

    async fn is_member(&self, g: &Group, user: &UserRef, action: Action) -> Result<bool, ProviderError> {
        Ok(self.member_of(user, action).await?.iter().any(|m| m.id == g.id))
    }

    // ---- roles --------------------------------------------------------------------

    /// A role definition by id or display name.
    async fn role(&self, key: &str) -> Result<RoleDef, ProviderError> {
        let key = key.trim();
        if let Some(r) = self.roles.lock().await.get(key) {
            return Ok(r.clone());
        }
        let not_found = || {
            ProviderError::not_found(format!("no directory role `{}` in tenant `{}`", shown(key), self.tenant)).with_hint(
                "give the role's display name (e.g. `Exchange Administrator`) or its template id; the names are listed at \
                 learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference",
            )
        };
        let v = if is_guid(key) {
            match self.client.get(&format!("/roleManagement/directory/roleDefinitions/{key}")).await? {
                Ok(v) => v,
                Err(r) if r.status == 404 => return Err(not_found().with_request_id(r.error().request_id)),
                Err(r) => {
                    return Err(self.fail(&r, &format!("read role `{key}`"), None, permissions::READ_ROLES).await);
                }
            }
        } else {
            let path = format!(
                "/roleManagement/directory/roleDefinitions{}",
                query(&[("$filter", &eq_filter("displayName", key))])
            );
            match self.client.get_all(&path, client::Lane::Read).await? {
                Ok(v) => v.into_iter().next().ok_or_else(not_found)?,
                Err(r) => {
                    return Err(self
                        .fail(&r, &format!("look up role `{}`", shown(key)), None, permissions::READ_ROLES)
                        .await);
                }
            }
        };
        let def = RoleDef {
            id: v["id"].as_str().unwrap_or(key).to_string(),
            name: v["displayName"].as_str().unwrap_or(key).to_string(),
        };
        let mut cache = self.roles.lock().await;
        cache.insert(key.to_string(), def.clone());
        cache.insert(def.id.clone(), def.clone());
        Ok(def)
    }

    async fn role_name(&self, id: &str) -> Option<String> {
        self.role(id).await.ok().map(|r| r.name)
    }

    async fn active_roles(&self, user: &UserRef, action: Action) -> Result<Vec<RoleRecord>, ProviderError> {
        let path = format!(
            "/roleManagement/directory/roleAssignments{}",
            query(&[("$filter", &eq_filter("principalId", &user.id))])
        );
        match self.client.get_all(&path, client::Lane::Read).await? {
            Ok(list) => Ok(self.records(list, false).await),
            Err(r) => Err(self
                .fail(
                    &r,
                    &format!("list the role assignments of `{}`", shown(&user.name)),
                    Some(action),
                    permissions::READ_ROLES,
                )
                .await),
        }
    }

    /// PIM eligible assignments; `None` when the app may not read them (then PIM is
    /// skipped and the outcome says so): a 403 there means a missing
    /// `RoleEligibilitySchedule.Read.Directory` or a tenant without Entra ID P2.
    async fn eligible_roles(&self, user: &UserRef, action: Action) -> Result<Option<Vec<RoleRecord>>, ProviderError> {
        let path = format!(
            "/roleManagement/directory/roleEligibilityScheduleInstances{}",
            query(&[("$filter", &eq_filter("principalId", &user.id))])
        );
        match self.client.get_all(&path, client::Lane::Read).await? {
            Ok(list) => Ok(Some(self.records(list, true).await)),
            Err(r) if r.status == 403 => Ok(None),
            Err(r) => Err(self
                .fail(
                    &r,
                    &format!("list the PIM eligibilities of `{}`", shown(&user.name)),
                    Some(action),
                    permissions::READ_PIM,
                )
                .await),
        }
    }

    async fn records(&self, list: Vec<Value>, eligible: bool) -> Vec<RoleRecord> {
        let mut out = Vec::new();
        for a in list {
            let def = a["roleDefinitionId"].as_str().unwrap_or_default().to_string();
            out.push(RoleRecord {
                assignment_id: if eligible { None } else { a["id"].as_str().map(str::to_string) },
                role_name: self.role_name(&def).await,
                role_id: def,
                scope: a["directoryScopeId"].as_str().map(str::to_string),
                app_scope: a["appScopeId"].as_str().map(str::to_string),
                eligible,
                end: if eligible { a["endDateTime"].as_str().map(str::to_string) } else { None },
                activated: false,
            });
        }
        out
    }

    // ---- conditional access -------------------------------------------------------

    /// Object ids of the profile's protected accounts (and the names not found).
    async fn protected_ids(&self) -> Result<&(Vec<String>, Vec<String>), ProviderError> {
        self.protected_ids
            .get_or_try_init(|| async {
                let (mut ids, mut missing) = (Vec::new(), Vec::new());
                for p in &self.common.protected {
                    match self.read_user(p).await? {
                        Ok(v) => ids.extend(v["id"].as_str().map(str::to_string)),
                        Err(r) if r.status == 404 => missing.push(p.clone()),
                        Err(r) => {
                            return Err(self
                                .fail(
                                    &r,
                                    &format!("look up protected account `{}`", shown(p)),
                                    None,
                                    permissions::READ_USER,
                                )
                                .await);
                        }
                    }
                }
                Ok((ids, missing))
            })
            .await
    }

    /// The policy of one strength, found by display name or created (once, whatever the
    /// number of concurrent callers): the CA API allows one request per second per tenant
    /// and sends no `Retry-After` (learn.microsoft.com/graph/throttling-limits), so users
    /// are enforced by group membership, never by a policy write each.
    async fn ensure_policy(
        &self,
        strong: bool,
        g: &Group,
        mode: Mode,
    ) -> Result<(Option<Policy>, Vec<String>), ProviderError> {
        let mut cache = self.policies.lock().await;
        if let Some(p) = cache.get(&strong) {
            let mut p = p.clone();
            p.created = false;
            return Ok((Some(p), Vec::new()));
        }
        let name = if strong { PHISHING_RESISTANT_POLICY_NAME } else { MFA_POLICY_NAME };
        let (protected, missing) = self.protected_ids().await?.clone();
        let mut warnings: Vec<String> = missing
            .iter()
            .map(|m| format!("protected account `{}` was not found, so the policy does not exclude it", shown(m)))
            .collect();
        let path =
            format!("/identity/conditionalAccess/policies{}", query(&[("$filter", &eq_filter("displayName", name))]));
        let found = match self.client.get_all(&path, client::Lane::ConditionalAccess).await? {
            Ok(v) => v.into_iter().next(),
            Err(r) => {
                return Err(self
                    .fail(
                        &r,
                        "read the conditional access policies",
                        Some(Action::EnforceMfa),
                        permissions::READ_POLICIES,
                    )
                    .await);
            }
        };
        let policy = match found {
            Some(p) => {
                let id = p["id"].as_str().unwrap_or_default().to_string();
                let users = &p["conditions"]["users"];
                let strings = |v: &Value| -> Vec<String> {
                    v.as_array()
                        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                        .unwrap_or_default()
                };
                let mut include = strings(&users["includeGroups"]);
                let mut exclude = strings(&users["excludeUsers"]);
                let lacks_group = !include.contains(&g.id);
                let lacks_protected: Vec<String> = protected.iter().filter(|p| !exclude.contains(p)).cloned().collect();
                if lacks_group || !lacks_protected.is_empty() {
                    if mode == Mode::DryRun {
                        warnings.push(format!(
                            "would update policy `{name}` to include group `{}` and exclude the protected accounts",
                            g.name
                        ));
                    } else {
                        if lacks_group {
                            include.push(g.id.clone());
                        }
                        exclude.extend(lacks_protected);
                        // PATCH replaces whole arrays, and a nested object sent is taken as
                        // the whole of it (learn.microsoft.com/graph/api/
                        // conditionalaccesspolicy-update): send the `users` condition as
                        // read, with only our two lists merged, so that an admin's
                        // `excludeGroups`, `includeRoles`... stay.
                        let mut users = match users {
                            Value::Object(o) => o.clone(),
                            _ => serde_json::Map::new(),
                        };
                        users.insert("includeGroups".into(), json!(include));
                        users.insert("excludeUsers".into(), json!(exclude));
                        let body = json!({"conditions": {"users": users}});
                        let r = self
                            .client
                            .send(
                                GraphRequest::patch(
                                    format!("/identity/conditionalAccess/policies/{}", encode::segment(&id)),
                                    body,
                                )
                                .conditional_access(),
                            )
                            .await?;
                        if !r.ok() {
                            return Err(self
                                .fail(
                                    &r,
                                    &format!("update policy `{name}`"),
                                    Some(Action::EnforceMfa),
                                    permissions::WRITE_POLICIES,
                                )
                                .await);
                        }
                        warnings.push(format!(
                            "updated policy `{name}` to include group `{}` and exclude the protected accounts",
                            g.name
                        ));
                    }
                }
                Policy {
                    id,
                    name: name.into(),
                    state: p["state"].as_str().unwrap_or("unknown").to_string(),
                    created: false,
                }
            }
            None if mode == Mode::DryRun => return Ok((None, warnings)),
            None => {
                let grant = if strong {
                    json!({"operator": "OR", "authenticationStrength": {"id": PHISHING_RESISTANT_STRENGTH}})
                } else {
                    json!({"operator": "OR", "builtInControls": ["mfa"]})
                };
                let body = json!({
                    "displayName": name,
                    "state": "enabled",
                    "conditions": {
                        "clientAppTypes": ["all"],
                        "applications": {"includeApplications": ["All"]},
                        "users": {"includeGroups": [g.id], "excludeUsers": protected},
                    },
                    "grantControls": grant,
                });
                let r = self
                    .client
                    .send(GraphRequest::post("/identity/conditionalAccess/policies", Some(body)).conditional_access())
                    .await?;
                if !r.ok() {
                    return Err(self
                        .fail(
                            &r,
                            &format!("create policy `{name}`"),
                            Some(Action::EnforceMfa),
                            permissions::WRITE_POLICIES,
                        )
                        .await);
                }
                Policy {
                    id: r.body["id"].as_str().unwrap_or_default().to_string(),
                    name: name.into(),
                    state: r.body["state"].as_str().unwrap_or("enabled").to_string(),
                    created: true,
                }
            }
        };
        if mode == Mode::Apply {
            cache.insert(strong, policy.clone());
        }
        Ok((Some(policy), warnings))
    }

    // ---- actions ------------------------------------------------------------------

    async fn set_enabled(
        &self,
        user: &UserRef,
        action: Action,
        ctx: &ApplyContext<'_>,
    ) -> Result<Outcome, ProviderError> {
        let want = action == Action::Enable;
        let mut warnings = Vec::new();
        if ctx.state.synced {
            // The next directory sync puts back the on-premises value (api-contracts §1.3:
            // azure-docs PR #35963); the cloud change still takes effect at once.
            warnings.push(format!(
                "`{}` is synced from on-premises AD: the next sync reverts this; {} it on the `ad` tenant too",
                shown(&user.name),
                if want { "enable" } else { "disable" }
            ));
        }
        if let Some(prev) = ctx.restore.and_then(|r| r["accountEnabled"].as_bool())
            && prev != want
        {
            return Ok(Outcome {
                message: format!(
                    "left as it was: the account was {} before",
                    if prev { "enabled" } else { "disabled" }
                ),
                warnings,
                ..Outcome::default()
            });
        }
        let current = match ctx.state.enabled {
            Some(e) => e,
            None => self.state(user).await?.enabled.unwrap_or(!want),
        };
        let verb = if want { "enabled" } else { "disabled" };
        if current == want {
            return Ok(Outcome { message: format!("already {verb}"), warnings, ..Outcome::default() });
        }
        let before = json!({"accountEnabled": current});
        let after = json!({"accountEnabled": want});
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would be {verb}"),
                before,
                after,
                warnings,
                ..Outcome::default()
            });
        }
        let r = self.client.send(GraphRequest::patch(user_path(&user.id), json!({"accountEnabled": want}))).await?;
        if !r.ok() {
            return Err(self
                .fail(&r, &format!("{} `{}`", action, shown(&user.name)), Some(action), permissions::ENABLE_DISABLE)
                .await);
        }
        Ok(Outcome {
            changed: true,
            message: verb.to_string(),
            before,
            after,
            request_id: r.request_id,
            warnings,
            secret: None,
        })
    }

    async fn reset_password(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let action = Action::ResetPassword;
        if ctx.state.synced {
            // Entra refuses passwordProfile writes to on-premises mastered users
            // (400 "Unable to update the specified properties for on-premises mastered
            // Directory Sync objects", microsoft-graph-docs #7301): nothing is sent.
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!("`{}` is synced from on-premises AD: its password is mastered there", shown(&user.name)),
            )
            .with_hint(format!(
                "reset it on the `ad` tenant: `remediate reset-password {} --tenant <ad-tenant>`",
                user.name
            )));
        }
        let revoke = !ctx.params.keep_sessions;
        let with_mfa = ctx.params.with_mfa;
        let facts = self.facts(user);
        let before = json!({"signInSessionsValidFromDateTime": facts.sessions_from});
        let after = json!({"forceChangePasswordNextSignIn": true, "forceChangePasswordNextSignInWithMfa": with_mfa, "sessionsRevoked": revoke});
        let what = format!(
            "temporary password set; change required at next sign-in{}{}",
            if with_mfa { " after MFA" } else { "" },
            if revoke { "; sessions revoked" } else { "; sessions kept" }
        );
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would be reset: {what}"),
                before,
                after,
                ..Outcome::default()
            });
        }
        let password = crate::password::generate();
        // A new password always goes with the flag: a PATCH with only
        // `forceChangePasswordNextSignIn` returns 204 and does nothing
        // (microsoft-graph-docs #4267).
        let mut profile = json!({"password": password.expose(), "forceChangePasswordNextSignIn": true});
        if with_mfa {
            profile["forceChangePasswordNextSignInWithMfa"] = json!(true);
        }
        let r = self.client.send(GraphRequest::patch(user_path(&user.id), json!({"passwordProfile": profile}))).await?;
        if !r.ok() {
            return Err(self
                .fail(
                    &r,
                    &format!("reset the password of `{}`", shown(&user.name)),
                    Some(action),
                    permissions::PASSWORD,
                )
                .await);
        }
        let mut request_id = r.request_id;
        if revoke {
            // Only after the password is set: the order matters, and a failed PATCH must
            // not leave revoked sessions behind as if the reset had happened.
            match self.revoke(user, action).await {
                Ok(id) => request_id = id.or(request_id),
                Err(e) => {
                    // The reset stands: record it and still deliver the password, so the
                    // operator can hand it over; only the revocation is left to do.
                    let done = json!({"signInSessionsValidFromDateTime": facts.sessions_from, "passwordReset": true});
                    return Err(ProviderError {
                        message: format!(
                            "the password of `{}` was reset, but its sessions were not revoked: {}",
                            shown(&user.name),
                            e.message
                        ),
                        hint: Some(format!(
                            "revoke them with `remediate revoke-sessions {}`{}",
                            user.name,
                            e.hint.map(|h| format!(" ({h})")).unwrap_or_default()
                        )),
                        ..e
                    }
                    .with_partial_secret(done, password));
                }
            }
        }
        let mut warnings = Vec::new();
        if facts.guest {
            warnings.push(
                "B2B guest: the password only matters if the account signs in here, not at its home tenant".into(),
            );
        }
        Ok(Outcome { changed: true, message: what, before, after, request_id, warnings, secret: Some(password) })
    }

    /// `POST /users/{id}/revokeSignInSessions`. Graph answers 200 `{"value": true}` where
    /// the doc promises 204 (known issue: "treat any 2xx return code as success").
    async fn revoke(&self, user: &UserRef, action: Action) -> Result<Option<String>, ProviderError> {
        let r =
            self.client.send(GraphRequest::post(format!("{}/revokeSignInSessions", user_path(&user.id)), None)).await?;
        if r.ok() {
            return Ok(r.request_id);
        }
        Err(self
            .fail(&r, &format!("revoke the sessions of `{}`", shown(&user.name)), Some(action), permissions::REVOKE)
            .await)
    }

    async fn revoke_sessions(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let facts = self.facts(user);
        let before = json!({"signInSessionsValidFromDateTime": facts.sessions_from});
        let mut warnings = Vec::new();
        if facts.guest {
            // "does not revoke external (B2B) users' sessions" (user-revokesigninsessions).
            warnings.push("B2B guest: sessions at the guest's home tenant are not revoked".into());
        }
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: "sessions would be revoked".into(),
                before,
                warnings,
                ..Outcome::default()
            });
        }
        let request_id = self.revoke(user, Action::RevokeSessions).await?;
        Ok(Outcome {
            changed: true,
            message: "sessions revoked (may take a few minutes to take effect)".into(),
            before,
            after: json!({"sessionsRevoked": true}),
            request_id,
            warnings,
            secret: None,
        })
    }

    /// Add to a configured group (restrict, enforce-mfa).
    async fn join(
        &self,
        user: &UserRef,
        action: Action,
        g: &Group,
        ctx: &ApplyContext<'_>,
    ) -> Result<Outcome, ProviderError> {
        self.set_membership(user, action, g, ctx, true).await
    }

    /// Remove from a configured group (unrestrict, unenforce-mfa); as an undo, only when
    /// the recorded before-state says the user was not in it already.
    async fn leave(
        &self,
        user: &UserRef,
        action: Action,
        g: &Group,
        ctx: &ApplyContext<'_>,
    ) -> Result<Outcome, ProviderError> {
        if ctx.restore.is_some_and(|r| r["was_member"].as_bool() == Some(true)) {
            return Ok(Outcome {
                message: format!("left in group `{}`: the user was in it before", g.name),
                ..Outcome::default()
            });
        }
        self.set_membership(user, action, g, ctx, false).await
    }

    /// Make `user` a member of `g` (`add`) or not, idempotently; a dry run only reads.
    async fn set_membership(
        &self,
        user: &UserRef,
        action: Action,
        g: &Group,
        ctx: &ApplyContext<'_>,
        add: bool,
    ) -> Result<Outcome, ProviderError> {
        let before_with = |was: bool| json!({"group": g.as_json(), "was_member": was});
        let after = json!({"group": g.as_json(), "member": add});
        let (done, already) = if add {
            (format!("added to group `{}`", g.name), format!("already in group `{}`", g.name))
        } else {
            (format!("removed from group `{}`", g.name), format!("not in group `{}`", g.name))
        };
        if ctx.mode == Mode::DryRun {
            let member = self.is_member(g, user, action).await?;
            let changes = member != add;
            let would = if add { "would be added to" } else { "would be removed from" };
            return Ok(Outcome {
                changed: changes,
                message: if changes { format!("{would} group `{}`", g.name) } else { already },
                before: before_with(member),
                after,
                ..Outcome::default()
            });
        }
        let (m, request_id) =
            if add { self.add_member(g, user, action).await? } else { self.remove_member(g, user, action).await? };
        let changed = m == Membership::Changed;
        Ok(Outcome {
            changed,
            message: if changed { done } else { already },
            // Was a member before: unchanged on add, changed on remove.
            before: before_with(changed != add),
            after,
            request_id,
            ..Outcome::default()
        })
    }

    async fn enforce_mfa(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let strong = ctx.params.phishing_resistant;
        let g = self.configured_group(if strong { Configured::PhishingResistant } else { Configured::Mfa }).await?;
        let (policy, mut warnings) = self.ensure_policy(strong, &g, ctx.mode).await?;
        let mut out = self.join(user, Action::EnforceMfa, &g, ctx).await?;
        if let Some(p) = &policy
            && p.state != "enabled"
        {
            warnings.push(format!(
                "conditional access policy `{}` is `{}`: it does not enforce MFA until it is enabled",
                p.name, p.state
            ));
        }
        if policy.is_none() {
            warnings.push(format!(
                "would create conditional access policy `{}` for group `{}`",
                if strong { PHISHING_RESISTANT_POLICY_NAME } else { MFA_POLICY_NAME },
                g.name
            ));
        }
        out.before["phishing_resistant"] = json!(strong);
        out.after["policy"] = serde_json::to_value(&policy).unwrap_or(Value::Null);
        out.warnings.extend(warnings);
        Ok(out)
    }

    async fn unenforce_mfa(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let strong =
            ctx.restore.and_then(|r| r["phishing_resistant"].as_bool()).unwrap_or(ctx.params.phishing_resistant);
        let g = match ctx.restore.and_then(|r| recorded_group_id(&r["group"])) {
            Some(id) => self.group(id, "the group enforce-mfa added the user to").await?,
            None => self.configured_group(if strong { Configured::PhishingResistant } else { Configured::Mfa }).await?,
        };
        self.leave(user, Action::UnenforceMfa, &g, ctx).await
    }

    async fn remove_roles(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let action = Action::RemoveRoles;
        // Resolve every named role first: a typo fails before anything changes.
        let mut wanted = Vec::new();
        for r in &ctx.params.roles {
            wanted.push(self.role(r).await?);
        }
        let keep = |r: &RoleRecord| wanted.is_empty() || wanted.iter().any(|w| w.id == r.role_id);
        let mut held = self.active_roles(user, action).await?;
        let mut warnings = Vec::new();
        match self.eligible_roles(user, action).await? {
            Some(list) => held.extend(list),
            None => warnings.push(format!(
                "PIM eligible assignments were not checked: the app lacks `{}` (or the tenant has no Entra ID P2)",
                permissions::READ_PIM.permission
            )),
        }
        mark_activations(&mut held);
        let (targets, others): (Vec<RoleRecord>, Vec<RoleRecord>) = held.into_iter().partition(|r| keep(r));
        // Global Administrator through a role-assignable group is the group's assignment,
        // not the user's (it does not appear under `principalId eq {user}`): deleting it
        // would strip every member, so it is left alone, and the result says so and names
        // the way to strip it from this user alone, leaving the group.
        let wants_ga = wanted.is_empty() || wanted.iter().any(|w| w.id == GLOBAL_ADMIN_ROLE);
        let mut via_groups = Vec::new();
        if wants_ga {
            let ids: Vec<String> =
                self.ga_holders(false).await?.groups_of(&user.id).into_iter().map(str::to_string).collect();
            for id in ids {
                let name = match self.group(&id, "a group holding Global Administrator").await {
                    Ok(g) => g.name,
                    Err(_) => id,
                };
                via_groups.push(name);
            }
        }
        for name in &via_groups {
            warnings.push(format!(
                "Global Administrator comes through the role-assignable group `{name}` and is not removed: \
                 remove-roles only deletes the user's own assignments; `remediate remove-groups {} --group \"{name}\"` \
                 strips it",
                shown(&user.name)
            ));
        }
        let ga_only_via_group = !via_groups.is_empty() && !targets.iter().any(|r| r.role_id == GLOBAL_ADMIN_ROLE);
        let names = || via_groups.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        if !wanted.is_empty() && ga_only_via_group && targets.is_empty() {
            // Asked for Global Administrator by name and it cannot be removed here: not a
            // success, not a silent no-op.
            return Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!(
                    "`{}` holds Global Administrator only through the role-assignable group {}: remove-roles cannot \
                     remove it",
                    shown(&user.name),
                    names()
                ),
            )
            .with_hint(format!(
                "remove the user from the group instead: `remediate remove-groups {} --group \"{}\"`",
                shown(&user.name),
                via_groups[0]
            )));
        }
        let stays = if ga_only_via_group {
            format!("; Global Administrator stays (through group {})", names())
        } else {
            String::new()
        };
        if targets.is_empty() {
            let msg = if wanted.is_empty() { "holds no directory roles" } else { "holds none of the named roles" };
            let msg = if via_groups.is_empty() {
                msg.to_string()
            } else {
                format!(
                    "holds no directly assigned directory role; Global Administrator comes through group {}",
                    names()
                )
            };
            return Ok(Outcome {
                message: msg,
                warnings,
                before: json!({"roles": []}),
                after: json!({"roles": labels(&others)}),
                ..Outcome::default()
            });
        }
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would remove {}{stays}", labels(&targets)),
                before: json!({"roles": targets}),
                after: json!({"roles": labels(&others)}),
                warnings,
                ..Outcome::default()
            });
        }
        let results = join_all(targets.iter().map(|r| async move {
            let req = match &r.assignment_id {
                Some(id) => {
                    GraphRequest::delete(format!("/roleManagement/directory/roleAssignments/{}", encode::segment(id)))
                }
                // PIM: a schedule request with action `adminRemove` (learn.microsoft.com/
                // entra/id-governance/privileged-identity-management/pim-apis).
                None => {
                    let mut body = json!({
                        "action": "adminRemove",
                        "principalId": user.id,
                        "roleDefinitionId": r.role_id,
                        "justification": "remediate remove-roles",
                    });
                    r.scope_into(&mut body);
                    GraphRequest::post("/roleManagement/directory/roleEligibilityScheduleRequests", Some(body))
                }
            };
            (r, self.client.send(req).await)
        }))
        .await;
        let (mut done, mut failures, mut request_id) = (Vec::new(), Vec::new(), None);
        for (r, res) in results {
            let need = if r.eligible { permissions::WRITE_PIM } else { permissions::WRITE_ROLES };
            match res {
                // Gone already (404), unless our own earlier try may have removed it.
                Ok(resp) if resp.ok() || (resp.status == 404 && resp.ambiguous) => {
                    request_id = resp.request_id.clone().or(request_id);
                    done.push(r.clone());
                }
                Ok(resp) if resp.status == 404 => {}
                Ok(resp) => {
                    failures.push(self.fail(&resp, &format!("remove role `{}`", r.label()), Some(action), need).await)
                }
                Err(e) => failures.push(e),
            }
        }
        self.forget_ga().await;
        if let Some(first) = failures.into_iter().next() {
            return Err(partial_failure(first, "removed", &labels(&done), json!({"roles": done})));
        }
        Ok(Outcome {
            changed: !done.is_empty(),
            message: if done.is_empty() {
                format!("no role left to remove{stays}")
            } else {
                format!("removed {}{stays}", labels(&done))
            },
            before: json!({"roles": done}),
            after: json!({"roles": labels(&others)}),
            request_id,
            warnings,
            secret: None,
        })
    }

    async fn restore_roles(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let action = Action::RestoreRoles;
        let recorded: Vec<RoleRecord> = restore_list(ctx, "roles", Action::RemoveRoles)?
            .iter()
            .map(|v| serde_json::from_value(v.clone()))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ProviderError::new(
                    ErrorKind::InvalidRequest,
                    format!("the recorded role assignments cannot be read: {e}"),
                )
            })?;
        let mut current = self.active_roles(user, action).await?;
        let mut warnings = Vec::new();
        if recorded.iter().any(|r| r.eligible) {
            match self.eligible_roles(user, action).await? {
                Some(list) => current.extend(list),
                None => warnings.push(format!(
                    "PIM eligibilities cannot be read (`{}`): they may be re-requested twice",
                    permissions::READ_PIM.permission
                )),
            }
        }
        let now = jiff::Timestamp::now();
        let mut missing: Vec<&RoleRecord> = Vec::new();
        for r in &recorded {
            let expired = r.end.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok()).is_some_and(|t| t <= now);
            if r.activated {
                // Re-creating it would turn a time-boxed activation into a permanent
                // assignment: restore the eligibility only, and the user activates again.
                warnings.push(format!(
                    "`{}` was a PIM activation: not re-created as a permanent assignment; its eligibility is",
                    r.label()
                ));
            } else if expired {
                warnings.push(format!("the eligibility for `{}` has ended since; not restored", r.label()));
            } else if !current.iter().any(|c| c.same(r)) && !missing.iter().any(|m| m.same(r)) {
                missing.push(r);
            }
        }
        if missing.is_empty() {
            return Ok(Outcome {
                message: "every recorded role assignment is in place".into(),
                before: json!({"roles": []}),
                warnings,
                ..Outcome::default()
            });
        }
        let wanted: Vec<RoleRecord> = missing.iter().map(|r| (*r).clone()).collect();
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would re-create {}", labels(&wanted)),
                before: json!({"roles": wanted}),
                warnings,
                ..Outcome::default()
            });
        }
        let results = join_all(missing.iter().map(|r| async move {
            let req = if r.eligible {
                let expiration = match &r.end {
                    Some(end) => json!({"type": "afterDateTime", "endDateTime": end}),
                    None => json!({"type": "noExpiration"}),
                };
                let mut body = json!({
                    "action": "adminAssign",
                    "principalId": user.id,
                    "roleDefinitionId": r.role_id,
                    "justification": "remediate undo of remove-roles",
                    "scheduleInfo": {"startDateTime": graph_time(jiff::Timestamp::now()), "expiration": expiration},
                });
                r.scope_into(&mut body);
                GraphRequest::post("/roleManagement/directory/roleEligibilityScheduleRequests", Some(body))
            } else {
                // Exactly one of directoryScopeId and appScopeId
                // (learn.microsoft.com/graph/api/rbacapplication-post-roleassignments).
                let mut body = json!({
                    "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
                    "principalId": user.id,
                    "roleDefinitionId": r.role_id,
                });
                r.scope_into(&mut body);
                GraphRequest::post("/roleManagement/directory/roleAssignments", Some(body))
            };
            (*r, self.client.send(req).await)
        }))
        .await;
        let (mut created, mut failures, mut request_id) = (Vec::new(), Vec::new(), None);
        for (r, res) in results {
            let need = if r.eligible { permissions::WRITE_PIM } else { permissions::WRITE_ROLES };
            match res {
                Ok(resp) if resp.ok() => {
                    request_id = resp.request_id.clone().or(request_id);
                    let mut rec = r.clone();
                    rec.assignment_id = if r.eligible { None } else { resp.body["id"].as_str().map(str::to_string) };
                    created.push(rec);
                }
                // 409: it exists (a retried create that had worked).
                Ok(resp) if resp.status == 409 => {}
                Ok(resp) => {
                    failures.push(self.fail(&resp, &format!("restore role `{}`", r.label()), Some(action), need).await)
                }
                Err(e) => failures.push(e),
            }
        }
        self.forget_ga().await;
        if let Some(first) = failures.into_iter().next() {
            return Err(partial_failure(first, "re-created", &labels(&created), json!({"roles": created})));
        }
        Ok(Outcome {
            changed: !created.is_empty(),
            message: format!("re-created {}", labels(&created)),
            before: json!({"roles": created}),
            after: json!({"roles": labels(&recorded)}),
            request_id,
            warnings,
            secret: None,
        })
    }

    async fn remove_groups(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let action = Action::RemoveGroups;
        let mut named = Vec::new();
        for g in &ctx.params.groups {
            named.push(self.group(g, "--group").await?);
        }
        let memberships = self.member_of(user, action).await?;
        // An unfiltered remove-groups keeps the groups this tool manages itself: taking a
        // user out of the restricted or MFA group would undo a remediation.
        let mut kept = Vec::new();
        if named.is_empty() {
            for which in [Configured::Restricted, Configured::Mfa, Configured::PhishingResistant] {
                if let Ok(g) = self.configured_group(which).await {
                    kept.push(g.id);
                }
            }
        }
        let mut warnings = Vec::new();
        for n in &named {
            if !memberships.iter().any(|m| m.id == n.id) {
                warnings.push(format!("not a member of `{}`", n.name));
            }
        }
        let (mut targets, mut skipped) = (Vec::new(), Vec::new());
        for g in memberships {
            if !named.is_empty() && !named.iter().any(|n| n.id == g.id) {
                continue;
            }
            if kept.contains(&g.id) {
                continue;
            }
            match g.cannot_change() {
                Some(why) => {
                    warnings.push(format!("skipped `{}`: {why}", g.name));
                    skipped.push(json!({"id": g.id, "name": g.name, "reason": why}));
                }
                None => targets.push(g),
            }
        }
        if targets.is_empty() {
            return Ok(Outcome {
                message: if skipped.is_empty() {
                    "no group membership to remove".into()
                } else {
                    "no group membership that Graph can remove".into()
                },
                before: json!({"groups": []}),
                after: json!({"removed": [], "skipped": skipped}),
                warnings,
                ..Outcome::default()
            });
        }
        let list = |gs: &[&Group]| gs.iter().map(|g| format!("`{}`", g.name)).collect::<Vec<_>>().join(", ");
        if ctx.mode == Mode::DryRun {
            return Ok(Outcome {
                changed: true,
                message: format!("would be removed from {}", list(&targets.iter().collect::<Vec<_>>())),
                before: json!({"groups": targets.iter().map(Group::as_json).collect::<Vec<_>>()}),
                after: json!({"removed": targets.iter().map(Group::as_json).collect::<Vec<_>>(), "skipped": skipped}),
                warnings,
                ..Outcome::default()
            });
        }
        let results =
            join_all(targets.iter().map(|g| async move { (g, self.remove_member(g, user, action).await) })).await;
        let (mut removed, mut failures, mut request_id) = (Vec::new(), Vec::new(), None);
        for (g, r) in results {
            match r {
                Ok((Membership::Changed, id)) => {
                    request_id = id.or(request_id);
                    removed.push(g);
                }
                Ok((Membership::Unchanged, _)) => {}
                Err(e) => failures.push(e),
            }
        }
        if let Some(first) = failures.into_iter().next() {
            return Err(partial_failure(
                first,
                "removed from",
                &removed.iter().map(|g| format!("{} ({})", g.name, g.id)).collect::<Vec<_>>().join(", "),
                json!({"groups": removed.iter().map(|g| g.as_json()).collect::<Vec<_>>()}),
            ));
        }
        Ok(Outcome {
            changed: !removed.is_empty(),
            message: if removed.is_empty() {
                "no group membership left to remove".into()
            } else {
                format!("removed from {}", list(&removed))
            },
            before: json!({"groups": removed.iter().map(|g| g.as_json()).collect::<Vec<_>>()}),
            after: json!({"removed": removed.iter().map(|g| g.as_json()).collect::<Vec<_>>(), "skipped": skipped}),
            request_id,
            warnings,
            secret: None,
        })
    }

    async fn restore_groups(&self, user: &UserRef, ctx: &ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        let action = Action::RestoreGroups;
        let recorded: Vec<String> = restore_list(ctx, "groups", Action::RemoveGroups)?
            .iter()
            .filter_map(|g| recorded_group_id(g).map(str::to_string))
            .collect();
        let mut groups = Vec::new();
        let mut warnings = Vec::new();
        for id in &recorded {
            match self.group(id, "recorded membership").await {
                Ok(g) => groups.push(g),
                Err(e) if e.kind == ErrorKind::NotFound => {
                    warnings.push(format!("group `{id}` no longer exists; not restored"))
                }
                Err(e) => return Err(e),
            }
        }
        let all: Vec<Value> = groups.iter().map(Group::as_json).collect();
        if ctx.mode == Mode::DryRun {
            let member: Vec<String> = self.member_of(user, action).await?.into_iter().map(|g| g.id).collect();
            let missing: Vec<Value> = groups.iter().filter(|g| !member.contains(&g.id)).map(Group::as_json).collect();
            return Ok(Outcome {
                changed: !missing.is_empty(),
                message: format!("would be re-added to {} group(s)", missing.len()),
                before: json!({"groups": missing}),
                after: json!({"groups": all}),
                warnings,
                ..Outcome::default()
            });
        }
        let results = join_all(groups.iter().map(|g| async move { (g, self.add_member(g, user, action).await) })).await;
        let (mut added, mut failures, mut request_id) = (Vec::new(), Vec::new(), None);
        for (g, r) in results {
            match r {
                Ok((m, id)) => {
                    request_id = id.or(request_id);
                    if m == Membership::Changed {
                        added.push(g);
                    }
                }
                Err(e) => failures.push(e),
            }
        }
        let names = |gs: &[&Group]| gs.iter().map(|g| format!("`{}`", g.name)).collect::<Vec<_>>().join(", ");
        if let Some(first) = failures.into_iter().next() {
            return Err(partial_failure(
                first,
                "re-added to",
                &names(&added),
                json!({"groups": added.iter().map(|g| g.as_json()).collect::<Vec<_>>()}),
            ));
        }
        Ok(Outcome {
            changed: !added.is_empty(),
            message: if added.is_empty() {
                "already in every recorded group".into()
            } else {
                format!("re-added to {}", names(&added))
            },
            // What was re-added, so that undoing this restore removes exactly that.
            before: json!({"groups": added.iter().map(|g| g.as_json()).collect::<Vec<_>>()}),
            after: json!({"groups": all}),
            request_id,
            warnings,
            secret: None,
        })
    }
}

/// A Graph `DateTimeOffset` in whole seconds, `YYYY-MM-DDTHH:MM:SSZ`, the form of the
/// docs' examples (rbacapplication-post-roleeligibilityschedulerequests): `Timestamp`'s
/// own display has up to nine fractional digits, more than .NET's seven.
fn graph_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The id of a group recorded in a before-state: `{"id", "name"}` or a bare id.
fn recorded_group_id(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v["id"].as_str()).filter(|s| !s.is_empty())
}

/// The recorded list `key` of the before-state an inverse action undoes.
fn restore_list<'a>(ctx: &ApplyContext<'a>, key: &str, inverse_of: Action) -> Result<&'a Vec<Value>, ProviderError> {
    ctx.restore.and_then(|r| r.get(key)).and_then(Value::as_array).ok_or_else(|| {
        ProviderError::new(
            ErrorKind::InvalidRequest,
            format!("no recorded `{key}` to restore: this step needs the before-state of a `{inverse_of}` result"),
        )
        .with_hint("run it through `remediate undo BATCH_ID`, which passes the recorded state")
    })
}

/// A multi-step action failed part-way: say what was done before the failure, so that the
/// operator (and the task log's message) knows the state.
/// `partial` is the before-state of what was done, kept in the task log for `undo`.
fn partial_failure(first: ProviderError, verb: &str, done: &str, partial: serde_json::Value) -> ProviderError {
    if done.is_empty() {
        return first;
    }
    ProviderError { message: format!("{} ({verb} {done} before that)", first.message), ..first }.with_partial(partial)
}

fn entra_config(profile: &TenantProfile) -> Result<&EntraConfig, Error> {
    match &profile.provider {
        ProviderConfig::Entra(c) => Ok(c),
        other => Err(Error::Profile {
            tenant: profile.name.clone(),
            message: format!("provider is `{}`, not `entra`", other.kind()),
            hint: None,
        }),
    }
}

#[async_trait]
impl Provider for Entra {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Entra
    }

    fn supports(&self, _action: Action) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn resolve(&self, user: &str) -> Result<UserRef, ProviderError> {
        let key = user.trim();
        if key.is_empty() {
            return Err(ProviderError::new(ErrorKind::InvalidRequest, "empty user name")
                .with_hint("give a user principal name (alice@contoso.com) or an object id"));
        }
        if key.chars().any(char::is_control) || key.len() > 1024 {
            return Err(ProviderError::new(ErrorKind::InvalidRequest, format!("`{}` is not a user name", shown(key)))
                .with_hint("give a user principal name (alice@contoso.com) or an object id"));
        }
        match self.read_user(key).await? {
            Ok(v) => return self.user_ref(&v),
            Err(r) if r.status == 404 || r.status == 400 => {
                // Not a UPN or id: try it as a mail address, then give up.
                if key.contains('@') && !is_guid(key) {
                    let path =
                        format!("/users{}", query(&[("$filter", &eq_filter("mail", key)), ("$select", USER_SELECT)]));
                    match self.client.get_all(&path, client::Lane::Read).await? {
                        Ok(found) if found.len() == 1 => return self.user_ref(&found[0]),
                        Ok(found) if found.len() > 1 => {
                            return Err(ProviderError::new(
                                ErrorKind::InvalidRequest,
                                format!("`{}` is the mail address of {} users", shown(key), found.len()),
                            )
                            .with_hint("give the user principal name or object id instead"));
                        }
                        Ok(_) => {}
                        Err(r2) => {
                            return Err(self
                                .fail(&r2, &format!("look up `{}`", shown(key)), None, permissions::READ_USER)
                                .await);
                        }
                    }
                }
                Err(ProviderError::not_found(format!("no user `{}` in tenant `{}`", shown(key), self.tenant))
                    .with_hint("check the spelling; guests have UPNs like `name_domain#EXT#@tenant.onmicrosoft.com`; an object id works too")
                    .with_request_id(r.error().request_id))
            }
            Err(r) => Err(self.fail(&r, &format!("look up `{}`", shown(key)), None, permissions::READ_USER).await),
        }
    }

    async fn state(&self, user: &UserRef) -> Result<UserState, ProviderError> {
        let cached = self.users.lock().expect("users lock").remove(&user.id);
        let v = match cached {
            Some(v) => v,
            None => match self.read_user(&user.id).await? {
                Ok(v) => v,
                Err(r) if r.status == 404 => {
                    return Err(ProviderError::not_found(format!(
                        "user `{}` no longer exists in tenant `{}`",
                        shown(&user.name),
                        self.tenant
                    )));
                }
                Err(r) => {
                    return Err(self
                        .fail(&r, &format!("read `{}`", shown(&user.name)), None, permissions::READ_USER)
                        .await);
                }
            },
        };
        self.facts.lock().expect("facts lock").insert(
            user.id.clone(),
            Facts {
                guest: v["userType"] == "Guest",
                sessions_from: v["signInSessionsValidFromDateTime"].as_str().map(str::to_string),
            },
        );
        let holders = self.ga_holders(false).await?;
        let top_admin = holders.holds(&user.id);
        // Groups granting Global Administrator, by id and (where readable) by name, so the
        // engine can refuse a `remove-groups` that would strip the last admin.
        let mut top_admin_groups = Vec::new();
        for id in holders.groups_of(&user.id) {
            top_admin_groups.push(id.to_string());
            if let Ok(g) = self.group(id, "a group holding Global Administrator").await {
                top_admin_groups.push(g.name);
            }
        }
        Ok(UserState {
            enabled: v["accountEnabled"].as_bool(),
            top_admin,
            synced: v["onPremisesSyncEnabled"].as_bool() == Some(true),
            is_self: false,
            top_admin_groups,
            details: json!({
                "userPrincipalName": v["userPrincipalName"],
                "displayName": v["displayName"],
                "userType": v["userType"],
                "accountEnabled": v["accountEnabled"],
                "onPremisesSyncEnabled": v["onPremisesSyncEnabled"],
                "onPremisesSamAccountName": v["onPremisesSamAccountName"],
                "globalAdministrator": top_admin,
            }),
        })
    }

    async fn apply(&self, user: &UserRef, action: Action, ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        match action {
            Action::Disable | Action::Enable => self.set_enabled(user, action, &ctx).await,
            Action::ResetPassword => self.reset_password(user, &ctx).await,
            Action::RevokeSessions => self.revoke_sessions(user, &ctx).await,
            Action::EnforceMfa => self.enforce_mfa(user, &ctx).await,
            Action::UnenforceMfa => self.unenforce_mfa(user, &ctx).await,
            Action::RemoveRoles => self.remove_roles(user, &ctx).await,
            Action::RestoreRoles => self.restore_roles(user, &ctx).await,
            Action::RemoveGroups => self.remove_groups(user, &ctx).await,
            Action::RestoreGroups => self.restore_groups(user, &ctx).await,
            Action::Restrict => {
                let g = self.configured_group(Configured::Restricted).await?;
                self.join(user, action, &g, &ctx).await
            }
            Action::Unrestrict => {
                let g = match ctx.restore.and_then(|r| recorded_group_id(&r["group"])) {
                    Some(id) => self.group(id, "the group restrict added the user to").await?,
                    None => self.configured_group(Configured::Restricted).await?,
                };
                self.leave(user, action, &g, &ctx).await
            }
        }
    }

    async fn top_admins(&self) -> Result<Vec<String>, ProviderError> {
        Ok(self.ga_holders(true).await?.enabled())
    }

    async fn check(&self) -> Result<Vec<Check>, ProviderError> {
        let token = self.client.tokens().token().await?;
        let roles = &token.roles;
        let mut checks = vec![Check {
            name: "token".into(),
            ok: true,
            detail: format!(
                "got a token for tenant `{}` from {}; it grants {}",
                self.tenant_id,
                self.endpoints.login,
                if roles.is_empty() { "no application permission".to_string() } else { roles.join(", ") }
            ),
            hint: None,
        }];
        for action in Action::USER_FACING {
            let needs = permissions::needs(action);
            let missing: Vec<&Need> = needs.required.iter().filter(|n| !n.met_by(roles)).collect();
            let missing_opt: Vec<&Need> = needs.optional.iter().filter(|n| !n.met_by(roles)).collect();
            let role = needs
                .entra_role
                .map(|r| format!("; the app's service principal also needs the Entra role {r}"))
                .unwrap_or_default();
            let (ok, detail, hint) = if missing.is_empty() {
                let mut detail =
                    format!("holds {}", needs.required.iter().map(|n| n.permission).collect::<Vec<_>>().join(", "));
                if !missing_opt.is_empty() {
                    detail.push_str(&format!(
                        " (without {}: PIM eligible assignments are skipped)",
                        missing_opt.iter().map(|n| n.permission).collect::<Vec<_>>().join(", ")
                    ));
                }
                (true, detail, None)
            } else {
                let list = missing.iter().map(|n| format!("`{}`", n.permission)).collect::<Vec<_>>().join(", ");
                (
                    false,
                    format!("missing {list}"),
                    Some(format!(
                        "grant the Microsoft Graph application permission(s) {list} with admin consent{role}"
                    )),
                )
            };
            checks.push(Check { name: action.as_str().into(), ok, detail, hint });
        }
        Ok(checks)
    }
}

/// Build the provider of an `entra` profile (called from `providers::build`).
pub fn build(profile: &TenantProfile) -> Result<Arc<dyn Provider>, Error> {
    Ok(Arc::new(Entra::from_profile(profile)?))
}

/// A client secret credential, for callers that have the secret in hand.
pub fn secret_credential(secret: Secret) -> Credential {
    Credential::Secret(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_time_is_whole_seconds() {
        let t: jiff::Timestamp = "2024-05-06T07:08:09.123456789Z".parse().unwrap();
        assert_eq!(graph_time(t), "2024-05-06T07:08:09Z");
        let now = graph_time(jiff::Timestamp::now());
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.parse::<jiff::Timestamp>().is_ok(), "{now}");
    }

    #[test]
    fn a_role_scope_is_sent_as_exactly_one_field() {
        let mut r = RoleRecord {
            assignment_id: None,
            role_id: "r".into(),
            role_name: None,
            scope: Some("/".into()),
            app_scope: None,
            eligible: true,
            end: None,
            activated: false,
        };
        let mut body = json!({});
        r.scope_into(&mut body);
        assert_eq!(body, json!({"directoryScopeId": "/"}));
        r.app_scope = Some("/app".into());
        let mut body = json!({});
        r.scope_into(&mut body);
        assert_eq!(body, json!({"appScopeId": "/app"}));
    }
}
