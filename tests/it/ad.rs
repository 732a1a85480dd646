//! The `ad` provider against a real Samba AD DC (started by `crate::samba`), through the
//! provider trait and through the `remediate` binary; plus the transport rules that need
//! no DC (StartTLS refused → no password sent; timeouts; unsupported actions).
//!
//! Every test seeds its own users and groups (unique names: the DC is shared) and reads the
//! result back from the server as the domain administrator.

use std::io::Read as _;
use std::path::Path;
use std::time::{Duration, Instant};

use remediate::config::{AdConfig, CommonSettings, ProviderConfig, TenantProfile};
use remediate::error::ProviderError;
use remediate::model::{Action, ActionParams, ErrorKind};
use remediate::providers::ad::{Ad, AdOptions};
use remediate::providers::{ApplyContext, Mode, Outcome, Provider, UserRef};
use remediate::secret::Secret;
use serde_json::{Value, json};

use crate::samba::{self, ADMIN, ADMIN_DN, ADMIN_PASSWORD, Admin, BASE_DN, Dc, LDAPS_URL, STARTTLS_URL};
use crate::support::{TestEnv, stderr, stdout};

fn profile(url: &str, ca: Option<&Path>, common: CommonSettings) -> TenantProfile {
    TenantProfile {
        name: "corp".into(),
        provider: ProviderConfig::Ad(AdConfig {
            url: url.into(),
            bind_dn: ADMIN.into(),
            base_dn: BASE_DN.into(),
            ca_file: ca.map(Path::to_path_buf),
            insecure_skip_verify: false,
            privileged_groups: vec![],
        }),
        common,
    }
}

fn ad(dc: &Dc) -> Ad {
    ad_with(dc, CommonSettings::default())
}

fn ad_with(dc: &Dc, common: CommonSettings) -> Ad {
    Ad::new(&profile(LDAPS_URL, Some(&dc.ca_file), common), Secret::new(ADMIN_PASSWORD)).expect("provider")
}

async fn act(
    p: &Ad,
    user: &UserRef,
    action: Action,
    params: &ActionParams,
    restore: Option<&Value>,
) -> Result<Outcome, ProviderError> {
    act_mode(p, user, action, params, restore, Mode::Apply).await
}

async fn act_mode(
    p: &Ad,
    user: &UserRef,
    action: Action,
    params: &ActionParams,
    restore: Option<&Value>,
    mode: Mode,
) -> Result<Outcome, ProviderError> {
    let state = p.state(user).await?;
    p.apply(user, action, ApplyContext { mode, params, restore, state: &state }).await
}

fn no_params() -> ActionParams {
    ActionParams::default()
}

/// No password anywhere in what an error shows.
fn assert_no_secret(e: &ProviderError, secret: &str) {
    let shown = format!("{e} {e:?} {:?}", e.info());
    assert!(!shown.contains(secret), "the password leaked: {shown}");
}

// ---- connection, TLS, errors -------------------------------------------------------------

#[tokio::test]
async fn ldaps_and_starttls_both_bind_with_a_verified_certificate() {
    let Some(dc) = samba::dc() else { return };
    for (url, how) in [(LDAPS_URL, "LDAPS"), (STARTTLS_URL, "StartTLS")] {
        let p =
            Ad::new(&profile(url, Some(&dc.ca_file), CommonSettings::default()), Secret::new(ADMIN_PASSWORD)).unwrap();
        let checks = p.check().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let bind = checks.iter().find(|c| c.name == "bind").expect("bind check");
        assert!(bind.ok && bind.detail.contains(how), "{url}: {bind:?}");
        assert!(bind.detail.contains("verified against"), "{bind:?}");
        let me = p.resolve(ADMIN).await.unwrap();
        assert_eq!(me.id.to_lowercase(), ADMIN_DN.to_lowercase());
        assert!(p.state(&me).await.unwrap().is_self, "the bind account is recognised as self");
    }
}

#[tokio::test]
async fn a_certificate_from_another_ca_or_for_another_name_is_refused() {
    let Some(dc) = samba::dc() else { return };
    let wrong_ca =
        Ad::new(&profile(LDAPS_URL, Some(&dc.other_ca_file), CommonSettings::default()), Secret::new(ADMIN_PASSWORD))
            .unwrap();
    let e = wrong_ca.resolve("anyone").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Authentication, "{e:?}");
    assert!(e.message.contains("not signed by the CA in"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("--ca-file"), "{e:?}");
    assert_no_secret(&e, ADMIN_PASSWORD);

    // System roots do not know the test CA either.
    let system = Ad::new(&profile(LDAPS_URL, None, CommonSettings::default()), Secret::new(ADMIN_PASSWORD)).unwrap();
    let e = system.resolve("anyone").await.unwrap_err();
    assert!(e.message.contains("system's CA certificates"), "{}", e.message);

    // Right CA, but the certificate does not name `localhost`.
    let wrong_name = Ad::new(
        &profile(samba::WRONG_NAME_URL, Some(&dc.ca_file), CommonSettings::default()),
        Secret::new(ADMIN_PASSWORD),
    )
    .unwrap();
    let e = wrong_name.resolve("anyone").await.unwrap_err();
    assert!(e.message.contains("not valid for this host name"), "{}", e.message);

    // Loopback only: skipping verification connects.
    let mut insecure = profile(LDAPS_URL, None, CommonSettings::default());
    if let ProviderConfig::Ad(c) = &mut insecure.provider {
        c.insecure_skip_verify = true;
    }
    let p = Ad::new(&insecure, Secret::new(ADMIN_PASSWORD)).unwrap();
    assert!(p.resolve(ADMIN).await.is_ok());
}

#[tokio::test]
async fn bind_failures_are_explained_by_their_ad_sub_code() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let wrong = "Not-The-Passw0rd!";
    let p = Ad::new(&profile(LDAPS_URL, Some(&dc.ca_file), CommonSettings::default()), Secret::new(wrong)).unwrap();
    let e = p.resolve("anyone").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Authentication);
    assert!(e.message.contains("invalid credentials") && e.message.contains("52e"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("REMEDIATE_SECRET_"), "{e:?}");
    assert_no_secret(&e, wrong);

    // A disabled bind account (533) and one that must change its password (773).
    let disabled = samba::unique("bdis");
    admin.add_user(&disabled, 514).await;
    let must = samba::unique("bmust");
    let must_dn = admin.add_user(&must, 512).await;
    admin.replace(&must_dn, "pwdLastSet", "0").await;
    for (name, words) in [
        (&disabled, "is disabled (AD sub-code 533)"),
        (&must, "must change its password before it can bind (AD sub-code 773)"),
    ] {
        let mut prof = profile(LDAPS_URL, Some(&dc.ca_file), CommonSettings::default());
        if let ProviderConfig::Ad(c) = &mut prof.provider {
            c.bind_dn = format!("{name}@{}", samba::DNS_DOMAIN);
        }
        let e = Ad::new(&prof, Secret::new(samba::USER_PASSWORD)).unwrap().resolve("x").await.unwrap_err();
        assert!(e.message.contains(words), "{name}: {}", e.message);
        assert_no_secret(&e, samba::USER_PASSWORD);
    }
}

/// A TCP proxy to the DC's LDAPS port that counts the connections made through it (the
/// certificate names 127.0.0.1, so TLS verification still passes).
async fn counting_proxy() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ldaps://127.0.0.1:{}", l.local_addr().unwrap().port());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = l.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut dc = tokio::net::TcpStream::connect("127.0.0.1:636").await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut dc).await;
            });
        }
    });
    (url, count)
}

#[tokio::test]
async fn a_wrong_password_costs_one_failed_bind_however_many_tasks() {
    let Some(dc) = samba::dc() else { return };
    let (url, connections) = counting_proxy().await;
    let p =
        Ad::new(&profile(&url, Some(&dc.ca_file), CommonSettings::default()), Secret::new("Wr0ng-Passw0rd!")).unwrap();
    let all = futures::future::join_all((0..30).map(|i| {
        let p = &p;
        async move { p.resolve(&format!("user{i}")).await }
    }))
    .await;
    for r in all {
        assert!(r.unwrap_err().message.contains("52e"));
    }
    // One bind attempt, not thirty: a bulk run cannot lock the bind account out.
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);

    // With the right password, the pool opens several connections and reuses them.
    let (url, connections) = counting_proxy().await;
    let opts = AdOptions { pool_size: 4, ..AdOptions::default() };
    let p = Ad::with_options(
        &profile(&url, Some(&dc.ca_file), CommonSettings::default()),
        Secret::new(ADMIN_PASSWORD),
        opts,
    )
    .unwrap();
    let all = futures::future::join_all((0..40).map(|_| {
        let p = &p;
        async move { p.resolve(ADMIN).await }
    }))
    .await;
    assert!(all.iter().all(Result::is_ok));
    let n = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=4).contains(&n), "{n} connections for 40 calls with a pool of 4");
}

/// A fake LDAP server that refuses StartTLS and records every byte it receives.
async fn starttls_refusing_server() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ldap://127.0.0.1:{}", l.local_addr().unwrap().port());
    let h = tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut got = vec![0u8; 512];
        let n = s.read(&mut got).await.unwrap();
        got.truncate(n);
        // LDAPMessage { id = the request's, ExtendedResponse [APPLICATION 24] { protocolError } }
        assert_eq!(&got[2..3], &[0x02], "message id follows");
        let id = &got[4..4 + usize::from(got[3])];
        let body = [&[0x78, 0x07, 0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00][..]].concat();
        let mut msg = vec![0x02, id.len() as u8];
        msg.extend_from_slice(id);
        msg.extend(body);
        let mut out = vec![0x30, msg.len() as u8];
        out.extend(msg);
        s.write_all(&out).await.unwrap();
        // Everything else the client sends until it hangs up.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest)).await;
        got.extend(rest);
        got
    });
    (url, h)
}

#[tokio::test]
async fn plain_ldap_is_only_a_transport_for_starttls_and_never_carries_the_password() {
    let (url, server) = starttls_refusing_server().await;
    let secret = "Sup3r-Secret-Bind-Pw";
    let p = Ad::new(&profile(&url, None, CommonSettings::default()), Secret::new(secret)).unwrap();
    let e = p.resolve("alice").await.unwrap_err();
    assert!(e.message.contains("refused StartTLS") && e.message.contains("password was not sent"), "{}", e.message);
    assert_no_secret(&e, secret);
    drop(p);
    let seen = server.await.unwrap();
    let oid = b"1.3.6.1.4.1.1466.20037";
    assert!(seen.windows(oid.len()).any(|w| w == oid), "the first request is StartTLS: {seen:02x?}");
    assert!(!seen.windows(secret.len()).any(|w| w == secret.as_bytes()), "the password went over plain LDAP");
    // And no BindRequest ([APPLICATION 0], 0x60) was sent at all.
    assert!(!seen.windows(2).any(|w| w[0] == 0x60), "{seen:02x?}");
}

#[tokio::test]
async fn an_unanswering_server_times_out_with_a_clear_error() {
    // Accepts TCP, never speaks: the TLS handshake waits for ever without a timeout.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldaps://127.0.0.1:{}", l.local_addr().unwrap().port());
    let _hold = std::thread::spawn(move || {
        let conns: Vec<_> = l.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(15));
        drop(conns);
    });
    let p = Ad::new(&profile(&url, None, CommonSettings::default()), Secret::new("pw")).unwrap();
    let t = Instant::now();
    let e = p.resolve("alice").await.unwrap_err();
    let took = t.elapsed();
    assert_eq!(e.kind, ErrorKind::Transient, "{e:?}");
    assert!(e.message.contains("timed out after 5 s") && e.message.contains(&url), "{}", e.message);
    assert!(took >= Duration::from_secs(4) && took < Duration::from_secs(10), "{took:?}");
    // The other tasks of the run fail at once with the same error instead of waiting 5 s each.
    let t = Instant::now();
    let again = futures::future::join_all((0..20).map(|_| p.resolve("bob"))).await;
    assert!(again.iter().all(|r| r.as_ref().unwrap_err().message == e.message));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());

    // A closed port fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldaps://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let p = Ad::new(&profile(&url, None, CommonSettings::default()), Secret::new("pw")).unwrap();
    let e = p.resolve("alice").await.unwrap_err();
    assert!(e.message.contains("connection refused"), "{}", e.message);
}

#[tokio::test]
async fn revoke_sessions_and_enforce_mfa_are_refused_without_a_request() {
    // A server that would hang: any request would make this test take 5 s.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldaps://127.0.0.1:{}", l.local_addr().unwrap().port());
    l.set_nonblocking(true).unwrap();
    let p = Ad::new(&profile(&url, None, CommonSettings::default()), Secret::new("pw")).unwrap();
    let user = UserRef { id: "CN=x,DC=example,DC=test".into(), name: "x@example.test".into() };
    for a in [Action::RevokeSessions, Action::EnforceMfa] {
        let e = p.supports(a).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported);
        assert!(e.hint.as_deref().unwrap().contains("cloud tenant"), "{e:?}");
        let t = Instant::now();
        let state = Default::default();
        let e = p
            .apply(&user, a, ApplyContext { mode: Mode::Apply, params: &no_params(), restore: None, state: &state })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported);
        assert!(t.elapsed() < Duration::from_secs(1));
    }
    for a in [Action::Disable, Action::ResetPassword, Action::RemoveGroups, Action::RemoveRoles, Action::Restrict] {
        assert!(p.supports(a).is_ok(), "{a}");
    }
    assert!(l.accept().is_err(), "nothing connected");
}

#[tokio::test]
async fn an_empty_password_or_a_foreign_scheme_is_refused_up_front() {
    let e = Ad::new(&profile(LDAPS_URL, None, CommonSettings::default()), Secret::new("")).unwrap_err();
    assert!(e.to_string().contains("no secret") && format!("{e:?}").contains("empty"), "{e:?}");
    let e = Ad::new(&profile("ldapi:///run/ldap.sock", None, CommonSettings::default()), Secret::new("x")).unwrap_err();
    assert!(e.to_string().contains("scheme"), "{e}");
    let e = Ad::new(
        &profile(LDAPS_URL, Some(Path::new("/nonexistent/ca.pem")), CommonSettings::default()),
        Secret::new("x"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("ca_file"), "{e}");
}

// ---- finding users -------------------------------------------------------------------------

#[tokio::test]
async fn users_resolve_by_upn_sam_mail_and_dn() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("res");
    let mail = format!("{name}.mail@corp.example");
    let dn = admin.add_user_with(&name, 512, &[("mail", &mail)]).await;
    let p = ad(dc);
    let upn = format!("{name}@{}", samba::DNS_DOMAIN);
    for input in [upn.as_str(), name.as_str(), mail.as_str(), dn.as_str(), &format!("{}\\{name}", samba::DOMAIN)] {
        let u = p.resolve(input).await.unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(u.id.to_lowercase(), dn.to_lowercase(), "{input}");
        assert_eq!(u.name, upn, "{input}: resolved to the UPN, as the cloud tenant knows it");
    }

    // No userPrincipalName: the implicit UPN sAMAccountName@domain still finds it.
    let bare = samba::unique("noupn");
    let bare_dn = admin.add_user_with(&bare, 512, &[("userPrincipalName", "")]).await;
    let u = p.resolve(&format!("{bare}@{}", samba::DNS_DOMAIN)).await.unwrap();
    assert_eq!(u.id.to_lowercase(), bare_dn.to_lowercase());

    // Two users sharing a mail address are ambiguous, not "the first one".
    let shared = format!("{}@corp.example", samba::unique("shared"));
    let (a, b) = (samba::unique("amb"), samba::unique("amb"));
    admin.add_user_with(&a, 512, &[("mail", &shared)]).await;
    admin.add_user_with(&b, 512, &[("mail", &shared)]).await;
    let e = p.resolve(&shared).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("matches 2 users"), "{}", e.message);

    let e = p.resolve("CN=Someone,OU=Elsewhere,DC=other,DC=test").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = p.resolve(&samba::unique("ghost")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
}

#[tokio::test]
async fn filter_injection_finds_nothing_and_special_characters_match_literally() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    // sAMAccountName may contain parentheses; mail may contain `*`.
    let name = format!("{}(x)", samba::unique("inj"));
    let star_mail = format!("{}*star@corp.example", samba::unique("m"));
    let dn = admin.add_user_with(&name, 512, &[("mail", &star_mail)]).await;
    let p = ad(dc);
    for attack in ["*", "*)(sAMAccountName=*", "*)(|(objectClass=*", "x)(userPrincipalName=*", "\\2a", "*@example.test"]
    {
        let e = p.resolve(attack).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound, "`{attack}` must match no one: {e:?}");
    }
    assert_eq!(p.resolve(&name).await.unwrap().id.to_lowercase(), dn.to_lowercase());
    assert_eq!(p.resolve(&star_mail).await.unwrap().id.to_lowercase(), dn.to_lowercase());
    // A group given by a name with filter syntax is looked up literally too.
    let user = p.resolve(&name).await.unwrap();
    let params = ActionParams { groups: vec!["*)(cn=*".into()], ..ActionParams::default() };
    let e = act(&p, &user, Action::RemoveGroups, &params, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
}

// ---- actions --------------------------------------------------------------------------------

#[tokio::test]
async fn disable_and_enable_flip_only_the_disable_bit() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("dis");
    // NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD: the other bit must survive.
    let dn = admin.add_user(&name, 0x10200).await;
    let p = ad(dc);
    let u = p.resolve(&name).await.unwrap();
    assert_eq!(p.state(&u).await.unwrap().enabled, Some(true));

    let dry = act_mode(&p, &u, Action::Disable, &no_params(), None, Mode::DryRun).await.unwrap();
    assert!(dry.changed && dry.message.starts_with("would disable"), "{dry:?}");
    assert_eq!(admin.uac(&dn).await, 0x10200, "a dry run changes nothing");

    let out = act(&p, &u, Action::Disable, &no_params(), None).await.unwrap();
    assert!(out.changed);
    assert_eq!(out.before, json!({"accountEnabled": true, "userAccountControl": 0x10200}));
    assert_eq!(admin.uac(&dn).await, 0x10202);
    assert_eq!(p.state(&u).await.unwrap().enabled, Some(false));
    let again = act(&p, &u, Action::Disable, &no_params(), None).await.unwrap();
    assert!(!again.changed && again.message == "already disabled", "{again:?}");

    // Undo: enable with the recorded before-state.
    let undo = act(&p, &u, Action::Enable, &no_params(), Some(&out.before)).await.unwrap();
    assert!(undo.changed);
    assert_eq!(admin.uac(&dn).await, 0x10200);
    // Undoing a disable of an account that was already disabled leaves it disabled.
    act(&p, &u, Action::Disable, &no_params(), None).await.unwrap();
    let left = act(&p, &u, Action::Enable, &no_params(), Some(&again.before)).await.unwrap();
    assert!(!left.changed && left.message.starts_with("left as is"), "{left:?}");
    assert_eq!(admin.uac(&dn).await, 0x10202);
}

#[tokio::test]
async fn reset_password_sets_a_working_password_and_forces_a_change() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("pw");
    let dn = admin.add_user_with(&name, 0x10200, &[("displayName", "Risky Person")]).await;
    let p = ad(dc);
    let u = p.resolve(&name).await.unwrap();

    let dry = act_mode(&p, &u, Action::ResetPassword, &no_params(), None, Mode::DryRun).await.unwrap();
    assert!(dry.secret.is_none() && dry.message.contains("clear DONT_EXPIRE_PASSWORD"), "{dry:?}");
    assert!(samba::try_bind(dc, &u.name, samba::USER_PASSWORD).await.is_ok(), "dry run kept the password");

    let out = act(&p, &u, Action::ResetPassword, &no_params(), None).await.unwrap();
    let pw = out.secret.as_ref().expect("the new password").expose().to_string();
    assert!(pw.len() >= 20);
    assert_eq!(out.before, json!({"dont_expire_password": true, "userAccountControl": 0x10200}));
    assert!(out.warnings.iter().any(|w| w.contains("DONT_EXPIRE_PASSWORD")), "{:?}", out.warnings);
    assert!(out.warnings.iter().any(|w| w.contains("Kerberos")), "{:?}", out.warnings);
    let shown = format!("{} {} {} {:?} {out:?}", out.message, out.before, out.after, out.warnings);
    assert!(!shown.contains(&pw), "the password is only in `secret`");

    // Read back: DONT_EXPIRE cleared, pwdLastSet 0; the old password is gone and the new one
    // is right but must be changed first (773, not 52e).
    assert_eq!(admin.uac(&dn).await, 0x200);
    assert_eq!(admin.attr(&dn, "pwdLastSet").await, vec!["0"]);
    let old = samba::try_bind(dc, &u.name, samba::USER_PASSWORD).await.unwrap_err();
    assert!(old.contains("data 52e"), "{old}");
    let new = samba::try_bind(dc, &u.name, &pw).await.unwrap_err();
    assert!(new.contains("data 773"), "{new}");
    let second = act(&p, &u, Action::ResetPassword, &no_params(), None).await.unwrap();
    assert_ne!(second.secret.unwrap().expose(), pw);
}

#[tokio::test]
async fn remove_groups_keeps_primary_privileged_and_restricted_groups_and_restores() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("grp");
    let dn = admin.add_user(&name, 512).await;
    let (g1, g2, quarantine) = (samba::unique("g1"), samba::unique("g2"), samba::unique("quar"));
    let (g1_dn, g2_dn, q_dn) =
        (admin.add_group(&g1).await, admin.add_group(&g2).await, admin.add_group(&quarantine).await);
    let backup_ops = format!("CN=Backup Operators,CN=Builtin,{BASE_DN}");
    for g in [&g1_dn, &g2_dn, &q_dn, &backup_ops] {
        admin.add_member(g, &dn).await;
    }
    let p = ad_with(dc, CommonSettings { restricted_group: Some(quarantine.clone()), ..CommonSettings::default() });
    let u = p.resolve(&name).await.unwrap();
    let state = p.state(&u).await.unwrap();
    assert_eq!(state.details["groups"].as_array().unwrap().len(), 4, "{}", state.details);

    // A name that is a user, not a group: refused, nothing changed.
    let other = samba::unique("notgrp");
    admin.add_user(&other, 512).await;
    let params = ActionParams { groups: vec![other.clone()], ..ActionParams::default() };
    let e = act(&p, &u, Action::RemoveGroups, &params, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("is not a group") && e.message.contains("is a user"), "{}", e.message);
    assert_eq!(admin.member_of(&dn).await.len(), 4);

    // Filtered: only g1.
    let params = ActionParams { groups: vec![g1.clone()], ..ActionParams::default() };
    let only = act(&p, &u, Action::RemoveGroups, &params, None).await.unwrap();
    assert!(only.changed);
    assert_eq!(only.before["groups"].as_array().unwrap().len(), 1);
    assert!(!admin.member_of(&dn).await.contains(&g1_dn.to_lowercase()));
    act(&p, &u, Action::RestoreGroups, &no_params(), Some(&only.before)).await.unwrap();
    assert!(admin.member_of(&dn).await.contains(&g1_dn.to_lowercase()));

    // Unfiltered: g1 and g2 go; Backup Operators (privileged), the restricted group and
    // Domain Users (primary) stay, each with its reason.
    let dry = act_mode(&p, &u, Action::RemoveGroups, &no_params(), None, Mode::DryRun).await.unwrap();
    assert!(dry.changed && dry.message.contains("would remove from 2 groups"), "{dry:?}");
    assert_eq!(admin.member_of(&dn).await.len(), 4);
    let out = act(&p, &u, Action::RemoveGroups, &no_params(), None).await.unwrap();
    let removed: Vec<&str> =
        out.before["groups"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(removed.len(), 2, "{out:?}");
    let mut left = admin.member_of(&dn).await;
    left.sort();
    let mut expect = vec![q_dn.to_lowercase(), backup_ops.to_lowercase()];
    expect.sort();
    assert_eq!(left, expect);
    let reasons = out.warnings.join("\n");
    assert!(reasons.contains("primary group") && reasons.contains("Domain Users"), "{reasons}");
    assert!(reasons.contains("use `remove-roles`") && reasons.contains("restricted group"), "{reasons}");
    let again = act(&p, &u, Action::RemoveGroups, &no_params(), None).await.unwrap();
    assert!(!again.changed, "{again:?}");

    let back = act(&p, &u, Action::RestoreGroups, &no_params(), Some(&out.before)).await.unwrap();
    assert!(back.changed);
    assert_eq!(admin.member_of(&dn).await.len(), 4);
    let twice = act(&p, &u, Action::RestoreGroups, &no_params(), Some(&out.before)).await.unwrap();
    assert!(!twice.changed);
    let e = act(&p, &u, Action::RestoreGroups, &no_params(), None).await.unwrap_err();
    assert!(e.message.contains("recorded by `remove-groups`"), "{e}");
}

#[tokio::test]
async fn remove_roles_strips_privileged_groups_and_restores_them() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("role");
    let dn = admin.add_user(&name, 512).await;
    let plain = samba::unique("plain");
    let plain_dn = admin.add_group(&plain).await;
    let acct_ops = format!("CN=Account Operators,CN=Builtin,{BASE_DN}");
    let print_ops = format!("CN=Print Operators,CN=Builtin,{BASE_DN}");
    for g in [&acct_ops, &print_ops, &plain_dn] {
        admin.add_member(g, &dn).await;
    }
    let p = ad(dc);
    let u = p.resolve(&name).await.unwrap();
    let state = p.state(&u).await.unwrap();
    assert_eq!(state.details["privileged_groups"], json!(["Account Operators", "Print Operators"]));

    let e = act(&p, &u, Action::RemoveRoles, &ActionParams { roles: vec![plain.clone()], ..Default::default() }, None)
        .await
        .unwrap_err();
    assert!(e.message.contains("is not one of the privileged groups"), "{e}");

    let one = ActionParams { roles: vec!["Print Operators".into()], ..Default::default() };
    let out = act(&p, &u, Action::RemoveRoles, &one, None).await.unwrap();
    assert_eq!(out.before["roles"][0]["role_id"].as_str().unwrap().to_lowercase(), print_ops.to_lowercase());
    let all = act(&p, &u, Action::RemoveRoles, &no_params(), None).await.unwrap();
    assert_eq!(all.before["roles"].as_array().unwrap().len(), 1, "{all:?}");
    assert_eq!(admin.member_of(&dn).await, vec![plain_dn.to_lowercase()], "only the ordinary group is left");
    assert!(!act(&p, &u, Action::RemoveRoles, &no_params(), None).await.unwrap().changed);

    act(&p, &u, Action::RestoreRoles, &no_params(), Some(&all.before)).await.unwrap();
    act(&p, &u, Action::RestoreRoles, &no_params(), Some(&out.before)).await.unwrap();
    assert_eq!(admin.member_of(&dn).await.len(), 3);
}

#[tokio::test]
async fn configured_privileged_groups_replace_the_built_in_list() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("prv");
    let dn = admin.add_user(&name, 512).await;
    let tier0 = samba::unique("tier0");
    let tier0_dn = admin.add_group(&tier0).await;
    let print_ops = format!("CN=Print Operators,CN=Builtin,{BASE_DN}");
    admin.add_member(&tier0_dn, &dn).await;
    admin.add_member(&print_ops, &dn).await;
    let mut prof = profile(LDAPS_URL, Some(&dc.ca_file), CommonSettings::default());
    if let ProviderConfig::Ad(c) = &mut prof.provider {
        c.privileged_groups = vec![tier0.clone(), format!("CN=Domain Admins,CN=Users,{BASE_DN}")];
    }
    let p = Ad::new(&prof, Secret::new(ADMIN_PASSWORD)).unwrap();
    let u = p.resolve(&name).await.unwrap();
    assert_eq!(p.state(&u).await.unwrap().details["privileged_groups"], json!([tier0]));
    let out = act(&p, &u, Action::RemoveRoles, &no_params(), None).await.unwrap();
    assert!(out.changed, "{out:?}");
    assert_eq!(
        admin.member_of(&dn).await,
        vec![print_ops.to_lowercase()],
        "Print Operators is not in the configured list"
    );

    // A configured entry that is not a group is a clear profile error.
    if let ProviderConfig::Ad(c) = &mut prof.provider {
        c.privileged_groups = vec![name.clone()];
    }
    let e = Ad::new(&prof, Secret::new(ADMIN_PASSWORD)).unwrap().resolve(&name).await.unwrap_err();
    assert!(e.message.contains("`privileged_groups`") && e.message.contains("is not a group"), "{e}");
    assert!(e.hint.unwrap().contains("privileged_groups"));
}

#[tokio::test]
async fn restrict_and_unrestrict_are_idempotent() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("rst");
    let dn = admin.add_user(&name, 512).await;
    let quarantine = samba::unique("quar");
    let q_dn = admin.add_group(&quarantine).await;
    // Configured by DN this time.
    let p = ad_with(dc, CommonSettings { restricted_group: Some(q_dn.clone()), ..CommonSettings::default() });
    let u = p.resolve(&name).await.unwrap();

    let dry = act_mode(&p, &u, Action::Restrict, &no_params(), None, Mode::DryRun).await.unwrap();
    assert!(dry.changed);
    assert!(admin.member_of(&dn).await.is_empty());
    let first = act(&p, &u, Action::Restrict, &no_params(), None).await.unwrap();
    assert!(first.changed && first.before["was_member"] == json!(false), "{first:?}");
    assert_eq!(admin.member_of(&dn).await, vec![q_dn.to_lowercase()]);
    let second = act(&p, &u, Action::Restrict, &no_params(), None).await.unwrap();
    assert!(!second.changed, "duplicate add (68) is `changed: false`: {second:?}");
    let un = act(&p, &u, Action::Unrestrict, &no_params(), Some(&first.before)).await.unwrap();
    assert!(un.changed);
    assert!(admin.member_of(&dn).await.is_empty());
    let un2 = act(&p, &u, Action::Unrestrict, &no_params(), None).await.unwrap();
    assert!(!un2.changed, "removing a non-member (53) is `changed: false`: {un2:?}");

    // A restricted group that names a user, and no restricted group at all.
    let p = ad_with(dc, CommonSettings { restricted_group: Some(name.clone()), ..CommonSettings::default() });
    let e = act(&p, &u, Action::Restrict, &no_params(), None).await.unwrap_err();
    assert!(e.message.contains("is not a group"), "{e}");
    let e = act(&ad(dc), &u, Action::Restrict, &no_params(), None).await.unwrap_err();
    assert!(e.message.contains("no `restricted_group`") && e.hint.unwrap().contains("--restricted-group"));
    assert!(admin.member_of(&dn).await.is_empty());
}

#[tokio::test]
async fn domain_admins_are_top_admins_while_enabled() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let da = format!("CN=Domain Admins,CN=Users,{BASE_DN}");
    let (direct, nested, off) = (samba::unique("da"), samba::unique("dan"), samba::unique("dad"));
    let direct_dn = admin.add_user(&direct, 512).await;
    let off_dn = admin.add_user(&off, 514).await;
    let nested_dn = admin.add_user(&nested, 512).await;
    let inner = samba::unique("dagrp");
    let inner_dn = admin.add_group(&inner).await;
    admin.add_member(&da, &direct_dn).await;
    admin.add_member(&da, &off_dn).await;
    admin.add_member(&inner_dn, &nested_dn).await;
    admin.add_member(&da, &inner_dn).await;
    let p = ad(dc);
    let admins: Vec<String> = p.top_admins().await.unwrap().iter().map(|s| s.to_lowercase()).collect();
    for (name, dn, top) in [(&direct, &direct_dn, true), (&nested, &nested_dn, true), (&off, &off_dn, false)] {
        let u = p.resolve(name).await.unwrap();
        let s = p.state(&u).await.unwrap();
        assert_eq!(s.top_admin, top, "{name}: {s:?}");
        assert!(!s.is_self);
        assert_eq!(admins.contains(&dn.to_lowercase()), top, "{name} in {admins:?}");
    }
    assert!(admins.contains(&ADMIN_DN.to_lowercase()));

    // remove-roles cannot take a nested membership away: it says so.
    let u = p.resolve(&nested).await.unwrap();
    let out = act(&p, &u, Action::RemoveRoles, &no_params(), None).await.unwrap();
    assert!(!out.changed && out.warnings.iter().any(|w| w.contains("through a nested group")), "{out:?}");
}

#[tokio::test]
async fn check_reports_every_action_with_a_hint() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let quarantine = samba::unique("quar");
    admin.add_group(&quarantine).await;
    admin.add_user(&samba::unique("chk"), 512).await;
    let p = ad_with(dc, CommonSettings { restricted_group: Some(quarantine), ..CommonSettings::default() });
    let checks = p.check().await.unwrap();
    let get = |n: &str| checks.iter().find(|c| c.name == n).unwrap_or_else(|| panic!("no check {n}: {checks:#?}"));
    assert!(get("base_dn").ok && get("base_dn").detail.contains("defaultNamingContext"), "{:?}", get("base_dn"));
    for a in Action::USER_FACING {
        let c = get(a.as_str());
        match a {
            Action::RevokeSessions | Action::EnforceMfa => {
                assert!(
                    c.detail.contains("not supported") && c.hint.as_deref().unwrap().contains("cloud tenant"),
                    "{c:?}"
                )
            }
            _ => assert!(c.ok, "{c:?}"),
        }
    }
    // Without a restricted group, restrict is not ok and says what to configure.
    let checks = ad(dc).check().await.unwrap();
    let r = checks.iter().find(|c| c.name == "restrict").unwrap();
    assert!(!r.ok && r.hint.as_deref().unwrap().contains("--restricted-group"), "{r:?}");
}

#[tokio::test]
async fn an_unprivileged_bind_account_is_told_what_to_grant() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let svc = samba::unique("svcro");
    admin.add_user(&svc, 512).await;
    let target = samba::unique("tgt");
    let target_dn = admin.add_user(&target, 512).await;
    let quarantine = samba::unique("quar");
    admin.add_group(&quarantine).await;
    let mut prof = profile(
        LDAPS_URL,
        Some(&dc.ca_file),
        CommonSettings { restricted_group: Some(quarantine), ..Default::default() },
    );
    if let ProviderConfig::Ad(c) = &mut prof.provider {
        c.bind_dn = format!("{svc}@{}", samba::DNS_DOMAIN);
    }
    let p = Ad::new(&prof, Secret::new(samba::USER_PASSWORD)).unwrap();
    let checks = p.check().await.unwrap();
    for name in ["disable", "reset-password", "remove-roles", "restrict"] {
        let c = checks.iter().find(|c| c.name == name).unwrap();
        assert!(!c.ok && c.detail.contains("may not write") && c.hint.is_some(), "{c:?}");
    }
    let u = p.resolve(&target).await.unwrap();
    let e = act(&p, &u, Action::Disable, &no_params(), None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission, "{e:?}");
    assert!(e.hint.as_deref().unwrap().contains("userAccountControl"), "{e:?}");
    let e = act(&p, &u, Action::Restrict, &no_params(), None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission, "{e:?}");
    assert!(e.hint.as_deref().unwrap().contains("`member`"), "{e:?}");
    assert_eq!(admin.uac(&target_dn).await, 512, "nothing changed");
    assert!(admin.member_of(&target_dn).await.is_empty());
}

#[tokio::test]
async fn a_failed_removal_puts_back_the_groups_already_removed() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let svc = samba::unique("svcdel");
    let svc_dn = admin.add_user(&svc, 512).await;
    let target = samba::unique("tgt");
    let target_dn = admin.add_user(&target, 512).await;
    let (open, closed) = (samba::unique("open"), samba::unique("closed"));
    let (open_dn, closed_dn) = (admin.add_group(&open).await, admin.add_group(&closed).await);
    admin.add_member(&open_dn, &target_dn).await;
    admin.add_member(&closed_dn, &target_dn).await;
    // The service account may change `open`'s members, not `closed`'s.
    let sid = admin.sid(&svc_dn).await;
    admin.grant_member_write(dc, &open_dn, &sid);
    let mut prof = profile(
        LDAPS_URL,
        Some(&dc.ca_file),
        CommonSettings { restricted_group: Some(open.clone()), ..Default::default() },
    );
    if let ProviderConfig::Ad(c) = &mut prof.provider {
        c.bind_dn = format!("{svc}@{}", samba::DNS_DOMAIN);
    }
    let p = Ad::new(&prof, Secret::new(samba::USER_PASSWORD)).unwrap();
    let u = p.resolve(&target).await.unwrap();
    let before = admin.member_of(&target_dn).await;

    // `open` goes first and succeeds, `closed` is refused: `open` is put back.
    let params = ActionParams { groups: vec![open.clone(), closed.clone()], ..Default::default() };
    let e = act(&p, &u, Action::RemoveGroups, &params, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Permission, "{e:?}");
    assert!(e.message.contains("the 1 memberships already removed were restored"), "{}", e.message);
    assert_eq!(admin.member_of(&target_dn).await, before, "the account ends as it started");

    // What was delegated works: unrestrict / restrict on `open`.
    assert!(act(&p, &u, Action::Unrestrict, &no_params(), None).await.unwrap().changed);
    assert!(act(&p, &u, Action::Restrict, &no_params(), None).await.unwrap().changed);
    let checks = p.check().await.unwrap();
    assert!(checks.iter().any(|c| c.name == "restrict" && c.ok), "{checks:#?}");
}

#[tokio::test]
async fn concurrent_applies_share_a_small_pool() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let mut dns = Vec::new();
    for _ in 0..24 {
        dns.push(admin.add_user(&samba::unique("pool"), 512).await);
    }
    let opts = AdOptions { pool_size: 3, ..AdOptions::default() };
    let p = Ad::with_options(
        &profile(LDAPS_URL, Some(&dc.ca_file), CommonSettings::default()),
        Secret::new(ADMIN_PASSWORD),
        opts,
    )
    .unwrap();
    let params = no_params();
    let runs = dns.iter().map(|dn| {
        let p = &p;
        let params = &params;
        async move {
            let u = p.resolve(dn).await?;
            act(p, &u, Action::Disable, params, None).await
        }
    });
    let outs = futures::future::join_all(runs).await;
    for (dn, o) in dns.iter().zip(outs) {
        assert!(o.unwrap_or_else(|e| panic!("{dn}: {e}")).changed);
        assert_eq!(admin.uac(dn).await, 514, "{dn}");
    }
}

// ---- through the binary ---------------------------------------------------------------------

/// A `TestEnv` with tenant `corp` on the DC (and `corp2` over StartTLS, for two-tenant runs).
fn cli_env(dc: &Dc, password: &str, restricted: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("REMEDIATE_SECRET_CORP", password);
    env.set("REMEDIATE_SECRET_CORP2", password);
    for (name, url) in [("corp", LDAPS_URL), ("corp2", STARTTLS_URL)] {
        let out = env.run(&[
            "tenant",
            "add",
            name,
            "--provider",
            "ad",
            "--url",
            url,
            "--bind-dn",
            ADMIN,
            "--base-dn",
            BASE_DN,
            "--ca-file",
            dc.ca_file.to_str().unwrap(),
            "--restricted-group",
            restricted,
        ]);
        assert!(out.status.success(), "tenant add: {}", stderr(&out));
    }
    env
}

#[tokio::test]
async fn the_binary_runs_every_action_on_the_dc() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let quarantine = samba::unique("quar");
    let q_dn = admin.add_group(&quarantine).await;
    let name = samba::unique("cli");
    let dn = admin.add_user(&name, 512).await;
    let g = samba::unique("clig");
    let g_dn = admin.add_group(&g).await;
    admin.add_member(&g_dn, &dn).await;
    admin.add_member(&format!("CN=Server Operators,CN=Builtin,{BASE_DN}"), &dn).await;
    let upn = format!("{name}@{}", samba::DNS_DOMAIN);
    let env = cli_env(dc, ADMIN_PASSWORD, &quarantine);

    let out = env.run(&["-o", "json", "tenant", "test", "corp"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert!(out.status.success(), "every check passes for the domain administrator: {doc:#}");
    let checks = doc["checks"].as_array().unwrap();
    assert!(checks.iter().any(|c| c["check"] == "bind" && c["ok"] == true), "{doc}");
    assert!(checks.iter().any(|c| c["check"] == "restrict" && c["ok"] == true), "{doc}");

    let (code, b) = env.json_batch(&["--tenant", "corp", "disable", &upn]);
    assert_eq!(code, 0, "{b:#?}");
    let r = b.task(&upn, "disable").result();
    assert!(r.changed && r.status == "successful", "{r:#?}");
    assert_eq!(admin.uac(&dn).await, 514);
    let (_, b) = env.json_batch(&["--tenant", "corp", "enable", &upn]);
    assert!(b.task(&upn, "enable").result().changed);
    assert_eq!(admin.uac(&dn).await, 512);

    let (code, b) = env.json_batch(&["--tenant", "corp", "restrict", &upn]);
    assert_eq!(code, 0);
    assert!(b.task(&upn, "restrict").result().changed);
    assert!(admin.member_of(&dn).await.contains(&q_dn.to_lowercase()));

    let (code, b) = env.json_batch(&["--tenant", "corp", "unrestrict", "--dry-run", &upn]);
    assert_eq!(code, 0);
    assert!(b.dry_run && b.task(&upn, "unrestrict").result().changed);
    assert!(admin.member_of(&dn).await.contains(&q_dn.to_lowercase()), "a dry run changes nothing");
    let (_, b) = env.json_batch(&["--tenant", "corp", "unrestrict", &upn]);
    assert!(b.task(&upn, "unrestrict").result().changed);
    assert!(!admin.member_of(&dn).await.contains(&q_dn.to_lowercase()));
    env.json_batch(&["--tenant", "corp", "restrict", &upn]);

    let (_, b) = env.json_batch(&["--tenant", "corp", "remove-groups", &upn]);
    let r = b.task(&upn, "remove-groups").result();
    assert_eq!(r.before["groups"][0]["id"].as_str().unwrap().to_lowercase(), g_dn.to_lowercase(), "{r:#?}");
    let (_, b) = env.json_batch(&["--tenant", "corp", "remove-roles", &upn]);
    assert!(b.task(&upn, "remove-roles").result().changed);
    assert_eq!(admin.member_of(&dn).await, vec![q_dn.to_lowercase()], "only the restricted group is left");

    // reset-password: the password goes to the 0600 file and nowhere else.
    let pwfile = env.dir.path().join("passwords.csv");
    let out = env.run(&[
        "-o",
        "json",
        "--yes",
        "--tenant",
        "corp",
        "reset-password",
        &upn,
        "--password-file",
        pwfile.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut text = String::new();
    std::fs::File::open(&pwfile).unwrap().read_to_string(&mut text).unwrap();
    let pw = text.lines().last().unwrap().rsplit(',').next().unwrap().trim().to_string();
    assert!(pw.len() >= 20, "{text}");
    assert!(
        samba::try_bind(dc, &upn, &pw).await.unwrap_err().contains("data 773"),
        "the written password is the new one"
    );
    assert!(!stdout(&out).contains(&pw) && !stderr(&out).contains(&pw));
    for f in walk(&env.state) {
        assert!(!std::fs::read_to_string(&f).unwrap_or_default().contains(&pw), "password in {}", f.display());
    }

    // The bind account itself is refused by the engine's guard (`is_self`).
    let (_, b) = env.json_batch(&["--tenant", "corp", "disable", ADMIN]);
    let r = b.task(ADMIN, "disable").result();
    assert_eq!(r.status, "skipped", "{r:#?}");
    assert!(r.message.contains("signs in with"), "{r:#?}");
    assert_eq!(admin.uac(ADMIN_DN).await & 2, 0, "the administrator is still enabled");

    // Not supported on AD: refused before anything runs, with a hint naming the cloud tenant.
    for action in ["revoke-sessions", "enforce-mfa"] {
        let out = env.run(&["-o", "json", "--yes", "--tenant", "corp", action, &upn]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("not supported by the ad provider") && err.contains("cloud tenant"), "{err}");
    }
}

#[tokio::test]
async fn undo_through_the_binary_restores_what_each_batch_changed() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let quarantine = samba::unique("quar");
    let q_dn = admin.add_group(&quarantine).await;
    let name = samba::unique("undo");
    let dn = admin.add_user(&name, 512).await;
    let (g1, g2) = (samba::unique("ug1"), samba::unique("ug2"));
    let (g1_dn, g2_dn) = (admin.add_group(&g1).await, admin.add_group(&g2).await);
    let backup_ops = format!("CN=Backup Operators,CN=Builtin,{BASE_DN}");
    for g in [&g1_dn, &g2_dn, &backup_ops] {
        admin.add_member(g, &dn).await;
    }
    let original = admin.member_of(&dn).await;
    let upn = format!("{name}@{}", samba::DNS_DOMAIN);
    let env = cli_env(dc, ADMIN_PASSWORD, &quarantine);
    let mut batches = Vec::new();
    for action in ["disable", "remove-groups", "remove-roles", "restrict"] {
        let (code, b) = env.json_batch(&["--tenant", "corp", action, &upn]);
        assert_eq!(code, 0, "{action}: {b:#?}");
        assert!(b.task(&upn, action).result().changed, "{action}");
        batches.push(b.batch_id);
    }
    assert_eq!(admin.uac(&dn).await, 514);
    assert_eq!(admin.member_of(&dn).await, vec![q_dn.to_lowercase()]);

    // Undo in reverse order; each one reads back.
    let (code, _) = env.json_batch(&["undo", &batches[3]]);
    assert_eq!(code, 0);
    assert!(admin.member_of(&dn).await.is_empty(), "unrestricted");
    let (_, roles) = env.json_batch(&["undo", &batches[2]]);
    assert!(roles.task(&upn, "restore-roles").result().changed, "{roles:#?}");
    assert_eq!(admin.member_of(&dn).await, vec![backup_ops.to_lowercase()]);
    let (_, groups) = env.json_batch(&["undo", &batches[1]]);
    assert!(groups.task(&upn, "restore-groups").result().changed, "{groups:#?}");
    assert_eq!(admin.member_of(&dn).await, original);
    let (_, enabled) = env.json_batch(&["undo", &batches[0]]);
    assert!(enabled.task(&upn, "enable").result().changed);
    assert_eq!(admin.uac(&dn).await, 512);

    // Undo of the group restore removes exactly what it re-added (by recorded DN).
    let (code, again) = env.json_batch(&["undo", &groups.batch_id]);
    assert_eq!(code, 0, "{again:#?}");
    assert_eq!(admin.member_of(&dn).await, vec![backup_ops.to_lowercase()]);
}

#[tokio::test]
async fn the_binary_reports_a_wrong_bind_password_in_words() {
    let Some(dc) = samba::dc() else { return };
    let wrong = "Wr0ng-Bind-Passw0rd";
    let env = cli_env(dc, wrong, "unused");
    let (code, b) = env.json_batch(&["--tenant", "corp", "disable", "anyone@example.test"]);
    assert_eq!(code, 4, "authentication failures exit 4: {b:#?}");
    let err = b.tasks[0].result().error.as_ref().expect("error");
    assert_eq!(err.kind, "authentication");
    assert!(err.message.contains("52e") && err.message.contains("invalid credentials"), "{err:#?}");
    let out = env.run(&["-o", "json", "--yes", "--tenant", "corp", "disable", "anyone@example.test"]);
    assert!(!stdout(&out).contains(wrong) && !stderr(&out).contains(wrong));
    for f in walk(&env.state) {
        assert!(!std::fs::read_to_string(&f).unwrap_or_default().contains(wrong), "{}", f.display());
    }
}

#[tokio::test]
async fn one_task_gets_a_result_per_tenant() {
    let Some(dc) = samba::dc() else { return };
    let mut admin = Admin::connect(dc).await;
    let name = samba::unique("hyb");
    let dn = admin.add_user(&name, 512).await;
    let upn = format!("{name}@{}", samba::DNS_DOMAIN);
    let env = cli_env(dc, ADMIN_PASSWORD, "unused");
    // Two tenants on one directory: the same UPN resolves to the same account on both; the
    // atomic read-modify-write makes exactly one of them change it.
    let (code, b) = env.json_batch(&["--tenant", "corp", "--tenant", "corp2", "disable", &upn]);
    assert_eq!(code, 0, "{b:#?}");
    let t = b.task(&upn, "disable");
    assert_eq!(t.results.len(), 2);
    assert!(t.results.iter().all(|r| r.status == "successful"), "{t:#?}");
    assert_eq!(t.results.iter().filter(|r| r.changed).count(), 1, "{t:#?}");
    assert_eq!(admin.uac(&dn).await, 514);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
    }
    out
}
