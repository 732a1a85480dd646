//! `remediate tenant add|list|show|remove|test`: manage tenant profiles and their secrets.

use std::io::BufRead;

use super::args::{TenantAddArgs, TenantCommand};
use super::{Ctx, out_err};
use crate::config::{
    self, AdConfig, CommonSettings, EntraConfig, GoogleConfig, OktaConfig, ProviderConfig, SandboxConfig, TenantProfile,
};
use crate::error::{Error, ExitCode, Result};
use crate::providers::ProviderKind;
use crate::secret::{self, Secret, SecretSource};

pub(super) async fn run(ctx: &Ctx, command: TenantCommand) -> Result<ExitCode> {
    match command {
        TenantCommand::Add(a) => add(ctx, a),
        TenantCommand::List => list(ctx),
        TenantCommand::Show { name } => show(ctx, &name),
        TenantCommand::Remove { name } => remove(ctx, &name),
        TenantCommand::Test { name } => test(ctx, name).await,
    }
}

fn require(value: Option<String>, flag: &str, provider: ProviderKind) -> Result<String> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(Error::usage(
            format!("provider `{provider}` needs `--{flag}`"),
            Some("`remediate tenant add --help` lists the flags of each provider".to_string()),
        )),
    }
}

/// Flags that belong to another provider are refused, not silently dropped.
fn refuse_foreign(args: &TenantAddArgs) -> Result<()> {
    let p = args.provider;
    let given: &[(&str, bool, &[ProviderKind])] = &[
        ("tenant-id", args.tenant_id.is_some(), &[ProviderKind::Entra]),
        ("client-id", args.client_id.is_some(), &[ProviderKind::Entra, ProviderKind::Okta]),
        ("certificate", args.certificate.is_some(), &[ProviderKind::Entra]),
        ("cloud", args.cloud.is_some(), &[ProviderKind::Entra]),
        ("graph-url", args.graph_url.is_some(), &[ProviderKind::Entra]),
        ("login-url", args.login_url.is_some(), &[ProviderKind::Entra]),
        ("org-url", args.org_url.is_some(), &[ProviderKind::Okta]),
        ("private-key", args.private_key.is_some(), &[ProviderKind::Okta]),
        ("domain", args.domain.is_some(), &[ProviderKind::Google]),
        ("admin-email", args.admin_email.is_some(), &[ProviderKind::Google]),
        ("service-account-file", args.service_account_file.is_some(), &[ProviderKind::Google]),
        ("api-url", args.api_url.is_some(), &[ProviderKind::Google]),
        ("token-url", args.token_url.is_some(), &[ProviderKind::Google]),
        ("url", args.url.is_some(), &[ProviderKind::Ad]),
        ("bind-dn", args.bind_dn.is_some(), &[ProviderKind::Ad]),
        ("base-dn", args.base_dn.is_some(), &[ProviderKind::Ad]),
        ("ca-file", args.ca_file.is_some(), &[ProviderKind::Ad]),
        ("insecure-skip-verify", args.insecure_skip_verify, &[ProviderKind::Ad]),
        ("users", args.users.is_some(), &[ProviderKind::Sandbox]),
        ("latency-ms", args.latency_ms.is_some(), &[ProviderKind::Sandbox]),
        ("fail-rate", args.fail_rate.is_some(), &[ProviderKind::Sandbox]),
    ];
    for (flag, set, owners) in given {
        if *set && !owners.contains(&p) {
            return Err(Error::usage(format!("`--{flag}` does not apply to provider `{p}`"), None));
        }
    }
    Ok(())
}

fn profile_from(args: &TenantAddArgs) -> Result<TenantProfile> {
    refuse_foreign(args)?;
    let p = args.provider;
    let provider = match p {
        ProviderKind::Entra => ProviderConfig::Entra(EntraConfig {
            tenant_id: require(args.tenant_id.clone(), "tenant-id", p)?,
            client_id: require(args.client_id.clone(), "client-id", p)?,
            certificate: args.certificate.clone(),
            cloud: args.cloud.unwrap_or_default(),
            graph_url: args.graph_url.clone(),
            login_url: args.login_url.clone(),
            // `rs256` is set in the config file for apps that need the older assertion form.
            assertion_alg: Default::default(),
        }),
        ProviderKind::Okta => ProviderConfig::Okta(OktaConfig {
            org_url: require(args.org_url.clone(), "org-url", p)?,
            client_id: args.client_id.clone(),
            private_key: args.private_key.clone(),
        }),
        ProviderKind::Google => ProviderConfig::Google(GoogleConfig {
            domain: require(args.domain.clone(), "domain", p)?,
            admin_email: require(args.admin_email.clone(), "admin-email", p)?,
            service_account_file: args
                .service_account_file
                .clone()
                .ok_or_else(|| Error::usage("provider `google` needs `--service-account-file`", None))?,
            api_url: args.api_url.clone(),
            token_url: args.token_url.clone(),
        }),
        ProviderKind::Ad => ProviderConfig::Ad(AdConfig {
            url: require(args.url.clone(), "url", p)?,
            bind_dn: require(args.bind_dn.clone(), "bind-dn", p)?,
            base_dn: require(args.base_dn.clone(), "base-dn", p)?,
            ca_file: args.ca_file.clone(),
            insecure_skip_verify: args.insecure_skip_verify,
            privileged_groups: Vec::new(),
        }),
        ProviderKind::Sandbox => ProviderConfig::Sandbox(SandboxConfig {
            users: args.users,
            latency_ms: args.latency_ms.unwrap_or(0),
            fail_rate: args.fail_rate.unwrap_or(0.0),
        }),
    };
    let profile = TenantProfile {
        name: args.name.clone(),
        provider,
        common: CommonSettings {
            restricted_group: args.restricted_group.clone(),
            mfa_group: args.mfa_group.clone(),
            phishing_resistant_mfa_group: args.phishing_resistant_mfa_group.clone(),
            protected: args.protected.clone(),
            max_targets: args.max_targets,
            ..CommonSettings::default()
        },
    };
    profile.validate()?;
    for file in [&args.certificate, &args.private_key, &args.service_account_file, &args.ca_file].into_iter().flatten()
    {
        if !file.is_file() {
            return Err(Error::input(format!("`{}` is not a readable file", file.display()), None));
        }
    }
    Ok(profile)
}

/// Whether this profile authenticates with a secret from env / keyring.
fn uses_secret(p: &TenantProfile) -> bool {
    match &p.provider {
        ProviderConfig::Entra(c) => c.certificate.is_none(),
        ProviderConfig::Okta(c) => c.private_key.is_none(),
        ProviderConfig::Ad(_) => true,
        ProviderConfig::Google(_) | ProviderConfig::Sandbox(_) => false,
    }
}

fn add(ctx: &Ctx, args: TenantAddArgs) -> Result<ExitCode> {
    config::validate_name(&args.name)?;
    let profile = profile_from(&args)?;
    let mut cfg = ctx.config.clone();
    if cfg.tenants.contains_key(&args.name) && !args.force {
        return Err(Error::usage(
            format!("tenant `{}` already exists", args.name),
            Some("pass `--force` to replace it".to_string()),
        ));
    }
    if uses_secret(&profile) {
        let secret = if args.secret_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Error::io("cannot read the secret from stdin", e))?;
            Some(Secret::new(line.trim_end_matches(['\n', '\r']).to_string()))
        } else if ctx.printer.can_prompt() {
            let s = dialoguer::Password::new()
                .with_prompt(format!("Secret for tenant `{}` (input hidden)", args.name))
                .interact()
                .map_err(|e| Error::io("cannot read the secret", std::io::Error::other(e)))?;
            Some(Secret::new(s))
        } else {
            None
        };
        match secret {
            Some(s) if s.expose().is_empty() => return Err(Error::input("the secret is empty", None)),
            // Stored before the profile, so a keyring failure leaves nothing half-written.
            Some(s) => secret::store(&args.name, &s)?,
            None => ctx.printer.warn(format!(
                "no secret stored: set `{}` or run again with `--secret-stdin`",
                secret::env_var(&args.name)
            )),
        }
    }
    cfg.tenants.insert(args.name.clone(), profile);
    if args.default {
        cfg.default_tenant = Some(args.name.clone());
    }
    cfg.save(&ctx.config_path)?;
    ctx.printer.status(format!("✔ tenant `{}` saved in {}", args.name, ctx.config_path.display()));
    Ok(ExitCode::Success)
}

fn endpoint(p: &TenantProfile) -> String {
    match &p.provider {
        ProviderConfig::Entra(c) => {
            c.graph_url.clone().unwrap_or_else(|| format!("{:?} cloud, tenant {}", c.cloud, c.tenant_id).to_lowercase())
        }
        ProviderConfig::Okta(c) => c.org_url.clone(),
        ProviderConfig::Google(c) => c.domain.clone(),
        ProviderConfig::Ad(c) => c.url.clone(),
        ProviderConfig::Sandbox(c) => match c.users {
            None => "built-in demo directory".into(),
            Some(n) => format!("{n} generated users"),
        },
    }
}

fn list(ctx: &Ctx) -> Result<ExitCode> {
    let default = ctx.config.select(&[]).ok().filter(|v| v.len() == 1).map(|v| v[0].name.clone());
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for name in ctx.config.names() {
        let p = ctx.config.tenant(&name)?;
        let is_default = default.as_deref() == Some(name.as_str());
        rows.push(vec![
            name.clone(),
            p.provider.kind().to_string(),
            if is_default { "yes".into() } else { String::new() },
            endpoint(&p),
        ]);
        json.push(serde_json::json!({"name": name, "provider": p.provider.kind(), "default": is_default, "endpoint": endpoint(&p)}));
    }
    let doc = serde_json::json!({"schema_version": crate::model::SCHEMA_VERSION, "tenants": json});
    ctx.printer.rows(&["Name", "Provider", "Default", "Endpoint"], &rows, &doc).map_err(out_err)?;
    Ok(ExitCode::Success)
}

fn show(ctx: &Ctx, name: &str) -> Result<ExitCode> {
    let p = ctx.config.tenant(name)?;
    let secret_source = if uses_secret(&p) {
        match secret::lookup(name) {
            Ok((_, SecretSource::Env)) => format!("environment (`{}`)", secret::env_var(name)),
            Ok((_, SecretSource::Keyring)) => "OS keyring".into(),
            Err(e) => format!("missing: {e}"),
        }
    } else {
        "not needed".into()
    };
    let mut value = serde_json::to_value(&p).expect("profile serializes");
    value["name"] = serde_json::json!(name);
    value["secret"] = serde_json::json!(secret_source);
    let rows: Vec<Vec<String>> = value
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| vec![k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)])
        .collect();
    ctx.printer.rows(&["Setting", "Value"], &rows, &value).map_err(out_err)?;
    Ok(ExitCode::Success)
}

fn remove(ctx: &Ctx, name: &str) -> Result<ExitCode> {
    let mut cfg = ctx.config.clone();
    let Some(removed) = cfg.tenants.remove(name) else {
        return Err(Error::UnknownTenant { name: name.into(), known: ctx.config.tenants.keys().cloned().collect() });
    };
    if let ProviderConfig::Sandbox(_) = removed.provider {
        // A practice directory goes with its profile; the task log keeps its batches.
        crate::providers::sandbox::Sandbox::remove_state(&ctx.state_dir, name)
            .map_err(|e| Error::io(format!("cannot remove the sandbox directory of `{name}`"), e))?;
    }
    if cfg.default_tenant.as_deref() == Some(name) {
        cfg.default_tenant = None;
    }
    cfg.save(&ctx.config_path)?;
    match secret::delete(name) {
        Ok(true) => ctx.printer.status(format!("✔ tenant `{name}` removed, and its keyring secret")),
        Ok(false) => ctx.printer.status(format!("✔ tenant `{name}` removed")),
        Err(e) => {
            ctx.printer.status(format!("✔ tenant `{name}` removed"));
            ctx.printer.warn(format!("its keyring secret could not be checked: {e}"));
        }
    }
    Ok(ExitCode::Success)
}

async fn test(ctx: &Ctx, name: Option<String>) -> Result<ExitCode> {
    let profiles = match name {
        Some(n) => vec![ctx.config.tenant(&n)?],
        None => ctx.selected()?,
    };
    let tenants = ctx.build(&profiles)?;
    let mut rows = Vec::new();
    let mut json = Vec::new();
    let mut all_ok = true;
    for (name, t) in &tenants {
        let checks = t.provider.check().await.map_err(|source| Error::provider(name.clone(), source))?;
        for c in checks {
            all_ok &= c.ok;
            rows.push(vec![
                name.clone(),
                c.name.clone(),
                if c.ok { "✔ ok".into() } else { "✘ missing".into() },
                c.detail.clone(),
                c.hint.clone().unwrap_or_default(),
            ]);
            json.push(
                serde_json::json!({"tenant": name, "check": c.name, "ok": c.ok, "detail": c.detail, "hint": c.hint}),
            );
        }
    }
    let doc = serde_json::json!({"schema_version": crate::model::SCHEMA_VERSION, "checks": json});
    ctx.printer.rows(&["Tenant", "Check", "Result", "Detail", "Hint"], &rows, &doc).map_err(out_err)?;
    Ok(if all_ok { ExitCode::Success } else { ExitCode::Auth })
}
