//! Turning LDAP failures into classified [`ProviderError`]s an operator can act on: result
//! codes, AD's bind sub-codes (`data 52e`), TLS and network failures.
//!
//! Nothing here ever sees the bind password or a generated password: only result codes,
//! the server's diagnostic text, DNs and host names end up in messages.

use std::time::Duration;

use ldap3::{LdapError, LdapResult};

use crate::error::ProviderError;
use crate::model::ErrorKind;

/// Where a connection goes, for messages.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub starttls: bool,
    pub connect_timeout: Duration,
    pub op_timeout: Duration,
    /// `ca_file`, for the hint when the server's certificate is not trusted.
    pub ca_file: Option<String>,
}

/// The standard name of an LDAP result code [doc: RFC 4511 Appendix A.1].
pub fn rc_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        68 => "entryAlreadyExists",
        80 => "other",
        _ => "unknown",
    }
}

/// The AD sub-code of a failed bind: `… AcceptSecurityContext error, data 52e, v4563`.
pub fn bind_sub_code(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let rest = &lower[lower.find("data ")? + 5..];
    let code: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (!code.is_empty()).then_some(code)
}

/// What an AD bind sub-code means, and what to do about it [doc: learn.microsoft.com
/// "LDAP error 49 sub-codes" (Active Directory bind errors: 525, 52e, 530, 531, 532, 533,
/// 701, 773, 775); 52e, 533 and 773 verified on Samba, api-contracts §4].
pub fn explain_sub_code(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "525" => ("the bind account does not exist", "check `bind_dn` (a DN, or `user@realm`)"),
        "52e" => (
            "invalid credentials: wrong password for the bind account (or no such account)",
            "store the right password with `remediate tenant add ... --secret-stdin`, or set `REMEDIATE_SECRET_<TENANT>`",
        ),
        "530" => ("the bind account may not log on at this time", "check the account's logon hours"),
        "531" => ("the bind account may not log on from this workstation", "check the account's `userWorkstations`"),
        "532" => ("the bind account's password has expired", "set a new password for the bind account"),
        "533" => ("the bind account is disabled", "enable the bind account (or use another one)"),
        "534" => ("the bind account was not granted this logon type", "check the account's logon rights"),
        "701" => ("the bind account has expired", "extend the account's `accountExpires`"),
        "773" => (
            "the bind account must change its password before it can bind",
            "set a new password for the bind account (it has `pwdLastSet = 0`)",
        ),
        "775" => ("the bind account is locked out", "wait for the lockout to end, or unlock the account"),
        _ => return None,
    })
}

/// A failed bind (result code 49 and friends), explained in words.
pub fn bind_failed(res: &LdapResult, bind_dn: &str) -> ProviderError {
    if res.rc == 49 {
        let code = bind_sub_code(&res.text);
        let (what, hint) = code
            .as_deref()
            .and_then(explain_sub_code)
            .unwrap_or(("invalid credentials", "check `bind_dn` and the bind password"));
        let code = code.map(|c| format!(" (AD sub-code {c})")).unwrap_or_default();
        return ProviderError::new(ErrorKind::Authentication, format!("bind as `{bind_dn}` failed: {what}{code}"))
            .with_hint(hint);
    }
    let mut e = result(res, "bind", bind_dn);
    if matches!(res.rc, 8 | 13 | 48) {
        e.kind = ErrorKind::Authentication;
    }
    e
}

/// A non-success result of an operation on `dn`.
pub fn result(res: &LdapResult, op: &str, dn: &str) -> ProviderError {
    let text = diagnostic(&res.text);
    let message = if text.is_empty() {
        format!("LDAP {op} on `{dn}` failed: {} ({})", rc_name(res.rc), res.rc)
    } else {
        format!("LDAP {op} on `{dn}` failed: {} ({}): {text}", rc_name(res.rc), res.rc)
    };
    let (kind, hint): (ErrorKind, Option<&str>) = match res.rc {
        32 => (ErrorKind::NotFound, Some("the entry no longer exists, or `base_dn` does not contain it")),
        34 => (ErrorKind::InvalidRequest, Some("check the DN's syntax")),
        50 => (
            ErrorKind::Permission,
            Some(
                "grant the bind account write access to this attribute on the object (`remediate tenant test` lists what each action needs)",
            ),
        ),
        8 | 13 => (ErrorKind::InvalidRequest, Some("the server wants an encrypted connection: use `ldaps://`")),
        19 => (ErrorKind::InvalidRequest, None),
        3 | 51 | 52 => (ErrorKind::Transient, None),
        11 => (ErrorKind::Throttled, None),
        16 | 20 | 21 | 53 | 64 | 65 | 68 => (ErrorKind::InvalidRequest, None),
        _ => (ErrorKind::Provider, None),
    };
    let e = ProviderError::new(kind, message);
    match hint {
        Some(h) => e.with_hint(h),
        None => e,
    }
}

/// AD diagnostics end in a NUL and carry a Windows error prefix; keep them on one line.
fn diagnostic(text: &str) -> String {
    text.trim_matches(|c: char| c == '\0' || c.is_whitespace()).replace(['\n', '\r'], " ")
}

/// A failure below the LDAP result level: network, TLS, timeouts, a dropped connection.
pub fn transport(err: LdapError, at: &Endpoint, during: &str) -> ProviderError {
    let url = &at.url;
    match err {
        LdapError::LdapResult { result } if during == "connect" => {
            // Only StartTLS returns a result while connecting: the server refused to encrypt,
            // so we stop here and the password is never sent.
            ProviderError::new(
                ErrorKind::InvalidRequest,
                format!(
                    "`{url}` refused StartTLS ({} ({}) {}); the bind password was not sent",
                    rc_name(result.rc),
                    result.rc,
                    diagnostic(&result.text)
                ),
            )
            .with_hint("enable TLS on the directory server, or use `ldaps://HOST:636`")
        }
        LdapError::LdapResult { result } => self::result(&result, during, url),
        LdapError::Timeout { .. } => {
            let secs = if during == "connect" { at.connect_timeout } else { at.op_timeout }.as_secs_f64();
            ProviderError::new(
                ErrorKind::Transient,
                format!("timed out after {secs:.0} s during {during} to `{url}`: the server did not answer"),
            )
            .with_hint("check that the DC is reachable from here (host, port 636/389, firewall) and up")
        }
        LdapError::Rustls { source } => tls(&source, at),
        LdapError::DNSName { source } => ProviderError::new(
            ErrorKind::InvalidRequest,
            format!("`{url}`: the host is not a valid TLS server name ({source})"),
        )
        .with_hint("use the DC's DNS name or IP address as it appears in its certificate"),
        LdapError::Io { source } => {
            if let Some(t) = source.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                return tls(t, at);
            }
            io(&source, at, during)
        }
        LdapError::EndOfStream
        | LdapError::ResultRecv { .. }
        | LdapError::OpSend { .. }
        | LdapError::IdScrubSend { .. } => {
            ProviderError::new(ErrorKind::Transient, format!("the connection to `{url}` was closed during {during}"))
                .with_hint("the DC closed the connection; run `remediate retry` on this batch")
        }
        other => ProviderError::new(ErrorKind::Provider, format!("LDAP {during} with `{url}` failed: {other}")),
    }
}

fn io(e: &std::io::Error, at: &Endpoint, during: &str) -> ProviderError {
    use std::io::ErrorKind as K;
    let url = &at.url;
    let (what, hint) = match e.kind() {
        K::ConnectionRefused => {
            ("connection refused", "check the URL's host and port, and that the DC's LDAP service runs")
        }
        K::NotFound | K::AddrNotAvailable => ("the host name does not resolve", "check the host in `url`"),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => (
            "the server closed the connection",
            "the DC dropped the connection (a TLS port that speaks plain LDAP, or the reverse?); check the URL's scheme and port",
        ),
        _ => ("network error", "check that the DC is reachable from here"),
    };
    ProviderError::new(ErrorKind::Transient, format!("cannot {during} `{url}`: {what} ({e})")).with_hint(hint)
}

/// A TLS failure: certificate not trusted, not for this host, expired...
pub fn tls(e: &rustls::Error, at: &Endpoint) -> ProviderError {
    use rustls::CertificateError as C;
    let url = &at.url;
    let trusted_by = match &at.ca_file {
        Some(f) => format!("the CA in `{f}`"),
        None => "the system's CA certificates".to_string(),
    };
    let (what, hint) = match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature | C::UnknownRevocationStatus) => (
            format!("the server's certificate is not signed by {trusted_by}"),
            "give the CA that issued the DC's certificate with `--ca-file PEM` (`remediate tenant add ... --ca-file`)"
                .to_string(),
        ),
        rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => (
            "the server's certificate is not valid for this host name".to_string(),
            "use the host name (or IP address) that the DC's certificate names in its subjectAltName".to_string(),
        ),
        rustls::Error::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => (
            "the server's certificate is expired or not yet valid".to_string(),
            "renew the DC's certificate (or check this machine's clock)".to_string(),
        ),
        other => (format!("TLS failed ({other})"), "check the DC's TLS configuration and `--ca-file`".to_string()),
    };
    ProviderError::new(
        ErrorKind::Authentication,
        format!("TLS connection to `{url}` refused: {what}; nothing was sent"),
    )
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(rc: u32, text: &str) -> LdapResult {
        LdapResult { rc, matched: String::new(), text: text.into(), refs: vec![], ctrls: vec![] }
    }

    #[test]
    fn bind_sub_codes_are_explained() {
        let samba = "80090308: LdapErr: DSID-0C0904DC, comment: AcceptSecurityContext error, data 52e, v1db1\0";
        assert_eq!(bind_sub_code(samba).as_deref(), Some("52e"));
        let e = bind_failed(&res(49, samba), "svc@corp.example");
        assert_eq!(e.kind, ErrorKind::Authentication);
        assert!(e.message.contains("invalid credentials") && e.message.contains("52e"), "{}", e.message);
        for (code, word) in
            [("533", "disabled"), ("773", "must change"), ("775", "locked"), ("701", "expired"), ("532", "expired")]
        {
            let e = bind_failed(&res(49, &format!("AcceptSecurityContext error, data {code}, v4563")), "x");
            assert!(e.message.contains(word), "{code}: {}", e.message);
            assert!(e.hint.is_some());
        }
        let plain = bind_failed(&res(49, ""), "x");
        assert!(plain.message.contains("invalid credentials"));
    }

    #[test]
    fn result_codes_are_classified() {
        assert_eq!(result(&res(50, "00002098: insufficient"), "modify", "CN=x").kind, ErrorKind::Permission);
        assert_eq!(result(&res(32, ""), "search", "CN=x").kind, ErrorKind::NotFound);
        assert_eq!(result(&res(51, ""), "modify", "CN=x").kind, ErrorKind::Transient);
        let e = result(&res(19, "0000052D: Constraint violation - check_password_restrictions\0"), "modify", "CN=x");
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert!(!e.message.contains('\0'));
    }
}
