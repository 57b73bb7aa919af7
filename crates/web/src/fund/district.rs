//! The district's view of the fund for the head and the observer: provision by school, subject,
//! grade and level with a chart, compliance with the ФПУ, and the regional monitoring forms.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::Method as M;
use axum::response::{Html, Response};
use axum::routing::get;
use domain::fund::Figures;
use domain::SchoolYear;
use store::scope::Kind;

use super::school::CompliancePage;
use super::{severity_class, YearParam};
use crate::authz::{Access, Ctx, InDistrict, Scope, DISTRICT, OVERSIGHT};
use crate::error::Result;
use crate::routes::{r, RouteDef};
use crate::state::AppState;
#[allow(unused_imports)]
use crate::views::{self, GradeName, Show};

pub fn routes() -> Vec<RouteDef> {
    let s = Scope::School(Kind::School, "school");
    vec![
        r(M::GET, "/fund", Access::to(OVERSIGHT), get(provision)),
        r(M::GET, "/fund/compliance", Access::to(OVERSIGHT), get(compliance)),
        r(M::GET, "/fund/forms.xlsx", Access::to(OVERSIGHT), get(forms)),
        r(M::GET, "/schools/{school}/fund/ksu.xlsx", Access::on(DISTRICT, s), get(ksu_xlsx)),
        r(M::GET, "/schools/{school}/fund/ksu.docx", Access::on(DISTRICT, s), get(ksu_docx)),
    ]
}

#[derive(Template)]
#[template(path = "fund_district.html")]
struct ProvisionPage {
    ctx: Ctx,
    year: SchoolYear,
    p: app::fund::DistrictProvision,
    chart: String,
}

impl ProvisionPage {
    fn sev(&self, f: &Figures) -> &'static str {
        severity_class(f.severity())
    }
    fn cell(&self, s: &app::fund::SchoolFigures, subject: &str) -> (String, &'static str) {
        match s.subjects.get(subject) {
            Some(f) => (f.percent_text(), self.sev(f)),
            None => (String::new(), ""),
        }
    }
    fn level(&self, g: &u8) -> &'static str {
        domain::fund::level(*g)
    }
    fn years(&self) -> Vec<SchoolYear> {
        crate::views::years()
    }
}

pub async fn provision(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let p = app::fund::district_provision(&st.db, &reach, year, domain::clock::today()).await?;
    let bars: Vec<formats::chart::Bar> = p
        .schools
        .iter()
        .filter_map(|s| s.total.percent().map(|v| formats::chart::Bar { label: s.school.clone(), value: v }))
        .collect();
    let chart = formats::chart::percent_bars(&format!("Обеспеченность учебниками по школам, {year}"), &bars, 760);
    Ok(Html(ProvisionPage { ctx, year, p, chart }.render()?))
}

pub async fn compliance(
    State(st): State<AppState>,
    ctx: Ctx,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Html<String>> {
    let year = q.year()?;
    let rows = app::fund::compliance(&st.db, &reach, None, year, domain::clock::today()).await?;
    Ok(Html(CompliancePage { ctx, head: None, rows, year }.render()?))
}

pub async fn forms(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Query(q): Query<YearParam>,
) -> Result<Response> {
    let year = q.year()?;
    let bytes = app::fund::monitoring_forms(&st.db, &reach, year, domain::clock::today()).await?;
    Ok(views::xlsx(&format!("Мониторинг обеспеченности учебниками {}.xlsx", year.to_string().replace('/', "-")), bytes))
}

pub async fn ksu_xlsx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Response> {
    let k = app::fund::ksu(&st.db, &reach, school, q.year()?).await?;
    Ok(views::xlsx(&format!("КСУ {} {}.xlsx", k.school, k.year.to_string().replace('/', "-")), k.xlsx()?))
}

pub async fn ksu_docx(
    State(st): State<AppState>,
    InDistrict(reach): InDistrict,
    Path(school): Path<i64>,
    Query(q): Query<YearParam>,
) -> Result<Response> {
    let k = app::fund::ksu(&st.db, &reach, school, q.year()?).await?;
    let name = format!("КСУ {} {}.docx", k.school, k.year.to_string().replace('/', "-"));
    Ok(views::docx(&name, k.docx()?))
}
