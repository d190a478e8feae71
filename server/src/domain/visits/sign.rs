//! The customer signs the engineer's report in the portal: a typed name and
//! a drawn signature. In one transaction the visit becomes `signed`, the
//! report's PDF is kept on the ticket (when the visit came from one), the
//! timeline records it, and the PDF is mailed to each customer admin of the
//! account, once (the dedupe key names visit and recipient). The PDF can be
//! read again later, written anew from what was stored.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use shared::texts::T;
use shared::timeline::TimelineKind;
use shared::visits::{validate_signer, PortalVisit, SignReport, Visit, VisitSlot, VisitStatus};

use super::pdf::{self, ReportContent};
use super::{find, load, portal_visible, signature, status_of, to_portal, when};
use crate::auth::{PortalActor, StaffActor};
use crate::domain::accounts::contacts;
use crate::domain::accounts::timeline::{self, mail_customer, CustomerMail};
use crate::domain::common::calendar::time_zone;
use crate::domain::common::portal::own_contact;
use crate::entity::stored::stored;
use crate::entity::{accounts, tickets, users, visits};
use crate::error::{AppError, AppResult};
use crate::mail::letters::visits as letters;
use crate::mail::MailAttachment;
use crate::state::AppState;

fn slot_label(slot: VisitSlot) -> &'static str {
    match slot {
        VisitSlot::Morning => "上午 / morning",
        VisitSlot::Afternoon => "下午 / afternoon",
        VisitSlot::FullDay => "全天 / full day",
    }
}

fn local(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|a| a.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

/// The report's words, bilingual labels, from the stored visit.
async fn content<C: ConnectionTrait>(conn: &C, m: &visits::Model) -> AppResult<ReportContent> {
    let tz = time_zone(conn, m.workspace_id).await?;
    let account = accounts::Entity::find_by_id(m.account_id)
        .filter(accounts::Column::WorkspaceId.eq(m.workspace_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let engineer = match m.engineer_id {
        Some(id) => users::Entity::find_by_id(id)
            .filter(users::Column::WorkspaceId.eq(m.workspace_id))
            .one(conn)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let ticket = match m.ticket_id {
        Some(id) => tickets::Entity::find_by_id(id)
            .filter(tickets::Column::WorkspaceId.eq(m.workspace_id))
            .one(conn)
            .await?
            .map(|t| format!("#{} {}", t.number, t.subject)),
        None => None,
    };
    let slot: VisitSlot = stored("visits", m.id, "slot", &m.slot)?;
    let mut facts = vec![
        ("客户 / Customer".to_string(), account.name.clone()),
        ("编号 / Visit".to_string(), format!("#{}", m.id)),
        (
            "日期 / Date".to_string(),
            format!("{} {}", m.visit_date, slot_label(slot)),
        ),
        ("工程师 / Engineer".to_string(), engineer),
        ("签到 / Check-in".to_string(), local(m.checked_in_at, tz)),
        ("签退 / Check-out".to_string(), local(m.checked_out_at, tz)),
        (
            "服务时长 / Time spent".to_string(),
            format!("{} 分钟 / minutes", m.time_spent_minutes.unwrap_or(0)),
        ),
        ("服务目的 / Purpose".to_string(), m.purpose.clone()),
    ];
    if let Some(ticket) = ticket {
        facts.insert(2, ("工单 / Ticket".to_string(), ticket));
    }
    if let Some(address) = &m.address {
        facts.push(("地址 / Address".to_string(), address.clone()));
    }
    let mut sections = vec![(
        "服务内容 / Work done".to_string(),
        m.work_done.clone().unwrap_or_default(),
    )];
    if let Some(f) = &m.follow_ups {
        sections.push(("后续事项 / Follow-ups".to_string(), f.clone()));
    }
    Ok(ReportContent {
        title: "上门服务报告 / On-site Service Report".into(),
        facts,
        sections,
        signed_line: format!(
            "客户签字 / Signed by: {}    {}",
            m.signed_name.clone().unwrap_or_default(),
            local(m.signed_at, tz)
        ),
        signature_png: m.signature_png.clone().unwrap_or_default(),
    })
}

/// Writes the PDF off the async threads (subsetting a CJK font takes a
/// moment). The inner `Err` says why it cannot be written (no usable font),
/// for the log: the caller decides what that means for the user.
async fn render(state: &AppState, content: ReportContent) -> AppResult<Result<Vec<u8>, String>> {
    let (configured, index) = (
        state.config.report_font.clone(),
        state.config.report_font_index,
    );
    tokio::task::spawn_blocking(move || {
        let font = pdf::choose_font(configured.as_deref(), index)?;
        pdf::render(&font, &content)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// The PDF's file name: `visit-12-report.pdf`.
pub fn file_name(visit_id: i64) -> String {
    format!("visit-{visit_id}-report.pdf")
}

/// `POST /portal/visits/{id}/sign`.
pub async fn sign(
    state: &AppState,
    actor: &PortalActor,
    id: i64,
    req: SignReport,
    now: DateTime<Utc>,
) -> AppResult<PortalVisit> {
    let db = &state.db;
    let row = portal_visible(&db.read, actor, id).await?;
    let mut fields = validate_signer(&req.name).err().unwrap_or_default();
    let png = match signature::decode(&req.signature) {
        Ok(png) => Some(png),
        Err(AppError::Validation { fields: f, .. }) => {
            fields.extend(f);
            None
        }
        Err(e) => return Err(e),
    };
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    if status_of(&row)? != VisitStatus::Reported {
        return Err(AppError::conflict_on("status", T::VisitNotSignable));
    }
    let signed_at = timeline::second(now);
    let name = req.name.trim().to_string();
    let mut signed = row.clone();
    signed.signed_name = Some(name.clone());
    signed.signature_png = png;
    signed.signed_at = Some(signed_at);
    // Without a usable font the signature is still recorded: the report
    // then goes out without its PDF, which can be read once a font is set.
    let report = match render(state, content(&db.read, &signed).await?).await? {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::warn!(visit = id, error = %e, "signed report recorded without its PDF");
            None
        }
    };

    let txn = db.write.begin().await?;
    let existing = find(&txn, actor.workspace_id, id, true).await?;
    // Another signature or a rewritten report since it was read.
    if existing.version != row.version || status_of(&existing)? != VisitStatus::Reported {
        return Err(AppError::conflict_on("status", T::VisitNotSignable));
    }
    let mut model: visits::ActiveModel = existing.clone().into();
    model.signed_name = Set(signed.signed_name.clone());
    model.signature_png = Set(signed.signature_png.clone());
    model.signed_at = Set(Some(signed_at));
    model.signed_by = Set(Some(actor.user_id));
    model.status = Set(VisitStatus::Signed.as_str().into());
    model.updated_at = Set(now);
    model.version = Set(existing.version + 1);
    let updated = model.update(&txn).await?;
    timeline::record(
        &txn,
        super::flow::event(
            actor.user_id,
            &updated,
            TimelineKind::VisitSigned,
            Some(name.clone()),
            now,
        ),
        now,
    )
    .await?;
    let after = deliver(state, &txn, updated, report.as_deref(), "visit-report", now).await?;
    txn.commit().await?;
    state.mailer.kick();
    Ok(to_portal(after))
}

/// Delivers a signed report in the signing's (or the catch-up's)
/// transaction: with its PDF (`report`), attached to the visit's ticket and
/// `report_pdf_at` set; then mailed to the customer's admins, with the PDF
/// when there is one (dedupe keys `<key>:<visit>:<user>`). The visit as
/// delivered.
async fn deliver(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    visit: visits::Model,
    report: Option<&[u8]>,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let id = visit.id;
    let mut visit = visit;
    if let Some(report) = report {
        let attachment = match visit.ticket_id {
            Some(ticket_id) => {
                let ticket =
                    crate::domain::tickets::find(txn, visit.workspace_id, ticket_id).await?;
                let file = crate::domain::tickets::attachments::Generated {
                    file_name: &file_name(id),
                    content_type: "application/pdf",
                    bytes: report,
                };
                let author = visit.engineer_id.or(visit.signed_by).unwrap_or_default();
                Some(
                    crate::domain::tickets::attachments::attach_generated(
                        state, txn, &ticket, author, &file, now,
                    )
                    .await?
                    .id,
                )
            }
            None => None,
        };
        let mut model: visits::ActiveModel = visit.into();
        model.report_attachment_id = Set(attachment);
        model.report_pdf_at = Set(Some(now));
        visit = model.update(txn).await?;
    }
    let after = load(txn, &visit).await?;
    let tz = time_zone(txn, visit.workspace_id).await?;
    let time = when(visit.starts_at, visit.ends_at, tz);
    let link = format!(
        "{}/portal/visits/{id}",
        state.config.public_url.trim_end_matches('/')
    );
    let signer = visit.signed_name.clone().unwrap_or_default();
    for (user, contact) in
        contacts::customer_admins(txn, visit.workspace_id, visit.account_id).await?
    {
        // The contact's own address first, else the login's.
        let email = contact
            .email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| user.email.clone());
        let contact_name = contact.name;
        let letter = letters::signed_report(
            &letters::SignedReport {
                visit_id: id,
                account: &after.account_name,
                time: &time,
                engineer: after.engineer_name.as_deref().unwrap_or_default(),
                signer: &signer,
                attached: report.is_some(),
                link: link.clone(),
            },
            &contact_name,
            user.mail_locale(),
        );
        let mut mail = letter.into_mail(
            Some(visit.workspace_id),
            email,
            Some(format!("{key}:{id}:{}", user.id)),
        );
        mail.attachment =
            report.map(|pdf| MailAttachment::binary(&file_name(id), "application/pdf", pdf));
        let to = CustomerMail {
            account_id: visit.account_id,
            actor_id: None,
            about: Some(("visit", id)),
        };
        mail_customer(txn, &state.mailer, mail, None, to, now).await?;
    }
    Ok(after)
}

/// What [`deliver_pending`] did.
#[derive(Debug, Default, serde::Serialize)]
pub struct PendingReport {
    /// Reports signed without their PDF, now delivered with it.
    pub delivered: usize,
    /// Still waiting: the server has no usable font.
    pub waiting: usize,
}

/// The `visit-reports` job: the reports signed while the server had no CJK
/// font get their PDF once it has one: attached to the ticket and mailed
/// to the customer's admins, each once (a conditional update on
/// `report_pdf_at` claims a visit; one replica wins).
pub async fn deliver_pending(state: &AppState, workspace: Option<i64>) -> AppResult<PendingReport> {
    let mut query = visits::Entity::find()
        .filter(visits::Column::Status.eq(VisitStatus::Signed.as_str()))
        .filter(visits::Column::ReportPdfAt.is_null());
    if let Some(ws) = workspace {
        query = query.filter(visits::Column::WorkspaceId.eq(ws));
    }
    let pending = query
        .order_by_asc(visits::Column::Id)
        .limit(PENDING_PER_RUN)
        .all(&state.db.read)
        .await?;
    let mut report = PendingReport::default();
    // No font, nothing to write: the visits wait, unread.
    let font = pdf::choose_font(
        state.config.report_font.as_deref(),
        state.config.report_font_index,
    );
    if font.is_err() {
        report.waiting = pending.len();
        return Ok(report);
    }
    for visit in pending {
        let pdf = match render(state, content(&state.db.read, &visit).await?).await? {
            Ok(pdf) => pdf,
            Err(_) => {
                report.waiting += 1;
                continue;
            }
        };
        let now = state.clock.now();
        let txn = state.db.write.begin().await?;
        let claimed = visits::Entity::update_many()
            .col_expr(visits::Column::ReportPdfAt, Expr::value(now))
            .filter(visits::Column::Id.eq(visit.id))
            .filter(visits::Column::ReportPdfAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let Some(visit) = visits::Entity::find_by_id(visit.id).one(&txn).await? else {
            continue;
        };
        deliver(state, &txn, visit, Some(&pdf), "visit-report-pdf", now).await?;
        txn.commit().await?;
        report.delivered += 1;
    }
    if report.delivered > 0 {
        state.mailer.kick();
    }
    Ok(report)
}

/// Reports delivered per run of the job, at most.
const PENDING_PER_RUN: u64 = 50;

/// The signed report's PDF, written anew from the stored visit (409 until
/// it is signed, and while the server has no usable font).
async fn pdf_of(state: &AppState, m: &visits::Model) -> AppResult<Vec<u8>> {
    if status_of(m)? != VisitStatus::Signed {
        return Err(AppError::conflict_on("status", T::VisitNotSigned));
    }
    render(state, content(&state.db.read, m).await?)
        .await?
        .map_err(|e| {
            tracing::warn!(visit = m.id, error = %e, "the signed report's PDF cannot be written");
            AppError::conflict_on("report", T::VisitPdfUnavailable)
        })
}

/// `GET /visits/{id}/report.pdf`.
pub async fn staff_pdf(state: &AppState, actor: &StaffActor, id: i64) -> AppResult<Vec<u8>> {
    let m = find(&state.db.read, actor.workspace_id, id, false).await?;
    pdf_of(state, &m).await
}

/// `GET /portal/visits/{id}/report.pdf`: the user's own account's only.
pub async fn portal_pdf(state: &AppState, actor: &PortalActor, id: i64) -> AppResult<Vec<u8>> {
    own_contact(&state.db.read, actor).await?;
    let m = portal_visible(&state.db.read, actor, id).await?;
    pdf_of(state, &m).await
}
