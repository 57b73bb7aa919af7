//! Text normalisation for search: the same function prepares stored text and the query, so a
//! plain `LIKE` finds «Гимназия» by «гимназ» and «Алёна» by «алена» on SQLite and PostgreSQL alike
//! (SQLite's own LIKE folds only ASCII case).

pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars().flat_map(char::to_lowercase) {
        let ch = match ch {
            'ё' => 'е',
            '«' | '»' | '"' | '„' | '“' | '”' | '\'' => continue,
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if ch == ' ' {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(ch);
            space = false;
        }
    }
    out.trim_end().to_string()
}

/// A key that sorts names as people read them: «СОШ № 4» before «СОШ № 14» (numbers are padded),
/// case and ё ignored.
pub fn sort_key(s: &str) -> String {
    let n = normalize(s);
    let mut out = String::with_capacity(n.len() + 8);
    let mut digits = String::new();
    for ch in n.chars().chain(std::iter::once('\0')) {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&format!("{digits:0>10}"));
            digits.clear();
        }
        if ch != '\0' {
            out.push(ch);
        }
    }
    out
}

/// A `LIKE` pattern matching rows whose normalised text contains the query.
pub fn like_pattern(query: &str) -> String {
    let q = normalize(query).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{q}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_yo_quotes_and_spaces() {
        assert_eq!(normalize("  МБОУ «Гимназия   № 1»  Алёна"), "мбоу гимназия № 1 алена");
    }

    #[test]
    fn numbers_sort_by_value() {
        assert!(sort_key("СОШ № 4") < sort_key("СОШ № 14"));
        assert!(sort_key("Гимназия № 2") < sort_key("гимназия № 11"));
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_"), "%50\\%\\_%");
    }
}
