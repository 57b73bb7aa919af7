use serde::{Deserialize, Serialize};

/// What an account may do; see shared/domain.md, «Who uses the system».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Installation: creates districts and accounts.
    Admin,
    /// Head of the district association: changes everything in the district.
    Head,
    /// A school librarian: changes only their own school.
    Librarian,
    /// Education committee: reads the district, changes nothing.
    Observer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Head, Role::Librarian, Role::Observer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Head => "head",
            Role::Librarian => "librarian",
            Role::Observer => "observer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            Role::Admin => "Администратор",
            Role::Head => "Руководитель МО",
            Role::Librarian => "Педагог-библиотекарь",
            Role::Observer => "Управление образования",
        }
    }
}
