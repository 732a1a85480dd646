//! Graph over HTTP: bearer tokens, Graph error bodies, request ids, `Retry-After`,
//! exponential backoff with jitter, the adaptive write limit, and the coalescing of
//! concurrent writes into JSON `$batch` requests.
//!
//! Contracts: learn.microsoft.com/graph/errors (error body), /graph/throttling (429 and
//! `Retry-After`), /graph/json-batching (`$batch`: at most 20 requests, per-item status,
//! items throttled individually with `Retry-After` in the item's headers).
//!
//! A request ends in exactly one answer: the final Graph response (any status the caller
//! must interpret: 204, 404, 400 ...), or a `ProviderError` once the retry budget for
//! throttling or transient failures is spent. Nothing is dropped and nothing is reported
//! as done that Graph did not confirm.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::error::ProviderError;
use crate::model::ErrorKind;

use super::auth::TokenSource;
use super::throttle::Throttle;

/// Knobs of the HTTP layer; the defaults are for real tenants, tests shorten the waits.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Coalesce concurrent writes into `$batch` requests.
    pub batch_writes: bool,
    /// Coalesce concurrent reads of single objects into `$batch` requests.
    pub batch_reads: bool,
    /// How long the first waiting item waits for others before its batch goes out.
    pub linger: Duration,
    /// Items per `$batch` (Graph's limit is 20).
    pub max_batch: usize,
    /// `$batch` requests in flight at once.
    pub max_inflight_batches: usize,
    /// 429s one request may get before it gives up with kind `throttled`.
    pub max_throttled: u32,
    /// 5xx / network failures one request may get before it gives up with kind `transient`.
    pub max_transient: u32,
    /// First backoff step where Graph gives no `Retry-After`; doubles up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// A `Retry-After` longer than this is not waited for: the request gives up at once.
    pub max_retry_after: Duration,
    /// Minimum spacing of conditional-access calls (1 request/s per tenant, and those 429s
    /// come without `Retry-After`: learn.microsoft.com/graph/throttling-limits).
    pub ca_spacing: Duration,
    pub request_timeout: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            batch_writes: true,
            batch_reads: true,
            linger: Duration::from_millis(10),
            max_batch: 20,
            max_inflight_batches: 4,
            max_throttled: 12,
            max_transient: 4,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(600),
            ca_spacing: Duration::from_millis(1100),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Counters for reports and the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    pub http_requests: AtomicU64,
    pub batch_requests: AtomicU64,
    pub batch_items: AtomicU64,
    pub throttled: AtomicU64,
    pub transient_retries: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub http_requests: u64,
    pub batch_requests: u64,
    pub batch_items: u64,
    pub throttled: u64,
    pub transient_retries: u64,
}

/// Which quota a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Read,
    Write,
    /// Conditional access: its own 1 request/s limit, never batched.
    ConditionalAccess,
}

/// One Graph call. `path` is relative to `/v1.0`, already encoded (see `encode`).
#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub lane: Lane,
    /// Extra request headers (e.g. `ConsistencyLevel`): sent on every try and every
    /// `@odata.nextLink` page, and copied into the item's headers when batched.
    pub headers: Vec<(String, String)>,
}

impl GraphRequest {
    fn new(method: Method, path: impl Into<String>, body: Option<Value>, lane: Lane) -> Self {
        GraphRequest { method, path: path.into(), body, lane, headers: Vec::new() }
    }
    pub fn get(path: impl Into<String>) -> Self {
        GraphRequest::new(Method::GET, path, None, Lane::Read)
    }
    pub fn patch(path: impl Into<String>, body: Value) -> Self {
        GraphRequest::new(Method::PATCH, path, Some(body), Lane::Write)
    }
    pub fn post(path: impl Into<String>, body: Option<Value>) -> Self {
        GraphRequest::new(Method::POST, path, body, Lane::Write)
    }
    pub fn delete(path: impl Into<String>) -> Self {
        GraphRequest::new(Method::DELETE, path, None, Lane::Write)
    }
    pub fn conditional_access(mut self) -> Self {
        self.lane = Lane::ConditionalAccess;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    fn is_write(&self) -> bool {
        self.method != Method::GET
    }
    /// A write that carries no body (`revokeSignInSessions`).
    fn bodiless_write(&self) -> bool {
        self.body.is_none() && [Method::POST, Method::PATCH, Method::PUT].contains(&self.method)
    }
}

/// A GET answered `202 Accepted` with no entity: "the server requires more time to
/// complete related background operations" (learn.microsoft.com/graph/api/user-get,
/// Response). There is nothing to read yet, so it is tried again like a 503.
fn still_processing(method: &Method, status: u16, body: &Value) -> bool {
    *method == Method::GET && status == 202 && body.get("id").is_none() && body.get("value").is_none()
}

/// Graph's final answer to one request.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
    /// The request was sent again after a failure that may have hidden a success (a 5xx
    /// or a lost connection): a "not a member" now may mean that the first try worked.
    pub ambiguous: bool,
}

impl GraphResponse {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The Graph error body (`{"error": {"code", "message", "innerError": {"request-id"}}}`).
    pub fn error(&self) -> GraphError {
        let e = &self.body["error"];
        let inner = if e["innerError"].is_object() { &e["innerError"] } else { &e["innererror"] };
        GraphError {
            status: self.status,
            code: e["code"].as_str().unwrap_or("").to_string(),
            message: e["message"].as_str().unwrap_or("").to_string(),
            request_id: inner["request-id"].as_str().map(str::to_string).or_else(|| self.request_id.clone()),
        }
    }
}

/// A parsed Graph error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, true) => write!(f, "HTTP {}", self.status),
            (false, true) => write!(f, "{} (HTTP {})", self.code, self.status),
            (true, false) => write!(f, "{} (HTTP {})", self.message, self.status),
            (false, false) => write!(f, "{}: {} (HTTP {})", self.code, self.message, self.status),
        }
    }
}

/// The shared HTTP machinery of one tenant.
pub struct Client {
    core: Arc<Core>,
    writes: OnceLock<mpsc::UnboundedSender<Job>>,
    reads: OnceLock<mpsc::UnboundedSender<Job>>,
}

struct Core {
    http: reqwest::Client,
    base: String,
    /// Where an `@odata.nextLink` may point: our base, and the cloud's canonical Graph
    /// root (`https://graph.microsoft.com/v1.0`), which Graph may write into next links
    /// even when we reach it through another name.
    next_roots: Vec<url::Url>,
    tokens: TokenSource,
    throttle: Throttle,
    tuning: Tuning,
    stats: Stats,
    ca_gate: tokio::sync::Mutex<Option<Instant>>,
}

struct Job {
    req: GraphRequest,
    reply: oneshot::Sender<Result<GraphResponse, ProviderError>>,
    ready_at: Instant,
    queued_at: Instant,
    throttled: u32,
    transient: u32,
    auth_retried: bool,
    ambiguous: bool,
}

/// What to do with a request after one try.
enum Next {
    Done(Result<GraphResponse, ProviderError>),
    Retry(Duration),
}

impl Client {
    /// `base` is the Graph root requests go to (`…/v1.0`), `canonical` the cloud's own
    /// Graph root (`https://graph.microsoft.com/v1.0`), which next links may name.
    pub fn new(http: reqwest::Client, base: String, canonical: &str, tokens: TokenSource, tuning: Tuning) -> Client {
        let next_roots = [base.as_str(), canonical].iter().filter_map(|r| url::Url::parse(r).ok()).collect();
        Client {
            core: Arc::new(Core {
                http,
                base,
                next_roots,
                tokens,
                throttle: Throttle::new(),
                tuning,
                stats: Stats::default(),
                ca_gate: tokio::sync::Mutex::new(None),
            }),
            writes: OnceLock::new(),
            reads: OnceLock::new(),
        }
    }

    pub fn tokens(&self) -> &TokenSource {
        &self.core.tokens
    }

    pub fn base(&self) -> &str {
        &self.core.base
    }

    pub fn throttle(&self) -> &Throttle {
        &self.core.throttle
    }

    pub fn stats(&self) -> StatsSnapshot {
        let s = &self.core.stats;
        StatsSnapshot {
            http_requests: s.http_requests.load(Ordering::Relaxed),
            batch_requests: s.batch_requests.load(Ordering::Relaxed),
            batch_items: s.batch_items.load(Ordering::Relaxed),
            throttled: s.throttled.load(Ordering::Relaxed),
            transient_retries: s.transient_retries.load(Ordering::Relaxed),
        }
    }

    /// Send one request and get its final response: writes (and single-object reads) are
    /// coalesced with concurrent ones into `$batch` requests when tuning allows.
    pub async fn send(&self, req: GraphRequest) -> Result<GraphResponse, ProviderError> {
        let t = &self.core.tuning;
        let queue = match req.lane {
            Lane::Write if t.batch_writes => Some(&self.writes),
            Lane::Read if t.batch_reads => Some(&self.reads),
            _ => None,
        };
        let Some(queue) = queue else {
            return self.core.send_direct(req).await;
        };
        let tx = queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(dispatch(self.core.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let now = Instant::now();
        let job = Job {
            req,
            reply,
            ready_at: now,
            queued_at: now,
            throttled: 0,
            transient: 0,
            auth_retried: false,
            ambiguous: false,
        };
        if let Err(mpsc::error::SendError(job)) = tx.send(job) {
            // The dispatcher is gone (its runtime shut down): do it ourselves.
            return self.core.send_direct(job.req).await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(ProviderError::new(ErrorKind::Interrupted, "the request was dropped before Graph answered"))
        })
    }

    /// GET a JSON document; any non-2xx comes back as `Err(GraphError)`.
    pub async fn get(&self, path: &str) -> Result<Result<Value, GraphResponse>, ProviderError> {
        let r = self.send(GraphRequest::get(path)).await?;
        Ok(if r.ok() { Ok(r.body) } else { Err(r) })
    }

    /// GET every page of a collection, following `@odata.nextLink` verbatim (it carries
    /// the skip token and our query; learn.microsoft.com/graph/paging).
    pub async fn get_all(&self, path: &str, lane: Lane) -> Result<Result<Vec<Value>, GraphResponse>, ProviderError> {
        let mut req = GraphRequest::get(path);
        req.lane = lane;
        self.get_all_req(req).await
    }

    /// [`Client::get_all`] for a prepared GET: its headers go with every page ("re-send
    /// ConsistencyLevel", learn.microsoft.com/graph/aad-advanced-queries). A next link is
    /// followed only where it names our Graph (see [`next_link_path`]), and always sent to
    /// our configured base: the bearer token must not go anywhere else.
    pub async fn get_all_req(&self, first: GraphRequest) -> Result<Result<Vec<Value>, GraphResponse>, ProviderError> {
        let mut items = Vec::new();
        let mut req = first;
        loop {
            let r = self.core.send_direct(req.clone()).await?;
            if !r.ok() {
                return Ok(Err(r));
            }
            if let Some(v) = r.body["value"].as_array() {
                items.extend(v.iter().cloned());
            }
            let Some(link) = r.body["@odata.nextLink"].as_str() else {
                return Ok(Ok(items));
            };
            req.path = next_link_path(link, &self.core.next_roots).ok_or_else(|| {
                ProviderError::new(
                    ErrorKind::Provider,
                    format!("Graph returned a next page outside `{}`; not following it", self.core.base),
                )
            })?;
        }
    }
}

impl Core {
    fn backoff(&self, attempt: u32) -> Duration {
        backoff(attempt, self.tuning.backoff_base, self.tuning.backoff_cap)
    }

    /// Wait for our turn on the conditional-access gate.
    async fn ca_turn(&self) {
        let mut gate = self.ca_gate.lock().await;
        if let Some(last) = *gate {
            let next = last + self.tuning.ca_spacing;
            if next > Instant::now() {
                tokio::time::sleep_until(next.into()).await;
            }
        }
        *gate = Some(Instant::now());
    }

    async fn wait_write_slot(&self, n: usize) {
        loop {
            let wait = self.throttle.reserve(n, Instant::now());
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One request, not batched, with its retries.
    async fn send_direct(&self, req: GraphRequest) -> Result<GraphResponse, ProviderError> {
        let (mut throttled, mut transient, mut auth_retried, mut ambiguous) = (0u32, 0u32, false, false);
        loop {
            match req.lane {
                Lane::ConditionalAccess => self.ca_turn().await,
                Lane::Write => self.wait_write_slot(1).await,
                Lane::Read => {}
            }
            let token = self.tokens.token().await?;
            let url = format!("{}{}", self.base, req.path);
            let mut rb = self
                .http
                .request(req.method.clone(), &url)
                .bearer_auth(token.value.expose())
                .timeout(self.tuning.request_timeout);
            for (k, v) in &req.headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(body) = &req.body {
                rb = rb.json(body);
            } else if req.bodiless_write() {
                // Without a body reqwest sends no `Content-Length`, and a POST without one
                // may be refused with 411 Length Required (RFC 9110 §8.6: a user agent
                // should send `Content-Length: 0` for a POST without content).
                rb = rb.header(reqwest::header::CONTENT_LENGTH, "0");
            }
            self.stats.http_requests.fetch_add(1, Ordering::Relaxed);
            let resp = rb.send().await;
            let now = Instant::now();
            let next = match resp {
                Err(e) => {
                    ambiguous |= req.is_write();
                    self.transient_next(&mut transient, None, None, || describe_reqwest(&e))
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let request_id = header(resp.headers(), "request-id");
                    let ra = retry_after(resp.headers());
                    let body = read_body(resp).await;
                    let r = GraphResponse { status, body, request_id, ambiguous };
                    match status {
                        202 if still_processing(&req.method, status, &r.body) => {
                            self.transient_next(&mut transient, ra, r.request_id.clone(), || {
                                "Graph is still processing the object (202 Accepted)".into()
                            })
                        }
                        429 => {
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            if req.lane == Lane::Write {
                                self.throttle.on_throttled(ra, now);
                            }
                            self.throttled_next(&mut throttled, ra, &r)
                        }
                        500 | 502 | 503 | 504 => {
                            ambiguous |= req.is_write();
                            let e = r.error();
                            self.transient_next(&mut transient, ra, e.request_id.clone(), || e.to_string())
                        }
                        401 if !auth_retried => {
                            // Expired or revoked token: get a new one, once.
                            auth_retried = true;
                            self.tokens.invalidate(&token).await;
                            Next::Retry(Duration::ZERO)
                        }
                        _ => {
                            if req.lane == Lane::Write && r.ok() {
                                self.throttle.on_success(1, now);
                            }
                            Next::Done(Ok(r))
                        }
                    }
                }
            };
            match next {
                Next::Done(r) => return r,
                Next::Retry(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    fn throttled_next(&self, count: &mut u32, ra: Option<Duration>, r: &GraphResponse) -> Next {
        *count += 1;
        let wait = ra.unwrap_or_else(|| self.backoff(*count));
        if *count > self.tuning.max_throttled || wait > self.tuning.max_retry_after {
            let e = r.error();
            return Next::Done(Err(ProviderError::new(
                ErrorKind::Throttled,
                format!("Graph kept throttling ({} attempts): {e}", *count),
            )
            .with_request_id(e.request_id)));
        }
        Next::Retry(wait)
    }

    fn transient_next(
        &self,
        count: &mut u32,
        ra: Option<Duration>,
        request_id: Option<String>,
        what: impl FnOnce() -> String,
    ) -> Next {
        *count += 1;
        if *count > self.tuning.max_transient {
            return Next::Done(Err(ProviderError::new(
                ErrorKind::Transient,
                format!("Graph failed {} times: {}", *count, what()),
            )
            .with_request_id(request_id)));
        }
        if let Some(ra) = ra.filter(|ra| *ra > self.tuning.max_retry_after) {
            return Next::Done(Err(ProviderError::new(
                ErrorKind::Transient,
                format!("Graph asked to wait {} s before trying again: {}", ra.as_secs(), what()),
            )
            .with_request_id(request_id)));
        }
        self.stats.transient_retries.fetch_add(1, Ordering::Relaxed);
        // A server-sent `Retry-After` is honoured as sent, like on a 429
        // (learn.microsoft.com/graph/best-practices-concept, "Handling expected errors":
        // 503 with Retry-After); only our own backoff is capped.
        Next::Retry(ra.unwrap_or_else(|| self.backoff(*count)))
    }

    /// Send one `$batch` of jobs; returns the jobs to try again (with their `ready_at`).
    async fn run_batch(&self, mut jobs: Vec<Job>) -> Vec<Job> {
        let writes = jobs.iter().filter(|j| j.req.is_write()).count();
        if writes > 0 {
            self.wait_write_slot(writes).await;
        }
        let token = match self.tokens.token().await {
            Ok(t) => t,
            Err(e) => {
                for j in jobs {
                    let _ = j.reply.send(Err(e.clone()));
                }
                return Vec::new();
            }
        };
        let requests: Vec<Value> = jobs
            .iter()
            .enumerate()
            .map(|(i, j)| {
                let mut item = json!({"id": (i + 1).to_string(), "method": j.req.method.as_str(), "url": j.req.path});
                let mut headers = serde_json::Map::new();
                for (k, v) in &j.req.headers {
                    headers.insert(k.clone(), json!(v));
                }
                if let Some(b) = &j.req.body {
                    // "headers.Content-Type is required when body is present" (json-batching).
                    headers.insert("Content-Type".into(), json!("application/json"));
                    item["body"] = b.clone();
                } else if j.req.bodiless_write() {
                    // "While the target URL doesn't require a request body, you must still
                    // specify the headers and body parameters where only body can be an
                    // empty object" (learn.microsoft.com/graph/json-batching).
                    headers.insert("Content-Type".into(), json!("application/json"));
                    item["body"] = json!({});
                }
                if !headers.is_empty() {
                    item["headers"] = Value::Object(headers);
                }
                item
            })
            .collect();
        self.stats.http_requests.fetch_add(1, Ordering::Relaxed);
        self.stats.batch_requests.fetch_add(1, Ordering::Relaxed);
        self.stats.batch_items.fetch_add(jobs.len() as u64, Ordering::Relaxed);
        let resp = self
            .http
            .post(format!("{}/$batch", self.base))
            .bearer_auth(token.value.expose())
            .timeout(self.tuning.request_timeout)
            .json(&json!({"requests": requests}))
            .send()
            .await;
        let now = Instant::now();
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                let what = describe_reqwest(&e);
                return self.requeue_all(jobs, now, None, |_| Fail::Transient(what.clone()));
            }
        };
        let status = resp.status().as_u16();
        let envelope_id = header(resp.headers(), "request-id");
        let ra = retry_after(resp.headers());
        let body = read_body(resp).await;
        match status {
            200 => {}
            429 => {
                self.stats.throttled.fetch_add(jobs.len() as u64, Ordering::Relaxed);
                if writes > 0 {
                    self.throttle.on_throttled(ra, now);
                }
                let r = GraphResponse { status, body, request_id: envelope_id, ambiguous: false };
                return self.requeue_all(jobs, now, ra, |_| Fail::Throttled(r.clone()));
            }
            401 => {
                self.tokens.invalidate(&token).await;
                let r = GraphResponse { status, body, request_id: envelope_id, ambiguous: false };
                return self.requeue_all(jobs, now, None, |_| Fail::Auth(r.clone()));
            }
            500 | 502 | 503 | 504 => {
                let r = GraphResponse { status, body, request_id: envelope_id, ambiguous: false };
                let what = r.error().to_string();
                return self.requeue_all(jobs, now, ra, |_| Fail::Transient(what.clone()));
            }
            _ => {
                let r = GraphResponse { status, body, request_id: envelope_id, ambiguous: false };
                let e = r.error();
                for j in jobs {
                    let _ = j.reply.send(Err(ProviderError::new(
                        ErrorKind::Provider,
                        format!("Graph refused the `$batch` request: {e}"),
                    )
                    .with_request_id(e.request_id.clone())));
                }
                return Vec::new();
            }
        }
        let mut by_id: std::collections::HashMap<String, Value> = body["responses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|item| {
                        let id = match &item["id"] {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            _ => return None,
                        };
                        Some((id, item.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut retry = Vec::new();
        let mut accepted = 0;
        let mut throttled: Vec<Option<Duration>> = Vec::new();
        for (i, job) in std::mem::take(&mut jobs).into_iter().enumerate() {
            let Some(item) = by_id.remove(&(i + 1).to_string()) else {
                if let Some(j) = self.retry_job(job, now, None, Fail::Transient("no answer for it in the batch".into()))
                {
                    retry.push(j);
                }
                continue;
            };
            let status = item["status"].as_u64().unwrap_or(0) as u16;
            let headers = &item["headers"];
            let item_header = |name: &str| {
                headers.as_object().and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .and_then(|(_, v)| v.as_str().map(str::to_string))
                })
            };
            let ra = item_header("retry-after").and_then(|v| parse_retry_after(&v));
            let request_id = item_header("request-id").or_else(|| envelope_id.clone());
            let r = GraphResponse { status, body: item["body"].clone(), request_id, ambiguous: job.ambiguous };
            let fail = match status {
                429 => {
                    self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                    if job.req.is_write() {
                        throttled.push(ra);
                    }
                    Some(Fail::Throttled(r.clone()))
                }
                500 | 502 | 503 | 504 => Some(Fail::Transient(r.error().to_string())),
                202 if still_processing(&job.req.method, status, &r.body) => {
                    Some(Fail::Transient("Graph is still processing the object (202 Accepted)".into()))
                }
                401 if !job.auth_retried => Some(Fail::Auth(r.clone())),
                _ => None,
            };
            match fail {
                Some(f) => {
                    if matches!(f, Fail::Auth(_)) {
                        self.tokens.invalidate(&token).await;
                    }
                    if let Some(j) = self.retry_job(job, now, ra, f) {
                        retry.push(j);
                    }
                }
                None => {
                    if job.req.is_write() && r.ok() {
                        accepted += 1;
                    }
                    let _ = job.reply.send(Ok(r));
                }
            }
        }
        // Acceptances first: the writes Graph took in this batch happened before the
        // refusals in it, and the rate measure at the throttle event must count them.
        if accepted > 0 {
            self.throttle.on_success(accepted, now);
        }
        for ra in throttled {
            self.throttle.on_throttled(ra, now);
        }
        retry
    }

    fn requeue_all(&self, jobs: Vec<Job>, now: Instant, ra: Option<Duration>, fail: impl Fn(&Job) -> Fail) -> Vec<Job> {
        jobs.into_iter()
            .filter_map(|j| {
                let f = fail(&j);
                self.retry_job(j, now, ra, f)
            })
            .collect()
    }

    /// Count a failed try of `job`; give it back to the queue with its `ready_at`, or
    /// answer it with the error once its budget is spent.
    fn retry_job(&self, mut job: Job, now: Instant, ra: Option<Duration>, fail: Fail) -> Option<Job> {
        let wait = match fail {
            Fail::Throttled(r) => {
                job.throttled += 1;
                let wait = ra.unwrap_or_else(|| self.backoff(job.throttled));
                if job.throttled > self.tuning.max_throttled || wait > self.tuning.max_retry_after {
                    let e = r.error();
                    let _ = job.reply.send(Err(ProviderError::new(
                        ErrorKind::Throttled,
                        format!("Graph kept throttling ({} attempts): {e}", job.throttled),
                    )
                    .with_request_id(e.request_id)));
                    return None;
                }
                wait
            }
            Fail::Transient(what) => {
                job.transient += 1;
                job.ambiguous |= job.req.is_write();
                if job.transient > self.tuning.max_transient {
                    let _ = job.reply.send(Err(ProviderError::new(
                        ErrorKind::Transient,
                        format!("Graph failed {} times: {what}", job.transient),
                    )));
                    return None;
                }
                if let Some(ra) = ra.filter(|ra| *ra > self.tuning.max_retry_after) {
                    let _ = job.reply.send(Err(ProviderError::new(
                        ErrorKind::Transient,
                        format!("Graph asked to wait {} s before trying again: {what}", ra.as_secs()),
                    )));
                    return None;
                }
                self.stats.transient_retries.fetch_add(1, Ordering::Relaxed);
                // Graph's own `Retry-After` as sent (see `transient_next`); only our
                // backoff is capped.
                ra.unwrap_or_else(|| self.backoff(job.transient))
            }
            Fail::Auth(r) => {
                if job.auth_retried {
                    let _ = job.reply.send(Ok(r));
                    return None;
                }
                job.auth_retried = true;
                Duration::ZERO
            }
        };
        job.ready_at = now + wait;
        Some(job)
    }
}

enum Fail {
    Throttled(GraphResponse),
    Transient(String),
    Auth(GraphResponse),
}

/// The coalescing queue: collects jobs, sends a `$batch` when `max_batch` are ready or the
/// oldest has waited `linger`, keeps at most `max_inflight_batches` in flight, and takes
/// back the items to retry (first in line once their `ready_at` has come).
async fn dispatch(core: Arc<Core>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Vec<Job>>();
    let mut pending: VecDeque<Job> = VecDeque::new();
    let mut inflight = 0usize;
    let mut closed = false;
    let t = core.tuning.clone();
    loop {
        let now = Instant::now();
        let ready = pending.iter().filter(|j| j.ready_at <= now).count();
        let oldest = pending.iter().filter(|j| j.ready_at <= now).map(|j| j.ready_at.max(j.queued_at)).min();
        let due = oldest.is_some_and(|o| o + t.linger <= now);
        if ready > 0 && inflight < t.max_inflight_batches && (ready >= t.max_batch || due || closed) {
            let mut batch = Vec::with_capacity(t.max_batch);
            let mut rest = VecDeque::with_capacity(pending.len());
            for j in pending.drain(..) {
                if batch.len() < t.max_batch && j.ready_at <= now {
                    batch.push(j);
                } else {
                    rest.push_back(j);
                }
            }
            pending = rest;
            inflight += 1;
            let (core, done) = (core.clone(), done_tx.clone());
            tokio::spawn(async move {
                let again = core.run_batch(batch).await;
                let _ = done.send(again);
            });
            continue;
        }
        if closed && pending.is_empty() && inflight == 0 {
            return;
        }
        let far = now + Duration::from_secs(3600);
        let wake = if ready > 0 && inflight < t.max_inflight_batches {
            oldest.map_or(far, |o| o + t.linger)
        } else {
            pending.iter().filter(|j| j.ready_at > now).map(|j| j.ready_at).min().unwrap_or(far)
        };
        tokio::select! {
            job = rx.recv(), if !closed => match job {
                Some(j) => pending.push_back(j),
                None => closed = true,
            },
            Some(again) = done_rx.recv() => {
                inflight -= 1;
                // Retried items go first: they are the oldest.
                for j in again.into_iter().rev() {
                    pending.push_front(j);
                }
            }
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
    }
}

/// Exponential backoff with jitter: a random wait in [d/2, d], d = base·2^(attempt-1)
/// capped ("equal jitter"), so that many clients throttled together do not come back in
/// lockstep.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(cap);
    exp.mul_f64(rand::random_range(0.5..=1.0))
}

/// `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after)
}

pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let delta = when.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

/// The path below `/v1.0` (with its query) that an `@odata.nextLink` names, when it names
/// one of `roots` (same scheme, host case-insensitively, port with the scheme's default
/// filled in, path below the root's). `None` for anything else: another host, user info,
/// a path outside `/v1.0/`. The caller sends it to its own base, never to the link's host.
pub fn next_link_path(link: &str, roots: &[url::Url]) -> Option<String> {
    let u = url::Url::parse(link).ok()?;
    if !u.username().is_empty() || u.password().is_some() {
        return None;
    }
    let host = |x: &url::Url| x.host_str().map(str::to_ascii_lowercase);
    roots.iter().find_map(|root| {
        let same = u.scheme() == root.scheme()
            && host(&u).is_some()
            && host(&u) == host(root)
            && u.port_or_known_default() == root.port_or_known_default();
        let prefix = format!("{}/", root.path().trim_end_matches('/'));
        let rest = u.path().strip_prefix(&prefix).filter(|_| same)?;
        Some(match u.query() {
            Some(q) => format!("/{rest}?{q}"),
            None => format!("/{rest}"),
        })
    })
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn read_body(resp: reqwest::Response) -> Value {
    match resp.bytes().await {
        Ok(b) if !b.is_empty() => serde_json::from_slice(&b).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// A network error in words, without the URL's query (it may hold a user name).
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the response was cut short"
    } else {
        "request failed"
    };
    let host = e.url().and_then(|u| u.host_str().map(|h| format!(" ({h})"))).unwrap_or_default();
    format!("{what}{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let (b, cap) = (Duration::from_millis(100), Duration::from_secs(2));
        for attempt in 1..10 {
            let d = backoff(attempt, b, cap);
            let full = b.saturating_mul(1 << (attempt - 1)).min(cap);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn next_links_are_followed_only_on_our_graph() {
        let roots: Vec<url::Url> = ["http://127.0.0.1:8080/v1.0", "https://graph.microsoft.com/v1.0"]
            .iter()
            .map(|r| url::Url::parse(r).unwrap())
            .collect();
        let ok = |l: &str| next_link_path(l, &roots);
        assert_eq!(ok("http://127.0.0.1:8080/v1.0/groups?$skiptoken=X1").as_deref(), Some("/groups?$skiptoken=X1"));
        assert_eq!(
            ok("https://graph.microsoft.com/v1.0/users/a/memberOf?$skiptoken=2").as_deref(),
            Some("/users/a/memberOf?$skiptoken=2")
        );
        // Host case and the default port do not matter.
        assert_eq!(ok("https://GRAPH.Microsoft.com:443/v1.0/groups").as_deref(), Some("/groups"));
        for bad in [
            "https://graph.microsoft.com.evil.example/v1.0/groups",
            "https://evil.example/v1.0/groups",
            "http://graph.microsoft.com/v1.0/groups",
            "https://graph.microsoft.com:8443/v1.0/groups",
            "https://graph.microsoft.com/beta/groups",
            "https://graph.microsoft.com/v1.0",
            "https://graph.microsoft.com/v1.0x/groups",
            "https://user:pw@graph.microsoft.com/v1.0/groups",
            "http://127.0.0.1:8081/v1.0/groups",
            "/v1.0/groups",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_202_without_an_entity_is_still_processing() {
        assert!(still_processing(&Method::GET, 202, &Value::Null));
        assert!(!still_processing(&Method::GET, 202, &json!({"id": "x"})));
        assert!(!still_processing(&Method::GET, 200, &Value::Null));
        assert!(!still_processing(&Method::POST, 202, &Value::Null));
    }

    #[test]
    fn graph_error_body_is_parsed() {
        let r = GraphResponse {
            status: 404,
            body: json!({"error": {"code": "Request_ResourceNotFound", "message": "gone",
                "innerError": {"request-id": "rid-1", "date": "2024-01-01T00:00:00"}}}),
            request_id: Some("hdr".into()),
            ambiguous: false,
        };
        let e = r.error();
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.request_id.as_deref()),
            ("Request_ResourceNotFound", "gone", Some("rid-1"))
        );
        assert_eq!(e.to_string(), "Request_ResourceNotFound: gone (HTTP 404)");
        let bare = GraphResponse { status: 502, body: Value::Null, request_id: Some("h".into()), ambiguous: false };
        assert_eq!(bare.error().request_id.as_deref(), Some("h"));
    }
}
