//! `/settings/webhooks` and `/settings/chat-bots` (admins): outgoing
//! webhooks (a new one's signing secret is shown once) and WeCom, DingTalk
//! and Feishu group bots with their rules; each row opens its delivery log
//! (status, HTTP status, latency, answer) with redelivery, and sends a
//! test message.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::integrations::{
    ChatBot, ChatBotKind, ChatRule, CreateChatBot, CreateWebhook, Delivery, DeliveryStatus,
    EventType, UpdateChatBot, UpdateWebhook, Webhook, WebhookCreated,
};
use shared::tickets::TicketPriority;
use shared::{ErpModule, Locale};

use crate::api::{self, ApiErr};
use crate::components::guard::{Audience, Guard};
use crate::components::toast::use_toasts;
use crate::i18n::{event_key, module_key, use_i18n, I18n, Key, Lang};
use crate::pages::tickets::common::{action_error, priority_key, ActionError};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <WebhooksAdmin />
        </Guard>
    }
}

#[component]
pub fn ChatBotsPage() -> impl IntoView {
    view! {
        <Guard audience=Audience::Admin>
            <ChatBotsAdmin />
        </Guard>
    }
}

/// A list as loaded: not yet, the error's text, or the rows.
type Loaded<T> = RwSignal<Option<Result<Vec<T>, String>>>;

/// A list loaded once and reloaded on demand.
fn loaded<T: Send + Sync + 'static, F>(
    fetch: impl Fn() -> F + Copy + 'static,
) -> (Loaded<T>, impl Fn() + Copy)
where
    F: std::future::Future<Output = Result<Vec<T>, ApiErr>> + 'static,
{
    let i = use_i18n();
    let list = RwSignal::new(None);
    let reload = move || {
        crate::task::spawn(async move {
            list.set(Some(fetch().await.map_err(|e| action_error(i, &e))));
        });
    };
    reload();
    (list, reload)
}

/// Checkboxes of every event type, each named in words with its code
/// beside; the chosen ones in `chosen`.
#[component]
fn EventChoice(prefix: &'static str, chosen: RwSignal<Vec<EventType>>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <fieldset class="field ig-events">
            {EventType::ALL
                .iter()
                .map(|t| {
                    let t = *t;
                    let id = format!("{prefix}-{}", t.as_str());
                    let (label_for, input_id) = (id.clone(), id.clone());
                    view! {
                        <label class="check" for=label_for>
                            <input
                                type="checkbox"
                                id=input_id
                                data-testid=id
                                prop:checked=move || chosen.with(|c| c.contains(&t))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != t);
                                        if on {
                                            c.push(t);
                                        }
                                    });
                                }
                            />
                            <span>{i.tr(event_key(t))}</span>
                            <code class="ig-code">{t.as_str()}</code>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

fn status_badge(i: I18n, status: DeliveryStatus) -> impl IntoView {
    let (class, key) = match status {
        DeliveryStatus::Delivered => ("badge badge-ok", Key::IgDelivered),
        DeliveryStatus::Failed => ("badge badge-overdue", Key::IgFailed),
        DeliveryStatus::Pending => ("badge badge-warning", Key::IgPending),
        DeliveryStatus::Sending => ("badge badge-muted", Key::IgSending),
    };
    view! { <span class=class data-testid="delivery-status">{i.tr(key)}</span> }
}

/// Which target a log belongs to.
#[derive(Clone, Copy)]
enum Target {
    Webhook(i64),
    ChatBot(i64),
}

impl Target {
    async fn log(self) -> Result<Vec<Delivery>, ApiErr> {
        match self {
            Target::Webhook(id) => api::integrations::webhook_deliveries(id).await,
            Target::ChatBot(id) => api::integrations::chat_bot_deliveries(id).await,
        }
    }

    async fn redeliver(self, delivery: i64) -> Result<Delivery, ApiErr> {
        match self {
            Target::Webhook(id) => api::integrations::redeliver_webhook(id, delivery).await,
            Target::ChatBot(id) => api::integrations::redeliver_chat_bot(id, delivery).await,
        }
    }

    async fn test(self) -> Result<Delivery, ApiErr> {
        match self {
            Target::Webhook(id) => api::integrations::test_webhook(id).await,
            Target::ChatBot(id) => api::integrations::test_chat_bot(id).await,
        }
    }
}

/// The delivery log of a target, with a redeliver button per row.
#[component]
fn DeliveryLog(target: Target) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let (log, reload) = loaded(move || target.log());
    let failure = RwSignal::new(None::<String>);
    let redeliver = move |delivery: i64| {
        failure.set(None);
        crate::task::spawn(async move {
            match target.redeliver(delivery).await {
                Ok(_) => {
                    toasts.success(i.t(Key::IgRedelivered));
                    reload();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
        });
    };
    view! {
        <div class="ig-log" data-testid="delivery-log">
            <ActionError failure testid="delivery-log-error" />
            {move || match log.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => {
                    view! { <p class="muted" data-testid="delivery-log-empty">{i.tr(Key::IgNoDeliveries)}</p> }.into_any()
                }
                Some(Ok(rows)) => view! {
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">{i.tr(Key::IgEvent)}</th>
                                <th scope="col">{i.tr(Key::Status)}</th>
                                <th scope="col">{i.tr(Key::IgAttempt)}</th>
                                <th scope="col">"HTTP"</th>
                                <th scope="col">{i.tr(Key::IgLatency)}</th>
                                <th scope="col">{i.tr(Key::IgAnswer)}</th>
                                <th scope="col">{i.tr(Key::IgNextAttempt)}</th>
                                <th scope="col"><span class="visually-hidden">{i.tr(Key::Actions)}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|d| {
                                    let id = d.id;
                                    view! {
                                        <tr data-testid="delivery-row">
                                            <td><code>{d.event_type}</code><br /><span class="muted">{i.datetime_of(d.created_at)}</span></td>
                                            <td>{status_badge(i, d.status)}</td>
                                            <td>{d.attempt}</td>
                                            <td>{d.http_status.map(|s| s.to_string()).unwrap_or_default()}</td>
                                            <td>{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                            <td class="ig-excerpt">
                                                {d.error.map(|e| view! { <span class="error">{e}</span><br /> })}
                                                <code>{d.response_excerpt.unwrap_or_default()}</code>
                                            </td>
                                            <td>{d.next_attempt_at.map(|at| view! { <span>{i.datetime_of(at)}</span> })}</td>
                                            <td>
                                                <button type="button" class="btn btn-small" data-testid="delivery-redeliver" on:click=move |_| redeliver(id)>
                                                    {i.tr(Key::IgRedeliver)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
        </div>
    }
}

/// The row actions every target has: test, log, enable/disable.
#[component]
fn TargetActions(
    target: Target,
    enabled: bool,
    toggle: Callback<bool>,
    testid: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let generation = RwSignal::new(0u32);
    let test = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        crate::task::spawn(async move {
            match target.test().await {
                Ok(d) if d.status == DeliveryStatus::Delivered => {
                    toasts.success(i.t(Key::IgTestSent));
                }
                Ok(d) => failure.set(Some(d.error.unwrap_or_else(|| i.t(Key::IgFailed).into()))),
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            generation.update(|g| *g += 1);
            busy.set(false);
        });
    };
    view! {
        <div class="actions">
            <button type="button" class="btn btn-small" data-testid=format!("{testid}-test") disabled=move || busy.get() || !enabled on:click=test>
                {i.tr_when(busy, Key::Working, Key::IgSendTest)}
            </button>
            <button type="button" class="btn btn-ghost btn-small" data-testid=format!("{testid}-log") on:click=move |_| open.update(|o| *o = !*o)>
                {i.tr(Key::IgDeliveries)}
            </button>
            <button type="button" class="btn btn-ghost btn-small" data-testid=format!("{testid}-toggle") on:click=move |_| toggle.run(!enabled)>
                {if enabled { i.tr(Key::IgDisable) } else { i.tr(Key::IgEnable) }}
            </button>
        </div>
        <ActionError failure testid="target-error" />
        {move || open.get().then(|| {
            generation.track();
            view! { <DeliveryLog target /> }
        })}
    }
}

#[component]
fn WebhooksAdmin() -> impl IntoView {
    let i = use_i18n();
    let (list, reload) = loaded(api::integrations::list_webhooks);
    let fresh = RwSignal::new(None::<WebhookCreated>);
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(Vec::<EventType>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let req = CreateWebhook {
            url: url.get_untracked().trim().to_string(),
            events: events.get_untracked(),
            enabled: true,
        };
        crate::task::spawn(async move {
            match api::integrations::create_webhook(&req).await {
                Ok(created) => {
                    url.set(String::new());
                    events.set(Vec::new());
                    fresh.set(Some(created));
                    reload();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    let toggle = move |id: i64, enabled: bool| {
        crate::task::spawn(async move {
            let req = UpdateWebhook {
                enabled: Some(enabled),
                ..UpdateWebhook::default()
            };
            if api::integrations::update_webhook(id, &req).await.is_ok() {
                reload();
            }
        });
    };
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/settings">{i.tr(Key::NavSettings)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="webhooks-heading">{i.tr(Key::WhTitle)}</h1>
                    <p class="muted">{i.tr(Key::WhIntro)}</p>
                </div>
            </header>
            <form class="card" on:submit=submit novalidate=true data-testid="webhook-form">
                <h2>{i.tr(Key::WhNew)}</h2>
                <ActionError failure testid="webhook-error" />
                <div class="field">
                    <label for="webhook-url">{i.tr(Key::WhUrl)}</label>
                    <input id="webhook-url" data-testid="webhook-url" type="url" required=true
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                </div>
                <p>{i.tr(Key::IgEvents)}</p>
                <EventChoice prefix="webhook-event" chosen=events />
                <button type="submit" class="btn btn-primary" data-testid="webhook-create" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::WhCreate)}
                </button>
            </form>
            {move || fresh.get().map(|created| view! {
                <section class="banner banner-warning" role="alert" data-testid="webhook-secret-panel">
                    <p><strong>{i.tr(Key::WhSecretOnce)}</strong></p>
                    <input class="mono" readonly=true data-testid="webhook-secret" prop:value=created.secret />
                    <button type="button" class="btn btn-primary" on:click=move |_| fresh.set(None)>{i.tr(Key::AkStored)}</button>
                </section>
            })}
            {move || match list.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(hooks)) if hooks.is_empty() => view! { <p class="state" data-testid="webhooks-empty">{i.tr(Key::WhEmpty)}</p> }.into_any(),
                Some(Ok(hooks)) => hooks.into_iter().map(|h| view! { <WebhookCard hook=h toggle /> }).collect_view().into_any(),
            }}
        </div>
    }
}

#[component]
fn WebhookCard(
    hook: Webhook,
    toggle: impl Fn(i64, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i = use_i18n();
    let id = hook.id;
    let hook_events = hook.events.clone();
    let events = move || event_names(i, &hook_events);
    view! {
        <section class="card" data-testid="webhook-row">
            <h2 class="mono">{hook.url}</h2>
            <p>
                {if hook.enabled {
                    view! { <span class="badge badge-ok">{i.tr(Key::StatusActive)}</span> }.into_any()
                } else {
                    view! { <span class="badge badge-muted" data-testid="webhook-disabled">{i.tr(Key::IgDisabled)}</span> }.into_any()
                }}
                " " <span data-testid="webhook-events">{events}</span>
            </p>
            {hook.disabled_reason.map(|r| view! { <p class="error">{r}</p> })}
            <TargetActions target=Target::Webhook(id) enabled=hook.enabled toggle=Callback::new(move |on| toggle(id, on)) testid="webhook" />
        </section>
    }
}

/// The platform's name as its users in each language know it.
fn kind_label(kind: ChatBotKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (ChatBotKind::Wecom, Lang::Zh) => "企业微信",
        (ChatBotKind::Dingtalk, Lang::Zh) => "钉钉",
        (ChatBotKind::Feishu, Lang::Zh) => "飞书",
        (ChatBotKind::Wecom, Lang::En) => "WeCom",
        (ChatBotKind::Dingtalk, Lang::En) => "DingTalk",
        (ChatBotKind::Feishu, Lang::En) => "Feishu",
    }
}

#[component]
fn ChatBotsAdmin() -> impl IntoView {
    let i = use_i18n();
    let (list, reload) = loaded(api::integrations::list_chat_bots);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(ChatBotKind::Wecom);
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let locale = RwSignal::new(match i.lang_untracked() {
        crate::i18n::Lang::Zh => Locale::ZhCn,
        crate::i18n::Lang::En => Locale::En,
    });
    let events = RwSignal::new(Vec::<EventType>::new());
    let module = RwSignal::new(None::<ErpModule>);
    let priority = RwSignal::new(None::<TicketPriority>);
    let renewal_days = RwSignal::new(String::new());
    let mobiles = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        failure.set(None);
        let chosen = events.get_untracked();
        // The day count is the due-soon event's condition: sent with it only.
        let days = renewal_days.get_untracked();
        let days = days.trim();
        let renewal_days_value = if days.is_empty() || !chosen.contains(&EventType::RenewalDueSoon)
        {
            None
        } else if let Ok(n) = days.parse::<i32>() {
            Some(n)
        } else {
            failure.set(Some(i.t(Key::McBadNumber).into()));
            return;
        };
        busy.set(true);
        let rule = ChatRule {
            events: chosen,
            module: module.get_untracked(),
            min_priority: priority.get_untracked(),
            owner_id: None,
            renewal_days: renewal_days_value,
            mention_mobiles: mobiles
                .get_untracked()
                .split([',', ' ', '，'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
        };
        let secret_text = secret.get_untracked().trim().to_string();
        let req = CreateChatBot {
            name: name.get_untracked().trim().to_string(),
            kind: kind.get_untracked(),
            webhook_url: url.get_untracked().trim().to_string(),
            secret: (!secret_text.is_empty()).then_some(secret_text),
            locale: Some(locale.get_untracked()),
            enabled: true,
            rules: if rule.events.is_empty() {
                vec![]
            } else {
                vec![rule]
            },
        };
        crate::task::spawn(async move {
            match api::integrations::create_chat_bot(&req).await {
                Ok(_) => {
                    name.set(String::new());
                    url.set(String::new());
                    secret.set(String::new());
                    mobiles.set(String::new());
                    renewal_days.set(String::new());
                    events.set(Vec::new());
                    reload();
                }
                Err(e) => failure.set(Some(action_error(i, &e))),
            }
            busy.set(false);
        });
    };
    let toggle = move |id: i64, enabled: bool| {
        crate::task::spawn(async move {
            let req = UpdateChatBot {
                enabled: Some(enabled),
                ..UpdateChatBot::default()
            };
            if api::integrations::update_chat_bot(id, &req).await.is_ok() {
                reload();
            }
        });
    };
    view! {
        <div class="page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/settings">{i.tr(Key::NavSettings)}</a>
            </nav>
            <header class="page-header">
                <div>
                    <h1 data-testid="chat-bots-heading">{i.tr(Key::CbTitle)}</h1>
                    <p class="muted">{i.tr(Key::CbIntro)}</p>
                </div>
            </header>
            <form class="card" on:submit=submit novalidate=true data-testid="chat-bot-form">
                <h2>{i.tr(Key::CbNew)}</h2>
                <ActionError failure testid="chat-bot-error" />
                <div class="field">
                    <label for="chat-bot-name">{i.tr(Key::CbName)}</label>
                    <input id="chat-bot-name" data-testid="chat-bot-name" required=true
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="chat-bot-kind">{i.tr(Key::CbKind)}</label>
                    <select id="chat-bot-kind" data-testid="chat-bot-kind"
                        on:change=move |ev| if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }>
                        {ChatBotKind::ALL.iter().map(|k| { let k = *k; view! { <option value=k.as_str()>{move || kind_label(k, i.lang())}</option> } }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="chat-bot-url">{i.tr(Key::CbUrl)}</label>
                    <input id="chat-bot-url" data-testid="chat-bot-url" type="url" required=true
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="chat-bot-secret">{i.tr(Key::CbSecret)}</label>
                    <input id="chat-bot-secret" data-testid="chat-bot-secret"
                        prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="chat-bot-locale">{i.tr(Key::Language)}</label>
                    <select id="chat-bot-locale" data-testid="chat-bot-locale"
                        on:change=move |ev| if let Ok(l) = event_target_value(&ev).parse() { locale.set(l) }>
                        {Locale::ALL.iter().map(|l| {
                            let l = *l;
                            view! { <option value=l.as_str() selected=move || locale.get() == l>{match l { Locale::ZhCn => "中文", Locale::En => "English" }}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <h3>{i.tr(Key::CbRule)}</h3>
                <EventChoice prefix="chat-bot-event" chosen=events />
                <div class="field">
                    <label for="chat-bot-module">{i.tr(Key::CbModule)}</label>
                    <select id="chat-bot-module" data-testid="chat-bot-module"
                        on:change=move |ev| module.set(event_target_value(&ev).parse().ok())>
                        <option value="">{i.tr(Key::CbAny)}</option>
                        {ErpModule::ALL.iter().map(|m| view! { <option value=m.as_str()>{i.tr(module_key(*m))}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="chat-bot-priority">{i.tr(Key::CbMinPriority)}</label>
                    <select id="chat-bot-priority" data-testid="chat-bot-priority"
                        on:change=move |ev| priority.set(event_target_value(&ev).parse().ok())>
                        <option value="">{i.tr(Key::CbAny)}</option>
                        {TicketPriority::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.as_str().to_uppercase()}</option> }).collect_view()}
                    </select>
                </div>
                {move || events.with(|e| e.contains(&EventType::RenewalDueSoon)).then(|| view! {
                    <div class="field">
                        <label for="chat-bot-renewal-days">{i.tr(Key::CbRenewalDays)}</label>
                        <input id="chat-bot-renewal-days" data-testid="chat-bot-renewal-days" inputmode="numeric"
                            prop:value=move || renewal_days.get() on:input=move |ev| renewal_days.set(event_target_value(&ev)) />
                    </div>
                })}
                <div class="field">
                    <label for="chat-bot-mobiles">{i.tr(Key::CbMobiles)}</label>
                    <input id="chat-bot-mobiles" data-testid="chat-bot-mobiles"
                        prop:value=move || mobiles.get() on:input=move |ev| mobiles.set(event_target_value(&ev)) />
                </div>
                <button type="submit" class="btn btn-primary" data-testid="chat-bot-create" disabled=busy>
                    {i.tr_when(busy, Key::Working, Key::CbCreate)}
                </button>
            </form>
            {move || match list.get() {
                None => view! { <p class="muted">{i.tr(Key::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(bots)) if bots.is_empty() => view! { <p class="state" data-testid="chat-bots-empty">{i.tr(Key::CbEmpty)}</p> }.into_any(),
                Some(Ok(bots)) => bots.into_iter().map(|b| view! { <ChatBotCard bot=b toggle /> }).collect_view().into_any(),
            }}
        </div>
    }
}

/// The events, named in the reader's language.
fn event_names(i: I18n, events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| i.t(event_key(*e)).to_string())
        .collect::<Vec<_>>()
        .join(list_separator(i))
}

/// "、" between items of a Chinese list, ", " in English.
fn list_separator(i: I18n) -> &'static str {
    match i.lang() {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// A label and its value: "模块：财务", "Module: Finance".
fn labelled(i: I18n, label: Key, value: impl std::fmt::Display) -> String {
    match i.lang() {
        Lang::Zh => format!("{}：{value}", i.t(label)),
        Lang::En => format!("{}: {value}", i.t(label)),
    }
}

/// A chat rule in words: its events, and the filters it adds.
fn rule_text(i: I18n, rule: &ChatRule) -> String {
    let mut parts: Vec<String> = vec![event_names(i, &rule.events)];
    if let Some(m) = rule.module {
        parts.push(labelled(i, Key::CbModule, i.t(module_key(m))));
    }
    if let Some(p) = rule.min_priority {
        parts.push(labelled(i, Key::CbMinPriority, i.t(priority_key(p))));
    }
    if let Some(days) = rule.renewal_days {
        parts.push(labelled(i, Key::CbRuleDays, days));
    }
    if !rule.mention_mobiles.is_empty() {
        parts.push(format!("@{}", rule.mention_mobiles.join(" @")));
    }
    parts.join(" · ")
}

#[component]
fn ChatBotCard(
    bot: ChatBot,
    toggle: impl Fn(i64, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i = use_i18n();
    let id = bot.id;
    view! {
        <section class="card" data-testid="chat-bot-row">
            <h2>{bot.name} " " <span class="badge badge-muted">{move || kind_label(bot.kind, i.lang())}</span></h2>
            <p class="mono muted">{bot.webhook_url}</p>
            <p>
                {if bot.enabled {
                    view! { <span class="badge badge-ok">{i.tr(Key::StatusActive)}</span> }.into_any()
                } else {
                    view! { <span class="badge badge-muted">{i.tr(Key::IgDisabled)}</span> }.into_any()
                }}
            </p>
            {bot.disabled_reason.map(|r| view! { <p class="error">{r}</p> })}
            <ul data-testid="chat-bot-rules">
                {bot.rules.iter().cloned().map(|r| view! { <li data-testid="chat-rule">{move || rule_text(i, &r)}</li> }).collect_view()}
            </ul>
            <TargetActions target=Target::ChatBot(id) enabled=bot.enabled toggle=Callback::new(move |on| toggle(id, on)) testid="chat-bot" />
        </section>
    }
}
