//! The installed base in the browser (issue 16): an admin records an
//! installation with a customisation and an integration on the account
//! page's installed-base tab, records its upgrade (V15.1 → V15.10), then
//! composes an advisory for V15.1–V15.10, previews the contact it reaches,
//! sends it, and finds it in the sent list with its counts; the panel fits
//! a phone.

use anyhow::{ensure, Context};
use e2e::steps::{
    click_id, demo_token, log_in, page_api, select_value, signed_in, wait_for_text_in,
};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const PRODUCT: &str = "K/3 WISE 测试产品";

async fn api(
    h: &Harness,
    token: &str,
    method: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, answer) = page_api(h, Some(token), method, path, body, false).await?;
    ensure!(
        (200..300).contains(&status),
        "{method} {path}: {status} {answer}"
    );
    Ok(answer)
}

#[actix_web::test]
async fn an_admin_records_an_installation_and_its_upgrade_and_sends_an_advisory() {
    scenario("installed_base", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;
        h.goto("/login").await?;
        let admin = demo_token(h, DEMO_ADMIN).await?;
        let (_, me) = page_api(h, Some(&admin), "GET", "/me", Value::Null, false).await?;
        let admin_id = me["user"]["id"].as_i64().context("my id")?;
        let accounts = api(h, &admin, "GET", "/accounts?limit=5", Value::Null).await?;
        let account = accounts["items"][0]["id"].as_i64().context("an account")?;
        // A contact responsible for finance there, who gets the advisory.
        api(
            h,
            &admin,
            "POST",
            &format!("/accounts/{account}/contacts"),
            json!({"name": "财务 赵会计", "email": "zhao-ib@kehu.example", "modules": ["finance"]}),
        )
        .await?;

        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto(&format!("/accounts/{account}?tab=installations"))
            .await?;
        h.testid("installations").await?;
        click_id(h, "installation-add").await?;
        h.fill("installation-site", "总部").await?;
        h.fill("installation-product", PRODUCT).await?;
        h.fill("installation-version", "V15.1").await?;
        h.fill("installation-os", "Windows Server 2019").await?;
        click_id(h, "installation-module-finance").await?;
        click_id(h, "customisation-add").await?;
        h.fill("customisation-title", "凭证打印格式").await?;
        h.fill("customisation-owner", "实施顾问 李工").await?;
        click_id(h, "integration-add").await?;
        h.fill("integration-name", "OA 审批").await?;
        h.fill("integration-system", "泛微 OA").await?;
        click_id(h, "installation-submit").await?;
        wait_for_text_in(h, "installations-table", "V15.1").await?;
        wait_for_text_in(h, "installation-customisations", "凭证打印格式").await?;
        wait_for_text_in(h, "installation-integrations", "泛微 OA").await?;

        // The upgrade: V15.10 comes after V15.1.
        click_id(h, "installation-upgrade").await?;
        h.testid("upgrades-empty").await?;
        h.fill("upgrade-version", "V15.10").await?;
        select_value(h, "upgrade-engineer", &admin_id.to_string()).await?;
        click_id(h, "upgrade-submit").await?;
        h.testid_text_where("installation-version", |t| t == "V15.10")
            .await
            .context("the installation shows its new version")?;
        click_id(h, "installation-upgrade").await?;
        wait_for_text_in(h, "upgrade-history", "V15.1 → V15.10").await?;
        let timeline = api(
            h,
            &admin,
            "GET",
            &format!("/accounts/{account}/timeline?kind=installation_upgraded"),
            Value::Null,
        )
        .await?;
        ensure!(
            timeline["items"].as_array().map(Vec::len) == Some(1),
            "the upgrade is on the timeline: {timeline}"
        );

        // On a phone the panel never scrolls sideways.
        h.browser.set_window_size(390, 844).await?;
        h.goto(&format!("/accounts/{account}?tab=installations"))
            .await?;
        wait_for_text_in(h, "installations-table", "V15.10").await?;
        let sizes = h
            .browser
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await?;
        ensure!(
            sizes[0].as_i64() <= sizes[1].as_i64(),
            "the panel fits a phone: {sizes}"
        );
        h.screenshot("installed-base-390").await?;
        h.browser.set_window_size(1280, 900).await?;

        // The advisory: preview, send, the sent list.
        h.goto("/advisories").await?;
        h.testid("advisories-heading").await?;
        h.fill("advisory-product", PRODUCT).await?;
        h.fill("advisory-from", "V15.2").await?;
        h.fill("advisory-to", "V15.10").await?;
        h.fill("advisory-title-zh", "凭证过账补丁").await?;
        h.fill("advisory-body-zh", "请安装补丁 PT000123。").await?;
        click_id(h, "advisory-preview").await?;
        wait_for_text_in(h, "advisory-preview-result", "zhao-ib@kehu.example").await?;
        let preview = api(
            h,
            &admin,
            "POST",
            "/advisories/preview",
            json!({"kind": "patch",
                   "filter": {"product": PRODUCT, "version_from": "V15.2", "version_to": "V15.10"},
                   "title_zh": "x", "body_zh": "x"}),
        )
        .await?;
        let total = preview["recipients_total"].as_i64().context("a total")?;
        ensure!(
            preview["accounts"].as_array().map(Vec::len) == Some(1) && total >= 1,
            "one account, its finance contacts: {preview}"
        );
        wait_for_text_in(h, "advisory-affected", &total.to_string()).await?;
        click_id(h, "advisory-send").await?;
        let row = h
            .testid_text_where("advisories-table", |t| t.contains("凭证过账补丁"))
            .await?;
        ensure!(
            row.contains(PRODUCT),
            "the sent list names the product: {row}"
        );
        wait_for_text_in(h, "advisory-recipients", &total.to_string()).await?;
        let sent = api(h, &admin, "GET", "/advisories", Value::Null).await?;
        ensure!(
            sent["items"][0]["recipients_sent"] == total && sent["items"][0]["accounts_sent"] == 1,
            "sent once to each: {sent}"
        );
        let advisories = api(
            h,
            &admin,
            "GET",
            &format!("/accounts/{account}/timeline?kind=advisory_sent"),
            Value::Null,
        )
        .await?;
        ensure!(
            advisories["items"].as_array().map(Vec::len) == Some(1),
            "the advisory is on the account's timeline: {advisories}"
        );
        Ok(())
    })
    .await;
}
