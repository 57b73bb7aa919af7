//! The textbook fund's rules (domain.md, «Textbooks»): sources of receipts, reasons of write-offs,
//! when a copy is usable, where an item stands against the current ФПУ, and provision
//! (книгообеспеченность): need, have, the share covered, deficit and surplus.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::SchoolYear;

/// Where a receipt came from (КСУ part 1 «источник поступления»).
pub const SOURCES: &[(&str, &str)] = &[
    ("federal", "федеральный бюджет"),
    ("regional", "региональный бюджет"),
    ("municipal", "муниципальный бюджет"),
    ("sponsor", "спонсорская помощь"),
    ("exchange", "обменный фонд"),
    ("opening", "ввод остатков"),
    ("other", "иное"),
];

/// Why copies are written off (КСУ part 2; the reasons of regional form 4).
pub const REASONS: &[(&str, &str)] = &[
    ("lost", "утрата"),
    ("worn", "ветхость, дефектность"),
    ("expired", "истечение предельного срока использования"),
    ("other", "иное"),
];

pub fn title_of(choices: &[(&'static str, &'static str)], code: &str) -> &'static str {
    choices.iter().find(|(c, _)| *c == code).map(|(_, t)| *t).unwrap_or("")
}

/// Grades the fund knows: 0 is the «1 дополнительный» class, 12 the grade of programmes for
/// pupils with intellectual disabilities.
pub const GRADES: std::ops::RangeInclusive<u8> = 0..=12;

pub fn grade_name(g: u8) -> String {
    if g == 0 {
        "1 доп.".into()
    } else {
        g.to_string()
    }
}

/// Parses a grade as people type it in forms and spreadsheets: «7», «1 доп.», «0».
pub fn parse_grade(s: &str) -> Option<u8> {
    let s = crate::text::clean(s).to_lowercase();
    if s.starts_with("1 доп") || s.starts_with("1доп") {
        return Some(0);
    }
    let g: u8 = s.trim_end_matches(['-', ' ']).trim_end_matches("класс").trim().parse().ok()?;
    GRADES.contains(&g).then_some(g)
}

/// A class name such as «7А» or «10 Б» → (grade, letter), the letter upper-case and without spaces.
pub fn parse_class(s: &str) -> Option<(u8, String)> {
    let s: String = crate::text::clean(s).chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    // «1 доп. А», «1допА»: the preparatory class, grade 0.
    let lower = s.to_lowercase();
    if let Some(rest) = lower.strip_prefix("1доп") {
        let letter: String =
            rest.trim_start_matches('.').trim_start_matches("олнительный").trim_start_matches('.').to_uppercase();
        return (letter.chars().count() <= 3 && letter.chars().all(char::is_alphabetic)).then_some((0, letter));
    }
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest: String = s[digits.len()..].to_uppercase();
    let grade: u8 = digits.parse().ok()?;
    if !GRADES.contains(&grade) || grade == 0 || rest.chars().count() > 3 || !rest.chars().all(char::is_alphabetic) {
        return None;
    }
    Some((grade, rest))
}

/// Levels of general education by grade: НОО 1–4 (and the «1 доп.» class), ООО 5–9, СОО 10–11;
/// grade 12 programmes follow the basic level.
pub fn level(grade: u8) -> &'static str {
    match grade {
        0..=4 => "НОО",
        5..=9 | 12 => "ООО",
        _ => "СОО",
    }
}

pub const LEVELS: [&str; 3] = ["НОО", "ООО", "СОО"];

/// A copy is usable before its item's limit date of use: the lists write «До 25 сентября 2025
/// года», so on 25 September it is no longer used.
pub fn usable_on(limit: Option<NaiveDate>, day: NaiveDate) -> bool {
    limit.is_none_or(|l| day < l)
}

/// Where an item stands against the current ФПУ on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "limit")]
pub enum Standing {
    /// In Annex 1 of the current list.
    Current,
    /// Excluded (Annex 2, or gone from the list after an Annex 2 entry) with a limit date that
    /// falls after the end of the next school year, or no limit date at all.
    Excluded(Option<NaiveDate>),
    /// The limit date falls before the end of the next school year: buy replacements now.
    EndsSoon(NaiveDate),
    /// The limit date has passed: the copies are no longer usable.
    Expired(NaiveDate),
    /// Not in the current list and never in its Annex 2 with a date.
    NotListed,
}

impl Standing {
    /// `current`: the item's annex in the current list, if it is there; `limit`: its limit date of
    /// use from the newest Annex 2 entry that gave one.
    pub fn of(current: Option<u8>, limit: Option<NaiveDate>, today: NaiveDate) -> Standing {
        if current == Some(1) {
            return Standing::Current;
        }
        let horizon = end_of(SchoolYear::of(today).next());
        match (current, limit) {
            (_, Some(l)) if !usable_on(Some(l), today) => Standing::Expired(l),
            (_, Some(l)) if l <= horizon => Standing::EndsSoon(l),
            (Some(_), l) => Standing::Excluded(l),
            (None, Some(l)) => Standing::Excluded(Some(l)),
            (None, None) => Standing::NotListed,
        }
    }

    pub fn limit(self) -> Option<NaiveDate> {
        match self {
            Standing::Excluded(l) => l,
            Standing::EndsSoon(l) | Standing::Expired(l) => Some(l),
            _ => None,
        }
    }

    pub fn is_problem(self) -> bool {
        self != Standing::Current
    }

    /// What a librarian reads in the compliance table.
    pub fn title_ru(self) -> String {
        let d = |l: NaiveDate| crate::dates::format(l);
        match self {
            Standing::Current => "в действующем перечне".into(),
            Standing::Excluded(Some(l)) => format!("исключён, использовать до {}", d(l)),
            Standing::Excluded(None) => "исключён из перечня".into(),
            Standing::EndsSoon(l) => format!("срок использования истекает {}", d(l)),
            Standing::Expired(l) => format!("срок использования истёк {}", d(l)),
            Standing::NotListed => "нет в действующем перечне".into(),
        }
    }

    /// Severity for colouring: 0 fine, 1 attention, 2 act now.
    pub fn severity(self) -> u8 {
        match self {
            Standing::Current => 0,
            Standing::Excluded(_) | Standing::NotListed => 1,
            Standing::EndsSoon(_) | Standing::Expired(_) => 2,
        }
    }
}

/// The last day of a school year.
pub fn end_of(year: SchoolYear) -> NaiveDate {
    NaiveDate::from_ymd_opt(year.start_year() + 1, 8, 31).expect("31 August exists")
}

/// The first day of a school year.
pub fn start_of(year: SchoolYear) -> NaiveDate {
    NaiveDate::from_ymd_opt(year.start_year(), 9, 1).expect("1 September exists")
}

/// One line of a school's curriculum choice: in `grade`, `subject` is taught from `item` to
/// `share` per cent of the pupils (100 unless the grade is split into groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub grade: u8,
    pub subject: String,
    pub item: i64,
    pub share: u32,
}

/// Need and have of one choice line, after the item's copies were shared between the grades
/// that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineFigures {
    pub item: i64,
    pub share: u32,
    pub need: i64,
    pub have: i64,
}

/// Provision of one subject in one grade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Figures {
    /// Pupils who study the subject (copies needed).
    pub need: i64,
    /// Usable copies of the chosen textbooks given to this grade.
    pub have: i64,
    /// Σ min(have, need) per line: a surplus of the English textbook does not cover German.
    pub covered: i64,
}

impl Figures {
    pub fn line(need: i64, have: i64) -> Figures {
        Figures { need, have, covered: have.min(need) }
    }
    pub fn add(&mut self, other: &Figures) {
        self.need += other.need;
        self.have += other.have;
        self.covered += other.covered;
    }
    pub fn deficit(&self) -> i64 {
        self.need - self.covered
    }
    pub fn surplus(&self) -> i64 {
        (self.have - self.covered).max(0)
    }
    /// Provision in per cent, None when nobody needs the book.
    pub fn percent(&self) -> Option<f64> {
        (self.need > 0).then(|| self.covered as f64 * 100.0 / self.need as f64)
    }
    /// «87,5 %», or «—» when there is no need.
    pub fn percent_text(&self) -> String {
        match self.percent() {
            Some(p) => format!("{} %", format!("{:.1}", (p * 10.0).floor() / 10.0).replace('.', ",")),
            None => "—".into(),
        }
    }
    /// Severity for colouring: 0 full, 1 below 100 %, 2 below 80 %.
    pub fn severity(&self) -> u8 {
        match self.percent() {
            None => 0,
            Some(p) if p >= 100.0 => 0,
            Some(p) if p >= 80.0 => 1,
            _ => 2,
        }
    }
}

/// Provision of one subject in one grade, with its lines.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectRow {
    pub grade: u8,
    pub subject: String,
    pub figures: Figures,
    pub lines: Vec<LineFigures>,
}

/// Provision of a school: `pupils` per grade, `usable` copies per item.
///
/// The need of split groups is the grade's pupils shared by the lines' per cents with the largest
/// remainder method, so that 27 pupils at 50/50 need 14 + 13 books, not 14 + 14. The copies of an
/// item chosen in several grades (a 10–11 textbook) serve the lower grade first; what is left over
/// shows as the surplus of the highest grade.
pub fn provision(choices: &[Choice], pupils: &BTreeMap<u8, i64>, usable: &HashMap<i64, i64>) -> Vec<SubjectRow> {
    // Need per line, shared within (grade, subject).
    let mut by_subject: BTreeMap<(u8, &str), Vec<usize>> = BTreeMap::new();
    for (i, c) in choices.iter().enumerate() {
        by_subject.entry((c.grade, c.subject.as_str())).or_default().push(i);
    }
    let mut need = vec![0i64; choices.len()];
    for ((grade, _), lines) in &by_subject {
        let n = pupils.get(grade).copied().unwrap_or(0).max(0);
        let shares: Vec<u32> = lines.iter().map(|&i| choices[i].share.min(100)).collect();
        for (k, v) in split(n, &shares).into_iter().enumerate() {
            need[lines[k]] = v;
        }
    }
    // Copies per line: each item's usable copies go to its lines, lowest grade first.
    let mut have = vec![0i64; choices.len()];
    let mut by_item: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, c) in choices.iter().enumerate() {
        by_item.entry(c.item).or_default().push(i);
    }
    for (item, mut lines) in by_item {
        lines.sort_by_key(|&i| (choices[i].grade, i));
        let mut left = usable.get(&item).copied().unwrap_or(0).max(0);
        let last = lines.len() - 1;
        for (k, &i) in lines.iter().enumerate() {
            let give = if k == last { left } else { left.min(need[i]) };
            have[i] = give;
            left -= give;
        }
    }
    by_subject
        .into_iter()
        .map(|((grade, subject), lines)| {
            let mut figures = Figures::default();
            let lines: Vec<LineFigures> = lines
                .into_iter()
                .map(|i| {
                    figures.add(&Figures::line(need[i], have[i]));
                    LineFigures { item: choices[i].item, share: choices[i].share, need: need[i], have: have[i] }
                })
                .collect();
            SubjectRow { grade, subject: subject.to_string(), figures, lines }
        })
        .collect()
}

/// `n` shared by per cents (largest remainder). When the per cents add up to 100 the parts add up
/// to `n`; a lone 100 % line gets all of `n`.
fn split(n: i64, shares: &[u32]) -> Vec<i64> {
    let exact: Vec<(i64, i64)> = shares.iter().map(|&s| ((n * s as i64) / 100, (n * s as i64) % 100)).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.0).collect();
    let total: u32 = shares.iter().sum();
    let target = if total >= 100 { n } else { (n * total as i64 + 50) / 100 };
    let mut left = target - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(exact[i].1), i));
    for i in order {
        if left <= 0 {
            break;
        }
        if exact[i].1 > 0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
}

/// Next year's pupils per grade: the grade below moves up; grade 1 (which nobody moves into) is
/// taken from `next_entered` when entered, else kept at this year's size; any grade entered for
/// next year by hand wins.
pub fn projected(this_year: &BTreeMap<u8, i64>, next_entered: &BTreeMap<u8, i64>) -> BTreeMap<u8, i64> {
    let mut out = BTreeMap::new();
    for g in 1..=11u8 {
        let moved = if g == 1 { this_year.get(&1).copied() } else { this_year.get(&(g - 1)).copied() };
        if let Some(n) = next_entered.get(&g).copied().or(moved) {
            out.insert(g, n);
        }
    }
    // The «1 доп.» class and grade 12 do not move up by one; they keep their size unless entered.
    for g in [0u8, 12] {
        if let Some(n) = next_entered.get(&g).or(this_year.get(&g)) {
            out.insert(g, *n);
        }
    }
    out
}

/// Money in kopecks as «1 234,50».
pub fn rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let k = kopecks.unsigned_abs();
    format!("{sign}{},{:02}", crate::text::grouped((k / 100) as i64), k % 100)
}

/// «123,45» or «123.45» or «123» rubles → kopecks.
pub fn parse_rubles(s: &str) -> Option<i64> {
    let s: String = crate::text::clean(s).chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_end_matches("руб.").trim_end_matches("р.").replace(',', ".");
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac).filter(|k| *k <= 10_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn pupils(v: &[(u8, i64)]) -> BTreeMap<u8, i64> {
        v.iter().copied().collect()
    }

    fn choice(grade: u8, subject: &str, item: i64, share: u32) -> Choice {
        Choice { grade, subject: subject.into(), item, share }
    }

    #[test]
    fn a_whole_grade_with_too_few_books() {
        let rows = provision(&[choice(5, "Математика", 1, 100)], &pupils(&[(5, 50)]), &HashMap::from([(1, 40)]));
        let f = &rows[0].figures;
        assert_eq!((f.need, f.have, f.covered, f.deficit(), f.surplus()), (50, 40, 40, 10, 0));
        assert_eq!(f.percent(), Some(80.0));
        assert_eq!(f.percent_text(), "80,0 %");
        assert_eq!(f.severity(), 1);
    }

    #[test]
    fn split_groups_share_pupils_and_do_not_cover_each_other() {
        // 27 pupils: 50 % English (30 books), 50 % German (5 books).
        let rows = provision(
            &[choice(7, "Иностранный язык", 1, 50), choice(7, "Иностранный язык", 2, 50)],
            &pupils(&[(7, 27)]),
            &HashMap::from([(1, 30), (2, 5)]),
        );
        assert_eq!(rows.len(), 1);
        let f = &rows[0].figures;
        assert_eq!(f.need, 27, "groups add up to the grade");
        assert_eq!(rows[0].lines.iter().map(|l| l.need).collect::<Vec<_>>(), vec![14, 13]);
        assert_eq!(f.have, 35);
        assert_eq!(f.covered, 14 + 5);
        assert_eq!(f.deficit(), 8);
        assert_eq!(f.surplus(), 16);
    }

    #[test]
    fn uneven_split_by_largest_remainder() {
        assert_eq!(split(25, &[60, 40]), vec![15, 10]);
        assert_eq!(split(10, &[33, 33, 34]), vec![3, 3, 4]);
        assert_eq!(split(7, &[100]), vec![7]);
        assert_eq!(split(0, &[50, 50]), vec![0, 0]);
    }

    #[test]
    fn a_two_grade_textbook_serves_the_lower_grade_first() {
        let rows = provision(
            &[choice(10, "Физика", 9, 100), choice(11, "Физика", 9, 100)],
            &pupils(&[(10, 20), (11, 25)]),
            &HashMap::from([(9, 30)]),
        );
        assert_eq!((rows[0].grade, rows[0].figures.have, rows[0].figures.deficit()), (10, 20, 0));
        assert_eq!((rows[1].grade, rows[1].figures.have, rows[1].figures.deficit()), (11, 10, 15));
        let rows = provision(
            &[choice(10, "Физика", 9, 100), choice(11, "Физика", 9, 100)],
            &pupils(&[(10, 20), (11, 25)]),
            &HashMap::from([(9, 50)]),
        );
        assert_eq!(rows[1].figures.surplus(), 5, "the surplus shows in the highest grade");
    }

    #[test]
    fn zero_pupils_need_nothing() {
        let rows = provision(&[choice(3, "Музыка", 4, 100)], &pupils(&[]), &HashMap::from([(4, 12)]));
        let f = &rows[0].figures;
        assert_eq!((f.need, f.have, f.surplus()), (0, 12, 12));
        assert_eq!(f.percent(), None);
        assert_eq!(f.percent_text(), "—");
        assert_eq!(f.severity(), 0);
    }

    #[test]
    fn limit_date_boundary_day() {
        let limit = d(2025, 9, 25);
        assert!(usable_on(Some(limit), d(2025, 9, 24)));
        assert!(!usable_on(Some(limit), d(2025, 9, 25)), "«до 25 сентября» ends on the 25th");
        assert!(usable_on(None, d(2099, 1, 1)));
    }

    #[test]
    fn standing_against_the_list() {
        let today = d(2026, 11, 25);
        assert_eq!(Standing::of(Some(1), None, today), Standing::Current);
        // Excluded mid-year: on the day before the limit it is usable but ends soon; on the day, expired.
        assert_eq!(Standing::of(Some(2), Some(d(2027, 1, 15)), today), Standing::EndsSoon(d(2027, 1, 15)));
        assert_eq!(Standing::of(Some(2), Some(d(2026, 11, 25)), today), Standing::Expired(d(2026, 11, 25)));
        // The next school year (2027/2028) ends 31.08.2028: a limit on that day ends soon, a day later not.
        assert_eq!(Standing::of(Some(2), Some(d(2028, 8, 31)), today), Standing::EndsSoon(d(2028, 8, 31)));
        assert_eq!(Standing::of(Some(2), Some(d(2028, 9, 1)), today), Standing::Excluded(Some(d(2028, 9, 1))));
        assert_eq!(Standing::of(Some(2), None, today), Standing::Excluded(None));
        assert_eq!(Standing::of(None, None, today), Standing::NotListed);
        assert_eq!(Standing::of(None, Some(d(2026, 5, 31)), today), Standing::Expired(d(2026, 5, 31)));
    }

    #[test]
    fn projection_moves_pupils_up() {
        let this = pupils(&[(1, 50), (2, 48), (4, 40), (11, 20)]);
        let p = projected(&this, &pupils(&[(1, 55)]));
        assert_eq!(p.get(&1), Some(&55));
        assert_eq!(p.get(&2), Some(&50));
        assert_eq!(p.get(&3), Some(&48));
        assert_eq!(p.get(&5), Some(&40));
        assert_eq!(p.get(&4), None);
        assert_eq!(p.get(&11), None, "nobody was in grade 10");
        let p = projected(&this, &pupils(&[]));
        assert_eq!(p.get(&1), Some(&50), "grade 1 keeps its size until entered");
    }

    #[test]
    fn grades_and_classes() {
        assert_eq!(parse_grade("7"), Some(7));
        assert_eq!(parse_grade("1 доп."), Some(0));
        assert_eq!(parse_grade("13"), None);
        assert_eq!(parse_grade("-1"), None);
        assert_eq!(parse_class("7А"), Some((7, "А".into())));
        assert_eq!(parse_class("10 б"), Some((10, "Б".into())));
        assert_eq!(parse_class("13А"), None);
        assert_eq!(parse_class("7"), Some((7, String::new())));
        assert_eq!(parse_class("1 доп. А"), Some((0, "А".into())));
        assert_eq!(level(0), "НОО");
        assert_eq!(level(9), "ООО");
        assert_eq!(level(11), "СОО");
    }

    #[test]
    fn money() {
        assert_eq!(parse_rubles("450,50"), Some(45050));
        assert_eq!(parse_rubles("1 200"), Some(120000));
        assert_eq!(parse_rubles("12.5"), Some(1250));
        assert_eq!(parse_rubles("-5"), None);
        assert_eq!(parse_rubles("1,234"), None);
        assert_eq!(rubles(123456789), "1\u{202F}234\u{202F}567,89");
    }
}
