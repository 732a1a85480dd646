//! Errors, classified in one place: the message, the hint and the exit code of every
//! failure are decided here and nowhere else.
//!
//! Two families: [`Error`] stops a command before or outside the batch (bad input, unknown
//! tenant, missing credentials, a corrupt log); [`ProviderError`] is one target's failure,
//! which becomes data in the batch (a result with `error.kind`) and never aborts the rest.

use std::path::PathBuf;

use crate::model::{ErrorKind, Status};
use crate::providers::ProviderKind;

/// Process exit codes (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Partial = 3,
    Auth = 4,
    Canceled = 5,
    Pending = 6,
    Interrupted = 130,
}

impl ExitCode {
    /// The exit code a batch of this status ends the process with. `auth_only` says whether
    /// every failure was an authentication or permission failure.
    pub fn for_batch(status: Status, dry_run: bool, auth_only: bool) -> ExitCode {
        match status {
            _ if dry_run => ExitCode::Success,
            Status::Successful => ExitCode::Success,
            Status::PartiallySuccessful => ExitCode::Partial,
            Status::Unsuccessful if auth_only => ExitCode::Auth,
            Status::Unsuccessful | Status::Skipped => ExitCode::Failure,
            Status::Canceled | Status::Rejected => ExitCode::Canceled,
            Status::PendingApproval => ExitCode::Pending,
            Status::Queued | Status::InProgress => ExitCode::Interrupted,
        }
    }
}

/// One line of an input file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub reason: String,
}

/// A failure that stops the command. Nothing was changed in any provider unless the
/// variant says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Usage { message: String, hint: Option<String> },

    #[error("unknown tenant `{name}`")]
    UnknownTenant { name: String, known: Vec<String> },

    #[error("no tenant selected and {} are configured", known.len())]
    NoTenantSelected { known: Vec<String> },

    #[error("invalid config `{}`: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("invalid tenant profile `{tenant}`: {message}")]
    Profile { tenant: String, message: String, hint: Option<String> },

    #[error("tenant `{tenant}` uses provider `{provider}`, which this version cannot act on yet")]
    ProviderNotBuilt { tenant: String, provider: ProviderKind },

    #[error("no secret for tenant `{tenant}`: {reason}")]
    MissingSecret { tenant: String, env_var: String, reason: String },

    /// `errors` lists the first bad rows; `omitted` counts the bad rows past that list.
    #[error("{} invalid {} in `{file}`", errors.len() as u64 + omitted, if errors.len() as u64 + omitted == 1 { "row" } else { "rows" })]
    InvalidCsv { file: String, errors: Vec<LineError>, omitted: u64 },

    #[error("{message}")]
    InvalidInput { message: String, hint: Option<String> },

    #[error("refusing to act on {count} targets without confirmation")]
    NeedsConfirmation { count: usize },

    #[error("tenant `{tenant}`: {source}")]
    Provider {
        tenant: String,
        #[source]
        source: Box<ProviderError>,
    },

    #[error("{message}")]
    NotAllowed { message: String, hint: String },

    #[error("no batch `{0}` in the task log")]
    UnknownBatch(String),

    #[error("task log `{}`: {message}", path.display())]
    TaskLog { path: PathBuf, message: String },

    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::Usage { message: message.into(), hint: hint.into() }
    }

    pub fn input(message: impl Into<String>, hint: impl Into<Option<String>>) -> Self {
        Error::InvalidInput { message: message.into(), hint: hint.into() }
    }

    /// A provider's failure that stops the whole command (unsupported action, no bind).
    pub fn provider(tenant: impl Into<String>, source: ProviderError) -> Self {
        Error::Provider { tenant: tenant.into(), source: Box::new(source) }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage { .. }
            | Error::UnknownTenant { .. }
            | Error::NoTenantSelected { .. }
            | Error::Config { .. }
            | Error::Profile { .. }
            | Error::ProviderNotBuilt { .. }
            | Error::InvalidCsv { .. }
            | Error::InvalidInput { .. }
            | Error::NeedsConfirmation { .. }
            | Error::UnknownBatch(_) => ExitCode::Usage,
            Error::MissingSecret { .. } | Error::NotAllowed { .. } => ExitCode::Auth,
            Error::Provider { source, .. } => match source.kind {
                ErrorKind::Authentication | ErrorKind::Permission => ExitCode::Auth,
                ErrorKind::Unsupported | ErrorKind::NotFound | ErrorKind::InvalidRequest => ExitCode::Usage,
                _ => ExitCode::Failure,
            },
            Error::TaskLog { .. } | Error::Io { .. } => ExitCode::Failure,
            Error::Interrupted => ExitCode::Interrupted,
        }
    }

    /// What the operator can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } | Error::InvalidInput { hint, .. } | Error::Profile { hint, .. } => hint.clone(),
            Error::UnknownTenant { known, .. } | Error::NoTenantSelected { known } => Some(format!(
                "choose one with `--tenant NAME`: {} (`remediate tenant list` shows them)",
                known.join(", ")
            )),
            Error::Config { .. } => {
                Some("fix the file, or point `--config` / `REMEDIATE_CONFIG` at another one".into())
            }
            Error::ProviderNotBuilt { .. } => Some(
                "use a tenant of a provider that is available (`remediate tenant list`), or the `demo` tenant".into(),
            ),
            Error::MissingSecret { tenant, env_var, .. } => Some(format!(
                "set `{env_var}` in the environment, or store the secret with `remediate tenant add {tenant} ... --secret-stdin`"
            )),
            Error::InvalidCsv { .. } => Some("fix the rows listed above; nothing was changed".into()),
            Error::NeedsConfirmation { .. } => {
                Some("there is no terminal to confirm on: pass `--yes` to act without confirmation".into())
            }
            Error::Provider { source, .. } => {
                source.hint.clone().or_else(|| source.kind.default_hint().map(Into::into))
            }
            Error::UnknownBatch(_) => Some("`remediate history` lists the batches".into()),
            Error::NotAllowed { hint, .. } => Some(hint.clone()),
            Error::TaskLog { .. } => {
                Some("check the state dir (`--state-dir` / `REMEDIATE_STATE_DIR`) and its permissions".into())
            }
            Error::Io { .. } | Error::Interrupted => None,
        }
    }

    /// Extra lines printed after the error (every bad CSV line).
    pub fn details(&self) -> Vec<String> {
        match self {
            Error::InvalidCsv { file, errors, omitted } => {
                let mut lines: Vec<String> =
                    errors.iter().map(|e| format!("{file}:{}: {}", e.line, e.reason)).collect();
                if *omitted > 0 {
                    lines.push(format!("{file}: … and {omitted} more"));
                }
                lines
            }
            _ => Vec::new(),
        }
    }
}

impl ErrorKind {
    /// The hint a result of this kind gets when the provider gave none.
    pub fn default_hint(self) -> Option<&'static str> {
        Some(match self {
            ErrorKind::NotFound => "check the spelling; `--dry-run` resolves users without changing anything",
            ErrorKind::Authentication => "check the tenant's credentials with `remediate tenant test`",
            ErrorKind::Permission => "`remediate tenant test` lists the permissions each action needs",
            ErrorKind::Throttled => "the provider kept throttling; run `remediate retry` on this batch later",
            ErrorKind::Transient => "run `remediate retry` on this batch",
            ErrorKind::Interrupted => "run `remediate retry` on this batch to finish it",
            ErrorKind::InvalidRequest | ErrorKind::Unsupported | ErrorKind::Guard | ErrorKind::NotApplicable => {
                return None;
            }
            ErrorKind::Provider => return None,
        })
    }
}

/// One target's failure at one provider: recorded in the batch, never an early return.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
    pub request_id: Option<String>,
    /// Seconds the provider asked to wait (`Retry-After`), for throttling decisions.
    pub retry_after: Option<f64>,
    /// A multi-step action that failed part-way: what it did before failing.
    pub partial: Option<Box<Partial>>,
}

/// What a multi-step action did before it failed.
#[derive(Debug, Clone)]
pub struct Partial {
    /// The before-state of what it changed (shaped like `Outcome::before`), so the task log
    /// keeps it and `undo` can reverse it.
    pub before: serde_json::Value,
    /// A password it set (a reset whose session revocation then failed): still delivered
    /// to the operator, never logged.
    pub secret: Option<crate::secret::Secret>,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ProviderError { kind, message: message.into(), hint: None, request_id: None, retry_after: None, partial: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_request_id(mut self, id: impl Into<Option<String>>) -> Self {
        self.request_id = id.into();
        self
    }

    pub fn with_partial(mut self, before: serde_json::Value) -> Self {
        self.partial = Some(Box::new(Partial { before, secret: None }));
        self
    }

    /// Part-way with a password already set.
    pub fn with_partial_secret(mut self, before: serde_json::Value, secret: crate::secret::Secret) -> Self {
        self.partial = Some(Box::new(Partial { before, secret: Some(secret) }));
        self
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ProviderError::new(ErrorKind::NotFound, what)
    }

    pub fn unsupported(provider: ProviderKind, action: crate::model::Action, hint: impl Into<String>) -> Self {
        ProviderError::new(ErrorKind::Unsupported, format!("`{action}` is not supported by the {provider} provider"))
            .with_hint(hint)
    }

    /// Worth retrying automatically within this run.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throttled | ErrorKind::Transient)
    }

    pub fn info(&self) -> crate::model::ErrorInfo {
        crate::model::ErrorInfo {
            kind: self.kind,
            message: self.message.clone(),
            hint: self.hint.clone().or_else(|| self.kind.default_hint().map(Into::into)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
