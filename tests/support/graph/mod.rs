//! A strict, stateful emulator of Microsoft Graph v1.0 (the subset `remediate` uses) and
//! of the Entra token endpoint, for the Entra tests and the benchmark.
//!
//! Strict means: every request is checked against `tests/specs/graph-v1.0-subset.json`
//! (method, path and its encoding, query options, `$select` and `$filter` property names,
//! `Content-Type`, body property names and types, unknown properties refused), bearer
//! tokens must be ones it issued, client secrets and client-assertion signatures are
//! verified, and anything unexpected or malformed is recorded as a violation. A test ends
//! with `assert_clean()` (dropping an emulator with violations panics too).
//!
//! Stateful means: users, groups and memberships, role assignments, PIM eligibilities,
//! conditional access policies and passwords change as Graph would change them, with
//! Graph's error bodies, `request-id` headers, memberOf and group members paging, `$batch`, the identity
//! write quota (a token bucket, 3,000 writes per 150 s by default) with 429 +
//! `Retry-After` (per item inside `$batch`), the 1 request/s conditional access limit with
//! no `Retry-After`, configurable latency and injected faults.

#![allow(dead_code)]

pub mod spec;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use spec::{Spec, is_guid};

pub const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
pub const EXCHANGE_ADMIN: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
pub const HELPDESK_ADMIN: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const SECURITY_ADMIN: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
pub const TENANT_ID: &str = "7a1d4e9c-5b2f-4c3a-9d8e-0f1a2b3c4d5e";

/// The least-privileged permission set of api-contracts §1.10.
pub const LEAST_PRIVILEGE: &[&str] = &[
    "User.Read.All",
    "User.EnableDisableAccount.All",
    "User-PasswordProfile.ReadWrite.All",
    "User.RevokeSessions.All",
    "GroupMember.ReadWrite.All",
    "RoleManagement.ReadWrite.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
];

/// Which national cloud the emulator plays: the scope, assertion audience and
/// `@odata.id` host it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Global,
    Usgov,
    UsgovDod,
    China,
}

impl Cloud {
    pub fn login(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }
    pub fn graph(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::Usgov => "https://graph.microsoft.us",
            Cloud::UsgovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub tenant_id: String,
    pub cloud: Cloud,
    /// Added to every HTTP request (a `$batch` counts once).
    pub latency: Duration,
    /// Identity write quota: `writes` per `window`, as a token bucket; `None` = no quota.
    pub quota: Option<(u32, Duration)>,
    /// Items per page of every collection (small, to force paging).
    pub page_size: usize,
    pub token_lifetime: Duration,
    /// Answer revokeSignInSessions with the documented 204 instead of today's 200.
    pub revoke_204: bool,
    /// Enforce the conditional access limit of 1 request/s (429 without Retry-After).
    pub ca_limit: bool,
    /// The message of the 400 for adding a member already in the group; `None` is
    /// today's "One or more added object references already exist ...". Only "400 Bad
    /// Request" is documented (group-post-members), so clients must not rely on the text.
    pub duplicate_member_message: Option<String>,
    /// Write `@odata.nextLink` on the cloud's canonical Graph host
    /// (`https://graph.microsoft.com/v1.0/...`) instead of the emulator's own address, as
    /// Graph behind a proxy or private endpoint does.
    pub canonical_next_links: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tenant_id: TENANT_ID.into(),
            cloud: Cloud::Global,
            latency: Duration::ZERO,
            quota: Some((3000, Duration::from_secs(150))),
            page_size: 3,
            token_lifetime: Duration::from_secs(3600),
            revoke_204: false,
            ca_limit: true,
            duplicate_member_message: None,
            canonical_next_links: false,
        }
    }
}

/// An app registration.
#[derive(Debug, Clone, Default)]
pub struct App {
    pub client_id: String,
    pub secret: Option<String>,
    /// PEM of the registered certificate (public part).
    pub certificate_pem: Option<String>,
    /// Accept RS256 assertions with a SHA-1 `x5t` (the older form).
    pub allow_rs256: bool,
    /// Application permissions granted (the token's `roles`).
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub upn: String,
    pub disabled: bool,
    pub synced: bool,
    pub guest: bool,
    pub mail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Static,
    Dynamic,
    Synced,
    MailEnabledSecurity,
    Distribution,
    Unified,
    RoleAssignable,
}

/// A request or `$batch` item as the emulator saw it.
#[derive(Debug, Clone)]
pub struct Record {
    pub method: String,
    /// Path after `/v1.0`, as sent (percent-encoded), with the query.
    pub path: String,
    pub status: u16,
    pub in_batch: bool,
    pub at: Instant,
}

impl Record {
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

/// A fault to inject: the next `times` requests (or batch items) matching answer `status`.
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: Option<&'static str>,
    pub path_contains: String,
    pub status: u16,
    pub retry_after: Option<u32>,
    pub times: usize,
}

impl Fault {
    /// The next request matching `method` and `path_contains` answers `status` (once).
    pub fn on(method: &'static str, path_contains: impl Into<String>, status: u16) -> Fault {
        Fault { method: Some(method), path_contains: path_contains.into(), status, retry_after: None, times: 1 }
    }

    pub fn retry_after(self, seconds: u32) -> Fault {
        Fault { retry_after: Some(seconds), ..self }
    }

    pub fn times(self, times: usize) -> Fault {
        Fault { times, ..self }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct StatsView {
    pub http_requests: u64,
    pub token_requests: u64,
    pub batch_requests: u64,
    pub batch_items: u64,
    pub writes_accepted: u64,
    pub throttled: u64,
}

#[derive(Debug, Clone)]
pub struct UserView {
    pub id: String,
    pub upn: String,
    pub enabled: bool,
    pub password: Option<String>,
    pub force_change: bool,
    pub force_change_mfa: bool,
    pub revocations: u32,
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    upn: String,
    mail: Option<String>,
    enabled: bool,
    guest: bool,
    synced: bool,
    password: Option<String>,
    force_change: bool,
    force_change_mfa: bool,
    sessions_from: String,
    revocations: u32,
}

#[derive(Debug, Clone)]
struct Group {
    id: String,
    name: String,
    kind: GroupKind,
    members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Assignment {
    id: String,
    principal: String,
    role: String,
    dir_scope: Option<String>,
    app_scope: Option<String>,
}

#[derive(Debug, Clone)]
struct TokenInfo {
    client_id: String,
    roles: Vec<String>,
    expires: Instant,
}

struct Bucket {
    tokens: f64,
    cap: f64,
    rate: f64,
    last: Instant,
}

#[derive(Default)]
struct St {
    users: HashMap<String, User>,
    by_upn: HashMap<String, String>,
    groups: BTreeMap<String, Group>,
    roles: Vec<(String, String)>,
    assignments: Vec<Assignment>,
    eligibilities: Vec<Assignment>,
    /// Service principals (only as group members: their ids and display names).
    service_principals: HashMap<String, String>,
    policies: Vec<Value>,
    apps: HashMap<String, App>,
    tokens: HashMap<String, TokenInfo>,
    revoked: HashSet<String>,
    jtis: HashSet<String>,
    faults: Vec<Fault>,
    log: Vec<Record>,
    bucket: Option<Bucket>,
    ca_last: Option<Instant>,
}

struct Shared {
    cfg: Config,
    spec: Spec,
    base: String,
    st: Mutex<St>,
    violations: Mutex<Vec<String>>,
    http_requests: AtomicU64,
    token_requests: AtomicU64,
    batch_requests: AtomicU64,
    batch_items: AtomicU64,
    writes_accepted: AtomicU64,
    throttled: AtomicU64,
}

/// One answer to one operation (top-level or `$batch` item).
struct Out {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

impl Out {
    fn json(status: u16, body: Value) -> Out {
        Out { status, headers: Vec::new(), body: Some(body) }
    }
    fn empty(status: u16) -> Out {
        Out { status, headers: Vec::new(), body: None }
    }
}

/// Graph's error body (learn.microsoft.com/graph/errors).
fn error(status: u16, code: &str, message: &str) -> Out {
    let rid = uuid::Uuid::new_v4().to_string();
    Out {
        status,
        headers: vec![("request-id".into(), rid.clone())],
        body: Some(json!({"error": {"code": code, "message": message, "innerError": {
            "date": jiff::Timestamp::now().to_string(), "request-id": rid, "client-request-id": rid}}})),
    }
}

fn not_found() -> Out {
    error(
        404,
        "Request_ResourceNotFound",
        "Resource does not exist or one of its queried reference-property objects are not present.",
    )
}

pub struct Emulator {
    shared: Arc<Shared>,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    pub async fn start(cfg: Config) -> Emulator {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let now = Instant::now();
        let bucket = cfg.quota.map(|(n, w)| Bucket {
            tokens: n as f64,
            cap: n as f64,
            rate: n as f64 / w.as_secs_f64(),
            last: now,
        });
        let mut st = St { bucket, ..St::default() };
        for (id, name) in [
            (GLOBAL_ADMIN, "Global Administrator"),
            (USER_ADMIN, "User Administrator"),
            (PRIVILEGED_ROLE_ADMIN, "Privileged Role Administrator"),
            (EXCHANGE_ADMIN, "Exchange Administrator"),
            (HELPDESK_ADMIN, "Helpdesk Administrator"),
            (SECURITY_ADMIN, "Security Administrator"),
        ] {
            st.roles.push((id.into(), name.into()));
        }
        let shared = Arc::new(Shared {
            cfg,
            spec: Spec::load(),
            base: format!("http://{addr}"),
            st: Mutex::new(st),
            violations: Mutex::new(Vec::new()),
            http_requests: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
            batch_requests: AtomicU64::new(0),
            batch_items: AtomicU64::new(0),
            writes_accepted: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Emulator { shared, addr, task }
    }

    /// `http://127.0.0.1:PORT`: both the `graph_url` and the `login_url` of a profile.
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    pub fn tenant_id(&self) -> String {
        self.shared.cfg.tenant_id.clone()
    }

    fn st(&self) -> std::sync::MutexGuard<'_, St> {
        self.shared.st.lock().expect("emulator state")
    }

    // ---- seeding ------------------------------------------------------------------

    pub fn register_app(&self, app: App) {
        self.st().apps.insert(app.client_id.clone(), app);
    }

    pub fn add_user(&self, upn: &str) -> String {
        self.add_user_with(NewUser { upn: upn.into(), ..NewUser::default() })
    }

    pub fn add_user_with(&self, u: NewUser) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut st = self.st();
        st.by_upn.insert(u.upn.to_lowercase(), id.clone());
        st.users.insert(
            id.clone(),
            User {
                id: id.clone(),
                upn: u.upn,
                mail: u.mail,
                enabled: !u.disabled,
                guest: u.guest,
                synced: u.synced,
                password: None,
                force_change: false,
                force_change_mfa: false,
                sessions_from: "2024-01-01T00:00:00Z".into(),
                revocations: 0,
            },
        );
        id
    }

    /// Many users at once (`prefix00001@domain`...): their ids in order.
    pub fn add_users(&self, n: usize, prefix: &str, domain: &str) -> Vec<String> {
        (1..=n).map(|i| self.add_user(&format!("{prefix}{i:05}@{domain}"))).collect()
    }

    pub fn add_group(&self, name: &str, kind: GroupKind) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.st()
            .groups
            .insert(id.clone(), Group { id: id.clone(), name: name.into(), kind, members: BTreeSet::new() });
        id
    }

    pub fn add_member(&self, gid: &str, uid: &str) {
        self.st().groups.get_mut(gid).expect("group").members.insert(uid.into());
    }

    /// A service principal as a member of `gid` (a member that is not a user): its id.
    pub fn add_service_principal_member(&self, gid: &str, name: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut st = self.st();
        st.service_principals.insert(id.clone(), name.into());
        st.groups.get_mut(gid).expect("group").members.insert(id.clone());
        id
    }

    /// A role assigned to a group: only role-assignable groups (`isAssignableToRole`) can be
    /// (learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
    pub fn assign_role_to_group(&self, gid: &str, role: &str) -> String {
        let kind = self.st().groups.get(gid).expect("group").kind;
        assert_eq!(kind, GroupKind::RoleAssignable, "Entra assigns roles only to role-assignable groups");
        self.assign_role(gid, role)
    }

    pub fn assign_role(&self, uid: &str, role: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.st().assignments.push(Assignment {
            id: id.clone(),
            principal: uid.into(),
            role: role.into(),
            dir_scope: Some("/".into()),
            app_scope: None,
        });
        id
    }

    pub fn make_global_admin(&self, uid: &str) -> String {
        self.assign_role(uid, GLOBAL_ADMIN)
    }

    pub fn add_eligibility(&self, uid: &str, role: &str) -> String {
        self.add_eligibility_scoped(uid, role, Some("/"), None)
    }

    /// A PIM eligibility with its scope: a directory scope or an application scope.
    pub fn add_eligibility_scoped(&self, uid: &str, role: &str, dir: Option<&str>, app: Option<&str>) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.st().eligibilities.push(Assignment {
            id: id.clone(),
            principal: uid.into(),
            role: role.into(),
            dir_scope: dir.map(Into::into),
            app_scope: app.map(Into::into),
        });
        id
    }

    /// PIM eligibilities of a principal: (role id, directory scope, application scope).
    pub fn eligibility_scopes(&self, uid: &str) -> Vec<(String, Option<String>, Option<String>)> {
        self.st()
            .eligibilities
            .iter()
            .filter(|a| a.principal == uid)
            .map(|a| (a.role.clone(), a.dir_scope.clone(), a.app_scope.clone()))
            .collect()
    }

    pub fn add_policy(&self, policy: Value) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut p = policy;
        p["id"] = json!(id);
        self.st().policies.push(p);
        id
    }

    pub fn inject(&self, fault: Fault) {
        self.st().faults.push(fault);
    }

    /// Forget every issued token: the next Graph call gets a 401.
    pub fn revoke_tokens(&self) {
        let mut st = self.st();
        let gone: Vec<String> = st.tokens.drain().map(|(k, _)| k).collect();
        st.revoked.extend(gone);
    }

    // ---- inspection ---------------------------------------------------------------

    pub fn user(&self, id: &str) -> UserView {
        let st = self.st();
        let u = st.users.get(id).expect("user");
        UserView {
            id: u.id.clone(),
            upn: u.upn.clone(),
            enabled: u.enabled,
            password: u.password.clone(),
            force_change: u.force_change,
            force_change_mfa: u.force_change_mfa,
            revocations: u.revocations,
        }
    }

    pub fn is_member(&self, gid: &str, uid: &str) -> bool {
        self.st().groups.get(gid).is_some_and(|g| g.members.contains(uid))
    }

    /// Active assignments of a principal: (role id, directory scope).
    pub fn assignments(&self, uid: &str) -> Vec<(String, Option<String>)> {
        self.st()
            .assignments
            .iter()
            .filter(|a| a.principal == uid)
            .map(|a| (a.role.clone(), a.dir_scope.clone()))
            .collect()
    }

    pub fn eligibilities(&self, uid: &str) -> Vec<String> {
        self.st().eligibilities.iter().filter(|a| a.principal == uid).map(|a| a.role.clone()).collect()
    }

    pub fn policies(&self) -> Vec<Value> {
        self.st().policies.clone()
    }

    pub fn records(&self) -> Vec<Record> {
        self.st().log.clone()
    }

    /// Writes Graph accepted or refused (not token requests, not `$batch` envelopes).
    pub fn writes(&self) -> Vec<Record> {
        self.records().into_iter().filter(Record::is_write).collect()
    }

    pub fn stats(&self) -> StatsView {
        let s = &self.shared;
        StatsView {
            http_requests: s.http_requests.load(Ordering::Relaxed),
            token_requests: s.token_requests.load(Ordering::Relaxed),
            batch_requests: s.batch_requests.load(Ordering::Relaxed),
            batch_items: s.batch_items.load(Ordering::Relaxed),
            writes_accepted: s.writes_accepted.load(Ordering::Relaxed),
            throttled: s.throttled.load(Ordering::Relaxed),
        }
    }

    /// Every access token issued so far (to check that none leaks into output).
    pub fn issued_tokens(&self) -> Vec<String> {
        let st = self.st();
        st.tokens.keys().chain(st.revoked.iter()).cloned().collect()
    }

    pub fn violations(&self) -> Vec<String> {
        self.shared.violations.lock().expect("violations").clone()
    }

    /// Fail the test if any request was unexpected or malformed.
    pub fn assert_clean(&self) {
        let v = self.violations();
        assert!(v.is_empty(), "the Graph emulator saw {} bad request(s):\n  {}", v.len(), v.join("\n  "));
    }

    /// Forget the violations seen so far (for tests that provoke one on purpose).
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.violations.lock().expect("violations"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking() {
            let v = self.violations();
            assert!(v.is_empty(), "the Graph emulator saw {} bad request(s):\n  {}", v.len(), v.join("\n  "));
        }
    }
}

/// A self-signed RSA certificate and its PKCS#8 key, as PEM.
pub fn make_certificate(name: &str) -> (String, String) {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).expect("rsa key");
    let cert = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params").self_signed(&key).expect("cert");
    (cert.pem(), key.serialize_pem())
}

// ---- HTTP ---------------------------------------------------------------------------

async fn handle(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 32 << 20).await.unwrap_or_default();
    if !sh.cfg.latency.is_zero() {
        tokio::time::sleep(sh.cfg.latency).await;
    }
    sh.http_requests.fetch_add(1, Ordering::Relaxed);
    let method = parts.method.as_str().to_string();
    let raw = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let out = if let Some(rest) = raw.strip_prefix("/v1.0") {
        sh.graph(&method, rest, query.as_deref(), &parts.headers, &bytes)
    } else if raw.ends_with("/oauth2/v2.0/token") {
        sh.token(&method, &raw, &parts.headers, &bytes)
    } else {
        sh.violation(format!("{method} {raw}: not a Graph or token endpoint path"));
        not_found()
    };
    respond(out)
}

fn respond(out: Out) -> Response {
    let mut headers = HeaderMap::new();
    let mut has_rid = false;
    for (k, v) in &out.headers {
        has_rid |= k.eq_ignore_ascii_case("request-id");
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
            headers.insert(k, v);
        }
    }
    if !has_rid {
        headers.insert("request-id", HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).expect("uuid header"));
    }
    let status = StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match out.body {
        Some(b) => {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            (status, headers, b.to_string()).into_response()
        }
        None => (status, headers).into_response(),
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn is_json(ct: Option<&str>) -> bool {
    ct.is_some_and(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Characters a path may hold unencoded (RFC 3986 pchar and `/`).
fn bad_path_char(raw: &str) -> Option<char> {
    let b = raw.as_bytes();
    for (i, c) in raw.char_indices() {
        let ok = c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/".contains(c);
        if c == '%' {
            let hex = |j: usize| b.get(j).is_some_and(|x| x.is_ascii_hexdigit());
            if !(hex(i + 1) && hex(i + 2)) {
                return Some('%');
            }
        } else if !ok {
            return Some(c);
        }
    }
    None
}

/// Split a path after `/v1.0` into decoded segments, reading the `/users('…')` key form.
fn split_path(raw: &str) -> Result<Vec<String>, String> {
    if let Some(c) = bad_path_char(raw) {
        return Err(format!("unencoded character {c:?} in the path"));
    }
    if let Some(rest) = raw.strip_prefix("/users(") {
        // Graph decodes the URL, then reads the OData key literal (quotes doubled).
        let rest = decode(rest);
        let quoted = rest.strip_prefix('\'').ok_or("the `/users(…)` key form needs a quoted string")?;
        let (key, after) = odata_literal(quoted).ok_or("unterminated key literal in `/users('…')`")?;
        let after = after.strip_prefix(')').ok_or("a single quote inside `/users('…')` is not doubled")?;
        let mut segs = vec!["users".to_string(), key];
        if !after.is_empty() {
            let tail = after.strip_prefix('/').ok_or("junk after `/users('…')`")?;
            segs.extend(tail.split('/').map(str::to_string));
        }
        return Ok(segs);
    }
    let segs: Vec<String> = raw.trim_start_matches('/').split('/').map(decode).collect();
    if segs.first().is_some_and(|s| s == "users") && segs.get(1).is_some_and(|s| s.starts_with('$')) {
        // learn.microsoft.com/graph/api/user-get: "/users/$x@y.com" fails with 400.
        return Err("a UPN starting with `$` as a path segment (Graph answers 400; use `/users('$…')`)".into());
    }
    Ok(segs)
}

fn split_query(q: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(q) = q.filter(|q| !q.is_empty()) else {
        return Ok(out);
    };
    if let Some(c) = bad_path_char(&q.replace(['?', '&', '='], "")) {
        return Err(format!("unencoded character {c:?} in the query"));
    }
    for pair in q.split('&') {
        let (k, v) = pair.split_once('=').ok_or_else(|| format!("query part `{pair}` has no `=`"))?;
        let (k, v) = (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")));
        if out.iter().any(|(x, _)| *x == k) {
            return Err(format!("query option `{k}` given twice"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// The body of an OData string literal whose opening quote was consumed: the value with
/// doubled quotes undone, and what follows the closing quote; `None` when unterminated.
fn odata_literal(s: &str) -> Option<(String, &str)> {
    let mut lit = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            lit.push(c);
        } else if chars.peek().map(|(_, c)| *c) == Some('\'') {
            lit.push('\'');
            chars.next();
        } else {
            return Some((lit, &s[i + 1..]));
        }
    }
    None
}

/// `prop eq 'literal' [and prop eq 'literal']...`, with OData quote escaping.
fn parse_filter(f: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = f;
    loop {
        let name_end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name.is_empty() {
            return Err(format!("`{f}`: expected a property name"));
        }
        rest = rest[name_end..]
            .strip_prefix(" eq '")
            .ok_or_else(|| format!("`{f}`: expected ` eq '…'` after `{name}`"))?;
        let (lit, after) = odata_literal(rest).ok_or_else(|| format!("`{f}`: unterminated string literal"))?;
        out.push((name.to_string(), lit));
        rest = after;
        if rest.is_empty() {
            return Ok(out);
        }
        rest = rest.strip_prefix(" and ").ok_or_else(|| format!("`{f}`: unexpected `{rest}` (an unescaped quote?)"))?;
    }
}

fn pem_der(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let end = pem[start..].find("-----END")? + start;
    let body: String = pem[start..end].chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(body).ok()
}

fn b64(v: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(v)
}

impl Shared {
    fn violation(&self, v: String) {
        self.violations.lock().expect("violations").push(v);
    }

    fn record(&self, st: &mut St, method: &str, path: &str, status: u16, in_batch: bool) {
        st.log.push(Record { method: method.into(), path: path.into(), status, in_batch, at: Instant::now() });
    }

    // ---- token endpoint ------------------------------------------------------------

    fn token(&self, method: &str, raw: &str, headers: &HeaderMap, body: &[u8]) -> Out {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        let aad = |status: u16, error: &str, code: u32, text: &str| {
            Out::json(
                status,
                json!({
                    "error": error,
                    "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                        uuid::Uuid::new_v4(), uuid::Uuid::new_v4(), jiff::Timestamp::now()),
                    "error_codes": [code],
                    "timestamp": jiff::Timestamp::now().to_string(),
                    "trace_id": uuid::Uuid::new_v4().to_string(),
                    "correlation_id": uuid::Uuid::new_v4().to_string(),
                }),
            )
        };
        if let Some(f) = self.take_fault("POST", raw) {
            return f;
        }
        if method != "POST" {
            self.violation(format!("{method} {raw}: the token endpoint takes POST"));
            return aad(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
        }
        let ct = header(headers, "content-type").unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            self.violation(format!("POST {raw}: Content-Type `{ct}` (want application/x-www-form-urlencoded)"));
            return aad(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
        let known = ["client_id", "scope", "grant_type", "client_secret", "client_assertion_type", "client_assertion"];
        for k in form.keys() {
            if !known.contains(&k.as_str()) {
                self.violation(format!("POST {raw}: unexpected form field `{k}`"));
            }
        }
        let tenant = raw.trim_start_matches('/').split('/').next().unwrap_or("");
        if decode(tenant) != self.cfg.tenant_id {
            return aad(400, "invalid_request", 90002, &format!("Tenant '{}' not found.", decode(tenant)));
        }
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            self.violation(format!("POST {raw}: grant_type is not client_credentials"));
            return aad(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
        }
        let want_scope = format!("{}/.default", self.cfg.cloud.graph());
        if form.get("scope") != Some(&want_scope) {
            self.violation(format!("POST {raw}: scope {:?}, want `{want_scope}`", form.get("scope")));
            return aad(
                400,
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid.",
            );
        }
        let client_id = form.get("client_id").cloned().unwrap_or_default();
        let app = self.st.lock().expect("state").apps.get(&client_id).cloned();
        let Some(app) = app else {
            return aad(
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{}'.",
                    self.cfg.tenant_id
                ),
            );
        };
        match (form.get("client_secret"), form.get("client_assertion")) {
            (Some(s), None) => {
                if app.secret.as_deref() != Some(s.as_str()) {
                    return aad(
                        401,
                        "invalid_client",
                        7000215,
                        &format!(
                            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                        ),
                    );
                }
            }
            (None, Some(a)) => {
                if form.get("client_assertion_type").map(String::as_str)
                    != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                {
                    self.violation(format!("POST {raw}: client_assertion_type missing or wrong"));
                }
                if let Err((violation, text)) = self.check_assertion(&app, a) {
                    if violation {
                        self.violation(format!("POST {raw}: client assertion: {text}"));
                    }
                    return aad(
                        401,
                        "invalid_client",
                        700027,
                        &format!("Client assertion failed signature validation. [Reason - {text}]"),
                    );
                }
            }
            _ => {
                self.violation(format!("POST {raw}: give exactly one of client_secret and client_assertion"));
                return aad(
                    400,
                    "invalid_request",
                    7000216,
                    "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
                );
            }
        }
        let now = jiff::Timestamp::now().as_second();
        let life = self.cfg.token_lifetime.as_secs();
        let header = b64(br#"{"typ":"JWT","alg":"RS256"}"#);
        let payload = b64(json!({
            "aud": self.cfg.cloud.graph(), "iss": format!("https://sts.windows.net/{}/", self.cfg.tenant_id),
            "appid": client_id, "tid": self.cfg.tenant_id, "roles": app.roles, "iat": now, "nbf": now, "exp": now + life as i64,
        }).to_string().as_bytes());
        let sig = b64(uuid::Uuid::new_v4().as_bytes());
        let token = format!("{header}.{payload}.{sig}");
        self.st.lock().expect("state").tokens.insert(
            token.clone(),
            TokenInfo { client_id, roles: app.roles.clone(), expires: Instant::now() + self.cfg.token_lifetime },
        );
        Out::json(
            200,
            json!({"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": token}),
        )
    }

    /// Check a client assertion per learn.microsoft.com/entra/identity-platform/
    /// certificate-credentials. `Err((is_violation, reason))`: a certificate that is not
    /// registered is a configuration error; a malformed assertion is a client bug.
    fn check_assertion(&self, app: &App, jwt: &str) -> Result<(), (bool, String)> {
        let Some(cert_pem) = &app.certificate_pem else {
            return Err((false, "no certificate is registered for this app".into()));
        };
        let der = pem_der(cert_pem, "CERTIFICATE").ok_or((true, "registered certificate unreadable".to_string()))?;
        let header = jsonwebtoken::decode_header(jwt).map_err(|e| (true, format!("bad header: {e}")))?;
        if header.typ.as_deref() != Some("JWT") {
            return Err((true, format!("typ {:?}, want JWT", header.typ)));
        }
        let s256 = b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der).as_ref());
        let s1 = b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref());
        match header.alg {
            jsonwebtoken::Algorithm::PS256 => match &header.x5t_s256 {
                None => return Err((true, "PS256 assertion without `x5t#S256`".into())),
                Some(t) if *t != s256 => {
                    return Err((false, "The key was not found (x5t#S256 names another certificate)".into()));
                }
                _ => {}
            },
            jsonwebtoken::Algorithm::RS256 if app.allow_rs256 => match &header.x5t {
                None => return Err((true, "RS256 assertion without `x5t`".into())),
                Some(t) if *t != s1 => {
                    return Err((false, "The key was not found (x5t names another certificate)".into()));
                }
                _ => {}
            },
            other => return Err((true, format!("alg {other:?} is not accepted"))),
        }
        let key =
            jsonwebtoken::DecodingKey::from_rsa_pem(cert_pem.as_bytes()).map_err(|e| (true, format!("cert: {e}")))?;
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        v.validate_aud = false;
        let claims = jsonwebtoken::decode::<Value>(jwt, &key, &v)
            .map_err(|_| (false, "the signature does not verify with the registered certificate".to_string()))?
            .claims;
        let aud = format!("{}/{}/oauth2/v2.0/token", self.cfg.cloud.login(), self.cfg.tenant_id);
        if claims["aud"] != json!(aud) {
            return Err((true, format!("aud {}, want {aud}", claims["aud"])));
        }
        if claims["iss"] != json!(app.client_id) || claims["sub"] != json!(app.client_id) {
            return Err((true, "iss and sub must be the client id".into()));
        }
        let jti = claims["jti"].as_str().filter(|j| !j.is_empty()).ok_or((true, "no jti".to_string()))?;
        if !self.st.lock().expect("state").jtis.insert(jti.to_string()) {
            return Err((true, format!("jti {jti} replayed")));
        }
        let now = jiff::Timestamp::now().as_second();
        let (nbf, exp) = (
            claims["nbf"].as_i64().ok_or((true, "no nbf".to_string()))?,
            claims["exp"].as_i64().ok_or((true, "no exp".to_string()))?,
        );
        if nbf > now + 60 || exp <= now {
            return Err((true, format!("not valid now (nbf {nbf}, exp {exp}, now {now})")));
        }
        if exp - nbf > 600 {
            return Err((true, format!("exp is {} s after nbf (at most 10 minutes)", exp - nbf)));
        }
        Ok(())
    }

    // ---- Graph ---------------------------------------------------------------------

    fn graph(&self, method: &str, raw: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Out {
        let shown = format!("{method} {raw}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
        let token = match self.auth(headers, &shown) {
            Ok(t) => t,
            Err(o) => return o,
        };
        if raw == "/$batch" {
            return self.batch(method, query, headers, body, &token);
        }
        if body.is_empty()
            && ["POST", "PATCH", "PUT"].contains(&method)
            && header(headers, "content-length").is_none_or(|l| l.trim() != "0")
        {
            // RFC 9110 §8.6: a POST without content should carry `Content-Length: 0`;
            // front ends answer 411 Length Required to one without.
            self.violation(format!("{shown}: a {method} without a body must send `Content-Length: 0`"));
            return error(411, "LengthRequired", "Length Required.");
        }
        let parsed = if body.is_empty() {
            None
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.violation(format!("{shown}: body is not JSON ({e})"));
                    return error(400, "BadRequest", "Unable to read JSON request payload.");
                }
            }
        };
        self.op(
            method,
            raw,
            query,
            header(headers, "content-type"),
            parsed,
            &token,
            false,
            header(headers, "consistencylevel"),
        )
    }

    fn auth(&self, headers: &HeaderMap, shown: &str) -> Result<TokenInfo, Out> {
        let unauthorized = |m: &str| error(401, "InvalidAuthenticationToken", m);
        let Some(h) = header(headers, "authorization") else {
            self.violation(format!("{shown}: no Authorization header"));
            return Err(unauthorized("Access token is empty."));
        };
        let Some(tok) = h.strip_prefix("Bearer ") else {
            self.violation(format!("{shown}: Authorization is not `Bearer …`"));
            return Err(unauthorized("Access token validation failure."));
        };
        let st = self.st.lock().expect("state");
        match st.tokens.get(tok) {
            // A token revoked on purpose (`revoke_tokens`): the client must get a new one.
            None if st.revoked.contains(tok) => Err(unauthorized("Lifetime validation failed, the token is expired.")),
            None => {
                drop(st);
                self.violation(format!("{shown}: bearer token was not issued by this emulator"));
                Err(unauthorized("Access token validation failure."))
            }
            Some(t) if t.expires <= Instant::now() => {
                Err(unauthorized("Lifetime validation failed, the token is expired."))
            }
            Some(t) => Ok(t.clone()),
        }
    }

    fn take_fault(&self, method: &str, path: &str) -> Option<Out> {
        let mut st = self.st.lock().expect("state");
        let f = st
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && f.method.is_none_or(|m| m == method) && path.contains(&f.path_contains))?;
        f.times -= 1;
        let (status, ra) = (f.status, f.retry_after);
        drop(st);
        let mut out = match status {
            // user-get: "returns 202 Accepted when the request has been processed
            // successfully but the server requires more time to complete related background
            // operations": no user in the answer.
            202 => Out::empty(202),
            429 => {
                self.throttled.fetch_add(1, Ordering::Relaxed);
                error(429, "TooManyRequests", "Too many requests.")
            }
            500 => error(500, "UnknownError", "An internal error occurred."),
            503 => error(503, "serviceNotAvailable", "The service is temporarily unavailable."),
            403 => error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
            s => error(s, "generalException", "Injected failure."),
        };
        if let Some(ra) = ra {
            out.headers.push(("Retry-After".into(), ra.to_string()));
        }
        Some(out)
    }

    fn batch(&self, method: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8], token: &TokenInfo) -> Out {
        self.batch_requests.fetch_add(1, Ordering::Relaxed);
        if method != "POST" || query.is_some() {
            self.violation(format!("{method} /$batch: only POST without query"));
            return error(405, "BadRequest", "Only POST.");
        }
        if !is_json(header(headers, "content-type")) {
            self.violation("POST /$batch: Content-Type is not application/json".into());
        }
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            self.violation("POST /$batch: body is not JSON".into());
            return error(400, "BadRequest", "Invalid batch payload format.");
        };
        let mut errs = Vec::new();
        self.spec.validate(&self.spec.schema("BatchRequest"), &v, "$batch", &mut errs);
        let items = v["requests"].as_array().cloned().unwrap_or_default();
        let mut ids = HashSet::new();
        for it in &items {
            if !ids.insert(it["id"].as_str().unwrap_or("").to_string()) {
                errs.push(format!("$batch: duplicate id {}", it["id"]));
            }
        }
        for it in &items {
            for d in it["dependsOn"].as_array().into_iter().flatten() {
                if !d.as_str().is_some_and(|d| ids.contains(d)) {
                    errs.push(format!("$batch: dependsOn {d} names no request"));
                }
            }
        }
        if items.is_empty() {
            errs.push("$batch: no requests".into());
        }
        if !errs.is_empty() {
            for e in &errs {
                self.violation(format!("POST /$batch: {e}"));
            }
            return error(400, "BadRequest", &errs.join("; "));
        }
        self.batch_items.fetch_add(items.len() as u64, Ordering::Relaxed);
        let mut responses = Vec::new();
        let mut status_of: HashMap<String, u16> = HashMap::new();
        for it in &items {
            let id = it["id"].as_str().unwrap_or("").to_string();
            let m = it["method"].as_str().unwrap_or("").to_uppercase();
            let url = it["url"].as_str().unwrap_or("");
            let failed_dep = it["dependsOn"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| d.as_str().and_then(|d| status_of.get(d)).is_none_or(|s| !(200..300).contains(s)));
            let out = if failed_dep {
                error(424, "FailedDependency", "A request this one depends on failed.")
            } else if !url.starts_with('/') || url.starts_with("/v1.0") || url.contains("://") {
                self.violation(format!(
                    "$batch item {id}: url `{url}` must be relative to /v1.0 (e.g. `/users/{{id}}`)"
                ));
                error(400, "BadRequest", "Invalid URL.")
            } else {
                let h = it["headers"].as_object().cloned().unwrap_or_default();
                let ct = h
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_string);
                for k in h.keys() {
                    if !["content-type", "consistencylevel"].contains(&k.to_lowercase().as_str()) {
                        self.violation(format!("$batch item {id}: unexpected header `{k}`"));
                    }
                }
                let (path, q) = match url.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (url, None),
                };
                let cl = h
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("consistencylevel"))
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_string);
                let body = it.get("body").cloned();
                if ["POST", "PATCH", "PUT"].contains(&m.as_str()) && (body.is_none() || !is_json(ct.as_deref())) {
                    // "While the target URL doesn't require a request body, you must still
                    // specify the headers and body parameters where only body can be an
                    // empty object" (json-batching).
                    self.violation(format!(
                        "$batch item {id}: {m} {url} without `body` and `headers.Content-Type: application/json` \
                         (an empty object body is required)"
                    ));
                    error(400, "BadRequest", "Invalid request: body and Content-Type header are required.")
                } else {
                    self.op(&m, path, q, ct.as_deref(), body, token, true, cl.as_deref())
                }
            };
            status_of.insert(id.clone(), out.status);
            let mut item = json!({"id": id, "status": out.status});
            let mut hdrs = Map::new();
            for (k, v) in &out.headers {
                hdrs.insert(k.clone(), json!(v));
            }
            if out.body.is_some() {
                hdrs.insert("Content-Type".into(), json!("application/json"));
            }
            item["headers"] = Value::Object(hdrs);
            if let Some(b) = out.body {
                item["body"] = b;
            }
            responses.push(item);
        }
        Out::json(200, json!({"responses": responses}))
    }

    /// One operation: validate it against the spec, apply quota and permissions, run it.
    #[allow(clippy::too_many_arguments)]
    fn op(
        &self,
        method: &str,
        raw: &str,
        query: Option<&str>,
        ct: Option<&str>,
        body: Option<Value>,
        token: &TokenInfo,
        in_batch: bool,
        consistency: Option<&str>,
    ) -> Out {
        let shown = format!(
            "{}{method} {raw}{}",
            if in_batch { "$batch item: " } else { "" },
            query.map(|q| format!("?{q}")).unwrap_or_default()
        );
        let out = self.op_inner(method, raw, query, ct, body, token, in_batch, consistency, &shown);
        let mut st = self.st.lock().expect("state");
        let full = format!("{raw}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
        self.record(&mut st, method, &full, out.status, in_batch);
        if method != "GET" && (200..300).contains(&out.status) {
            self.writes_accepted.fetch_add(1, Ordering::Relaxed);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn op_inner(
        &self,
        method: &str,
        raw: &str,
        query: Option<&str>,
        ct: Option<&str>,
        body: Option<Value>,
        token: &TokenInfo,
        _in_batch: bool,
        consistency: Option<&str>,
        shown: &str,
    ) -> Out {
        let bad = |problem: String| {
            self.violation(format!("{shown}: {problem}"));
            error(400, "BadRequest", &problem)
        };
        if let Some(f) = self.take_fault(method, raw) {
            return f;
        }
        let segs = match split_path(raw) {
            Ok(s) => s,
            Err(e) => return bad(e),
        };
        let (op, params) = match self.spec.find(method, &segs) {
            Ok(x) => x,
            Err(e) => return bad(format!("unexpected call: {e}")),
        };
        for (name, value) in &params {
            let uuid = op.template.iter().any(|s| matches!(s, spec::Seg::Param { name: n, uuid: true } if n == name));
            if uuid && !is_guid(value) {
                return bad(format!("path parameter `{name}` must be an object id, got `{value}`"));
            }
        }
        let q = match split_query(query) {
            Ok(q) => q,
            Err(e) => return bad(e),
        };
        for (k, v) in &q {
            let allowed = op.query.contains(k) || (k == "$skiptoken" && op.collection);
            if !allowed {
                return bad(format!("query option `{k}` is not allowed on {}", op.id));
            }
            if k == "$select" {
                let props = op.item.as_ref().map(|s| self.spec.properties(s)).unwrap_or_default();
                for p in v.split(',') {
                    if !props.contains_key(p) {
                        return bad(format!("$select: `{p}` is not a property of the result"));
                    }
                }
            }
        }
        if consistency.is_some() && !op.headers.iter().any(|h| h.eq_ignore_ascii_case("ConsistencyLevel")) {
            return bad("ConsistencyLevel header on an operation that does not take it".into());
        }
        if op.id == "user.memberOf.groups"
            && (!consistency.is_some_and(|c| c.eq_ignore_ascii_case("eventual"))
                || !q.iter().any(|(k, v)| k == "$count" && v == "true"))
        {
            // user-list-memberof, Request headers: "ConsistencyLevel | eventual. This
            // header and `$count` are required when using the `$search`, `$filter`,
            // `$orderby`, or OData cast query parameters."
            self.violation(format!("{shown}: an OData cast needs `ConsistencyLevel: eventual` and `$count=true`"));
            return error(
                400,
                "Request_UnsupportedQuery",
                "Unsupported Query. The OData cast requires the ConsistencyLevel header set to eventual and $count=true.",
            );
        }
        if ["group.list", "roleDefinitions.list"].contains(&op.id.as_str())
            && !q.iter().any(|(k, v)| k == "$filter" && v.starts_with("displayName eq '"))
        {
            // remediate lists these only to find one by display name (group-list,
            // rbacapplication-list-roledefinitions: `$filter` on `displayName` with `eq`).
            return bad(format!("{} without `$filter=displayName eq '…'`", op.id));
        }
        let filter = match q.iter().find(|(k, _)| k == "$filter") {
            Some((_, f)) => match parse_filter(f) {
                Ok(f) => {
                    let props = op.item.as_ref().map(|s| self.spec.properties(s)).unwrap_or_default();
                    if let Some((p, _)) = f.iter().find(|(p, _)| !props.contains_key(p)) {
                        return bad(format!("$filter on `{p}`, which is not a property"));
                    }
                    f
                }
                Err(e) => return bad(format!("malformed $filter: {e}")),
            },
            None => Vec::new(),
        };
        match (&op.body, &body) {
            (Some(schema), Some(b)) => {
                if !is_json(ct) {
                    return bad(format!("Content-Type {ct:?} with a JSON body (want application/json)"));
                }
                let mut errs = Vec::new();
                self.spec.validate(schema, b, "body", &mut errs);
                if !errs.is_empty() {
                    return bad(format!("body does not match the spec: {}", errs.join("; ")));
                }
            }
            (Some(_), None) if op.body_required => return bad("missing request body".into()),
            (None, Some(b)) if !(b.is_null() || b.as_object().is_some_and(Map::is_empty)) => {
                return bad(format!("{} takes no body", op.id));
            }
            _ => {}
        }
        // Permissions: every group must be met by one of its permissions.
        for group in required(&op.id, body.as_ref()) {
            if !group.iter().any(|p| token.roles.iter().any(|r| r == p)) {
                return error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
            }
        }
        let is_ca = raw.starts_with("/identity/conditionalAccess");
        let mut st = self.st.lock().expect("state");
        if is_ca && self.cfg.ca_limit {
            let now = Instant::now();
            if st.ca_last.is_some_and(|l| now.duration_since(l) < Duration::from_secs(1)) {
                // "don't return a Retry-After header on 429" (throttling-limits).
                self.throttled.fetch_add(1, Ordering::Relaxed);
                return error(429, "TooManyRequests", "Too many requests.");
            }
            st.ca_last = Some(now);
        }
        if method != "GET"
            && !is_ca
            && let Some(b) = st.bucket.as_mut()
        {
            let now = Instant::now();
            b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * b.rate).min(b.cap);
            b.last = now;
            if b.tokens < 1.0 {
                let wait = ((1.0 - b.tokens) / b.rate).ceil().max(1.0) as u64;
                self.throttled.fetch_add(1, Ordering::Relaxed);
                let mut o = error(429, "TooManyRequests", "Too many requests.");
                o.headers.push(("Retry-After".into(), wait.to_string()));
                o.headers.push(("x-ms-throttle-information".into(), "WriteLimitExceeded".into()));
                return o;
            }
            b.tokens -= 1.0;
        }
        let p = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
        let select: Option<Vec<String>> =
            q.iter().find(|(k, _)| k == "$select").map(|(_, v)| v.split(',').map(str::to_string).collect());
        let skip: usize = q.iter().find(|(k, _)| k == "$skiptoken").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let page = |items: Vec<Value>| -> Out {
            let n = self.cfg.page_size.max(1);
            let slice: Vec<Value> = items.iter().skip(skip).take(n).cloned().collect();
            let mut out = json!({"@odata.context": format!("{}/v1.0/$metadata", self.base), "value": slice});
            if q.iter().any(|(k, v)| k == "$count" && v == "true") {
                out["@odata.count"] = json!(items.len());
            }
            if skip + n < items.len() {
                let rest: Vec<String> = query
                    .unwrap_or("")
                    .split('&')
                    .filter(|p| !p.is_empty() && !p.starts_with("$skiptoken="))
                    .map(str::to_string)
                    .collect();
                let mut q = rest.join("&");
                if !q.is_empty() {
                    q.push('&');
                }
                let host = if self.cfg.canonical_next_links { self.cfg.cloud.graph() } else { self.base.as_str() };
                out["@odata.nextLink"] = json!(format!("{host}/v1.0{raw}?{q}$skiptoken={}", skip + n));
            }
            Out::json(200, out)
        };
        let pick = |mut v: Value| -> Value {
            if let (Some(sel), Some(obj)) = (&select, v.as_object_mut()) {
                obj.retain(|k, _| k == "id" || k.starts_with("@odata") || sel.contains(k));
            }
            v
        };
        let cloud_graph = self.cfg.cloud.graph();
        match op.id.as_str() {
            "user.get" => match find_user(&st, &p("user-id")) {
                Some(u) => Out::json(200, pick(user_json(u, select.is_some()))),
                None => not_found(),
            },
            "user.list" => {
                let mut found: Vec<&User> = st.users.values().collect();
                for (prop, lit) in &filter {
                    found.retain(|u| match prop.as_str() {
                        "mail" => u.mail.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(lit)),
                        "userPrincipalName" => u.upn.eq_ignore_ascii_case(lit),
                        _ => false,
                    });
                }
                found.sort_by(|a, b| a.id.cmp(&b.id));
                page(found.into_iter().map(|u| pick(user_json(u, true))).collect())
            }
            "user.update" => {
                let Some(id) = find_user(&st, &p("user-id")).map(|u| u.id.clone()) else { return not_found() };
                let b = body.unwrap_or(Value::Null);
                let obj = b.as_object().cloned().unwrap_or_default();
                for k in obj.keys() {
                    if k != "accountEnabled" && k != "passwordProfile" {
                        drop(st);
                        return bad(format!("remediate never writes `{k}`"));
                    }
                }
                let u = st.users.get_mut(&id).expect("user");
                if let Some(pp) = obj.get("passwordProfile") {
                    if u.synced {
                        return error(
                            400,
                            "Request_BadRequest",
                            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
                        );
                    }
                    let Some(pw) = pp["password"].as_str() else {
                        drop(st);
                        self.violation(format!("{shown}: passwordProfile without a password is a documented silent no-op (microsoft-graph-docs #4267)"));
                        return Out::empty(204);
                    };
                    if !complex(pw) {
                        return error(
                            400,
                            "Request_BadRequest",
                            "The specified password does not comply with password complexity requirements. Please provide a different password.",
                        );
                    }
                    u.password = Some(pw.into());
                    u.force_change = pp["forceChangePasswordNextSignIn"].as_bool().unwrap_or(false);
                    u.force_change_mfa = pp["forceChangePasswordNextSignInWithMfa"].as_bool().unwrap_or(false);
                }
                if let Some(e) = obj.get("accountEnabled").and_then(Value::as_bool) {
                    u.enabled = e;
                }
                Out::empty(204)
            }
            "user.revokeSignInSessions" => {
                let Some(id) = find_user(&st, &p("user-id")).map(|u| u.id.clone()) else { return not_found() };
                let u = st.users.get_mut(&id).expect("user");
                u.revocations += 1;
                u.sessions_from = jiff::Timestamp::now().to_string();
                if self.cfg.revoke_204 {
                    Out::empty(204)
                } else {
                    Out::json(
                        200,
                        json!({"@odata.context": format!("{cloud_graph}/v1.0/$metadata#Edm.Boolean"), "value": true}),
                    )
                }
            }
            "user.memberOf.list" | "user.memberOf.groups" => {
                let Some(uid) = find_user(&st, &p("user-id")).map(|u| u.id.clone()) else { return not_found() };
                let groups: Vec<Value> =
                    st.groups.values().filter(|g| g.members.contains(&uid)).map(|g| pick(group_json(g))).collect();
                page(groups)
            }
            "group.members.list" => {
                let Some(g) = st.groups.get(&p("group-id")) else { return not_found() };
                // Members the app may not read come with limited information: type and id,
                // the rest null (learn.microsoft.com/graph/permissions-overview, "Limited
                // information returned for inaccessible member objects").
                let reads_users = required("user.get", None)[0].iter().any(|p| token.roles.iter().any(|r| r == p));
                let members: Vec<Value> = g
                    .members
                    .iter()
                    .filter_map(|id| {
                        if let Some(u) = st.users.get(id) {
                            let mut v = user_json(u, true);
                            v["@odata.type"] = json!("#microsoft.graph.user");
                            if !reads_users {
                                for (k, val) in v.as_object_mut().expect("object") {
                                    if k != "id" && !k.starts_with("@odata") {
                                        *val = Value::Null;
                                    }
                                }
                            }
                            Some(pick(v))
                        } else {
                            st.service_principals.get(id).map(|name| {
                                pick(json!({"@odata.type": "#microsoft.graph.servicePrincipal", "id": id,
                                    "displayName": name, "accountEnabled": true}))
                            })
                        }
                    })
                    .collect();
                page(members)
            }
            "group.get" => match st.groups.get(&p("group-id")) {
                Some(g) => Out::json(200, pick(group_json(g))),
                None => not_found(),
            },
            "group.list" => {
                let mut gs: Vec<Value> = st
                    .groups
                    .values()
                    .filter(|g| filter.iter().all(|(k, v)| k == "displayName" && g.name == *v))
                    .map(|g| pick(group_json(g)))
                    .collect();
                if filter.is_empty() {
                    gs = st.groups.values().map(|g| pick(group_json(g))).collect();
                }
                page(gs)
            }
            "group.members.add" | "group.members.remove" => {
                let gid = p("group-id");
                let uid = if op.id == "group.members.add" {
                    let b = body.unwrap_or(Value::Null);
                    let r = b["@odata.id"].as_str().unwrap_or("");
                    let prefix = format!("{cloud_graph}/v1.0/directoryObjects/");
                    let Some(uid) = r.strip_prefix(&prefix) else {
                        drop(st);
                        return bad(format!("@odata.id `{r}` is not `{prefix}{{id}}` (the cloud's own Graph host)"));
                    };
                    uid.to_string()
                } else {
                    p("directoryObject-id")
                };
                let Some(g) = st.groups.get(&gid).cloned() else { return not_found() };
                if !st.users.contains_key(&uid) {
                    return not_found();
                }
                match g.kind {
                    GroupKind::Dynamic => {
                        return error(
                            400,
                            "Request_BadRequest",
                            "Insufficient privileges to complete the operation. Members of a group with dynamic membership cannot be changed.",
                        );
                    }
                    GroupKind::Synced => {
                        return error(
                            400,
                            "Request_BadRequest",
                            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
                        );
                    }
                    GroupKind::MailEnabledSecurity | GroupKind::Distribution => {
                        return error(
                            400,
                            "Request_BadRequest",
                            "Cannot Update a mail-enabled security groups and or distribution list.",
                        );
                    }
                    GroupKind::RoleAssignable
                        if !token.roles.iter().any(|r| r == "RoleManagement.ReadWrite.Directory") =>
                    {
                        return error(
                            403,
                            "Authorization_RequestDenied",
                            "Insufficient privileges to complete the operation.",
                        );
                    }
                    _ => {}
                }
                let g = st.groups.get_mut(&gid).expect("group");
                if op.id == "group.members.add" {
                    if !g.members.insert(uid) {
                        let text = self.cfg.duplicate_member_message.as_deref().unwrap_or(
                            "One or more added object references already exist for the following modified properties: 'members'.",
                        );
                        return error(400, "Request_BadRequest", text);
                    }
                } else if !g.members.remove(&uid) {
                    return not_found();
                }
                Out::empty(204)
            }
            "roleAssignments.list" | "roleEligibilityScheduleInstances.list" => {
                let list = if op.id == "roleAssignments.list" { &st.assignments } else { &st.eligibilities };
                let mut out = Vec::new();
                for a in list {
                    if filter.iter().all(|(k, v)| match k.as_str() {
                        "principalId" => a.principal == *v,
                        "roleDefinitionId" => a.role == *v,
                        _ => false,
                    }) {
                        let mut j = json!({"id": a.id, "principalId": a.principal, "roleDefinitionId": a.role,
                            "directoryScopeId": a.dir_scope, "appScopeId": a.app_scope});
                        if op.id != "roleAssignments.list" {
                            j["memberType"] = json!("Direct");
                            j["startDateTime"] = json!("2024-01-01T00:00:00Z");
                            j["endDateTime"] = Value::Null;
                        }
                        out.push(pick(j));
                    }
                }
                page(out)
            }
            "roleAssignments.create" => {
                let b = body.unwrap_or(Value::Null);
                let (principal, role) =
                    (b["principalId"].as_str().unwrap_or(""), b["roleDefinitionId"].as_str().unwrap_or(""));
                let (dir, app) =
                    (b["directoryScopeId"].as_str().map(str::to_string), b["appScopeId"].as_str().map(str::to_string));
                if dir.is_none() == app.is_none() {
                    drop(st);
                    return bad("give exactly one of directoryScopeId and appScopeId".into());
                }
                if !st.users.contains_key(principal) || !st.roles.iter().any(|(id, _)| id == role) {
                    return not_found();
                }
                if st
                    .assignments
                    .iter()
                    .any(|a| a.principal == principal && a.role == role && a.dir_scope == dir && a.app_scope == app)
                {
                    return error(
                        409,
                        "Request_BadRequest",
                        "A conflicting object with one or more of the specified property values is present in the directory.",
                    );
                }
                let id = uuid::Uuid::new_v4().to_string();
                st.assignments.push(Assignment {
                    id: id.clone(),
                    principal: principal.into(),
                    role: role.into(),
                    dir_scope: dir.clone(),
                    app_scope: app.clone(),
                });
                Out::json(
                    201,
                    json!({"id": id, "principalId": principal, "roleDefinitionId": role, "directoryScopeId": dir, "appScopeId": app}),
                )
            }
            "roleAssignments.delete" => {
                let id = p("unifiedRoleAssignment-id");
                let before = st.assignments.len();
                st.assignments.retain(|a| a.id != id);
                if st.assignments.len() == before { not_found() } else { Out::empty(204) }
            }
            "roleEligibilityScheduleRequests.create" => {
                let b = body.unwrap_or(Value::Null);
                let (principal, role) = (
                    b["principalId"].as_str().unwrap_or("").to_string(),
                    b["roleDefinitionId"].as_str().unwrap_or("").to_string(),
                );
                let (dir, app) =
                    (b["directoryScopeId"].as_str().map(str::to_string), b["appScopeId"].as_str().map(str::to_string));
                if dir.is_none() == app.is_none() {
                    // "Either directoryScopeId or appScopeId is required"
                    // (rbacapplication-post-roleeligibilityschedulerequests).
                    drop(st);
                    return bad("give exactly one of directoryScopeId and appScopeId".into());
                }
                // An app-scoped eligibility has no directory scope, and the reverse.
                let same = |e: &Assignment| {
                    e.principal == principal
                        && e.role == role
                        && match &app {
                            Some(a) => e.app_scope.as_ref() == Some(a),
                            None => e.dir_scope == dir && e.app_scope.is_none(),
                        }
                };
                if let Some(start) = b["scheduleInfo"]["startDateTime"].as_str()
                    && start.split_once('.').is_some_and(|(_, frac)| frac.trim_end_matches('Z').len() > 7)
                {
                    // A .NET DateTimeOffset holds 7 fractional digits; the docs' examples
                    // use whole seconds ("2022-04-10T00:00:00Z").
                    drop(st);
                    return bad(format!("startDateTime `{start}` has more than 7 fractional digits"));
                }
                match b["action"].as_str() {
                    Some("adminRemove") => {
                        let before = st.eligibilities.len();
                        st.eligibilities.retain(|e| !same(e));
                        if st.eligibilities.len() == before {
                            return error(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.");
                        }
                        Out::json(
                            201,
                            json!({"id": uuid::Uuid::new_v4().to_string(), "action": "adminRemove", "status": "Revoked", "principalId": principal, "roleDefinitionId": role}),
                        )
                    }
                    Some("adminAssign") => {
                        if b["scheduleInfo"].is_null() {
                            drop(st);
                            return bad("adminAssign without scheduleInfo".into());
                        }
                        if st.eligibilities.iter().any(same) {
                            return error(400, "RoleAssignmentExists", "The Role assignment already exists.");
                        }
                        st.eligibilities.push(Assignment {
                            id: uuid::Uuid::new_v4().to_string(),
                            principal: principal.clone(),
                            role: role.clone(),
                            dir_scope: dir,
                            app_scope: app,
                        });
                        Out::json(
                            201,
                            json!({"id": uuid::Uuid::new_v4().to_string(), "action": "adminAssign", "status": "Provisioned", "principalId": principal, "roleDefinitionId": role}),
                        )
                    }
                    other => {
                        drop(st);
                        bad(format!("remediate only sends adminRemove / adminAssign, not {other:?}"))
                    }
                }
            }
            "roleDefinitions.get" => match st.roles.iter().find(|(id, _)| *id == p("unifiedRoleDefinition-id")) {
                Some((id, name)) => {
                    Out::json(200, pick(json!({"id": id, "displayName": name, "templateId": id, "isBuiltIn": true})))
                }
                None => not_found(),
            },
            "roleDefinitions.list" => {
                let out: Vec<Value> = st
                    .roles
                    .iter()
                    .filter(|(_, n)| filter.iter().all(|(k, v)| k == "displayName" && n == v))
                    .map(|(id, name)| pick(json!({"id": id, "displayName": name, "templateId": id, "isBuiltIn": true})))
                    .collect();
                page(out)
            }
            "conditionalAccess.policies.list" => {
                let out: Vec<Value> = st
                    .policies
                    .iter()
                    .filter(|p| filter.iter().all(|(k, v)| p[k.as_str()] == json!(v)))
                    .cloned()
                    .map(pick)
                    .collect();
                page(out)
            }
            "conditionalAccess.policies.get" => {
                match st.policies.iter().find(|x| x["id"] == json!(p("conditionalAccessPolicy-id"))) {
                    Some(x) => Out::json(200, x.clone()),
                    None => not_found(),
                }
            }
            "conditionalAccess.policies.create" => {
                let mut b = body.unwrap_or(Value::Null);
                for required in ["displayName", "state", "conditions"] {
                    if b[required].is_null() {
                        drop(st);
                        return bad(format!("policy without `{required}`"));
                    }
                }
                let grant = &b["grantControls"];
                if grant["builtInControls"].as_array().is_some_and(|a| !a.is_empty())
                    && !grant["authenticationStrength"].is_null()
                {
                    drop(st);
                    return bad("`mfa` and an authentication strength in one policy".into());
                }
                if let Some(id) = grant["authenticationStrength"]["id"].as_str()
                    && ![
                        "00000000-0000-0000-0000-000000000002",
                        "00000000-0000-0000-0000-000000000003",
                        "00000000-0000-0000-0000-000000000004",
                    ]
                    .contains(&id)
                {
                    return error(400, "BadRequest", "Unknown authentication strength.");
                }
                for g in b["conditions"]["users"]["includeGroups"].as_array().into_iter().flatten() {
                    if !g.as_str().is_some_and(|g| st.groups.contains_key(g)) {
                        return error(400, "BadRequest", "Invalid group id in includeGroups.");
                    }
                }
                let id = uuid::Uuid::new_v4().to_string();
                b["id"] = json!(id);
                b["createdDateTime"] = json!(jiff::Timestamp::now().to_string());
                st.policies.push(b.clone());
                Out::json(201, b)
            }
            "conditionalAccess.policies.update" => {
                let id = p("conditionalAccessPolicy-id");
                let Some(pol) = st.policies.iter_mut().find(|x| x["id"] == json!(id)) else { return not_found() };
                // The stricter reading of conditionalaccesspolicy-update: a condition set
                // sent (`conditions.users`, `conditions.applications`...) replaces the stored
                // one whole; properties outside `conditions` merge as usual.
                let mut patch = body.unwrap_or(Value::Null);
                if let (Some(sent), Some(stored)) = (
                    patch.as_object_mut().and_then(|p| p.remove("conditions")),
                    pol.as_object_mut().map(|p| p.entry("conditions").or_insert_with(|| json!({}))),
                ) {
                    for (k, v) in sent.as_object().cloned().unwrap_or_default() {
                        stored[k.as_str()] = v;
                    }
                }
                merge(pol, patch);
                Out::empty(204)
            }
            "authenticationStrengthPolicies.list" => page(vec![
                json!({"id": "00000000-0000-0000-0000-000000000002", "displayName": "Multifactor authentication", "policyType": "builtIn"}),
                json!({"id": "00000000-0000-0000-0000-000000000003", "displayName": "Passwordless MFA", "policyType": "builtIn"}),
                json!({"id": "00000000-0000-0000-0000-000000000004", "displayName": "Phishing-resistant MFA", "policyType": "builtIn"}),
            ]),
            other => {
                drop(st);
                bad(format!("remediate has no business calling {other}"))
            }
        }
    }
}

/// PATCH semantics: objects merge, everything else (arrays included) is replaced.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

fn find_user<'a>(st: &'a St, key: &str) -> Option<&'a User> {
    st.users.get(key).or_else(|| st.by_upn.get(&key.to_lowercase()).and_then(|id| st.users.get(id)))
}

/// A user as Graph returns it; without `$select` only the default properties.
fn user_json(u: &User, full: bool) -> Value {
    let mut v = json!({"id": u.id, "userPrincipalName": u.upn, "displayName": u.upn.split('@').next(), "mail": u.mail,
        "givenName": null, "surname": null, "jobTitle": null, "businessPhones": [], "mobilePhone": null,
        "officeLocation": null, "preferredLanguage": null});
    if full {
        let o = v.as_object_mut().expect("object");
        o.insert("accountEnabled".into(), json!(u.enabled));
        o.insert("userType".into(), json!(if u.guest { "Guest" } else { "Member" }));
        o.insert("onPremisesSyncEnabled".into(), if u.synced { json!(true) } else { Value::Null });
        o.insert(
            "onPremisesSamAccountName".into(),
            if u.synced { json!(u.upn.split('@').next()) } else { Value::Null },
        );
        o.insert("signInSessionsValidFromDateTime".into(), json!(u.sessions_from));
    }
    v
}

fn group_json(g: &Group) -> Value {
    let (types, rule, synced, mail, security, assignable): (Vec<&str>, Option<&str>, Option<bool>, bool, bool, bool) =
        match g.kind {
            GroupKind::Static => (vec![], None, None, false, true, false),
            GroupKind::Dynamic => {
                (vec!["DynamicMembership"], Some("user.department -eq \"Sales\""), None, false, true, false)
            }
            GroupKind::Synced => (vec![], None, Some(true), false, true, false),
            GroupKind::MailEnabledSecurity => (vec![], None, None, true, true, false),
            GroupKind::Distribution => (vec![], None, None, true, false, false),
            GroupKind::Unified => (vec!["Unified"], None, None, true, false, false),
            GroupKind::RoleAssignable => (vec![], None, None, false, true, true),
        };
    json!({"@odata.type": "#microsoft.graph.group", "id": g.id, "displayName": g.name, "groupTypes": types,
        "membershipRule": rule, "onPremisesSyncEnabled": synced, "mailEnabled": mail, "securityEnabled": security,
        "isAssignableToRole": assignable})
}

/// Entra's password rule: 8-256 characters, three of four classes.
fn complex(p: &str) -> bool {
    let classes = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    (8..=256).contains(&p.chars().count()) && classes.iter().filter(|b| **b).count() >= 3
}

/// The application permissions an operation needs: every inner list must be met by one
/// of its entries (the "Permissions" tables of each API page, via the spec's
/// `x-permissions`).
fn required(op: &str, body: Option<&Value>) -> Vec<&'static [&'static str]> {
    const READ_USER: &[&str] =
        &["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
    const READ_GROUPS: &[&str] = &[
        "GroupMember.Read.All",
        "Group.Read.All",
        "GroupMember.ReadWrite.All",
        "Group.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    ];
    const WRITE_MEMBERS: &[&str] = &["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"];
    const READ_ROLES: &[&str] = &[
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "Directory.Read.All",
        "RoleManagement.ReadWrite.Directory",
        "Directory.ReadWrite.All",
    ];
    const WRITE_ROLES: &[&str] = &["RoleManagement.ReadWrite.Directory"];
    const READ_PIM: &[&str] = &[
        "RoleEligibilitySchedule.Read.Directory",
        "RoleManagement.Read.Directory",
        "RoleManagement.Read.All",
        "RoleEligibilitySchedule.ReadWrite.Directory",
        "RoleManagement.ReadWrite.Directory",
    ];
    const WRITE_PIM: &[&str] = &["RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"];
    const READ_POLICY: &[&str] = &["Policy.Read.All"];
    const WRITE_POLICY: &[&str] = &["Policy.ReadWrite.ConditionalAccess"];
    const ENABLE: &[&str] = &["User.EnableDisableAccount.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
    const PASSWORD: &[&str] = &["User-PasswordProfile.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
    const REVOKE: &[&str] = &["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];
    match op {
        "user.get" | "user.list" => vec![READ_USER],
        "user.update" => {
            let mut v = Vec::new();
            if body.is_some_and(|b| b.get("accountEnabled").is_some()) {
                v.push(ENABLE);
            }
            if body.is_some_and(|b| b.get("passwordProfile").is_some()) {
                v.push(PASSWORD);
            }
            v
        }
        "user.revokeSignInSessions" => vec![REVOKE],
        "user.memberOf.list" | "user.memberOf.groups" | "group.get" | "group.list" | "group.members.list" => {
            vec![READ_GROUPS]
        }
        "group.members.add" | "group.members.remove" => vec![WRITE_MEMBERS],
        "roleAssignments.list" | "roleDefinitions.get" | "roleDefinitions.list" => vec![READ_ROLES],
        "roleAssignments.create" | "roleAssignments.delete" => vec![WRITE_ROLES],
        "roleEligibilityScheduleInstances.list" => vec![READ_PIM],
        "roleEligibilityScheduleRequests.create" => vec![WRITE_PIM],
        "conditionalAccess.policies.list"
        | "conditionalAccess.policies.get"
        | "authenticationStrengthPolicies.list" => vec![READ_POLICY],
        "conditionalAccess.policies.create" | "conditionalAccess.policies.update" => vec![READ_POLICY, WRITE_POLICY],
        _ => Vec::new(),
    }
}
