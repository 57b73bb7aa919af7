//! The directory: what a valid school card, librarian record, course and library passport are.
//! Raw input (a form or an imported row) is validated once into typed fields, with Russian messages.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::fields::Kind;
use crate::{dates, text, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SchoolKind {
    Sosh,
    SoshUiop,
    Gymnasium,
    Lyceum,
    Oosh,
    Nosh,
    Boarding,
    Other,
}

impl SchoolKind {
    pub const ALL: [SchoolKind; 8] = [
        SchoolKind::Sosh,
        SchoolKind::SoshUiop,
        SchoolKind::Gymnasium,
        SchoolKind::Lyceum,
        SchoolKind::Oosh,
        SchoolKind::Nosh,
        SchoolKind::Boarding,
        SchoolKind::Other,
    ];

    /// (code, title) of each kind, in the order of [`SchoolKind::ALL`]: the one list that forms,
    /// files and the audit log read.
    pub const CHOICES: &'static [(&'static str, &'static str)] = &[
        ("sosh", "Средняя общеобразовательная школа"),
        ("sosh_uiop", "СОШ с углублённым изучением предметов"),
        ("gymnasium", "Гимназия"),
        ("lyceum", "Лицей"),
        ("oosh", "Основная общеобразовательная школа"),
        ("nosh", "Начальная общеобразовательная школа"),
        ("boarding", "Школа-интернат"),
        ("other", "Другое"),
    ];

    pub fn code(self) -> &'static str {
        Self::CHOICES[self as usize].0
    }

    pub fn title_ru(self) -> &'static str {
        Self::CHOICES[self as usize].1
    }

    /// By code, or by the Russian title as people type it in a spreadsheet («СОШ», «гимназия»).
    pub fn parse(s: &str) -> Option<SchoolKind> {
        let n = crate::text::normalize(s);
        SchoolKind::ALL.into_iter().find(|k| k.code() == n || crate::text::normalize(k.title_ru()) == n).or(
            match n.as_str() {
                "сош" => Some(SchoolKind::Sosh),
                "сош с уиоп" | "сош уиоп" => Some(SchoolKind::SoshUiop),
                "оош" => Some(SchoolKind::Oosh),
                "нош" => Some(SchoolKind::Nosh),
                "интернат" => Some(SchoolKind::Boarding),
                _ => None,
            },
        )
    }
}

/// ИНН of a legal entity: ten digits with a check digit (the tax service's algorithm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct InnNumber(String);

impl InnNumber {
    pub fn parse(s: &str) -> Result<InnNumber, &'static str> {
        // A CSV cell may bring a BOM or a no-break space along with the digits.
        let s = text::clean(s);
        let s = s.as_str();
        // A spreadsheet keeps an ИНН typed as a number and drops its leading zero (region 01–09).
        let padded = format!("0{s}");
        let s = if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) { padded.as_str() } else { s };
        if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("нужно ровно 10 цифр (ИНН организации)");
        }
        let d: Vec<u32> = s.bytes().map(|b| (b - b'0') as u32).collect();
        let weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
        let sum: u32 = weights.iter().zip(&d).map(|(w, x)| w * x).sum();
        if d.iter().all(|x| *x == 0) {
            return Err("из одних нулей — так ИНН не бывает");
        }
        if sum % 11 % 10 != d[9] {
            return Err("не сходится контрольная цифра — проверьте, нет ли опечатки");
        }
        Ok(InnNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An ИНН as stored: it was checked when it was saved.
    pub fn stored(s: String) -> InnNumber {
        InnNumber(s)
    }
}

crate::record! {
    /// A school card as typed by a person or read from a spreadsheet row.
    #[derive(Debug, Clone, Default, Deserialize, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(default)]
    pub struct SchoolInput {
        short_name: "Краткое наименование", Kind::Text, required;
        full_name: "Полное наименование", Kind::Text, required;
        kind: "Тип", Kind::Choice(SchoolKind::CHOICES), required;
        address: "Адрес", Kind::Text;
        director: "Директор (ФИО)", Kind::Text;
        phone: "Телефон", Kind::Phone;
        email: "Электронная почта", Kind::Email;
        inn: "ИНН", Kind::Text;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchoolFields {
    pub full_name: String,
    pub short_name: String,
    pub kind: SchoolKind,
    pub address: String,
    pub director: String,
    pub phone: String,
    pub email: String,
    pub inn: Option<InnNumber>,
}

// Every validator starts with `text::clean`: what is stored is what a person saw on screen,
// without the invisible characters and odd spaces that copy-paste brings, and never a NUL.

fn required(value: &str, field: &str, label: &str, max: usize, errors: &mut FieldErrors) -> String {
    let v = text::clean(value);
    if v.is_empty() {
        errors.add(field, format!("{label}: обязательное поле"));
    } else if v.chars().count() > max {
        errors.add(field, format!("{label}: не длиннее {max} символов"));
    }
    v
}

fn optional(value: &str, field: &str, label: &str, max: usize, errors: &mut FieldErrors) -> String {
    let v = text::clean(value);
    if v.chars().count() > max {
        errors.add(field, format!("{label}: не длиннее {max} символов"));
    }
    v
}

fn email(value: &str, field: &str, errors: &mut FieldErrors) -> String {
    let v = text::clean(value);
    let has_domain = v.rsplit_once('@').is_some_and(|(_, d)| d.contains('.') && !d.ends_with('.'));
    if !v.is_empty() && (!email_address::EmailAddress::is_valid(&v) || !has_domain) {
        errors.add(field, format!("Электронная почта: «{v}» — не адрес электронной почты"));
    }
    v
}

fn phone(value: &str, field: &str, errors: &mut FieldErrors) -> String {
    match normalize_phone(value) {
        Ok(p) => p,
        Err(why) => {
            let v = text::clean(value);
            errors.add(field, format!("Телефон: «{v}» — {why}"));
            v
        }
    }
}

/// A phone number as people type it («8 812 123 45 67», «+7(812)1234567», «(81378) 2-15-34»),
/// in the one form the directory stores and shows: «+7 (812) 123-45-67», an extension kept as
/// « доб. 123». A number written with «+» and another country code is kept as typed.
/// Ok("") for an empty value; Err with the reason in Russian, to follow «Телефон: «…» — ».
pub fn normalize_phone(value: &str) -> Result<String, &'static str> {
    let v = text::clean(value);
    if v.is_empty() {
        return Ok(String::new());
    }
    let (number, extension) = split_extension(&v);
    let number = number.trim_end_matches([' ', ',', ';']);
    let extension = match extension {
        None => None,
        Some(e) => {
            let e = e.trim_start_matches(['.', ':', ' ']).trim_end_matches(['.', ' ']);
            if !e.is_empty() && e.len() <= 6 && e.bytes().all(|b| b.is_ascii_digit()) {
                Some(e)
            } else if e.chars().filter(char::is_ascii_digit).count() > 6 {
                return Err("укажите один номер; добавочный пишите после него так: доб. 123");
            } else {
                return Err("добавочный номер пишите цифрами после номера, например доб. 123");
            }
        }
    };
    // Dashes of every kind come with numbers pasted from Word and web pages.
    let separator = |c: char| " -().–—‐‑−".contains(c);
    let plus = number.starts_with('+');
    let body = number.strip_prefix('+').unwrap_or(number);
    if !body.chars().all(|c| c.is_ascii_digit() || separator(c)) {
        return Err(if body.chars().any(char::is_alphabetic) {
            "нужен номер из цифр, например +7 (812) 123-45-67"
        } else {
            "в номере лишние знаки; нужны цифры, например +7 (812) 123-45-67"
        });
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let national = if plus && !digits.starts_with('7') {
        // Another country: we do not know how it groups its digits, so keep them as typed.
        if !(8..=15).contains(&digits.len()) {
            return Err("в международном номере бывает от 8 до 15 цифр");
        }
        None
    } else {
        match digits.len() {
            0..=9 => return Err("укажите номер с кодом города, например +7 (812) 123-45-67"),
            10 if plus => return Err("не хватает цифры: после +7 нужно 10 цифр, например +7 (812) 123-45-67"),
            10 => Some(&digits[..]),
            11 if digits.starts_with('7') || (!plus && digits.starts_with('8')) => Some(&digits[1..]),
            _ => return Err("лишние цифры: нужен один номер из 10 цифр с кодом города, например +7 (812) 123-45-67"),
        }
    };
    let mut out = match national {
        Some(n) => format!("+7 ({}) {}-{}-{}", &n[..3], &n[3..6], &n[6..8], &n[8..]),
        None => number.to_string(),
    };
    if let Some(e) = extension {
        out.push_str(" доб. ");
        out.push_str(e);
    }
    Ok(out)
}

/// The number and what follows «доб» (any case) or, failing that, the first comma.
fn split_extension(v: &str) -> (&str, Option<&str>) {
    let marker = v.char_indices().find(|(i, _)| v[*i..].chars().take(3).flat_map(char::to_lowercase).eq("доб".chars()));
    if let Some((i, _)) = marker {
        return (&v[..i], Some(&v[i + "доб".len()..]));
    }
    match v.split_once(',') {
        Some((n, e)) => (n, Some(e)),
        None => (v, None),
    }
}

impl SchoolInput {
    pub fn validate(&self) -> Result<SchoolFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let full_name = required(&self.full_name, "full_name", "Полное наименование", 500, &mut e);
        let short_name = required(&self.short_name, "short_name", "Краткое наименование", 120, &mut e);
        let kind = match SchoolKind::parse(&self.kind) {
            Some(k) => k,
            None => {
                let kind = text::clean(&self.kind);
                if kind.is_empty() {
                    e.add("kind", "Тип школы: обязательное поле");
                } else {
                    e.add("kind", format!("Тип школы: «{kind}» — неизвестный тип; допустимы: СОШ, СОШ с УИОП, гимназия, лицей, ООШ, НОШ, школа-интернат, другое"));
                }
                SchoolKind::Other
            }
        };
        let inn = if text::clean(&self.inn).is_empty() {
            None
        } else {
            match InnNumber::parse(&self.inn) {
                Ok(i) => Some(i),
                Err(msg) => {
                    e.add("inn", format!("ИНН «{}»: {msg}", text::clean(&self.inn)));
                    None
                }
            }
        };
        let fields = SchoolFields {
            full_name,
            short_name,
            kind,
            address: optional(&self.address, "address", "Адрес", 500, &mut e),
            director: optional(&self.director, "director", "Директор", 200, &mut e),
            phone: phone(&self.phone, "phone", &mut e),
            email: email(&self.email, "email", &mut e),
            inn,
        };
        e.into_result(fields)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    None,
    Conformity,
    First,
    Highest,
    Methodist,
    Mentor,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::None,
        Category::Conformity,
        Category::First,
        Category::Highest,
        Category::Methodist,
        Category::Mentor,
    ];

    /// (code, title) of each category, in the order of [`Category::ALL`].
    pub const CHOICES: &'static [(&'static str, &'static str)] = &[
        ("none", "без категории"),
        ("conformity", "соответствие занимаемой должности"),
        ("first", "первая"),
        ("highest", "высшая"),
        ("methodist", "педагог-методист"),
        ("mentor", "педагог-наставник"),
    ];

    pub fn code(self) -> &'static str {
        Self::CHOICES[self as usize].0
    }

    pub fn title_ru(self) -> &'static str {
        Self::CHOICES[self as usize].1
    }

    pub fn parse(s: &str) -> Option<Category> {
        let n = crate::text::normalize(s);
        if n.is_empty() {
            return Some(Category::None);
        }
        Category::ALL.into_iter().find(|c| c.code() == n || c.title_ru() == n).or(match n.as_str() {
            "соответствие" | "сзд" => Some(Category::Conformity),
            "первая категория" | "1" => Some(Category::First),
            "высшая категория" => Some(Category::Highest),
            "нет" => Some(Category::None),
            _ => None,
        })
    }

    /// A category is awarded for five years (приказ Минпросвещения №196 of 24.03.2023).
    pub fn valid_years(self) -> Option<u32> {
        match self {
            Category::None | Category::Conformity => None,
            _ => Some(5),
        }
    }
}

crate::record! {
    /// A librarian's data-bank record as typed or imported.
    #[derive(Debug, Clone, Default, Deserialize, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(default)]
    pub struct LibrarianInput {
        full_name: "ФИО", Kind::Text, required;
        position: "Должность", Kind::Text;
        education: "Образование", Kind::Text;
        experience_years: "Стаж, лет", Kind::Count;
        category: "Квалификационная категория", Kind::Choice(Category::CHOICES);
        attestation_date: "Дата аттестации", Kind::Date;
        next_attestation_date: "Дата следующей аттестации", Kind::Date;
        self_education_theme: "Тема самообразования", Kind::Text;
        portfolio: "Портфолио (ссылки на материалы, через пробел)", Kind::Text;
        email: "Электронная почта", Kind::Email;
        phone: "Телефон", Kind::Phone;
        consent_processing_date: "Согласие на обработку ПДн", Kind::Date;
        consent_publication_date: "Согласие на публикацию", Kind::Date;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LibrarianFields {
    pub full_name: String,
    pub position: String,
    pub education: String,
    pub experience_years: Option<i64>,
    pub category: Category,
    pub attestation_date: Option<NaiveDate>,
    pub next_attestation_date: Option<NaiveDate>,
    pub self_education_theme: String,
    /// Links to the librarian's materials, certificates and webinars.
    pub portfolio: String,
    pub email: String,
    pub phone: String,
    pub consent_processing_date: Option<NaiveDate>,
    pub consent_publication_date: Option<NaiveDate>,
}

/// Portfolio links: web addresses separated by spaces, at most 2 000 characters in all.
fn portfolio(value: &str, errors: &mut FieldErrors) -> String {
    let v = optional(value, "portfolio", "Портфолио", 2000, errors);
    if let Some(bad) = v.split_whitespace().find(|w| !(w.starts_with("https://") || w.starts_with("http://"))) {
        errors.add("portfolio", format!("Портфолио: «{bad}» — нужны ссылки, начинающиеся с https://, через пробел"));
    }
    v
}

fn count(value: &str, field: &str, label: &str, max: i64, errors: &mut FieldErrors) -> Option<i64> {
    let v = text::clean(value);
    if v.is_empty() {
        return None;
    }
    // Russians and spreadsheets write thousands with a space: plain, no-break (U+00A0) or narrow
    // no-break (U+202F); `clean` has made them all plain.
    let digits: String = v.chars().filter(|c| *c != ' ').collect();
    match digits.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            errors.add(field, format!("{label}: «{v}» — нужно целое число от 0 до {max}"));
            None
        }
    }
}

impl LibrarianInput {
    pub fn validate(&self) -> Result<LibrarianFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let full_name = required(&self.full_name, "full_name", "ФИО", 200, &mut e);
        let category = Category::parse(&self.category).unwrap_or_else(|| {
            e.add(
                "category",
                format!("Квалификационная категория: «{}» — неизвестная; допустимы: без категории, соответствие занимаемой должности, первая, высшая, педагог-методист, педагог-наставник", text::clean(&self.category)),
            );
            Category::None
        });
        let attestation_date = dates::parse_past(&self.attestation_date, "attestation_date", "Дата аттестации", &mut e);
        let mut next_attestation_date = dates::parse_optional(
            &self.next_attestation_date,
            "next_attestation_date",
            "Дата следующей аттестации",
            &mut e,
        );
        if next_attestation_date.is_none() && text::clean(&self.next_attestation_date).is_empty() {
            next_attestation_date = attestation_date
                .zip(category.valid_years())
                .and_then(|(d, y)| d.checked_add_months(Months::new(12 * y)));
        }
        if let (Some(a), Some(n)) = (attestation_date, next_attestation_date) {
            if n <= a {
                e.add("next_attestation_date", "Дата следующей аттестации должна быть позже даты аттестации");
            }
        }
        let consent_processing_date = dates::parse_past(
            &self.consent_processing_date,
            "consent_processing_date",
            "Согласие на обработку персональных данных",
            &mut e,
        );
        let consent_publication_date = dates::parse_past(
            &self.consent_publication_date,
            "consent_publication_date",
            "Согласие на публикацию",
            &mut e,
        );
        let fields = LibrarianFields {
            full_name,
            position: optional(&self.position, "position", "Должность", 200, &mut e),
            education: optional(&self.education, "education", "Образование", 300, &mut e),
            experience_years: count(&self.experience_years, "experience_years", "Стаж, лет", 70, &mut e),
            category,
            attestation_date,
            next_attestation_date,
            self_education_theme: optional(
                &self.self_education_theme,
                "self_education_theme",
                "Тема самообразования",
                500,
                &mut e,
            ),
            portfolio: portfolio(&self.portfolio, &mut e),
            email: email(&self.email, "email", &mut e),
            phone: phone(&self.phone, "phone", &mut e),
            consent_processing_date,
            consent_publication_date,
        };
        e.into_result(fields)
    }
}

crate::record! {
    #[derive(Debug, Clone, Default, Deserialize, Serialize)]
    #[serde(default)]
    pub struct CourseInput {
        title: "Название курсов", Kind::Text, required;
        provider: "Организация", Kind::Text;
        hours: "Часов", Kind::Count, required;
        start_date: "Начало", Kind::Date;
        end_date: "Окончание", Kind::Date, required;
        certificate: "Документ", Kind::Text;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseFields {
    pub title: String,
    pub provider: String,
    pub hours: i64,
    pub start_date: Option<NaiveDate>,
    pub end_date: NaiveDate,
    pub certificate: String,
}

impl CourseInput {
    pub fn validate(&self) -> Result<CourseFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = required(&self.title, "title", "Название курсов", 500, &mut e);
        let provider = optional(&self.provider, "provider", "Организация", 300, &mut e);
        let raw_hours = text::clean(&self.hours);
        let hours = match raw_hours.replace(' ', "").parse::<i64>() {
            Ok(h) if (1..=2000).contains(&h) => h,
            _ => {
                // «Часов» is the label of the form field, so the person finds what to fix.
                e.add("hours", format!("Часов: «{raw_hours}» — нужно число часов от 1 до 2000"));
                0
            }
        };
        let start_date = dates::parse_optional(&self.start_date, "start_date", "Начало", &mut e);
        let end_date = dates::parse_optional(&self.end_date, "end_date", "Окончание", &mut e);
        if text::clean(&self.end_date).is_empty() {
            e.add("end_date", "Окончание: обязательное поле");
        }
        if let (Some(s), Some(f)) = (start_date, end_date) {
            if f < s {
                e.add("end_date", "Окончание курсов раньше их начала");
            }
        }
        let certificate = optional(&self.certificate, "certificate", "Документ", 200, &mut e);
        let end_date = end_date.unwrap_or_default();
        e.into_result(CourseFields { title, provider, hours, start_date, end_date, certificate })
    }
}

/// Whether a course counts in a librarian's total of hours today: only once it has ended.
/// Courses are entered in advance (a booking for the spring), and hours not yet studied must not
/// show up in a total that goes into reports and attestation papers.
pub fn counts_now(end_date: NaiveDate, today: NaiveDate) -> bool {
    end_date <= today
}

crate::record! {
    /// The library passport (паспорт библиотеки) of one school for one school year.
    #[derive(Debug, Clone, Default, Deserialize, Serialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(default)]
    pub struct PassportInput {
        rooms: "Помещений библиотеки", Kind::Count;
        area_m2: "Площадь, м²", Kind::Decimal;
        reading_seats: "Посадочных мест в читальном зале", Kind::Count;
        computers: "Компьютеров для читателей и библиотекаря", Kind::Count;
        fund_main: "Основной фонд, экз.", Kind::Count;
        fund_textbooks: "Фонд учебников, экз.", Kind::Count;
        fund_fiction: "Художественная литература, экз.", Kind::Count;
        fund_periodicals: "Периодических изданий, названий", Kind::Count;
        readers: "Читателей", Kind::Count;
        visits: "Посещений за год", Kind::Count;
        loans: "Книговыдача за год, экз.", Kind::Count;
        staff: "Сотрудников библиотеки", Kind::Count;
        internet: "Доступ в интернет", Kind::Flag;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassportFields {
    pub rooms: Option<i64>,
    pub area_m2: Option<f64>,
    pub reading_seats: Option<i64>,
    pub computers: Option<i64>,
    pub internet: bool,
    pub fund_main: Option<i64>,
    pub fund_textbooks: Option<i64>,
    pub fund_fiction: Option<i64>,
    pub fund_periodicals: Option<i64>,
    pub readers: Option<i64>,
    pub visits: Option<i64>,
    pub loans: Option<i64>,
    pub staff: Option<i64>,
}

impl SchoolFields {
    /// The card as a form shows it, to edit or to merge an imported row into.
    pub fn input(&self) -> SchoolInput {
        SchoolInput {
            short_name: self.short_name.clone(),
            full_name: self.full_name.clone(),
            kind: self.kind.code().into(),
            address: self.address.clone(),
            director: self.director.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            inn: self.inn.as_ref().map(|i| i.as_str().to_string()).unwrap_or_default(),
        }
    }
}

impl LibrarianFields {
    /// The record as a form shows it (dates as ГГГГ-ММ-ДД), to edit or to merge an imported row into.
    pub fn input(&self) -> LibrarianInput {
        let iso = |d: &Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        LibrarianInput {
            full_name: self.full_name.clone(),
            position: self.position.clone(),
            education: self.education.clone(),
            experience_years: self.experience_years.map(|n| n.to_string()).unwrap_or_default(),
            category: self.category.code().into(),
            attestation_date: iso(&self.attestation_date),
            next_attestation_date: iso(&self.next_attestation_date),
            self_education_theme: self.self_education_theme.clone(),
            portfolio: self.portfolio.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            consent_processing_date: iso(&self.consent_processing_date),
            consent_publication_date: iso(&self.consent_publication_date),
        }
    }
}

impl PassportFields {
    /// The passport as a form holds it (plain digits, a decimal comma).
    pub fn input(&self) -> PassportInput {
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        PassportInput {
            rooms: n(self.rooms),
            area_m2: self.area_m2.map(|a| a.to_string().replace('.', ",")).unwrap_or_default(),
            reading_seats: n(self.reading_seats),
            computers: n(self.computers),
            internet: if self.internet { "on".into() } else { String::new() },
            fund_main: n(self.fund_main),
            fund_textbooks: n(self.fund_textbooks),
            fund_fiction: n(self.fund_fiction),
            fund_periodicals: n(self.fund_periodicals),
            readers: n(self.readers),
            visits: n(self.visits),
            loans: n(self.loans),
            staff: n(self.staff),
        }
    }
}

impl PassportInput {
    pub fn validate(&self) -> Result<PassportFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let area_m2 = {
            let v = text::clean(&self.area_m2).replace(' ', "").replace(',', ".");
            if v.is_empty() {
                None
            } else {
                match v.parse::<f64>() {
                    Ok(a) if (0.0..=100_000.0).contains(&a) => Some((a * 10.0).round() / 10.0),
                    _ => {
                        e.add(
                            "area_m2",
                            format!(
                                "Площадь: «{}» — нужно число квадратных метров, например 64,5",
                                text::clean(&self.area_m2)
                            ),
                        );
                        None
                    }
                }
            }
        };
        let big = 10_000_000;
        let f = PassportFields {
            rooms: count(&self.rooms, "rooms", "Помещений", 100, &mut e),
            area_m2,
            reading_seats: count(&self.reading_seats, "reading_seats", "Посадочных мест", 10_000, &mut e),
            computers: count(&self.computers, "computers", "Компьютеров", 10_000, &mut e),
            internet: matches!(text::clean(&self.internet).as_str(), "on" | "true" | "1" | "да" | "Да"),
            fund_main: count(&self.fund_main, "fund_main", "Основной фонд", big, &mut e),
            fund_textbooks: count(&self.fund_textbooks, "fund_textbooks", "Фонд учебников", big, &mut e),
            fund_fiction: count(&self.fund_fiction, "fund_fiction", "Художественная литература", big, &mut e),
            fund_periodicals: count(&self.fund_periodicals, "fund_periodicals", "Периодические издания", big, &mut e),
            readers: count(&self.readers, "readers", "Читателей", 1_000_000, &mut e),
            visits: count(&self.visits, "visits", "Посещений", big, &mut e),
            loans: count(&self.loans, "loans", "Книговыдача", big, &mut e),
            staff: count(&self.staff, "staff", "Сотрудников", 100, &mut e),
        };
        if let (Some(main), Some(fiction)) = (f.fund_main, f.fund_fiction) {
            if fiction > main {
                e.add("fund_fiction", "Художественной литературы не может быть больше, чем всего в основном фонде");
            }
        }
        let nothing = [f.rooms, f.reading_seats, f.computers, f.fund_main, f.fund_textbooks, f.fund_fiction]
            .into_iter()
            .chain([f.fund_periodicals, f.readers, f.visits, f.loans, f.staff])
            .all(|v| v.is_none());
        if nothing && f.area_m2.is_none() && e.is_empty() {
            e.add("rooms", "Паспорт пустой: заполните хотя бы одно поле");
        }
        e.into_result(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school() -> SchoolInput {
        SchoolInput {
            full_name: "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 1»".into(),
            short_name: "МБОУ СОШ № 1".into(),
            kind: "СОШ".into(),
            inn: "7707083893".into(),
            email: "school1@example.ru".into(),
            phone: "+7 (812) 123-45-67".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_school_passes() {
        let f = school().validate().unwrap();
        assert_eq!(f.kind, SchoolKind::Sosh);
        assert_eq!(f.inn.unwrap().as_str(), "7707083893");
    }

    #[test]
    fn inn_regains_the_zero_a_spreadsheet_dropped() {
        let inn = crate::directory::InnNumber::parse("274062111").unwrap();
        assert_eq!(inn.as_str(), "0274062111");
    }

    #[test]
    fn inn_checksum_is_checked() {
        let mut s = school();
        s.inn = "7707083894".into();
        let e = s.validate().unwrap_err();
        assert!(e.get("inn").unwrap().contains("контрольная цифра"));
    }

    #[test]
    fn every_bad_field_is_reported_in_russian() {
        let s = SchoolInput {
            kind: "университет".into(),
            email: "нет почты".into(),
            phone: "звоните".into(),
            ..Default::default()
        };
        let e = s.validate().unwrap_err();
        for f in ["full_name", "short_name", "kind", "email", "phone"] {
            assert!(e.get(f).is_some(), "no message for {f}: {e:?}");
        }
        assert!(e.get("kind").unwrap().contains("университет"));
    }

    #[test]
    fn next_attestation_defaults_to_five_years_for_a_category() {
        let l = LibrarianInput {
            full_name: "Иванова Мария Петровна".into(),
            category: "высшая".into(),
            attestation_date: "15.03.2023".into(),
            ..Default::default()
        };
        let f = l.validate().unwrap();
        assert_eq!(f.next_attestation_date, NaiveDate::from_ymd_opt(2028, 3, 15));
    }

    #[test]
    fn bad_dates_and_categories_are_named() {
        let l = LibrarianInput {
            full_name: "Иванова Мария Петровна".into(),
            category: "золотая".into(),
            attestation_date: "32.13.2023".into(),
            ..Default::default()
        };
        let e = l.validate().unwrap_err();
        assert!(e.get("category").unwrap().contains("золотая"));
        assert!(e.get("attestation_date").unwrap().contains("«32.13.2023» — такой даты нет в календаре"));
    }

    #[test]
    fn course_end_must_follow_start() {
        let c = CourseInput {
            title: "Современная школьная библиотека".into(),
            hours: "72".into(),
            start_date: "10.10.2025".into(),
            end_date: "01.10.2025".into(),
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().get("end_date").is_some());
    }

    #[test]
    fn passport_accepts_comma_decimals_and_rejects_negatives() {
        let p = PassportInput { area_m2: "64,5".into(), readers: "-3".into(), ..Default::default() };
        let e = p.validate().unwrap_err();
        assert!(e.get("readers").is_some());
        let p = PassportInput { area_m2: "64,5".into(), internet: "on".into(), ..Default::default() };
        let f = p.validate().unwrap();
        assert_eq!(f.area_m2, Some(64.5));
        assert!(f.internet);
    }

    #[test]
    fn course_hours_error_names_the_form_field() {
        let c = CourseInput {
            title: "Курсы".into(),
            hours: "сто".into(),
            end_date: "01.10.2025".into(),
            ..Default::default()
        };
        let e = c.validate().unwrap_err();
        assert_eq!(e.get("hours"), Some("Часов: «сто» — нужно число часов от 1 до 2000"));
        let c = CourseInput { hours: "0".into(), ..c };
        assert!(c.validate().unwrap_err().get("hours").unwrap().starts_with("Часов: «0»"));
        let c = CourseInput { hours: "\u{200B}72\u{A0}".into(), ..c };
        assert_eq!(c.validate().unwrap().hours, 72);
    }

    #[test]
    fn a_course_counts_once_it_has_ended() {
        let d = |day| NaiveDate::from_ymd_opt(2025, 10, day).unwrap();
        assert!(counts_now(d(1), d(2)));
        assert!(counts_now(d(2), d(2)), "the last day of a course counts");
        assert!(!counts_now(d(3), d(2)));
    }

    #[test]
    fn lookalike_school_names_are_stored_alike() {
        let names =
            ["МБОУ \u{200B}СОШ № 1", "МБОУ СОШ\u{A0}№ 1", "\u{FEFF}МБОУ СОШ № 1", "МБОУ СОШ № 1", "МБОУ\tСОШ № 1\0"];
        for n in names {
            let s = SchoolInput { short_name: n.into(), ..school() };
            assert_eq!(s.validate().unwrap().short_name, "МБОУ СОШ № 1", "{n:?}");
        }
    }

    #[test]
    fn no_nul_reaches_storage() {
        let s = SchoolInput {
            full_name: "Школа\0 № 1".into(),
            address: "ул.\0 Ленина".into(),
            director: "\0".into(),
            email: "school1@example.ru\0".into(),
            inn: "7707083893\0".into(),
            ..school()
        };
        let f = s.validate().unwrap();
        let all = format!("{}{}{}{}{}", f.full_name, f.address, f.director, f.email, f.inn.unwrap().as_str());
        assert!(!all.contains('\0'), "{all:?}");
        assert_eq!(f.director, "");
    }

    #[test]
    fn counts_read_spreadsheet_thousands() {
        let p = PassportInput {
            fund_main: "6\u{202F}900".into(),
            fund_fiction: "\u{FEFF}1 200".into(),
            readers: "1\u{A0}000\u{200B}".into(),
            ..Default::default()
        };
        let f = p.validate().unwrap();
        assert_eq!((f.fund_main, f.fund_fiction, f.readers), (Some(6900), Some(1200), Some(1000)));
    }

    #[test]
    fn phones_are_stored_in_one_form() {
        for (typed, stored) in [
            ("+7 (812) 123-45-67", "+7 (812) 123-45-67"),
            ("8 812 123 45 67", "+7 (812) 123-45-67"),
            ("+7(812)1234567", "+7 (812) 123-45-67"),
            ("88121234567", "+7 (812) 123-45-67"),
            ("78121234567", "+7 (812) 123-45-67"),
            ("8-911-123-45-67", "+7 (911) 123-45-67"),
            ("9111234567", "+7 (911) 123-45-67"),
            ("(81378) 2-15-34", "+7 (813) 782-15-34"),
            ("8 (81378) 2–15–34", "+7 (813) 782-15-34"),
            ("\u{FEFF}8\u{A0}812\u{A0}123\u{2011}45\u{2011}67", "+7 (812) 123-45-67"),
            ("8 812 123-45-67 доб. 123", "+7 (812) 123-45-67 доб. 123"),
            ("8 812 123-45-67 доб 123", "+7 (812) 123-45-67 доб. 123"),
            ("8 812 123-45-67, доб.123", "+7 (812) 123-45-67 доб. 123"),
            ("8 812 123-45-67 Доб. 45", "+7 (812) 123-45-67 доб. 45"),
            ("8 812 123-45-67, 123", "+7 (812) 123-45-67 доб. 123"),
            ("+375 29 123-45-67", "+375 29 123-45-67"),
            ("", ""),
            (" \u{200B} ", ""),
        ] {
            assert_eq!(normalize_phone(typed).as_deref(), Ok(stored), "{typed:?}");
        }
    }

    #[test]
    fn short_or_wordy_phones_are_refused_in_russian() {
        let e = |p: &str| {
            let s = SchoolInput { phone: p.into(), ..school() };
            s.validate().unwrap_err().get("phone").unwrap().to_string()
        };
        assert_eq!(e("2-15-34"), "Телефон: «2-15-34» — укажите номер с кодом города, например +7 (812) 123-45-67");
        assert!(e("звоните в приёмную").contains("нужен номер из цифр"));
        assert!(e("8 812 123-45-67 вн. 12").contains("нужен номер из цифр"));
        assert!(e("8 812 123-45-67 доб. секретаря").contains("доб. 123"));
        assert!(e("8 812 123-45-67, 8 911 123-45-67").contains("укажите один номер"));
        assert!(e("8 812 123-45-67 8 911").contains("лишние цифры"));
        assert!(e("+7 812 123-45-6").contains("не хватает цифры"));
        assert!(e("8 812 123-45-67, приёмная").contains("цифрами"));
        assert!(e("98121234567").contains("лишние цифры"));
        assert!(e("8 812 123#45#67").contains("лишние знаки"));
        assert!(e("+8 12").contains("международном"));
        // The message shows the value cleaned, never a control character.
        assert!(!e("2-15\0-34").contains('\0'));
    }
}
