//! Figures computed from the fund: provision per school and district, compliance with the
//! current ФПУ, the regional monitoring forms and the КСУ. Each report reads with no transaction
//! and computes in `domain::fund`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::fund::{self as rules, Choice, Figures, Standing};
use domain::SchoolYear;
use serde::Serialize;
use store::fund::{self, CurriculumLine, Listed};
use store::{directory, Db, ListQuery, Reach};

use crate::Result;

/// Everything a provision or compliance report needs, for one school or every school in reach.
pub(super) struct Facts {
    pub(super) schools: Vec<(i64, String, Option<String>)>,
    pub(super) lines: Vec<CurriculumLine>,
    pub(super) held: HashMap<(i64, i64), i64>,
    pub(super) standings: HashMap<i64, (Option<u8>, Option<NaiveDate>)>,
    /// Empty unless asked for: the district-wide figures name no textbook.
    pub(super) items: HashMap<i64, Listed>,
    /// Each school's lines, pupils and holdings, gathered once: a report over a district asks
    /// for every school's, and filtering the whole district's rows per school made the report
    /// quadratic (60 schools × 18 000 lines; bench/RESULTS.md, «Учебный фонд региона»).
    by_school: HashMap<i64, OfSchool>,
}

#[derive(Default)]
struct OfSchool {
    /// Indices into `Facts::lines`, in their order.
    lines: Vec<usize>,
    pupils: BTreeMap<u8, i64>,
    /// (item, copies held)
    held: Vec<(i64, i64)>,
}

impl Facts {
    /// `with_items`: also read each item's description (title, authors, numbers), which the
    /// district-wide figures do not show: for a district it is thousands of long rows.
    pub(super) async fn read(
        db: &Db,
        reach: &Reach,
        school: Option<i64>,
        year: SchoolYear,
        with_items: bool,
    ) -> Result<Facts> {
        let mut c = db.conn().await?;
        let schools = directory::list_schools(&mut c.ex(), reach, &ListQuery::all())
            .await?
            .items
            .into_iter()
            .filter(|s| school.is_none_or(|id| id == s.id))
            .map(|s| (s.id, s.short_name.clone(), s.inn.as_ref().map(|i| i.as_str().to_string())))
            .collect();
        let lines = fund::curriculum(&mut c.ex(), reach, school, year.start_year()).await?;
        let pupils: HashMap<(i64, u8), i64> = fund::pupils_by_grade(&mut c.ex(), reach, school, year.start_year())
            .await?
            .into_iter()
            .map(|(s, g, n)| ((s, g as u8), n))
            .collect();
        let held: HashMap<(i64, i64), i64> =
            fund::holdings(&mut c.ex(), reach, school).await?.into_iter().map(|(s, i, n)| ((s, i), n)).collect();
        let mut ids: Vec<i64> = lines.iter().filter_map(|l| l.item_id).chain(held.keys().map(|k| k.1)).collect();
        ids.sort_unstable();
        ids.dedup();
        let standings = fund::fpu_standings(&mut c.ex(), &ids).await?;
        let items = if with_items { fund::fpu_items(&mut c.ex(), &ids).await? } else { HashMap::new() };
        let mut by_school: HashMap<i64, OfSchool> = HashMap::new();
        for (i, l) in lines.iter().enumerate() {
            by_school.entry(l.school_id).or_default().lines.push(i);
        }
        for (&(s, g), &n) in &pupils {
            by_school.entry(s).or_default().pupils.insert(g, n);
        }
        for (&(s, item), &n) in &held {
            by_school.entry(s).or_default().held.push((item, n));
        }
        Ok(Facts { schools, lines, held, standings, items, by_school })
    }

    pub(super) fn standing(&self, item: i64, today: NaiveDate) -> Standing {
        let (annex, limit) = self.standings.get(&item).copied().unwrap_or_default();
        Standing::of(annex, limit, today)
    }

    /// The limit date of use; none while the current order lists the item in Annex 1, even if an
    /// earlier order had excluded it with a limit.
    pub(super) fn limit(&self, item: i64) -> Option<NaiveDate> {
        match self.standings.get(&item) {
            Some((Some(1), _)) | None => None,
            Some((_, limit)) => *limit,
        }
    }

    pub(super) fn choices(&self, school: i64) -> Vec<Choice> {
        let Some(of) = self.by_school.get(&school) else { return vec![] };
        of.lines
            .iter()
            .map(|&i| &self.lines[i])
            .filter_map(|l| {
                l.item_id.map(|item| Choice {
                    grade: l.grade as u8,
                    subject: l.subject.clone(),
                    item,
                    share: l.share as u32,
                })
            })
            .collect()
    }

    pub(super) fn pupils_of(&self, school: i64) -> BTreeMap<u8, i64> {
        self.by_school.get(&school).map(|of| of.pupils.clone()).unwrap_or_default()
    }

    /// Copies usable on `day` per item of a school: held, and before the item's limit date.
    pub(super) fn usable(&self, school: i64, day: NaiveDate) -> HashMap<i64, i64> {
        let Some(of) = self.by_school.get(&school) else { return HashMap::new() };
        of.held.iter().filter(|(item, _)| rules::usable_on(self.limit(*item), day)).copied().collect()
    }

    pub(super) fn rows(&self, school: i64, pupils: &BTreeMap<u8, i64>, day: NaiveDate) -> Vec<rules::SubjectRow> {
        rules::provision(&self.choices(school), pupils, &self.usable(school, day))
    }
}

/// A chosen textbook in a provision row.
#[derive(Debug, Clone, Serialize)]
pub struct ItemLine {
    pub item_id: i64,
    pub item: Option<Listed>,
    pub share: u32,
    pub need: i64,
    pub have: i64,
    /// Every copy the school holds, usable or not.
    pub held: i64,
    pub standing: Standing,
    /// The batches the copies came in, oldest first: year received, copies left, document.
    pub batches: Vec<(i64, i64, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvisionRow {
    pub grade: u8,
    pub subject: String,
    pub figures: Figures,
    pub lines: Vec<ItemLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchoolProvision {
    pub rows: Vec<ProvisionRow>,
    pub total: Figures,
    pub levels: Vec<(&'static str, Figures)>,
    /// Items held that the school's choice does not use: candidates for the exchange fund.
    pub spare: Vec<(Listed, i64)>,
    /// Teaching aids outside the ФПУ in the choice.
    pub aids: Vec<CurriculumLine>,
    pub pupils: i64,
}

fn by_level<'a>(rows: impl Iterator<Item = (u8, &'a Figures)>) -> Vec<(&'static str, Figures)> {
    let mut out: Vec<(&'static str, Figures)> = rules::LEVELS.iter().map(|l| (*l, Figures::default())).collect();
    for (g, f) in rows {
        if let Some(x) = out.iter_mut().find(|x| x.0 == rules::level(g)) {
            x.1.add(f);
        }
    }
    out
}

/// Provision of one school in a school year, counted on `today`.
pub async fn school_provision(
    db: &Db,
    reach: &Reach,
    school: i64,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<SchoolProvision> {
    let f = Facts::read(db, reach, Some(school), year, true).await?;
    let mut batches: HashMap<i64, Vec<(i64, i64, String)>> = HashMap::new();
    {
        let mut c = db.conn().await?;
        for b in fund::batches(&mut c.ex(), reach, school, None).await? {
            if b.left() > 0 {
                let doc = format!("№ {} от {}", b.doc_number, domain::dates::format(b.doc_date));
                batches.entry(b.item_id).or_default().push((b.year, b.left(), doc));
            }
        }
    }
    let pupils = f.pupils_of(school);
    let rows = f.rows(school, &pupils, today);
    let mut total = Figures::default();
    let rows: Vec<ProvisionRow> = rows
        .into_iter()
        .map(|r| {
            total.add(&r.figures);
            let lines = r
                .lines
                .iter()
                .map(|l| ItemLine {
                    item_id: l.item,
                    item: f.items.get(&l.item).cloned(),
                    share: l.share,
                    need: l.need,
                    have: l.have,
                    held: f.held.get(&(school, l.item)).copied().unwrap_or(0),
                    standing: f.standing(l.item, today),
                    batches: batches.get(&l.item).cloned().unwrap_or_default(),
                })
                .collect();
            ProvisionRow { grade: r.grade, subject: r.subject, figures: r.figures, lines }
        })
        .collect();
    let levels = by_level(rows.iter().map(|r| (r.grade, &r.figures)));
    let chosen: std::collections::HashSet<i64> = f.lines.iter().filter_map(|l| l.item_id).collect();
    let mut spare: Vec<(Listed, i64)> = f
        .held
        .iter()
        .filter(|((s, i), _)| *s == school && !chosen.contains(i))
        .filter_map(|((_, i), n)| f.items.get(i).map(|l| (l.clone(), *n)))
        .collect();
    spare.sort_by(|a, b| (&a.0.subject, a.0.grade_from, &a.0.title).cmp(&(&b.0.subject, b.0.grade_from, &b.0.title)));
    let aids = f.lines.iter().filter(|l| l.item_id.is_none()).cloned().collect();
    Ok(SchoolProvision { rows, total, levels, spare, aids, pupils: pupils.values().sum() })
}

/// One school's line in the district report.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolFigures {
    pub school_id: i64,
    pub school: String,
    pub total: Figures,
    pub subjects: BTreeMap<String, Figures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DistrictProvision {
    /// Worst provision first; schools with no need last.
    pub schools: Vec<SchoolFigures>,
    pub subjects: Vec<String>,
    pub grades: Vec<(u8, Figures)>,
    pub levels: Vec<(&'static str, Figures)>,
    pub total: Figures,
}

/// A school's provision rows reduced to what the district report shows: (grade, subject, figures).
type Kept = Vec<(u8, String, Figures)>;

/// Each school's figures: kept ones while valid (see `store::fund::summary`), the rest counted
/// from the school's lines, pupils and holdings and kept for the next report. Counting a district
/// costs ~100 ms, most of it in moving 36 000 rows out of the database; kept figures are 60 rows.
async fn school_figures(db: &Db, reach: &Reach, year: SchoolYear, today: NaiveDate) -> Result<HashMap<i64, Kept>> {
    let (kept, generation) = {
        let mut c = db.conn().await?;
        let generation = fund::fpu_generation(&mut c.ex()).await?;
        (fund::kept_figures(&mut c.ex(), reach, year.start_year(), today, generation).await?, generation)
    };
    let mut out: HashMap<i64, Kept> = HashMap::new();
    let mut stale: Vec<(i64, i64)> = Vec::new();
    for (school, version, figures) in kept {
        match figures.and_then(|j| serde_json::from_str::<Kept>(&j).ok()) {
            Some(k) => {
                out.insert(school, k);
            }
            None => stale.push((school, version)),
        }
    }
    if stale.is_empty() {
        return Ok(out);
    }
    let only = if stale.len() == 1 { Some(stale[0].0) } else { None };
    let f = Facts::read(db, reach, only, year, false).await?;
    let mut fresh = Vec::with_capacity(stale.len());
    for (school, version) in stale {
        let rows: Kept =
            f.rows(school, &f.pupils_of(school), today).into_iter().map(|r| (r.grade, r.subject, r.figures)).collect();
        fresh.push((school, version, serde_json::to_string(&rows).unwrap_or_default()));
        out.insert(school, rows);
    }
    // Keeping is best effort: a report never fails because another writer holds the database.
    let keep = async {
        let mut tx = db.begin().await?;
        for (school, version, json) in &fresh {
            fund::keep_figures(&mut tx.ex(), *school, year.start_year(), *version, today, generation, json).await?;
        }
        tx.commit().await
    };
    if let Err(e) = keep.await {
        tracing::warn!(error = %e, "provision figures not kept");
    }
    Ok(out)
}

/// Counts and keeps the current school year's figures of every district's schools whose kept
/// ones are stale; the server does it in the background.
pub async fn count_every_district(db: &Db) -> Result<()> {
    let districts = {
        let mut c = db.conn().await?;
        directory::list_districts(&mut c.ex()).await?
    };
    let (year, today) = (SchoolYear::current(), domain::clock::today());
    for d in districts.iter().filter(|d| d.archived_at.is_none()) {
        school_figures(db, &Reach::whole_district(d.id), year, today).await?;
    }
    Ok(())
}

/// Provision of every school in reach: sums of need and of min(have, need) over schools.
pub async fn district_provision(
    db: &Db,
    reach: &Reach,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<DistrictProvision> {
    let list = {
        let mut c = db.conn().await?;
        directory::list_schools(&mut c.ex(), reach, &ListQuery::all()).await?.items
    };
    let mut figures = school_figures(db, reach, year, today).await?;
    let mut grades: BTreeMap<u8, Figures> = BTreeMap::new();
    let mut subjects: std::collections::BTreeSet<String> = Default::default();
    let mut total = Figures::default();
    let mut schools: Vec<SchoolFigures> = list
        .iter()
        .filter(|s| s.archived_at.is_none())
        .map(|s| {
            let mut sf = SchoolFigures {
                school_id: s.id,
                school: s.short_name.clone(),
                total: Figures::default(),
                subjects: BTreeMap::new(),
            };
            for (grade, subject, f) in figures.remove(&s.id).unwrap_or_default() {
                sf.total.add(&f);
                grades.entry(grade).or_default().add(&f);
                sf.subjects.entry(subject.clone()).or_default().add(&f);
                subjects.insert(subject);
            }
            total.add(&sf.total);
            sf
        })
        .collect();
    schools.sort_by(|a, b| {
        let key = |s: &SchoolFigures| s.total.percent().unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then_with(|| a.school.cmp(&b.school))
    });
    let levels = by_level(grades.iter().map(|(g, f)| (*g, f)));
    Ok(DistrictProvision {
        schools,
        subjects: subjects.into_iter().collect(),
        grades: grades.into_iter().collect(),
        levels,
        total,
    })
}

/// Copies of one item at one school that need attention against the current list.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceRow {
    pub school_id: i64,
    pub school: String,
    pub item_id: i64,
    pub item: Option<Listed>,
    pub standing: Standing,
    pub copies: i64,
    /// Pupils whose chosen textbook this is this year.
    pub pupils: i64,
    /// Items of the same subject and grade in Annex 1 of the current list.
    pub replacements: Vec<Listed>,
}

/// Copies whose item is excluded, gone from the list, or past (or near) its limit date, worst first.
pub async fn compliance(
    db: &Db,
    reach: &Reach,
    school: Option<i64>,
    year: SchoolYear,
    today: NaiveDate,
) -> Result<Vec<ComplianceRow>> {
    let f = Facts::read(db, reach, school, year, true).await?;
    let current: Vec<Listed> = {
        let mut c = db.conn().await?;
        match fund::current_fpu_order(&mut c.ex()).await? {
            Some(o) => {
                fund::fpu_by_number(&mut c.ex(), o.id).await?.into_values().flatten().filter(|l| l.annex == 1).collect()
            }
            None => vec![],
        }
    };
    let names: HashMap<i64, &str> = f.schools.iter().map(|(id, n, _)| (*id, n.as_str())).collect();
    let mut need: HashMap<(i64, i64), i64> = HashMap::new();
    for (id, _, _) in &f.schools {
        for r in f.rows(*id, &f.pupils_of(*id), today) {
            for l in r.lines {
                *need.entry((*id, l.item)).or_default() += l.need;
            }
        }
    }
    // The current list by normalised subject, and each problem item's replacements found once:
    // comparing every problem holding with the whole list, normalising both subjects each time,
    // took 3.6 s for a 60-school district (bench/RESULTS.md, «Учебный фонд региона»).
    let mut by_subject: HashMap<String, Vec<&Listed>> = HashMap::new();
    for c in &current {
        by_subject.entry(domain::text::normalize(&c.subject)).or_default().push(c);
    }
    let mut replacements_of: HashMap<i64, Vec<Listed>> = HashMap::new();
    let mut rows: Vec<ComplianceRow> = f
        .held
        .iter()
        .filter_map(|(&(s, item), &copies)| {
            let standing = f.standing(item, today);
            let name = names.get(&s)?;
            standing.is_problem().then(|| {
                let it = f.items.get(&item).cloned();
                let replacements = replacements_of
                    .entry(item)
                    .or_insert_with(|| {
                        let Some(it) = it.as_ref() else { return vec![] };
                        let mut r: Vec<Listed> = by_subject
                            .get(&domain::text::normalize(&it.subject))
                            .map(|same| {
                                same.iter()
                                    .filter(|c| c.item_id != item && overlaps(c, it))
                                    .map(|c| (*c).clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        r.sort_by(|a, b| a.number_key.cmp(&b.number_key));
                        r.truncate(5);
                        r
                    })
                    .clone();
                ComplianceRow {
                    school_id: s,
                    school: name.to_string(),
                    item_id: item,
                    item: it,
                    standing,
                    copies,
                    pupils: need.get(&(s, item)).copied().unwrap_or(0),
                    replacements,
                }
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (std::cmp::Reverse(a.standing.severity()), a.standing.limit(), &a.school, a.item_id).cmp(&(
            std::cmp::Reverse(b.standing.severity()),
            b.standing.limit(),
            &b.school,
            b.item_id,
        ))
    });
    Ok(rows)
}

fn overlaps(a: &Listed, b: &Listed) -> bool {
    match (a.grade_from, a.grade_to, b.grade_from, b.grade_to) {
        (Some(a1), Some(a2), Some(b1), Some(b2)) => a1 <= b2 && b1 <= a2,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(standings: &[(i64, Option<u8>, Option<NaiveDate>)]) -> Facts {
        Facts {
            schools: vec![],
            lines: vec![],
            held: HashMap::new(),
            standings: standings.iter().map(|(i, a, l)| (*i, (*a, *l))).collect(),
            items: HashMap::new(),
            by_school: HashMap::new(),
        }
    }

    #[test]
    fn an_item_back_in_annex_1_has_no_limit_left() {
        let day = NaiveDate::from_ymd_opt(2025, 9, 25);
        let f = facts(&[(1, Some(1), day), (2, Some(2), day), (3, None, day), (4, Some(1), None)]);
        assert_eq!(f.limit(1), None, "returned to Annex 1 by the current order");
        assert_eq!(f.limit(2), day);
        assert_eq!(f.limit(3), day, "gone from the current order: the last limit stands");
        assert_eq!(f.limit(4), None);
        assert_eq!(f.limit(5), None, "unknown item");
    }
}
