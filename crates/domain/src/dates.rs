//! Dates as Russian users write them (ДД.ММ.ГГГГ) and as HTML date inputs send them (ГГГГ-ММ-ДД).

use chrono::NaiveDate;

pub fn parse(s: &str) -> Option<NaiveDate> {
    let s = crate::text::clean(s);
    NaiveDate::parse_from_str(&s, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(&s, "%Y-%m-%d"))
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
}

pub fn format(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// Parses an optional date field, recording a Russian message when it is present but wrong.
pub fn parse_optional(value: &str, field: &str, label: &str, errors: &mut crate::FieldErrors) -> Option<NaiveDate> {
    let v = crate::text::clean(value);
    if v.is_empty() {
        return None;
    }
    let d = parse(&v);
    if d.is_none() {
        let shaped = v.len() == 10
            && v.chars().enumerate().all(|(i, c)| if i == 2 || i == 5 { c == '.' } else { c.is_ascii_digit() });
        let why = if shaped {
            "такой даты нет в календаре"
        } else {
            "не дата; нужна дата в виде ДД.ММ.ГГГГ"
        };
        errors.add(field, format!("{label}: «{v}» — {why}"));
    }
    d
}

/// Like [`parse_optional`], for a date that has already happened (a consent, an attestation).
pub fn parse_past(value: &str, field: &str, label: &str, errors: &mut crate::FieldErrors) -> Option<NaiveDate> {
    let d = parse_optional(value, field, label, errors)?;
    // Today where the district is, not where the server happens to be.
    if d > crate::clock::today() {
        errors.add(field, format!("{label}: {} — дата ещё не наступила", format(d)));
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_russian_and_iso_forms() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        assert_eq!(super::parse("01.09.2025"), Some(d));
        assert_eq!(super::parse("2025-09-01"), Some(d));
        assert_eq!(super::parse("31.02.2025"), None);
        assert_eq!(super::parse("вчера"), None);
        assert_eq!(super::format(d), "01.09.2025");
        assert_eq!(super::parse("\u{FEFF}01.09.2025\u{A0}"), Some(d));
    }

    #[test]
    fn a_future_date_is_not_in_the_past() {
        let mut e = crate::FieldErrors::default();
        let tomorrow = crate::clock::today().succ_opt().unwrap();
        super::parse_past(&super::format(tomorrow), "d", "Дата", &mut e);
        assert!(e.get("d").unwrap().contains("ещё не наступила"));
        let mut e = crate::FieldErrors::default();
        super::parse_past(&super::format(crate::clock::today()), "d", "Дата", &mut e);
        assert!(e.is_empty());
    }
}
