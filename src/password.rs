//! Random temporary passwords for `reset-password`, shared by every provider.
//!
//! 20 characters from upper case, lower case, digits and symbols, with at least one of
//! each class, drawn from the thread-local CSPRNG (`rand::rng()`, ChaCha12 reseeded from
//! the OS). That satisfies both complexity rules we target:
//! - Entra ID: 8–256 characters and 3 of the 4 classes (learn.microsoft.com, "Microsoft
//!   Entra password policies", *Password restrictions*);
//! - Active Directory "Password must meet complexity requirements": 3 of the 5 categories,
//!   and not containing the account name (learn.microsoft.com, "Password must meet
//!   complexity requirements"); a random 20-character string cannot plausibly contain one,
//!   and [`meets_complexity`] lets a provider check it.
//!
//! Look-alike characters (`0 O 1 l I`) are left out because a temporary password is often
//! read out over the phone; quotes, backslash, space and comma are left out so the value
//! survives shells, CSV and LDAP filters unquoted. The alphabet still gives about 119 bits.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::secret::Secret;

/// Length of a generated password.
pub const LENGTH: usize = 20;

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"!#$%&*+-=?@^_~.:";

/// A fresh random password of [`LENGTH`] characters with every character class.
pub fn generate() -> Secret {
    generate_with(&mut rand::rng())
}

/// [`generate`] with a caller-chosen RNG (tests use a seeded one to check the shape).
pub fn generate_with<R: Rng + ?Sized>(rng: &mut R) -> Secret {
    let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
    let all: Vec<u8> = classes.concat();
    let mut chars: Vec<u8> = classes.iter().map(|c| *c.choose(rng).expect("class is not empty")).collect();
    while chars.len() < LENGTH {
        chars.push(*all.choose(rng).expect("alphabet is not empty"));
    }
    chars.shuffle(rng);
    Secret::new(String::from_utf8(chars).expect("the alphabet is ASCII"))
}

/// Whether `password` meets Entra's and AD's complexity rules: at least 8 characters, at
/// least 3 of upper / lower / digit / symbol, and (AD) not containing `account` (the
/// sAMAccountName or the UPN's local part; ignored when shorter than 3 characters, as AD does).
pub fn meets_complexity(password: &str, account: &str) -> bool {
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    let account = account.split('@').next().unwrap_or_default().to_lowercase();
    let contains_account = account.chars().count() >= 3 && password.to_lowercase().contains(&account);
    password.chars().count() >= 8 && classes.iter().filter(|c| **c).count() >= 3 && !contains_account
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_have_every_class_and_the_length() {
        for _ in 0..2000 {
            let p = generate();
            let s = p.expose();
            assert_eq!(s.len(), LENGTH);
            assert!(s.bytes().any(|b| UPPER.contains(&b)), "{s}");
            assert!(s.bytes().any(|b| LOWER.contains(&b)), "{s}");
            assert!(s.bytes().any(|b| DIGITS.contains(&b)), "{s}");
            assert!(s.bytes().any(|b| SYMBOLS.contains(&b)), "{s}");
            assert!(meets_complexity(s, "alice@demo.test"), "{s}");
        }
    }

    #[test]
    fn generated_passwords_differ() {
        let set: std::collections::HashSet<String> = (0..1000).map(|_| generate().expose().to_string()).collect();
        assert_eq!(set.len(), 1000);
    }

    #[test]
    fn password_never_prints() {
        let p = generate();
        assert!(!format!("{p:?} {p}").contains(p.expose()));
    }

    #[test]
    fn complexity_rules() {
        assert!(meets_complexity("Abcdefg1", "bob"));
        assert!(!meets_complexity("Abc1!", "bob"), "too short");
        assert!(!meets_complexity("abcdefgh1", "bob"), "two classes");
        assert!(!meets_complexity("xxAlice99!", "alice@demo.test"), "contains the account name");
        assert!(meets_complexity("xxAl99!ice", "al"), "account names under 3 characters are ignored");
    }
}
