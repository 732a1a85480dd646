//! Building search filters from operator input safely (RFC 4515 escaping), and the small
//! DN and SID helpers the provider needs.
//!
//! Every value that reaches a filter goes through [`escape`]: `*)(uid=*` must match a user
//! literally named that, never every user.

use std::fmt::Write as _;

/// `userAccountControl` ACCOUNTDISABLE [doc: MS KB 305144; MS-ADA3 2.342].
pub const UAC_ACCOUNTDISABLE: u32 = 0x0002;
/// `userAccountControl` DONT_EXPIRE_PASSWORD: while set, `pwdLastSet = 0` does not force a
/// change at next logon [doc: learn.microsoft.com Pwd-Last-Set attribute].
pub const UAC_DONT_EXPIRE_PASSWORD: u32 = 0x1_0000;

/// LDAP_MATCHING_RULE_IN_CHAIN: transitive group membership [doc: learn.microsoft.com "Search Filter Syntax", LDAP_MATCHING_RULE_IN_CHAIN].
pub const IN_CHAIN: &str = "1.2.840.113556.1.4.1941";
/// LDAP_MATCHING_RULE_BIT_AND [doc: learn.microsoft.com "Search Filter Syntax"; api-contracts §4.3].
pub const BIT_AND: &str = "1.2.840.113556.1.4.803";

/// Escape an assertion value for a search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL
/// become `\2a`, `\28`, `\29`, `\5c`, `\00`. Everything else, UTF-8 included, is left as is
/// (the RFC allows it and AD compares UTF-8 values).
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '(' | ')' | '\\' | '\0' => {
                let _ = write!(out, "\\{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `(attr=value)` with the value escaped.
pub fn eq(attr: &str, value: &str) -> String {
    format!("({attr}={})", escape(value))
}

/// Users only: `objectCategory=person` keeps computer accounts (also `objectClass=user`) out
/// [doc: api-contracts §4.2].
pub fn user(inner: &str) -> String {
    format!("(&(objectCategory=person)(objectClass=user){inner})")
}

/// Whether operator input names an entry by DN (`CN=Alice,OU=Staff,DC=corp,DC=example`)
/// rather than by a login name: an attribute type, `=`, and more than one RDN.
pub fn looks_like_dn(s: &str) -> bool {
    let s = s.trim();
    let Some((attr, rest)) = s.split_once('=') else { return false };
    let attr = attr.trim();
    !attr.is_empty()
        && attr.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && rest.contains(',')
        && rest.contains('=')
}

/// DNs compare case-insensitively in AD; spaces around separators are not significant.
pub fn dn_key(dn: &str) -> String {
    let mut out = String::with_capacity(dn.len());
    let mut escaped = false;
    let mut pending_space = false;
    for c in dn.trim().chars() {
        if escaped {
            out.extend(c.to_lowercase());
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                flush_space(&mut out, &mut pending_space);
                out.push('\\');
                escaped = true;
            }
            ',' | '=' | '+' => {
                pending_space = false;
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push(c);
            }
            ' ' if out.ends_with([',', '=', '+']) || out.is_empty() => {}
            ' ' => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space);
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

fn flush_space(out: &mut String, pending: &mut bool) {
    if *pending {
        out.push(' ');
        *pending = false;
    }
}

/// Whether `dn` is `base` or below it.
pub fn dn_under(dn: &str, base: &str) -> bool {
    let (dn, base) = (dn_key(dn), dn_key(base));
    dn == base || dn.ends_with(&format!(",{base}"))
}

/// The value of the first RDN, unescaped (`CN=Smith\\, John,CN=Users,...` → `Smith, John`):
/// the name AD shows for the entry (its `cn`) [doc: RFC 4514 §2.4 escaping].
pub fn rdn_value(dn: &str) -> String {
    let first = split_first_rdn(dn);
    let raw = first.split_once('=').map_or(first, |(_, v)| v.trim());
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let hi = bytes.next_if(u8::is_ascii_hexdigit);
        match hi {
            Some(h) => match bytes.next_if(u8::is_ascii_hexdigit) {
                Some(l) => out.push(u8::from_str_radix(&format!("{}{}", h as char, l as char), 16).unwrap_or(b'?')),
                None => out.push(h),
            },
            None => out.extend(bytes.next()),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn split_first_rdn(dn: &str) -> &str {
    let mut escaped = false;
    for (i, c) in dn.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => return &dn[..i],
            _ => {}
        }
    }
    dn
}

/// `DC=corp,DC=example,DC=com` → `corp.example.com` (the DNS name AD derives UPN suffixes from).
pub fn dns_name(dn: &str) -> String {
    dn.split(',')
        .filter_map(|rdn| rdn.trim().split_once('='))
        .filter(|(a, _)| a.trim().eq_ignore_ascii_case("dc"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(".")
}

/// A binary `objectSid` as its string form `S-1-5-21-…` [doc: MS-DTYP 2.4.2.2].
pub fn sid_to_string(b: &[u8]) -> Option<String> {
    if b.len() < 8 {
        return None;
    }
    let count = usize::from(b[1]);
    if b.len() != 8 + 4 * count {
        return None;
    }
    let authority = b[2..8].iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    let mut s = format!("S-{}-{authority}", b[0]);
    for chunk in b[8..].chunks_exact(4) {
        let sub = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let _ = write!(s, "-{sub}");
    }
    Some(s)
}

/// The password value AD expects in `unicodePwd`: UTF-16LE of the password in double quotes
/// [doc: MS-ADTS 3.1.1.3.1.5.1 unicodePwd].
pub fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"").encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_special_characters() {
        assert_eq!(escape("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
        assert_eq!(escape("a\\b"), "a\\5cb");
        assert_eq!(escape("nul\0"), "nul\\00");
        assert_eq!(escape("alice@corp.example"), "alice@corp.example");
        assert_eq!(escape("Zoë (ops)"), "Zoë \\28ops\\29");
        assert_eq!(eq("sAMAccountName", "*"), "(sAMAccountName=\\2a)");
    }

    #[test]
    fn an_injected_filter_stays_one_assertion() {
        let f = user(&eq("userPrincipalName", "x)(|(objectClass=*"));
        // Balanced parentheses: the value did not open or close a filter component.
        let depth = f.chars().try_fold(0i32, |d, c| match c {
            '(' => Some(d + 1),
            ')' if d == 0 => None,
            ')' => Some(d - 1),
            _ => Some(d),
        });
        assert_eq!(depth, Some(0));
        assert_eq!(f.matches('(').count(), 4, "{f}");
    }

    #[test]
    fn tells_dns_from_login_names() {
        assert!(looks_like_dn("CN=Alice Risky,CN=Users,DC=corp,DC=example"));
        assert!(looks_like_dn(" uid=bob, ou=people,dc=x"));
        assert!(!looks_like_dn("alice@corp.example"));
        assert!(!looks_like_dn("CORP\\alice"));
        assert!(!looks_like_dn("a=b"));
        assert!(!looks_like_dn("*)(uid=*"));
    }

    #[test]
    fn dn_comparison_ignores_case_and_spacing() {
        assert_eq!(dn_key("CN=Domain Admins, CN=Users,DC=Corp"), dn_key("cn=domain admins,cn=users,dc=corp"));
        assert_ne!(dn_key("CN=A\\, B,DC=x"), dn_key("CN=A,B,DC=x"));
        assert!(dn_under("CN=x,OU=Staff,DC=corp,DC=example", "dc=CORP, dc=example"));
        assert!(!dn_under("CN=x,DC=notcorp,DC=example", "DC=corp,DC=example"));
        assert_eq!(rdn_value("CN=Domain Admins,CN=Users,DC=x"), "Domain Admins");
        assert_eq!(rdn_value("CN=Smith\\, John,CN=Users,DC=x"), "Smith, John");
        assert_eq!(rdn_value("CN=Zo\\C3\\AB \\2B ops,DC=x"), "Zoë + ops");
        assert_eq!(dns_name("OU=Staff,DC=Corp,DC=Example,DC=com"), "corp.example.com");
    }

    #[test]
    fn sids_render_like_windows() {
        // S-1-5-32-544 (BUILTIN\Administrators).
        let b = [1u8, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
        assert_eq!(sid_to_string(&b).as_deref(), Some("S-1-5-32-544"));
        assert_eq!(sid_to_string(&b[..10]), None);
    }

    #[test]
    fn unicode_pwd_is_quoted_utf16le() {
        assert_eq!(unicode_pwd("Ab1!"), vec![b'"', 0, b'A', 0, b'b', 0, b'1', 0, b'!', 0, b'"', 0]);
    }
}
