//! The body of a list page, between its toolbar and its "load more" footer:
//! skeleton rows while the first page loads, the error state, the empty
//! state (or, with filters on, the no-match state), and the table of rows.
//! Every table list shows these in the same order with the same markup, so
//! the sequence is written once; the page gives the parts that differ.

use leptos::prelude::*;

use crate::api::ApiErr;
use crate::components::load::Loaded;
use crate::components::states::{ErrorState, SkeletonRows};
use crate::logic::paging::{ListState, Phase};

/// What `list` shows now, memoised so the body re-renders only when the
/// phase changes (not on every page appended).
pub fn list_phase<T: Send + Sync + 'static>(
    list: RwSignal<ListState<T, ApiErr>>,
) -> Memo<Phase<ApiErr>> {
    Memo::new(move |_| list.with(|l| l.phase()))
}

/// What a list loaded whole (not paged) shows now: rows once it has any.
pub fn loaded_phase<T: Send + Sync + 'static>(loaded: Loaded<Vec<T>>) -> Memo<Phase<ApiErr>> {
    Memo::new(move |_| {
        loaded.value.with(|v| match v {
            None => Phase::Loading,
            Some(Err(e)) => Phase::Failed(e.clone()),
            Some(Ok(l)) if l.is_empty() => Phase::Empty,
            Some(Ok(_)) => Phase::Rows,
        })
    })
}

/// A table list's body. Not generic, so its markup is compiled once for
/// every list.
#[component]
pub fn ListView(
    /// The list's phase (see [`list_phase`]).
    phase: Memo<Phase<ApiErr>>,
    /// The error state's retry.
    on_retry: Callback<()>,
    /// The table's `<thead>`, over the skeleton rows and over the rows.
    #[prop(into)]
    header: ViewFn,
    /// Skeleton rows and columns while the first page loads.
    skeleton: (usize, usize),
    /// The rows (a `<For>`), inside the table's `<tbody>`.
    #[prop(into)]
    rows: ViewFn,
    /// The `data-testid` of the table once it has rows.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// No rows at all. Without one the skeleton stays (a list that always
    /// has rows once loaded, such as the users, yourself among them).
    #[prop(optional, into)]
    empty: Option<ViewFn>,
    /// No rows while filters are on; shown when `filtered` answers true
    /// (read untracked, when the list turns out empty).
    #[prop(optional, into)]
    no_match: Option<ViewFn>,
    #[prop(optional)] filtered: Option<Callback<(), bool>>,
    /// `aria-busy` on the skeleton's table.
    #[prop(default = true)]
    busy: bool,
    /// A `table-wrap` box around the table (off when the page's box is one).
    #[prop(default = true)]
    wrap: bool,
) -> impl IntoView {
    let wrapped = move |table: AnyView| {
        if wrap {
            view! { <div class="table-wrap">{table}</div> }.into_any()
        } else {
            table
        }
    };
    let skeleton_table = move |header: &ViewFn| {
        let (rows, cols) = skeleton;
        wrapped(
            view! {
                <table class="table responsive" aria-busy=busy.then_some("true")>
                    {header.run()}
                    <tbody>
                        <SkeletonRows rows cols />
                    </tbody>
                </table>
            }
            .into_any(),
        )
    };
    move || match phase.get() {
        Phase::Failed(e) => view! { <ErrorState error=e on_retry /> }.into_any(),
        Phase::Empty => {
            let filtered = filtered.is_some_and(|f| untrack(|| f.run(())));
            match (&no_match, &empty) {
                (Some(no_match), _) if filtered => no_match.run(),
                (_, Some(empty)) => empty.run(),
                _ => skeleton_table(&header),
            }
        }
        Phase::Loading => skeleton_table(&header),
        Phase::Rows => wrapped(
            view! {
                <table class="table responsive" data-testid=testid>
                    {header.run()}
                    <tbody>{rows.run()}</tbody>
                </table>
            }
            .into_any(),
        ),
    }
}
