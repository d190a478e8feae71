//! Validation rules shared by the server (authoritative) and the SPA (inline
//! form errors). Each rule returns an [`Invalid`] reason that both sides can
//! render in English or Chinese.

use crate::accounts::{CreateAccountRequest, CreateContactRequest, UpdateAccountRequest};
use crate::auth::SignupRequest;
use crate::error::FieldErrors;
use crate::texts::{Msg, T};
use crate::Locale;

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_CODE_LEN: usize = 64;
pub const MAX_SHORT_TEXT_LEN: usize = 200;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_PATTERN_LEN: usize = 200;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Required,
    TooLong {
        max: usize,
    },
    Email,
    PasswordTooShort,
    PasswordTooLong,
    PasswordCommon,
    CodeRule {
        pattern: String,
    },
    BadPattern,
    /// Holds a control character (a line break, a tab …).
    ControlChars,
    Phone,
    /// Not a whole number (digits, optionally grouped with commas).
    NotWholeNumber,
    /// A number outside `min..=max`.
    OutOfRange {
        min: i64,
        max: i64,
    },
}

impl Invalid {
    /// The reason as a text of [`crate::texts`].
    pub fn msg(&self) -> Msg {
        match self {
            Invalid::Required => Msg::new(T::Required),
            Invalid::TooLong { max } => Msg::new(T::TooLong).with("max", max),
            Invalid::Email => Msg::new(T::EmailInvalid),
            Invalid::PasswordTooShort => {
                Msg::new(T::PasswordTooShort).with("min", MIN_PASSWORD_LEN)
            }
            Invalid::PasswordTooLong => Msg::new(T::TooLong).with("max", MAX_PASSWORD_LEN),
            Invalid::PasswordCommon => Msg::new(T::PasswordCommon),
            Invalid::CodeRule { pattern } => Msg::new(T::CodeRule).with("rule", pattern),
            Invalid::BadPattern => Msg::new(T::BadPattern),
            Invalid::ControlChars => Msg::new(T::NoControlChars),
            Invalid::Phone => Msg::new(T::Phone),
            Invalid::NotWholeNumber => Msg::new(T::WholeNumber),
            Invalid::OutOfRange { min, max } => {
                Msg::new(T::Between).with("min", min).with("max", max)
            }
        }
    }

    pub fn message_en(&self) -> String {
        self.msg().en()
    }

    pub fn message_zh(&self) -> String {
        let msg = self.msg();
        msg.render(Locale::ZhCn).unwrap_or_else(|| msg.en())
    }
}

pub type Check = Result<(), Invalid>;

/// A required single-line text: non-blank after trimming, at most `max` chars.
pub fn required_text(value: &str, max: usize) -> Check {
    if value.trim().is_empty() {
        return Err(Invalid::Required);
    }
    optional_text(value, max)
}

/// A whole number typed in a form (`1,440` reads as 1440): blank is
/// `Required`, anything else not a number `NotWholeNumber`, a number outside
/// the bounds `OutOfRange` (never "required" for a value that was typed).
pub fn whole_number_in(value: &str, min: i64, max: i64) -> Result<i64, Invalid> {
    let text: String = value
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '，'))
        .collect();
    if text.is_empty() {
        return Err(Invalid::Required);
    }
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::NotWholeNumber);
    }
    match text.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        // Too many digits for i64 is out of range too.
        _ => Err(Invalid::OutOfRange { min, max }),
    }
}

/// A number already parsed (an API field) within `min..=max`.
pub fn in_range(value: i64, min: i64, max: i64) -> Check {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Invalid::OutOfRange { min, max })
    }
}

/// A single-line name (a mail folder): no control characters.
pub fn no_control_chars(value: &str) -> Check {
    if value.chars().any(char::is_control) {
        Err(Invalid::ControlChars)
    } else {
        Ok(())
    }
}

pub fn optional_text(value: &str, max: usize) -> Check {
    if value.chars().count() > max {
        return Err(Invalid::TooLong { max });
    }
    Ok(())
}

/// A pragmatic e-mail check: one `@`, a non-empty local part, a dotted domain,
/// no whitespace. Delivery is what proves an address.
pub fn email(value: &str) -> Check {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.len() > MAX_EMAIL_LEN {
        return Err(Invalid::TooLong { max: MAX_EMAIL_LEN });
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(Invalid::Email);
    };
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Invalid::Email)
    }
}

/// E-mail addresses are compared and stored in lower case.
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

pub fn phone(value: &str) -> Check {
    optional_text(value, 40)?;
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c))
    {
        Ok(())
    } else {
        Err(Invalid::Phone)
    }
}

/// Passwords: 10 to 256 characters and not one of the most common ones.
pub fn password(value: &str) -> Check {
    let len = value.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Invalid::PasswordTooShort);
    }
    if len > MAX_PASSWORD_LEN {
        return Err(Invalid::PasswordTooLong);
    }
    if is_common_password(value) {
        return Err(Invalid::PasswordCommon);
    }
    Ok(())
}

/// Passwords of 10+ characters that appear at the top of breach corpora, and
/// trivially guessable shapes (one repeated character, a keyboard run).
pub fn is_common_password(value: &str) -> bool {
    const COMMON: &[&str] = &[
        "1234567890",
        "0123456789",
        "12345678910",
        "123456789a",
        "a123456789",
        "1234567890a",
        "qwertyuiop",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "password12",
        "password123",
        "password1234",
        "password12345",
        "passw0rd123",
        "p@ssw0rd123",
        "iloveyou12",
        "iloveyou123",
        "abc1234567",
        "abcd123456",
        "abcdefghij",
        "aa12345678",
        "zxcvbnm123",
        "asdfghjkl1",
        "asdfghjkl;",
        "1qaz2wsx3edc",
        "qazwsxedc123",
        "q1w2e3r4t5",
        "q1w2e3r4t5y6",
        "123qweasdzxc",
        "1234qwerasdf",
        "welcome123",
        "welcome1234",
        "admin12345",
        "admin123456",
        "administrator",
        "letmein123",
        "football123",
        "baseball123",
        "princess123",
        "sunshine123",
        "monkey12345",
        "dragon12345",
        "master12345",
        "superman123",
        "michael123",
        "changeme123",
        "trustno1234",
        "computer123",
        "internet123",
        "woaini1314",
        "woaini520",
        "5201314520",
        "1314520520",
        "woaini123456",
        "aini1314520",
        "steward123",
        "steward1234",
        "kingdee123",
        "kingdee1234",
        "jindie123456",
        "9876543210",
        "0987654321",
        "11223344556",
        "1122334455",
        "123123123123",
        "1231231230",
        "12341234",
        "1234512345",
        "123456abcd",
        "123456qwerty",
        "qweasdzxc123",
    ];
    let lower = value.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return true;
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        if chars.all(|c| c == first) {
            return true;
        }
    }
    const RUNS: &[&str] = &[
        "01234567890123456789",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiopasdfghjklzxcvbnm",
    ];
    RUNS.iter().any(|run| run.contains(lower.as_str()))
}

/// Checks that a coding-rule pattern compiles (and is not absurdly long).
pub fn code_pattern(pattern: &str) -> Check {
    required_text(pattern, MAX_PATTERN_LEN)?;
    regex_lite::Regex::new(pattern)
        .map(|_| ())
        .map_err(|_| Invalid::BadPattern)
}

/// A customer code: required, short, and matching the workspace's coding rule.
pub fn customer_code(code: &str, pattern: &str) -> Check {
    required_text(code, MAX_CODE_LEN)?;
    let re = regex_lite::Regex::new(pattern).map_err(|_| Invalid::BadPattern)?;
    if re.is_match(code) {
        Ok(())
    } else {
        Err(Invalid::CodeRule {
            pattern: pattern.to_string(),
        })
    }
}

/// Collects per-field failures into the `fields` map of a 422.
#[derive(Debug, Default)]
pub struct Collector {
    pub fields: FieldErrors,
}

impl Collector {
    pub fn check(&mut self, field: &str, result: Check) -> &mut Self {
        if let Err(reason) = result {
            self.fields
                .entry(field.to_string())
                .or_insert_with(|| reason.message_en());
        }
        self
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.fields.is_empty() {
            Ok(())
        } else {
            Err(self.fields)
        }
    }
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

pub fn signup(req: &SignupRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check(
        "workspace_name",
        required_text(&req.workspace_name, MAX_NAME_LEN),
    )
    .check("name", required_text(&req.name, MAX_NAME_LEN))
    .check("email", email(&req.email))
    .check("password", password(&req.password));
    c.finish()
}

pub fn create_account(req: &CreateAccountRequest, code_rule: &str) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", required_text(&req.name, MAX_NAME_LEN))
        .check("code", customer_code(req.code.trim(), code_rule))
        .check(
            "industry",
            optional_text(opt(&req.industry), MAX_SHORT_TEXT_LEN),
        )
        .check(
            "segment",
            optional_text(opt(&req.segment), MAX_SHORT_TEXT_LEN),
        );
    c.finish()
}

pub fn update_account(req: &UpdateAccountRequest, code_rule: &str) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    if let Some(name) = &req.name {
        c.check("name", required_text(name, MAX_NAME_LEN));
    }
    if let Some(code) = &req.code {
        c.check("code", customer_code(code.trim(), code_rule));
    }
    if let Some(industry) = &req.industry {
        c.check("industry", optional_text(opt(industry), MAX_SHORT_TEXT_LEN));
    }
    if let Some(segment) = &req.segment {
        c.check("segment", optional_text(opt(segment), MAX_SHORT_TEXT_LEN));
    }
    c.finish()
}

pub fn contact_fields(
    c: &mut Collector,
    email_value: Option<&str>,
    phone_value: Option<&str>,
    title: Option<&str>,
) {
    if let Some(e) = email_value.filter(|e| !e.trim().is_empty()) {
        c.check("email", email(e));
    }
    if let Some(p) = phone_value {
        c.check("phone", phone(p));
    }
    if let Some(t) = title {
        c.check("title", optional_text(t, MAX_SHORT_TEXT_LEN));
    }
}

pub fn create_contact(req: &CreateContactRequest) -> Result<(), FieldErrors> {
    let mut c = Collector::default();
    c.check("name", required_text(&req.name, MAX_NAME_LEN));
    contact_fields(
        &mut c,
        req.email.as_deref(),
        req.phone.as_deref(),
        req.title.as_deref(),
    );
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_CUSTOMER_CODE_PATTERN as DIGITS;

    #[test]
    fn customer_codes_follow_the_coding_rule() {
        assert_eq!(customer_code("000123", DIGITS), Ok(()));
        assert!(matches!(
            customer_code("A-01", DIGITS),
            Err(Invalid::CodeRule { .. })
        ));
        assert_eq!(customer_code("  ", DIGITS), Err(Invalid::Required));
        assert_eq!(customer_code("KD-0001", "^KD-[0-9]{4}$"), Ok(()));
        assert_eq!(customer_code("1", "(("), Err(Invalid::BadPattern));
        let long = "1".repeat(MAX_CODE_LEN + 1);
        assert_eq!(
            customer_code(&long, DIGITS),
            Err(Invalid::TooLong { max: MAX_CODE_LEN })
        );
    }

    #[test]
    fn passwords_need_length_and_must_not_be_common() {
        assert_eq!(password("short"), Err(Invalid::PasswordTooShort));
        assert_eq!(password("Password123"), Err(Invalid::PasswordCommon));
        assert_eq!(password("aaaaaaaaaaaa"), Err(Invalid::PasswordCommon));
        assert_eq!(password("3456789012"), Err(Invalid::PasswordCommon));
        assert_eq!(password("qwertyuiopa"), Err(Invalid::PasswordCommon));
        assert_eq!(password("correct horse battery"), Ok(()));
        // Length counts characters, not bytes: ten CJK characters are enough.
        assert_eq!(password("客户成功部的密码很长吧"), Ok(()));
        assert_eq!(password(&"x1".repeat(200)), Err(Invalid::PasswordTooLong));
    }

    #[test]
    fn emails_are_checked_pragmatically() {
        assert_eq!(email("li.lei@example.cn"), Ok(()));
        assert_eq!(email(""), Err(Invalid::Required));
        assert_eq!(email("no-at-sign"), Err(Invalid::Email));
        assert_eq!(email("a@b"), Err(Invalid::Email));
        assert_eq!(email("a b@example.com"), Err(Invalid::Email));
        assert_eq!(normalize_email(" Li@Example.COM "), "li@example.com");
    }

    #[test]
    fn text_limits_count_characters() {
        assert_eq!(required_text("深圳市华强电子有限公司", 11), Ok(()));
        assert_eq!(
            required_text("深圳市华强电子有限公司", 10),
            Err(Invalid::TooLong { max: 10 })
        );
        assert_eq!(required_text(" \t", 10), Err(Invalid::Required));
    }

    #[test]
    fn create_account_reports_every_bad_field() {
        let req = CreateAccountRequest {
            name: "".into(),
            code: "ABC".into(),
            industry: Some("x".repeat(300)),
            segment: None,
            owner_id: None,
            stage: None,
            modules: vec![],
            parent_id: None,
        };
        let fields = create_account(&req, DIGITS).unwrap_err();
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            vec!["code", "industry", "name"]
        );
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let all = [
            Invalid::Required,
            Invalid::TooLong { max: 3 },
            Invalid::Email,
            Invalid::PasswordTooShort,
            Invalid::PasswordTooLong,
            Invalid::PasswordCommon,
            Invalid::CodeRule {
                pattern: "^[0-9]+$".into(),
            },
            Invalid::BadPattern,
            Invalid::Phone,
        ];
        for reason in all {
            assert!(!reason.message_en().is_empty());
            assert!(!reason.message_zh().is_empty());
            assert_ne!(reason.message_en(), reason.message_zh());
        }
    }
}
