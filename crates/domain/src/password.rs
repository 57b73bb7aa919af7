//! Password hashing with argon2id (the crate's default algorithm and parameters).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LEN: usize = 8;

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A Russian message when a new password is too weak, None when it will do.
pub fn weakness(password: &str) -> Option<&'static str> {
    if password.trim().chars().count() < MIN_LEN {
        Some("Пароль должен быть не короче 8 символов (пробелы по краям не считаются)")
    } else if password.chars().all(|c| c.is_ascii_digit()) {
        Some("Пароль не должен состоять только из цифр")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_is_argon2id_and_verifies() {
        let h = super::hash("секретный пароль");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("секретный пароль", &h));
        assert!(!super::verify("другой пароль", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
