//! Form validation, shown in the user's language.
//!
//! The rules are `shared::validation`'s, the very functions the server runs;
//! they report English messages (the API's language), kept as such in the
//! forms' error signals. At display time each message is mapped back to its
//! [`Invalid`] reason and shown in the current language, so switching the
//! language also translates errors already on screen. The formats are fixed
//! in `shared` and a test below round-trips every variant. Server 422
//! `fields` go through the same mapping; a message we cannot map (a
//! server-only rule) is shown as the server wrote it.

use shared::accounts::{CreateAccountRequest, CreateContactRequest, UpdateAccountRequest};
use shared::auth::SignupRequest;
use shared::validation::{self as rules, Collector, Invalid};
use shared::{ErrorCode, FieldErrors, Msg};

use crate::api::ApiErr;

use crate::i18n::{server_text, Lang};

/// Field name (as the API names it) → English message (as the API words it).
pub type Verdict = Result<(), FieldErrors>;

pub fn reason_text(reason: &Invalid, lang: Lang) -> String {
    match lang {
        Lang::En => localize(&reason.message_en(), Lang::En),
        Lang::Zh => reason.message_zh(),
    }
}

const CODE_RULE_PREFIX: &str = "does not match the workspace's coding rule: ";

/// The reason behind one of `Invalid::message_en`'s messages.
pub fn reason_from_en(message: &str) -> Option<Invalid> {
    let fixed = [
        Invalid::Required,
        Invalid::Email,
        Invalid::PasswordTooShort,
        Invalid::PasswordTooLong,
        Invalid::PasswordCommon,
        Invalid::BadPattern,
        Invalid::ControlChars,
        Invalid::Phone,
        Invalid::NotWholeNumber,
    ];
    if let Some(reason) = fixed.into_iter().find(|r| r.message_en() == message) {
        return Some(reason);
    }
    if let Some((min, max)) = message
        .strip_prefix("must be between ")
        .and_then(|rest| rest.split_once(" and "))
    {
        if let (Ok(min), Ok(max)) = (min.parse(), max.parse()) {
            return Some(Invalid::OutOfRange { min, max });
        }
    }
    if let Some(pattern) = message.strip_prefix(CODE_RULE_PREFIX) {
        return Some(Invalid::CodeRule {
            pattern: pattern.to_string(),
        });
    }
    let max = message
        .strip_prefix("must be at most ")?
        .strip_suffix(" characters")?
        .parse()
        .ok()?;
    Some(Invalid::TooLong { max })
}

/// Put on a field when the server answers 409 `conflict` without field
/// details (a duplicate e-mail address or customer code).
pub const TAKEN: &str = "is already in use";

/// Marks a field message that the server sent as a key with parameters:
/// `KEYED` + the key as JSON + `KEYED` + the English message. Forms keep
/// their errors as strings; [`localize`] reads this form back.
const KEYED: char = '\u{1}';

/// A server field error with its key, as a form's error string.
pub fn keyed_message(msg: &Msg, english: &str) -> String {
    match serde_json::to_string(msg) {
        Ok(json) => format!("{KEYED}{json}{KEYED}{english}"),
        Err(_) => english.to_string(),
    }
}

/// One field message (ours, or the server's with or without its key) in
/// the user's language.
pub fn localize(message: &str, lang: Lang) -> String {
    if let Some((json, english)) = message
        .strip_prefix(KEYED)
        .and_then(|rest| rest.split_once(KEYED))
    {
        let msg = serde_json::from_str::<Msg>(json).ok();
        return msg
            .and_then(|m| server_text(&m, lang))
            .unwrap_or_else(|| english.to_string());
    }
    if lang == Lang::En {
        // The coding rule in words, not as the regex the server quotes.
        if let Some(pattern) = message.strip_prefix(CODE_RULE_PREFIX) {
            return format!(
                "does not match the workspace's coding rule: {}",
                shared::code_rule::describe_en(pattern)
            );
        }
        return message.to_string();
    }
    if message == TAKEN {
        return "已被使用".to_string();
    }
    if let Some(reason) = reason_from_en(message) {
        return reason_text(&reason, lang);
    }
    // A message the shared texts table words (the client-side rules).
    Msg::parse_en(message)
        .and_then(|m| server_text(&m, lang))
        .unwrap_or_else(|| message.to_string())
}

/// The field errors to show for a failed save: the server's, or for a bare
/// 409 `conflict`, [`TAKEN`] on `conflict_field`.
pub fn answer_fields(err: &ApiErr, conflict_field: &str) -> FieldErrors {
    let mut fields = err.fields();
    if fields.is_empty() && err.is(ErrorCode::Conflict) {
        fields.insert(conflict_field.to_string(), TAKEN.to_string());
    }
    fields
}

pub fn signup(req: &SignupRequest) -> Verdict {
    rules::signup(req)
}

/// Sign-in only checks that something was typed: the password policy is for
/// new passwords, and a wrong password is the server's to say.
pub fn login(email: &str, password: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("email", rules::email(email)).check(
        "password",
        rules::required_text(password, rules::MAX_PASSWORD_LEN),
    );
    c.finish()
}

pub fn forgot_password(email: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("email", rules::email(email));
    c.finish()
}

pub fn change_password(current: &str, new: &str) -> Verdict {
    let mut c = Collector::default();
    c.check(
        "current_password",
        rules::required_text(current, rules::MAX_PASSWORD_LEN),
    )
    .check("new_password", rules::password(new));
    c.finish()
}

pub fn new_password(password: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("password", rules::password(password));
    c.finish()
}

/// `code_rule` is the workspace's pattern; `None` while it is unknown (the
/// server still checks).
pub fn create_account(req: &CreateAccountRequest, code_rule: Option<&str>) -> Verdict {
    rules::create_account(req, code_rule.unwrap_or(""))
}

pub fn update_account(req: &UpdateAccountRequest, code_rule: Option<&str>) -> Verdict {
    rules::update_account(req, code_rule.unwrap_or(""))
}

pub fn create_contact(req: &CreateContactRequest) -> Verdict {
    rules::create_contact(req)
}

/// Inviting a user: the password is optional (without one, an invitation is
/// e-mailed), but when given it must satisfy the policy.
/// An invitation: a name and an address (the invitee sets their own
/// password from the e-mailed link).
pub fn invite_user(name: &str, email: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("name", rules::required_text(name, rules::MAX_NAME_LEN))
        .check("email", rules::email(email));
    c.finish()
}

pub fn workspace_settings(name: &str, pattern: &str) -> Verdict {
    let mut c = Collector::default();
    c.check("name", rules::required_text(name, rules::MAX_NAME_LEN))
        .check("customer_code_pattern", rules::code_pattern(pattern));
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::DEFAULT_CUSTOMER_CODE_PATTERN as DIGITS;

    fn all_reasons() -> Vec<Invalid> {
        vec![
            Invalid::Required,
            Invalid::TooLong { max: 200 },
            Invalid::TooLong { max: 64 },
            Invalid::Email,
            Invalid::PasswordTooShort,
            Invalid::PasswordTooLong,
            Invalid::PasswordCommon,
            Invalid::CodeRule {
                pattern: "^KD-[0-9]{4}$".into(),
            },
            Invalid::BadPattern,
            Invalid::ControlChars,
            Invalid::Phone,
            Invalid::NotWholeNumber,
            Invalid::OutOfRange { min: 1, max: 1440 },
        ]
    }

    #[test]
    fn every_reason_round_trips_through_its_english_message() {
        for reason in all_reasons() {
            let back = reason_from_en(&reason.message_en()).expect("mappable");
            // PasswordTooLong and TooLong{256} share a message; both read the same.
            assert_eq!(back.message_zh(), reason.message_zh(), "{reason:?}");
            assert_eq!(back.message_en(), reason.message_en());
        }
        assert_eq!(reason_from_en("is already taken"), None);
    }

    #[test]
    fn account_errors_are_those_of_the_shared_rules_in_the_chosen_language() {
        let req = CreateAccountRequest {
            name: " ".into(),
            code: "AB-1".into(),
            industry: None,
            segment: None,
            owner_id: None,
            stage: None,
            modules: vec![],
            parent_id: None,
        };
        let errs = create_account(&req, Some(DIGITS)).unwrap_err();
        assert_eq!(errs, rules::create_account(&req, DIGITS).unwrap_err());
        assert_eq!(localize(&errs["name"], Lang::Zh), "必填");
        assert_eq!(localize(&errs["name"], Lang::En), "is required");
        // The rule in words, not the regex.
        assert_eq!(
            localize(&errs["code"], Lang::Zh),
            "不符合本工作区的编码原则：只能包含数字"
        );
        assert_eq!(
            localize(&errs["code"], Lang::En),
            "does not match the workspace's coding rule: Digits only"
        );
    }

    #[test]
    fn an_unknown_code_rule_only_requires_a_code() {
        let mut req = CreateAccountRequest {
            name: "华强电子".into(),
            code: "AB-1".into(),
            industry: None,
            segment: None,
            owner_id: None,
            stage: None,
            modules: vec![],
            parent_id: None,
        };
        assert_eq!(create_account(&req, None), Ok(()));
        req.code = "".into();
        assert!(create_account(&req, None).unwrap_err().contains_key("code"));
    }

    #[test]
    fn server_messages_we_do_not_know_pass_through() {
        assert_eq!(
            localize("is already used by another account", Lang::Zh),
            "is already used by another account"
        );
        assert_eq!(
            localize("must be a valid e-mail address", Lang::Zh),
            "请输入有效的电子邮件地址"
        );
    }

    #[test]
    fn a_bare_conflict_lands_on_the_given_field() {
        let err = ApiErr::Api {
            status: 409,
            error: crate::api::parse_error(409, r#"{"error":{"code":"conflict","message":"dup"}}"#),
            retry_after: None,
        };
        let fields = answer_fields(&err, "code");
        assert_eq!(fields["code"], TAKEN);
        assert_eq!(localize(&fields["code"], Lang::Zh), "已被使用");
        let err = ApiErr::Api {
            status: 409,
            error: crate::api::parse_error(
                409,
                r#"{"error":{"code":"conflict","message":"dup","fields":{"email":"taken"}}}"#,
            ),
            retry_after: None,
        };
        assert_eq!(
            answer_fields(&err, "code").keys().collect::<Vec<_>>(),
            vec!["email"]
        );
        assert!(answer_fields(&ApiErr::Network, "code").is_empty());
    }

    #[test]
    fn login_does_not_apply_the_password_policy() {
        assert_eq!(login("a@example.com", "short"), Ok(()));
        let errs = login("nope", "").unwrap_err();
        assert_eq!(errs.keys().collect::<Vec<_>>(), vec!["email", "password"]);
    }

    #[test]
    fn invitations_need_a_name_and_an_address() {
        assert_eq!(invite_user("Li Lei", "li@example.cn"), Ok(()));
        let errs = invite_user(" ", "nope").unwrap_err();
        assert_eq!(errs.keys().collect::<Vec<_>>(), vec!["email", "name"]);
    }

    #[test]
    fn settings_refuse_a_broken_pattern() {
        let errs = workspace_settings("Acme", "((").unwrap_err();
        assert_eq!(
            localize(&errs["customer_code_pattern"], Lang::Zh),
            "不是有效的正则表达式"
        );
        assert_eq!(workspace_settings("Acme", "^[0-9]{6}$"), Ok(()));
    }
}
