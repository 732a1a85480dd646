//! The Active Directory provider: LDAPS (or StartTLS) with a simple bind, against Windows AD
//! or a Samba AD DC.
//!
//! Users are found under `base_dn` by userPrincipalName, sAMAccountName, mail or DN; groups
//! (restricted group, privileged groups, `--group`) anywhere in the domain. Everything AD
//! calls a role is a group here: `remove-roles` strips the privileged groups (Domain Admins,
//! ...). AD cannot revoke sessions nor enforce MFA: those actions are refused before any
//! request. The exact LDAP operations are in `reference/api-contracts.md` §4.

mod actions;
mod conn;
mod errors;
mod filter;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use ldap3::Scope;
use serde_json::json;
use tokio::sync::OnceCell;

use self::conn::{Conn, ConnConfig, Entry, Pool};
use self::errors::Endpoint;
use self::filter::{IN_CHAIN, dn_key, eq, escape, looks_like_dn};
use super::{ApplyContext, Check, Outcome, Provider, ProviderKind, UserRef, UserState};
use crate::config::{AdConfig, CommonSettings, ProviderConfig, TenantProfile};
use crate::error::{Error, ProviderError};
use crate::model::{Action, ErrorKind};
use crate::secret::Secret;

/// Tunables; the defaults suit the engine's bulk runs.
#[derive(Debug, Clone)]
pub struct AdOptions {
    /// Bound connections kept for concurrent calls.
    pub pool_size: usize,
    /// TCP connect plus TLS (and StartTLS) handshake.
    pub connect_timeout: Duration,
    /// Each LDAP operation (bind, search, modify).
    pub op_timeout: Duration,
}

impl Default for AdOptions {
    fn default() -> Self {
        AdOptions { pool_size: 8, connect_timeout: Duration::from_secs(5), op_timeout: Duration::from_secs(30) }
    }
}

/// Built-in groups `remove-roles` strips by default, by well-known RID/SID so that localised
/// names do not matter [doc: MS-DTYP 2.4.2.4 well-known SIDs]. `None` = domain SID + RID.
const PRIVILEGED: [(&str, Option<&str>, u32); 8] = [
    ("Domain Admins", None, 512),
    ("Enterprise Admins", None, 519),
    ("Schema Admins", None, 518),
    ("Administrators", Some("S-1-5-32"), 544),
    ("Account Operators", Some("S-1-5-32"), 548),
    ("Server Operators", Some("S-1-5-32"), 549),
    ("Print Operators", Some("S-1-5-32"), 550),
    ("Backup Operators", Some("S-1-5-32"), 551),
];

const DOMAIN_ADMINS_RID: u32 = 512;

const USER_ATTRS: [&str; 7] =
    ["userAccountControl", "userPrincipalName", "sAMAccountName", "memberOf", "primaryGroupID", "displayName", "mail"];
const GROUP_ATTRS: [&str; 5] = ["objectClass", "sAMAccountName", "cn", "objectSid", "groupType"];

/// A group as the provider refers to it.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub dn: String,
    /// Its `cn`, the name `memberOf` shows and `state().details.groups` lists.
    pub name: String,
    pub sid: Option<String>,
}

impl Group {
    /// A group without its SID (from a `memberOf` value or a recorded before-state).
    fn from_dn(dn: &str) -> Group {
        Group { dn: dn.to_string(), name: filter::rdn_value(dn), sid: None }
    }

    /// How before-states record a group, as every provider does: `{"id", "name"}`.
    fn record(&self) -> serde_json::Value {
        json!({"id": self.dn, "name": self.name})
    }
}

/// Facts about the domain, read once per run.
#[derive(Debug)]
pub(crate) struct Domain {
    /// rootDSE `defaultNamingContext`.
    pub naming_context: String,
    pub dns_name: String,
    pub sid: String,
    pub min_pwd_length: usize,
    pub domain_admins: Group,
    pub privileged: Vec<Group>,
    /// The bind account's DN, where it could be found.
    pub self_dn: Option<String>,
}

impl Domain {
    fn is_privileged(&self, dn: &str) -> Option<&Group> {
        let k = dn_key(dn);
        self.privileged.iter().find(|g| dn_key(&g.dn) == k)
    }
}

/// The `ad` provider.
pub struct Ad {
    tenant: String,
    cfg: AdConfig,
    common: CommonSettings,
    pool: Pool,
    domain: OnceCell<Domain>,
    /// Groups resolved by name or DN, per input (the restricted group is looked up once per run).
    groups: Mutex<HashMap<String, Group>>,
}

impl std::fmt::Debug for Ad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ad").field("tenant", &self.tenant).field("url", &self.cfg.url).finish_non_exhaustive()
    }
}

impl Ad {
    /// The provider for an `ad` profile, with the bind password. Nothing is contacted yet.
    pub fn new(profile: &TenantProfile, password: Secret) -> Result<Ad, Error> {
        Ad::with_options(profile, password, AdOptions::default())
    }

    pub fn with_options(profile: &TenantProfile, password: Secret, opts: AdOptions) -> Result<Ad, Error> {
        let ProviderConfig::Ad(cfg) = &profile.provider else {
            return Err(Error::Profile {
                tenant: profile.name.clone(),
                message: format!("provider `{}` is not `ad`", profile.provider.kind()),
                hint: None,
            });
        };
        profile.validate()?;
        let profile_err = |message: String, hint: &str| Error::Profile {
            tenant: profile.name.clone(),
            message,
            hint: Some(hint.into()),
        };
        let url = url::Url::parse(&cfg.url)
            .map_err(|e| profile_err(format!("`url`: {e}"), "e.g. `ldaps://dc1.corp.example:636`"))?;
        let starttls = match url.scheme() {
            "ldaps" => false,
            // Plain LDAP is only ever the transport for StartTLS: a simple bind in clear would
            // send the password over the network.
            "ldap" => true,
            other => {
                return Err(profile_err(
                    format!("`url`: scheme `{other}` is not `ldaps` or `ldap`"),
                    "use `ldaps://HOST:636`",
                ));
            }
        };
        if password.expose().is_empty() {
            // An empty simple bind is an anonymous bind (RFC 4513 §5.1.2): it would "succeed".
            return Err(Error::MissingSecret {
                tenant: profile.name.clone(),
                env_var: crate::secret::env_var(&profile.name),
                reason: "the bind password is empty".into(),
            });
        }
        let tls = conn::tls_config(cfg.ca_file.as_deref(), cfg.insecure_skip_verify)
            .map_err(|source| Error::provider(profile.name.clone(), source))?;
        let endpoint = Endpoint {
            url: cfg.url.clone(),
            starttls,
            connect_timeout: opts.connect_timeout,
            op_timeout: opts.op_timeout,
            ca_file: cfg.ca_file.as_ref().map(|p| p.display().to_string()),
        };
        let pool = Pool::new(ConnConfig { endpoint, tls, bind_dn: cfg.bind_dn.clone(), password }, opts.pool_size);
        Ok(Ad {
            tenant: profile.name.clone(),
            cfg: cfg.clone(),
            common: profile.common.clone(),
            pool,
            domain: OnceCell::new(),
            groups: Mutex::new(HashMap::new()),
        })
    }

    /// Build from a profile, with the password from env / keyring (`providers::build`).
    pub fn from_profile(profile: &TenantProfile) -> Result<Ad, Error> {
        let (password, _) = crate::secret::lookup(&profile.name)?;
        Ad::new(profile, password)
    }

    /// Domain facts, read on first use. Always called *before* taking a pooled connection,
    /// so that callers never hold one while waiting for another.
    async fn domain(&self) -> Result<&Domain, ProviderError> {
        self.domain
            .get_or_try_init(|| async {
                let mut c = self.pool.get().await?;
                self.load_domain(&mut c).await
            })
            .await
    }

    async fn load_domain(&self, c: &mut Conn<'_>) -> Result<Domain, ProviderError> {
        let root = c
            .read("", "(objectClass=*)", &["defaultNamingContext"])
            .await?
            .and_then(|e| e.str("defaultNamingContext"))
            .unwrap_or_else(|| self.cfg.base_dn.clone());
        // The domain head holds the SID and the password policy.
        let head = c
            .read(&root, "(objectClass=*)", &["objectSid", "minPwdLength"])
            .await?
            .ok_or_else(|| ProviderError::not_found(format!("the domain object `{root}` is not readable")))?;
        let sid = head.bytes("objectSid").first().and_then(|b| filter::sid_to_string(b)).ok_or_else(|| {
            ProviderError::new(ErrorKind::Provider, format!("`{root}` has no objectSid: is this an AD domain?"))
        })?;
        let min_pwd_length = head.int("minPwdLength").unwrap_or(0).max(0) as usize;
        let group_base = root.clone();
        let sid_of = |prefix: Option<&str>, rid: u32| format!("{}-{rid}", prefix.unwrap_or(&sid));
        let wanted: String = PRIVILEGED.iter().map(|(_, p, rid)| eq("objectSid", &sid_of(*p, *rid))).collect();
        let found = c
            .search(&group_base, Scope::Subtree, &format!("(&(objectClass=group)(|{wanted}))"), &GROUP_ATTRS, None)
            .await?;
        let by_sid: HashMap<String, Group> =
            found.iter().map(group_of).filter_map(|g| Some((g.sid.clone()?, g))).collect();
        let da_sid = sid_of(None, DOMAIN_ADMINS_RID);
        let domain_admins = by_sid.get(&da_sid).cloned().ok_or_else(|| {
            ProviderError::new(
                ErrorKind::Provider,
                format!("no Domain Admins group (SID {da_sid}) under `{group_base}`"),
            )
            .with_hint("the bind account must be able to read the groups in CN=Users and CN=Builtin")
        })?;
        let privileged = if self.cfg.privileged_groups.is_empty() {
            PRIVILEGED.iter().filter_map(|(_, p, rid)| by_sid.get(&sid_of(*p, *rid)).cloned()).collect()
        } else {
            let mut v = Vec::new();
            for g in &self.cfg.privileged_groups {
                let grp = self.find_group(c, &group_base, g).await.map_err(|e| {
                    let msg = format!("`privileged_groups`: {}", e.message);
                    ProviderError { message: msg, ..e }.with_hint("fix `privileged_groups` in the tenant profile")
                })?;
                v.push(grp);
            }
            v
        };
        let self_dn = self.find_self(c, &root).await?;
        Ok(Domain {
            dns_name: filter::dns_name(&root),
            naming_context: root,
            sid,
            min_pwd_length,
            domain_admins,
            privileged,
            self_dn,
        })
    }

    /// The bind account's DN (for `is_self`): `bind_dn` may be a DN, `user@realm` or `DOMAIN\user`.
    async fn find_self(&self, c: &mut Conn<'_>, root: &str) -> Result<Option<String>, ProviderError> {
        let b = self.cfg.bind_dn.trim();
        if looks_like_dn(b) {
            return Ok(Some(c.read(b, "(objectClass=*)", &["cn"]).await?.map_or_else(|| b.to_string(), |e| e.dn)));
        }
        let by = |f: String| filter::user(&f);
        let mut found = Vec::new();
        if let Some((_, sam)) = b.split_once('\\') {
            found = c.search(root, Scope::Subtree, &by(eq("sAMAccountName", sam)), &["cn"], Some(2)).await?;
        } else if let Some((local, _)) = b.rsplit_once('@') {
            found = c.search(root, Scope::Subtree, &by(eq("userPrincipalName", b)), &["cn"], Some(2)).await?;
            if found.is_empty() {
                // Implicit UPN `sAMAccountName@dns-domain` [doc: learn.microsoft.com User-Principal-Name attribute].
                found = c.search(root, Scope::Subtree, &by(eq("sAMAccountName", local)), &["cn"], Some(2)).await?;
            }
        }
        Ok((found.len() == 1).then(|| found.remove(0).dn))
    }

    /// Where groups are looked for: the whole domain (privileged groups live in CN=Builtin
    /// and CN=Users even when `base_dn` is an OU).
    fn group_base<'a>(&'a self, d: &'a Domain) -> &'a str {
        if filter::dn_under(&self.cfg.base_dn, &d.naming_context) { &d.naming_context } else { &self.cfg.base_dn }
    }

    /// A group by DN, sAMAccountName or cn; an entry that is not a group is an error.
    pub(crate) async fn resolve_group(
        &self,
        c: &mut Conn<'_>,
        d: &Domain,
        input: &str,
    ) -> Result<Group, ProviderError> {
        let key = input.trim().to_lowercase();
        if let Some(g) = self.groups.lock().expect("group cache").get(&key) {
            return Ok(g.clone());
        }
        let g = self.find_group(c, self.group_base(d), input).await?;
        self.groups.lock().expect("group cache").insert(key, g.clone());
        Ok(g)
    }

    async fn find_group(&self, c: &mut Conn<'_>, base: &str, input: &str) -> Result<Group, ProviderError> {
        let input = input.trim();
        let found = if looks_like_dn(input) {
            c.read(input, "(objectClass=*)", &GROUP_ATTRS).await?.into_iter().collect()
        } else {
            let f = format!("(|{}{})", eq("sAMAccountName", input), eq("cn", input));
            c.search(base, Scope::Subtree, &f, &GROUP_ATTRS, Some(10)).await?
        };
        // A user and a group may share a cn: the group is meant.
        let groups: Vec<&Entry> = found.iter().filter(|e| is_group(e)).collect();
        match (groups.as_slice(), found.first()) {
            ([g], _) => Ok(group_of(g)),
            ([], None) => Err(ProviderError::not_found(format!("no group `{input}` in `{base}`"))
                .with_hint("give the group's sAMAccountName, cn or DN")),
            ([], Some(e)) => {
                let class = e.strs("objectClass").last().cloned().unwrap_or_else(|| "entry".into());
                Err(ProviderError::new(
                    ErrorKind::InvalidRequest,
                    format!("`{input}` is not a group: `{}` is a {class}", e.dn),
                )
                .with_hint("give the name or DN of a group"))
            }
            (many, _) => Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!(
                    "`{input}` names {} groups: {}",
                    many.len(),
                    many.iter().map(|e| format!("`{}`", e.dn)).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_hint("give the group's DN")),
        }
    }

    async fn read_user(&self, c: &mut Conn<'_>, dn: &str, attrs: &[&str]) -> Result<Entry, ProviderError> {
        c.read(dn, &filter::user(""), attrs)
            .await?
            .ok_or_else(|| ProviderError::not_found(format!("user `{dn}` no longer exists")))
    }

    fn user_ref(&self, d: &Domain, e: &Entry) -> UserRef {
        let name = e
            .str("userPrincipalName")
            .or_else(|| e.str("sAMAccountName").map(|s| format!("{s}@{}", d.dns_name)))
            .unwrap_or_else(|| e.dn.clone());
        UserRef { id: e.dn.clone(), name }
    }

    fn is_self(&self, d: &Domain, dn: &str) -> bool {
        d.self_dn.as_deref().is_some_and(|s| dn_key(s) == dn_key(dn))
    }
}

fn is_group(e: &Entry) -> bool {
    e.strs("objectClass").iter().any(|c| c.eq_ignore_ascii_case("group"))
}

fn group_of(e: &Entry) -> Group {
    Group {
        dn: e.dn.clone(),
        name: e.str("cn").unwrap_or_else(|| filter::rdn_value(&e.dn)),
        sid: e.bytes("objectSid").first().and_then(|b| filter::sid_to_string(b)),
    }
}

fn uac(e: &Entry) -> Result<u32, ProviderError> {
    e.int("userAccountControl").map(|v| v as u32).ok_or_else(|| {
        ProviderError::new(ErrorKind::Provider, format!("`{}` has no readable userAccountControl", e.dn))
            .with_hint("the bind account needs read access to userAccountControl")
    })
}

/// `revoke-sessions` and `enforce-mfa` have no AD equivalent.
fn unsupported(action: Action) -> Option<ProviderError> {
    let hint = match action {
        Action::RevokeSessions => {
            "AD cannot revoke sessions: Kerberos tickets already issued stay valid until they expire (10 h by default); \
             disable the account or reset its password here, and run `revoke-sessions` on the cloud tenant (`--tenant CLOUD`)"
        }
        Action::EnforceMfa | Action::UnenforceMfa => {
            "AD has no per-user MFA: run `enforce-mfa` on the cloud tenant the users sign in through (`--tenant CLOUD`)"
        }
        _ => return None,
    };
    Some(ProviderError::unsupported(ProviderKind::Ad, action, hint))
}

#[async_trait]
impl Provider for Ad {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ad
    }

    fn supports(&self, action: Action) -> Result<(), ProviderError> {
        unsupported(action).map_or(Ok(()), Err)
    }

    async fn resolve(&self, input: &str) -> Result<UserRef, ProviderError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ProviderError::new(ErrorKind::InvalidRequest, "empty user name"));
        }
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let base = self.cfg.base_dn.as_str();
        let found: Vec<Entry> = if looks_like_dn(input) {
            if !filter::dn_under(input, base) {
                return Err(ProviderError::not_found(format!("`{input}` is not under `base_dn` `{base}`"))
                    .with_hint("the tenant's `base_dn` limits which users it acts on"));
            }
            c.read(input, &filter::user(""), &USER_ATTRS).await?.into_iter().collect()
        } else if let Some((_, sam)) = input.split_once('\\') {
            c.search(base, Scope::Subtree, &filter::user(&eq("sAMAccountName", sam)), &USER_ATTRS, Some(5)).await?
        } else {
            let any =
                format!("(|{}{}{})", eq("userPrincipalName", input), eq("mail", input), eq("sAMAccountName", input));
            let mut v = c.search(base, Scope::Subtree, &filter::user(&any), &USER_ATTRS, Some(5)).await?;
            if v.is_empty()
                && let Some((local, domain)) = input.rsplit_once('@')
                && domain.eq_ignore_ascii_case(&d.dns_name)
            {
                // Implicit UPN: an account without userPrincipalName still signs in as
                // sAMAccountName@dns-domain [doc: learn.microsoft.com User-Principal-Name attribute].
                v = c
                    .search(base, Scope::Subtree, &filter::user(&eq("sAMAccountName", local)), &USER_ATTRS, Some(5))
                    .await?;
            }
            v
        };
        match found.as_slice() {
            [] => Err(ProviderError::not_found(format!("no user `{input}` under `{base}`"))
                .with_hint("give the userPrincipalName, sAMAccountName, mail or DN of a user account")),
            [e] => Ok(self.user_ref(d, e)),
            many => Err(ProviderError::new(
                ErrorKind::InvalidRequest,
                format!(
                    "`{input}` matches {} users: {}",
                    many.len(),
                    many.iter().map(|e| format!("`{}`", e.dn)).collect::<Vec<_>>().join(", ")
                ),
            )
            .with_hint("give the user's DN or userPrincipalName")),
        }
    }

    async fn state(&self, user: &UserRef) -> Result<UserState, ProviderError> {
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        let mut attrs = USER_ATTRS.to_vec();
        // tokenGroups: every group SID of the user, nested and primary included; a
        // constructed attribute, readable with a base-scope search only [doc: learn.microsoft.com Token-Groups attribute].
        attrs.push("tokenGroups");
        let e = self.read_user(&mut c, &user.id, &attrs).await?;
        let uac = uac(&e)?;
        let enabled = uac & filter::UAC_ACCOUNTDISABLE == 0;
        let tokens: Vec<String> = e.bytes("tokenGroups").iter().filter_map(|b| filter::sid_to_string(b)).collect();
        let has = |g: &Group| g.sid.as_ref().is_some_and(|s| tokens.contains(s));
        let domain_admin = has(&d.domain_admins);
        let groups: Vec<String> = e.strs("memberOf").iter().map(|dn| filter::rdn_value(dn)).collect();
        let privileged: Vec<&str> = d.privileged.iter().filter(|g| has(g)).map(|g| g.name.as_str()).collect();
        Ok(UserState {
            enabled: Some(enabled),
            top_admin: enabled && domain_admin,
            synced: false,
            is_self: self.is_self(d, &e.dn),
            // Domain Admins membership is the top admin role itself.
            top_admin_groups: if domain_admin {
                vec![d.domain_admins.name.clone(), d.domain_admins.dn.clone()]
            } else {
                Vec::new()
            },
            details: json!({
                "dn": e.dn,
                "sAMAccountName": e.str("sAMAccountName"),
                "userPrincipalName": e.str("userPrincipalName"),
                "userAccountControl": uac,
                "groups": groups,
                "primaryGroupID": e.int("primaryGroupID"),
                "privileged_groups": privileged,
                "domain_admin": domain_admin,
            }),
        })
    }

    async fn apply(&self, user: &UserRef, action: Action, ctx: ApplyContext<'_>) -> Result<Outcome, ProviderError> {
        if let Some(e) = unsupported(action) {
            return Err(e);
        }
        match action {
            Action::Disable => self.set_enabled(user, false, ctx).await,
            Action::Enable => self.set_enabled(user, true, ctx).await,
            Action::ResetPassword => self.reset_password(user, ctx).await,
            Action::RemoveGroups => self.remove_memberships(user, ctx, actions::Kind::Groups).await,
            Action::RemoveRoles => self.remove_memberships(user, ctx, actions::Kind::Roles).await,
            Action::RestoreGroups => self.restore_memberships(user, ctx, actions::Kind::Groups).await,
            Action::RestoreRoles => self.restore_memberships(user, ctx, actions::Kind::Roles).await,
            Action::Restrict => self.restrict(user, ctx, true).await,
            Action::Unrestrict => self.restrict(user, ctx, false).await,
            Action::RevokeSessions | Action::EnforceMfa | Action::UnenforceMfa => {
                unreachable!("refused above by `unsupported`")
            }
        }
    }

    async fn top_admins(&self) -> Result<Vec<String>, ProviderError> {
        let d = self.domain().await?;
        let mut c = self.pool.get().await?;
        // Enabled members of Domain Admins, nested membership and primary group included.
        let f = filter::user(&format!(
            "(!(userAccountControl:{}:=2))(|(memberOf:{IN_CHAIN}:={})(primaryGroupID={DOMAIN_ADMINS_RID}))",
            filter::BIT_AND,
            escape(&d.domain_admins.dn)
        ));
        let found = c.search(self.group_base(d), Scope::Subtree, &f, &["cn"], None).await?;
        Ok(found.into_iter().map(|e| e.dn).collect())
    }

    async fn check(&self) -> Result<Vec<Check>, ProviderError> {
        self.run_checks().await
    }
}
