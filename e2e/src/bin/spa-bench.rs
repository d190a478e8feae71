//! Measures the web app's first render: the time from navigation start to
//! the login form being in the DOM, in headless Chromium on localhost, over
//! several cold loads (fresh browser profile each run), and the size of the
//! gzip-compressed WASM. `cargo run --release -p e2e --bin spa-bench`.

use std::time::Duration;

use e2e::{workspace_root, Harness};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dist = workspace_root().join("frontend/dist");
    let wasm_gz = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_bg.wasm.gz"));
    if let Some(gz) = &wasm_gz {
        println!(
            "gzip-compressed WASM: {} bytes ({})",
            std::fs::metadata(gz)?.len(),
            gz.display()
        );
    }
    let mut samples = Vec::new();
    for _ in 0..7 {
        let h = Harness::start().await?;
        h.goto("/login").await?;
        let ms = h
            .browser
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   (function poll() {
                     if (document.querySelector('[data-testid="login-form"]')) { done(performance.now()); }
                     else { setTimeout(poll, 2); }
                   })();"#,
                vec![],
            )
            .await?;
        samples.push(ms.as_f64().unwrap_or(f64::NAN));
        h.stop().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    println!(
        "login form rendered after navigation start: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} cold loads)",
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
        samples.len()
    );
    Ok(())
}
