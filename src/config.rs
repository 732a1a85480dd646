//! Tenant profiles: the TOML config file (non-secret settings only), its validation, and
//! the built-in `demo` tenant.
//!
//! Every provider kind's fields are stored and validated here, even for providers whose
//! engine side comes later, so that a profile written today keeps working.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Action;
use crate::providers::ProviderKind;

/// The name of the built-in practice tenant.
pub const DEMO_TENANT: &str = "demo";

/// Default for `max_targets`: above it `--yes` is not enough (DESIGN.md §1).
pub const DEFAULT_MAX_TARGETS: usize = 500;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_tenant: Option<String>,
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantProfile>,
}

/// One tenant: which identity system, how to reach it, and its safety settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantProfile {
    #[serde(skip)]
    pub name: String,
    #[serde(flatten)]
    pub provider: ProviderConfig,
    #[serde(flatten)]
    pub common: CommonSettings,
}

/// Settings every provider takes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommonSettings {
    /// Group users are added to by `restrict` (id or name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_group: Option<String>,
    /// Group `enforce-mfa` adds users to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_group: Option<String>,
    /// Group `enforce-mfa --phishing-resistant` adds users to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phishing_resistant_mfa_group: Option<String>,
    /// Break-glass and service accounts that are never touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected: Vec<String>,
    /// Above this many targets `--yes` needs `--i-know-this-is-many N` too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_targets: Option<usize>,
    /// Actions that always need an approval.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approval_required_for: Vec<Action>,
    /// Batches with more users than this need an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_threshold: Option<usize>,
    /// Whether the requester may approve their own batch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_approval: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum ProviderConfig {
    Entra(EntraConfig),
    Okta(OktaConfig),
    Google(GoogleConfig),
    Ad(AdConfig),
    Sandbox(SandboxConfig),
}

impl ProviderConfig {
    pub fn kind(&self) -> ProviderKind {
        match self {
            ProviderConfig::Entra(_) => ProviderKind::Entra,
            ProviderConfig::Okta(_) => ProviderKind::Okta,
            ProviderConfig::Google(_) => ProviderKind::Google,
            ProviderConfig::Ad(_) => ProviderKind::Ad,
            ProviderConfig::Sandbox(_) => ProviderKind::Sandbox,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    #[default]
    Global,
    Usgov,
    UsgovDod,
    China,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntraConfig {
    pub tenant_id: String,
    pub client_id: String,
    /// PEM with the certificate and its private key; without it a client secret is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    #[serde(default)]
    pub cloud: Cloud,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// Signature of the certificate's client assertion: `ps256` (with `x5t#S256`, what the
    /// current Entra docs ask for) or `rs256` (with SHA-1 `x5t`, the older form).
    #[serde(default, skip_serializing_if = "is_default_alg")]
    pub assertion_alg: AssertionAlg,
}

/// How an Entra certificate credential signs its client assertion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AssertionAlg {
    #[default]
    Ps256,
    Rs256,
}

fn is_default_alg(a: &AssertionAlg) -> bool {
    *a == AssertionAlg::default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OktaConfig {
    pub org_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoogleConfig {
    pub domain: String,
    pub admin_email: String,
    pub service_account_file: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdConfig {
    pub url: String,
    pub bind_dn: String,
    pub base_dn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
    /// Privileged groups `remove-roles` strips; defaults to the built-in AD admin groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileged_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxConfig {
    /// Generic users seeded as `user00001@NAME.test`...; `None` seeds the demo directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u32>,
    /// Added to every provider call.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
    /// Probability (0..=1) that a write fails with a transient error.
    #[serde(default, skip_serializing_if = "is_zero_f")]
    pub fail_rate: f64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
fn is_zero_f(n: &f64) -> bool {
    *n == 0.0
}

impl TenantProfile {
    /// The built-in practice tenant (DESIGN.md §2).
    pub fn demo() -> TenantProfile {
        TenantProfile {
            name: DEMO_TENANT.into(),
            provider: ProviderConfig::Sandbox(SandboxConfig::default()),
            common: CommonSettings {
                restricted_group: Some("restricted-users".into()),
                mfa_group: Some("mfa-required".into()),
                phishing_resistant_mfa_group: Some("mfa-phishing-resistant".into()),
                protected: vec!["breakglass@demo.test".into()],
                ..CommonSettings::default()
            },
        }
    }

    pub fn max_targets(&self) -> usize {
        self.common.max_targets.unwrap_or(DEFAULT_MAX_TARGETS)
    }

    /// Check required fields, endpoint schemes and file references.
    pub fn validate(&self) -> Result<()> {
        validate_name(&self.name)?;
        let err = |message: String, hint: Option<&str>| Error::Profile {
            tenant: self.name.clone(),
            message,
            hint: hint.map(Into::into),
        };
        let nonempty = |field: &str, v: &str| {
            if v.trim().is_empty() { Err(err(format!("`{field}` is empty"), None)) } else { Ok(()) }
        };
        match &self.provider {
            ProviderConfig::Entra(c) => {
                nonempty("tenant_id", &c.tenant_id)?;
                nonempty("client_id", &c.client_id)?;
                for (field, url) in [("graph_url", &c.graph_url), ("login_url", &c.login_url)] {
                    if let Some(u) = url {
                        check_endpoint(u, &["https", "http"]).map_err(|m| err(format!("`{field}`: {m}"), None))?;
                    }
                }
            }
            ProviderConfig::Okta(c) => {
                check_endpoint(&c.org_url, &["https", "http"]).map_err(|m| err(format!("`org_url`: {m}"), None))?;
                if c.client_id.is_some() != c.private_key.is_some() {
                    return Err(err(
                        "`client_id` and `private_key` go together".into(),
                        Some("give both for an OAuth service app, or neither for an SSWS API token"),
                    ));
                }
            }
            ProviderConfig::Google(c) => {
                nonempty("domain", &c.domain)?;
                if !c.admin_email.contains('@') {
                    return Err(err(format!("`admin_email` `{}` is not an email address", c.admin_email), None));
                }
                for (field, url) in [("api_url", &c.api_url), ("token_url", &c.token_url)] {
                    if let Some(u) = url {
                        check_endpoint(u, &["https", "http"]).map_err(|m| err(format!("`{field}`: {m}"), None))?;
                    }
                }
            }
            ProviderConfig::Ad(c) => {
                let url = check_endpoint(&c.url, &["ldaps", "ldap"]).map_err(|m| err(format!("`url`: {m}"), None))?;
                nonempty("bind_dn", &c.bind_dn)?;
                nonempty("base_dn", &c.base_dn)?;
                if c.insecure_skip_verify && !url.host_str().is_some_and(is_loopback_host) {
                    return Err(err(
                        "`insecure_skip_verify` is refused for a host that is not loopback".into(),
                        Some("give the server's CA with `--ca-file PEM` instead"),
                    ));
                }
            }
            ProviderConfig::Sandbox(c) => {
                if !(0.0..=1.0).contains(&c.fail_rate) {
                    return Err(err(format!("`fail_rate` {} is not between 0 and 1", c.fail_rate), None));
                }
            }
        }
        Ok(())
    }
}

/// The settings a profile of this provider may have.
fn known_keys(kind: ProviderKind) -> Vec<&'static str> {
    let mut keys = vec![
        "provider",
        "restricted_group",
        "mfa_group",
        "phishing_resistant_mfa_group",
        "protected",
        "max_targets",
        "approval_required_for",
        "approval_threshold",
        "self_approval",
    ];
    keys.extend_from_slice(match kind {
        ProviderKind::Entra => {
            &["tenant_id", "client_id", "certificate", "cloud", "graph_url", "login_url", "assertion_alg"][..]
        }
        ProviderKind::Okta => &["org_url", "client_id", "private_key"],
        ProviderKind::Google => &["domain", "admin_email", "service_account_file", "api_url", "token_url"],
        ProviderKind::Ad => &["url", "bind_dn", "base_dn", "ca_file", "insecure_skip_verify", "privileged_groups"],
        ProviderKind::Sandbox => &["users", "latency_ms", "fail_rate"],
    });
    keys
}

/// Tenant names become env var suffixes and file names: keep them simple.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::usage(
            format!("invalid tenant name `{name}`"),
            Some("use letters, digits, `-`, `_` and `.`, starting with a letter or digit".to_string()),
        ))
    }
}

/// Whether a host name or address is loopback (127.0.0.0/8, ::1, localhost).
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parse an endpoint URL: scheme among `allowed`, and the plain variants (`http`, `ldap`)
/// only to loopback hosts, so that bearer tokens and bind passwords never cross a
/// network unencrypted (DESIGN.md §2). `ldap://` is further limited by the AD provider
/// to StartTLS.
pub fn check_endpoint(raw: &str, allowed: &[&str]) -> std::result::Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL ({e})"))?;
    if !allowed.contains(&url.scheme()) {
        return Err(format!("scheme `{}` is not one of {}", url.scheme(), allowed.join(", ")));
    }
    let host = url.host_str().ok_or_else(|| format!("`{raw}` has no host"))?;
    if matches!(url.scheme(), "http") && !is_loopback_host(host) {
        return Err(format!("plain `http://` is only accepted for loopback hosts, not `{host}`: use `https://`"));
    }
    Ok(url)
}

/// Where the config file is: `--config`, `REMEDIATE_CONFIG`, else the XDG location.
pub fn default_config_path() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config").join("remediate").join("config.toml")
}

/// Where the task log is: `--state-dir`, `REMEDIATE_STATE_DIR`, else the XDG location.
pub fn default_state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").join("remediate")
}

fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(".")).join(fallback),
    }
}

impl Config {
    /// Read the config; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::io(format!("cannot read config `{}`", path.display()), e)),
        };
        let bad = |message: String| Error::Config { path: path.into(), message };
        let mut cfg: Config = toml::from_str(&text).map_err(|e| bad(e.message().to_string()))?;
        // serde cannot deny unknown fields through `flatten`, so typos are caught here.
        let raw: toml::Table = toml::from_str(&text).map_err(|e| bad(e.message().to_string()))?;
        if let Some(toml::Value::Table(tenants)) = raw.get("tenants") {
            for (name, t) in tenants {
                let (Some(table), Some(profile)) = (t.as_table(), cfg.tenants.get(name)) else { continue };
                let known = known_keys(profile.provider.kind());
                if let Some(key) = table.keys().find(|k| !known.contains(&k.as_str())) {
                    return Err(bad(format!("tenant `{name}`: unknown setting `{key}`")));
                }
            }
        }
        for (name, t) in cfg.tenants.iter_mut() {
            t.name = name.clone();
            t.validate()?;
        }
        Ok(cfg)
    }

    /// Write the config atomically, 0600 (it names hosts and accounts).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).expect("config serializes");
        crate::fsutil::write_atomic(path, text.as_bytes(), 0o600)
            .map_err(|e| Error::io(format!("cannot write config `{}`", path.display()), e))
    }

    /// A tenant by name; `demo` is always there unless the config overrides it.
    pub fn tenant(&self, name: &str) -> Result<TenantProfile> {
        if let Some(t) = self.tenants.get(name) {
            return Ok(t.clone());
        }
        if name == DEMO_TENANT {
            return Ok(TenantProfile::demo());
        }
        Err(Error::UnknownTenant { name: name.into(), known: self.names() })
    }

    /// Every tenant name, the built-in `demo` included.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.tenants.keys().cloned().collect();
        if !self.tenants.contains_key(DEMO_TENANT) {
            names.push(DEMO_TENANT.into());
        }
        names
    }

    /// The tenants a command runs on: `--tenant` (repeatable), else `default_tenant`, else
    /// the only configured tenant (the demo one when none is configured).
    pub fn select(&self, requested: &[String]) -> Result<Vec<TenantProfile>> {
        if !requested.is_empty() {
            let mut seen = Vec::new();
            for name in requested.iter().flat_map(|r| r.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
                if !seen.iter().any(|t: &TenantProfile| t.name == name) {
                    seen.push(self.tenant(name)?);
                }
            }
            return Ok(seen);
        }
        if let Some(d) = &self.default_tenant {
            return Ok(vec![self.tenant(d)?]);
        }
        match self.tenants.len() {
            0 => Ok(vec![TenantProfile::demo()]),
            1 => Ok(self.tenants.values().cloned().collect()),
            _ => Err(Error::NoTenantSelected { known: self.names() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in ["http://127.0.0.1:8080", "http://localhost/x", "http://[::1]:9", "https://graph.microsoft.com"] {
            assert!(check_endpoint(ok, &["https", "http"]).is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.1", "http://graph.microsoft.com", "ftp://127.0.0.1", "not a url"] {
            assert!(check_endpoint(bad, &["https", "http"]).is_err(), "{bad}");
        }
        assert!(check_endpoint("http://localhost.evil.com", &["http"]).is_err());
    }

    #[test]
    fn profiles_round_trip_through_toml() {
        let text = r#"
            default_tenant = "contoso"
            [tenants.contoso]
            provider = "entra"
            tenant_id = "t"
            client_id = "c"
            cloud = "usgov-dod"
            protected = ["bg@contoso.com"]
            [tenants.corp]
            provider = "ad"
            url = "ldaps://dc1.corp.example:636"
            bind_dn = "CN=svc,DC=corp"
            base_dn = "DC=corp"
        "#;
        let cfg: Config = toml::from_str(text).unwrap();
        let c = &cfg.tenants["contoso"];
        assert!(matches!(&c.provider, ProviderConfig::Entra(e) if e.cloud == Cloud::UsgovDod));
        assert_eq!(c.common.protected, vec!["bg@contoso.com"]);
        let again: Config = toml::from_str(&toml::to_string_pretty(&cfg).unwrap()).unwrap();
        assert_eq!(again.tenants, cfg.tenants);
    }

    #[test]
    fn unknown_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[tenants.lab]\nprovider = \"sandbox\"\nuser = 5\n").unwrap();
        let err = Config::load(&path).unwrap_err().to_string();
        assert!(err.contains("unknown setting `user`"), "{err}");
        std::fs::write(&path, "[tenants.lab]\nprovider = \"sandbox\"\nusers = 5\nprotected = [\"a\"]\n").unwrap();
        assert_eq!(Config::load(&path).unwrap().tenants["lab"].common.protected, ["a"]);
        // Every field of every provider is a known setting.
        std::fs::write(
            &path,
            "[tenants.c]\nprovider = \"entra\"\ntenant_id = \"t\"\nclient_id = \"c\"\nassertion_alg = \"rs256\"\n",
        )
        .unwrap();
        assert!(Config::load(&path).is_ok());
    }

    /// `known_keys` must list every field a profile can serialize, or a saved profile would
    /// be refused on the next load.
    #[test]
    fn known_keys_cover_every_field() {
        let some = || Some("x".to_string());
        let path = || Some(PathBuf::from("/x"));
        let common = CommonSettings {
            restricted_group: some(),
            mfa_group: some(),
            phishing_resistant_mfa_group: some(),
            protected: vec!["p".into()],
            max_targets: Some(1),
            approval_required_for: vec![Action::Disable],
            approval_threshold: Some(1),
            self_approval: true,
        };
        let providers = [
            ProviderConfig::Entra(EntraConfig {
                tenant_id: "t".into(),
                client_id: "c".into(),
                certificate: path(),
                cloud: Cloud::China,
                graph_url: some(),
                login_url: some(),
                assertion_alg: AssertionAlg::Rs256,
            }),
            ProviderConfig::Okta(OktaConfig { org_url: "u".into(), client_id: some(), private_key: path() }),
            ProviderConfig::Google(GoogleConfig {
                domain: "d".into(),
                admin_email: "a@d".into(),
                service_account_file: "/x".into(),
                api_url: some(),
                token_url: some(),
            }),
            ProviderConfig::Ad(AdConfig {
                url: "u".into(),
                bind_dn: "b".into(),
                base_dn: "b".into(),
                ca_file: path(),
                insecure_skip_verify: true,
                privileged_groups: vec!["g".into()],
            }),
            ProviderConfig::Sandbox(SandboxConfig { users: Some(1), latency_ms: 1, fail_rate: 0.5 }),
        ];
        for provider in providers {
            let kind = provider.kind();
            let p = TenantProfile { name: "t".into(), provider, common: common.clone() };
            let value = toml::Value::try_from(&p).unwrap();
            let known = known_keys(kind);
            for key in value.as_table().unwrap().keys() {
                assert!(known.contains(&key.as_str()), "{kind}: `{key}` missing from known_keys");
            }
        }
    }

    #[test]
    fn insecure_skip_verify_needs_loopback() {
        let mut p = TenantProfile {
            name: "corp".into(),
            provider: ProviderConfig::Ad(AdConfig {
                url: "ldaps://dc1.corp.example".into(),
                bind_dn: "x".into(),
                base_dn: "y".into(),
                ca_file: None,
                insecure_skip_verify: true,
                privileged_groups: vec![],
            }),
            common: CommonSettings::default(),
        };
        assert!(p.validate().is_err());
        if let ProviderConfig::Ad(c) = &mut p.provider {
            c.url = "ldaps://127.0.0.1:636".into();
        }
        assert!(p.validate().is_ok());
    }

    #[test]
    fn selection_rules() {
        let mut cfg = Config::default();
        assert_eq!(cfg.select(&[]).unwrap()[0].name, "demo");
        let mut t = TenantProfile::demo();
        t.name = "a".into();
        cfg.tenants.insert("a".into(), t.clone());
        assert_eq!(cfg.select(&[]).unwrap()[0].name, "a");
        t.name = "b".into();
        cfg.tenants.insert("b".into(), t);
        assert!(matches!(cfg.select(&[]), Err(Error::NoTenantSelected { .. })));
        assert_eq!(cfg.select(&["b".into(), "demo".into()]).unwrap().len(), 2);
        assert!(matches!(cfg.select(&["zzz".into()]), Err(Error::UnknownTenant { .. })));
    }
}
