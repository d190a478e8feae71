//! The service report in headless Chromium (issue 16): a manager opens
//! the report, sees the first-response attainment of the demo tickets,
//! clicks the count of breached first responses and lands on the ticket
//! queue filtered to exactly those tickets.
//!
//! Seeding: the demo workspace; then, in the database, every demo ticket's
//! first response is marked met except two, marked breached.

use std::collections::BTreeSet;

use anyhow::{ensure, Context};
use e2e::steps::{click_el, log_in, signed_in};
use e2e::{scenario, Harness};
use fantoccini::Locator;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use server::entity::tickets;
use server::seed::DEMO_PASSWORD;

const MANAGER: &str = "manager@demo.steward.local";

/// The ids of the tickets the queue shows, once it shows `n` rows.
async fn queue_ids(h: &Harness, n: usize) -> anyhow::Result<BTreeSet<i64>> {
    let mut last = BTreeSet::new();
    for _ in 0..100 {
        let rows = h
            .browser
            .find_all(Locator::Css("[data-testid=\"ticket-row\"]"))
            .await?;
        last.clear();
        for row in rows {
            if let Some(id) = row.attr("data-ticket-id").await? {
                last.insert(id.parse()?);
            }
        }
        if last.len() == n {
            return Ok(last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the queue never showed {n} tickets; it shows {last:?}")
}

#[actix_web::test]
async fn a_figure_of_the_service_report_opens_its_tickets() {
    scenario("service_report", async |h| {
        server::seed::demo(&h.state.db).await?;
        let db = &h.state.db.write;
        let ids: Vec<i64> = tickets::Entity::find()
            .select_only()
            .column(tickets::Column::Id)
            .filter(tickets::Column::OutsideAgreement.eq(false))
            .order_by_asc(tickets::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        ensure!(ids.len() >= 4, "the demo has tickets: {ids:?}");
        tickets::Entity::update_many()
            .col_expr(tickets::Column::FirstResponseMet, Expr::value(true))
            .filter(tickets::Column::Id.is_in(ids.clone()))
            .exec(db)
            .await?;
        let breached: BTreeSet<i64> = [ids[1], ids[3]].into_iter().collect();
        tickets::Entity::update_many()
            .col_expr(tickets::Column::FirstResponseMet, Expr::value(false))
            .filter(tickets::Column::Id.is_in(breached.iter().copied()))
            .exec(db)
            .await?;
        // Written directly, past the service report's rollup: built again.
        let workspace_id = tickets::Entity::find_by_id(ids[0])
            .one(db)
            .await?
            .context("the first ticket")?
            .workspace_id;
        server::domain::tickets::service_rollup::rebuild(&h.state.db, workspace_id).await?;

        log_in(h, MANAGER, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        // From the menu, as a manager would.
        h.goto("/reports/service").await?;
        h.testid("service-report-heading").await?;
        let totals = h.testid("total-fr").await?;
        let link = totals
            .find(Locator::Css("[data-testid=\"breached\"]"))
            .await
            .context("the breached count")?;
        ensure!(
            link.attr("data-count").await?.as_deref() == Some("2"),
            "two breached first responses"
        );
        let met = totals
            .find(Locator::Css("[data-testid=\"met\"]"))
            .await?
            .attr("data-count")
            .await?;
        ensure!(
            met == Some((ids.len() - 2).to_string()),
            "the others met: {met:?}"
        );
        click_el(h, &link).await?;
        let path = h.wait_for_path("/tickets").await?;
        ensure!(path.starts_with("/tickets"), "{path}");
        h.testid("report-filter").await?;
        let url = h.browser.current_url().await?;
        ensure!(
            url.query()
                .unwrap_or_default()
                .contains("first_response=breached"),
            "{url}"
        );
        let shown = queue_ids(h, breached.len()).await?;
        ensure!(
            shown == breached,
            "the queue shows {shown:?}, not {breached:?}"
        );
        // Leaving the figure's filter shows the whole queue again.
        h.click("clear-report-filter").await?;
        queue_ids(h, ids.len().min(50)).await.ok();
        Ok(())
    })
    .await;
}
