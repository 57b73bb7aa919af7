//! The textbook fund's pages: the federal list, a school's fund (curriculum, receipts,
//! write-offs, pupils, provision, compliance, КСУ) and the district's reports and forms.

pub mod district;
pub mod fpu;
pub mod opening;
pub mod school;

use domain::SchoolYear;
use serde::Deserialize;

use crate::error::{AppError, Result};

/// `?year=2025` (or 2025/2026); the current school year when absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearParam {
    pub year: String,
}

impl YearParam {
    pub fn year(&self) -> Result<SchoolYear> {
        if self.year.trim().is_empty() {
            return Ok(SchoolYear::current());
        }
        SchoolYear::parse(&self.year)
            .ok_or_else(|| AppError::BadRequest(format!("Учебный год «{}» не распознан; пример: 2025/2026", self.year)))
    }
}

/// A provision percentage's CSS class by severity.
pub fn severity_class(s: u8) -> &'static str {
    match s {
        0 => "sev-ok",
        1 => "sev-mid",
        _ => "sev-bad",
    }
}
