//! The regional monitoring forms 1, 3 and 4 (formats.md) and the КСУ of the textbook fund
//! (приказ Минкультуры №1077), built from the documents, never typed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::fund as rules;
use domain::SchoolYear;
use formats::sheets::{Sheet, Value};
use store::fund::{self, Receipt, WrittenOff};
use store::{Db, Reach};

use super::reports::Facts;
use crate::Result;

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn blank(n: usize) -> Vec<Value> {
    vec![text(""); n]
}

/// Form 3 reasons of extra need, as the form lists them.
fn reason_of(this: i64, next: i64, lost: bool, worn: bool) -> &'static str {
    if next > this {
        "увеличение контингента"
    } else if lost {
        "утрата"
    } else if worn {
        "дефектность"
    } else {
        "иное"
    }
}

/// Forms 1, 3 and 4 for every school in reach, one sheet each, rows by school, subject and grade.
pub async fn monitoring_forms(db: &Db, reach: &Reach, year: SchoolYear, today: NaiveDate) -> Result<Vec<u8>> {
    let f = Facts::read(db, reach, None, year, false).await?;
    let next_start = rules::start_of(year.next());
    let past = year.prev();
    let (gone, entered) = {
        let mut c = db.conn().await?;
        let gone = fund::written_off(&mut c.ex(), reach, None, rules::start_of(past), rules::end_of(past)).await?;
        // Pupils already entered for next year (grade 1 is known only from the enrolment).
        let entered = fund::pupils_by_grade(&mut c.ex(), reach, None, year.next().start_year()).await?;
        (gone, entered)
    };
    let mut form1 = Vec::new();
    let mut form3 = Vec::new();
    let (mut t1, mut t3) = ([0i64; 3], [0i64; 4]);
    for (school, name, inn) in &f.schools {
        let id = vec![text(inn.clone().unwrap_or_default()), text(name.clone())];
        let this = f.pupils_of(*school);
        let next_entered: BTreeMap<u8, i64> =
            entered.iter().filter(|(s, _, _)| s == school).map(|(_, g, n)| (*g as u8, *n)).collect();
        let next = rules::projected(&this, &next_entered);
        let now_rows = f.rows(*school, &this, today);
        // Every copy on the shelves, given out to the grades as provision gives them (a 10–11 book
        // counted once, not in both grades).
        let on_shelves: std::collections::HashMap<i64, i64> =
            f.held.iter().filter(|((s, _), _)| s == school).map(|((_, i), n)| (*i, *n)).collect();
        let held_rows = rules::provision(&f.choices(*school), &this, &on_shelves);
        let next_rows = rules::provision(&f.choices(*school), &next, &f.usable(*school, next_start));
        for ((now, nx), shelf) in now_rows.iter().zip(next_rows.iter()).zip(held_rows.iter()) {
            let lost = gone
                .iter()
                .any(|w| w.school_id == *school && w.reason == "lost" && now.lines.iter().any(|l| l.item == w.item_id));
            let worn = gone
                .iter()
                .any(|w| w.school_id == *school && w.reason == "worn" && now.lines.iter().any(|l| l.item == w.item_id));
            let extra = nx.figures.deficit();
            let mut row = id.clone();
            row.extend([
                text(now.subject.clone()),
                text(rules::grade_name(now.grade)),
                Value::Int(now.figures.need),
                Value::Int(nx.figures.need),
                Value::Int(now.figures.have),
                Value::Int(extra),
                text(if extra > 0 { reason_of(now.figures.need, nx.figures.need, lost, worn) } else { "" }),
            ]);
            for (t, v) in t3.iter_mut().zip([now.figures.need, nx.figures.need, now.figures.have, extra]) {
                *t += v;
            }
            form3.push(row);
            // Form 1: lines whose copies stop being usable by next 1 September.
            let ending: Vec<&rules::LineFigures> =
                nx.lines.iter().filter(|l| !rules::usable_on(f.limit(l.item), next_start)).collect();
            if !ending.is_empty() {
                let pupils: i64 = ending.iter().map(|l| l.need).sum();
                let held: i64 = ending
                    .iter()
                    .map(|l| shelf.lines.iter().filter(|x| x.item == l.item).map(|x| x.have).sum::<i64>())
                    .sum();
                let mut row = id.clone();
                row.extend([
                    text(now.subject.clone()),
                    text(rules::grade_name(now.grade)),
                    Value::Int(pupils),
                    Value::Int(held),
                    Value::Int(pupils),
                ]);
                for (t, v) in t1.iter_mut().zip([pupils, held, pupils]) {
                    *t += v;
                }
                form1.push(row);
            }
        }
    }
    // Form 4: write-offs of the past school year by years of use and reason.
    let mut by: BTreeMap<(i64, String, i64, &str), (i64, i64)> = BTreeMap::new();
    let names: BTreeMap<i64, (String, String)> =
        f.schools.iter().map(|(id, n, inn)| (*id, (inn.clone().unwrap_or_default(), n.clone()))).collect();
    for w in &gone {
        let years = (w.act_date.year() as i64 - w.year).max(0);
        let reason = match w.reason.as_str() {
            "lost" => "утрата",
            "worn" => "дефектность",
            "expired" => "истечение предельного срока использования",
            _ => "иное",
        };
        let school = names.get(&w.school_id).map(|n| n.1.clone()).unwrap_or_default();
        let e = by.entry((w.school_id, school, years, reason)).or_default();
        e.0 += w.copies;
        e.1 += w.copies * w.price;
    }
    let mut form4 = Vec::new();
    let (mut c4, mut s4) = (0i64, 0i64);
    for ((school, _, years, reason), (copies, kop)) in by {
        let (inn, name) = names.get(&school).cloned().unwrap_or_default();
        form4.push(vec![
            text(inn),
            text(name),
            Value::Int(years),
            Value::Int(copies),
            text(reason),
            Value::Num(kop as f64 / 100_000.0, 3),
        ]);
        c4 += copies;
        s4 += kop;
    }
    let ids = ["ИНН".to_string(), "Наименование ОО".to_string()];
    let headers = |h: &[&str]| ids.iter().cloned().chain(h.iter().map(|s| s.to_string())).collect::<Vec<_>>();
    let with = |mut pre: Vec<Value>, xs: &[i64]| {
        pre.extend(xs.iter().map(|x| Value::Int(*x)));
        pre
    };
    let mut t3row = with(blank(4), &t3);
    t3row.push(text(""));
    let sheets = vec![
        Sheet {
            name: "Форма 1".into(),
            title: format!("Форма 1. Учебники, подлежащие закупке в связи с окончанием предельного срока использования, на {}", year.next()),
            description: "1 комплект = 1 шт. Предельный срок использования — по действующему федеральному перечню учебников.".into(),
            headers: headers(&["Предмет", "Класс", "Прогнозное количество обучающихся в следующем учебном году, чел.", "Учебники в наличии, шт.", "Дополнительная потребность, шт."]),
            hidden: 2,
            rows: form1,
            totals: with(blank(4), &t1),
        },
        Sheet {
            name: "Форма 3".into(),
            title: format!("Форма 3. Обеспеченность учебниками и дополнительная потребность на 1 сентября {}", year.next().start_year()),
            description: format!("1 комплект = 1 шт. Обучающиеся в {year} и прогноз на {}; в наличии — пригодные к использованию экземпляры выбранных учебников.", year.next()),
            headers: headers(&["Учебный предмет (курс)", "Класс", "Обучающихся в этом году", "Прогноз на следующий", "Учебники в наличии, шт.", "Дополнительная потребность, шт.", "Причина"]),
            hidden: 2,
            rows: form3,
            totals: t3row,
        },
        Sheet {
            name: "Форма 4".into(),
            title: format!("Форма 4. Списание учебников за {past} учебный год"),
            description: "1 комплект = 1 шт. Лет использования — от года поступления до года списания.".into(),
            headers: headers(&["Лет использования", "Списанных комплектов", "Причина списания", "Сумма, тыс. руб."]),
            hidden: 2,
            rows: form4,
            totals: {
                let mut t = blank(3);
                t.push(Value::Int(c4));
                t.push(text(""));
                t.push(Value::Num(s4 as f64 / 100_000.0, 3));
                t
            },
        },
    ];
    formats::sheets::write(&sheets).map_err(|e| store::Error::Config(format!("XLSX: {e}")))
}

/// The КСУ of a school's textbook fund for a school year.
#[derive(Debug, Clone)]
pub struct Ksu {
    pub school: String,
    pub year: SchoolYear,
    pub receipts: Vec<Receipt>,
    pub disposals: Vec<Disposal>,
    /// (copies, kopecks) at the start, received, disposed, at the end.
    pub start: (i64, i64),
    pub received: (i64, i64),
    pub disposed: (i64, i64),
    pub end: (i64, i64),
}

/// One write-off act as КСУ part 2 lists it.
#[derive(Debug, Clone)]
pub struct Disposal {
    pub act_number: String,
    pub act_date: NaiveDate,
    pub reason: String,
    pub copies: i64,
    pub sum: i64,
}

pub async fn ksu(db: &Db, reach: &Reach, school: i64, year: SchoolYear) -> Result<Ksu> {
    let (from, to) = (rules::start_of(year), rules::end_of(year));
    let mut c = db.conn().await?;
    let s = store::directory::get_school(&mut c.ex(), reach, school).await?;
    // Opening stock entered at the first start was there before: it is part of the balance at the
    // start (store::fund::balance_on), not a receipt of the year.
    let receipts: Vec<Receipt> = fund::receipts(&mut c.ex(), reach, school, from, to)
        .await?
        .into_iter()
        .filter(|r| r.source != "opening")
        .collect();
    let lines: Vec<WrittenOff> = fund::written_off(&mut c.ex(), reach, Some(school), from, to).await?;
    let mut disposals: Vec<Disposal> = Vec::new();
    for l in lines {
        match disposals.last_mut() {
            Some(d) if d.act_number == l.act_number && d.act_date == l.act_date => {
                d.copies += l.copies;
                d.sum += l.copies * l.price;
            }
            _ => disposals.push(Disposal {
                act_number: l.act_number,
                act_date: l.act_date,
                reason: rules::title_of(rules::REASONS, &l.reason).to_string(),
                copies: l.copies,
                sum: l.copies * l.price,
            }),
        }
    }
    let start = fund::balance_on(&mut c.ex(), reach, school, from.pred_opt().unwrap_or(from)).await?;
    let end = fund::balance_on(&mut c.ex(), reach, school, to).await?;
    let received = (receipts.iter().map(|r| r.copies).sum(), receipts.iter().map(|r| r.total).sum());
    let disposed = (disposals.iter().map(|d| d.copies).sum(), disposals.iter().map(|d| d.sum).sum());
    Ok(Ksu { school: s.short_name.clone(), year, receipts, disposals, start, received, disposed, end })
}

impl Ksu {
    fn part1(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let rows = self
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    (i + 1).to_string(),
                    domain::dates::format(r.doc_date),
                    rules::title_of(rules::SOURCES, &r.source).to_string(),
                    format!("№ {} от {}", r.doc_number, domain::dates::format(r.doc_date)),
                    r.copies.to_string(),
                    rules::rubles(r.total),
                ]
            })
            .collect();
        (
            vec![
                "№ записи",
                "Дата записи",
                "Источник поступления",
                "Документ (номер и дата)",
                "Экземпляров (учебники)",
                "Сумма, руб.",
            ],
            rows,
        )
    }
    fn part2(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let rows = self
            .disposals
            .iter()
            .enumerate()
            .map(|(i, d)| {
                vec![
                    (i + 1).to_string(),
                    domain::dates::format(d.act_date),
                    format!("№ {} от {}", d.act_number, domain::dates::format(d.act_date)),
                    d.reason.clone(),
                    d.copies.to_string(),
                    rules::rubles(d.sum),
                ]
            })
            .collect();
        (vec!["№ записи", "Дата записи", "Акт (номер и дата)", "Причина выбытия", "Экземпляров", "Сумма, руб."], rows)
    }
    fn part3(&self) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let line = |what: &str, (n, k): (i64, i64)| vec![what.to_string(), n.to_string(), rules::rubles(k)];
        (
            vec!["", "Экземпляров", "Сумма, руб."],
            vec![
                line(&format!("Состояло на {}", domain::dates::format(rules::start_of(self.year))), self.start),
                line("Поступило за год", self.received),
                line("Выбыло за год", self.disposed),
                line(&format!("Состоит на {}", domain::dates::format(rules::end_of(self.year))), self.end),
            ],
        )
    }

    pub fn title(&self) -> String {
        format!("Книга суммарного учёта учебного фонда — {} — {} учебный год", self.school, self.year)
    }

    pub fn xlsx(&self) -> Result<Vec<u8>> {
        let sheet =
            |name: &str, title: String, (h, rows): (Vec<&'static str>, Vec<Vec<String>>), totals: Vec<Value>| Sheet {
                name: name.into(),
                title,
                description: format!("{}. 1 комплект = 1 экз.", self.title()),
                headers: h.iter().map(|s| s.to_string()).collect(),
                hidden: 0,
                rows: rows.into_iter().map(|r| r.into_iter().map(Value::Text).collect()).collect(),
                totals,
            };
        let sum_row =
            |n: i64, k: i64| vec![text("Итого"), text(""), text(""), text(""), Value::Int(n), text(rules::rubles(k))];
        let sheets = vec![
            sheet(
                "Часть 1. Поступление",
                "Часть 1. Поступление в фонд".into(),
                self.part1(),
                sum_row(self.received.0, self.received.1),
            ),
            sheet(
                "Часть 2. Выбытие",
                "Часть 2. Выбытие из фонда".into(),
                self.part2(),
                sum_row(self.disposed.0, self.disposed.1),
            ),
            sheet("Часть 3. Итоги", "Часть 3. Итоги движения фонда".into(), self.part3(), vec![]),
        ];
        formats::sheets::write(&sheets).map_err(|e| store::Error::Config(format!("XLSX: {e}")))
    }

    pub fn docx(&self) -> Result<Vec<u8>> {
        use formats::docx::{Document, Table};
        let mut d = Document::new(true);
        d.title(&self.title());
        let table =
            |(h, mut rows): (Vec<&'static str>, Vec<Vec<String>>), total: Option<(i64, i64)>, widths: Vec<u32>| {
                let n = h.len();
                if let Some((c, k)) = total {
                    let mut t = vec![String::new(); n];
                    t[0] = "Итого".into();
                    t[n - 2] = c.to_string();
                    t[n - 1] = rules::rubles(k);
                    rows.push(t);
                }
                Table {
                    header: vec![h.iter().map(|s| s.to_string()).collect()],
                    rows,
                    numeric: (0..n).map(|i| i == 0 || i + 2 >= n).collect(),
                    widths,
                    total_last: total.is_some(),
                }
            };
        d.heading("Часть 1. Поступление в фонд");
        d.table(table(self.part1(), Some(self.received), vec![1, 2, 3, 4, 2, 2]));
        d.heading("Часть 2. Выбытие из фонда");
        d.table(table(self.part2(), Some(self.disposed), vec![1, 2, 3, 4, 2, 2]));
        d.heading("Часть 3. Итоги движения фонда");
        d.table(table(self.part3(), None, vec![5, 2, 2]));
        d.to_bytes().map_err(|p| store::Error::Config(p.to_string()))
    }
}
