//! Getting a Graph access token: the national-cloud endpoints, the client credentials
//! (a client secret or a certificate's signed client assertion), and the per-tenant token
//! cache.
//!
//! Contract: the client-credentials grant, `POST {login}/{tenant}/oauth2/v2.0/token`
//! (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow), and
//! the certificate assertion format
//! (learn.microsoft.com/entra/identity-platform/certificate-credentials).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde_json::Value;

use crate::config::{AssertionAlg, Cloud, EntraConfig, check_endpoint};
use crate::error::ProviderError;
use crate::model::ErrorKind;
use crate::secret::Secret;

use super::encode;

/// Lifetime of a client assertion. The doc allows "5-10 minutes after nbf at most".
const ASSERTION_LIFETIME: u64 = 300;
/// A cached token is renewed this long before it expires (or at three quarters of its
/// lifetime when that is shorter, for short-lived test tokens).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
const TOKEN_ATTEMPTS: u32 = 4;

/// Where a cloud's token service and Graph live (learn.microsoft.com/graph/deployments).
///
/// `login`/`graph` are where requests go (the overrides, for proxies and tests);
/// `cloud_login`/`cloud_graph` are the cloud's own hosts, used wherever a value names the
/// cloud rather than the address we reach it at: the `.default` scope ("any permission
/// scope value ... that contains the Microsoft Graph domain MUST use the domain of the
/// national cloud deployment"), the assertion's `aud`, and `@odata.id` references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub login: String,
    pub graph: String,
    pub cloud_login: &'static str,
    pub cloud_graph: &'static str,
}

impl Endpoints {
    /// The hosts of a cloud, with the profile's overrides.
    pub fn new(cfg: &EntraConfig) -> Result<Endpoints, String> {
        let (cloud_login, cloud_graph) = cloud_hosts(cfg.cloud);
        let clean = |field: &str, raw: &Option<String>, default: &str| -> Result<String, String> {
            match raw {
                None => Ok(default.to_string()),
                Some(u) => {
                    check_endpoint(u, &["https", "http"]).map_err(|m| format!("`{field}`: {m}"))?;
                    let u = u.trim_end_matches('/');
                    Ok(u.strip_suffix("/v1.0").unwrap_or(u).to_string())
                }
            }
        };
        Ok(Endpoints {
            login: clean("login_url", &cfg.login_url, cloud_login)?,
            graph: clean("graph_url", &cfg.graph_url, cloud_graph)?,
            cloud_login,
            cloud_graph,
        })
    }

    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.login, encode::segment(tenant))
    }

    /// The assertion's `aud`: the cloud's token endpoint for the tenant.
    pub fn audience(&self, tenant: &str) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.cloud_login, encode::segment(tenant))
    }

    pub fn scope(&self) -> String {
        format!("{}/.default", self.cloud_graph)
    }

    /// Base of every Graph call.
    pub fn graph_v1(&self) -> String {
        format!("{}/v1.0", self.graph)
    }

    /// The `@odata.id` of a directory object, on the cloud's own Graph host
    /// (learn.microsoft.com/graph/api/group-post-members: use the national host).
    pub fn odata_id(&self, id: &str) -> String {
        format!("{}/v1.0/directoryObjects/{}", self.cloud_graph, encode::segment(id))
    }
}

/// Token host and Graph root per cloud (learn.microsoft.com/graph/deployments). For China,
/// the token host is `login.chinacloudapi.cn`; the docs.azure.cn copy of the certificate
/// page names `login.partner.microsoftonline.cn`, an alias of the same service.
pub fn cloud_hosts(cloud: Cloud) -> (&'static str, &'static str) {
    match cloud {
        Cloud::Global => ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
        Cloud::Usgov => ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
        Cloud::UsgovDod => ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
        Cloud::China => ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    }
}

/// How the app proves who it is.
#[derive(Debug)]
pub enum Credential {
    Secret(Secret),
    Certificate(Box<CertificateCredential>),
}

impl Credential {
    fn describe(&self) -> &'static str {
        match self {
            Credential::Secret(_) => "client secret",
            Credential::Certificate(_) => "certificate",
        }
    }
}

/// A certificate and its private key, ready to sign client assertions.
pub struct CertificateCredential {
    key: EncodingKey,
    alg: AssertionAlg,
    /// base64url SHA-256 of the DER certificate (`x5t#S256`).
    x5t_s256: String,
    /// base64url SHA-1 of the DER certificate (`x5t`, for RS256).
    x5t: String,
    path: PathBuf,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("path", &self.path)
            .field("alg", &self.alg)
            .field("x5t#S256", &self.x5t_s256)
            .finish_non_exhaustive()
    }
}

/// Why a certificate file cannot be used: a message and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertError {
    pub message: String,
    pub hint: String,
}

/// One `-----BEGIN X-----` block of a PEM file.
struct PemBlock {
    label: String,
    der: Vec<u8>,
    text: String,
}

fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let label_end = after.find("-----").ok_or("a `BEGIN` line is not closed")?;
        let label = after[..label_end].to_string();
        let end_marker = format!("-----END {label}-----");
        let body_start = start + 11 + label_end + 5;
        let end = rest[body_start..].find(&end_marker).ok_or_else(|| format!("no `END {label}` line"))?;
        let body: String = rest[body_start..body_start + end].chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| format!("the `{label}` block is not valid base64"))?;
        let block_end = body_start + end + end_marker.len();
        blocks.push(PemBlock { label, der, text: rest[start..block_end].to_string() });
        rest = &rest[block_end..];
    }
    Ok(blocks)
}

/// Read a PEM file holding the app's certificate and its private key, and check that they
/// belong together (by signing a probe and verifying it with the certificate), so that a
/// wrong file fails here, before any request, with a clear hint.
pub fn load_certificate(path: &Path, alg: AssertionAlg) -> Result<CertificateCredential, CertError> {
    let shown = path.display();
    let pem_hint = "give one PEM file with the certificate and its PKCS#8 private key, e.g. \
                    `openssl pkcs12 -in app.pfx -nodes -out app.pem`";
    let text = std::fs::read(path).map_err(|e| CertError {
        message: match e.kind() {
            std::io::ErrorKind::NotFound => format!("certificate file `{shown}` does not exist"),
            _ => format!("cannot read certificate file `{shown}`: {e}"),
        },
        hint: format!("fix `certificate` in the tenant profile ({pem_hint}), or remove it to use a client secret"),
    })?;
    let not_pem = |why: String| CertError {
        message: format!("`{shown}` is not a usable PEM file: {why}"),
        hint: pem_hint.into(),
    };
    let text = String::from_utf8(text).map_err(|_| not_pem("it is not text (a DER or PFX file?)".into()))?;
    let blocks = pem_blocks(&text).map_err(not_pem)?;
    if blocks.is_empty() {
        return Err(not_pem("it has no `-----BEGIN ...-----` block".into()));
    }
    let cert = blocks
        .iter()
        .find(|b| b.label == "CERTIFICATE")
        .ok_or_else(|| not_pem("it has no `CERTIFICATE` block".into()))?;
    if blocks.iter().any(|b| b.label == "ENCRYPTED PRIVATE KEY") {
        return Err(CertError {
            message: format!("the private key in `{shown}` is encrypted"),
            hint: "store it unencrypted in a file only you can read: `openssl pkcs8 -topk8 -nocrypt -in key.pem`"
                .into(),
        });
    }
    let key_block = blocks
        .iter()
        .find(|b| b.label == "PRIVATE KEY" || b.label == "RSA PRIVATE KEY")
        .ok_or_else(|| not_pem("it has no `PRIVATE KEY` block (the certificate's private key)".into()))?;
    let key = EncodingKey::from_rsa_pem(key_block.text.as_bytes()).map_err(|_| CertError {
        message: format!("the private key in `{shown}` is not an RSA key"),
        hint: "Entra certificate credentials are signed with RSA (PS256 or RS256): use an RSA key of 2048 bits or more"
            .into(),
    })?;
    let public = DecodingKey::from_rsa_pem(cert.text.as_bytes()).map_err(|_| CertError {
        message: format!("the certificate in `{shown}` does not hold an RSA public key"),
        hint: "Entra certificate credentials are signed with RSA: use an RSA certificate".into(),
    })?;
    let jwt_alg = jwt_algorithm(alg);
    let probe =
        jsonwebtoken::encode(&Header::new(jwt_alg), &serde_json::json!({"probe": true}), &key).map_err(|_| {
            CertError {
                message: format!("the private key in `{shown}` cannot sign"),
                hint: "use an RSA key of 2048 bits or more".into(),
            }
        })?;
    let mut v = Validation::new(jwt_alg);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_aud = false;
    jsonwebtoken::decode::<Value>(&probe, &public, &v).map_err(|_| CertError {
        message: format!("the private key in `{shown}` does not belong to the certificate in it"),
        hint: "put the certificate and its own private key in the file (the one whose public part is uploaded to the app registration)".into(),
    })?;
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &cert.der);
    let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert.der);
    Ok(CertificateCredential {
        key,
        alg,
        x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
        x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
        path: path.to_path_buf(),
    })
}

fn jwt_algorithm(alg: AssertionAlg) -> Algorithm {
    match alg {
        AssertionAlg::Ps256 => Algorithm::PS256,
        AssertionAlg::Rs256 => Algorithm::RS256,
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

impl CertificateCredential {
    /// A signed client assertion: PS256 with `x5t#S256` (the current doc), or RS256 with
    /// the SHA-1 `x5t` (the older revision) when the profile asks for it.
    pub fn assertion(&self, audience: &str, client_id: &str) -> Result<Secret, ProviderError> {
        let now = jsonwebtoken::get_current_timestamp();
        let mut header = Header::new(jwt_algorithm(self.alg));
        header.typ = Some("JWT".into());
        match self.alg {
            AssertionAlg::Ps256 => header.x5t_s256 = Some(self.x5t_s256.clone()),
            AssertionAlg::Rs256 => header.x5t = Some(self.x5t.clone()),
        }
        let claims = AssertionClaims {
            aud: audience,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME,
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map(Secret::new).map_err(|e| {
            ProviderError::new(ErrorKind::Authentication, format!("cannot sign the client assertion: {e}"))
        })
    }
}

/// An access token and what it grants.
#[derive(Debug)]
pub struct AccessToken {
    pub value: Secret,
    pub expires_at: Instant,
    /// The application permissions in the token's `roles` claim.
    pub roles: Vec<String>,
    generation: u64,
}

/// Gets tokens for one tenant and caches them until shortly before they expire.
#[derive(Debug)]
pub struct TokenSource {
    http: reqwest::Client,
    endpoints: Endpoints,
    tenant_id: String,
    client_id: String,
    credential: Credential,
    cache: tokio::sync::Mutex<Option<Arc<AccessToken>>>,
    generation: std::sync::atomic::AtomicU64,
}

impl TokenSource {
    pub fn new(
        http: reqwest::Client,
        endpoints: Endpoints,
        tenant_id: String,
        client_id: String,
        credential: Credential,
    ) -> TokenSource {
        TokenSource {
            http,
            endpoints,
            tenant_id,
            client_id,
            credential,
            cache: tokio::sync::Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// A valid token: the cached one, or a new one. Concurrent callers wait for one fetch.
    pub async fn token(&self) -> Result<Arc<AccessToken>, ProviderError> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.as_ref()
            && Instant::now() < t.expires_at
        {
            return Ok(t.clone());
        }
        let t = Arc::new(self.fetch().await?);
        *cache = Some(t.clone());
        Ok(t)
    }

    /// Drop `token` from the cache (Graph said 401): the next call fetches a new one.
    pub async fn invalidate(&self, token: &AccessToken) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|t| t.generation == token.generation) {
            *cache = None;
        }
    }

    async fn fetch(&self) -> Result<AccessToken, ProviderError> {
        let url = self.endpoints.token_url(&self.tenant_id);
        let scope = self.endpoints.scope();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let assertion;
            let mut form: Vec<(&str, &str)> =
                vec![("client_id", &self.client_id), ("scope", &scope), ("grant_type", "client_credentials")];
            match &self.credential {
                Credential::Secret(s) => form.push(("client_secret", s.expose())),
                Credential::Certificate(c) => {
                    assertion = c.assertion(&self.endpoints.audience(&self.tenant_id), &self.client_id)?;
                    form.push(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
                    form.push(("client_assertion", assertion.expose()));
                }
            }
            let sent = Instant::now();
            let resp = self.http.post(&url).form(&form).send().await;
            let retry = |wait: Duration| async move {
                tokio::time::sleep(wait).await;
            };
            let resp = match resp {
                Ok(r) => r,
                Err(_) if attempt < TOKEN_ATTEMPTS => {
                    retry(super::client::backoff(attempt, Duration::from_millis(500), Duration::from_secs(8))).await;
                    continue;
                }
                Err(e) => {
                    return Err(ProviderError::new(
                        ErrorKind::Transient,
                        format!("cannot reach the token endpoint `{url}`: {}", super::client::describe_reqwest(&e)),
                    )
                    .with_hint("check the network, or `login_url` in the tenant profile"));
                }
            };
            let status = resp.status().as_u16();
            let retry_after = super::client::retry_after(resp.headers());
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            if status == 200 {
                return self.parse_token(&body, sent);
            }
            if (status == 429 || status >= 500) && attempt < TOKEN_ATTEMPTS {
                let wait = retry_after.unwrap_or_else(|| {
                    super::client::backoff(attempt, Duration::from_millis(500), Duration::from_secs(8))
                });
                retry(wait).await;
                continue;
            }
            return Err(self.token_error(status, &body));
        }
    }

    fn parse_token(&self, body: &Value, sent: Instant) -> Result<AccessToken, ProviderError> {
        let value = body["access_token"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| {
            ProviderError::new(ErrorKind::Authentication, "the token endpoint answered without an `access_token`")
        })?;
        // `expires_in` is a number in v2.0; older endpoints sent a string.
        let lifetime = match &body["expires_in"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or(3599);
        let lifetime = Duration::from_secs(lifetime);
        let margin = REFRESH_MARGIN.min(lifetime / 4);
        Ok(AccessToken {
            value: Secret::new(value),
            expires_at: sent + lifetime - margin,
            roles: token_roles(value),
            generation: self.generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
        })
    }

    /// Map a token-endpoint error (`{"error", "error_description": "AADSTS…: …"}`) to a
    /// message and a hint that says what to fix. The AADSTS codes are listed at
    /// learn.microsoft.com/entra/identity-platform/reference-error-codes.
    fn token_error(&self, status: u16, body: &Value) -> ProviderError {
        let error = body["error"].as_str().unwrap_or("");
        let description = body["error_description"].as_str().unwrap_or("");
        // The description goes on with "Trace ID: … Correlation ID: … Timestamp: …".
        let first = description.split(['\r', '\n']).next().unwrap_or("").trim();
        let first = first.split(" Trace ID:").next().unwrap_or(first).trim();
        let code = first.strip_prefix("AADSTS").and_then(|r| r.split(':').next()).unwrap_or("");
        let tenant = &self.tenant_id;
        let cred = self.credential.describe();
        let hint = match code {
            "7000215" => "the client secret is wrong: store the secret's *value* (not its id) again".into(),
            "7000222" => "the client secret has expired: create a new one in the app registration and store it".into(),
            "700027" | "700023" | "70002" if cred == "certificate" => {
                "the certificate is not registered for this app: upload its public part under \
                 Certificates & secrets of the app registration"
                    .to_string()
            }
            "700024" => "the client assertion is outside its valid time: check this machine's clock".into(),
            "700016" => format!(
                "no app with client id `{}` in tenant `{tenant}`: check `client_id` and `tenant_id`, and that the app \
                 is registered (or consented) there",
                self.client_id
            ),
            "90002" | "900023" | "90072" => {
                format!("tenant `{tenant}` was not found: check `tenant_id` (and `cloud` for national clouds)")
            }
            "70011" => "the scope was refused: check `cloud` in the tenant profile".into(),
            "7000112" => "the app is disabled in the tenant: ask an administrator to enable it".into(),
            _ if error == "invalid_client" || status == 401 => {
                format!("the {cred} was rejected: check it, `client_id` and `tenant_id` with `remediate tenant test`")
            }
            _ => "check `tenant_id`, `client_id` and the credential with `remediate tenant test`".into(),
        };
        let what = if first.is_empty() { format!("HTTP {status}") } else { first.to_string() };
        let err = if error.is_empty() { String::new() } else { format!("{error}: ") };
        ProviderError::new(ErrorKind::Authentication, format!("the token endpoint refused the {cred}: {err}{what}"))
            .with_hint(hint)
            .with_request_id(body["correlation_id"].as_str().map(str::to_string))
    }
}

/// The `roles` claim of a token we were just given. No signature check: the token came
/// to us over TLS from the token endpoint, and the answer only drives `tenant test`.
pub fn token_roles(token: &str) -> Vec<String> {
    let Some(payload) = token.split('.').nth(1) else {
        return Vec::new();
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return Vec::new();
    };
    let Ok(claims) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    claims["roles"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(cloud: Cloud) -> EntraConfig {
        EntraConfig {
            tenant_id: "t".into(),
            client_id: "c".into(),
            certificate: None,
            cloud,
            graph_url: None,
            login_url: None,
            assertion_alg: AssertionAlg::default(),
        }
    }

    #[test]
    fn national_cloud_endpoints() {
        let e = Endpoints::new(&cfg(Cloud::UsgovDod)).unwrap();
        assert_eq!(
            e.token_url("contoso.onmicrosoft.us"),
            "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token"
        );
        assert_eq!(e.scope(), "https://dod-graph.microsoft.us/.default");
        assert_eq!(e.graph_v1(), "https://dod-graph.microsoft.us/v1.0");
        assert_eq!(e.odata_id("abc"), "https://dod-graph.microsoft.us/v1.0/directoryObjects/abc");
        let c = Endpoints::new(&cfg(Cloud::China)).unwrap();
        assert_eq!(c.scope(), "https://microsoftgraph.chinacloudapi.cn/.default");
        assert!(c.token_url("t").starts_with("https://login.chinacloudapi.cn/"));
        let g = Endpoints::new(&cfg(Cloud::Usgov)).unwrap();
        assert_eq!(g.scope(), "https://graph.microsoft.us/.default");
        let w = Endpoints::new(&cfg(Cloud::Global)).unwrap();
        assert_eq!(w.audience("t"), "https://login.microsoftonline.com/t/oauth2/v2.0/token");
    }

    #[test]
    fn overrides_keep_the_cloud_names() {
        let mut c = cfg(Cloud::Usgov);
        c.graph_url = Some("http://127.0.0.1:9/v1.0/".into());
        c.login_url = Some("http://localhost:9".into());
        let e = Endpoints::new(&c).unwrap();
        assert_eq!(e.graph_v1(), "http://127.0.0.1:9/v1.0");
        assert_eq!(e.token_url("t"), "http://localhost:9/t/oauth2/v2.0/token");
        assert_eq!(e.scope(), "https://graph.microsoft.us/.default");
        assert_eq!(e.odata_id("x"), "https://graph.microsoft.us/v1.0/directoryObjects/x");
        c.graph_url = Some("http://10.1.2.3".into());
        assert!(Endpoints::new(&c).unwrap_err().contains("loopback"));
    }

    #[test]
    fn roles_claim_is_read() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"roles":["User.Read.All","GroupMember.ReadWrite.All"]}"#);
        assert_eq!(token_roles(&format!("x.{payload}.y")), vec!["User.Read.All", "GroupMember.ReadWrite.All"]);
        assert!(token_roles("opaque").is_empty());
    }

    #[test]
    fn pem_blocks_are_split() {
        let text = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n\
                    -----BEGIN PRIVATE KEY-----\nAwQ=\n-----END PRIVATE KEY-----\n";
        let b = pem_blocks(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].label, "CERTIFICATE");
        assert_eq!(b[0].der, vec![0, 1, 2]);
        assert_eq!(b[1].der, vec![3, 4]);
        assert!(pem_blocks("-----BEGIN X-----\nAA").is_err());
    }
}
