//! Text at the domain edge. [`clean`] is applied to everything a person types or a spreadsheet
//! holds before it is validated or stored; [`normalize`] prepares stored text and the query for
//! search, so a plain `LIKE` finds «Гимназия» by «гимназ» and «Алёна» by «алена» on SQLite and
//! PostgreSQL alike (SQLite's own LIKE folds only ASCII case).

use unicode_normalization::UnicodeNormalization;

/// What [`clean`] does with one character.
enum Class {
    Keep,
    Space,
    Drop,
}

fn class(ch: char) -> Class {
    match ch {
        // Line and paragraph breaks inside a one-line field are word breaks, not nothing:
        // «МБОУ\nСОШ» pasted from a cell must not become «МБОУСОШ».
        '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => Class::Space,
        // Zero-width spaces and joiners, direction marks, embeddings and isolates, word joiner and
        // invisible operators, the BOM, the soft hyphen, the Mongolian vowel separator and the
        // deprecated format characters: all invisible, all arrive by copy-paste from Word, web
        // pages and CSV files, and all would make two equal-looking names differ.
        '\u{AD}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' => Class::Drop,
        // NUL and the other C0/C1 controls: never text; PostgreSQL refuses NUL in text outright.
        c if c.is_control() => Class::Drop,
        // NBSP, narrow NBSP (Excel's thousands separator), figure space, ideographic space, …
        c if c.is_whitespace() => Class::Space,
        _ => Class::Keep,
    }
}

/// Chars with invisible and control characters dropped and every kind of space or break made
/// `' '`, then composed to NFC. Invisible characters go *before* composing, so that «е», a
/// zero-width space and a combining diaeresis still become one «ё».
fn visible(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter_map(|ch| match class(ch) {
            Class::Keep => Some(ch),
            Class::Space => Some(' '),
            Class::Drop => None,
        })
        .nfc()
}

/// One line of text as it should be stored: NFC, no control or invisible characters, every
/// Unicode space a plain space, no spaces at the ends, no runs of spaces.
/// «МБОУ\u{200B}СОШ № 1», «МБОУ СОШ\u{A0}№ 1» and «\u{FEFF}МБОУ СОШ № 1» all become «МБОУ СОШ № 1».
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in visible(s) {
        if ch == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(ch);
    }
    out
}

/// Long free text (a description, a note): like [`clean`] line by line, but line breaks stay
/// (`\r\n`, `\r`, U+2028 and U+2029 become `\n`), no blank lines at the ends, and a run of
/// several blank lines becomes one, so a paragraph break stays a paragraph break.
pub fn clean_multiline(s: &str) -> String {
    let unified = s.replace("\r\n", "\n").replace(['\r', '\u{85}', '\u{2028}', '\u{2029}'], "\n");
    let mut out = String::with_capacity(unified.len());
    let mut blank = false;
    for line in unified.split('\n').map(clean) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(&line);
    }
    out
}

/// Search form of a text: [`clean`], lower case, ё as е, no quotes.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in clean(s).chars().flat_map(char::to_lowercase) {
        let ch = match ch {
            'ё' => 'е',
            '«' | '»' | '"' | '„' | '“' | '”' | '\'' => continue,
            c => c,
        };
        // Dropping a quote may leave two spaces side by side («А « Б» → «а  б»).
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

/// A count as Russian tables print it: thousands apart by a narrow no-break space («14 100»),
/// a minus sign for negatives.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 8);
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
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

    #[test]
    fn like_pattern_carries_no_nul() {
        // What a search `q=%00` decodes to.
        assert_eq!(like_pattern("\0"), "%%");
        assert_eq!(like_pattern("гимн\0азия"), "%гимназия%");
    }

    #[test]
    fn lookalike_names_become_one_string() {
        let want = "МБОУ СОШ № 1";
        for s in [
            "МБОУ \u{200B}СОШ № 1",
            "МБОУ СОШ\u{A0}№ 1",
            "\u{FEFF}МБОУ СОШ № 1",
            "МБОУ СОШ № 1",
            "  МБОУ   СОШ № 1 ",
            "МБОУ\tСОШ\n№ 1",
            "\u{200E}МБОУ СОШ\u{202F}№\u{2007}1\u{200B}",
        ] {
            assert_eq!(clean(s), want, "{s:?}");
        }
        // A zero-width space is no space: on screen «МБОУ\u{200B}СОШ» reads «МБОУСОШ», and inside a
        // word («библио\u{200B}тека», a line-break hint from web pages) it must simply vanish.
        assert_eq!(clean("МБОУ\u{200B}СОШ № 1"), "МБОУСОШ № 1");
        assert_eq!(clean("библио\u{200B}тека"), "библиотека");
    }

    #[test]
    fn controls_are_dropped_and_breaks_become_spaces() {
        assert_eq!(clean("Шко\0ла"), "Школа");
        assert_eq!(clean("a\u{1}\u{7}\u{1B}b\u{7F}\u{9F}c"), "abc");
        assert_eq!(clean("a\tb\nc\r\nd\u{B}e\u{C}f\u{85}g"), "a b c d e f g");
        assert_eq!(clean("a\u{2028}b\u{2029}c"), "a b c");
    }

    #[test]
    fn invisible_and_direction_characters_are_dropped() {
        let invisible = [
            '\u{AD}', '\u{180E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}',
            '\u{202C}', '\u{202D}', '\u{202E}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{2066}',
            '\u{2067}', '\u{2068}', '\u{2069}', '\u{FEFF}',
        ];
        for ch in invisible {
            assert_eq!(clean(&format!("{ch}би{ch}блио{ch}тека{ch}")), "библиотека", "U+{:04X}", ch as u32);
        }
    }

    #[test]
    fn every_unicode_space_is_a_plain_space() {
        let spaces = [
            '\u{A0}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}',
            '\u{2007}', '\u{2008}', '\u{2009}', '\u{200A}', '\u{202F}', '\u{205F}', '\u{3000}',
        ];
        for ch in spaces {
            assert_eq!(clean(&format!("{ch}6{ch}{ch}900{ch}")), "6 900", "U+{:04X}", ch as u32);
        }
    }

    #[test]
    fn text_is_composed_to_nfc() {
        // «й» and «ё» typed on a Mac or pasted from a PDF arrive as a letter and a combining mark.
        assert_eq!(clean("Васили\u{438}\u{306}"), "Василий");
        assert_eq!(clean("Ал\u{435}\u{308}на"), "Алёна");
        // An invisible character between the letter and its mark does not keep them apart.
        assert_eq!(clean("Ал\u{435}\u{200B}\u{308}на"), "Алёна");
        assert_eq!(normalize("Ал\u{415}\u{308}НА"), "алена");
    }

    #[test]
    fn multiline_keeps_lines_and_one_blank_line() {
        let s = "\u{FEFF}  Первый\u{A0}абзац \r\nвторая\tстрока\r\n\r\n\r\n\r\n\u{200B}\nВторой абзац\u{2029}конец\n\n";
        assert_eq!(clean_multiline(s), "Первый абзац\nвторая строка\n\nВторой абзац\nконец");
        assert_eq!(clean_multiline("a\n\nb"), "a\n\nb");
        assert_eq!(clean_multiline("a\n\n\nb"), "a\n\nb");
        assert_eq!(clean_multiline("\0\n \n"), "");
    }
}
