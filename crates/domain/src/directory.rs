//! The directory: what a valid school card, librarian record, course and library passport are.
//! Raw input (a form or an imported row) is validated once into typed fields, with Russian messages.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{dates, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

    pub fn code(self) -> &'static str {
        match self {
            SchoolKind::Sosh => "sosh",
            SchoolKind::SoshUiop => "sosh_uiop",
            SchoolKind::Gymnasium => "gymnasium",
            SchoolKind::Lyceum => "lyceum",
            SchoolKind::Oosh => "oosh",
            SchoolKind::Nosh => "nosh",
            SchoolKind::Boarding => "boarding",
            SchoolKind::Other => "other",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            SchoolKind::Sosh => "Средняя общеобразовательная школа",
            SchoolKind::SoshUiop => "СОШ с углублённым изучением предметов",
            SchoolKind::Gymnasium => "Гимназия",
            SchoolKind::Lyceum => "Лицей",
            SchoolKind::Oosh => "Основная общеобразовательная школа",
            SchoolKind::Nosh => "Начальная общеобразовательная школа",
            SchoolKind::Boarding => "Школа-интернат",
            SchoolKind::Other => "Другое",
        }
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
#[serde(transparent)]
pub struct InnNumber(String);

impl InnNumber {
    pub fn parse(s: &str) -> Result<InnNumber, &'static str> {
        let s = s.trim();
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
}

/// A school card as typed by a person or read from a spreadsheet row.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SchoolInput {
    pub full_name: String,
    pub short_name: String,
    pub kind: String,
    pub address: String,
    pub director: String,
    pub phone: String,
    pub email: String,
    pub inn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

fn required(value: &str, field: &str, label: &str, max: usize, errors: &mut FieldErrors) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("{label}: обязательное поле"));
    } else if v.chars().count() > max {
        errors.add(field, format!("{label}: не длиннее {max} символов"));
    }
    v.to_string()
}

fn optional(value: &str, field: &str, label: &str, max: usize, errors: &mut FieldErrors) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, format!("{label}: не длиннее {max} символов"));
    }
    v.to_string()
}

fn email(value: &str, field: &str, errors: &mut FieldErrors) -> String {
    let v = value.trim();
    let has_domain = v.rsplit_once('@').is_some_and(|(_, d)| d.contains('.') && !d.ends_with('.'));
    if !v.is_empty() && (!email_address::EmailAddress::is_valid(v) || !has_domain) {
        errors.add(field, format!("Электронная почта: «{v}» — не адрес электронной почты"));
    }
    v.to_string()
}

fn phone(value: &str, field: &str, errors: &mut FieldErrors) -> String {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-()доб.,".contains(c));
    if !v.is_empty() && (!allowed || !(5..=20).contains(&digits)) {
        errors.add(field, format!("Телефон: «{v}» — нужен номер из цифр, например +7 (812) 123-45-67"));
    }
    v.to_string()
}

impl SchoolInput {
    pub fn validate(&self) -> Result<SchoolFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let full_name = required(&self.full_name, "full_name", "Полное наименование", 500, &mut e);
        let short_name = required(&self.short_name, "short_name", "Краткое наименование", 120, &mut e);
        let kind = match SchoolKind::parse(&self.kind) {
            Some(k) => k,
            None => {
                if self.kind.trim().is_empty() {
                    e.add("kind", "Тип школы: обязательное поле");
                } else {
                    e.add("kind", format!("Тип школы: «{}» — неизвестный тип; допустимы: СОШ, СОШ с УИОП, гимназия, лицей, ООШ, НОШ, школа-интернат, другое", self.kind.trim()));
                }
                SchoolKind::Other
            }
        };
        let inn = if self.inn.trim().is_empty() {
            None
        } else {
            match InnNumber::parse(&self.inn) {
                Ok(i) => Some(i),
                Err(msg) => {
                    e.add("inn", format!("ИНН «{}»: {msg}", self.inn.trim()));
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

    pub fn code(self) -> &'static str {
        match self {
            Category::None => "none",
            Category::Conformity => "conformity",
            Category::First => "first",
            Category::Highest => "highest",
            Category::Methodist => "methodist",
            Category::Mentor => "mentor",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            Category::None => "без категории",
            Category::Conformity => "соответствие занимаемой должности",
            Category::First => "первая",
            Category::Highest => "высшая",
            Category::Methodist => "педагог-методист",
            Category::Mentor => "педагог-наставник",
        }
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

/// A librarian's data-bank record as typed or imported.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LibrarianInput {
    pub full_name: String,
    pub position: String,
    pub education: String,
    pub experience_years: String,
    pub category: String,
    pub attestation_date: String,
    pub next_attestation_date: String,
    pub self_education_theme: String,
    pub email: String,
    pub phone: String,
    pub consent_processing_date: String,
    pub consent_publication_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibrarianFields {
    pub full_name: String,
    pub position: String,
    pub education: String,
    pub experience_years: Option<i64>,
    pub category: Category,
    pub attestation_date: Option<NaiveDate>,
    pub next_attestation_date: Option<NaiveDate>,
    pub self_education_theme: String,
    pub email: String,
    pub phone: String,
    pub consent_processing_date: Option<NaiveDate>,
    pub consent_publication_date: Option<NaiveDate>,
}

fn count(value: &str, field: &str, label: &str, max: i64, errors: &mut FieldErrors) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    // «6 900» and «6 900» (with a no-break space) are how Russians write thousands.
    let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
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
                format!("Квалификационная категория: «{}» — неизвестная; допустимы: без категории, соответствие занимаемой должности, первая, высшая, педагог-методист, педагог-наставник", self.category.trim()),
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
        if next_attestation_date.is_none() && self.next_attestation_date.trim().is_empty() {
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
            email: email(&self.email, "email", &mut e),
            phone: phone(&self.phone, "phone", &mut e),
            consent_processing_date,
            consent_publication_date,
        };
        e.into_result(fields)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CourseInput {
    pub title: String,
    pub provider: String,
    pub hours: String,
    pub start_date: String,
    pub end_date: String,
    pub certificate: String,
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
        let hours = match self.hours.trim().parse::<i64>() {
            Ok(h) if (1..=2000).contains(&h) => h,
            _ => {
                e.add("hours", format!("Объём: «{}» — нужно число часов от 1 до 2000", self.hours.trim()));
                0
            }
        };
        let start_date = dates::parse_optional(&self.start_date, "start_date", "Начало", &mut e);
        let end_date = dates::parse_optional(&self.end_date, "end_date", "Окончание", &mut e);
        if self.end_date.trim().is_empty() {
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

/// The library passport (паспорт библиотеки) of one school for one school year.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PassportInput {
    pub rooms: String,
    pub area_m2: String,
    pub reading_seats: String,
    pub computers: String,
    pub internet: String,
    pub fund_main: String,
    pub fund_textbooks: String,
    pub fund_fiction: String,
    pub fund_periodicals: String,
    pub readers: String,
    pub visits: String,
    pub loans: String,
    pub staff: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

impl PassportInput {
    pub fn validate(&self) -> Result<PassportFields, FieldErrors> {
        let mut e = FieldErrors::default();
        let area_m2 = {
            let v = self.area_m2.trim().replace(',', ".");
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
                                self.area_m2.trim()
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
            internet: matches!(self.internet.trim(), "on" | "true" | "1" | "да" | "Да"),
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
}
