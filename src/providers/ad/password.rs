//! Random temporary passwords that pass AD's complexity rules.
//!
//! With "password must meet complexity requirements" on (`pwdProperties` bit 1), a password
//! needs characters from three of: upper case, lower case, digits, symbols; and must not
//! contain the `sAMAccountName`, nor any token of three or more characters of the
//! `displayName` (case-insensitive) [doc: learn.microsoft.com "Password must meet complexity
//! requirements"]. We always use all four classes and a length well above `minPwdLength`.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
// No quote or backslash: the password ends up in a file or a clipboard, and in shells.
const SYMBOLS: &[u8] = b"!#%+-.:=?@^_~";

/// Never shorter than this, whatever the domain's minimum.
pub const MIN_LENGTH: usize = 20;
/// AD accepts at most 256 characters in `unicodePwd`; stay far below.
const MAX_LENGTH: usize = 128;

/// A password of `max(min_length, MIN_LENGTH)` characters with every character class, that
/// contains none of `forbidden` (account name, display-name tokens) ignoring case.
pub fn generate(min_length: usize, forbidden: &[String]) -> String {
    let len = min_length.clamp(MIN_LENGTH, MAX_LENGTH);
    let forbidden: Vec<String> =
        forbidden.iter().map(|s| s.to_lowercase()).filter(|s| s.chars().count() >= 3).collect();
    let mut rng = rand::rng();
    loop {
        let mut pw: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS]
            .iter()
            .map(|class| *class.choose(&mut rng).expect("non-empty class"))
            .collect();
        let all: Vec<u8> = [UPPER, LOWER, DIGITS, SYMBOLS].concat();
        while pw.len() < len {
            pw.push(all[rng.random_range(0..all.len())]);
        }
        pw.shuffle(&mut rng);
        let pw = String::from_utf8(pw).expect("ASCII");
        if acceptable(&pw, &forbidden) {
            return pw;
        }
    }
}

/// Whether `pw` contains none of the (lower-cased) `forbidden` strings, ignoring case.
fn acceptable(pw: &str, forbidden: &[String]) -> bool {
    let lower = pw.to_lowercase();
    !forbidden.iter().any(|f| lower.contains(f.as_str()))
}

/// The parts of a display name AD's complexity check looks for: tokens split at commas,
/// periods, dashes, underscores, `#`, tabs and spaces.
pub fn display_name_tokens(display_name: &str) -> Vec<String> {
    display_name
        .split([',', '.', '-', '_', '#', '\t', ' '])
        .filter(|t| t.chars().count() >= 3)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_every_class_and_the_length() {
        for min in [0, 7, 20, 31] {
            let pw = generate(min, &[]);
            assert_eq!(pw.len(), min.max(MIN_LENGTH));
            for class in [UPPER, LOWER, DIGITS, SYMBOLS] {
                assert!(pw.bytes().any(|b| class.contains(&b)), "{class:?} missing");
            }
        }
        assert_ne!(generate(0, &[]), generate(0, &[]));
    }

    #[test]
    fn forbidden_tokens_never_appear() {
        assert!(!acceptable("xxAbCxx", &["abc".into()]));
        assert!(acceptable("xxAbxCx", &["abc".into()]));
        // Every run of three lower-case letters is forbidden: most random passwords contain
        // one, so this exercises the retry, and none may slip through.
        let lower = std::str::from_utf8(LOWER).unwrap();
        let forbidden: Vec<String> = lower
            .chars()
            .flat_map(|a| lower.chars().flat_map(move |b| lower.chars().map(move |c| format!("{a}{b}{c}"))))
            .collect();
        for _ in 0..20 {
            let pw = generate(20, &forbidden);
            assert!(!pw.as_bytes().windows(3).any(|w| w.iter().all(|b| LOWER.contains(b))), "{pw}");
        }
        assert_eq!(display_name_tokens("Risky, Alice-M. Jo"), vec!["Risky", "Alice"]);
    }
}
