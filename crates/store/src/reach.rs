//! What a caller may reach. Every store function that reads district data takes a [`Reach`] and
//! filters by it in SQL, so no list can be asked for without one; the web guard builds it once per
//! request from the signed-in account, the CLI asks for a whole district by name.
//!
//! Its fields are private: outside this crate a `Reach` comes only from [`Reach::of`] (an account)
//! or [`Reach::whole_district`] (the installation's own tools), never from a bare id.
//!
//! ```
//! let r = store::Reach::whole_district(1);
//! assert_eq!((r.district(), r.school()), (1, None));
//! ```
//! ```compile_fail
//! let r = store::Reach { district: 1, school: None, user: None, role: domain::Role::Head };
//! ```

use domain::Role;

use crate::accounts::User;
use crate::audit::Actor;
use crate::scope::Parties;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    district: i64,
    school: Option<i64>,
    user: Option<i64>,
    role: Role,
}

impl Reach {
    /// The reach of a signed-in account; None for an account bound to no district (the admin).
    pub fn of(user: &User) -> Option<Reach> {
        let role = user.role();
        let district = user.district_id?;
        // A librarian's private reach is their own school; an account without one reaches no school.
        let school = (role == Role::Librarian).then(|| user.school_id.unwrap_or(-1));
        Some(Reach { district, school, user: Some(user.id), role })
    }

    /// The whole district, as its head sees it: for the CLI and the demo seeder, which act for the
    /// installation rather than for a person.
    pub fn whole_district(district: i64) -> Reach {
        Reach { district, school: None, user: None, role: Role::Head }
    }

    pub fn district(&self) -> i64 {
        self.district
    }

    /// The one school whose private records (staff, passports, funds) this caller sees;
    /// None when every school of the district is in reach.
    pub fn school(&self) -> Option<i64> {
        self.school
    }

    pub fn user(&self) -> Option<i64> {
        self.user
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_head(&self) -> bool {
        self.role == Role::Head
    }

    /// Whether this caller changes anything at all (the observer only reads).
    pub fn can_write(&self) -> bool {
        matches!(self.role, Role::Head | Role::Librarian)
    }

    /// May the caller see the private records of a party to this record?
    pub fn sees(&self, p: &Parties) -> bool {
        p.district == self.district && self.school.is_none_or(|s| p.schools.contains(&s))
    }

    /// May the caller change a record with these parties?
    pub fn may_write(&self, p: &Parties) -> bool {
        self.can_write() && self.sees(p)
    }

    /// Is the record the caller's own (their data-bank record)?
    pub fn owns(&self, p: &Parties) -> bool {
        p.district == self.district && self.user.is_some_and(|u| p.people.contains(&u))
    }

    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user, district_id: Some(self.district) }
    }
}
