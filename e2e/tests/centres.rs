//! Authorised service centres in the browser (issue 16): the vendor's admin
//! invites a centre from the centres page, someone without a workspace
//! opens the link, creates one and accepts, and the centre's admin
//! escalates a tier-3 ticket of an assigned account to the vendor from the
//! ticket page, choosing what to share; the vendor's linked ticket carries
//! the public conversation and not the internal note.

use anyhow::{ensure, Context};
use e2e::steps::{click_id, demo_token, log_in, log_out, page_api, signed_in, wait_for_text_in};
use e2e::{scenario, Harness};
use serde_json::{json, Value};
use server::seed::{DEMO_ADMIN, DEMO_PASSWORD};

const CENTRE_EMAIL: &str = "admin@huanan-centre.cn";
const CENTRE_PASSWORD: &str = "Huanan-Centre-2027!";

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
async fn a_vendor_invites_a_new_centre_which_accepts_and_escalates_a_ticket() {
    scenario("centres", async |h: &Harness| {
        server::seed::demo(&h.state.db).await?;

        // The vendor's admin invites a centre; the link is shown once.
        log_in(h, DEMO_ADMIN, DEMO_PASSWORD).await?;
        signed_in(h).await?;
        h.goto("/settings/service-centres").await?;
        h.testid("centres-heading").await?;
        click_id(h, "centre-invite").await?;
        h.fill("centre-name", "华南授权服务中心").await?;
        click_id(h, "centre-invite-submit").await?;
        let link = h
            .testid("centre-link-text")
            .await?
            .prop("value")
            .await?
            .context("the invitation link")?;
        ensure!(link.contains("/centres/accept?token="), "{link}");
        wait_for_text_in(h, "centres-table", "华南授权服务中心").await?;
        log_out(h).await?;

        // Someone without a workspace opens it, creates one, and accepts.
        let path = link
            .find("/centres/accept")
            .map(|at| link[at..].to_string())
            .context("a path")?;
        h.goto(&path).await?;
        wait_for_text_in(h, "centre-accept-invites", "华南授权服务中心").await?;
        click_id(h, "centre-accept-sign-up").await?;
        h.fill("signup-workspace", "华南服务中心有限公司").await?;
        h.fill("signup-name", "陈主任").await?;
        h.fill("signup-email", CENTRE_EMAIL).await?;
        h.fill("signup-password", CENTRE_PASSWORD).await?;
        click_id(h, "signup-submit").await?;
        h.wait_for_path("/centres/accept").await?;
        click_id(h, "centre-accept-submit").await?;
        h.testid("centre-accepted").await?;

        // The vendor assigns one of its accounts to the centre.
        let vendor = demo_token(h, DEMO_ADMIN).await?;
        let centres = api(h, &vendor, "GET", "/service-centres", Value::Null).await?;
        let centre = centres
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == "华南授权服务中心")
            .context("the centre")?;
        ensure!(centre["status"] == "active", "accepted: {centre}");
        let accounts = api(h, &vendor, "GET", "/accounts?limit=1", Value::Null).await?;
        let account = accounts["items"][0]["id"].as_i64().context("an account")?;
        api(
            h,
            &vendor,
            "POST",
            &format!("/service-centres/{}/accounts", centre["id"]),
            json!({ "account_id": account }),
        )
        .await?;

        // The centre's ticket on its copy of the account, at tier 3.
        let (status, login) = page_api(
            h,
            None,
            "POST",
            "/auth/login",
            json!({"email": CENTRE_EMAIL, "password": CENTRE_PASSWORD}),
            false,
        )
        .await?;
        ensure!(status == 200, "centre login: {status} {login}");
        let centre_token = login["access_token"]
            .as_str()
            .context("a token")?
            .to_string();
        let copy = api(h, &centre_token, "GET", "/accounts?limit=1", Value::Null).await?;
        let copy = copy["items"][0]["id"]
            .as_i64()
            .context("the centre's copy")?;
        let ticket = api(
            h,
            &centre_token,
            "POST",
            "/tickets",
            json!({"account_id": copy, "module": "finance", "category": "bug", "priority": "p1",
                   "subject": "月末结账报错 E1024", "description": "凭证过账时报错"}),
        )
        .await?;
        let id = ticket["id"].as_i64().context("a ticket")?;
        for (body, internal) in [("正在排查，请稍候", false), ("内部：疑似补丁缺失", true)]
        {
            api(
                h,
                &centre_token,
                "POST",
                &format!("/tickets/{id}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await?;
        }
        for _ in 0..2 {
            api(
                h,
                &centre_token,
                "POST",
                &format!("/tickets/{id}/escalate"),
                json!({"reason": "需要上级"}),
            )
            .await?;
        }

        // The centre's admin escalates it to the vendor from the ticket page.
        h.goto(&format!("/tickets/{id}")).await?;
        click_id(h, "vendor-escalate-open").await?;
        h.fill("vendor-escalate-reason", "疑似产品缺陷，请厂商确认")
            .await?;
        click_id(h, "vendor-share-priority").await?;
        click_id(h, "vendor-escalate-submit").await?;
        let linked = h
            .testid_text_where("vendor-link", |t| !t.is_empty())
            .await?;
        ensure!(
            linked.contains("#"),
            "the indicator names the vendor's ticket: {linked}"
        );

        // The vendor's linked ticket: the public conversation only.
        let list = api(h, &vendor, "GET", "/tickets?limit=200", Value::Null).await?;
        let theirs = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["subject"] == "月末结账报错 E1024")
            .context("the vendor's linked ticket")?;
        ensure!(
            theirs["priority"] == "p1",
            "the priority was shared: {theirs}"
        );
        let comments = api(
            h,
            &vendor,
            "GET",
            &format!("/tickets/{}/comments", theirs["id"]),
            Value::Null,
        )
        .await?;
        let text = comments.to_string();
        ensure!(text.contains("正在排查"), "{text}");
        ensure!(!text.contains("内部"), "no internal note crosses: {text}");
        Ok(())
    })
    .await;
}
