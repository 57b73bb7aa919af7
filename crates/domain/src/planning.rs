//! The association's yearly plan: deadlines as the plans write them («11.09.2023г.», «Апрель - Май,
//! 2024 г.», «В течение года») and the people named in an «Ответственный» cell.

use chrono::{Datelike, NaiveDate};

use crate::text::{clean, normalize};
use crate::SchoolYear;

/// Longest deadline text kept; plans write a few words.
pub const MAX_DEADLINE_CHARS: usize = 200;

/// Years a deadline may name: a typo like «20.01.2204» is an error, not a plan for the 23rd century.
const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// What kind of deadline the text names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueKind {
    /// One date.
    Day,
    /// A span of dates.
    Days,
    /// One month or several («Июль-август», «сентябрь, январь»).
    Months,
    /// Words with no dates: «В течение года», «по необходимости».
    Phrase,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Day => "day",
            DueKind::Days => "days",
            DueKind::Months => "months",
            DueKind::Phrase => "phrase",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<DueKind> {
        match s {
            "day" => Some(DueKind::Day),
            "days" => Some(DueKind::Days),
            "months" => Some(DueKind::Months),
            "phrase" => Some(DueKind::Phrase),
            _ => None,
        }
    }
}

/// An event's deadline: the text as written and, when it names dates, the first and last day
/// (inclusive) it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DueKind,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub text: String,
}

impl Deadline {
    /// Parses a deadline written as the plans write it, for an event of school year `year`.
    /// A month without a year takes it from the school year (September–December the first,
    /// January–August the second); an explicit year wins. Text that names no dates is a
    /// [`DueKind::Phrase`], never an error; errors are for empty or overlong text, impossible
    /// dates, spans that end before they start and years outside 1990–2100.
    pub fn parse(text: &str, year: SchoolYear) -> Result<Deadline, String> {
        let text = clean(text);
        if text.is_empty() {
            return Err("Укажите срок".into());
        }
        if text.chars().count() > MAX_DEADLINE_CHARS {
            return Err(format!("Срок длиннее {MAX_DEADLINE_CHARS} знаков — напишите его короче"));
        }
        let tokens = tokens(&text)?;
        Ok(match interpret(&tokens, year)? {
            Some((kind, from, to)) => {
                if to < from {
                    return Err(format!("Срок кончается раньше, чем начинается: «{text}»"));
                }
                Deadline { kind, from: Some(from), to: Some(to), text }
            }
            None => Deadline { kind: DueKind::Phrase, from: None, to: None, text },
        })
    }

    /// A deadline as stored. A row whose kind is unknown or whose dates are missing reads as a
    /// phrase, so a damaged row still shows its text.
    pub fn from_parts(kind: &str, from: Option<NaiveDate>, to: Option<NaiveDate>, text: String) -> Deadline {
        let kind = DueKind::from_str_opt(kind).unwrap_or(DueKind::Phrase);
        match (kind, from.or(to), to.or(from)) {
            (DueKind::Phrase, _, _) | (_, None, _) | (_, _, None) => {
                Deadline { kind: DueKind::Phrase, from: None, to: None, text }
            }
            (kind, Some(from), Some(to)) => Deadline { kind, from: Some(from), to: Some(to), text },
        }
    }

    /// A single date as ДД.ММ.ГГГГ; anything else as written.
    pub fn display(&self) -> String {
        match (self.kind, self.from) {
            (DueKind::Day, Some(d)) => crate::dates::format(d),
            _ => self.text.clone(),
        }
    }

    /// Dated deadlines by their dates; phrases after all of them.
    pub fn sort_key(&self) -> (u8, NaiveDate, NaiveDate) {
        match (self.kind, self.from, self.to) {
            (DueKind::Phrase, _, _) | (_, None, _) | (_, _, None) => (1, NaiveDate::MAX, NaiveDate::MAX),
            (_, Some(from), Some(to)) => (0, from, to),
        }
    }

    /// Whether the deadline touches the days `from..=to` (a calendar month); a phrase never does.
    pub fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        match (self.kind, self.from, self.to) {
            (DueKind::Phrase, _, _) => false,
            (_, Some(a), Some(b)) => a <= to && b >= from,
            _ => false,
        }
    }

    /// Whether the last day has passed; a phrase is never overdue.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        match (self.kind, self.to) {
            (DueKind::Phrase, _) | (_, None) => false,
            (_, Some(to)) => to < today,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Date(NaiveDate),
    /// «01.10» without a year.
    DayMonth(u32, u32),
    /// A number and how many digits it was written with (a year has four).
    Num(u32, usize),
    Month(u32),
    Word(String),
    Dash,
    Comma,
    /// Anything else: quotes, brackets, «№». Never part of a date form.
    Other,
}

/// Month stems by the start of the word: nominative, genitive, prepositional and the usual
/// abbreviations («сент.», «окт.»).
fn month(word: &str) -> Option<u32> {
    const ABBREVIATIONS: [(&str, u32); 16] = [
        ("янв", 1),
        ("фев", 2),
        ("февр", 2),
        ("мар", 3),
        ("апр", 4),
        ("июн", 6),
        ("июл", 7),
        ("авг", 8),
        ("сен", 9),
        ("сент", 9),
        ("окт", 10),
        ("ноя", 11),
        ("нояб", 11),
        ("дек", 12),
        ("май", 5),
        ("мая", 5),
    ];
    const STEMS: [(&str, u32); 11] = [
        ("январ", 1),
        ("феврал", 2),
        ("март", 3),
        ("апрел", 4),
        ("июн", 6),
        ("июл", 7),
        ("август", 8),
        ("сентябр", 9),
        ("октябр", 10),
        ("ноябр", 11),
        ("декабр", 12),
    ];
    if let Some(&(_, m)) = ABBREVIATIONS.iter().find(|(a, _)| *a == word) {
        return Some(m);
    }
    if word == "мае" {
        return Some(5);
    }
    // «марта», «марте», but not «мартовский»: a stem takes at most a two-letter ending.
    STEMS
        .iter()
        .find(|(stem, _)| word.starts_with(stem) && word.chars().count() <= stem.chars().count() + 2)
        .map(|&(_, m)| m)
}

fn check_year(y: i32) -> Result<i32, String> {
    if YEARS.contains(&y) {
        Ok(y)
    } else {
        Err(format!("Год должен быть от {} до {}: {y}", YEARS.start(), YEARS.end()))
    }
}

fn date(d: u32, m: u32, y: i32) -> Result<NaiveDate, String> {
    let y = check_year(y)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("Такой даты нет: {d:02}.{m:02}.{y}"))
}

/// The deadline's text as tokens: lower case, ё as е, every dash a '-', «г.», «года» dropped.
/// Date-shaped pieces are checked here, so «31.02.2024» is an error wherever it stands.
fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ё' => 'е',
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
            c => c,
        })
        .collect();
    let digits_at = |i: usize| -> (u32, usize) {
        let mut n: u64 = 0;
        let mut len = 0;
        while let Some(c) = chars.get(i + len).and_then(|c| c.to_digit(10)) {
            n = (n * 10 + u64::from(c)).min(u64::from(u32::MAX));
            len += 1;
        }
        (n as u32, len)
    };
    let digit_at = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == '.' {
            i += 1;
        } else if c.is_ascii_digit() {
            let (a, la) = digits_at(i);
            i += la;
            if la > 4 {
                out.push(Tok::Other);
            } else if chars.get(i) == Some(&'.') && digit_at(i + 1) && la <= 2 {
                let (b, lb) = digits_at(i + 1);
                i += 1 + lb;
                if chars.get(i) == Some(&'.') && digit_at(i + 1) {
                    let (y, ly) = digits_at(i + 1);
                    i += 1 + ly;
                    let y = match ly {
                        2 => 2000 + y as i32,
                        4 => y as i32,
                        _ => {
                            out.push(Tok::Other);
                            continue;
                        }
                    };
                    out.push(Tok::Date(date(a, b, y)?));
                } else if lb <= 2 && (1..=12).contains(&b) && (1..=31).contains(&a) {
                    out.push(Tok::DayMonth(a, b));
                } else {
                    out.push(Tok::Other);
                }
            } else {
                out.push(Tok::Num(a, la));
            }
        } else if c.is_alphabetic() {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_alphabetic()) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if let Some(m) = month(&word) {
                out.push(Tok::Month(m));
            } else if !matches!(word.as_str(), "г" | "гг" | "год" | "года" | "году") {
                out.push(Tok::Word(word));
            }
        } else {
            out.push(match c {
                '-' => Tok::Dash,
                ',' => Tok::Comma,
                _ => Tok::Other,
            });
            i += 1;
        }
    }
    Ok(out)
}

fn is_word(t: &Tok, w: &str) -> bool {
    matches!(t, Tok::Word(x) if x == w)
}

/// «-», «по», «до» between the ends of a span.
fn is_span(t: &Tok) -> bool {
    *t == Tok::Dash || is_word(t, "по") || is_word(t, "до")
}

/// A four-digit year.
fn year_of(t: &Tok) -> Option<u32> {
    match t {
        Tok::Num(y, 4) => Some(*y),
        _ => None,
    }
}

/// A trailing year, «2024» or «, 2024»: the tokens before it and the year, not yet checked (a
/// phrase may end in any number).
fn trailing_year(t: &[Tok]) -> (&[Tok], Option<u32>) {
    match t {
        [rest @ .., Tok::Comma, y] | [rest @ .., y] if year_of(y).is_some() && !rest.is_empty() => (rest, year_of(y)),
        _ => (t, None),
    }
}

/// One point of a span: an optional day, a month and an optional explicit year.
type Point = (Option<u32>, u32, Option<i32>);

/// Years for points given in order: explicit ones as written; the others follow the nearest
/// explicit one so the points run forward in time («Апрель - Май, 2024»: April 2024), or, with no
/// year at all, the first takes it from the school year and the rest run forward from it
/// («Декабрь – январь – февраль»: December, then January and February of the next year).
fn resolve_years(points: &[Point], year: SchoolYear) -> Vec<i32> {
    let school = |m: u32| if m >= 9 { year.start_year() } else { year.start_year() + 1 };
    let mut years: Vec<Option<i32>> = points.iter().map(|p| p.2).collect();
    let anchor = years.iter().position(Option::is_some).unwrap_or(0);
    if years[anchor].is_none() {
        years[anchor] = Some(school(points[anchor].1));
    }
    let key = |p: &Point| (p.1, p.0.unwrap_or(0));
    for i in (0..anchor).rev() {
        let next = years[i + 1].unwrap_or_default();
        years[i] = Some(if key(&points[i]) > key(&points[i + 1]) { next - 1 } else { next });
    }
    for i in anchor + 1..points.len() {
        if years[i].is_none() {
            let prev = years[i - 1].unwrap_or_default();
            years[i] = Some(if key(&points[i]) < key(&points[i - 1]) { prev + 1 } else { prev });
        }
    }
    years.into_iter().map(Option::unwrap_or_default).collect()
}

fn last_day(y: i32, m: u32) -> Result<NaiveDate, String> {
    let first = date(1, m, y)?;
    let next = if m == 12 { date(1, 1, y + 1)? } else { date(1, m + 1, y)? };
    Ok(next.pred_opt().unwrap_or(first))
}

/// The span from the first point to the last.
fn span_of(points: &[Point], year: SchoolYear) -> Result<(NaiveDate, NaiveDate), String> {
    let years = resolve_years(points, year);
    let (first, last) = (points[0], points[points.len() - 1]);
    let (fy, ly) = (years[0], years[years.len() - 1]);
    let from = date(first.0.unwrap_or(1), first.1, fy)?;
    let to = match last.0 {
        Some(d) => date(d, last.1, ly)?,
        None => last_day(ly, last.1)?,
    };
    Ok((from, to))
}

/// «Апрель - Май, 2024», «Сентябрь – октябрь- ноябрь», «сентябрь, январь», «с сентября по май».
fn month_list(t: &[Tok]) -> Result<Option<Vec<Point>>, String> {
    let mut points = Vec::new();
    let mut i = 0;
    loop {
        let Some(Tok::Month(m)) = t.get(i) else { return Ok(None) };
        i += 1;
        let mut y = None;
        match (t.get(i), t.get(i + 1)) {
            (Some(a), _) if year_of(a).is_some() => {
                y = year_of(a);
                i += 1;
            }
            (Some(Tok::Comma), Some(b)) if year_of(b).is_some() => {
                y = year_of(b);
                i += 2;
            }
            _ => {}
        }
        points.push((None, *m, y.map(|y| y as i32)));
        match t.get(i) {
            None => break,
            Some(s) if is_span(s) || *s == Tok::Comma || is_word(s, "и") => i += 1,
            Some(_) => return Ok(None),
        }
    }
    // Only now is it a list of months, and its years must be real ones.
    for p in &points {
        if let Some(y) = p.2 {
            check_year(y)?;
        }
    }
    Ok(Some(points))
}

/// The kind and dates the tokens name, or None for a phrase.
fn interpret(t: &[Tok], year: SchoolYear) -> Result<Option<(DueKind, NaiveDate, NaiveDate)>, String> {
    use Tok::*;
    // «в октябре», «во II четверти»: a leading «в» changes nothing.
    let t = match t {
        [Word(w), rest @ ..] if (w == "в" || w == "во") && matches!(rest.first(), Some(Month(_))) => rest,
        _ => t,
    };
    // «с … по …»
    let (since, t) = match t {
        [Word(w), rest @ ..] if w == "с" => (true, rest),
        _ => (false, t),
    };
    let school = |m: u32| if m >= 9 { year.start_year() } else { year.start_year() + 1 };
    Ok(Some(match t {
        [Date(a)] if !since => (DueKind::Day, *a, *a),
        [Word(w), Date(a)] if w == "до" && !since => (DueKind::Day, *a, *a),
        [Date(a), s, Date(b)] if is_span(s) => (DueKind::Days, *a, *b),
        [Num(d, 1..=2), s, Date(b)] if is_span(s) => (DueKind::Days, date(*d, b.month(), b.year())?, *b),
        [DayMonth(d, m), s, Date(b)] if is_span(s) => {
            let y = if *m > b.month() { b.year() - 1 } else { b.year() };
            (DueKind::Days, date(*d, *m, y)?, *b)
        }
        _ => {
            let (body, y) = trailing_year(t);
            let y = match (body, y) {
                ([Num(_, 1..=2), Month(_)] | [.., Num(_, 1..=2), Month(_)], Some(y)) => Some(check_year(y as i32)?),
                _ => y.map(|y| y as i32),
            };
            match body {
                [Num(d, 1..=2), Month(m)] if !since => {
                    let d = date(*d, *m, y.unwrap_or_else(|| school(*m)))?;
                    (DueKind::Day, d, d)
                }
                [Num(d1, 1..=2), s, Num(d2, 1..=2), Month(m)] if is_span(s) => {
                    let (from, to) = span_of(&[(Some(*d1), *m, None), (Some(*d2), *m, y)], year)?;
                    (DueKind::Days, from, to)
                }
                [Num(d1, 1..=2), Month(m1), s, Num(d2, 1..=2), Month(m2)] if is_span(s) => {
                    let (from, to) = span_of(&[(Some(*d1), *m1, None), (Some(*d2), *m2, y)], year)?;
                    (DueKind::Days, from, to)
                }
                _ => match month_list(t)? {
                    Some(points) => {
                        let (from, to) = span_of(&points, year)?;
                        (DueKind::Months, from, to)
                    }
                    None => return Ok(None),
                },
            }
        }
    }))
}

// ---------------------------------------------------------------------------------------------
// Responsible people
// ---------------------------------------------------------------------------------------------

/// A person named in a plan: «Саблина В.И.», «И.В. Спирова».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub surname: String,
    /// «В.И.», «В.» or "" when none were written.
    pub initials: String,
    /// The words as written, cleaned.
    pub raw: String,
}

/// Capitalised words that stand before initials in plans but are never surnames.
const NOT_SURNAMES: &[&str] = &[
    "руководитель",
    "председатель",
    "директор",
    "заместитель",
    "зам",
    "методист",
    "библиотекарь",
    "библиотекари",
    "педагог",
    "педагог-библиотекарь",
    "учитель",
    "специалист",
    "комитет",
    "члены",
    "член",
    "ответственный",
    "ответственные",
    "заведующий",
    "заведующая",
    "администрация",
    "все",
    "управление",
    "центр",
    "отдел",
    "секретарь",
    "куратор",
    "координатор",
    "начальник",
];

/// Endings of Russian surnames, for a surname written alone without initials.
const SURNAME_ENDINGS: &[&str] = &[
    "ова", "ева", "ина", "ына", "ая", "ов", "ев", "ин", "ын", "ий", "ой", "ых", "их", "ко", "ук", "юк", "ич", "ян",
    "ец",
];

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Word(String),
    /// A comma, a semicolon or a line break.
    Sep(char),
}

/// Initials as written («В.И», «В.И.», «В.»), normalised to «В.И.»; None for anything else.
fn initials(word: &str) -> Option<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut letters = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !(c.is_uppercase() && c.is_alphabetic()) {
            return None;
        }
        letters.push(c);
        i += 1;
        if chars.get(i) == Some(&'.') {
            i += 1;
        } else if i < chars.len() || letters.len() < 2 {
            // Only the last of two or more may lack its dot («В.И»).
            return None;
        }
    }
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    Some(letters.iter().map(|c| format!("{c}.")).collect())
}

/// A capitalised word of letters (and hyphens) with lower-case letters in it: not «ГТО», not «СОШ».
fn surname_like(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    let rest: Vec<char> = chars.collect();
    first.is_uppercase()
        && first.is_alphabetic()
        && !rest.is_empty()
        && rest.iter().all(|c| c.is_alphabetic() || *c == '-')
        && rest.iter().any(|c| c.is_lowercase())
        && !NOT_SURNAMES.contains(&normalize(word).as_str())
}

fn pieces(cell: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for (l, line) in cell.lines().enumerate() {
        if l > 0 {
            out.push(Piece::Sep('\n'));
        }
        let line = clean(line);
        for word in line.split(' ') {
            let mut word = word;
            let mut after = Vec::new();
            while let Some(stripped) = word.strip_suffix([',', ';']) {
                after.push(word.chars().last().unwrap_or(','));
                word = stripped;
            }
            // «Саблина,В.И.»: a comma inside the word too.
            for (i, part) in word.split([',', ';']).enumerate() {
                if i > 0 {
                    out.push(Piece::Sep(','));
                }
                if !part.is_empty() {
                    out.push(Piece::Word(part.to_string()));
                }
            }
            out.extend(after.into_iter().rev().map(Piece::Sep));
        }
    }
    out
}

/// Ends a run of words that are not a person: leftover text, or, when it is a lone surname
/// («Саблина»), the person without initials.
fn flush(run: &mut Vec<&str>, people: &mut Vec<PersonRef>, leftover: &mut Vec<String>) {
    if run.is_empty() {
        return;
    }
    let lone = run.len() == 1 && surname_like(run[0]) && SURNAME_ENDINGS.iter().any(|e| normalize(run[0]).ends_with(e));
    if lone {
        people.push(PersonRef { surname: run[0].to_string(), initials: String::new(), raw: run[0].to_string() });
    } else {
        let text = run.join(" ");
        let text = text.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | ' ')).to_string();
        if !text.is_empty() {
            leftover.push(text);
        }
    }
    run.clear();
}

/// Splits an «Ответственный» cell into people: «Саблина В.И Садовникова Л.И.», «Саблина В.И.,
/// Куклина Н.Н.», «И.В. Спирова», «Мазеева, Р.В.», one per line. What is not a person («ГТО ШБ»,
/// «руководитель РМО», «библиотекари ОО») comes back as leftover text, a piece per run of words.
pub fn split_people(cell: &str) -> (Vec<PersonRef>, Vec<String>) {
    let p = pieces(cell);
    let word = |i: usize| match p.get(i) {
        Some(Piece::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let initials_at = |i: usize| word(i).and_then(initials);
    let mut people = Vec::new();
    let mut leftover: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let Some(w) = word(i) else {
            flush(&mut run, &mut people, &mut leftover);
            i += 1;
            continue;
        };
        // Initials after the surname: «Саблина В.И», «Саблина В. И.», «Мазеева, Р.В.».
        if surname_like(w) {
            let (at, comma) = match (&p.get(i + 1), initials_at(i + 1), initials_at(i + 2)) {
                (_, Some(_), _) => (Some(i + 1), false),
                (Some(Piece::Sep(',')), None, Some(_)) => (Some(i + 2), true),
                _ => (None, false),
            };
            if let Some(at) = at {
                let mut given = initials_at(at).unwrap_or_default();
                let mut end = at + 1;
                // «В. И.» written apart.
                if given.chars().count() == 2 {
                    if let Some(more) = initials_at(end).filter(|m| m.chars().count() == 2) {
                        given.push_str(&more);
                        end += 1;
                    }
                }
                flush(&mut run, &mut people, &mut leftover);
                let written: Vec<&str> = (at..end).filter_map(word).collect();
                let raw = format!("{w}{} {}", if comma { "," } else { "" }, written.join(" "));
                people.push(PersonRef { surname: w.to_string(), initials: given, raw });
                i = end;
                continue;
            }
        }
        // Initials before the surname: «И.В. Спирова» — unless that surname has its own after it.
        if let Some(given) = initials(w) {
            if let Some(s) = word(i + 1).filter(|s| surname_like(s)) {
                let own = initials_at(i + 2).is_some()
                    || (p.get(i + 2) == Some(&Piece::Sep(',')) && initials_at(i + 3).is_some());
                if !own {
                    flush(&mut run, &mut people, &mut leftover);
                    people.push(PersonRef { surname: s.to_string(), initials: given, raw: format!("{w} {s}") });
                    i += 2;
                    continue;
                }
            }
        }
        run.push(w);
        i += 1;
    }
    flush(&mut run, &mut people, &mut leftover);
    (people, leftover)
}

/// Whether a data-bank full name («Саблина Валентина Ивановна», «Саблина В. И.») is this person:
/// the surname equal ignoring case and ё/е, and each initial given equal to the first letter of
/// the name or patronymic (an initial missing on either side matches anything).
pub fn same_person(person: &PersonRef, full_name: &str) -> bool {
    let name = clean(full_name);
    let mut words = name.split(' ');
    let Some(surname) = words.next() else { return false };
    if normalize(surname) != normalize(&person.surname) || normalize(surname).is_empty() {
        return false;
    }
    let fold = |c: char| normalize(&c.to_string());
    let theirs: Vec<String> = words
        .flat_map(|w| w.split('.').filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>())
        .filter_map(|w| w.chars().next().map(fold))
        .collect();
    let ours: Vec<String> = person.initials.chars().filter(|c| c.is_alphabetic()).map(fold).collect();
    ours.iter().zip(&theirs).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn y2023() -> SchoolYear {
        SchoolYear::starting(2023).unwrap()
    }

    #[test]
    fn every_deadline_of_the_seed_plans_and_more() {
        use DueKind::*;
        type Case<'a> = (&'a str, DueKind, Option<(NaiveDate, NaiveDate)>);
        let cases: &[Case] = &[
            ("11.09.2023г.", Day, Some((d(2023, 9, 11), d(2023, 9, 11)))),
            ("12.09.2023 г.", Day, Some((d(2023, 9, 12), d(2023, 9, 12)))),
            ("20.01.2024 г.", Day, Some((d(2024, 1, 20), d(2024, 1, 20)))),
            ("22.09.2024 г.", Day, Some((d(2024, 9, 22), d(2024, 9, 22)))),
            ("19.12.2023 г.", Day, Some((d(2023, 12, 19), d(2023, 12, 19)))),
            ("25 октября 2023 г.", Day, Some((d(2023, 10, 25), d(2023, 10, 25)))),
            ("25 октября", Day, Some((d(2023, 10, 25), d(2023, 10, 25)))),
            ("5 марта", Day, Some((d(2024, 3, 5), d(2024, 3, 5)))),
            ("Январь", Months, Some((d(2024, 1, 1), d(2024, 1, 31)))),
            ("Февраль", Months, Some((d(2024, 2, 1), d(2024, 2, 29)))),
            ("июнь", Months, Some((d(2024, 6, 1), d(2024, 6, 30)))),
            ("ноябрь", Months, Some((d(2023, 11, 1), d(2023, 11, 30)))),
            ("сентября", Months, Some((d(2023, 9, 1), d(2023, 9, 30)))),
            ("май", Months, Some((d(2024, 5, 1), d(2024, 5, 31)))),
            ("Июль-август", Months, Some((d(2024, 7, 1), d(2024, 8, 31)))),
            ("Апрель - Май, 2024 г.", Months, Some((d(2024, 4, 1), d(2024, 5, 31)))),
            ("Март, 2024 г.", Months, Some((d(2024, 3, 1), d(2024, 3, 31)))),
            ("Декабрь, 2023 г.", Months, Some((d(2023, 12, 1), d(2023, 12, 31)))),
            ("Январь, 2024 г", Months, Some((d(2024, 1, 1), d(2024, 1, 31)))),
            ("Апрель, 2024 г", Months, Some((d(2024, 4, 1), d(2024, 4, 30)))),
            ("Май, 2024 г", Months, Some((d(2024, 5, 1), d(2024, 5, 31)))),
            ("Ноябрь 2023г.", Months, Some((d(2023, 11, 1), d(2023, 11, 30)))),
            ("Январь-март 2024 г.", Months, Some((d(2024, 1, 1), d(2024, 3, 31)))),
            ("Сентябрь – октябрь- ноябрь", Months, Some((d(2023, 9, 1), d(2023, 11, 30)))),
            ("Декабрь – январь – февраль", Months, Some((d(2023, 12, 1), d(2024, 2, 29)))),
            ("Март – апрель", Months, Some((d(2024, 3, 1), d(2024, 4, 30)))),
            ("сентябрь, январь", Months, Some((d(2023, 9, 1), d(2024, 1, 31)))),
            ("Декабрь—февраль 2024", Months, Some((d(2023, 12, 1), d(2024, 2, 29)))),
            ("с сентября по май", Months, Some((d(2023, 9, 1), d(2024, 5, 31)))),
            ("в октябре", Months, Some((d(2023, 10, 1), d(2023, 10, 31)))),
            ("сент.", Months, Some((d(2023, 9, 1), d(2023, 9, 30)))),
            ("окт. 2023", Months, Some((d(2023, 10, 1), d(2023, 10, 31)))),
            ("ЯНВАРЬ 2025", Months, Some((d(2025, 1, 1), d(2025, 1, 31)))),
            ("01.10.2023 – 15.10.2023", Days, Some((d(2023, 10, 1), d(2023, 10, 15)))),
            ("01.10.2023-15.10.2023", Days, Some((d(2023, 10, 1), d(2023, 10, 15)))),
            ("с 01.10.2023 по 15.10.2023", Days, Some((d(2023, 10, 1), d(2023, 10, 15)))),
            ("с 1 по 15 октября", Days, Some((d(2023, 10, 1), d(2023, 10, 15)))),
            ("1-15 октября 2023 г.", Days, Some((d(2023, 10, 1), d(2023, 10, 15)))),
            ("10-15.11.2023", Days, Some((d(2023, 11, 10), d(2023, 11, 15)))),
            ("10 — 15.11.2023", Days, Some((d(2023, 11, 10), d(2023, 11, 15)))),
            ("28.12-10.01.2024", Days, Some((d(2023, 12, 28), d(2024, 1, 10)))),
            ("с 25 декабря по 10 января", Days, Some((d(2023, 12, 25), d(2024, 1, 10)))),
            ("до 15.10.2023", Day, Some((d(2023, 10, 15), d(2023, 10, 15)))),
            ("В течение года", Phrase, None),
            ("В течение учебного года по плану МАОУ ДО ЦДТ", Phrase, None),
            ("по необходимости", Phrase, None),
            ("Два раза в год", Phrase, None),
            ("1 раз в четверть", Phrase, None),
            ("Январь; Февраль", Phrase, None),
            ("март 24", Phrase, None),
        ];
        for (text, kind, dates) in cases {
            let got = Deadline::parse(text, y2023()).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got.kind, *kind, "{text}");
            assert_eq!(got.from.zip(got.to), *dates, "{text}");
            assert_eq!(got.text, clean(text), "{text}");
        }
    }

    #[test]
    fn text_is_kept_cleaned_and_yo_and_case_do_not_matter() {
        let d1 = Deadline::parse("  Апрель\u{A0}-  Май,   2024 г. ", y2023()).unwrap();
        assert_eq!(d1.text, "Апрель - Май, 2024 г.");
        assert_eq!(d1.display(), "Апрель - Май, 2024 г.");
        let a = Deadline::parse("ДЕКАБРЬ", y2023()).unwrap();
        assert_eq!(a.from, Some(d(2023, 12, 1)));
        let day = Deadline::parse("11.09.2023г.", y2023()).unwrap();
        assert_eq!(day.display(), "11.09.2023");
        assert_eq!(day.text, "11.09.2023г.");
        let phrase = Deadline::parse("В  течение\tгода", y2023()).unwrap();
        assert_eq!(phrase.display(), "В течение года");
        // «ё» spelt either way.
        assert_eq!(Deadline::parse("в течЁние года", y2023()).unwrap().kind, DueKind::Phrase);
    }

    #[test]
    fn wrong_deadlines_are_refused_in_russian() {
        let err = |s: &str| Deadline::parse(s, y2023()).unwrap_err();
        assert_eq!(err(""), "Укажите срок");
        assert_eq!(err(" \u{A0}\n"), "Укажите срок");
        assert!(err(&"в течение года ".repeat(20)).contains("длиннее 200 знаков"));
        assert_eq!(err("31.02.2024"), "Такой даты нет: 31.02.2024");
        assert_eq!(err("30 февраля"), "Такой даты нет: 30.02.2024");
        assert_eq!(err("с 31.02.2024 по 01.03.2024"), "Такой даты нет: 31.02.2024");
        assert!(err("15.10.2023 – 01.10.2023").starts_with("Срок кончается раньше, чем начинается"));
        assert!(err("Май 2024 – апрель 2024").starts_with("Срок кончается раньше, чем начинается"));
        assert!(err("11.09.2203").starts_with("Год должен быть от 1990 до 2100"));
        assert!(err("Март, 1980").starts_with("Год должен быть от 1990 до 2100"));
        // Exactly 200 characters is fine.
        assert!(Deadline::parse(&"а".repeat(200), y2023()).is_ok());
    }

    #[test]
    fn a_month_takes_its_year_from_the_school_year() {
        let y = SchoolYear::starting(2025).unwrap();
        assert_eq!(Deadline::parse("август", y).unwrap().from, Some(d(2026, 8, 1)));
        assert_eq!(Deadline::parse("сентябрь", y).unwrap().from, Some(d(2025, 9, 1)));
        assert_eq!(Deadline::parse("декабрь 2024", y).unwrap().from, Some(d(2024, 12, 1)));
    }

    #[test]
    fn kinds_round_trip_and_stored_parts_read_back() {
        for k in [DueKind::Day, DueKind::Days, DueKind::Months, DueKind::Phrase] {
            assert_eq!(DueKind::from_str_opt(k.as_str()), Some(k));
        }
        assert_eq!(DueKind::from_str_opt("week"), None);
        let parsed = Deadline::parse("Апрель - Май, 2024 г.", y2023()).unwrap();
        let stored = Deadline::from_parts(parsed.kind.as_str(), parsed.from, parsed.to, parsed.text.clone());
        assert_eq!(stored, parsed);
        let broken = Deadline::from_parts("days", None, None, "Апрель".into());
        assert_eq!(broken.kind, DueKind::Phrase);
        let half = Deadline::from_parts("day", Some(d(2024, 1, 20)), None, "20.01.2024".into());
        assert_eq!((half.from, half.to), (Some(d(2024, 1, 20)), Some(d(2024, 1, 20))));
        assert_eq!(Deadline::from_parts("nonsense", Some(d(2024, 1, 1)), None, "x".into()).kind, DueKind::Phrase);
    }

    #[test]
    fn deadlines_sort_by_dates_and_phrases_last() {
        let mut list: Vec<Deadline> =
            ["В течение года", "Январь", "11.09.2023г.", "по необходимости", "Сентябрь – октябрь"]
                .iter()
                .map(|s| Deadline::parse(s, y2023()).unwrap())
                .collect();
        list.sort_by_key(Deadline::sort_key);
        let texts: Vec<&str> = list.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(texts[..3], ["Сентябрь – октябрь", "11.09.2023г.", "Январь"]);
        assert!(texts[3..].contains(&"В течение года") && texts[3..].contains(&"по необходимости"));
    }

    #[test]
    fn calendar_months_and_overdue() {
        let spring = Deadline::parse("Апрель - Май, 2024 г.", y2023()).unwrap();
        assert!(spring.overlaps(d(2024, 5, 1), d(2024, 5, 31)));
        assert!(spring.overlaps(d(2024, 4, 1), d(2024, 4, 30)));
        assert!(!spring.overlaps(d(2024, 6, 1), d(2024, 6, 30)));
        assert!(!spring.overlaps(d(2024, 3, 1), d(2024, 3, 31)));
        assert!(!spring.is_overdue(d(2024, 5, 31)));
        assert!(spring.is_overdue(d(2024, 6, 1)));
        let phrase = Deadline::parse("В течение года", y2023()).unwrap();
        assert!(!phrase.overlaps(d(2023, 9, 1), d(2024, 8, 31)));
        assert!(!phrase.is_overdue(d(2030, 1, 1)));
    }

    fn person(raw: &str, surname: &str, initials: &str) -> PersonRef {
        PersonRef { surname: surname.into(), initials: initials.into(), raw: raw.into() }
    }

    #[test]
    fn responsible_cells_of_the_seed_plans() {
        // A cell, the people in it (raw, surname, initials) and the leftover text.
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            ("Саблина В.И", &[("Саблина В.И", "Саблина", "В.И.")], &[]),
            (
                "Саблина В.И Садовникова Л.И.",
                &[("Саблина В.И", "Саблина", "В.И."), ("Садовникова Л.И.", "Садовникова", "Л.И.")],
                &[],
            ),
            ("Саблина В.И,", &[("Саблина В.И", "Саблина", "В.И.")], &[]),
            (
                "Саблина В.И., Куклина Н.Н. Степанова М.М. Барышева Н.М.",
                &[
                    ("Саблина В.И.", "Саблина", "В.И."),
                    ("Куклина Н.Н.", "Куклина", "Н.Н."),
                    ("Степанова М.М.", "Степанова", "М.М."),
                    ("Барышева Н.М.", "Барышева", "Н.М."),
                ],
                &[],
            ),
            ("Саблина В.И. ГТО ШБ", &[("Саблина В.И.", "Саблина", "В.И.")], &["ГТО ШБ"]),
            ("И.В. Спирова", &[("И.В. Спирова", "Спирова", "И.В.")], &[]),
            (
                "Саблина В.И.\nСоколова Н.В.",
                &[("Саблина В.И.", "Саблина", "В.И."), ("Соколова Н.В.", "Соколова", "Н.В.")],
                &[],
            ),
            (
                "Лазарева Т.Н. Черных М.В. Гайнутдинова Т.Н. Ткачук Т.М. Матвеева Т.Д.",
                &[
                    ("Лазарева Т.Н.", "Лазарева", "Т.Н."),
                    ("Черных М.В.", "Черных", "М.В."),
                    ("Гайнутдинова Т.Н.", "Гайнутдинова", "Т.Н."),
                    ("Ткачук Т.М.", "Ткачук", "Т.М."),
                    ("Матвеева Т.Д.", "Матвеева", "Т.Д."),
                ],
                &[],
            ),
            (
                "Новикова Е.А. Садовникова Л.И. Пискарёва С.Б. Барышева Н.М.",
                &[
                    ("Новикова Е.А.", "Новикова", "Е.А."),
                    ("Садовникова Л.И.", "Садовникова", "Л.И."),
                    ("Пискарёва С.Б.", "Пискарёва", "С.Б."),
                    ("Барышева Н.М.", "Барышева", "Н.М."),
                ],
                &[],
            ),
            ("руководитель РМО", &[], &["руководитель РМО"]),
            ("Руководитель МО", &[], &["Руководитель МО"]),
            ("библиотекари ОО", &[], &["библиотекари ОО"]),
            ("Комитет образования", &[], &["Комитет образования"]),
            ("РМО библиотекарей", &[], &["РМО библиотекарей"]),
            ("Руководитель МО; члены РМО", &[], &["Руководитель МО", "члены РМО"]),
            (
                "Руководитель ГМО педагог – библиотекарь Бунина С.П. МАОУ СОШ№5",
                &[("Бунина С.П.", "Бунина", "С.П.")],
                &["Руководитель ГМО педагог – библиотекарь", "МАОУ СОШ№5"],
            ),
            (
                "Руководитель МО\n\nЩербинина С.П. региональный менеджер АО «Просвещение» ХМАО, Леонтьева Н.А., методист МАУ «БМЦ»\n\nМазеева, Р.В. педагог-библиотекарь СОШ п. Сорум\nПопова Н.Я. библиотекарь СОШ с. Казым\nДаудова, Д.М. библиотекарь СОШ№3",
                &[
                    ("Щербинина С.П.", "Щербинина", "С.П."),
                    ("Леонтьева Н.А.", "Леонтьева", "Н.А."),
                    ("Мазеева, Р.В.", "Мазеева", "Р.В."),
                    ("Попова Н.Я.", "Попова", "Н.Я."),
                    ("Даудова, Д.М.", "Даудова", "Д.М."),
                ],
                &[
                    "Руководитель МО",
                    "региональный менеджер АО «Просвещение» ХМАО",
                    "методист МАУ «БМЦ»",
                    "педагог-библиотекарь СОШ п. Сорум",
                    "библиотекарь СОШ с. Казым",
                    "библиотекарь СОШ№3",
                ],
            ),
            ("Джелилова, Г.Н. педагог-библиотекарь СОШ п. Верхнеказымский", &[("Джелилова, Г.Н.", "Джелилова", "Г.Н.")], &["педагог-библиотекарь СОШ п. Верхнеказымский"]),
            ("Саблина В. И.", &[("Саблина В. И.", "Саблина", "В.И.")], &[]),
            ("Саблина", &[("Саблина", "Саблина", "")], &[]),
            ("", &[], &[]),
        ];
        for (cell, people, rest) in cases {
            let (got, left) = split_people(cell);
            let want: Vec<PersonRef> = people.iter().map(|(r, s, i)| person(r, s, i)).collect();
            assert_eq!(got, want, "{cell}");
            assert_eq!(left, rest.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{cell}");
        }
    }

    #[test]
    fn a_person_matches_the_data_bank_by_surname_and_initials() {
        let (people, _) = split_people("Саблина В.И. Пискарева С.Б. Спирова");
        let [sablina, piskareva, spirova] = &people[..] else { panic!("{people:?}") };
        assert!(same_person(sablina, "Саблина Валентина Ивановна"));
        assert!(same_person(sablina, "САБЛИНА В. И."));
        assert!(same_person(sablina, "Саблина В.И."));
        assert!(same_person(sablina, "Саблина Валентина"), "a missing patronymic contradicts nothing");
        assert!(!same_person(sablina, "Саблина Вера Петровна"));
        assert!(!same_person(sablina, "Соболева Валентина Ивановна"));
        assert!(same_person(piskareva, "Пискарёва Светлана Борисовна"), "ё and е are one letter");
        assert!(same_person(spirova, "Спирова Ирина Владимировна"), "no initials match anyone of the surname");
        assert!(!same_person(spirova, ""));
    }
}
