//! Secrets (client secrets, API tokens, bind passwords, generated passwords): a type that
//! never prints itself, and the lookup order env → OS keyring (DESIGN.md §2).
//!
//! The keyring is the Secret Service over D-Bus (keyring 3, zbus on `async-io`, so it is
//! callable from inside tokio). There is deliberately no silent fallback: where no Secret
//! Service answers (a headless server), the error says so and names the env variable.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// Keyring service name; the account is the tenant name.
pub const KEYRING_SERVICE: &str = "remediate";

/// How long a keyring call may take before we give up (a locked keyring can prompt forever).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// A secret value: `Debug` and `Display` print `REDACTED`; `expose` is for the HTTP/LDAP edge.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("REDACTED")
    }
}

/// Where a secret came from, for `tenant show` / `tenant test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    Env,
    Keyring,
}

/// `REMEDIATE_SECRET_<NAME>`: the tenant name upper-cased, `-` and `.` as `_`.
pub fn env_var(tenant: &str) -> String {
    let name: String =
        tenant.chars().map(|c| if c == '-' || c == '.' { '_' } else { c.to_ascii_uppercase() }).collect();
    format!("REMEDIATE_SECRET_{name}")
}

/// Look up a tenant's secret: env first, then the keyring.
pub fn lookup(tenant: &str) -> Result<(Secret, SecretSource)> {
    let var = env_var(tenant);
    if let Some(v) = std::env::var_os(&var) {
        let v = v.into_string().map_err(|_| Error::MissingSecret {
            tenant: tenant.into(),
            env_var: var.clone(),
            reason: format!("`{var}` is not valid UTF-8"),
        })?;
        if !v.is_empty() {
            return Ok((Secret(v), SecretSource::Env));
        }
    }
    match keyring_call(tenant, KeyringOp::Get)? {
        Some(s) => Ok((Secret(s), SecretSource::Keyring)),
        None => Err(Error::MissingSecret {
            tenant: tenant.into(),
            env_var: var,
            reason: "not in the environment nor in the keyring".into(),
        }),
    }
}

/// Store a tenant's secret in the keyring.
pub fn store(tenant: &str, secret: &Secret) -> Result<()> {
    keyring_call(tenant, KeyringOp::Set(secret.clone())).map(|_| ())
}

/// Remove a tenant's secret from the keyring; absent is fine.
pub fn delete(tenant: &str) -> Result<bool> {
    keyring_call(tenant, KeyringOp::Delete).map(|r| r.is_some())
}

enum KeyringOp {
    Get,
    Set(Secret),
    Delete,
}

/// Run one keyring operation on its own thread under a timeout: a locked collection can
/// wait on a prompt that never comes on a headless machine.
fn keyring_call(tenant: &str, op: KeyringOp) -> Result<Option<String>> {
    let var = env_var(tenant);
    let unavailable = |reason: String| Error::MissingSecret { tenant: tenant.into(), env_var: var.clone(), reason };
    let (tx, rx) = std::sync::mpsc::channel();
    let account = tenant.to_string();
    std::thread::spawn(move || {
        let result = (|| {
            let entry = keyring::Entry::new(KEYRING_SERVICE, &account)?;
            match op {
                KeyringOp::Get => entry.get_password().map(Some),
                KeyringOp::Set(s) => entry.set_password(s.expose()).map(|_| None),
                KeyringOp::Delete => entry.delete_credential().map(|_| Some(String::new())),
            }
        })();
        let _ = tx.send(result);
    });
    match rx.recv_timeout(KEYRING_TIMEOUT) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(keyring::Error::NoEntry)) => Ok(None),
        Ok(Err(keyring::Error::NoStorageAccess(e))) | Ok(Err(keyring::Error::PlatformFailure(e))) => {
            Err(unavailable(format!("no usable OS keyring (Secret Service): {}", redact_keyring_error(&e.to_string()))))
        }
        Ok(Err(e)) => Err(unavailable(format!("keyring error: {}", redact_keyring_error(&e.to_string())))),
        Err(_) => Err(unavailable(format!(
            "the OS keyring did not answer within {} s (is it locked?)",
            KEYRING_TIMEOUT.as_secs()
        ))),
    }
}

/// Keyring errors never contain the secret, but keep them to one line.
fn redact_keyring_error(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names() {
        assert_eq!(env_var("contoso"), "REMEDIATE_SECRET_CONTOSO");
        assert_eq!(env_var("corp-ad.eu"), "REMEDIATE_SECRET_CORP_AD_EU");
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "REDACTED Secret(REDACTED)");
        assert_eq!(s.expose(), "hunter2");
    }
}
