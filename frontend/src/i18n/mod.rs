//! Every string of the UI in Chinese (zh-CN) and English.
//!
//! A hand-rolled [`Key`] enum with one exhaustive `match` per language
//! (`zh.rs`, `en.rs`) instead of a catalogue crate: a missing translation is
//! a compile error, nothing is parsed at run time, and the WASM stays small.
//! Strings with values use `{0}`, `{1}` placeholders filled by [`fill`].
//!
//! The language comes from localStorage (the user's last choice), else from
//! `navigator.language`; it can be switched from the shell and the login
//! page.

pub mod dates;
mod en;
mod keys;
mod zh;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::integrations::EventType;
use shared::texts::T;
use shared::{ErpModule, ErrorCode, LifecycleStage, Locale, Msg, Role};

pub use keys::Key;

use crate::api::ApiErr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// BCP 47 tag, for `<html lang>` and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Any Chinese locale (zh, zh-CN, zh-TW, zh-Hans…) gets Chinese; every
    /// other one English.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }
}

pub fn text(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::Zh => zh::text(key),
        Lang::En => en::text(key),
    }
}

/// Replaces `{0}`, `{1}`, … with `args`.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = template.to_string();
    for (i, arg) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), arg);
    }
    out
}

/// A text cut at its backticks: `(is_code, part)` in order. Texts mark
/// what the user types or sends as is (a header name, a time-zone name, a
/// wire value) with backticks, and the UI shows it as code, not as words
/// of either language.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(n, part)| (n % 2 == 1, part))
        .collect()
}

pub fn module_key(module: ErpModule) -> Key {
    match module {
        ErpModule::System => Key::ModuleSystem,
        ErpModule::Sales => Key::ModuleSales,
        ErpModule::Purchasing => Key::ModulePurchasing,
        ErpModule::Inventory => Key::ModuleInventory,
        ErpModule::Production => Key::ModuleProduction,
        ErpModule::Planning => Key::ModulePlanning,
        ErpModule::Finance => Key::ModuleFinance,
    }
}

/// The words for an event type (the code `ticket.created` stays beside
/// them, as code).
pub fn event_key(event: EventType) -> Key {
    match event {
        EventType::TicketCreated => Key::EvTicketCreated,
        EventType::TicketUpdated => Key::EvTicketUpdated,
        EventType::TicketCommented => Key::EvTicketCommented,
        EventType::TicketSlaBreached => Key::EvTicketSlaBreached,
        EventType::AccountCreated => Key::EvAccountCreated,
        EventType::AccountStageChanged => Key::EvAccountStageChanged,
        EventType::AccountHealthBandChanged => Key::EvAccountHealthBandChanged,
        EventType::RenewalStageChanged => Key::EvRenewalStageChanged,
        EventType::RenewalDueSoon => Key::EvRenewalDueSoon,
        EventType::ContractCreated => Key::EvContractCreated,
        EventType::SurveyAnswered => Key::EvSurveyAnswered,
        EventType::ImportFinished => Key::EvImportFinished,
    }
}

pub fn stage_key(stage: LifecycleStage) -> Key {
    match stage {
        LifecycleStage::Onboarding => Key::StageOnboarding,
        LifecycleStage::Adoption => Key::StageAdoption,
        LifecycleStage::Renewal => Key::StageRenewal,
        LifecycleStage::Renewed => Key::StageRenewed,
        LifecycleStage::Churned => Key::StageChurned,
    }
}

pub fn role_key(role: Role) -> Key {
    match role {
        Role::Admin => Key::RoleAdmin,
        Role::Manager => Key::RoleManager,
        Role::Csm => Key::RoleCsm,
        Role::Engineer => Key::RoleEngineer,
        Role::CustomerAdmin => Key::RoleCustomerAdmin,
        Role::Customer => Key::RoleCustomer,
    }
}

impl Lang {
    /// The shared crate's name of the language (for [`shared::texts`]).
    pub fn locale(self) -> Locale {
        match self {
            Lang::Zh => Locale::ZhCn,
            Lang::En => Locale::En,
        }
    }
}

/// A text the server sent as a key with parameters, in `lang`; `None` for
/// a key this build does not know.
pub fn server_text(msg: &Msg, lang: Lang) -> Option<String> {
    msg.render(lang.locale())
}

/// A wire word (service level, churn reason, status…) in `lang`, or as
/// typed when it is the workspace's own.
pub fn word(value: &str, lang: Lang) -> String {
    shared::texts::word_or_self(value, lang.locale())
}

/// The server's reason for a refusal in `lang`: its key rendered, else its
/// English message; `None` for the generic "some fields are invalid".
pub fn error_reason(err: &ApiErr, lang: Lang) -> Option<String> {
    let ApiErr::Api { error, .. } = err else {
        return None;
    };
    if !matches!(
        error.code,
        ErrorCode::ValidationFailed | ErrorCode::Forbidden | ErrorCode::Conflict
    ) || error.message.trim().is_empty()
    {
        return None;
    }
    let msg = error
        .message_msg()
        .or_else(|| Msg::parse_en(&error.message));
    if msg
        .as_ref()
        .is_some_and(|m| m.key == T::SomeFieldsInvalid.key())
    {
        return None;
    }
    Some(
        msg.and_then(|m| server_text(&m, lang))
            .unwrap_or_else(|| error.message.clone()),
    )
}

/// What to tell the user about a failed call, in their language, with the
/// server's reason for a refusal (a maker approving their own change…).
pub fn error_text(err: &ApiErr, lang: Lang) -> String {
    let text = generic_error_text(err, lang);
    match error_reason(err, lang) {
        Some(reason) => fill(text_of_reason(lang), &[&text, &reason]),
        None => text,
    }
}

fn text_of_reason(lang: Lang) -> &'static str {
    text(lang, Key::ErrWithReason)
}

fn generic_error_text(err: &ApiErr, lang: Lang) -> String {
    let key = match err {
        ApiErr::Network => Key::ErrNetwork,
        ApiErr::Unexpected => Key::ErrUnexpected,
        ApiErr::SignedOut => Key::ErrSessionEnded,
        ApiErr::Api {
            error, retry_after, ..
        } => match error.code {
            ErrorCode::ValidationFailed => Key::ErrValidation,
            ErrorCode::Unauthorized => Key::ErrSessionEnded,
            ErrorCode::Forbidden => Key::ErrForbidden,
            ErrorCode::NotFound => Key::ErrNotFound,
            ErrorCode::Conflict => Key::ErrConflict,
            ErrorCode::PreconditionFailed => Key::ErrStale,
            ErrorCode::PayloadTooLarge => Key::ErrTooLarge,
            ErrorCode::RateLimited => {
                return match retry_after {
                    Some(secs) => fill(text(lang, Key::ErrRateLimitedFor), &[&secs.to_string()]),
                    None => text(lang, Key::ErrRateLimited).to_string(),
                }
            }
            ErrorCode::MethodNotAllowed => Key::ErrUnexpected,
            ErrorCode::Unavailable => Key::ErrUnavailable,
            ErrorCode::Internal => Key::ErrServer,
        },
    };
    text(lang, key).to_string()
}

const STORAGE_KEY: &str = "steward.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn initial_lang() -> Lang {
    let stored = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let tag = stored.or_else(|| web_sys::window().and_then(|w| w.navigator().language()));
    tag.map(|t| Lang::from_tag(&t)).unwrap_or(Lang::Zh)
}

fn mark_document(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", lang.tag());
    }
}

/// The language in use, as a context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// The current language (tracked: views using it follow a switch).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// The current language without tracking it (initial form values).
    pub fn lang_untracked(self) -> Lang {
        self.lang.get_untracked()
    }

    pub fn t(self, key: Key) -> &'static str {
        text(self.lang(), key)
    }

    /// The text of `key` as a reactive value for a view or an attribute.
    ///
    /// Prefer this to `move || i.t(key)` in views: every closure literal is
    /// its own type, and each type instantiates the renderer's generic code
    /// again; this one closure type serves every key (a large WASM saving).
    pub fn tr(self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || text(self.lang.get(), key)
    }

    /// `busy_key` while `busy`, else `key` (submit buttons: "Saving…"/"Save").
    pub fn tr_when(
        self,
        busy: impl Into<Signal<bool>>,
        busy_key: Key,
        key: Key,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let busy = busy.into();
        move || text(self.lang.get(), if busy.get() { busy_key } else { key })
    }

    /// The text of `key` as a signal (for component props such as hints).
    pub fn signal(self, key: Key) -> Signal<String> {
        Signal::derive(move || text(self.lang.get(), key).to_string())
    }

    pub fn f(self, key: Key, args: &[&str]) -> String {
        fill(self.t(key), args)
    }

    pub fn set(self, lang: Lang) {
        if let Some(s) = storage() {
            let _ = s.set_item(STORAGE_KEY, lang.tag());
        }
        mark_document(lang);
        self.lang.set(lang);
    }

    pub fn error(self, err: &ApiErr) -> String {
        error_text(err, self.lang())
    }

    /// [`Self::error`] as a reactive value for a view (one closure type).
    pub fn error_of(self, err: ApiErr) -> impl Fn() -> String + Clone + Send + Sync + 'static {
        move || error_text(&err, self.lang())
    }

    /// A text the server sent as a key (`msg`), reactively in the user's
    /// language; `english` when there is no key or this build lacks it.
    pub fn server_of(
        self,
        msg: Option<Msg>,
        english: String,
    ) -> impl Fn() -> String + Clone + Send + Sync + 'static {
        move || {
            msg.as_ref()
                .and_then(|m| server_text(m, self.lang()))
                .unwrap_or_else(|| english.clone())
        }
    }

    /// A date from the API in the user's language and zone, reactively.
    pub fn date_of(self, at: DateTime<Utc>) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        move || dates::date(&at, self.lang())
    }

    /// A calendar day (`2026-12-02` on the wire), reactively.
    pub fn day_of(
        self,
        day: chrono::NaiveDate,
    ) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        move || dates::format_day(day, self.lang())
    }

    /// A date and time from the API, reactively.
    pub fn datetime_of(
        self,
        at: DateTime<Utc>,
    ) -> impl Fn() -> String + Copy + Send + Sync + 'static {
        move || dates::datetime(&at, self.lang())
    }
}

pub fn provide_i18n() -> I18n {
    let lang = initial_lang();
    mark_document(lang);
    let i18n = I18n {
        lang: RwSignal::new(lang),
    };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<usize> {
        (0..5).filter(|i| s.contains(&format!("{{{i}}}"))).collect()
    }

    #[test]
    fn every_key_has_text_in_both_languages_with_the_same_placeholders() {
        for key in Key::ALL {
            let zh = text(Lang::Zh, *key);
            let en = text(Lang::En, *key);
            assert!(!zh.trim().is_empty(), "{key:?} has no Chinese text");
            assert!(!en.trim().is_empty(), "{key:?} has no English text");
            assert_eq!(placeholders(zh), placeholders(en), "{key:?}");
        }
    }

    #[test]
    fn chinese_text_is_actually_chinese() {
        // Every Chinese string but a few brand/format ones holds CJK text.
        let exempt = [Key::ProductName];
        for key in Key::ALL.iter().filter(|k| !exempt.contains(k)) {
            let zh = text(Lang::Zh, *key);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{key:?}: {zh}"
            );
        }
    }

    #[test]
    fn english_text_has_no_chinese() {
        // One language at a time: the English UI names things in English
        // (the language switch's "中文" is not a key).
        for key in Key::ALL {
            let en = text(Lang::En, *key);
            assert!(
                !en.chars().any(|c| matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')),
                "{key:?}: {en}"
            );
        }
    }

    #[test]
    fn browser_locales_pick_a_language() {
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-Hant-TW"), Lang::Zh);
        assert_eq!(Lang::from_tag("ZH"), Lang::Zh);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("de"), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), lang);
        }
    }

    #[test]
    fn backticks_mark_code() {
        assert_eq!(
            code_spans("在 `X-Api-Key` 请求头中"),
            vec![(false, "在 "), (true, "X-Api-Key"), (false, " 请求头中")]
        );
        assert_eq!(
            code_spans("`a`、`b`"),
            vec![(true, "a"), (false, "、"), (true, "b")]
        );
        assert_eq!(code_spans("plain"), vec![(false, "plain")]);
    }

    #[test]
    fn code_in_texts_is_closed() {
        for key in Key::ALL {
            for lang in Lang::ALL {
                let t = text(lang, *key);
                assert_eq!(t.matches('`').count() % 2, 0, "{key:?} in {lang:?}: {t}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(fill("{0} of {1}", &["3", "7"]), "3 of 7");
        assert_eq!(fill("no args", &[]), "no args");
    }

    #[test]
    fn modules_use_the_seed_names_in_chinese() {
        for m in ErpModule::ALL {
            assert_eq!(text(Lang::Zh, module_key(*m)), m.zh_name());
        }
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        let err = ApiErr::Api {
            status: 429,
            error: crate::api::parse_error(429, ""),
            retry_after: Some(42),
        };
        assert!(error_text(&err, Lang::En).contains("42"));
        assert!(error_text(&err, Lang::Zh).contains("42"));
        assert_ne!(
            error_text(&ApiErr::Network, Lang::Zh),
            error_text(&ApiErr::Network, Lang::En)
        );
    }
}
