//! Connections to the domain controller: TLS only (LDAPS, or StartTLS on `ldap://`; a simple
//! bind is never sent in clear), certificate verification, timeouts, and a small pool of
//! bound connections shared by the engine's concurrent `apply` calls.
//!
//! Why TLS is not optional: AD refuses `unicodePwd` writes without it [doc: MS-ADTS
//! 3.1.1.3.1.5.1], Samba refuses simple binds without it (`ldap server require strong auth`,
//! default `yes`), and the bind password would otherwise cross the network in clear.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::errors::{self, Endpoint};
use crate::error::ProviderError;
use crate::model::ErrorKind;
use crate::secret::Secret;

/// Where and how to connect and bind.
pub struct ConnConfig {
    pub endpoint: Endpoint,
    pub tls: Arc<ClientConfig>,
    pub bind_dn: String,
    pub password: Secret,
}

/// TLS client settings: the CA file when given, else the system roots; or (loopback only,
/// enforced by the config) no verification at all.
pub fn tls_config(ca_file: Option<&Path>, insecure_skip_verify: bool) -> Result<Arc<ClientConfig>, ProviderError> {
    // Name the provider explicitly: if another crate ever links `ring` too, the
    // process-default provider becomes ambiguous and `ClientConfig::builder()` panics.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProviderError::new(ErrorKind::Provider, format!("TLS setup failed: {e}")))?;
    if insecure_skip_verify {
        return Ok(Arc::new(
            builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerify(provider))).with_no_client_auth(),
        ));
    }
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let bad = |why: String| {
                ProviderError::new(ErrorKind::InvalidRequest, format!("`ca_file` `{}`: {why}", path.display()))
                    .with_hint("give a PEM file with the CA certificate(s) that issued the DC's certificate")
            };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(format!("cannot read it ({e})")))?
                .collect::<Result<_, _>>()
                .map_err(|e| bad(format!("not valid PEM ({e})")))?;
            if certs.is_empty() {
                return Err(bad("no certificate in it".into()));
            }
            for c in certs {
                roots.add(c).map_err(|e| bad(format!("not a usable CA certificate ({e})")))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(ProviderError::new(
                    ErrorKind::InvalidRequest,
                    "no system CA certificates found to verify the DC's certificate",
                )
                .with_hint("give the DC's CA with `--ca-file PEM`"));
            }
        }
    }
    Ok(Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
}

/// `insecure_skip_verify`: accept any certificate but still check the handshake signatures.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Open one TLS connection and bind. The scheme decides: `ldaps` is TLS from the first
/// byte, `ldap` sends StartTLS first and gives up if the server refuses it; there is no
/// third way.
pub async fn connect(cfg: &ConnConfig) -> Result<Ldap, ProviderError> {
    let at = &cfg.endpoint;
    let settings = LdapConnSettings::new()
        .set_conn_timeout(at.connect_timeout)
        .set_config(cfg.tls.clone())
        .set_starttls(at.starttls);
    let (conn, mut ldap) =
        LdapConnAsync::with_settings(settings, &at.url).await.map_err(|e| errors::transport(e, at, "connect"))?;
    ldap3::drive!(conn);
    let res = ldap
        .with_timeout(at.op_timeout)
        .simple_bind(&cfg.bind_dn, cfg.password.expose())
        .await
        .map_err(|e| errors::transport(e, at, "bind"))?;
    if res.rc != 0 {
        return Err(errors::bind_failed(&res, &cfg.bind_dn));
    }
    Ok(ldap)
}

/// Up to `size` bound connections, opened on demand and reused.
pub struct Pool {
    cfg: ConnConfig,
    idle: Mutex<Vec<Ldap>>,
    permits: Semaphore,
    /// The first bind (or certificate) failure, or the first connection failure before any
    /// bind succeeded, returned to every later caller without trying again: a bulk run with a
    /// wrong password must not send a thousand failed binds and lock the bind account out
    /// (AD's lockout threshold counts each one), nor wait for an unreachable DC once per task.
    refused: Mutex<Option<ProviderError>>,
    /// Until one bind has succeeded, connections are opened one at a time, so that a wrong
    /// password costs one failed bind, not one per pooled connection.
    first_bind: tokio::sync::Mutex<()>,
    bound: AtomicBool,
}

impl Pool {
    pub fn new(cfg: ConnConfig, size: usize) -> Pool {
        Pool {
            cfg,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size.max(1)),
            refused: Mutex::new(None),
            first_bind: tokio::sync::Mutex::new(()),
            bound: AtomicBool::new(false),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.cfg.endpoint
    }

    pub fn bind_dn(&self) -> &str {
        &self.cfg.bind_dn
    }

    /// A bound connection for this caller alone until it is dropped.
    pub async fn get(&self) -> Result<Conn<'_>, ProviderError> {
        let permit = self.permits.acquire().await.expect("the pool's semaphore is never closed");
        let reused = loop {
            let next = self.idle.lock().expect("pool lock").pop();
            match next {
                // The server closed it while idle (AD's MaxConnIdleTime): drop it.
                Some(mut l) => {
                    if !l.is_closed() {
                        break Some(l);
                    }
                }
                None => break None,
            }
        };
        let ldap = match reused {
            Some(l) => l,
            None => self.open().await?,
        };
        Ok(Conn { ldap: Some(ldap), pool: self, broken: false, _permit: permit })
    }
}

impl Pool {
    async fn open(&self) -> Result<Ldap, ProviderError> {
        let mut gate = None;
        if !self.bound.load(Ordering::Acquire) {
            let g = self.first_bind.lock().await;
            if !self.bound.load(Ordering::Acquire) {
                gate = Some(g);
            }
        }
        if let Some(e) = self.refused.lock().expect("pool lock").clone() {
            return Err(e);
        }
        let res = connect(&self.cfg).await;
        match &res {
            Ok(_) => self.bound.store(true, Ordering::Release),
            // A DC never reached in this run (down, wrong host, timeout) is not retried by
            // every task either: a thousand tasks would otherwise wait 5 s each.
            Err(e) if e.kind == ErrorKind::Authentication || !self.bound.load(Ordering::Acquire) => {
                self.refused.lock().expect("pool lock").get_or_insert_with(|| e.clone());
            }
            Err(_) => {}
        }
        drop(gate);
        res
    }
}

/// A connection checked out of the pool; goes back on drop unless it failed at transport level.
pub struct Conn<'a> {
    ldap: Option<Ldap>,
    pool: &'a Pool,
    broken: bool,
    _permit: SemaphorePermit<'a>,
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(l) = self.ldap.take()
            && !self.broken
        {
            self.pool.idle.lock().expect("pool lock").push(l);
        }
    }
}

/// A search result entry with attribute names lower-cased and every value as bytes (ldap3
/// splits values into text and binary by whether they happen to be UTF-8; an `objectSid`
/// can be either).
#[derive(Debug, Clone)]
pub struct Entry {
    pub dn: String,
    attrs: HashMap<String, Vec<Vec<u8>>>,
}

impl Entry {
    fn from(e: SearchEntry) -> Entry {
        let mut attrs: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
        for (k, vs) in e.attrs {
            attrs.entry(k.to_ascii_lowercase()).or_default().extend(vs.into_iter().map(String::into_bytes));
        }
        for (k, vs) in e.bin_attrs {
            attrs.entry(k.to_ascii_lowercase()).or_default().extend(vs);
        }
        Entry { dn: e.dn, attrs }
    }

    pub fn bytes(&self, name: &str) -> &[Vec<u8>] {
        self.attrs.get(&name.to_ascii_lowercase()).map_or(&[], Vec::as_slice)
    }

    pub fn strs(&self, name: &str) -> Vec<String> {
        self.bytes(name).iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect()
    }

    pub fn str(&self, name: &str) -> Option<String> {
        self.strs(name).into_iter().next()
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name)?.trim().parse().ok()
    }
}

impl Conn<'_> {
    fn ldap(&mut self) -> &mut Ldap {
        self.ldap.as_mut().expect("connection present until drop")
    }

    fn transport(&mut self, e: ldap3::LdapError, during: &str) -> ProviderError {
        self.broken = true;
        errors::transport(e, self.pool.endpoint(), during)
    }

    /// Search; `limit` caps the entries (a size-limit result is then not an error).
    /// Continuation references (AD returns them from the domain root, e.g. to
    /// `CN=Configuration`) are ignored, never chased [doc: api-contracts §4.2].
    pub async fn search(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: &[&str],
        limit: Option<i32>,
    ) -> Result<Vec<Entry>, ProviderError> {
        let timeout = self.pool.endpoint().op_timeout;
        let ldap = self.ldap();
        ldap.with_timeout(timeout);
        if let Some(n) = limit {
            ldap.with_search_options(SearchOptions::new().sizelimit(n));
        }
        let res = match ldap.search(base, scope, filter, attrs.to_vec()).await {
            Ok(r) => r,
            Err(e) => return Err(self.transport(e, "search")),
        };
        let ldap3::SearchResult(entries, result) = res;
        match result.rc {
            0 => {}
            4 if limit.is_some() => {}
            // A referral: the base is in a naming context this DC does not hold.
            10 => return Ok(Vec::new()),
            _ => return Err(errors::result(&result, "search", base)),
        }
        Ok(entries
            .into_iter()
            .filter(|e| !e.is_ref() && !e.is_intermediate())
            .map(SearchEntry::construct)
            .map(Entry::from)
            .collect())
    }

    /// Read one entry; `None` when it does not exist (or does not match `filter`).
    pub async fn read(&mut self, dn: &str, filter: &str, attrs: &[&str]) -> Result<Option<Entry>, ProviderError> {
        match self.search(dn, Scope::Base, filter, attrs, None).await {
            Ok(mut v) => Ok(v.pop()),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Modify; returns the raw result so callers can treat "already so" codes as success.
    pub async fn modify(&mut self, dn: &str, mods: Vec<Mod<Vec<u8>>>) -> Result<LdapResult, ProviderError> {
        let timeout = self.pool.endpoint().op_timeout;
        match self.ldap().with_timeout(timeout).modify(dn, mods).await {
            Ok(r) => Ok(r),
            Err(e) => Err(self.transport(e, "modify")),
        }
    }
}
