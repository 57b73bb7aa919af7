//! Passwords: hashing with argon2id (the crate's default algorithm and parameters), and the rule
//! for a new password: at least 8 characters, not only digits, and not easy to guess by the
//! estimate of zxcvbn (Dropbox's estimator: common passwords, keyboard rows, repeats, sequences,
//! dates, the person's own name).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use zxcvbn::feedback::Warning as W;
use zxcvbn::matching::patterns::MatchPattern;
use zxcvbn::Score;

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
    weakness_for(password, &[])
}

/// Like [`weakness`], also refusing a password built on the person's own login, name or e-mail
/// (`personal`: any of them, as stored; names are split into words).
pub fn weakness_for(password: &str, personal: &[&str]) -> Option<&'static str> {
    let p = password.trim();
    if p.chars().count() < MIN_LEN {
        return Some("Пароль должен быть не короче 8 символов (пробелы по краям не считаются)");
    }
    if p.chars().all(|c| c.is_ascii_digit()) {
        return Some("Пароль не должен состоять только из цифр");
    }
    let personal = personal_words(personal);
    // zxcvbn lowers its estimate for the person's words but, for a pair of them, not below its
    // threshold («иванова-мария» for Иванова Мария still scores 3). A password made of nothing
    // but the login and name, whatever digits and signs glue them, is refused outright.
    let tokens: Vec<String> =
        p.to_lowercase().split(|c: char| !c.is_alphabetic()).filter(|t| !t.is_empty()).map(str::to_string).collect();
    let is_personal = |t: &str| personal.iter().any(|w| w == t || on_latin_keys(w) == t);
    if !tokens.is_empty() && tokens.iter().all(|t| is_personal(t)) {
        return Some(PERSONAL);
    }
    // zxcvbn knows English words and the QWERTY keyboard only. The Russian words go in as extra
    // dictionary words, and the password is also checked as typed on the same keys in the Latin
    // layout, so «йцукенгш» is seen as «qwertyui» and «пароль» typed blind («gfhjkm») as «пароль».
    let mut words: Vec<String> = Vec::new();
    for w in personal.iter().map(String::as_str).chain(COMMON_RU.iter().copied()) {
        words.push(w.to_string());
        let typed = on_latin_keys(w);
        if typed != w {
            words.push(typed);
        }
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let latin = on_latin_keys(p);
    let variants = if latin == p { vec![p] } else { vec![p, latin.as_str()] };
    // The weaker reading decides, and its patterns name the reason.
    let estimate = variants
        .into_iter()
        .map(|v| zxcvbn::zxcvbn(v, &words))
        .min_by_key(|e| e.guesses())
        .expect("at least one variant");
    if estimate.score() >= Score::Three {
        return None;
    }
    let found: Vec<&str> = estimate
        .sequence()
        .iter()
        .filter_map(|m| match &m.pattern {
            MatchPattern::Dictionary(d) => Some(d.matched_word.as_str()),
            _ => None,
        })
        .collect();
    if found.iter().any(|w| is_personal(w)) {
        return Some(PERSONAL);
    }
    if found.iter().any(|w| COMMON_RU.iter().any(|c| c == w || on_latin_keys(c) == *w)) {
        return Some(COMMON);
    }
    Some(match estimate.feedback().and_then(|f| f.warning()) {
        Some(W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess) => {
            "Пароль — ряд клавиш на клавиатуре (qwerty, йцукен, 1qaz): такие подбирают первыми. Возьмите, например, три-четыре несвязанных слова через дефис"
        }
        Some(W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
            "Пароль из повторов (aaaa, abcabc) легко подобрать. Возьмите, например, три-четыре несвязанных слова через дефис"
        }
        Some(W::SequencesLikeAbcAreEasyToGuess) => {
            "Пароль из последовательности (abcd, 4321) легко подобрать. Возьмите, например, три-четыре несвязанных слова через дефис"
        }
        Some(W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess) => {
            "Даты и годы в пароле легко подобрать. Возьмите, например, три-четыре несвязанных слова через дефис"
        }
        Some(
            W::ThisIsATop10Password
            | W::ThisIsATop100Password
            | W::ThisIsACommonPassword
            | W::ThisIsSimilarToACommonlyUsedPassword,
        ) => COMMON,
        _ => "Такой пароль легко подобрать. Возьмите, например, три-четыре несвязанных слова через дефис или добавьте к паролю ещё слово",
    })
}

const PERSONAL: &str = "Пароль не должен строиться на вашем логине, имени или фамилии: их знают все, кто вас знает";

const COMMON: &str =
    "Это один из самых распространённых паролей: его подбирают первым. Возьмите, например, три-четыре несвязанных слова через дефис";

/// Russian words that lead the leaked password lists, most common first (zxcvbn ranks extra
/// words by their position), and the words of this field that a librarian would reach for.
const COMMON_RU: &[&str] = &[
    "пароль",
    "привет",
    "любовь",
    "солнышко",
    "солнце",
    "котик",
    "зайка",
    "люблю",
    "россия",
    "москва",
    "наташа",
    "марина",
    "светлана",
    "татьяна",
    "наталья",
    "елена",
    "ольга",
    "ирина",
    "екатерина",
    "анастасия",
    "мария",
    "анна",
    "юлия",
    "галина",
    "людмила",
    "надежда",
    "александр",
    "сергей",
    "андрей",
    "дмитрий",
    "максим",
    "владимир",
    "алексей",
    "пароль123",
    "школа",
    "библиотека",
    "библиотекарь",
    "книга",
    "книги",
    "читатель",
    "учитель",
    "гимназия",
    "лицей",
    "мамапапа",
];

/// The login, name and e-mail split into words of three letters or more, in lower case: a
/// password «Иванова1975» is built on the surname, not on the whole «Иванова Мария Петровна».
fn personal_words(personal: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in personal {
        let s = s.to_lowercase();
        let whole = s.trim();
        if whole.chars().count() >= 3 {
            out.push(whole.to_string());
        }
        for w in whole.split(|c: char| !c.is_alphanumeric()) {
            if w.chars().count() >= 3 && w != whole {
                out.push(w.to_string());
            }
        }
    }
    out
}

/// What typing the text on the same keys in the Latin (QWERTY) layout gives: «пароль» → «gfhjkm».
fn on_latin_keys(s: &str) -> String {
    const RU: &str = "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ";
    const EN: &str = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~";
    s.chars().map(|c| RU.chars().position(|r| r == c).and_then(|i| EN.chars().nth(i)).unwrap_or(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_and_verifies() {
        let h = hash("секретный пароль");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("секретный пароль", &h));
        assert!(!verify("другой пароль", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn short_and_digit_only_passwords_are_refused() {
        assert!(weakness("  abc1  ").unwrap().contains("не короче 8"));
        assert!(weakness("1234567").unwrap().contains("не короче 8"));
        assert!(weakness("12345678").unwrap().contains("только из цифр"));
        assert!(weakness("90817263549").unwrap().contains("только из цифр"));
    }

    #[test]
    fn guessable_passwords_are_refused() {
        for p in [
            "aaaaaaaa",
            "password",
            "qwerty123",
            "йцукенгш",
            "аааааааа",
            "gfhjkm123",
            "пароль123",
            "Password1",
            "abcdefgh",
            "qwertyuiop",
            "библиотека",
            "01.09.2025a",
            "iloveyou",
        ] {
            assert!(weakness(p).is_some(), "{p} is accepted");
        }
        // On the Latin keys «йцукенгш» is «qwertyui», one of the leaked passwords.
        assert!(weakness("йцукенгш").unwrap().contains("распространённых"));
        assert!(weakness("zxcvbnm,./").unwrap().contains("ряд клавиш"));
        assert!(weakness("ячсмитьбю.").unwrap().contains("ряд клавиш"));
        assert!(weakness("aaaaaaaa").unwrap().contains("повтор"));
        assert!(weakness("password").unwrap().contains("распространённых"));
    }

    #[test]
    fn good_passwords_pass() {
        for p in ["книги-и-читатели", "синий трамвай поёт", "Kx9#mT2!vQ7p", "лампа-сова-ромашка"]
        {
            assert_eq!(weakness(p), None, "{p}");
        }
    }

    #[test]
    fn the_persons_own_name_is_refused() {
        let who = ["ivanova", "Иванова Мария Петровна"];
        assert_eq!(weakness("иванова-мария"), None, "without knowing who it is");
        assert!(weakness_for("иванова-мария", &who).unwrap().contains("имени"));
        assert!(weakness_for("ivanova2025", &who).is_some());
        assert_eq!(weakness_for("книги-и-читатели", &who), None);
    }

    #[test]
    fn the_demo_password_would_pass() {
        // The demo sets it without this check; zxcvbn rates it 3 (about 10^9 guesses), just enough.
        assert_eq!(weakness(DEMO), None);
    }

    const DEMO: &str = "demo-parol";

    #[test]
    fn eight_random_characters_are_not_enough_nine_are() {
        // zxcvbn counts ten guesses a character for what matches no pattern: 10^8 scores 2.
        assert!(weakness("Kx9#mT2!").is_some());
        assert_eq!(weakness("Kx9#mT2!v"), None);
    }
}
