//! NPS surveys: a campaign asks chosen contacts one 0–10 question by e-mail;
//! each contact answers once through a one-time link (no login).
//!
//! NPS = % promoters (9–10) − % detractors (0–6), a percentage with two
//! decimals as a string (`"-33.33"`), `null` without responses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::reports::percent;

pub const MAX_SURVEY_CONTACTS: usize = 1000;
pub const MAX_QUESTION_LEN: usize = 2000;
pub const MAX_COMMENT_LEN: usize = 4000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NpsSummary {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub nps: Option<String>,
}

impl NpsSummary {
    pub fn add(&mut self, score: i32) {
        self.add_n(score, 1);
    }

    /// Counts `n` answers of `score`.
    pub fn add_n(&mut self, score: i32, n: u64) {
        self.responses += n;
        match score {
            9.. => self.promoters += n,
            7..=8 => self.passives += n,
            _ => self.detractors += n,
        }
        self.nps = nps(self.promoters, self.detractors, self.responses);
    }

    pub fn of(scores: impl IntoIterator<Item = i32>) -> NpsSummary {
        let mut summary = NpsSummary::default();
        for s in scores {
            summary.add(s);
        }
        summary
    }
}

/// (promoters − detractors) / responses as a percentage.
pub fn nps(promoters: u64, detractors: u64, responses: u64) -> Option<String> {
    percent(
        i128::from(promoters) - i128::from(detractors),
        i128::from(responses),
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSurveyRequest {
    pub name: String,
    pub question_zh: String,
    pub question_en: String,
    /// Contacts of the workspace with an e-mail address; each gets a link.
    pub contact_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Survey {
    pub id: i64,
    pub name: String,
    pub question_zh: String,
    pub question_en: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    /// Contacts asked.
    pub recipients: u64,
    pub summary: NpsSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyDetail {
    pub survey: Survey,
    /// Every recipient; `score` is `null` until they answer.
    pub responses: Vec<SurveyResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyResponse {
    pub contact_id: i64,
    pub contact_name: String,
    pub account_id: i64,
    pub account_name: String,
    pub score: Option<i32>,
    pub comment: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
}

/// What the one-time link shows (no login): the question, nothing else of
/// the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalSurvey {
    pub question_zh: String,
    pub question_en: String,
    /// Already answered: a second answer is refused with 409.
    pub answered: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyAnswer {
    /// 0–10.
    pub score: i32,
    #[serde(default)]
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_is_promoters_minus_detractors() {
        // 2 promoters, 1 passive, 3 detractors: (2 − 3) / 6 = −16.67 %.
        let s = NpsSummary::of([10, 9, 7, 6, 0, 3]);
        assert_eq!((s.promoters, s.passives, s.detractors), (2, 1, 3));
        assert_eq!(s.nps.as_deref(), Some("-16.67"));
        assert_eq!(NpsSummary::of([9, 10]).nps.as_deref(), Some("100.00"));
        assert_eq!(NpsSummary::of([8]).nps.as_deref(), Some("0.00"));
        assert_eq!(NpsSummary::default().nps, None);
    }
}
