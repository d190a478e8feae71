//! `/portal/visits` and `/portal/visits/:id`: the customer's on-site visits
//! (上门服务) and the engineer's report, which a user of the account signs
//! here: a typed name and a signature drawn with a finger or the mouse on a
//! canvas, sent as a PNG data URL.

use leptos::ev::{PointerEvent, SubmitEvent};
use leptos::prelude::*;
use shared::visits::{validate_signer, PortalVisit, SignReport, VisitSlot, VisitStatus};
use shared::{ErrorCode, FieldErrors};
use wasm_bindgen::JsCast;

use crate::api::{self, ApiErr};
use crate::components::fields::{ErrorBanner, FieldError, TextField};
use crate::components::load::load;
use crate::components::states::{ErrorState, SkeletonCard};
use crate::components::submit::Submit;
use crate::components::toast::use_toasts;
use crate::i18n::{dates, use_i18n, Key};
use crate::pages::tickets::common::{action_error, ActionError};

fn status_key(s: VisitStatus) -> Key {
    match s {
        VisitStatus::Requested => Key::ViRequested,
        VisitStatus::Dispatched => Key::ViDispatched,
        VisitStatus::CheckedIn => Key::ViCheckedIn,
        VisitStatus::CheckedOut => Key::ViCheckedOut,
        VisitStatus::Reported => Key::ViReported,
        VisitStatus::Signed => Key::ViSigned,
        VisitStatus::Cancelled => Key::ViCancelled,
    }
}

fn slot_key(s: VisitSlot) -> Key {
    match s {
        VisitSlot::Morning => Key::ViMorning,
        VisitSlot::Afternoon => Key::ViAfternoon,
        VisitSlot::FullDay => Key::ViFullDay,
    }
}

#[component]
pub fn PortalVisitsPage() -> impl IntoView {
    let i = use_i18n();
    let visits = load(api::visits::portal_list);
    let body = move || {
        match visits.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) => view! { <ErrorState error=e on_retry=visits.reload /> }.into_any(),
        Some(Ok(page)) if page.items.is_empty() => {
            view! { <p class="muted" data-testid="portal-visits-empty">{i.tr(Key::ViNone)}</p> }
                .into_any()
        }
        Some(Ok(page)) => view! {
            <ul class="plain-list card">
                {page
                    .items
                    .into_iter()
                    .map(|v| view! {
                        <li>
                            <a href=format!("/portal/visits/{}", v.id) data-testid="portal-visit">
                                {format!("#{} {} ", v.id, v.visit_date)}
                                {i.tr(slot_key(v.slot))}
                            </a>
                            " "
                            <span class="badge" data-status=v.status.as_str()>{i.tr(status_key(v.status))}</span>
                        </li>
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <div class="page" data-testid="portal-visits">
            <header class="page-header">
                <h1>{i.tr(Key::PtNavVisits)}</h1>
            </header>
            {body}
        </div>
    }
}

#[component]
pub fn PortalVisitPage(id: i64) -> impl IntoView {
    let i = use_i18n();
    let visit = load(move || api::visits::portal_get(id));
    let content = move || match visit.value.get() {
        None => view! { <SkeletonCard /> }.into_any(),
        Some(Err(e)) if e.is(ErrorCode::NotFound) => {
            view! { <p class="state" data-testid="visit-not-found">{i.tr(Key::ErrNotFound)}</p> }
                .into_any()
        }
        Some(Err(e)) => view! { <ErrorState error=e on_retry=visit.reload /> }.into_any(),
        Some(Ok(v)) => view! {
            <VisitView v on_change=Callback::new(move |v| visit.value.set(Some(Ok(v)))) />
        }
        .into_any(),
    };
    view! {
        <div class="page visit-page">
            <nav class="breadcrumbs" aria-label=i.tr(Key::Breadcrumbs)>
                <a href="/portal/visits" data-testid="back-to-visits">{i.tr(Key::PtNavVisits)}</a>
            </nav>
            {content}
        </div>
    }
}

#[component]
fn VisitView(v: PortalVisit, on_change: Callback<PortalVisit>) -> impl IntoView {
    let i = use_i18n();
    let id = v.id;
    let starts = v.starts_at;
    let when =
        move || dates::format_datetime(&starts, i.lang(), dates::browser_offset_minutes(&starts));
    let at = move |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| dates::format_datetime(&t, i.lang(), dates::browser_offset_minutes(&t)))
            .unwrap_or_else(|| "—".into())
    };
    let signable = v.status == VisitStatus::Reported;
    view! {
        <header class="page-header">
            <div>
                <h1 data-testid="visit-title">{i.f(Key::ViVisitNo, &[&id.to_string()])}</h1>
                <p class="muted">
                    <span class="badge" data-testid="visit-status" data-status=v.status.as_str()>
                        {i.tr(status_key(v.status))}
                    </span>
                </p>
            </div>
        </header>
        <section class="card" data-testid="visit-details">
            <dl class="details">
                <dt>{i.tr(Key::ViDate)}</dt>
                <dd>{when} " · " {i.tr(slot_key(v.slot))}</dd>
                <dt>{i.tr(Key::ViEngineer)}</dt>
                <dd>{v.engineer_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{i.tr(Key::ViPurpose)}</dt>
                <dd class="pre-wrap">{v.purpose.clone()}</dd>
                <dt>{i.tr(Key::ViCheckedInAt)}</dt>
                <dd>{at(v.checked_in_at)}</dd>
                <dt>{i.tr(Key::ViCheckedOutAt)}</dt>
                <dd>{at(v.checked_out_at)}</dd>
            </dl>
        </section>
        {v.report.clone().map(|r| view! {
            <section class="card" data-testid="visit-report">
                <h2>{i.tr(Key::ViReport)}</h2>
                <dl class="details">
                    <dt>{i.tr(Key::ViWorkDone)}</dt>
                    <dd class="pre-wrap" data-testid="visit-work-done">{r.work_done}</dd>
                    <dt>{i.tr(Key::ViTimeSpent)}</dt>
                    <dd>{i.f(Key::ViMinutes, &[&r.time_spent_minutes.to_string()])}</dd>
                    <dt>{i.tr(Key::ViFollowUps)}</dt>
                    <dd class="pre-wrap">{r.follow_ups.unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
        })}
        {v.signature.clone().map(|s| view! {
            <section class="card">
                <p data-testid="visit-signed-by">{i.f(Key::ViSignedBy, &[&s.signed_name])}</p>
                <PdfButton id />
            </section>
        })}
        {signable.then(|| view! { <SignForm id on_change /> })}
    }
}

#[component]
fn PdfButton(id: i64) -> impl IntoView {
    let i = use_i18n();
    let failure = RwSignal::new(None::<String>);
    let download = move |_| {
        crate::task::spawn(async move {
            let name = format!("visit-{id}-report.pdf");
            let path = format!("/portal/visits/{id}/report.pdf");
            if let Err(e) = api::attachments::download_file(&path, &name).await {
                failure.set(Some(action_error(i, &e)));
            }
        });
    };
    view! {
        <ActionError failure testid="visit-pdf-error" />
        <button type="button" class="btn" data-testid="visit-pdf" on:click=download>
            {i.tr(Key::ViPdf)}
        </button>
    }
}

/// The canvas's 2D context, driven through its JavaScript methods (the
/// app's `web-sys` build leaves the canvas API out; a signature needs five
/// calls of it).
struct Pen(js_sys::Object);

impl Pen {
    fn of(canvas: &web_sys::HtmlCanvasElement) -> Option<Pen> {
        let get = js_sys::Reflect::get(canvas, &"getContext".into()).ok()?;
        let get: js_sys::Function = get.dyn_into().ok()?;
        let ctx = get.call1(canvas, &"2d".into()).ok()?;
        ctx.dyn_into::<js_sys::Object>().ok().map(Pen)
    }

    fn call(&self, name: &str, args: &[f64]) {
        let Some(f) = js_sys::Reflect::get(&self.0, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        else {
            return;
        };
        let args: js_sys::Array = args
            .iter()
            .map(|a| wasm_bindgen::JsValue::from(*a))
            .collect();
        let _ = f.apply(&self.0, &args);
    }

    fn set(&self, name: &str, value: wasm_bindgen::JsValue) {
        let _ = js_sys::Reflect::set(&self.0, &name.into(), &value);
    }
}

/// The pointer's position in the canvas's own pixels (it is drawn at 600 ×
/// 200 and shown as wide as the screen allows).
fn point(canvas: &web_sys::HtmlCanvasElement, ev: &PointerEvent) -> (f64, f64) {
    let sx = f64::from(canvas.width()) / f64::from(canvas.client_width().max(1));
    let sy = f64::from(canvas.height()) / f64::from(canvas.client_height().max(1));
    (f64::from(ev.offset_x()) * sx, f64::from(ev.offset_y()) * sy)
}

#[component]
fn SignForm(id: i64, on_change: Callback<PortalVisit>) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawing = RwSignal::new(false);
    let drawn = RwSignal::new(false);
    let errors = RwSignal::new(FieldErrors::new());
    let failure = RwSignal::new(None::<ApiErr>);
    let busy = RwSignal::new(false);
    let down = move |ev: PointerEvent| {
        let Some(c) = canvas.get() else { return };
        let Some(pen) = Pen::of(&c) else { return };
        ev.prevent_default();
        // A synthetic or lost pointer cannot be captured; drawing works anyway.
        let _ = c.set_pointer_capture(ev.pointer_id());
        let (x, y) = point(&c, &ev);
        pen.set("lineWidth", 3.0.into());
        pen.set("lineCap", "round".into());
        pen.set("lineJoin", "round".into());
        pen.set("strokeStyle", "#111".into());
        pen.call("beginPath", &[]);
        pen.call("moveTo", &[x, y]);
        drawing.set(true);
    };
    let moved = move |ev: PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        let Some(c) = canvas.get() else { return };
        let Some(pen) = Pen::of(&c) else { return };
        ev.prevent_default();
        let (x, y) = point(&c, &ev);
        pen.call("lineTo", &[x, y]);
        pen.call("stroke", &[]);
        drawn.set(true);
    };
    let up = move |_: PointerEvent| drawing.set(false);
    let clear = move |_| {
        if let Some(c) = canvas.get() {
            if let Some(pen) = Pen::of(&c) {
                pen.call(
                    "clearRect",
                    &[0.0, 0.0, f64::from(c.width()), f64::from(c.height())],
                );
            }
        }
        drawn.set(false);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = name.get_untracked();
        let mut f = validate_signer(&typed).err().unwrap_or_default();
        if !drawn.get_untracked() {
            f.insert(
                "signature".into(),
                shared::texts::T::SignatureBlank.en().to_string(),
            );
        }
        let signature = canvas
            .get_untracked()
            .and_then(|c| c.to_data_url_with_type("image/png").ok());
        let Some(signature) = signature.filter(|_| f.is_empty()) else {
            errors.set(f);
            return;
        };
        errors.set(FieldErrors::new());
        let req = SignReport {
            name: typed,
            signature,
        };
        Submit::new(busy, errors, failure).send(
            async move { api::visits::portal_sign(id, &req).await },
            move |v| {
                toasts.success(i.t(Key::PtSignedOk));
                on_change.run(v);
            },
        );
    };
    view! {
        <form class="card" on:submit=submit novalidate=true data-testid="sign-form">
            <h2>{i.tr(Key::PtSignTitle)}</h2>
            <ErrorBanner failure testid="sign-error" />
            <TextField id="sign-name" label=Key::PtSignName value=name field="name" errors required=true autocomplete="name" />
            <div class="field">
                <p id="sign-pad-label">{i.tr(Key::PtSignPad)}</p>
                <canvas
                    node_ref=canvas
                    class="signature-pad"
                    width="600"
                    height="200"
                    role="img"
                    aria-labelledby="sign-pad-label"
                    data-testid="sign-pad"
                    on:pointerdown=down
                    on:pointermove=moved
                    on:pointerup=up
                    on:pointerleave=up
                    on:pointercancel=up
                ></canvas>
                <FieldError errors field="signature" id="sign-pad-error".to_string() />
                <button type="button" class="btn btn-ghost btn-small" data-testid="sign-clear" on:click=clear>
                    {i.tr(Key::PtSignClear)}
                </button>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary btn-block" data-testid="sign-submit" disabled=busy>
                    {i.tr_when(busy, Key::Saving, Key::PtSignSubmit)}
                </button>
            </div>
        </form>
    }
}
