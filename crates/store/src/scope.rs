//! Whom a record concerns: its district, the schools that are parties to it and the accounts it
//! belongs to. One function per record kind; later kinds (an exchange transfer, an order) return
//! two schools and the head, and access rules read the same [`Parties`].

use crate::{on, Error, Ex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    School,
    Librarian,
    /// An event of a district's plan: the district's, no school is a party.
    PlanEvent,
    /// A meeting of a district's association.
    Meeting,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parties {
    pub district: i64,
    pub schools: Vec<i64>,
    /// Accounts whose own record this is (a librarian's data-bank record).
    pub people: Vec<i64>,
}

/// The parties of a record, or None when there is no such record.
pub async fn parties(ex: &mut Ex<'_>, kind: Kind, id: i64) -> Result<Option<Parties>, Error> {
    Ok(match kind {
        Kind::School => {
            let r: Option<(i64,)> = on!(ex, c => sqlx::query_as("SELECT district_id FROM schools WHERE id = $1")
                .bind(id).fetch_optional(c).await)?;
            r.map(|(district,)| Parties { district, schools: vec![id], people: vec![] })
        }
        Kind::Librarian => {
            let r: Option<(i64, i64, Option<i64>)> = on!(ex, c => sqlx::query_as(
                "SELECT district_id, school_id, user_id FROM librarians WHERE id = $1")
                .bind(id).fetch_optional(c).await)?;
            r.map(|(district, school, user)| Parties {
                district,
                schools: vec![school],
                people: user.into_iter().collect(),
            })
        }
        Kind::PlanEvent | Kind::Meeting => {
            let sql = match kind {
                Kind::PlanEvent => {
                    "SELECT p.district_id FROM plan_events e JOIN plans p ON p.id = e.plan_id WHERE e.id = $1"
                }
                _ => "SELECT p.district_id FROM meetings m JOIN plans p ON p.id = m.plan_id WHERE m.id = $1",
            };
            let r: Option<(i64,)> = on!(ex, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?;
            r.map(|(district,)| Parties { district, schools: vec![], people: vec![] })
        }
    })
}
