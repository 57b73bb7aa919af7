//! A yearly plan as the association writes it in Word, read from a [`Body`] into a draft the head
//! reviews before anything is saved: the header (themes, goal, tasks, expected results), events
//! and meetings. Plans differ from district to district, so tables are told by their header
//! words, not by position, and nothing here refuses a plan: what is not understood becomes a
//! warning naming the table and row.

use domain::planning::Deadline;
use domain::text::{clean, normalize};
use domain::SchoolYear;

use crate::docx::{Block, Body};

/// More events or meetings than any real plan holds: the rest is left out with a warning.
pub const MAX_EVENTS: usize = 2_000;
pub const MAX_MEETINGS: usize = 200;
/// Longest text kept in one field.
pub const MAX_FIELD_CHARS: usize = 4_000;
/// Tasks or expected results kept; warnings listed (the rest are counted in a last one).
pub const MAX_ITEMS: usize = 200;
pub const MAX_WARNINGS: usize = 200;

/// What a Word plan holds, for review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanDraft {
    /// «Методическая тема …» of the association.
    pub theme: Option<String>,
    /// «Единая городская (районная) методическая тема».
    pub city_theme: Option<String>,
    pub goal: Option<String>,
    /// Numbered tasks, one string each; sub-points as lines starting with «- ».
    pub tasks: Vec<String>,
    pub expected_results: Vec<String>,
    pub events: Vec<DraftEvent>,
    pub meetings: Vec<DraftMeeting>,
    /// In Russian, each naming the table and row as a person counts them (from 1).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftEvent {
    /// The direction or heading the event stands under; "" when none.
    pub section: String,
    pub content: String,
    /// The deadline as written; see [`domain::planning::Deadline::parse`].
    pub due: String,
    /// The «Ответственный» cell, lines kept; see [`domain::planning::split_people`].
    pub responsible: String,
    /// Table and row of the document, from 1.
    pub table: usize,
    pub row: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftMeeting {
    pub number: Option<u32>,
    /// As written: a date, a month, months.
    pub date: String,
    pub place: String,
    pub topic: String,
    pub practice: String,
    pub theory: String,
    pub responsible: String,
    pub table: usize,
    pub row: usize,
}

/// Reads the plan in a Word document's body.
pub fn read_plan(body: &Body) -> PlanDraft {
    let mut r = Reader { year: school_year(body), ..Reader::default() };
    let mut table = 0;
    for block in &body.blocks {
        match block {
            Block::Paragraph(p) => {
                for line in p.lines() {
                    r.paragraph(line);
                }
            }
            Block::Table(rows) => {
                r.end_list();
                r.pending = None;
                table += 1;
                r.table(table, rows);
            }
        }
    }
    r.end_list();
    if r.draft.events.is_empty() && r.draft.meetings.is_empty() {
        r.note(
            "В документе не найдено ни таблицы мероприятий («Мероприятие | Сроки | Ответственный»), \
             ни плана заседаний («№ | Дата | Место | Тема»)"
                .into(),
        );
    }
    if r.dropped > 0 {
        r.draft.warnings.push(format!("… и других предупреждений: {}", domain::text::grouped(r.dropped as i64)));
    }
    r.draft
}

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/// A cell's non-empty lines, each cleaned.
fn lines(cell: &str) -> Vec<String> {
    cell.lines().map(clean).filter(|l| !l.is_empty()).collect()
}

fn one_line(cell: &str) -> String {
    lines(cell).join(" ")
}

fn multi(cell: &str) -> String {
    lines(cell).join("\n")
}

/// How a line of a list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// «1.», «1)», «4.1.», «II.»
    Number,
    /// «-», «–», «·», «•», and U+F0B7, Word's bullet in the Symbol font
    Bullet,
    None,
}

/// The line's list marker and the text after it.
fn marker(line: &str) -> (Marker, &str) {
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix(['-', '–', '—', '·', '•', '*', '▪', '►', '\u{F0B7}']) {
        return (Marker::Bullet, rest.trim_start());
    }
    // «1.», «1)», «4.1.», but not «11.09.2023», «2024.» nor «2024-2025».
    let b = t.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let len = i - start;
        // Up to three digits: a year («2024.») is not a list number.
        if len == 0 || len > 3 {
            break;
        }
        match b.get(i) {
            Some(b')') => return (Marker::Number, t[i + 1..].trim_start()),
            Some(b'.') if b.get(i + 1).is_some_and(u8::is_ascii_digit) => i += 1,
            Some(b'.') => return (Marker::Number, t[i + 1..].trim_start()),
            _ => break,
        }
    }
    for roman in ["VIII", "VII", "III", "IV", "VI", "IX", "II", "V", "X", "I"] {
        if let Some(rest) = t.strip_prefix(roman).and_then(|r| r.strip_prefix('.')) {
            if rest.starts_with(' ') {
                return (Marker::Number, rest.trim_start());
            }
        }
    }
    (Marker::None, t)
}

/// «1. Организовать … 2. Изучить …» run together in one line: cut where 1, 2, 3 … follow in turn
/// (each after a space and before a capital letter or a quote), so «225 лет» or a date never cuts.
fn split_numbered(line: &str) -> Vec<String> {
    let mut cuts = Vec::new();
    let mut from = 0;
    let mut k = 1;
    while let Some(at) = next_number(line, from, k) {
        cuts.push(at);
        from = at + k.to_string().len();
        k += 1;
    }
    if cuts.len() < 2 || !line[..cuts[0]].trim().is_empty() {
        return vec![line.trim().to_string()];
    }
    cuts.push(line.len());
    cuts.windows(2).map(|w| line[w[0]..w[1]].trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn next_number(line: &str, from: usize, k: usize) -> Option<usize> {
    let needle = k.to_string();
    let mut at = from;
    while let Some(i) = line[at..].find(&needle) {
        let p = at + i;
        let before_ok = line[..p].chars().next_back().is_none_or(char::is_whitespace);
        let after = &line[p + needle.len()..];
        let after_ok = after.strip_prefix(['.', ')']).is_some_and(|rest| {
            rest.trim_start().chars().next().is_some_and(|c| c.is_uppercase() || matches!(c, '«' | '"' | '“'))
        });
        if before_ok && after_ok {
            return Some(p);
        }
        at = p + needle.len();
    }
    None
}

/// Items of a list written as lines: numbered ones start an item; with numbered items, bullets
/// and plain lines belong to the item above (bullets kept as «- » lines); without, each line is
/// an item.
fn items(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut numbered = false;
    for line in lines {
        for chunk in split_numbered(line) {
            let (m, text) = marker(&chunk);
            let text = clean(text);
            if text.is_empty() {
                continue;
            }
            match (m, out.last_mut()) {
                (Marker::Number, _) => {
                    out.push(text);
                    numbered = true;
                }
                (Marker::Bullet, Some(last)) if numbered => {
                    last.push_str("\n- ");
                    last.push_str(&text);
                }
                (Marker::None, Some(last)) if numbered => {
                    last.push('\n');
                    last.push_str(&text);
                }
                _ => out.push(text),
            }
        }
    }
    out
}

/// A theme as plans quote it: «Методическая тема: «Формирование …».» → Формирование …
fn unquote(s: &str) -> String {
    let s = s.trim().trim_end_matches('.').trim();
    match s.strip_prefix('«').and_then(|r| r.strip_suffix('»')) {
        Some(inner) if !inner.contains('«') => inner.trim().to_string(),
        _ => s.to_string(),
    }
}

/// The school year a plan is for, by its first «2023-2024» or «2023/2024»: only for checking
/// deadlines here, where the year matters little.
fn school_year(body: &Body) -> Option<SchoolYear> {
    for block in &body.blocks {
        if let Block::Paragraph(p) = block {
            let chars: Vec<char> = p.chars().collect();
            for (i, w) in chars.windows(9).enumerate() {
                let digits = w[..4].iter().chain(&w[5..]).all(char::is_ascii_digit);
                let alone = i == 0 || !chars[i - 1].is_ascii_digit();
                if digits && alone && matches!(w[4], '-' | '/' | '–' | '—') {
                    let s: String = w.iter().map(|&c| if c.is_ascii_digit() { c } else { '-' }).collect();
                    if let Some(y) = SchoolYear::parse(&s) {
                        return Some(y);
                    }
                }
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The header: themes, goal, tasks, expected results
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    CityTheme,
    Theme,
    Goal,
    /// «Цель и задачи»: the first item is the goal, the rest are tasks.
    GoalAndTasks,
    Tasks,
    Results,
    /// Any other heading («Проблемное поле:», «Формы работы МО:»): what follows is not kept.
    Other,
}

/// The field a label names: «Методическая тема РМО», «Цель», «Задачи РМО …», «Ожидаемые результаты».
fn field_of(label: &str) -> Option<Field> {
    let h = normalize(label);
    let h = h.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let first = h.split([' ', ':']).next().unwrap_or("");
    if first == "единая" && h.contains("тема") {
        Some(Field::CityTheme)
    } else if h.starts_with("методическая тема") || first == "тема" {
        Some(Field::Theme)
    } else if h.starts_with("цель и задачи") || h.starts_with("цели и задачи") {
        Some(Field::GoalAndTasks)
    } else if first == "цель" || first == "цели" {
        Some(Field::Goal)
    } else if first == "задачи" {
        Some(Field::Tasks)
    } else if h.starts_with("ожидаемые результаты")
        || h.starts_with("ожидаемый результат")
        || h.starts_with("планируемые результаты")
    {
        Some(Field::Results)
    } else {
        None
    }
}

/// A heading that ends a list though it has no colon: «4. Основные направления деятельности РМО.»
fn is_heading(text: &str) -> bool {
    const STARTS: [&str; 14] = [
        "основные направления",
        "направления работы",
        "направления деятельности",
        "план заседаний",
        "план работы",
        "работа между заседаниями",
        "формы работы",
        "содержание работы",
        "календарный план",
        "показатели",
        "заседания",
        "планирование деятельности",
        "проблемное поле",
        "содержание деятельности",
    ];
    let h = normalize(text);
    h.chars().count() <= 100 && STARTS.iter().any(|s| h.starts_with(s))
}

#[derive(Default)]
struct Reader {
    draft: PlanDraft,
    year: Option<SchoolYear>,
    /// A label whose value is the next paragraph («Методическая тема МО:» and the theme below).
    pending: Option<Field>,
    /// The list being read and its lines so far.
    list: Option<(Field, Vec<String>)>,
    /// Whether the list's lines are numbered or bulleted: then a plain line ends it.
    marked: bool,
    /// Warnings past [`MAX_WARNINGS`], only counted.
    dropped: usize,
}

impl Reader {
    fn note(&mut self, warning: String) {
        if self.draft.warnings.len() < MAX_WARNINGS {
            self.draft.warnings.push(warning);
        } else {
            self.dropped += 1;
        }
    }

    fn set(&mut self, field: Field, value: String, lines: &[String]) {
        let cut = |s: String, what: &str, warnings: &mut Vec<String>| {
            if s.chars().count() > MAX_FIELD_CHARS {
                warnings.push(format!(
                    "«{what}» длиннее {} знаков — текст обрезан",
                    domain::text::grouped(MAX_FIELD_CHARS as i64)
                ));
                s.chars().take(MAX_FIELD_CHARS).collect()
            } else {
                s
            }
        };
        let mut notes = Vec::new();
        let w = &mut notes;
        match field {
            Field::CityTheme => self.draft.city_theme = Some(cut(unquote(&value), "Единая методическая тема", w)),
            Field::Theme => self.draft.theme = Some(cut(unquote(&value), "Методическая тема", w)),
            Field::Goal => self.draft.goal = Some(cut(value, "Цель", w)),
            Field::GoalAndTasks | Field::Tasks | Field::Results => {
                let mut found = items(lines);
                if field == Field::GoalAndTasks && self.draft.goal.is_none() && !found.is_empty() {
                    self.draft.goal = Some(cut(found.remove(0), "Цель", w));
                }
                let (target, what) = if field == Field::Results {
                    (&mut self.draft.expected_results, "Ожидаемые результаты")
                } else {
                    (&mut self.draft.tasks, "Задачи")
                };
                let room = MAX_ITEMS.saturating_sub(target.len());
                if found.len() > room {
                    w.push(format!("«{what}»: больше {MAX_ITEMS} пунктов — перенесены первые {MAX_ITEMS}"));
                }
                target.extend(found.into_iter().take(room).map(|s| cut(s, what, w)));
            }
            Field::Other => {}
        }
        for note in notes {
            self.note(note);
        }
    }

    fn end_list(&mut self) {
        if let Some((field, lines)) = self.list.take() {
            self.set(field, String::new(), &lines);
        }
        self.marked = false;
    }

    /// One line of a paragraph outside tables.
    fn paragraph(&mut self, line: &str) {
        let line = clean(line);
        if line.is_empty() {
            return;
        }
        let (m, body) = marker(&line);
        let body = body.to_string();
        // «Цель: …», «3. Задачи:», «Методическая тема МО:»: a label, short, before a colon.
        let label = match body.split_once(':') {
            Some((head, value)) if head.chars().count() <= 80 => match field_of(head) {
                Some(f) => Some((f, value.trim().to_string())),
                // An unknown «Проблемное поле:» heads a list not kept; a list item with a colon
                // («Организовать: …») stays an item.
                None if head.chars().count() <= 40 && (m == Marker::None || self.list.is_none()) => {
                    Some((Field::Other, value.trim().to_string()))
                }
                None => None,
            },
            None if body.chars().count() <= 60 && !body.ends_with('.') => field_of(&body).map(|f| (f, String::new())),
            _ => None,
        };
        if let Some((field, value)) = label {
            self.end_list();
            self.pending = None;
            match field {
                Field::CityTheme | Field::Theme | Field::Goal if value.is_empty() => self.pending = Some(field),
                Field::CityTheme | Field::Theme | Field::Goal => self.set(field, value, &[]),
                _ => {
                    let first: Vec<String> = if value.is_empty() { vec![] } else { vec![value] };
                    self.list = Some((field, first));
                }
            }
            return;
        }
        if is_heading(&body) {
            self.end_list();
            self.pending = None;
            return;
        }
        if let Some(field) = self.pending.take() {
            self.set(field, body, &[]);
            return;
        }
        if self.list.is_none() {
            return;
        }
        if m == Marker::None && self.marked {
            // A plain paragraph after a numbered or bulleted list: the list is over.
            self.end_list();
            return;
        }
        self.marked |= m != Marker::None;
        if let Some((_, lines)) = self.list.as_mut() {
            lines.push(line);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tables
    // -----------------------------------------------------------------------------------------

    fn table(&mut self, t: usize, rows: &[Vec<String>]) {
        if let Some((header_end, columns)) = find_header(rows) {
            if columns.meetings {
                self.meetings_table(t, rows, header_end, &columns);
            } else {
                self.events_table(t, rows, header_end, &columns);
            }
            return;
        }
        if is_label_table(rows) {
            self.label_table(t, rows);
            return;
        }
        let first = rows.iter().find(|r| r.iter().any(|c| !c.trim().is_empty()));
        let first = first.map(|r| r.iter().map(|c| one_line(c)).collect::<Vec<_>>().join(" | ")).unwrap_or_default();
        let first: String = first.chars().take(120).collect();
        self.note(format!(
            "Таблица {t} не похожа ни на план мероприятий, ни на план заседаний, ни на «Цель | …» — не перенесена \
             (первая строка: «{first}»)"
        ));
    }

    /// «Единая городская методическая тема | …», «Цель | …», «Задачи | 1. … 2. …»; a row with an
    /// empty label continues the one above (the table broke across a page).
    fn label_table(&mut self, t: usize, rows: &[Vec<String>]) {
        let mut entries: Vec<(Option<Field>, String, usize, Vec<String>)> = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let label = one_line(row.first().map(String::as_str).unwrap_or(""));
            let value: Vec<String> = row.iter().skip(1).flat_map(|c| lines(c)).collect();
            match entries.last_mut() {
                Some(last) if label.is_empty() => last.3.extend(value),
                _ if label.is_empty() && value.is_empty() => {}
                _ => entries.push((field_of(&label), label, r + 1, value)),
            }
        }
        for (field, label, row, value) in entries {
            match field {
                Some(f @ (Field::CityTheme | Field::Theme | Field::Goal)) => self.set(f, value.join(" "), &[]),
                Some(f) => self.set(f, String::new(), &value),
                None => self.note(format!("Таблица {t}, строка {row}: «{label}» не переносится")),
            }
        }
    }

    fn warn(&mut self, t: usize, row: usize, message: impl std::fmt::Display) {
        self.note(format!("Таблица {t}, строка {row}: {message}"));
    }

    /// A field's text, cut to [`MAX_FIELD_CHARS`] with a warning.
    fn cut(&mut self, t: usize, row: usize, s: String) -> String {
        if s.chars().count() <= MAX_FIELD_CHARS {
            return s;
        }
        self.warn(t, row, format!("текст длиннее {} знаков обрезан", domain::text::grouped(MAX_FIELD_CHARS as i64)));
        s.chars().take(MAX_FIELD_CHARS).collect()
    }

    fn push_event(&mut self, e: DraftEvent) {
        if self.draft.events.len() == MAX_EVENTS {
            self.note(format!(
                "В плане больше {} мероприятий — перенесены первые {0}",
                domain::text::grouped(MAX_EVENTS as i64)
            ));
        }
        if self.draft.events.len() >= MAX_EVENTS {
            return;
        }
        if e.due.is_empty() {
            self.warn(e.table, e.row, "не указан срок");
        } else if let Err(message) = Deadline::parse(&e.due, self.year.unwrap_or_else(SchoolYear::current)) {
            self.warn(e.table, e.row, message);
        }
        let e = DraftEvent {
            section: self.cut(e.table, e.row, e.section),
            content: self.cut(e.table, e.row, e.content),
            due: self.cut(e.table, e.row, e.due),
            responsible: self.cut(e.table, e.row, e.responsible),
            ..e
        };
        self.draft.events.push(e);
    }

    fn push_meeting(&mut self, m: DraftMeeting) {
        if self.draft.meetings.len() == MAX_MEETINGS {
            self.note(format!("В плане больше {MAX_MEETINGS} заседаний — перенесены первые {MAX_MEETINGS}"));
        }
        if self.draft.meetings.len() >= MAX_MEETINGS {
            return;
        }
        if m.date.is_empty() {
            self.warn(m.table, m.row, "не указана дата заседания");
        }
        let (t, r) = (m.table, m.row);
        let m = DraftMeeting {
            date: self.cut(t, r, m.date),
            place: self.cut(t, r, m.place),
            topic: self.cut(t, r, m.topic),
            practice: self.cut(t, r, m.practice),
            theory: self.cut(t, r, m.theory),
            responsible: self.cut(t, r, m.responsible),
            ..m
        };
        self.draft.meetings.push(m);
    }

    fn unused_columns(&mut self, t: usize, columns: &Columns) {
        if !columns.unused.is_empty() {
            let names: Vec<String> = columns.unused.iter().map(|n| format!("«{n}»")).collect();
            let (what, verb) = if names.len() == 1 {
                ("столбец", "переносится")
            } else {
                ("столбцы", "переносятся")
            };
            self.note(format!("Таблица {t}: {what} {} не {verb}", names.join(", ")));
        }
    }

    fn events_table(&mut self, t: usize, rows: &[Vec<String>], header_end: usize, columns: &Columns) {
        self.unused_columns(t, columns);
        let mut section = String::new();
        for (row, cells, heading) in logical_rows(rows, header_end, columns, false) {
            if heading {
                section = one_line(&cells.concat());
                continue;
            }
            let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).map(String::as_str).unwrap_or("");
            let direction = one_line(cell(columns.section));
            if !direction.is_empty() {
                section = direction;
            }
            let content = lines(cell(columns.content));
            let dues = due_items(lines(cell(columns.due)));
            let responsible = lines(cell(columns.responsible));
            if content.is_empty() {
                if !dues.is_empty() || !responsible.is_empty() {
                    self.warn(t, row, "нет текста мероприятия — строка не перенесена");
                }
                continue;
            }
            if let Some((number, topic)) = meeting_head(&content) {
                self.push_meeting(DraftMeeting {
                    number: Some(number),
                    date: dues.join(" "),
                    topic,
                    responsible: responsible.join("\n"),
                    table: t,
                    row,
                    ..DraftMeeting::default()
                });
                continue;
            }
            let event = |section: &str, content: String, due: String, responsible: String| DraftEvent {
                section: section.to_string(),
                content,
                due,
                responsible,
                table: t,
                row,
            };
            if dues.len() > 1 {
                // Several events in one row, each on its line against its deadline; a line ending
                // with «:» above them leads them in and joins the section.
                let (lead, list) = match content.len().checked_sub(dues.len()) {
                    Some(0) => (None, &content[..]),
                    Some(k) if content[k - 1].ends_with(':') => (Some(content[..k].join(" ")), &content[k..]),
                    _ => (None, &content[..0]),
                };
                if !list.is_empty() {
                    let section = match lead {
                        Some(lead) if section.is_empty() => lead.trim_end_matches(':').trim().to_string(),
                        Some(lead) => format!("{section} — {}", lead.trim_end_matches(':').trim()),
                        None => section.clone(),
                    };
                    let per_line = responsible.len() == dues.len();
                    for (i, (item, due)) in list.iter().zip(&dues).enumerate() {
                        let who = if per_line { responsible[i].clone() } else { responsible.join("\n") };
                        let item = clean(marker(item).1);
                        self.push_event(event(&section, item, due.clone(), who));
                    }
                    continue;
                }
                // One span broken over lines reads as one deadline; anything else is left for
                // the head to sort out.
                let joined = dues.join(" ");
                let year = self.year.unwrap_or_else(SchoolYear::current);
                let is_date = Deadline::parse(&joined, year).is_ok_and(|d| d.kind != domain::planning::DueKind::Phrase);
                let due = if is_date {
                    joined
                } else {
                    self.warn(
                        t,
                        row,
                        format!(
                            "сроков {} ({}), а мероприятий {} — перенесено одним мероприятием, проверьте сроки",
                            dues.len(),
                            dues.join("; "),
                            content.len()
                        ),
                    );
                    dues.join("; ")
                };
                let content = single(content);
                self.push_event(event(&section, content, due, responsible.join("\n")));
                continue;
            }
            let content = single(content);
            self.push_event(event(&section, content, dues.join(" "), responsible.join("\n")));
        }
    }

    fn meetings_table(&mut self, t: usize, rows: &[Vec<String>], header_end: usize, columns: &Columns) {
        self.unused_columns(t, columns);
        for (row, cells, heading) in logical_rows(rows, header_end, columns, true) {
            if heading {
                continue;
            }
            let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).map(String::as_str).unwrap_or("");
            let number_text = one_line(cell(columns.number));
            let digits: String =
                number_text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
            let m = DraftMeeting {
                number: digits.parse().ok(),
                date: due_items(lines(cell(columns.due))).join(" "),
                place: one_line(cell(columns.place)),
                topic: multi(cell(columns.content)),
                practice: multi(cell(columns.practice)),
                theory: multi(cell(columns.theory)),
                responsible: multi(cell(columns.responsible)),
                table: t,
                row,
            };
            if m.topic.is_empty() && m.date.is_empty() && m.place.is_empty() {
                if !(m.practice.is_empty() && m.theory.is_empty()) {
                    self.warn(t, row, "нет темы, даты и места заседания — строка не перенесена");
                }
                continue;
            }
            if m.number.is_none() && !number_text.is_empty() {
                self.warn(t, row, format!("номер заседания «{number_text}» не число"));
            }
            self.push_meeting(m);
        }
    }
}

/// An event's text: one line loses its list number («1.Самообразовательная работа»), several
/// lines stay as written.
fn single(content: Vec<String>) -> String {
    match &content[..] {
        [one] => {
            let (m, text) = marker(one);
            if m == Marker::Number && !text.is_empty() {
                text.to_string()
            } else {
                one.clone()
            }
        }
        _ => content.join("\n"),
    }
}

/// Deadline lines, a span broken over lines joined back: «Сентябрь – октябрь-» + «ноябрь».
fn due_items(lines: Vec<String>) -> Vec<String> {
    const DASHES: [char; 5] = ['-', '–', '—', '‐', '−'];
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        match out.last_mut() {
            Some(last) if last.ends_with(DASHES) || line.starts_with(DASHES) => {
                last.push(' ');
                last.push_str(&line);
            }
            _ => out.push(line),
        }
    }
    out
}

/// «Заседание №1 Отчёт …», «Заседание МО № 1.»: the number and the rest as the topic.
fn meeting_head(content: &[String]) -> Option<(u32, String)> {
    let first = content.first()?;
    if !normalize(first).starts_with("заседание") {
        return None;
    }
    let at = first.find('№')?;
    if first[..at].chars().count() > 30 {
        return None;
    }
    let after = first[at + '№'.len_utf8()..].trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().ok()?;
    let rest = after[digits.len()..]
        .trim_start_matches(|c: char| matches!(c, '.' | ':' | ')' | '-' | '–' | '—') || c.is_whitespace());
    let topic: Vec<&str> =
        std::iter::once(rest).chain(content[1..].iter().map(String::as_str)).filter(|s| !s.is_empty()).collect();
    Some((number, topic.join("\n")))
}

// ---------------------------------------------------------------------------------------------
// Table headers and rows
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Number,
    Section,
    Content,
    Topic,
    Due,
    Responsible,
    Place,
    Practice,
    Theory,
    /// A header word of no column kept («Цель», «Форма проведения»).
    Other,
}

/// A header cell's column, by how its words start.
fn role(cell: &str) -> Option<Role> {
    let h = normalize(&one_line(cell));
    let h = h.trim_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | ',' | '*'));
    if h.is_empty() {
        return None;
    }
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| h.starts_with(p));
    Some(if h.starts_with('№') || matches!(h, "n" | "nn" | "п/п" | "n п/п") || starts(&["номер"]) {
        Role::Number
    } else if starts(&["направлен", "раздел"]) {
        Role::Section
    } else if starts(&["тема"]) {
        Role::Topic
    } else if starts(&["мероприят", "содержан", "наименован", "вид работ", "виды работ", "вид деятельн"])
    {
        Role::Content
    } else if starts(&["срок", "дата", "месяц", "время", "период"]) {
        Role::Due
    } else if starts(&["ответствен", "исполнител"]) {
        Role::Responsible
    } else if starts(&["место"]) {
        Role::Place
    } else if starts(&["практическ"]) {
        Role::Practice
    } else if starts(&["теоретическ"]) {
        Role::Theory
    } else {
        Role::Other
    })
}

/// Which column holds what. For meetings `content` is the topic and `due` the date.
#[derive(Debug, Default)]
struct Columns {
    number: Option<usize>,
    section: Option<usize>,
    content: Option<usize>,
    due: Option<usize>,
    responsible: Option<usize>,
    place: Option<usize>,
    practice: Option<usize>,
    theory: Option<usize>,
    /// Header texts of columns not kept, for the warning.
    unused: Vec<String>,
    /// A plan of meetings, not of events.
    meetings: bool,
}

/// A row made of header words only, with something to recognise a plan table by.
fn header_roles(row: &[String]) -> Option<Vec<Option<Role>>> {
    if row.iter().any(|c| one_line(c).chars().count() > 60) {
        return None;
    }
    let roles: Vec<Option<Role>> = row.iter().map(|c| role(c)).collect();
    roles.iter().any(Option::is_some).then_some(roles)
}

/// The column numbering row under a header: «1 | 2 | 3 | 4».
fn is_numbering(row: &[String]) -> bool {
    let filled: Vec<String> = row.iter().map(|c| one_line(c)).filter(|c| !c.is_empty()).collect();
    filled.len() >= 2 && filled.iter().enumerate().all(|(i, c)| c.trim_end_matches('.') == (i + 1).to_string())
}

/// The header of an events or meetings table among its first rows: where the data starts and
/// what each column holds. A header may take two rows («Направление | Содержание работы» over
/// «| Мероприятие | Сроки»); the lower row's words win, and when a cell spans columns (so the
/// rows differ in length) the longer row gives the columns.
fn find_header(rows: &[Vec<String>]) -> Option<(usize, Columns)> {
    for h in 0..rows.len().min(3) {
        let Some(first) = header_roles(&rows[h]) else { continue };
        let has = |roles: &[Option<Role>], want: &[Role]| roles.iter().flatten().any(|r| want.contains(r));
        let mut roles = first.clone();
        let mut texts: Vec<String> = rows[h].iter().map(|c| one_line(c)).collect();
        let mut end = h + 1;
        if let Some(second) = rows.get(h + 1).filter(|r| !is_numbering(r)).and_then(|r| header_roles(r)) {
            // Header words only: a data row («1. | Выставка | Январь») has words of no column.
            let words = second.iter().all(|role| !matches!(role, Some(Role::Other)));
            if words {
                let lower: Vec<String> = rows[h + 1].iter().map(|c| one_line(c)).collect();
                if second.len() == first.len() {
                    for (c, role) in second.iter().enumerate() {
                        if role.is_some() {
                            roles[c] = *role;
                            texts[c] = lower[c].clone();
                        }
                    }
                } else if second.len() > first.len() {
                    roles = second;
                    texts = lower;
                }
                end = h + 2;
            }
        }
        let plan_like = has(&roles, &[Role::Content, Role::Topic])
            && has(&roles, &[Role::Due, Role::Responsible, Role::Place, Role::Section]);
        if !plan_like {
            continue;
        }
        // «Место», a practical or theoretical part, or «Тема заседания» make it a plan of meetings.
        let meetings = has(&roles, &[Role::Place, Role::Practice, Role::Theory])
            || roles.iter().zip(&texts).any(|(r, t)| *r == Some(Role::Topic) && normalize(t).contains("заседан"));
        let mut columns = Columns { meetings, ..Columns::default() };
        let mut content_cols = Vec::new();
        for (c, role) in roles.iter().enumerate() {
            let slot = match role {
                Some(Role::Number) => &mut columns.number,
                Some(Role::Section) if !meetings => &mut columns.section,
                Some(Role::Due) => &mut columns.due,
                Some(Role::Responsible) => &mut columns.responsible,
                Some(Role::Place) => &mut columns.place,
                Some(Role::Practice) => &mut columns.practice,
                Some(Role::Theory) => &mut columns.theory,
                Some(Role::Topic | Role::Content) => {
                    content_cols.push((c, role.unwrap_or(Role::Content)));
                    continue;
                }
                None => continue,
                Some(_) => {
                    columns.unused.push(texts[c].clone());
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(c);
            } else {
                columns.unused.push(texts[c].clone());
            }
        }
        // The event's text: «Мероприятие» before «Тема»; a meeting's topic: «Тема» first, and a
        // «Содержание» beside it is the theory (the agenda) when there is no theory column.
        let pick = |want: Role| content_cols.iter().find(|(_, r)| *r == want).map(|(c, _)| *c);
        let (main, other) = if meetings { (Role::Topic, Role::Content) } else { (Role::Content, Role::Topic) };
        columns.content = pick(main).or_else(|| pick(other));
        for &(c, _) in &content_cols {
            if Some(c) == columns.content {
                continue;
            }
            if meetings && columns.theory.is_none() {
                columns.theory = Some(c);
            } else {
                columns.unused.push(texts[c].clone());
            }
        }
        if rows.get(end).is_some_and(|r| is_numbering(r)) {
            end += 1;
        }
        return Some((end, columns));
    }
    None
}

/// A table of «label | text» rows whose labels name header fields.
fn is_label_table(rows: &[Vec<String>]) -> bool {
    let narrow = rows.iter().all(|r| r.iter().skip(2).all(|c| c.trim().is_empty()));
    narrow && rows.iter().any(|r| r.first().is_some_and(|c| field_of(c).is_some()))
}

/// Data rows of a plan table as (row number from 1, cells, is a heading), with rows broken
/// across a page joined to the row above: a row with no number and no date whose text goes on
/// in lower case («в ФСЭМ»»), or whose row above had no date yet. A row whose only text is one
/// cell (or one text repeated by merged cells) is a heading.
fn logical_rows(
    rows: &[Vec<String>],
    start: usize,
    columns: &Columns,
    meetings: bool,
) -> Vec<(usize, Vec<String>, bool)> {
    let mut out: Vec<(usize, Vec<String>, bool)> = Vec::new();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for (r, row) in rows.iter().enumerate().skip(start) {
        let mut cells: Vec<String> = row.iter().map(|c| multi(c)).collect();
        cells.resize(width, String::new());
        let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            continue;
        }
        let get = |cells: &[String], c: Option<usize>| c.and_then(|c| cells.get(c)).cloned().unwrap_or_default();
        let number = get(&cells, columns.number);
        let due = get(&cells, columns.due);
        let text = [columns.content, columns.section]
            .iter()
            .map(|c| get(&cells, *c))
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let continues = match out.last() {
            Some((_, prev, false)) if number.is_empty() => {
                let prev_due = get(prev, columns.due);
                if meetings {
                    due.is_empty()
                } else {
                    (due.is_empty() || prev_due.is_empty())
                        && text
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_lowercase() || matches!(c, '»' | ')' | ',' | ';' | '.'))
                }
            }
            _ => false,
        };
        if continues {
            if let Some((_, prev, _)) = out.last_mut() {
                for (p, c) in prev.iter_mut().zip(cells) {
                    if p.is_empty() {
                        *p = c;
                    } else if !c.is_empty() {
                        p.push(' ');
                        p.push_str(&c);
                    }
                }
            }
            continue;
        }
        let first = filled[0];
        let heading = filled.iter().all(|c| *c == first) && (number.is_empty() || number == *first);
        out.push((r + 1, cells, heading));
    }
    // A heading is shown once, not as often as merged cells repeat it.
    for (_, cells, heading) in &mut out {
        if *heading {
            let text = cells.iter().find(|c| !c.is_empty()).cloned().unwrap_or_default();
            *cells = vec![text];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(marker("1. Задачи"), (Marker::Number, "Задачи"));
        assert_eq!(marker("4.1. Аналитическая"), (Marker::Number, "Аналитическая"));
        assert_eq!(marker("1.Самообразовательная"), (Marker::Number, "Самообразовательная"));
        assert_eq!(marker("2) пункт"), (Marker::Number, "пункт"));
        assert_eq!(marker("II. Информационно"), (Marker::Number, "Информационно"));
        assert_eq!(marker("-анализ"), (Marker::Bullet, "анализ"));
        assert_eq!(marker("· Обобщение"), (Marker::Bullet, "Обобщение"));
        assert_eq!(marker("11.09.2023г."), (Marker::None, "11.09.2023г."));
        assert_eq!(marker("2024-2025 год"), (Marker::None, "2024-2025 год"));
        assert_eq!(marker("Иванов И.И."), (Marker::None, "Иванов И.И."));
        assert_eq!(marker("Итоги"), (Marker::None, "Итоги"));
    }

    #[test]
    fn numbered_items_run_together_are_cut_in_turn() {
        assert_eq!(
            split_numbered("1.Рост качества. 2.Повышение компетентности. 3. «Чтение» к 225 лет 4.Итог"),
            vec!["1.Рост качества.", "2.Повышение компетентности.", "3. «Чтение» к 225 лет", "4.Итог"]
        );
        assert_eq!(split_numbered("Отчёт от 21.09.2022 г. 2. Ещё"), vec!["Отчёт от 21.09.2022 г. 2. Ещё"]);
        assert_eq!(split_numbered("1. Одно"), vec!["1. Одно"]);
    }

    #[test]
    fn list_items_keep_sub_points() {
        let l: Vec<String> = ["1. Организовать.", "2. Изучить через:", "- семинары;", "- конкурсы.", "3. Привлекать"]
            .map(String::from)
            .into();
        assert_eq!(items(&l), vec!["Организовать.", "Изучить через:\n- семинары;\n- конкурсы.", "Привлекать"]);
        let b: Vec<String> = ["· Обобщение опыта.", "· Помощь."].map(String::from).into();
        assert_eq!(items(&b), vec!["Обобщение опыта.", "Помощь."]);
    }

    #[test]
    fn deadlines_broken_over_lines_join() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(due_items(l(&["Сентябрь – октябрь-", "ноябрь"])), l(&["Сентябрь – октябрь- ноябрь"]));
        assert_eq!(due_items(l(&["Март –", "апрель"])), l(&["Март – апрель"]));
        assert_eq!(due_items(l(&["Январь", "Февраль", "Июль-август"])), l(&["Январь", "Февраль", "Июль-август"]));
    }

    #[test]
    fn meeting_heads() {
        let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(meeting_head(&c(&["Заседание №2 Круглый стол"])), Some((2, "Круглый стол".into())));
        assert_eq!(meeting_head(&c(&["Заседание МО № 1.", "1. Планирование"])), Some((1, "1. Планирование".into())));
        assert_eq!(meeting_head(&c(&["Заседание совета"])), None);
        assert_eq!(meeting_head(&c(&["Подготовка к заседанию №3"])), None);
    }

    #[test]
    fn header_roles_by_word_starts() {
        for (h, want) in [
            ("№/п", Role::Number),
            ("№ п/п", Role::Number),
            ("Сроки проведения", Role::Due),
            ("Срок", Role::Due),
            ("Месяц проведения", Role::Due),
            ("Ответственные за выполнение", Role::Responsible),
            ("Содержание работы", Role::Content),
            ("Мероприятие", Role::Content),
            ("Тема заседания ГМО", Role::Topic),
            ("Направление", Role::Section),
            ("Практический выход", Role::Practice),
            ("Теоретическая часть", Role::Theory),
            ("Форма проведения", Role::Other),
        ] {
            assert_eq!(role(h), Some(want), "{h}");
        }
        assert_eq!(role(" "), None);
    }
}
