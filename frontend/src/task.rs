//! Running async work (API calls) from event handlers.

use std::future::Future;
use std::pin::Pin;

/// Spawns `work` on the browser's event loop.
///
/// Every future is boxed into one type before it reaches the executor, so
/// the executor's glue is compiled once rather than once per call site.
pub fn spawn(work: impl Future<Output = ()> + 'static) {
    let boxed: Pin<Box<dyn Future<Output = ()>>> = Box::pin(work);
    leptos::task::spawn_local(boxed);
}
