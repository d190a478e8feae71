//! Steps many scenarios share: log in and out, pick, type and click the
//! way a user would, wait for what the page should come to show.

use crate::Harness;

pub async fn log_in(h: &Harness, email: &str, password: &str) -> anyhow::Result<()> {
    h.goto("/login").await?;
    h.fill("login-email", email).await?;
    h.fill("login-password", password).await?;
    h.click("login-submit").await?;
    Ok(())
}

pub async fn select_value(h: &Harness, testid: &str, value: &str) -> anyhow::Result<()> {
    let select = h.testid(testid).await?;
    select.select_by_value(value).await?;
    Ok(())
}

pub async fn log_out(h: &Harness) -> anyhow::Result<()> {
    h.click("user-menu").await.ok();
    h.click("logout").await?;
    h.wait_for_path("/login").await?;
    Ok(())
}

/// Waits until the element's text contains `needle`.
pub async fn wait_for_text_in(h: &Harness, testid: &str, needle: &str) -> anyhow::Result<String> {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = h.testid(testid).await {
            last = element.text().await.unwrap_or_default();
            if last.contains(needle) {
                return Ok(last);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{testid} never showed {needle:?}; it shows {last:?}")
}

/// Scrolls the element to the middle of the window, then clicks it (a toast
/// in the corner must not swallow the click; if it still covers the element,
/// the click waits for it to go).
pub async fn click_el(h: &Harness, element: &fantoccini::elements::Element) -> anyhow::Result<()> {
    h.browser
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(element)?],
        )
        .await?;
    // Near the bottom of a short page the element cannot reach the middle,
    // and a toast may still cover it: wait for the toast to go (up to 8 s).
    for _ in 0..40 {
        match element.click().await {
            Err(e) if e.to_string().contains("click intercepted") => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => return Ok(other?),
        }
    }
    element.click().await?;
    Ok(())
}

pub async fn click_id(h: &Harness, testid: &str) -> anyhow::Result<()> {
    let element = h.testid(testid).await?;
    click_el(h, &element).await
}

/// Follows a link of the staff navigation, opening its menu ("More",
/// "Admin") first when the link is in one.
pub async fn click_nav(h: &Harness, testid: &str) -> anyhow::Result<()> {
    h.testid(testid).await?;
    h.browser
        .execute(
            "const el = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
             const menu = el && el.closest('details'); \
             if (menu && !menu.open) menu.querySelector('summary').click();",
            vec![serde_json::json!(testid)],
        )
        .await?;
    h.click(testid).await
}

/// Sets an input's value the way typing would (for date and time inputs,
/// whose keyboard entry depends on the browser's locale).
pub async fn set_input(h: &Harness, testid: &str, value: &str) -> anyhow::Result<()> {
    let element = h.testid(testid).await?;
    h.browser
        .execute(
            "const el = arguments[0]; el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true})); \
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![serde_json::to_value(&element)?, serde_json::json!(value)],
        )
        .await?;
    Ok(())
}

/// Waits until the element with `selector` has attribute `attr` = `want`.
pub async fn wait_for_attr(
    h: &Harness,
    selector: &str,
    attr: &str,
    want: &str,
) -> anyhow::Result<()> {
    let mut last = None;
    for _ in 0..100 {
        if let Ok(element) = h.css(selector).await {
            last = element.attr(attr).await?;
            if last.as_deref() == Some(want) {
                return Ok(());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{selector} never had {attr}={want:?}; last {last:?}")
}

/// Waits until sign-in has left the sign-in pages for the role's landing
/// page (engineers: their tickets, CSMs: their accounts, managers and
/// admins: the dashboard, customers: the portal).
pub async fn signed_in(h: &Harness) -> anyhow::Result<String> {
    h.wait_for_path_where("the landing page", |path| {
        !matches!(path, "/" | "/login" | "/signup" | "/accept-invite")
    })
    .await
}

/// Calls the API from the page (same origin) and returns `(status, body)`;
/// a body that is not JSON comes back as a string. `cookies` sends the
/// page's cookies (the refresh cookie) with the call.
/// An API token of a demo user (`server::seed::demo`), signed in through
/// the page, for the tests' setup calls.
pub async fn demo_token(h: &Harness, email: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    let (status, login) = page_api(
        h,
        None,
        "POST",
        "/auth/login",
        serde_json::json!({"email": email, "password": server::seed::DEMO_PASSWORD}),
        false,
    )
    .await?;
    anyhow::ensure!(status == 200, "login of {email}: {status} {login}");
    Ok(login["access_token"]
        .as_str()
        .context("a token")?
        .to_string())
}

pub async fn page_api(
    h: &Harness,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: serde_json::Value,
    cookies: bool,
) -> anyhow::Result<(u64, serde_json::Value)> {
    use serde_json::{json, Value};
    let script = r#"
        const [method, path, token, body, credentials, done] = arguments;
        const headers = {'Content-Type': 'application/json'};
        if (token) headers['Authorization'] = 'Bearer ' + token;
        fetch('/api/v1' + path, {
            method, headers, credentials,
            body: body === null ? undefined : JSON.stringify(body),
        })
            .then(async r => done({status: r.status, body: await r.text()}))
            .catch(e => done({status: 0, body: String(e)}));
    "#;
    let credentials = if cookies { "same-origin" } else { "omit" };
    let answer = h
        .browser
        .execute_async(
            script,
            vec![
                json!(method),
                json!(path),
                json!(token),
                body,
                json!(credentials),
            ],
        )
        .await?;
    let status = answer["status"].as_u64().unwrap_or(0);
    let text = answer["body"].as_str().unwrap_or_default();
    let parsed = serde_json::from_str(text).unwrap_or(Value::String(text.to_string()));
    Ok((status, parsed))
}
