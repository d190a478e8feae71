//! The forms around the health score, checked before anything is sent:
//! the workspace's health model (weights and band thresholds), an override
//! request, and the NPS surveys whose answers feed the score's satisfaction
//! component (a campaign, and the customer's answer). Also the display
//! arithmetic those pages need: weight shares, band ranges, NPS text.
//!
//! The rules mirror the server's (`domain::health::put_model`,
//! `request_override`, `domain::surveys`), so a refusal is explained next to
//! the field instead of after a round trip; the server stays the authority.

use chrono::{Duration, NaiveDate};
use shared::health::{ComponentWeight, HealthComponent, OverrideRequest, UpdateHealthModel};
use shared::surveys::{
    CreateSurveyRequest, NpsSummary, SurveyAnswer, MAX_COMMENT_LEN, MAX_QUESTION_LEN,
    MAX_SURVEY_CONTACTS,
};
use shared::validation::MAX_NAME_LEN;

use crate::i18n::Lang;

/// An override applies for at most this many days (the server's rule).
pub const MAX_OVERRIDE_DAYS: i64 = 366;
/// The longest override reason the server takes.
pub const MAX_REASON_LEN: usize = 2000;
/// The expiry the override form suggests.
pub const DEFAULT_OVERRIDE_DAYS: i64 = 30;
/// The longest API key name the server takes.
pub const MAX_KEY_NAME_LEN: usize = 200;

/// Why a form value is refused; the page words it in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong(usize),
    /// A weight that is not a whole number from 0 to 100.
    Weight,
    /// Every weight is 0: the score would have nothing to stand on.
    AllZero,
    /// The green threshold is not a whole number from 1 to 100.
    Green,
    /// The yellow threshold is not a whole number from 0 to 100.
    Yellow,
    /// The yellow threshold is not below the green one.
    YellowNotBelowGreen,
    /// An override score that is not a whole number from 0 to 100.
    Score,
    /// An expiry that is not a date after today within [`MAX_OVERRIDE_DAYS`].
    Expiry,
    /// No contact chosen, or more than a campaign may ask.
    Contacts,
    /// No NPS score (0–10) chosen.
    NpsScore,
}

/// Field name (as the API names it) and why it is refused.
pub type Problems = Vec<(String, Problem)>;

/// A whole number from `lo` to `hi` (surrounding blanks allowed).
pub fn whole_in(text: &str, lo: i32, hi: i32) -> Option<i32> {
    let t = text.trim();
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|n| (lo..=hi).contains(n))
}

fn text_problem(text: &str, max: usize, required: bool) -> Option<Problem> {
    let t = text.trim();
    if required && t.is_empty() {
        Some(Problem::Required)
    } else if t.chars().count() > max {
        Some(Problem::TooLong(max))
    } else {
        None
    }
}

// ---------- the health model ----------

/// The API's name of the `index`-th weight (as its 422 answers name it).
pub fn weight_field(index: usize) -> String {
    format!("components[{index}].weight")
}

/// The model to save, or why not. `weights` are in the model's order, which
/// is also the order sent, so field names match the server's.
pub fn model_request(
    weights: &[(HealthComponent, String)],
    green: &str,
    yellow: &str,
) -> Result<UpdateHealthModel, Problems> {
    let mut problems = Problems::new();
    let mut components = Vec::with_capacity(weights.len());
    for (index, (component, text)) in weights.iter().enumerate() {
        match whole_in(text, 0, 100) {
            Some(weight) => components.push(ComponentWeight {
                component: *component,
                weight,
            }),
            None => problems.push((weight_field(index), Problem::Weight)),
        }
    }
    if problems.is_empty() && components.iter().all(|c| c.weight == 0) {
        problems.push(("components".into(), Problem::AllZero));
    }
    let green_min = whole_in(green, 1, 100);
    let yellow_min = whole_in(yellow, 0, 100);
    if green_min.is_none() {
        problems.push(("green_min".into(), Problem::Green));
    }
    match (green_min, yellow_min) {
        (_, None) => problems.push(("yellow_min".into(), Problem::Yellow)),
        (Some(g), Some(y)) if y >= g => {
            problems.push(("yellow_min".into(), Problem::YellowNotBelowGreen))
        }
        _ => {}
    }
    match (green_min, yellow_min) {
        (Some(green_min), Some(yellow_min)) if problems.is_empty() => Ok(UpdateHealthModel {
            components,
            green_min,
            yellow_min,
        }),
        _ => Err(problems),
    }
}

/// `part` of `total` as a percentage with at most one decimal (`"14.3%"`,
/// `"20%"`), rounded half up; integer arithmetic, no float formatting.
pub fn share_text(part: i32, total: i32) -> Option<String> {
    if total <= 0 || part < 0 {
        return None;
    }
    let tenths = (i64::from(part) * 1000 + i64::from(total) / 2) / i64::from(total);
    Some(if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    })
}

/// Each weight's share of the total of the valid weights (`None` for a
/// weight that is not valid, or when every valid weight is 0).
pub fn shares(weights: &[Option<i32>]) -> Vec<Option<String>> {
    let total: i32 = weights.iter().flatten().sum();
    weights
        .iter()
        .map(|w| w.and_then(|w| share_text(w, total)))
        .collect()
}

/// The scores each band covers, for the preview under the thresholds:
/// `(red, yellow, green)` as inclusive ranges (`None` when the band is
/// empty), or `None` when the thresholds are not valid.
pub type BandRange = Option<(i32, i32)>;

pub fn band_ranges(green: &str, yellow: &str) -> Option<(BandRange, BandRange, BandRange)> {
    let g = whole_in(green, 1, 100)?;
    let y = whole_in(yellow, 0, 100)?;
    if y >= g {
        return None;
    }
    let red = (y > 0).then_some((0, y - 1));
    Some((red, Some((y, g - 1)), Some((g, 100))))
}

/// `"40–69"`, or `"—"` for an empty band.
pub fn range_text(range: BandRange) -> String {
    match range {
        Some((a, b)) if a == b => a.to_string(),
        Some((a, b)) => format!("{a}–{b}"),
        None => "—".into(),
    }
}

// ---------- overrides ----------

/// The override to request, or why not. `today` is the browser's date; the
/// server checks again against the workspace's.
pub fn override_request(
    score: &str,
    reason: &str,
    expires_on: &str,
    today: NaiveDate,
) -> Result<OverrideRequest, Problems> {
    let mut problems = Problems::new();
    let score = whole_in(score, 0, 100);
    if score.is_none() {
        problems.push(("score".into(), Problem::Score));
    }
    if let Some(p) = text_problem(reason, MAX_REASON_LEN, true) {
        problems.push(("reason".into(), p));
    }
    let expires = NaiveDate::parse_from_str(expires_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d > today && *d <= today + Duration::days(MAX_OVERRIDE_DAYS));
    if expires.is_none() {
        problems.push(("expires_on".into(), Problem::Expiry));
    }
    match (score, expires) {
        (Some(score), Some(expires_on)) if problems.is_empty() => Ok(OverrideRequest {
            score,
            reason: reason.trim().to_string(),
            expires_on,
        }),
        _ => Err(problems),
    }
}

/// The expiry the form starts with, as a date input wants it.
pub fn default_expiry(today: NaiveDate) -> String {
    (today + Duration::days(DEFAULT_OVERRIDE_DAYS))
        .format("%Y-%m-%d")
        .to_string()
}

/// The date input's bounds: tomorrow and the last allowed day.
pub fn expiry_bounds(today: NaiveDate) -> (String, String) {
    (
        (today + Duration::days(1)).format("%Y-%m-%d").to_string(),
        (today + Duration::days(MAX_OVERRIDE_DAYS))
            .format("%Y-%m-%d")
            .to_string(),
    )
}

/// A calendar day (an override's end) in the user's language.
pub fn day_text(day: NaiveDate, lang: Lang) -> String {
    crate::i18n::dates::format_day(day, lang)
}

/// What a `health_override` approval asks for, read from its summary
/// (`Override the health score to 85 until 2026-03-31: reason`); the
/// approval carries no structured payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideAsk {
    pub score: i32,
    pub until: NaiveDate,
    pub reason: String,
}

pub fn override_ask(summary: &str) -> Option<OverrideAsk> {
    let rest = summary.strip_prefix("Override the health score to ")?;
    let (score, rest) = rest.split_once(" until ")?;
    let (until, reason) = rest.split_once(": ")?;
    Some(OverrideAsk {
        score: whole_in(score, 0, 100)?,
        until: NaiveDate::parse_from_str(until, "%Y-%m-%d").ok()?,
        reason: reason.to_string(),
    })
}

// ---------- API keys ----------

pub fn key_name_problem(name: &str) -> Option<Problem> {
    text_problem(name, MAX_KEY_NAME_LEN, true)
}

/// The how-to's request: one usage event, sent with the key.
pub fn curl_example(origin: &str, key: &str) -> String {
    format!(
        "curl -X POST {origin}/api/v1/usage-events \\\n  \
         -H 'X-Api-Key: {key}' \\\n  \
         -H 'Content-Type: application/json' \\\n  \
         -d '{{\"events\": [{{\"account_code\": \"100101\", \"user_ref\": \"zhangwei\", \
         \"module\": \"finance\", \"occurred_at\": \"2026-01-15T09:30:00Z\"}}]}}'"
    )
}

// ---------- surveys ----------

/// The campaign to create, or why not.
pub fn survey_request(
    name: &str,
    question_zh: &str,
    question_en: &str,
    contact_ids: &[i64],
) -> Result<CreateSurveyRequest, Problems> {
    let mut problems = Problems::new();
    for (field, text, max) in [
        ("name", name, MAX_NAME_LEN),
        ("question_zh", question_zh, MAX_QUESTION_LEN),
        ("question_en", question_en, MAX_QUESTION_LEN),
    ] {
        if let Some(p) = text_problem(text, max, true) {
            problems.push((field.into(), p));
        }
    }
    if contact_ids.is_empty() || contact_ids.len() > MAX_SURVEY_CONTACTS {
        problems.push(("contact_ids".into(), Problem::Contacts));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CreateSurveyRequest {
        name: name.trim().to_string(),
        question_zh: question_zh.trim().to_string(),
        question_en: question_en.trim().to_string(),
        contact_ids: contact_ids.to_vec(),
    })
}

/// Adds or removes a contact from the campaign's recipients.
pub fn toggle_id(ids: &mut Vec<i64>, id: i64, on: bool) {
    ids.retain(|x| *x != id);
    if on {
        ids.push(id);
    }
}

/// The customer's answer, or why not (a blank comment is no comment).
pub fn answer_request(score: Option<i32>, comment: &str) -> Result<SurveyAnswer, Problems> {
    let mut problems = Problems::new();
    let score = score.filter(|s| (0..=10).contains(s));
    if score.is_none() {
        problems.push(("score".into(), Problem::NpsScore));
    }
    if let Some(p) = text_problem(comment, MAX_COMMENT_LEN, false) {
        problems.push(("comment".into(), p));
    }
    match score {
        Some(score) if problems.is_empty() => Ok(SurveyAnswer {
            score,
            comment: Some(comment.trim().to_string()).filter(|c| !c.is_empty()),
        }),
        _ => Err(problems),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NpsGroup {
    Promoter,
    Passive,
    Detractor,
}

impl NpsGroup {
    pub fn of(score: i32) -> NpsGroup {
        match score {
            9.. => NpsGroup::Promoter,
            7..=8 => NpsGroup::Passive,
            _ => NpsGroup::Detractor,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NpsGroup::Promoter => "promoter",
            NpsGroup::Passive => "passive",
            NpsGroup::Detractor => "detractor",
        }
    }
}

/// The API's NPS (`"-16.67"`, `"100.00"`) as shown: signed, without
/// trailing zeros (`"-16.67"`, `"+100"`, `"0"`); `"—"` without answers.
pub fn nps_text(nps: Option<&str>) -> String {
    let Some(raw) = nps.map(str::trim).filter(|s| !s.is_empty()) else {
        return "—".into();
    };
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let digits = if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        digits
    };
    if digits.is_empty() || digits.bytes().all(|b| b == b'0' || b == b'.') {
        return "0".into();
    }
    format!("{}{digits}", if negative { "-" } else { "+" })
}

/// Whole percent of `part` in `whole`, rounded half up (`None` for 0 of 0).
pub fn percent_of(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part.min(whole) * 200 + whole) / (whole * 2))
}

/// Widths (percent, adding up to 100) of the promoters, passives and
/// detractors bar; all 0 without answers.
pub fn mix_widths(s: &NpsSummary) -> (u64, u64, u64) {
    let total = s.promoters + s.passives + s.detractors;
    let (Some(p), Some(d)) = (
        percent_of(s.promoters, total),
        percent_of(s.detractors, total),
    ) else {
        return (0, 0, 0);
    };
    let d = d.min(100 - p);
    (p, 100 - p - d, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(texts: &[&str]) -> Vec<(HealthComponent, String)> {
        HealthComponent::ALL
            .iter()
            .zip(texts)
            .map(|(c, t)| (*c, t.to_string()))
            .collect()
    }

    fn fields(problems: &Problems) -> Vec<(&str, Problem)> {
        problems.iter().map(|(f, p)| (f.as_str(), *p)).collect()
    }

    #[test]
    fn whole_numbers_within_bounds_only() {
        assert_eq!(whole_in(" 20 ", 0, 100), Some(20));
        assert_eq!(whole_in("0", 0, 100), Some(0));
        assert_eq!(whole_in("100", 0, 100), Some(100));
        for bad in ["", "101", "-1", "2.5", "1e2", "abc", "99999999999"] {
            assert_eq!(whole_in(bad, 0, 100), None, "{bad}");
        }
        assert_eq!(whole_in("0", 1, 100), None);
    }

    #[test]
    fn a_valid_model_is_sent_in_the_models_order() {
        let req = model_request(
            &weights(&["20", "20", "10", "0", "15", "15", "10", "0"]),
            "70",
            "40",
        )
        .unwrap();
        assert_eq!(req.green_min, 70);
        assert_eq!(req.yellow_min, 40);
        assert_eq!(req.components.len(), 8);
        assert_eq!(req.components[3].component, HealthComponent::Training);
        assert_eq!(req.components[3].weight, 0, "0 switches a component off");
    }

    #[test]
    fn bad_weights_are_named_like_the_server_names_them() {
        let err = model_request(
            &weights(&["20", "x", "10", "101", "15", "15", "10", "0"]),
            "70",
            "40",
        )
        .unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("components[1].weight", Problem::Weight),
                ("components[3].weight", Problem::Weight),
            ]
        );
    }

    #[test]
    fn all_weights_zero_is_refused() {
        let err = model_request(&weights(&["0"; 8]), "70", "40").unwrap_err();
        assert_eq!(fields(&err), vec![("components", Problem::AllZero)]);
    }

    #[test]
    fn yellow_must_be_below_green_and_both_in_range() {
        let w = weights(&["1"; 8]);
        let err = model_request(&w, "60", "60").unwrap_err();
        assert_eq!(
            fields(&err),
            vec![("yellow_min", Problem::YellowNotBelowGreen)]
        );
        let err = model_request(&w, "0", "101").unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("green_min", Problem::Green),
                ("yellow_min", Problem::Yellow)
            ]
        );
        assert!(model_request(&w, "1", "0").is_ok());
        assert!(model_request(&w, "100", "99").is_ok());
    }

    #[test]
    fn weights_show_as_shares_of_their_total() {
        assert_eq!(share_text(20, 100).as_deref(), Some("20%"));
        assert_eq!(share_text(1, 7).as_deref(), Some("14.3%"));
        assert_eq!(share_text(2, 3).as_deref(), Some("66.7%"));
        assert_eq!(share_text(0, 50).as_deref(), Some("0%"));
        assert_eq!(share_text(1, 0), None);
        assert_eq!(
            shares(&[Some(30), None, Some(10), Some(0)]),
            vec![
                Some("75%".into()),
                None,
                Some("25%".into()),
                Some("0%".into())
            ]
        );
        assert_eq!(shares(&[Some(0), Some(0)]), vec![None, None]);
    }

    #[test]
    fn bands_cover_every_score_once() {
        let (red, yellow, green) = band_ranges("70", "40").unwrap();
        assert_eq!(
            (red, yellow, green),
            (Some((0, 39)), Some((40, 69)), Some((70, 100)))
        );
        assert_eq!(range_text(yellow), "40–69");
        let (red, _, green) = band_ranges("100", "0").unwrap();
        assert_eq!(range_text(red), "—");
        assert_eq!(range_text(green), "100");
        assert_eq!(band_ranges("40", "40"), None);
        assert_eq!(band_ranges("x", "40"), None);
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_override_needs_score_reason_and_a_future_expiry() {
        let today = day("2026-01-10");
        let req = override_request(
            " 85 ",
            "  Big rollout, usage data lags  ",
            "2026-02-09",
            today,
        )
        .unwrap();
        assert_eq!(req.score, 85);
        assert_eq!(req.reason, "Big rollout, usage data lags");
        assert_eq!(req.expires_on, day("2026-02-09"));

        let err = override_request("101", " ", "2026-01-10", today).unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("score", Problem::Score),
                ("reason", Problem::Required),
                ("expires_on", Problem::Expiry),
            ]
        );
        assert!(override_request("50", "r", "2027-01-11", today).is_ok());
        assert!(override_request("50", "r", "2027-01-12", today).is_err());
        assert!(override_request("50", "r", "10/02/2026", today).is_err());
        let long = "x".repeat(MAX_REASON_LEN + 1);
        assert_eq!(
            fields(&override_request("50", &long, "2026-02-01", today).unwrap_err()),
            vec![("reason", Problem::TooLong(MAX_REASON_LEN))]
        );
        assert_eq!(default_expiry(today), "2026-02-09");
        assert_eq!(
            expiry_bounds(today),
            ("2026-01-11".to_string(), "2027-01-11".to_string())
        );
    }

    #[test]
    fn days_show_in_the_users_language() {
        assert_eq!(day_text(day("2026-03-05"), Lang::En), "5 Mar 2026");
        assert_eq!(day_text(day("2026-03-05"), Lang::Zh), "2026年3月5日");
    }

    #[test]
    fn override_approvals_are_read_from_their_summary() {
        let ask =
            override_ask("Override the health score to 85 until 2026-03-31: Rollout: usage lags")
                .unwrap();
        assert_eq!(ask.score, 85);
        assert_eq!(ask.until, day("2026-03-31"));
        assert_eq!(ask.reason, "Rollout: usage lags");
        assert_eq!(
            override_ask("Contract #7: annual value 1.00 → 2.00 CNY"),
            None
        );
        assert_eq!(
            override_ask("Override the health score to 850 until 2026-03-31: x"),
            None
        );
    }

    #[test]
    fn key_names_and_the_how_to() {
        assert_eq!(key_name_problem("  "), Some(Problem::Required));
        assert_eq!(key_name_problem("ERP server"), None);
        assert_eq!(
            key_name_problem(&"k".repeat(201)),
            Some(Problem::TooLong(200))
        );
        let curl = curl_example("https://cs.example.cn", "stw_abc");
        assert!(curl.contains("https://cs.example.cn/api/v1/usage-events"));
        assert!(curl.contains("X-Api-Key: stw_abc"));
        let body = curl.split("-d '").nth(1).unwrap().trim_end_matches('\'');
        let parsed: shared::health::UsageEventBatch = serde_json::from_str(body).unwrap();
        assert_eq!(parsed.events.len(), 1);
    }

    #[test]
    fn a_campaign_needs_a_name_questions_and_contacts() {
        let req = survey_request(" Q1 NPS ", "问题", "Question", &[3, 5]).unwrap();
        assert_eq!(req.name, "Q1 NPS");
        assert_eq!(req.contact_ids, vec![3, 5]);
        let err = survey_request("", "问题", " ", &[]).unwrap_err();
        assert_eq!(
            fields(&err),
            vec![
                ("name", Problem::Required),
                ("question_en", Problem::Required),
                ("contact_ids", Problem::Contacts),
            ]
        );
        let many: Vec<i64> = (0..=MAX_SURVEY_CONTACTS as i64).collect();
        assert!(survey_request("n", "q", "q", &many).is_err());
        let mut ids = vec![1, 2];
        toggle_id(&mut ids, 2, false);
        toggle_id(&mut ids, 3, true);
        toggle_id(&mut ids, 3, true);
        assert_eq!(ids, vec![1, 3]);
    }

    #[test]
    fn an_answer_needs_a_score_from_0_to_10() {
        let a = answer_request(Some(9), "  great support ").unwrap();
        assert_eq!((a.score, a.comment.as_deref()), (9, Some("great support")));
        assert_eq!(answer_request(Some(0), "  ").unwrap().comment, None);
        assert_eq!(
            fields(&answer_request(None, "").unwrap_err()),
            vec![("score", Problem::NpsScore)]
        );
        assert!(answer_request(Some(11), "").is_err());
        let long = "意".repeat(MAX_COMMENT_LEN + 1);
        assert_eq!(
            fields(&answer_request(Some(5), &long).unwrap_err()),
            vec![("comment", Problem::TooLong(MAX_COMMENT_LEN))]
        );
    }

    #[test]
    fn nps_groups_and_text() {
        assert_eq!(NpsGroup::of(10), NpsGroup::Promoter);
        assert_eq!(NpsGroup::of(9), NpsGroup::Promoter);
        assert_eq!(NpsGroup::of(8), NpsGroup::Passive);
        assert_eq!(NpsGroup::of(7), NpsGroup::Passive);
        assert_eq!(NpsGroup::of(6), NpsGroup::Detractor);
        assert_eq!(NpsGroup::of(0), NpsGroup::Detractor);
        assert_eq!(nps_text(Some("100.00")), "+100");
        assert_eq!(nps_text(Some("-16.67")), "-16.67");
        assert_eq!(nps_text(Some("33.30")), "+33.3");
        assert_eq!(nps_text(Some("0.00")), "0");
        assert_eq!(nps_text(Some("-0.00")), "0");
        assert_eq!(nps_text(None), "—");
    }

    #[test]
    fn the_mix_bar_adds_up_to_100() {
        assert_eq!(percent_of(2, 3), Some(67));
        assert_eq!(percent_of(1, 8), Some(13));
        assert_eq!(percent_of(0, 0), None);
        let s = NpsSummary::of([10, 9, 7, 6, 0, 3]);
        assert_eq!(mix_widths(&s), (33, 17, 50));
        let s = NpsSummary::of([10, 8, 0]);
        let (p, pa, d) = mix_widths(&s);
        assert_eq!(p + pa + d, 100);
        assert_eq!(mix_widths(&NpsSummary::default()), (0, 0, 0));
        assert_eq!(mix_widths(&NpsSummary::of([9])), (100, 0, 0));
    }
}
