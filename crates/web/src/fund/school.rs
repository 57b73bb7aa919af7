//! A school's textbook fund: provision, curriculum choice, receipts, write-offs, pupils,
//! compliance with the ФПУ and the КСУ. A librarian sees and changes their own school's; the
//! head any school's; the observer reads.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method as M, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use domain::fund::{self as rules, REASONS, SOURCES};
use domain::{FieldErrors, SchoolYear};
use store::directory::{self, School};
use store::fund::{self, Batch, ClassCount, CurriculumLine, Listed, Receipt, WrittenOff};
use store::scope::Kind;
use store::Reach;

use super::{severity_class, YearParam};
use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, EDITORS};
use crate::error::{AppError, Result};
use crate::routes::{r, RouteDef};
use crate::state::AppState;
#[allow(unused_imports)]
use crate::views::{self, all, one, pairs, GradeName, Show};

pub fn routes() -> Vec<RouteDef> {
    let s = Scope::School(Kind::School, "school");
    vec![
        r(M::GET, "/schools/{school}/fund", Access::on(DISTRICT, s), get(overview)),
        r(M::GET, "/schools/{school}/fund/curriculum", Access::on(DISTRICT, s), get(curriculum)),
        r(M::POST, "/schools/{school}/fund/curriculum", Access::on(EDITORS, s), post(add_line)),
        r(M::POST, "/schools/{school}/fund/curriculum/{line}/delete", Access::on(EDITORS, s), post(delete_line)),
        r(M::POST, "/schools/{school}/fund/curriculum/copy", Access::on(EDITORS, s), post(copy_last_year)),
        r(M::GET, "/schools/{school}/fund/documents", Access::on(DISTRICT, s), get(documents)),
        r(M::POST, "/schools/{school}/fund/receipts", Access::on(EDITORS, s), post(add_receipt)),
        r(M::POST, "/schools/{school}/fund/writeoffs", Access::on(EDITORS, s), post(write_off)),
        r(M::GET, "/schools/{school}/fund/pupils", Access::on(DISTRICT, s), get(pupils)),
        r(M::POST, "/schools/{school}/fund/pupils", Access::on(EDITORS, s), post(save_pupils)),
        r(M::GET, "/schools/{school}/fund/compliance", Access::on(DISTRICT, s), get(compliance)),
        r(M::GET, "/api/schools/{school}/provision", Access::on(DISTRICT, s), get(api_provision)),
        r(M::POST, "/api/schools/{school}/writeoffs", Access::on(EDITORS, s), post(api_write_off)),
    ]
}

fn may_edit(reach: &Reach, school: i64) -> bool {
    reach.can_write() && reach.school().is_none_or(|s| s == school)
}

/// The tabs of a school's fund, for the page header.
pub struct Head {
    pub school: School,
    pub year: SchoolYear,
    pub tab: &'static str,
    pub can_edit: bool,
}

impl Head {
    pub(crate) async fn of(
        st: &AppState,
        reach: &Reach,
        school: i64,
        year: SchoolYear,
        tab: &'static str,
    ) -> Result<Head> {
        let mut c = st.db.conn().await?;
        let s = directory::get_school(&mut c.ex(), reach, school).await?;
        Ok(Head { school: s, year, tab, can_edit: may_edit(reach, school) })
    }
    pub fn tabs(&self) -> Vec<(&'static str, &'static str, String)> {
        let id = self.school.id;
        let y = self.year.start_year();
        vec![
            ("overview", "Обеспеченность", format!("/schools/{id}/fund?year={y}")),
            ("curriculum", "УМК", format!("/schools/{id}/fund/curriculum?year={y}")),
            ("pupils", "Контингент", format!("/schools/{id}/fund/pupils?year={y}")),
            ("documents", "Поступления и списания", format!("/schools/{id}/fund/documents?year={y}")),
            ("compliance", "Соответствие ФПУ", format!("/schools/{id}/fund/compliance?year={y}")),
        ]
    }
    pub fn years(&self) -> Vec<SchoolYear> {
        views::years()
    }
}

pub fn item_name(i: &Option<Listed>) -> String {
    match i {
        Some(i) => format!("{} — {} ({} кл.)", i.authors, i.title, i.grades),
        None => "учебник не найден в перечне".into(),
    }
}

#[derive(Template)]
#[template(path = "fund_overview.html")]
struct OverviewPage {
    ctx: Ctx,
    head: Head,
    p: app::fund::SchoolProvision,
}

impl OverviewPage {
    fn sev(&self, f: &rules::Figures) -> &'static str {
        severity_class(f.severity())
    }
}

pub async fn overview(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let head = Head::of(&st, &reach, school, year, "overview").await?;
    let p = app::fund::school_provision(&st.db, &reach, school, year, domain::clock::today()).await?;
    Ok(Html(OverviewPage { ctx, head, p }.render()?))
}

#[utoipa::path(get, path = "/api/schools/{school}/provision", tag = "Учебный фонд",
    params(("school" = i64, Path), ("year" = Option<String>, Query, description = "Учебный год: 2025 или 2025/2026")),
    responses((status = 200, description = "Обеспеченность школы учебниками: класс × предмет", body = Object)))]
pub async fn api_provision(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Json<app::fund::SchoolProvision>> {
    let year = q.year()?;
    let mut c = st.db.conn().await?;
    directory::get_school(&mut c.ex(), &reach, school).await?;
    Ok(Json(app::fund::school_provision(&st.db, &reach, school, year, domain::clock::today()).await?))
}

#[derive(Template)]
#[template(path = "fund_curriculum.html")]
struct CurriculumPage {
    ctx: Ctx,
    head: Head,
    lines: Vec<(CurriculumLine, String)>,
    /// Items of the current list for the chosen grade, by subject.
    options: Vec<(String, Vec<Listed>)>,
    grade: String,
    form: app::fund::LineInput,
    errors: FieldErrors,
    last_year: usize,
}

#[allow(clippy::too_many_arguments)]
async fn curriculum_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    school: i64,
    year: SchoolYear,
    grade: String,
    form: app::fund::LineInput,
    errors: FieldErrors,
) -> Result<CurriculumPage> {
    let head = Head::of(st, reach, school, year, "curriculum").await?;
    let mut c = st.db.conn().await?;
    let lines = fund::curriculum(&mut c.ex(), reach, Some(school), year.start_year()).await?;
    let last_year = fund::curriculum(&mut c.ex(), reach, Some(school), year.prev().start_year()).await?.len();
    let ids: Vec<i64> = lines.iter().filter_map(|l| l.item_id).collect();
    let items = fund::fpu_items(&mut c.ex(), &ids).await?;
    let lines = lines
        .into_iter()
        .map(|l| {
            let name = match l.item_id {
                Some(i) => item_name(&items.get(&i).cloned()),
                None => format!("{} (пособие вне перечня)", l.aid),
            };
            (l, name)
        })
        .collect();
    let mut options: Vec<(String, Vec<Listed>)> = Vec::new();
    if let (Some(g), Some(order)) = (rules::parse_grade(&grade), fund::current_fpu_order(&mut c.ex()).await?) {
        let filter = fund::FpuFilter { grade: Some(g), annex: Some(1), ..Default::default() };
        let page = fund::fpu_listed(&mut c.ex(), order.id, &filter, 1, 1000).await?;
        for l in page.items {
            match options.iter_mut().find(|(s, _)| *s == l.subject) {
                Some((_, v)) => v.push(l),
                None => options.push((l.subject.clone(), vec![l])),
            }
        }
        options.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(CurriculumPage { ctx, head, lines, options, grade, form, errors, last_year })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CurriculumParams {
    year: String,
    grade: String,
}

pub async fn curriculum(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<CurriculumParams>,
) -> Result<Html<String>> {
    let year = YearParam { year: q.year }.year()?;
    let form = app::fund::LineInput { grade: q.grade.clone(), ..Default::default() };
    let page = curriculum_page(&st, ctx, &reach, school, year, q.grade, form, FieldErrors::default()).await?;
    Ok(Html(page.render()?))
}

pub async fn add_line(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = YearParam { year: one(&p, "year") }.year()?;
    let input = app::fund::LineInput {
        grade: one(&p, "grade"),
        subject: one(&p, "subject"),
        item_id: one(&p, "item_id"),
        aid: one(&p, "aid"),
        share: one(&p, "share"),
    };
    match app::fund::add_curriculum_line(&st.db, &reach, school, year, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to(&format!(
            "/schools/{school}/fund/curriculum?year={}&grade={}&saved=1",
            year.start_year(),
            views::enc(&input.grade)
        ))
        .into_response()),
        Err(AppError::Fields(errors)) => {
            let grade = input.grade.clone();
            let page = curriculum_page(&st, ctx, &reach, school, year, grade, input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn delete_line(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path((school, line)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Redirect> {
    let year = YearParam { year: one(&pairs(&body), "year") }.year()?;
    app::fund::delete_curriculum_line(&st.db, &reach, school, line).await?;
    Ok(Redirect::to(&format!("/schools/{school}/fund/curriculum?year={}&saved=1", year.start_year())))
}

pub async fn copy_last_year(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    body: Bytes,
) -> Result<Redirect> {
    let year = YearParam { year: one(&pairs(&body), "year") }.year()?;
    app::fund::copy_last_year(&st.db, &reach, school, year).await?;
    Ok(Redirect::to(&format!("/schools/{school}/fund/curriculum?year={}&saved=1", year.start_year())))
}

/// A batch as the documents page lists it.
pub struct BatchRow {
    pub batch: Batch,
    pub item: String,
}

#[derive(Template)]
#[template(path = "fund_documents.html")]
struct DocumentsPage {
    ctx: Ctx,
    head: Head,
    receipts: Vec<Receipt>,
    written: Vec<(WrittenOff, String)>,
    batches: Vec<BatchRow>,
    /// Items to pick in the forms: the school's chosen and held items.
    choices: Vec<(i64, String)>,
    held: Vec<(i64, String, i64)>,
    receipt: ReceiptForm,
    writeoff: WriteOffForm,
    errors: FieldErrors,
    sources: &'static [(&'static str, &'static str)],
    reasons: &'static [(&'static str, &'static str)],
}

impl DocumentsPage {
    fn source(&self, code: &str) -> &'static str {
        rules::title_of(SOURCES, code)
    }
    fn reason(&self, code: &str) -> &'static str {
        rules::title_of(REASONS, code)
    }
    fn rub(&self, kopecks: &i64) -> String {
        rules::rubles(*kopecks)
    }
}

#[derive(Default)]
pub struct ReceiptForm {
    pub doc_number: String,
    pub doc_date: String,
    pub source: String,
    pub note: String,
    pub lines: Vec<(String, String, String, String)>,
}

#[derive(Default)]
pub struct WriteOffForm {
    pub act_number: String,
    pub act_date: String,
    pub reason: String,
    pub lines: Vec<(String, String)>,
}

const LINES: usize = 5;

#[allow(clippy::too_many_arguments)]
async fn documents_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    school: i64,
    year: SchoolYear,
    mut receipt: ReceiptForm,
    mut writeoff: WriteOffForm,
    errors: FieldErrors,
) -> Result<DocumentsPage> {
    let head = Head::of(st, reach, school, year, "documents").await?;
    let (from, to) = (rules::start_of(year), rules::end_of(year));
    let mut c = st.db.conn().await?;
    let receipts = fund::receipts(&mut c.ex(), reach, school, from, to).await?;
    let written = fund::written_off(&mut c.ex(), reach, Some(school), from, to).await?;
    let batches = fund::batches(&mut c.ex(), reach, school, None).await?;
    let lines = fund::curriculum(&mut c.ex(), reach, Some(school), year.start_year()).await?;
    let mut ids: Vec<i64> = lines.iter().filter_map(|l| l.item_id).chain(batches.iter().map(|b| b.item_id)).collect();
    ids.sort_unstable();
    ids.dedup();
    let items = fund::fpu_items(&mut c.ex(), &ids).await?;
    let name = |id: i64| item_name(&items.get(&id).cloned());
    let mut held: HashMap<i64, i64> = HashMap::new();
    for b in &batches {
        *held.entry(b.item_id).or_default() += b.left();
    }
    let mut choices: Vec<(i64, String)> = ids.iter().map(|&id| (id, name(id))).collect();
    choices.sort_by(|a, b| a.1.cmp(&b.1));
    let mut held: Vec<(i64, String, i64)> =
        held.into_iter().filter(|h| h.1 > 0).map(|(id, n)| (id, name(id), n)).collect();
    held.sort_by(|a, b| a.1.cmp(&b.1));
    let written = written
        .into_iter()
        .map(|w| {
            let n = name(w.item_id);
            (w, n)
        })
        .collect();
    let batches = batches.into_iter().map(|b| BatchRow { item: name(b.item_id), batch: b }).collect();
    receipt.lines.resize(LINES.max(receipt.lines.len()), Default::default());
    writeoff.lines.resize(LINES.max(writeoff.lines.len()), Default::default());
    Ok(DocumentsPage {
        ctx,
        head,
        receipts,
        written,
        batches,
        choices,
        held,
        receipt,
        writeoff,
        errors,
        sources: SOURCES,
        reasons: REASONS,
    })
}

pub async fn documents(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let page =
        documents_page(&st, ctx, &reach, school, year, Default::default(), Default::default(), FieldErrors::default())
            .await?;
    Ok(Html(page.render()?))
}

pub async fn add_receipt(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = YearParam { year: one(&p, "year") }.year()?;
    let (items, copies, prices, years) =
        (all(&p, "item_id"), all(&p, "copies"), all(&p, "price"), all(&p, "batch_year"));
    let lines: Vec<(String, String, String, String)> = (0..items.len().min(50))
        .map(|i| {
            let at = |v: &Vec<String>| v.get(i).cloned().unwrap_or_default();
            (at(&items), at(&copies), at(&prices), at(&years))
        })
        .collect();
    let input = app::fund::ReceiptInput {
        doc_number: one(&p, "doc_number"),
        doc_date: one(&p, "doc_date"),
        source: one(&p, "source"),
        note: one(&p, "note"),
        lines: lines
            .iter()
            .map(|l| app::fund::BatchInput {
                item_id: l.0.clone(),
                copies: l.1.clone(),
                price: l.2.clone(),
                year: l.3.clone(),
            })
            .collect(),
    };
    match app::fund::add_receipt(&st.db, &reach, school, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/schools/{school}/fund/documents?year={}&saved=1", year.start_year()))
            .into_response()),
        Err(AppError::Fields(errors)) => {
            let form = ReceiptForm {
                doc_number: input.doc_number,
                doc_date: input.doc_date,
                source: input.source,
                note: input.note,
                lines,
            };
            let page = documents_page(&st, ctx, &reach, school, year, form, Default::default(), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e),
    }
}

fn writeoff_input(p: &[(String, String)]) -> app::fund::WriteOffInput {
    let (items, copies) = (all(p, "item_id"), all(p, "copies"));
    app::fund::WriteOffInput {
        act_number: one(p, "act_number"),
        act_date: one(p, "act_date"),
        reason: one(p, "reason"),
        lines: (0..items.len().min(50))
            .map(|i| (items[i].clone(), copies.get(i).cloned().unwrap_or_default()))
            .collect(),
    }
}

pub async fn write_off(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = YearParam { year: one(&p, "year") }.year()?;
    let input = writeoff_input(&p);
    let result = app::fund::write_off(&st.db, &reach, school, &input).await.map_err(AppError::from);
    let errors = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/schools/{school}/fund/documents?year={}&saved=1", year.start_year()))
                .into_response())
        }
        Err(AppError::Fields(errors)) => errors,
        Err(AppError::Invalid(m)) => {
            let mut e = FieldErrors::default();
            e.add("lines", m);
            e
        }
        Err(e) => return Err(e),
    };
    let form = WriteOffForm {
        act_number: input.act_number,
        act_date: input.act_date,
        reason: input.reason,
        lines: input.lines,
    };
    let page = documents_page(&st, ctx, &reach, school, year, Default::default(), form, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

/// A write-off act sent as JSON.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct WriteOffRequest {
    pub act_number: String,
    /// ДД.ММ.ГГГГ or ГГГГ-ММ-ДД
    pub act_date: String,
    /// lost, worn, expired or other
    pub reason: String,
    pub lines: Vec<WriteOffRequestLine>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct WriteOffRequestLine {
    pub item_id: i64,
    pub copies: i64,
}

#[utoipa::path(post, path = "/api/schools/{school}/writeoffs", tag = "Учебный фонд", params(("school" = i64, Path)),
    request_body = WriteOffRequest,
    responses((status = 200, description = "Акт списания записан: его номер в системе", body = i64),
        (status = 422, description = "Ошибки: в том числе списание больше, чем есть в фонде")))]
pub async fn api_write_off(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Json(req): Json<WriteOffRequest>,
) -> Result<Json<i64>> {
    let input = app::fund::WriteOffInput {
        act_number: req.act_number,
        act_date: req.act_date,
        reason: req.reason,
        lines: req.lines.iter().map(|l| (l.item_id.to_string(), l.copies.to_string())).collect(),
    };
    Ok(Json(app::fund::write_off(&st.db, &reach, school, &input).await?))
}

#[derive(Template)]
#[template(path = "fund_pupils.html")]
struct PupilsPage {
    ctx: Ctx,
    head: Head,
    rows: Vec<(String, String)>,
    errors: FieldErrors,
    grades: Vec<(String, i64, Option<i64>)>,
    total: i64,
}

async fn pupils_page(
    st: &AppState,
    ctx: Ctx,
    reach: &Reach,
    school: i64,
    year: SchoolYear,
    typed: Option<Vec<(String, String)>>,
    errors: FieldErrors,
) -> Result<PupilsPage> {
    let head = Head::of(st, reach, school, year, "pupils").await?;
    let mut c = st.db.conn().await?;
    let classes = fund::contingent(&mut c.ex(), reach, school, year.start_year()).await?;
    let next = fund::contingent(&mut c.ex(), reach, school, year.next().start_year()).await?;
    let per_grade = |cs: &[ClassCount]| {
        let mut m = std::collections::BTreeMap::new();
        for c in cs {
            *m.entry(c.grade as u8).or_insert(0) += c.pupils;
        }
        m
    };
    let this = per_grade(&classes);
    let projected = rules::projected(&this, &per_grade(&next));
    let mut grades: Vec<u8> = this.keys().chain(projected.keys()).copied().collect();
    grades.sort_unstable();
    grades.dedup();
    let grades = grades
        .into_iter()
        .map(|g| (rules::grade_name(g), this.get(&g).copied().unwrap_or(0), projected.get(&g).copied()))
        .collect();
    let total = this.values().sum();
    let mut rows = typed.unwrap_or_else(|| {
        classes
            .iter()
            .map(|c| (format!("{}{}", rules::grade_name(c.grade as u8), c.class_name), c.pupils.to_string()))
            .collect()
    });
    rows.resize(rows.len() + 6, Default::default());
    Ok(PupilsPage { ctx, head, rows, errors, grades, total })
}

pub async fn pupils(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    Ok(Html(pupils_page(&st, ctx, &reach, school, year, None, FieldErrors::default()).await?.render()?))
}

pub async fn save_pupils(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    body: Bytes,
) -> Result<Response> {
    let p = pairs(&body);
    let year = YearParam { year: one(&p, "year") }.year()?;
    let (classes, counts) = (all(&p, "class"), all(&p, "pupils"));
    let typed: Vec<(String, String)> =
        (0..classes.len().min(200)).map(|i| (classes[i].clone(), counts.get(i).cloned().unwrap_or_default())).collect();
    let errors = match app::fund::parse_classes(&typed) {
        Ok(rows) => match app::fund::save_contingent(&st.db, &reach, school, year, &rows).await {
            Ok(()) => {
                return Ok(Redirect::to(&format!("/schools/{school}/fund/pupils?year={}&saved=1", year.start_year()))
                    .into_response())
            }
            Err(e) => return Err(e.into()),
        },
        Err(e) => e,
    };
    let page = pupils_page(&st, ctx, &reach, school, year, Some(typed), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "fund_compliance.html")]
pub struct CompliancePage {
    pub ctx: Ctx,
    pub head: Option<Head>,
    pub rows: Vec<app::fund::ComplianceRow>,
    pub year: SchoolYear,
}

impl CompliancePage {
    fn copies(&self, severity: u8) -> i64 {
        self.rows.iter().filter(|r| r.standing.severity() == severity).map(|r| r.copies).sum()
    }
    fn pupils(&self) -> i64 {
        self.rows.iter().map(|r| r.pupils).sum()
    }
    fn schools(&self) -> usize {
        let mut s: Vec<i64> = self.rows.iter().map(|r| r.school_id).collect();
        s.sort_unstable();
        s.dedup();
        s.len()
    }
}

pub async fn compliance(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let head = Head::of(&st, &reach, school, year, "compliance").await?;
    let rows = app::fund::compliance(&st.db, &reach, Some(school), year, domain::clock::today()).await?;
    Ok(Html(CompliancePage { ctx, head: Some(head), rows, year }.render()?))
}
