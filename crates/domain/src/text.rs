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
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_"), "%50\\%\\_%");
    }
}
