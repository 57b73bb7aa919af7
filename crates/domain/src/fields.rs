//! One declaration per record: each field's key, Russian label and kind, written once next to
//! the record's input type by the [`record!`](crate::record) macro. Forms, XLSX columns, import
//! headers, exports and the audit log's labels all read this list, so a new field is one line.

/// What a field holds, so that every place shows and reads it the same way.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    /// ДД.ММ.ГГГГ on the page and in files, ГГГГ-ММ-ДД in a form's date input.
    Date,
    /// A whole number (counts, years, hours).
    Count,
    /// A decimal with a comma (area in m²).
    Decimal,
    /// Yes or no.
    Flag,
    Email,
    Phone,
    /// One of a list: (stored code, title people read) of each choice.
    Choice(&'static [(&'static str, &'static str)]),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// A new record cannot be saved without it (forms mark it with *).
    pub required: bool,
}

impl Field {
    /// A stored value as people read it: a choice by its title, a date as ДД.ММ.ГГГГ, a flag as
    /// да/нет; anything else as it is.
    pub fn show(&self, value: &str) -> String {
        match self.kind {
            Kind::Choice(choices) => choices
                .iter()
                .find(|(code, _)| *code == value)
                .map_or_else(|| value.to_string(), |(_, t)| t.to_string()),
            Kind::Date => crate::dates::parse(value).map(crate::dates::format).unwrap_or_else(|| value.to_string()),
            Kind::Flag => match value {
                "true" | "1" | "on" | "да" => "да".into(),
                "false" | "0" | "" => "нет".into(),
                other => other.into(),
            },
            _ => value.to_string(),
        }
    }
}

/// A record declared with [`record!`](crate::record): its fields, walked by key.
pub trait Record: Default + Clone {
    const FIELDS: &'static [Field];
    fn get(&self, key: &str) -> Option<&str>;
    fn set(&mut self, key: &str, value: String) -> bool;
}

/// The field of a list by its key.
pub fn find(fields: &'static [Field], key: &str) -> Option<&'static Field> {
    fields.iter().find(|f| f.key == key)
}

/// Declares a record's input type — every field a `String` as typed in a form or read from a
/// spreadsheet cell — together with its field list (`FIELDS`), and `get`/`set` by key, so that
/// generic code (imports, exports, forms, the audit log) can walk any record.
#[macro_export]
macro_rules! record {
    (@required) => { false };
    (@required required) => { true };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $key:ident : $label:literal, $kind:expr $(, $required:ident)?; )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( pub $key: String, )*
        }

        impl $name {
            pub const FIELDS: &'static [$crate::fields::Field] = &[
                $( $crate::fields::Field {
                    key: stringify!($key),
                    label: $label,
                    kind: $kind,
                    required: $crate::record!(@required $($required)?),
                }, )*
            ];
        }

        impl $crate::fields::Record for $name {
            const FIELDS: &'static [$crate::fields::Field] = $name::FIELDS;

            fn get(&self, key: &str) -> Option<&str> {
                match key {
                    $( stringify!($key) => Some(self.$key.as_str()), )*
                    _ => None,
                }
            }

            fn set(&mut self, key: &str, value: String) -> bool {
                match key {
                    $( stringify!($key) => { self.$key = value; true } )*
                    _ => false,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Record;
    use crate::directory::{LibrarianInput, PassportInput, SchoolInput};

    #[test]
    fn a_record_is_walked_by_its_keys() {
        let mut s = SchoolInput::default();
        for f in SchoolInput::FIELDS {
            assert!(s.set(f.key, format!("v-{}", f.key)), "{} is a field", f.key);
        }
        assert_eq!(s.short_name, "v-short_name");
        assert_eq!(s.get("inn"), Some("v-inn"));
        assert!(!s.set("no_such_field", String::new()));
        assert_eq!(LibrarianInput::FIELDS.len(), 13);
        assert_eq!(PassportInput::FIELDS.len(), 13);
    }

    #[test]
    fn stored_codes_read_in_russian() {
        let category = super::find(LibrarianInput::FIELDS, "category").unwrap();
        assert_eq!(category.show("highest"), "высшая");
        let date = super::find(LibrarianInput::FIELDS, "attestation_date").unwrap();
        assert_eq!(date.show("2023-03-15"), "15.03.2023");
        let kind = super::find(SchoolInput::FIELDS, "kind").unwrap();
        assert_eq!(kind.show("gymnasium"), "Гимназия");
        let internet = super::find(PassportInput::FIELDS, "internet").unwrap();
        assert_eq!(internet.show("true"), "да");
    }
}
