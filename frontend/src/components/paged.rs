//! Keyset-paged lists: filling a [`ListState`] from the API, and the
//! "load more" footer under it. Every list page uses these two, so the
//! request bookkeeping and the footer's markup exist once.

use std::future::Future;

use leptos::prelude::*;
use shared::Page;

use crate::api::ApiErr;
use crate::i18n::{use_i18n, Key};
use crate::logic::paging::{ListState, LoadStatus, Request};

/// The two ways to fill `list`: start over (`reload`) and fetch the next
/// page (`load_more`, a no-op when there is none or a request is running).
///
/// `fetch` gets the cursor (none for the first page) and reads whatever
/// filter it needs when it is called; answers to superseded requests are
/// dropped by [`ListState::apply`].
pub fn pager<T, F, Fut>(
    list: RwSignal<ListState<T, ApiErr>>,
    fetch: F,
) -> (impl Fn() + Copy + 'static, impl Fn() + Copy + 'static)
where
    T: Send + Sync + 'static,
    F: Fn(Option<String>) -> Fut + Copy + 'static,
    Fut: Future<Output = Result<Page<T>, ApiErr>> + 'static,
{
    let run = move |req: Request| {
        let answer = fetch(req.cursor.clone());
        crate::task::spawn(async move {
            let result = answer.await;
            list.update(|l| {
                l.apply(&req, result);
            });
        });
    };
    let reload = move || {
        let mut req = None;
        list.update(|l| req = Some(l.reset()));
        if let Some(req) = req {
            run(req);
        }
    };
    let load_more = move || {
        let mut req = None;
        list.update(|l| req = l.more());
        if let Some(req) = req {
            run(req);
        }
    };
    (reload, load_more)
}

/// The footer of a paged list: the error of a failed "load more", and the
/// button while there are more pages. `testid` names the button.
pub fn load_more_footer<T: Send + Sync + 'static>(
    list: RwSignal<ListState<T, ApiErr>>,
    on_more: impl Fn() + 'static,
    testid: &'static str,
) -> AnyView {
    footer(
        Signal::derive(move || list.with(|l| l.more_error().cloned())),
        Signal::derive(move || list.with(|l| l.has_more())),
        Signal::derive(move || list.with(|l| l.is_loading())),
        Signal::derive(move || list.with(|l| l.status == LoadStatus::LoadingMore)),
        StoredValue::new_local(Box::new(on_more)),
        testid,
    )
}

/// Not generic, so its markup is compiled once for every list.
fn footer(
    error: Signal<Option<ApiErr>>,
    has_more: Signal<bool>,
    busy: Signal<bool>,
    more_loading: Signal<bool>,
    on_more: StoredValue<Box<dyn Fn()>, LocalStorage>,
    testid: &'static str,
) -> AnyView {
    let i = use_i18n();
    view! {
        {move || {
            error
                .get()
                .map(|e| {
                    view! {
                        <div class="banner banner-error" role="alert" data-testid="load-more-error">
                            {i.error_of(e)}
                        </div>
                    }
                })
        }}
        {move || {
            has_more
                .get()
                .then(|| {
                    view! {
                        <div class="load-more">
                            <button
                                type="button"
                                class="btn"
                                data-testid=testid
                                disabled=move || busy.get()
                                on:click=move |_| on_more.with_value(|f| f())
                            >
                                {i.tr_when(more_loading, Key::Loading, Key::LoadMore)}
                            </button>
                        </div>
                    }
                })
        }}
    }
    .into_any()
}
