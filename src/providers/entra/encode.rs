//! How user input becomes part of a Graph URL: user keys (UPN or object id) as path
//! segments, OData string literals for `$filter`, and query strings.
//!
//! Nothing typed by an operator is ever concatenated into a URL or a filter as is: every
//! value goes through one of these functions. Rules, from the Graph docs
//! (learn.microsoft.com/graph/api/user-get, "Tip", and /graph/query-parameters,
//! "Escaping single quotes"):
//!
//! * a UPN is percent-encoded as one path segment (`#` of B2B `…#EXT#@…` UPNs → `%23`,
//!   `/` → `%2F`, `?` → `%3F`, ...);
//! * a UPN beginning with `$` cannot be a path segment (OData reserves `$` segments) and
//!   goes in the key form `/users('$x@y.com')`, where a single quote is doubled; UPNs with
//!   a quote use the key form too, so the quote is unambiguous;
//! * OData string literals are single-quoted with embedded quotes doubled (`O''Brien`),
//!   and then percent-encoded like any query value.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters and `@` (harmless in a path segment and
/// the form the Graph docs show) is percent-encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'@');

/// Inside the `('…')` key form `$` and `'` are kept literal (the doc's own example is
/// `/users('$x@y.com')`); the doubled quotes are what delimits the literal.
const KEY: &AsciiSet = &SEGMENT.remove(b'$').remove(b'\'');

/// Query values: only unreserved characters stay literal, so a space is `%20` (never `+`,
/// which OData does not promise to read as a space). `,` is kept for `$select` lists.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b',');

/// Whether `s` is a GUID in the canonical 8-4-4-4-12 hex form (an Entra object id).
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// One path segment, percent-encoded.
pub fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// The path of a user addressed by object id or UPN: `/users/{key}` or `/users('{key}')`.
pub fn user_path(key: &str) -> String {
    if key.starts_with('$') || key.contains('\'') {
        format!("/users('{}')", utf8_percent_encode(&key.replace('\'', "''"), KEY))
    } else {
        format!("/users/{}", segment(key))
    }
}

/// An OData string literal: `'…'` with embedded single quotes doubled.
pub fn odata_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `prop eq 'value'` with the value escaped.
pub fn eq_filter(prop: &str, value: &str) -> String {
    format!("{prop} eq {}", odata_string(value))
}

/// A query string (`?a=1&b=2`, or empty) with every value percent-encoded. Names are
/// OData system options (`$select`, ...) written by us, never user input.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(&utf8_percent_encode(v, QUERY_VALUE).to_string());
    }
    out
}

/// User input shown in a message: control characters and quotes escaped, length capped,
/// so that a hostile value cannot rewrite the operator's terminal.
pub fn shown(s: &str) -> String {
    let escaped: String = s.escape_debug().collect();
    if escaped.chars().count() > 120 {
        let cut: String = escaped.chars().take(117).collect();
        format!("{cut}...")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_upn_encodes_hash() {
        assert_eq!(
            user_path("AdeleVance_adatum.com#EXT#@contoso.com"),
            "/users/AdeleVance_adatum.com%23EXT%23@contoso.com"
        );
    }

    #[test]
    fn dollar_upn_uses_key_form() {
        assert_eq!(user_path("$svc@contoso.com"), "/users('$svc@contoso.com')");
        assert_eq!(user_path("$o'neil@x.com"), "/users('$o''neil@x.com')");
    }

    #[test]
    fn quote_upn_uses_key_form_with_doubled_quote() {
        assert_eq!(user_path("o'brien@contoso.com"), "/users('o''brien@contoso.com')");
    }

    #[test]
    fn hostile_keys_stay_one_segment() {
        for (raw, want) in [
            ("../groups/x", "/users/..%2Fgroups%2Fx"),
            ("a?b=c&d", "/users/a%3Fb%3Dc%26d"),
            ("x y%2F", "/users/x%20y%252F"),
            ("a\r\nb", "/users/a%0D%0Ab"),
            ("é@x", "/users/%C3%A9@x"),
        ] {
            assert_eq!(user_path(raw), want, "{raw:?}");
        }
        // The `$` in the middle of a UPN is not special.
        assert_eq!(user_path("a$b@x"), "/users/a%24b@x");
    }

    #[test]
    fn object_ids_are_recognised() {
        assert!(is_guid("62e90394-69f5-4237-9190-012177145e10"));
        assert!(!is_guid("62e90394-69f5-4237-9190-012177145e1"));
        assert!(!is_guid("62e90394x69f5-4237-9190-012177145e10"));
        assert!(!is_guid("alice@contoso.com"));
    }

    #[test]
    fn filters_escape_quotes_and_query_encodes_them() {
        let f = eq_filter("displayName", "O'Brien & co");
        assert_eq!(f, "displayName eq 'O''Brien & co'");
        assert_eq!(query(&[("$filter", &f)]), "?$filter=displayName%20eq%20%27O%27%27Brien%20%26%20co%27");
        assert_eq!(query(&[("$select", "id,displayName"), ("$top", "5")]), "?$select=id,displayName&$top=5");
    }

    #[test]
    fn shown_escapes_control_characters() {
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert!(shown(&"x".repeat(500)).len() < 130);
    }
}
