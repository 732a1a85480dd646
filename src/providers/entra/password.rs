//! Temporary passwords for `reset-password`.
//!
//! Entra's rules (learn.microsoft.com/entra/identity/authentication/concept-password-ban-bad-combined-policy):
//! 8 to 256 characters, three of the four classes lower / upper / digit / symbol, symbols
//! from `@ # $ % ^ & * - _ ! + = [ ] { } | \ : ' , . ? / ` ~ " ( ) ; < >` and space. We use
//! all four classes, 20 characters, and a symbol subset that survives shells and CSVs.
//! The generator is `rand`'s thread RNG, a CSPRNG seeded from the OS.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::secret::Secret;

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGIT: &[u8] = b"23456789";
const SYMBOL: &[u8] = b"!@#%^*-_=+?.:";
pub const LENGTH: usize = 20;

/// A random password with every character class.
pub fn generate() -> Secret {
    let mut rng = rand::rng();
    let classes = [LOWER, UPPER, DIGIT, SYMBOL];
    let mut chars: Vec<u8> = classes.iter().map(|c| c[rng.random_range(0..c.len())]).collect();
    let all: Vec<u8> = classes.concat();
    while chars.len() < LENGTH {
        chars.push(all[rng.random_range(0..all.len())]);
    }
    chars.shuffle(&mut rng);
    Secret::new(String::from_utf8(chars).expect("ascii"))
}

/// Whether `p` meets Entra's complexity rule (length and three of four classes).
pub fn meets_entra_rules(p: &str) -> bool {
    let classes = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    (8..=256).contains(&p.chars().count()) && classes.iter().filter(|b| **b).count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_complex_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let p = generate();
            let p = p.expose();
            assert_eq!(p.len(), LENGTH);
            assert!(meets_entra_rules(p), "{p}");
            assert!(p.bytes().any(|b| SYMBOL.contains(&b)) && p.bytes().any(|b| DIGIT.contains(&b)));
            assert!(seen.insert(p.to_string()));
        }
        assert!(!meets_entra_rules("password"));
        assert!(!meets_entra_rules("Sh0rt!"));
    }
}
