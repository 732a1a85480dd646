//! A throw-away Samba AD domain controller on loopback for the `ad` integration tests, and
//! helpers to seed and read it as the domain administrator.
//!
//! The DC listens on the fixed LDAP ports (389/636), so there is one per machine, shared by
//! every test process that runs at the same time (cargo test runs one process, nextest one
//! per test). It lives in `$TMPDIR/remediate-test-samba/`:
//! - `setup.lock` (exclusive while one process checks / provisions / starts the DC);
//! - `users.lock`: every process using the DC holds a shared `flock` on it until it exits
//!   (the kernel drops it even on SIGKILL); a watchdog process (`flock -x users.lock`, in its
//!   own session) gets the exclusive lock only once no test process is left, then stops
//!   samba and removes `ready`. Nothing depends on the test process cleaning up after itself.
//!
//! Provisioning follows `reference/samba-ad-ci-recipe.sh`: `samba-tool domain provision`
//! into the temp dir, a P-256 test CA and a server certificate with SAN IP:127.0.0.1 (Samba's
//! own self-signed one has no SAN, which rustls rejects), `samba -i -M single` (one process).
//!
//! Without Samba (or root) [`dc`] prints `SKIP: …` to the terminal and returns `None`; with
//! `REMEDIATE_REQUIRE_INTEGRATION=1` it panics instead.

#![allow(dead_code)]

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry};

pub const REALM: &str = "EXAMPLE.TEST";
pub const DOMAIN: &str = "EXAMPLE";
pub const BASE_DN: &str = "DC=example,DC=test";
pub const DNS_DOMAIN: &str = "example.test";
pub const ADMIN: &str = "Administrator@example.test";
pub const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=example,DC=test";
/// The throw-away DC's administrator password (loopback only, deleted with the DC).
pub const ADMIN_PASSWORD: &str = "Passw0rd!Adm1n";
/// Password given to seeded users.
pub const USER_PASSWORD: &str = "Seed3d!Passw0rd#1";

pub const LDAPS_URL: &str = "ldaps://127.0.0.1:636";
pub const STARTTLS_URL: &str = "ldap://127.0.0.1:389";
/// Resolves to loopback but is not in the server certificate's subjectAltName.
pub const WRONG_NAME_URL: &str = "ldaps://localhost:636";

/// The running DC.
pub struct Dc {
    pub dir: PathBuf,
    /// The CA that signed the DC's certificate.
    pub ca_file: PathBuf,
    /// A CA that did not.
    pub other_ca_file: PathBuf,
    /// Held (shared) until this process exits: keeps the watchdog from stopping the DC.
    _users: File,
}

/// The DC, started on first use in this process; `None` (after a visible `SKIP`) when Samba
/// is not available here.
pub fn dc() -> Option<&'static Dc> {
    static DC: OnceLock<Result<Dc, String>> = OnceLock::new();
    match DC.get_or_init(start) {
        Ok(dc) => Some(dc),
        Err(why) if required() => {
            panic!("REMEDIATE_REQUIRE_INTEGRATION=1 but the Samba AD DC is not available: {why}")
        }
        Err(why) => {
            skip(why);
            None
        }
    }
}

/// Whether a skip must fail the test instead.
pub fn required() -> bool {
    std::env::var("REMEDIATE_REQUIRE_INTEGRATION").is_ok_and(|v| v == "1")
}

/// Print straight to the terminal: libtest captures `eprintln!`, not writes to the handle.
pub fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}

fn start() -> Result<Dc, String> {
    for tool in ["samba", "samba-tool", "openssl", "flock", "setsid"] {
        if !on_path(tool) {
            return Err(format!(
                "`{tool}` is not installed (apt-get install samba samba-ad-dc samba-ad-provision winbind ldap-utils openssl)"
            ));
        }
    }
    if !is_root() {
        return Err("a Samba AD DC needs root".into());
    }
    let root = std::env::temp_dir().join("remediate-test-samba");
    fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let open = |name: &str| {
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(name))
            .map_err(|e| format!("{name}: {e}"))
    };
    let setup = open("setup.lock")?;
    setup.lock().map_err(|e| format!("setup.lock: {e}"))?;
    // Blocks while a watchdog is stopping a DC whose users all left.
    let users = open("users.lock")?;
    users.lock_shared().map_err(|e| format!("users.lock: {e}"))?;
    let dc = Dc {
        ca_file: root.join("tls/ca.pem"),
        other_ca_file: root.join("tls/other-ca.pem"),
        dir: root.clone(),
        _users: users,
    };
    if root.join("ready").exists() && probe(&dc.ca_file).is_ok() {
        return Ok(dc);
    }
    provision_and_start(&root)?;
    Ok(dc)
    // `setup` drops here: the next process finds the DC ready.
}

fn provision_and_start(root: &Path) -> Result<(), String> {
    let d = root.join("dc");
    let tls = root.join("tls");
    stop_stale(&d);
    let _ = fs::remove_file(root.join("ready"));
    let _ = fs::remove_dir_all(&d);
    let _ = fs::remove_dir_all(&tls);
    for sub in ["run", "log"] {
        fs::create_dir_all(d.join(sub)).map_err(|e| e.to_string())?;
    }
    fs::create_dir_all(&tls).map_err(|e| e.to_string())?;
    let started = Instant::now();
    run(
        Command::new("samba-tool").args([
            "domain",
            "provision",
            &format!("--targetdir={}", d.display()),
            &format!("--realm={REALM}"),
            &format!("--domain={DOMAIN}"),
            "--server-role=dc",
            "--dns-backend=NONE",
            "--use-rfc2307",
            &format!("--adminpass={ADMIN_PASSWORD}"),
            "--host-name=dc1",
            "--host-ip=127.0.0.1",
            "--option=interfaces=lo",
            "--option=bind interfaces only=yes",
        ]),
        &d.join("provision.log"),
    )?;
    make_certificates(&tls)?;
    configure(&d, &tls)?;
    let log = File::create(d.join("samba.out")).map_err(|e| e.to_string())?;
    // Own session: a Ctrl-C or a test harness killing our process group does not reach it;
    // the watchdog below stops it.
    let mut samba = Command::new("setsid")
        .args(["samba", "-i", "-M", "single", "-s"])
        .arg(d.join("etc/smb.conf"))
        .arg("-l")
        .arg(d.join("log"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start samba: {e}"))?;
    fs::write(d.join("run/test-samba.pid"), samba.id().to_string()).map_err(|e| e.to_string())?;
    spawn_watchdog(root, &d.join("run/test-samba.pid"))?;
    // Poll until LDAPS accepts our bind (typically 0.3 s after start).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match probe(&tls.join("ca.pem")) {
            Ok(()) => break,
            Err(e) if Instant::now() > deadline => return Err(format!("samba did not answer on LDAPS: {e}")),
            Err(_) => {}
        }
        if let Ok(Some(status)) = samba.try_wait() {
            let out = fs::read_to_string(d.join("samba.out")).unwrap_or_default();
            let tail: Vec<&str> = out.lines().rev().take(5).collect();
            return Err(format!(
                "samba exited ({status}) during startup (ports 389/636 taken by another server?): {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    fs::write(root.join("ready"), "").map_err(|e| e.to_string())?;
    let _ = writeln!(std::io::stderr(), "samba AD DC up in {:.1} s ({})", started.elapsed().as_secs_f64(), d.display());
    Ok(())
}

/// Stop a DC left behind by a watchdog that never ran (machine crash, `kill -9` of it).
fn stop_stale(d: &Path) {
    let Ok(pid) = fs::read_to_string(d.join("run/test-samba.pid")) else { return };
    let pid = pid.trim();
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let alive = !stat.is_empty() && stat.split(' ').nth(2).is_none_or(|s| s != "Z");
    if alive && stat.contains("(samba)") {
        let _ = Command::new("kill").arg(pid).status();
        for _ in 0..100 {
            let s = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if s.is_empty() || s.split(' ').nth(2) == Some("Z") {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `flock -x users.lock` returns once every test process has exited (their shared locks go
/// with them), then stops samba.
fn spawn_watchdog(root: &Path, pid_file: &Path) -> Result<(), String> {
    const SCRIPT: &str =
        r#"exec flock -x "$1" sh -c 'kill -TERM "$(cat "$1")" 2>/dev/null; rm -f "$2"' stop "$2" "$3""#;
    Command::new("setsid")
        .args(["sh", "-c", SCRIPT, "samba-watchdog"])
        .arg(root.join("users.lock"))
        .arg(pid_file)
        .arg(root.join("ready"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the watchdog: {e}"))
}

fn make_certificates(tls: &Path) -> Result<(), String> {
    let ossl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(tls), &tls.join("openssl.log"));
    for (key, pem, cn) in [("ca.key", "ca.pem", "remediate-test-ca"), ("other-ca.key", "other-ca.pem", "unrelated-ca")]
    {
        ossl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key,
            "-out",
            pem,
            "-days",
            "30",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])?;
    }
    ossl(&[
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=dc1.example.test",
    ])?;
    // No `localhost` in the SAN: `WRONG_NAME_URL` checks the name verification.
    fs::write(
        tls.join("ext.cnf"),
        "subjectAltName=DNS:dc1.example.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .map_err(|e| e.to_string())?;
    ossl(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
    ])?;
    set_mode(&tls.join("key.pem"), 0o600)
}

fn set_mode(p: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())
}

/// Keep every runtime file inside the temp dir, run only the services LDAP needs, use our
/// certificate [reference/samba-ad-ci-recipe.sh step 3].
fn configure(d: &Path, tls: &Path) -> Result<(), String> {
    let path = d.join("etc/smb.conf");
    let text = fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("server services") && !l.trim_start().starts_with("log file"))
        .collect();
    let (d, t) = (d.display(), tls.display());
    let extra = format!(
        "\tlog file = {d}/log/log.%m\n\tpid directory = {d}/run\n\tncalrpc dir = {d}/run/ncalrpc\n\
         \twinbindd socket directory = {d}/run/winbindd\n\tntp signd socket directory = {d}/run/ntp_signd\n\
         \ttls enabled = yes\n\ttls keyfile = {t}/key.pem\n\ttls certfile = {t}/cert.pem\n\ttls cafile = {t}/ca.pem\n\
         \tserver services = -dns -nbt -wrepl -ntp_signd -kcc -dnsupdate -s3fs -winbindd\n"
    );
    let mut out = String::new();
    for l in kept {
        out.push_str(l);
        out.push('\n');
        if l.trim() == "[global]" {
            out.push_str(&extra);
        }
    }
    fs::write(&path, out).map_err(|e| e.to_string())
}

fn run(cmd: &mut Command, log: &Path) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let mut f = File::options().create(true).append(true).open(log).map_err(|e| e.to_string())?;
    let _ = f.write_all(&out.stdout);
    let _ = f.write_all(&out.stderr);
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(format!("{:?} failed ({}): {}", cmd.get_program(), out.status, err.lines().last().unwrap_or("")))
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// A bind as the administrator over verified LDAPS, on a private runtime (callers may be
/// inside a tokio runtime already).
fn probe(ca: &Path) -> Result<(), String> {
    let ca = ca.to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async {
            let mut l = connect(&ca, LDAPS_URL).await?;
            let _ = l.unbind().await;
            Ok(())
        })
    })
    .join()
    .map_err(|_| "probe panicked".to_string())?
}

/// rustls settings trusting only `ca`.
pub fn tls_config(ca: &Path) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).map_err(|e| e.to_string())? {
        roots.add(c.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

async fn connect(ca: &Path, url: &str) -> Result<Ldap, String> {
    let settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(5)).set_config(tls_config(ca)?);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, url).await.map_err(|e| e.to_string())?;
    ldap3::drive!(conn);
    ldap.simple_bind(ADMIN, ADMIN_PASSWORD).await.map_err(|e| e.to_string())?.success().map_err(|e| e.to_string())?;
    Ok(ldap)
}

/// A name no other test (in this or a concurrent process) uses; at most 20 characters,
/// the limit of sAMAccountName.
pub fn unique(tag: &str) -> String {
    static RUN: OnceLock<u16> = OnceLock::new();
    static N: AtomicU32 = AtomicU32::new(0);
    let run = RUN.get_or_init(rand::random::<u16>);
    let tag: String = tag.chars().take(9).collect();
    format!("{tag}-{run:04x}-{}", N.fetch_add(1, Ordering::Relaxed))
}

pub fn user_dn(cn: &str) -> String {
    format!("CN={cn},CN=Users,{BASE_DN}")
}

/// The domain administrator's connection, for seeding and reading back.
pub struct Admin {
    ldap: Ldap,
}

impl Admin {
    pub async fn connect(dc: &Dc) -> Admin {
        Admin { ldap: connect(&dc.ca_file, LDAPS_URL).await.expect("admin bind") }
    }

    /// A user `CN=name,CN=Users,…` with sAMAccountName `name`, UPN `name@example.test`, the
    /// seed password, and `userAccountControl` `uac` (512 = enabled normal account).
    pub async fn add_user(&mut self, name: &str, uac: u32) -> String {
        self.add_user_with(name, uac, &[]).await
    }

    pub async fn add_user_with(&mut self, name: &str, uac: u32, extra: &[(&str, &str)]) -> String {
        let dn = user_dn(name);
        let upn = format!("{name}@{DNS_DOMAIN}");
        let pwd = unicode_pwd(USER_PASSWORD);
        let uac = uac.to_string();
        let mut attrs: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = vec![
            (
                b"objectClass".to_vec(),
                HashSet::from([
                    b"top".to_vec(),
                    b"person".to_vec(),
                    b"organizationalPerson".to_vec(),
                    b"user".to_vec(),
                ]),
            ),
            (b"sAMAccountName".to_vec(), HashSet::from([name.as_bytes().to_vec()])),
            (b"unicodePwd".to_vec(), HashSet::from([pwd])),
            (b"userAccountControl".to_vec(), HashSet::from([uac.into_bytes()])),
        ];
        if !extra.iter().any(|(k, _)| *k == "userPrincipalName") {
            attrs.push((b"userPrincipalName".to_vec(), HashSet::from([upn.into_bytes()])));
        }
        for (k, v) in extra {
            if !v.is_empty() {
                attrs.push((k.as_bytes().to_vec(), HashSet::from([v.as_bytes().to_vec()])));
            }
        }
        self.ldap.add(&dn, attrs).await.expect("add user").success().unwrap_or_else(|e| panic!("add user {dn}: {e}"));
        dn
    }

    /// A global security group `CN=name,CN=Users,…`.
    pub async fn add_group(&mut self, name: &str) -> String {
        let dn = user_dn(name);
        let attrs: Vec<(&str, HashSet<&str>)> =
            vec![("objectClass", HashSet::from(["top", "group"])), ("sAMAccountName", HashSet::from([name]))];
        self.ldap.add(&dn, attrs).await.expect("add group").success().unwrap_or_else(|e| panic!("add group {dn}: {e}"));
        dn
    }

    pub async fn add_member(&mut self, group_dn: &str, member_dn: &str) {
        self.ldap
            .modify(group_dn, vec![Mod::Add("member", HashSet::from([member_dn]))])
            .await
            .expect("add member")
            .success()
            .unwrap_or_else(|e| panic!("add {member_dn} to {group_dn}: {e}"));
    }

    pub async fn replace(&mut self, dn: &str, attr: &str, value: &str) {
        self.ldap
            .modify(dn, vec![Mod::Replace(attr, HashSet::from([value]))])
            .await
            .expect("modify")
            .success()
            .unwrap_or_else(|e| panic!("replace {attr} on {dn}: {e}"));
    }

    /// Every value of `attr` on `dn` (empty when absent).
    pub async fn attr(&mut self, dn: &str, attr: &str) -> Vec<String> {
        let (entries, _) = self
            .ldap
            .search(dn, Scope::Base, "(objectClass=*)", vec![attr])
            .await
            .expect("search")
            .success()
            .unwrap_or_else(|e| panic!("read {dn}: {e}"));
        let e = SearchEntry::construct(entries.into_iter().next().expect("entry"));
        e.attrs.into_iter().find(|(k, _)| k.eq_ignore_ascii_case(attr)).map(|(_, v)| v).unwrap_or_default()
    }

    pub async fn uac(&mut self, dn: &str) -> u32 {
        self.attr(dn, "userAccountControl").await[0].parse().expect("numeric userAccountControl")
    }

    /// The entry's objectSid as `S-1-5-21-…`.
    pub async fn sid(&mut self, dn: &str) -> String {
        let (entries, _) = self
            .ldap
            .search(dn, Scope::Base, "(objectClass=*)", vec!["objectSid"])
            .await
            .expect("search")
            .success()
            .unwrap_or_else(|e| panic!("read {dn}: {e}"));
        let e = SearchEntry::construct(entries.into_iter().next().expect("entry"));
        // ldap3 files a value under `attrs` when its bytes happen to be UTF-8.
        let b: Vec<u8> = match e.bin_attrs.into_values().next() {
            Some(mut v) => v.remove(0),
            None => e.attrs.into_values().next().expect("objectSid").remove(0).into_bytes(),
        };
        let authority = b[2..8].iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        let subs: Vec<String> =
            b[8..].chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string()).collect();
        format!("S-{}-{authority}-{}", b[0], subs.join("-"))
    }

    /// Delegate to `trustee_sid` the right to write `member` of `group_dn` (an object ACE for
    /// the Member attribute, bf9679c0-…), with samba-tool on the DC's database.
    pub fn grant_member_write(&self, dc: &Dc, group_dn: &str, trustee_sid: &str) {
        let d = dc.dir.join("dc");
        let out = Command::new("samba-tool")
            .args(["dsacl", "set", "-s"])
            .arg(d.join("etc/smb.conf"))
            .arg("-H")
            .arg(d.join("private/sam.ldb"))
            .arg(format!("--objectdn={group_dn}"))
            .arg(format!("--sddl=(OA;;WP;bf9679c0-0de6-11d0-a285-00aa003049e2;;{trustee_sid})"))
            .stdin(Stdio::null())
            .output()
            .expect("samba-tool");
        assert!(out.status.success(), "samba-tool dsacl set: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The user's direct groups (DNs, lower-cased for comparison).
    pub async fn member_of(&mut self, dn: &str) -> Vec<String> {
        let mut v: Vec<String> = self.attr(dn, "memberOf").await.into_iter().map(|s| s.to_lowercase()).collect();
        v.sort();
        v
    }
}

/// Bind as `who` with `password` over verified LDAPS: `Ok` or the server's result text.
pub async fn try_bind(dc: &Dc, who: &str, password: &str) -> Result<(), String> {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(Duration::from_secs(5))
        .set_config(tls_config(&dc.ca_file).map_err(|e| e.to_string())?);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, LDAPS_URL).await.map_err(|e| e.to_string())?;
    ldap3::drive!(conn);
    let res = ldap.simple_bind(who, password).await.map_err(|e| e.to_string())?;
    let _ = ldap.unbind().await;
    if res.rc == 0 { Ok(()) } else { Err(res.text) }
}

pub fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"").encode_utf16().flat_map(u16::to_le_bytes).collect()
}
