//! Measures the web app's first render: the time from navigation start to
//! the login form being in the DOM, in headless Chromium on localhost, over
//! several cold loads (fresh browser profile each run), and the size of the
//! gzip-compressed WASM (start-up module and lazily loaded areas).
//! `cargo run --release -p e2e --bin spa-bench`.

use std::time::Duration;

use e2e::{workspace_root, Harness};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dist = workspace_root().join("frontend/dist");
    // The app lives in dist/app-<hash>/: the start-up module, each area's
    // lazily loaded chunk (split_*), and the chunks areas share.
    let app = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("app-"))
        });
    if let Some(app) = &app {
        let gz_size = |name: &str| {
            std::fs::metadata(app.join(name))
                .map(|m| m.len())
                .unwrap_or(0)
        };
        println!(
            "start-up WASM, gzip: {} bytes ({})",
            gz_size("frontend_bg.wasm.gz"),
            app.display()
        );
        let mut areas = Vec::new();
        let mut total = 0;
        for entry in std::fs::read_dir(app)?.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".wasm.gz") {
                let size = entry.metadata()?.len();
                total += size;
                if name.starts_with("split_") {
                    areas.push((name, size));
                }
            }
        }
        areas.sort();
        for (name, size) in areas {
            println!("  lazy area {name}: {size} bytes");
        }
        println!("all WASM together, gzip: {total} bytes");
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
