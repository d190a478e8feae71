//! State of a keyset-paginated list ("load more"), kept free of Leptos so it
//! can be tested on the host. A generation number discards answers to
//! requests that a newer search has superseded (typing fast in the search box).

use shared::Page;

#[derive(Debug, Clone, PartialEq)]
pub enum LoadStatus<E> {
    /// Nothing requested yet.
    Idle,
    /// The first page of the current filters is on its way.
    LoadingFirst,
    /// The next page is on its way; the items shown so far stay.
    LoadingMore,
    Loaded,
    /// The last request failed; `more` says whether it was a "load more".
    Failed {
        error: E,
        more: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListState<T, E> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub status: LoadStatus<E>,
    generation: u64,
}

impl<T, E> Default for ListState<T, E> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            next_cursor: None,
            status: LoadStatus::Idle,
            generation: 0,
        }
    }
}

/// What a list shows, in the order a page decides it: rows (perhaps with
/// "load more" running or failed), skeleton rows, an error state, or an
/// empty state. Views memoise it, so they re-render only when it changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase<E> {
    Loading,
    Failed(E),
    Empty,
    Rows,
}

/// A ticket for one request: hand it back with the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub generation: u64,
    pub cursor: Option<String>,
}

impl<T, E> ListState<T, E> {
    /// Starts over (new filters, retry of the first page): clears the items.
    pub fn reset(&mut self) -> Request {
        self.generation += 1;
        self.items.clear();
        self.next_cursor = None;
        self.status = LoadStatus::LoadingFirst;
        Request {
            generation: self.generation,
            cursor: None,
        }
    }

    /// Asks for the next page, unless there is none or a request is running.
    pub fn more(&mut self) -> Option<Request> {
        if self.is_loading() {
            return None;
        }
        let cursor = self.next_cursor.clone()?;
        self.status = LoadStatus::LoadingMore;
        Some(Request {
            generation: self.generation,
            cursor: Some(cursor),
        })
    }

    /// Takes an answer; returns false (and changes nothing) for a stale one.
    pub fn apply(&mut self, request: &Request, result: Result<Page<T>, E>) -> bool {
        if request.generation != self.generation {
            return false;
        }
        let more = request.cursor.is_some();
        match result {
            Ok(page) => {
                if !more {
                    self.items.clear();
                }
                self.items.extend(page.items);
                self.next_cursor = page.next_cursor;
                self.status = LoadStatus::Loaded;
            }
            Err(error) => self.status = LoadStatus::Failed { error, more },
        }
        true
    }

    pub fn phase(&self) -> Phase<E>
    where
        E: Clone,
    {
        if !self.items.is_empty() {
            return Phase::Rows;
        }
        match &self.status {
            LoadStatus::Idle | LoadStatus::LoadingFirst | LoadStatus::LoadingMore => Phase::Loading,
            LoadStatus::Failed { error, .. } => Phase::Failed(error.clone()),
            LoadStatus::Loaded => Phase::Empty,
        }
    }

    pub fn is_loading(&self) -> bool {
        matches!(
            self.status,
            LoadStatus::LoadingFirst | LoadStatus::LoadingMore
        )
    }

    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }

    pub fn more_error(&self) -> Option<&E> {
        match &self.status {
            LoadStatus::Failed { error, more: true } => Some(error),
            _ => None,
        }
    }

    /// Replaces one item in place (after an edit), keeping the order.
    pub fn replace(&mut self, is_it: impl Fn(&T) -> bool, item: T) {
        if let Some(slot) = self.items.iter_mut().find(|x| is_it(x)) {
            *slot = item;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: &[i32], next: Option<&str>) -> Result<Page<i32>, String> {
        Ok(Page {
            items: items.to_vec(),
            next_cursor: next.map(str::to_string),
        })
    }

    #[test]
    fn pages_append_until_the_cursor_runs_out() {
        let mut list = ListState::<i32, String>::default();
        let first = list.reset();
        assert!(list.is_loading());
        assert!(list.more().is_none(), "no second request while loading");
        assert!(list.apply(&first, page(&[1, 2], Some("c2"))));
        assert!(list.has_more());
        let second = list.more().unwrap();
        assert_eq!(second.cursor.as_deref(), Some("c2"));
        assert_eq!(list.status, LoadStatus::LoadingMore);
        assert!(list.apply(&second, page(&[3], None)));
        assert_eq!(list.items, vec![1, 2, 3]);
        assert!(!list.has_more());
        assert!(list.more().is_none());
    }

    #[test]
    fn answers_to_superseded_searches_are_dropped() {
        let mut list = ListState::<i32, String>::default();
        let old = list.reset();
        let new = list.reset();
        assert!(!list.apply(&old, page(&[9], None)));
        assert!(list.items.is_empty());
        assert!(list.is_loading());
        assert!(list.apply(&new, page(&[], None)));
        assert_eq!(list.phase(), Phase::Empty);
    }

    #[test]
    fn a_failed_first_page_shows_an_error_and_a_failed_more_keeps_rows() {
        let mut list = ListState::<i32, String>::default();
        let first = list.reset();
        list.apply(&first, Err("boom".into()));
        assert_eq!(list.phase(), Phase::Failed("boom".into()));
        assert_eq!(list.more_error(), None);

        let retry = list.reset();
        list.apply(&retry, page(&[1], Some("c")));
        let more = list.more().unwrap();
        list.apply(&more, Err("net".into()));
        assert_eq!(list.items, vec![1]);
        assert_eq!(list.phase(), Phase::Rows);
        assert_eq!(list.more_error().map(String::as_str), Some("net"));
        // The cursor survives, so "load more" can be retried.
        assert!(list.more().is_some());
    }

    #[test]
    fn the_phase_follows_the_requests() {
        let mut list = ListState::<i32, String>::default();
        assert_eq!(list.phase(), Phase::Loading);
        let r = list.reset();
        assert_eq!(list.phase(), Phase::Loading);
        list.apply(&r, page(&[], None));
        assert_eq!(list.phase(), Phase::Empty);
        let r = list.reset();
        list.apply(&r, Err("down".into()));
        assert_eq!(list.phase(), Phase::Failed("down".into()));
        let r = list.reset();
        list.apply(&r, page(&[1], Some("c")));
        let more = list.more().unwrap();
        assert_eq!(list.phase(), Phase::Rows, "rows stay while more loads");
        list.apply(&more, Err("net".into()));
        assert_eq!(list.phase(), Phase::Rows, "rows stay when more fails");
    }

    #[test]
    fn replace_updates_an_item_in_place() {
        let mut list = ListState::<(i32, &str), String>::default();
        let r = list.reset();
        list.apply(
            &r,
            Ok(Page {
                items: vec![(1, "a"), (2, "b")],
                next_cursor: None,
            }),
        );
        list.replace(|x| x.0 == 2, (2, "B"));
        assert_eq!(list.items, vec![(1, "a"), (2, "B")]);
    }
}
