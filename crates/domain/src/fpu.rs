//! Rules for the federal list of textbooks (ФПУ) as the ministry's annexes write it: grades,
//! dates of the expert conclusion or of the limit of use, item numbers. The texts come from
//! spreadsheets typed by hand, so every reader here tolerates the typos that real lists carry.

use chrono::NaiveDate;

use crate::text::clean;

/// Grade 0 stands for «1 дополнительный класс», the preparatory class before grade 1.
const EXTRA: u8 = 0;
const NO_SUCH_GRADE: &str = "таких классов нет: допустимы 1–11, 12 и «1 доп.»";

/// One side of a grade range: «5», «12», «1 доп.», «1 дополнительный класс», «5 класс».
fn parse_grade(part: &str) -> Result<u8, String> {
    let p = part.trim().to_lowercase();
    let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
    let rest = p[digits.len()..].trim().trim_matches('.').trim();
    if digits.is_empty() {
        return Err(format!("«{}» — не номер класса", part.trim()));
    }
    // Long digit runs would overflow; any of them is a wrong grade anyway.
    let n: u32 = digits.parse().unwrap_or(u32::MAX);
    if rest.starts_with("доп") {
        if n != 1 {
            return Err(format!("«{}» — дополнительным бывает только 1 класс", part.trim()));
        }
        return Ok(EXTRA);
    }
    let words_ok = rest.is_empty()
        || ["класс", "классы", "классов", "кл", "кл."].contains(&rest)
        || rest.starts_with("класс") && rest.chars().all(char::is_alphabetic);
    if !words_ok {
        return Err(format!("«{}» — не номер класса", part.trim()));
    }
    if n == 0 || n > 12 {
        let shown = if digits.len() > 4 { digits.clone() } else { n.to_string() };
        return Err(format!("класс {shown} — {NO_SUCH_GRADE}"));
    }
    Ok(n as u8)
}

/// Grades as the list writes them: «5» → (5, 5); «10 - 11», «10-11», «10 – 11», «10—11» → (10, 11);
/// «12» (programmes for pupils with intellectual disabilities); «1 дополнительный класс», «1 доп.»
/// → (0, 0); «1 доп. - 1» → (0, 1). Empty (СПО rows) → `Ok(None)`.
pub fn parse_grades(s: &str) -> Result<Option<(u8, u8)>, String> {
    let s = clean(s);
    if s.is_empty() {
        return Ok(None);
    }
    let unified: String =
        s.chars().map(|c| if matches!(c, '–' | '—' | '‑' | '‒' | '−' | '―') { '-' } else { c }).collect();
    let parts: Vec<&str> = unified.split('-').collect();
    let (from, to) = match parts.as_slice() {
        [one] => {
            let g = parse_grade(one)?;
            (g, g)
        }
        [a, b] => (parse_grade(a)?, parse_grade(b)?),
        _ => return Err(format!("«{s}» — не класс и не диапазон классов (например, «5» или «10–11»)")),
    };
    if from > to {
        return Err(format!("«{s}» — первый класс диапазона больше последнего"));
    }
    Ok(Some((from, to)))
}

fn grade_text(g: u8) -> String {
    if g == EXTRA {
        "1 доп.".to_string()
    } else {
        g.to_string()
    }
}

/// «1 доп.», «5», «10–11».
pub fn grades_text(from: u8, to: u8) -> String {
    if from == to {
        grade_text(from)
    } else {
        format!("{}–{}", grade_text(from), grade_text(to))
    }
}

/// The level of education a grade range belongs to, when all of it falls in one:
/// «НОО» (the preparatory class and 1–4), «ООО» (5–9), «СОО» (10–11).
pub fn level_of_grades(from: u8, to: u8) -> Option<&'static str> {
    let level = |g: u8| match g {
        0..=4 => Some("НОО"),
        5..=9 => Some("ООО"),
        10 | 11 => Some("СОО"),
        _ => None,
    };
    let l = level(from)?;
    (from <= to && level(to) == Some(l)).then_some(l)
}

/// The last column of the list: the expiry of the expert conclusion (Annex 1) or the limit date
/// of use (Annex 2), or «Бессрочно».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    Date(NaiveDate),
    Unlimited,
}

/// The month a word names, by its first three letters, so that the nominative, the genitive and
/// most typos («сентярбя») are all read.
fn month(word: &str) -> Option<u32> {
    let head: String = word.chars().take(3).collect();
    let m = match head.as_str() {
        "янв" => 1,
        "фев" => 2,
        "мар" => 3,
        "апр" => 4,
        "май" | "мая" => 5,
        "июн" => 6,
        "июл" => 7,
        "авг" => 8,
        "сен" => 9,
        "окт" => 10,
        "ноя" => 11,
        "дек" => 12,
        _ => return None,
    };
    Some(m)
}

/// «25.09.2025» (or with «/») anywhere in the text.
fn numeric_date(s: &str) -> Option<NaiveDate> {
    let chars: Vec<char> = s.chars().collect();
    let number = |at: usize| {
        let len = chars[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        let n: u32 = chars[at..at + len].iter().collect::<String>().parse().ok()?;
        Some((n, len))
    };
    for start in 0..chars.len() {
        if !chars[start].is_ascii_digit() || start > 0 && chars[start - 1].is_ascii_digit() {
            continue;
        }
        let Some((d, dl)) = number(start) else { continue };
        let mut at = start + dl;
        if dl > 2 || !matches!(chars.get(at), Some('.' | '/')) {
            continue;
        }
        at += 1;
        if !chars.get(at).is_some_and(char::is_ascii_digit) {
            continue;
        }
        let Some((m, ml)) = number(at) else { continue };
        at += ml;
        if ml > 2 || !matches!(chars.get(at), Some('.' | '/')) {
            continue;
        }
        at += 1;
        if !chars.get(at).is_some_and(char::is_ascii_digit) {
            continue;
        }
        let Some((y, yl)) = number(at) else { continue };
        if yl == 4 {
            return NaiveDate::from_ymd_opt(y as i32, m, d);
        }
        // «31.08.25»: a two-digit year is of this century in any list of textbooks.
        if yl == 2 {
            return NaiveDate::from_ymd_opt(2000 + y as i32, m, d);
        }
    }
    None
}

/// The date column of the list: «До 25 сентября 2025 года», «До 06 мая 2027 года»,
/// «до 1 сентября 2026 г.», «25.09.2025», «Бессрочно». Typos real lists carry are read
/// («До 31! августа 2025 года», «гола»). Empty text is `Err("пусто")`, for the caller to judge.
pub fn parse_until(s: &str) -> Result<Until, String> {
    let s = clean(s);
    if s.is_empty() {
        return Err("пусто".to_string());
    }
    let low = s.to_lowercase().replace('ё', "е");
    if low.contains("бессрочн") {
        return Ok(Until::Unlimited);
    }
    if let Some(d) = numeric_date(&low) {
        return Ok(Until::Date(d));
    }
    // Words and numbers, whatever stands between them («31!», «2025г.»).
    let mut tokens: Vec<String> = Vec::new();
    let mut kind = None;
    for ch in low.chars() {
        let k = if ch.is_ascii_digit() {
            Some(true)
        } else if ch.is_alphabetic() {
            Some(false)
        } else {
            None
        };
        match k {
            Some(k) if kind == Some(k) => tokens.last_mut().expect("a token is open").push(ch),
            Some(_) => tokens.push(ch.to_string()),
            None => {}
        }
        kind = k;
    }
    let is_number = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let no_date = || format!("«{s}» — не дата: нужно «До 25 сентября 2025 года», «25.09.2025» или «Бессрочно»");
    let Some(at) = tokens.iter().position(|t| !is_number(t) && month(t).is_some()) else {
        return Err(no_date());
    };
    let m = month(&tokens[at]).expect("found above");
    let day = tokens[..at].iter().rev().find(|t| is_number(t)).and_then(|t| t.parse::<u32>().ok());
    let year = tokens[at + 1..].iter().find(|t| is_number(t)).and_then(|t| t.parse::<i32>().ok());
    let (Some(day), Some(year)) = (day, year) else { return Err(no_date()) };
    if !(1990..=2100).contains(&year) {
        return Err(format!("«{s}» — год {year} не похож на правду"));
    }
    NaiveDate::from_ymd_opt(year, m, day).map(Until::Date).ok_or_else(|| format!("«{s}» — такой даты нет в календаре"))
}

/// The segments of an item number, spaces of any kind removed and empty segments dropped.
fn segments(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split('.').map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>()).filter(|p| !p.is_empty())
}

/// A key for comparing and sorting item numbers («1.1.1.1.1.1.1.», with or without the last dot):
/// numeric segments zero-padded to four digits and joined by «.», so that the order of keys is
/// the order of numbers and a heading's key is a prefix of its items' keys. Empty segments are
/// dropped, so «1..3.1.» has the key of «1.3.1».
pub fn number_key(s: &str) -> String {
    segments(s)
        .map(|p| if p.chars().all(|c| c.is_ascii_digit()) { format!("{p:0>4}") } else { p.to_lowercase() })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether an item number is written wrongly: an empty segment («1..3.1.»), a segment that is not
/// digits, or nothing at all. One trailing dot is the usual way of writing and is not an error.
pub fn number_is_broken(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let body = compact.strip_suffix('.').unwrap_or(&compact);
    body.is_empty() || body.split('.').any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_digit_years() {
        assert_eq!(parse_until("До 31.08.25"), Ok(Until::Date(NaiveDate::from_ymd_opt(2025, 8, 31).unwrap())));
    }

    fn date(y: i32, m: u32, d: u32) -> Until {
        Until::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn grades_in_every_written_form() {
        assert_eq!(parse_grades("5"), Ok(Some((5, 5))));
        assert_eq!(parse_grades(" 5\u{A0}"), Ok(Some((5, 5))));
        for s in ["10 - 11", "10-11", "10 – 11", "10—11", "10\u{A0}-\u{A0}11", "10 −11"] {
            assert_eq!(parse_grades(s), Ok(Some((10, 11))), "{s}");
        }
        assert_eq!(parse_grades("12"), Ok(Some((12, 12))));
        assert_eq!(parse_grades("1 дополнительный класс"), Ok(Some((0, 0))));
        assert_eq!(parse_grades("1 доп."), Ok(Some((0, 0))));
        assert_eq!(parse_grades("1\u{A0}доп"), Ok(Some((0, 0))));
        assert_eq!(parse_grades("1 доп. - 1"), Ok(Some((0, 1))));
        assert_eq!(parse_grades("1 дополнительный - 4"), Ok(Some((0, 4))));
        assert_eq!(parse_grades("5 класс"), Ok(Some((5, 5))));
        assert_eq!(parse_grades("5-9 классы"), Ok(Some((5, 9))));
        assert_eq!(parse_grades(""), Ok(None));
        assert_eq!(parse_grades(" \u{A0} "), Ok(None));
    }

    #[test]
    fn impossible_grades_are_told_in_russian() {
        let e = parse_grades("13").unwrap_err();
        assert_eq!(e, "класс 13 — таких классов нет: допустимы 1–11, 12 и «1 доп.»");
        assert!(parse_grades("0").unwrap_err().contains("класс 0"));
        assert!(parse_grades("10 - 14").unwrap_err().contains("класс 14"));
        assert!(parse_grades("99999999999").unwrap_err().contains("таких классов нет"));
        assert!(parse_grades("11 - 10").unwrap_err().contains("больше последнего"));
        assert!(parse_grades("пятый").unwrap_err().contains("не номер класса"));
        assert!(parse_grades("5а").unwrap_err().contains("не номер класса"));
        assert!(parse_grades("2 доп.").unwrap_err().contains("только 1 класс"));
        assert!(parse_grades("1-2-3").unwrap_err().contains("не класс"));
        assert!(parse_grades("-").is_err());
    }

    #[test]
    fn grades_are_written_back() {
        assert_eq!(grades_text(0, 0), "1 доп.");
        assert_eq!(grades_text(5, 5), "5");
        assert_eq!(grades_text(10, 11), "10–11");
        assert_eq!(grades_text(0, 1), "1 доп.–1");
        for s in ["1 доп.", "5", "10–11", "1 доп.–1", "12"] {
            let (a, b) = parse_grades(s).unwrap().unwrap();
            assert_eq!(grades_text(a, b), s);
        }
    }

    #[test]
    fn levels_of_grade_ranges() {
        assert_eq!(level_of_grades(0, 0), Some("НОО"));
        assert_eq!(level_of_grades(1, 4), Some("НОО"));
        assert_eq!(level_of_grades(5, 9), Some("ООО"));
        assert_eq!(level_of_grades(7, 7), Some("ООО"));
        assert_eq!(level_of_grades(10, 11), Some("СОО"));
        assert_eq!(level_of_grades(4, 5), None);
        assert_eq!(level_of_grades(9, 10), None);
        assert_eq!(level_of_grades(12, 12), None);
        assert_eq!(level_of_grades(11, 10), None);
    }

    #[test]
    fn dates_as_the_list_writes_them() {
        assert_eq!(parse_until("До 25 сентября 2025 года"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("До 06 мая 2027 года"), Ok(date(2027, 5, 6)));
        assert_eq!(parse_until("до 1 сентября 2026 г."), Ok(date(2026, 9, 1)));
        assert_eq!(parse_until("Бессрочно"), Ok(Until::Unlimited));
        assert_eq!(parse_until(" бессрочно\u{A0}"), Ok(Until::Unlimited));
        assert_eq!(parse_until("25.09.2025"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("до 25.09.2025 г."), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("1 Март 2026"), Ok(date(2026, 3, 1)));
        assert_eq!(parse_until("До 31 мая 2026 года"), Ok(date(2026, 5, 31)));
        assert_eq!(parse_until("До 31 марта 2026 года"), Ok(date(2026, 3, 31)));
    }

    #[test]
    fn dates_with_typos_are_read() {
        assert_eq!(parse_until("До 31! августа 2025 года"), Ok(date(2025, 8, 31)));
        assert_eq!(parse_until("До 25 сентября 2025 гола"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("До\u{A0}25\u{A0}сентября\u{A0}2025\u{A0}года"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("  До  25 сентября   2025года "), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("До 25 сентярбя 2025 года"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("ДО 25 СЕНТЯБРЯ 2025 ГОДА"), Ok(date(2025, 9, 25)));
        assert_eq!(parse_until("До 25сентября 2025"), Ok(date(2025, 9, 25)));
    }

    #[test]
    fn text_without_a_date_is_refused() {
        assert_eq!(parse_until(""), Err("пусто".to_string()));
        assert_eq!(parse_until("\u{A0}"), Err("пусто".to_string()));
        assert!(parse_until("#N/A").unwrap_err().contains("не дата"));
        assert!(parse_until("До сентября").unwrap_err().contains("не дата"));
        assert!(parse_until("До 31 сентября 2025 года").unwrap_err().contains("нет в календаре"));
        assert!(parse_until("До 1 мая 3025 года").unwrap_err().contains("год 3025"));
        assert!(parse_until("31.02.2025").is_err());
    }

    #[test]
    fn number_keys_sort_as_numbers() {
        assert_eq!(number_key("1.1.1.1.1.1.1."), "0001.0001.0001.0001.0001.0001.0001");
        assert_eq!(number_key("1.1.1.1.1.1.1"), number_key("1.1.1.1.1.1.1."));
        assert_eq!(number_key("\u{A0}1.1.2.\u{A0}"), "0001.0001.0002");
        assert_eq!(number_key("1. 1 .2."), "0001.0001.0002");
        assert_eq!(number_key("1..3.1."), "0001.0003.0001");
        assert!(number_key("1.1.2.") < number_key("1.1.10."));
        assert!(number_key("1.1.") < number_key("1.1.1."), "a heading sorts before its items");
        assert!(number_key("1.1.9.1.") < number_key("1.1.10."));
        assert!(number_key("1.1.1.1.").starts_with(&number_key("1.1.1.")));
        assert_eq!(number_key(""), "");
    }

    #[test]
    fn broken_numbers_are_seen() {
        assert!(!number_is_broken("1.1.1.1.1.1.1."));
        assert!(!number_is_broken("1.1.1.1.1.1.1"));
        assert!(!number_is_broken("\u{A0}1.2.3.\u{A0}"));
        assert!(number_is_broken("1..3.1.1.3.1."));
        assert!(number_is_broken(".1.2."));
        assert!(number_is_broken("1.2.."));
        assert!(number_is_broken("1.2а.3."));
        assert!(number_is_broken(""));
        assert!(number_is_broken("."));
    }
}
