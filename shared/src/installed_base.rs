//! The installed base (issue 16): what each account runs, per site — the
//! product, edition, version and patch level, where it is deployed, the
//! licensed modules and seats (from the linked licence), customisations
//! (二次开发) and integrations — its upgrade history, and advisories: a
//! notice (a known bug, a patch) to the contacts of every account whose
//! installation matches a version filter.
//!
//! Versions are ordered by [`compare_versions`], which both the server (the
//! advisory filter, upgrades) and the SPA use.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::string_enum;
use crate::error::FieldErrors;
use crate::texts::{Msg, T};
use crate::validation::{self, Collector};
use crate::{ErpModule, Locale};

/// Longest version or patch level.
pub const MAX_VERSION_LEN: usize = 40;
/// Most customisations or integrations on one installation.
pub const MAX_ITEMS: usize = 100;
/// Longest internal note or advisory body, in characters.
pub const MAX_NOTE_LEN: usize = 5_000;
/// Most versions an advisory may list.
pub const MAX_VERSIONS: usize = 50;
/// Most seats an installation may record by itself.
pub const MAX_SEATS: i32 = 1_000_000;

string_enum!(
    /// Where the installation runs.
    Deployment {
        OnPremises => "on_premises",
        Cloud => "cloud",
    }
);

string_enum!(
    /// Where a customisation (二次开发) stands.
    CustomisationStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Live => "live",
        Retired => "retired",
    }
);

string_enum!(
    /// Which way data flows between the ERP and the other system.
    IntegrationDirection {
        Inbound => "inbound",
        Outbound => "outbound",
        Both => "both",
    }
);

string_enum!(
    /// What an advisory announces.
    AdvisoryKind {
        KnownBug => "known_bug",
        Patch => "patch",
    }
);

/// A customisation (二次开发) of an installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customisation {
    pub title: String,
    /// Who maintains it (a person or a partner, free text).
    #[serde(default)]
    pub owner: String,
    pub status: CustomisationStatus,
    /// The modules it touches.
    #[serde(default)]
    pub modules: Vec<ErpModule>,
}

/// Another system the installation exchanges data with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Integration {
    pub name: String,
    /// The other system (e.g. "OA", "WMS", "金税盘").
    pub system: String,
    pub direction: IntegrationDirection,
    #[serde(default)]
    pub notes: String,
}

/// One installation of an account (staff view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Installation {
    pub id: i64,
    pub account_id: i64,
    /// The site (plant, branch, subsidiary) it serves.
    pub site: String,
    pub product: String,
    pub edition: String,
    /// The software version, e.g. `V15.1` (ordered by [`compare_versions`]).
    pub version: String,
    /// e.g. `SP2`, `PT000123`; may be blank.
    pub patch_level: String,
    pub deployment: Deployment,
    pub server_os: String,
    pub database: String,
    /// The licence the modules and seats come from, if one is linked.
    pub license_id: Option<i64>,
    /// From the linked licence when there is one, else as recorded.
    pub modules: Vec<ErpModule>,
    pub seats: Option<i32>,
    pub customisations: Vec<Customisation>,
    pub integrations: Vec<Integration>,
    /// Staff only: never shown in the portal.
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /accounts/{id}/installations`, `PUT …/{installation_id}`. A `PUT`
/// cannot change the version: record an upgrade instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallationRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub site: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub product: String,
    #[serde(default)]
    pub edition: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub version: String,
    #[serde(default)]
    pub patch_level: String,
    pub deployment: Deployment,
    #[serde(default)]
    pub server_os: String,
    #[serde(default)]
    pub database: String,
    /// A licence of the same account; its modules and seats are shown.
    #[serde(default)]
    pub license_id: Option<i64>,
    /// Used when no licence is linked.
    #[serde(default)]
    pub modules: Vec<ErpModule>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000))]
    pub seats: Option<i32>,
    #[serde(default)]
    pub customisations: Vec<Customisation>,
    #[serde(default)]
    pub integrations: Vec<Integration>,
    #[serde(default)]
    pub notes: String,
}

/// What the portal shows a customer of their own installations: no
/// internal notes, no customisations or integrations, no engineers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalInstallation {
    pub id: i64,
    pub site: String,
    pub product: String,
    pub edition: String,
    pub version: String,
    pub patch_level: String,
    pub deployment: Deployment,
    pub modules: Vec<ErpModule>,
    pub seats: Option<i32>,
}

/// One upgrade of an installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upgrade {
    pub id: i64,
    pub installation_id: i64,
    pub from_version: String,
    pub from_patch_level: String,
    pub to_version: String,
    pub to_patch_level: String,
    pub upgraded_on: NaiveDate,
    pub engineer_id: i64,
    pub engineer_name: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /accounts/{id}/installations/{installation_id}/upgrades`: from
/// the installation's current version to a later one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpgradeRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub to_version: String,
    #[serde(default)]
    pub to_patch_level: String,
    pub upgraded_on: NaiveDate,
    /// A staff member of the workspace.
    pub engineer_id: i64,
    #[serde(default)]
    pub note: String,
}

/// A token of a version: a pre-release word sorts before the release, a
/// number by its value, another word (`SP`, `build`) after the release.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Pre(String),
    Num(u128),
    Word(String),
}

const PRE_RELEASE: &[&str] = &["alpha", "a", "beta", "b", "rc", "pre", "preview", "dev"];

fn tokens(version: &str) -> Vec<Token> {
    let lower = version.trim().to_lowercase();
    // "V15.1" and "15.1" are the same version.
    let text = match lower.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => lower.as_str(),
    };
    let mut out = Vec::new();
    let mut run = String::new();
    let mut digits = false;
    let flush = |run: &mut String, digits: bool, out: &mut Vec<Token>| {
        if run.is_empty() {
            return;
        }
        let token = if digits {
            // Leading zeros do not count; absurdly long numbers saturate.
            Token::Num(run.parse().unwrap_or(u128::MAX))
        } else if PRE_RELEASE.contains(&run.as_str()) {
            Token::Pre(run.clone())
        } else {
            Token::Word(run.clone())
        };
        out.push(token);
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !digits {
                flush(&mut run, digits, &mut out);
            }
            digits = true;
            run.push(c);
        } else if c.is_alphanumeric() {
            if digits {
                flush(&mut run, digits, &mut out);
            }
            digits = false;
            run.push(c);
        } else {
            flush(&mut run, digits, &mut out);
        }
    }
    flush(&mut run, digits, &mut out);
    out
}

/// The order of versions: numbers by value segment by segment (`V15.1` <
/// `V15.2` < `V15.10`), a leading `v` and letter case ignored, a missing
/// segment reads as 0 (`15.1` = `15.1.0`), a pre-release word (alpha,
/// beta, rc, …) before its release (`15.1 beta` < `15.1`), another word
/// after it (`15.1 SP1` > `15.1`), words alphabetically among themselves.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (a, b) = (tokens(a), tokens(b));
    let zero = Token::Num(0);
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).unwrap_or(&zero);
        let y = b.get(i).unwrap_or(&zero);
        match x.cmp(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

/// A version with its patch level: the version first, then the patch.
pub fn compare_releases(a: (&str, &str), b: (&str, &str)) -> Ordering {
    compare_versions(a.0, b.0).then_with(|| compare_versions(a.1, b.1))
}

/// A version typed by a user: non-blank, at most [`MAX_VERSION_LEN`]
/// characters, one line, with a digit in it.
pub fn check_version(c: &mut Collector, field: &str, version: &str, required: bool) {
    if !required && version.trim().is_empty() {
        return;
    }
    c.check(field, validation::required_text(version, MAX_VERSION_LEN))
        .check(field, validation::no_control_chars(version));
    if !version.trim().is_empty() && !version.chars().any(|ch| ch.is_ascii_digit()) {
        c.fields
            .entry(field.to_string())
            .or_insert_with(|| Msg::new(T::VersionNeedsDigit).en());
    }
}

fn short(c: &mut Collector, field: &str, value: &str, required: bool) {
    let max = validation::MAX_SHORT_TEXT_LEN;
    if required {
        c.check(field, validation::required_text(value, max));
    } else {
        c.check(field, validation::optional_text(value, max));
    }
    c.check(field, validation::no_control_chars(value));
}

/// The rules of an installation the server and the SPA's form both apply
/// (the server also checks the licence belongs to the account).
pub fn validate_installation(req: &InstallationRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    short(&mut c, "site", &req.site, true);
    short(&mut c, "product", &req.product, true);
    short(&mut c, "edition", &req.edition, false);
    check_version(&mut c, "version", &req.version, true);
    check_version(&mut c, "patch_level", &req.patch_level, false);
    short(&mut c, "server_os", &req.server_os, false);
    short(&mut c, "database", &req.database, false);
    if let Some(seats) = req.seats {
        c.check(
            "seats",
            validation::in_range(seats.into(), 1, MAX_SEATS.into()),
        );
    }
    c.check("notes", validation::optional_text(&req.notes, MAX_NOTE_LEN));
    c.check(
        "customisations",
        validation::in_range(req.customisations.len() as i64, 0, MAX_ITEMS as i64),
    );
    c.check(
        "integrations",
        validation::in_range(req.integrations.len() as i64, 0, MAX_ITEMS as i64),
    );
    for (i, item) in req.customisations.iter().enumerate() {
        short(
            &mut c,
            &format!("customisations.{i}.title"),
            &item.title,
            true,
        );
        short(
            &mut c,
            &format!("customisations.{i}.owner"),
            &item.owner,
            false,
        );
    }
    for (i, item) in req.integrations.iter().enumerate() {
        short(&mut c, &format!("integrations.{i}.name"), &item.name, true);
        short(
            &mut c,
            &format!("integrations.{i}.system"),
            &item.system,
            true,
        );
        c.check(
            &format!("integrations.{i}.notes"),
            validation::optional_text(&item.notes, MAX_NOTE_LEN),
        );
    }
    c.finish()
}

pub fn validate_upgrade(req: &UpgradeRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    check_version(&mut c, "to_version", &req.to_version, true);
    check_version(&mut c, "to_patch_level", &req.to_patch_level, false);
    c.check("note", validation::optional_text(&req.note, MAX_NOTE_LEN));
    c.finish()
}

/// Which installations an advisory concerns: one product, and either a
/// version range (`version_from` and/or `version_to`, inclusive) or a list
/// of versions; optionally only those licensed for some modules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionFilter {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub product: String,
    #[serde(default)]
    pub version_from: Option<String>,
    #[serde(default)]
    pub version_to: Option<String>,
    #[serde(default)]
    pub versions: Vec<String>,
    /// Blank: every module.
    #[serde(default)]
    pub modules: Vec<ErpModule>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl VersionFilter {
    /// Whether an installation of `product` at `version` with `modules`
    /// is concerned.
    pub fn matches(&self, product: &str, version: &str, modules: &[ErpModule]) -> bool {
        if !product.trim().eq_ignore_ascii_case(self.product.trim()) {
            return false;
        }
        let in_versions = if self.versions.is_empty() {
            blank(&self.version_from)
                .is_none_or(|from| compare_versions(from, version) != Ordering::Greater)
                && blank(&self.version_to)
                    .is_none_or(|to| compare_versions(version, to) != Ordering::Greater)
        } else {
            self.versions
                .iter()
                .any(|v| compare_versions(v, version) == Ordering::Equal)
        };
        in_versions && (self.modules.is_empty() || self.modules.iter().any(|m| modules.contains(m)))
    }

    /// The modules concerned for an installation licensed for `licensed`:
    /// the filter's, or all the installation's when it names none.
    pub fn concerned(&self, licensed: &[ErpModule]) -> Vec<ErpModule> {
        if self.modules.is_empty() {
            licensed.to_vec()
        } else {
            self.modules.clone()
        }
    }
}

/// `POST /advisories` and `POST /advisories/preview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryRequest {
    pub kind: AdvisoryKind,
    pub filter: VersionFilter,
    /// The text in Chinese and/or English; a recipient gets their
    /// language, else the other.
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_en: String,
}

impl AdvisoryRequest {
    fn has(&self, locale: Locale) -> bool {
        let (title, body) = match locale {
            Locale::ZhCn => (&self.title_zh, &self.body_zh),
            Locale::En => (&self.title_en, &self.body_en),
        };
        !title.trim().is_empty() && !body.trim().is_empty()
    }

    /// The language a reader of `locale` gets: theirs if written, else the
    /// other.
    pub fn language_for(&self, locale: Locale) -> Locale {
        if self.has(locale) {
            locale
        } else if locale == Locale::ZhCn {
            Locale::En
        } else {
            Locale::ZhCn
        }
    }
}

pub fn validate_filter(c: &mut Collector, f: &VersionFilter) {
    short(c, "filter.product", &f.product, true);
    let from = blank(&f.version_from);
    let to = blank(&f.version_to);
    if let Some(from) = from {
        check_version(c, "filter.version_from", from, true);
    }
    if let Some(to) = to {
        check_version(c, "filter.version_to", to, true);
    }
    if f.versions.len() > MAX_VERSIONS {
        c.check(
            "filter.versions",
            validation::in_range(f.versions.len() as i64, 1, MAX_VERSIONS as i64),
        );
    }
    for (i, v) in f.versions.iter().enumerate() {
        check_version(c, &format!("filter.versions.{i}"), v, true);
    }
    let range = from.is_some() || to.is_some();
    if range && !f.versions.is_empty() {
        c.fields.insert(
            "filter.versions".into(),
            Msg::new(T::AdvisoryRangeOrList).en(),
        );
    } else if !range && f.versions.is_empty() {
        c.fields.insert(
            "filter.versions".into(),
            Msg::new(T::AdvisoryNeedsVersions).en(),
        );
    }
    if let (Some(from), Some(to)) = (from, to) {
        if compare_versions(from, to) == Ordering::Greater {
            c.fields
                .entry("filter.version_to".into())
                .or_insert_with(|| Msg::new(T::AdvisoryRangeBackwards).en());
        }
    }
}

pub fn validate_advisory(req: &AdvisoryRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    validate_filter(&mut c, &req.filter);
    short(&mut c, "title_zh", &req.title_zh, false);
    short(&mut c, "title_en", &req.title_en, false);
    c.check(
        "body_zh",
        validation::optional_text(&req.body_zh, MAX_NOTE_LEN),
    )
    .check(
        "body_en",
        validation::optional_text(&req.body_en, MAX_NOTE_LEN),
    );
    if !req.has(Locale::ZhCn) && !req.has(Locale::En) {
        c.fields
            .entry("title_zh".into())
            .or_insert_with(|| Msg::new(T::AdvisoryNeedsText).en());
    }
    c.finish()
}

/// A sent (or sending) advisory with its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Advisory {
    pub id: i64,
    pub kind: AdvisoryKind,
    pub filter: VersionFilter,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: String,
    pub body_en: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    /// When the last account was done; none while sending.
    pub sent_at: Option<DateTime<Utc>>,
    /// Accounts and recipients it went to so far.
    pub accounts_sent: i64,
    pub recipients_sent: i64,
}

/// Who gets an advisory at one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryRecipient {
    pub contact_id: i64,
    pub name: String,
    pub email: String,
    /// The language they get it in.
    pub locale: Locale,
    /// `true`: no contact is responsible for the modules concerned, so the
    /// account's customer_admin gets it.
    pub fallback: bool,
}

/// An account an advisory concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AffectedAccount {
    pub account_id: i64,
    pub account_name: String,
    /// The matching installations: `site · version`.
    pub installations: Vec<String>,
    /// Empty: no one to tell (no responsible contact, no customer_admin).
    pub recipients: Vec<AdvisoryRecipient>,
}

/// `POST /advisories/preview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryPreview {
    pub accounts: Vec<AffectedAccount>,
    pub recipients_total: i64,
}

/// `POST /advisories/{id}/send`: each call sends to a bounded batch of
/// accounts; call again until `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryProgress {
    pub accounts_total: i64,
    pub accounts_done: i64,
    pub recipients_sent: i64,
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn versions_order_by_number_not_text() {
        assert_eq!(compare_versions("V15.1", "V15.10"), Less);
        assert_eq!(compare_versions("V15.2", "V15.10"), Less);
        assert_eq!(compare_versions("V15.10", "V15.9"), Greater);
        assert_eq!(compare_versions("V9", "V10"), Less);
        assert_eq!(compare_versions("v15.1", "15.1"), Equal);
        assert_eq!(compare_versions("15.1", "15.1.0"), Equal);
        assert_eq!(compare_versions("15.01", "15.1"), Equal);
        assert_eq!(compare_versions("15.1 beta", "15.1"), Less);
        assert_eq!(compare_versions("15.1-rc2", "15.1-rc10"), Less);
        assert_eq!(compare_versions("15.1 SP1", "15.1"), Greater);
        assert_eq!(compare_versions("15.1 SP1", "15.1 SP2"), Less);
        assert_eq!(compare_versions("15.1SP1", "15.1 sp1"), Equal);
        assert_eq!(compare_versions("PT000123", "PT000124"), Less);
        assert_eq!(
            compare_versions("99999999999999999999999999999999999999999", "1"),
            Greater
        );
    }

    #[test]
    fn releases_compare_version_then_patch() {
        assert_eq!(
            compare_releases(("V15.1", "SP2"), ("V15.1", "SP1")),
            Greater
        );
        assert_eq!(compare_releases(("V15.1", "SP9"), ("V15.2", "")), Less);
        assert_eq!(compare_releases(("V15.1", ""), ("V15.1", "SP1")), Less);
    }

    fn filter() -> VersionFilter {
        VersionFilter {
            product: "K/3 WISE".into(),
            version_from: Some("V15.1".into()),
            version_to: Some("V15.9".into()),
            versions: vec![],
            modules: vec![],
        }
    }

    #[test]
    fn a_range_is_inclusive_and_numeric() {
        let f = filter();
        assert!(f.matches("k/3 wise", "V15.1", &[]));
        assert!(f.matches("K/3 WISE", "15.9.0", &[]));
        assert!(f.matches("K/3 WISE", "V15.2", &[]));
        assert!(!f.matches("K/3 WISE", "V15.10", &[]));
        assert!(!f.matches("K/3 WISE", "V14.3", &[]));
        assert!(!f.matches("K/3 Cloud", "V15.2", &[]));
        let only_to = VersionFilter {
            version_from: None,
            ..filter()
        };
        assert!(only_to.matches("K/3 WISE", "V12", &[]));
    }

    #[test]
    fn a_list_and_modules_narrow_the_match() {
        let f = VersionFilter {
            version_from: None,
            version_to: None,
            versions: vec!["V15.1".into(), "V16.0".into()],
            modules: vec![ErpModule::Finance],
            ..filter()
        };
        assert!(f.matches("K/3 WISE", "v16", &[ErpModule::Finance, ErpModule::Sales]));
        assert!(!f.matches("K/3 WISE", "V15.2", &[ErpModule::Finance]));
        assert!(!f.matches("K/3 WISE", "V15.1", &[ErpModule::Sales]));
        assert_eq!(f.concerned(&[ErpModule::Sales]), vec![ErpModule::Finance]);
    }

    #[test]
    fn a_filter_needs_a_range_or_a_list_not_both() {
        let mut c = Collector::default();
        validate_filter(&mut c, &filter());
        assert!(c.finish().is_ok());
        let mut c = Collector::default();
        validate_filter(
            &mut c,
            &VersionFilter {
                versions: vec!["V1".into()],
                ..filter()
            },
        );
        assert!(c.finish().unwrap_err().contains_key("filter.versions"));
        let mut c = Collector::default();
        validate_filter(
            &mut c,
            &VersionFilter {
                version_from: Some("V16".into()),
                ..filter()
            },
        );
        assert!(c.finish().unwrap_err().contains_key("filter.version_to"));
    }

    #[test]
    fn the_reader_gets_their_language_else_the_other() {
        let req = AdvisoryRequest {
            kind: AdvisoryKind::Patch,
            filter: filter(),
            title_zh: "补丁".into(),
            body_zh: "请安装".into(),
            title_en: String::new(),
            body_en: String::new(),
        };
        assert_eq!(req.language_for(Locale::En), Locale::ZhCn);
        assert_eq!(req.language_for(Locale::ZhCn), Locale::ZhCn);
        assert!(validate_advisory(&req).is_ok());
        let empty = AdvisoryRequest {
            title_zh: String::new(),
            ..req
        };
        assert!(validate_advisory(&empty)
            .unwrap_err()
            .contains_key("title_zh"));
    }
}
