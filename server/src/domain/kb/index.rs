//! The knowledge base's words in memory: per workspace, an inverted index
//! (term → the articles holding it, with its count in title and body) from
//! which a sentence is ranked with BM25 in microseconds, where SQL takes a
//! few microseconds per matching article (FTS5's `bm25()` on SQLite, the
//! postings on PostgreSQL) and a sentence of common words matches
//! thousands of a 10,000-article manual.
//!
//! The scores are those of [`super::search`]'s SQL (FTS5's BM25, the title
//! weighing [`TITLE_WEIGHT`] more, the preferred module
//! [`MODULE_BOOST`]), with the workspace's articles of every status as the
//! collection, as on PostgreSQL.
//!
//! **Always current.** Every search first reads its workspace's row of
//! `kb_index_state` (migration `m20261203_000010`), which triggers advance
//! with every write that changes what search sees, in the writer's
//! transaction. An index behind it catches up before answering: the
//! articles whose `search_generation` is past its own are read again (an
//! article changed is a new entry, its old one is skipped until the next
//! rebuild); a deleted article (`removals` moved) or too many skipped
//! entries rebuild the index. So a search sees every write committed before
//! it began, whichever process made it.
//!
//! **Bounded memory.** All workspaces together hold at most `max_terms`
//! words (`kb_index_max_terms`, about 8 bytes each); the least recently
//! searched workspace's index goes first. A workspace bigger than that alone
//! is ranked in SQL ([`KbIndexes::ranked`] answers `None`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use shared::kb::{KbStatus, KbVisibility};
use shared::ErpModule;

use super::search::{MatchMode, Position, Scope, B, K1, MODULE_BOOST, TITLE_WEIGHT};
use crate::entity::stored::stored;
use crate::error::AppResult;

/// Articles read per query while (re)building an index.
const LOAD_BATCH: i64 = 1_000;

/// The indexes of one process, per workspace.
#[derive(Debug)]
pub struct KbIndexes {
    /// Words (summed over all articles of all workspaces) kept at most.
    max_terms: u64,
    workspaces: Mutex<HashMap<i64, Arc<Slot>>>,
    /// Ticks at every search: which workspace was searched least recently.
    clock: AtomicU64,
}

impl Default for KbIndexes {
    fn default() -> Self {
        KbIndexes::new(DEFAULT_MAX_TERMS)
    }
}

/// About 30 MB of postings at most: a manual of 10,000 articles of a few
/// hundred words each.
pub const DEFAULT_MAX_TERMS: u64 = 4_000_000;

#[derive(Debug, Default)]
struct Slot {
    /// One task at a time brings the index up to date.
    refresh: tokio::sync::Mutex<()>,
    index: RwLock<Option<Index>>,
    last_used: AtomicU64,
    /// Words the index holds (its workspace's total when it was built or
    /// last caught up), for the memory bound.
    terms: AtomicU64,
}

/// `kb_index_state`: what the database says the index must reflect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    generation: i64,
    removals: i64,
    total_terms: i64,
}

impl KbIndexes {
    /// `max_terms`: the memory bound (0: always rank in SQL).
    pub fn new(max_terms: u64) -> KbIndexes {
        KbIndexes {
            max_terms,
            workspaces: Mutex::default(),
            clock: AtomicU64::new(0),
        }
    }

    /// The articles of `scope` matching `terms`, best first, at most `limit`
    /// after `after`; `None` when this workspace is ranked in SQL.
    pub async fn ranked<C: ConnectionTrait>(
        &self,
        conn: &C,
        scope: &Scope,
        terms: &[String],
        after: Option<Position>,
        limit: usize,
    ) -> AppResult<Option<Vec<Position>>> {
        let Some(state) = read_state(conn, scope.workspace_id).await? else {
            return Ok(Some(Vec::new()));
        };
        if u64::try_from(state.total_terms).unwrap_or(0) > self.max_terms {
            return Ok(None);
        }
        let slot = self.slot(scope.workspace_id);
        self.touch(&slot);
        if let Some(hits) = search_if_current(&slot, state, scope, terms, after, limit) {
            return Ok(Some(hits));
        }
        {
            let _refreshing = slot.refresh.lock().await;
            // Another task may have caught up meanwhile.
            let held = current(&slot);
            if !held.is_some_and(|h| h.covers(state)) {
                self.catch_up(conn, &slot, scope.workspace_id, state, held)
                    .await?;
            }
        }
        let guard = slot.index.read().unwrap_or_else(|e| e.into_inner());
        Ok(Some(match guard.as_ref() {
            Some(index) => index.search(scope, terms, after, limit),
            None => Vec::new(),
        }))
    }

    /// The articles the index held for `scope`'s workspace ranks, without
    /// asking the database whether it is current, and what it reflects;
    /// `None` when no index is held. The caller reads [`state_statement`]
    /// in the statement that reads the hits' rows and keeps the answer only
    /// if [`KbIndexes::confirms`] it: one round trip instead of two, and the
    /// same guarantee, since that statement runs after the search began.
    pub fn ranked_held(
        &self,
        scope: &Scope,
        terms: &[String],
        after: Option<Position>,
        limit: usize,
    ) -> Option<(Vec<Position>, Reflected)> {
        let slot = self
            .workspaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&scope.workspace_id)
            .cloned()?;
        let guard = slot.index.read().unwrap_or_else(|e| e.into_inner());
        let index = guard.as_ref()?;
        self.touch(&slot);
        Some((
            index.search(scope, terms, after, limit),
            Reflected(Held::of(index)),
        ))
    }

    /// Whether an answer of [`KbIndexes::ranked_held`] is current: `state`
    /// is the row of [`state_statement`] (generation, removals, words) read
    /// after it.
    pub fn confirms(&self, reflected: Reflected, state: Option<(i64, i64, i64)>) -> bool {
        state.is_some_and(|(generation, removals, total_terms)| {
            u64::try_from(total_terms).unwrap_or(u64::MAX) <= self.max_terms
                && reflected.0.covers(State {
                    generation,
                    removals,
                    total_terms,
                })
        })
    }

    /// Builds (or brings up to date) `workspace_id`'s index now, so that
    /// its first search after a start does not wait for it.
    pub async fn warm<C: ConnectionTrait>(&self, conn: &C, workspace_id: i64) -> AppResult<()> {
        let Some(state) = read_state(conn, workspace_id).await? else {
            return Ok(());
        };
        if u64::try_from(state.total_terms).unwrap_or(0) > self.max_terms {
            return Ok(());
        }
        let slot = self.slot(workspace_id);
        let _refreshing = slot.refresh.lock().await;
        let held = current(&slot);
        if !held.is_some_and(|h| h.covers(state)) {
            self.catch_up(conn, &slot, workspace_id, state, held)
                .await?;
        }
        Ok(())
    }

    /// Start-up: warms the indexes of the workspaces with the most recent
    /// KB changes, as many as the memory bound holds together.
    pub async fn warm_recent<C: ConnectionTrait>(&self, conn: &C) -> AppResult<usize> {
        let rows = conn
            .query_all(Statement::from_string(
                conn.get_database_backend(),
                "SELECT workspace_id, total_terms FROM kb_index_state \
                 WHERE total_terms > 0 ORDER BY generation DESC LIMIT 100",
            ))
            .await?;
        let mut budget = self.max_terms;
        let mut warmed = 0;
        for row in rows {
            let workspace_id: i64 = row.try_get("", "workspace_id")?;
            let terms = u64::try_from(row.try_get::<i64>("", "total_terms")?).unwrap_or(0);
            if terms > budget {
                continue;
            }
            budget -= terms;
            self.warm(conn, workspace_id).await?;
            warmed += 1;
        }
        Ok(warmed)
    }

    /// Marks `slot` as searched now (the memory bound drops the least
    /// recently searched index first).
    fn touch(&self, slot: &Slot) {
        slot.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
    }

    fn slot(&self, workspace_id: i64) -> Arc<Slot> {
        let mut workspaces = self.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        workspaces.entry(workspace_id).or_default().clone()
    }

    /// Brings `slot` to `state`: reads the articles changed since the
    /// generation it holds, or all of them.
    async fn catch_up<C: ConnectionTrait>(
        &self,
        conn: &C,
        slot: &Slot,
        workspace_id: i64,
        state: State,
        held: Option<Held>,
    ) -> AppResult<()> {
        let since = held.filter(|h| h.removals == state.removals && !h.worn);
        let Some(since) = since else {
            // Rebuild; the old index goes first (nobody can use it meanwhile).
            *slot.index.write().unwrap_or_else(|e| e.into_inner()) = None;
            slot.terms.store(0, Ordering::Relaxed);
            self.make_room(workspace_id, state.total_terms);
            let mut index = Index::new(state);
            load(conn, workspace_id, None, |row| index.put(row)).await?;
            index.settle();
            index.compact();
            slot.terms
                .store(state.total_terms.max(0) as u64, Ordering::Relaxed);
            *slot.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
            return Ok(());
        };
        let mut rows = Vec::new();
        load(conn, workspace_id, Some(since.generation), |row| {
            rows.push(row);
            Ok(())
        })
        .await?;
        let mut guard = slot.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = guard.as_mut() {
            for row in rows {
                index.put(row)?;
            }
            index.settle();
            index.generation = index.generation.max(state.generation);
        }
        slot.terms
            .store(state.total_terms.max(0) as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Drops the least recently searched indexes until `needed` more words
    /// fit in the bound.
    fn make_room(&self, workspace_id: i64, needed: i64) {
        let needed = needed.max(0) as u64;
        let workspaces = self.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        let mut held: Vec<(&i64, &Arc<Slot>)> = workspaces
            .iter()
            .filter(|(id, slot)| **id != workspace_id && slot.terms.load(Ordering::Relaxed) > 0)
            .collect();
        let mut total: u64 = held
            .iter()
            .map(|(_, s)| s.terms.load(Ordering::Relaxed))
            .sum();
        held.sort_by_key(|(_, s)| s.last_used.load(Ordering::Relaxed));
        for (_, slot) in held {
            if total + needed <= self.max_terms {
                break;
            }
            // A slot being searched keeps its index until that search ends.
            if let Ok(mut index) = slot.index.try_write() {
                *index = None;
                total -= slot.terms.swap(0, Ordering::Relaxed);
            }
        }
    }
}

/// What an answer of [`KbIndexes::ranked_held`] reflects.
#[derive(Debug, Clone, Copy)]
pub struct Reflected(Held);

/// The columns of [`state_statement`].
pub const STATE_COLUMNS: &[&str] = &["generation", "removals", "total_terms"];

/// `kb_index_state`'s row of `workspace_id`: what an index must reflect.
pub fn state_statement(backend: DatabaseBackend, workspace_id: i64) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT generation, removals, total_terms FROM kb_index_state WHERE workspace_id = $1"
        }
        _ => "SELECT generation, removals, total_terms FROM kb_index_state WHERE workspace_id = ?",
    };
    Statement::from_sql_and_values(backend, sql, [workspace_id.into()])
}

/// What an index holds, read under its lock.
#[derive(Debug, Clone, Copy)]
struct Held {
    generation: i64,
    removals: i64,
    /// Skipped entries outnumber a quarter of the live ones: rebuild.
    worn: bool,
}

impl Held {
    fn of(index: &Index) -> Held {
        Held {
            generation: index.generation,
            removals: index.removals,
            worn: index.dead > 64 && index.dead > index.live_count / 4,
        }
    }

    fn covers(self, state: State) -> bool {
        self.generation >= state.generation && self.removals == state.removals
    }
}

fn current(slot: &Slot) -> Option<Held> {
    let guard = slot.index.read().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().map(Held::of)
}

fn search_if_current(
    slot: &Slot,
    state: State,
    scope: &Scope,
    terms: &[String],
    after: Option<Position>,
    limit: usize,
) -> Option<Vec<Position>> {
    let guard = slot.index.read().unwrap_or_else(|e| e.into_inner());
    let index = guard.as_ref()?;
    Held::of(index)
        .covers(state)
        .then(|| index.search(scope, terms, after, limit))
}

async fn read_state<C: ConnectionTrait>(conn: &C, workspace_id: i64) -> AppResult<Option<State>> {
    let row = conn
        .query_one(state_statement(conn.get_database_backend(), workspace_id))
        .await?;
    Ok(match row {
        Some(row) => Some(State {
            generation: row.try_get("", "generation")?,
            removals: row.try_get("", "removals")?,
            total_terms: row.try_get("", "total_terms")?,
        }),
        None => None,
    })
}

/// An article as the index reads it.
struct Row {
    id: i64,
    module: String,
    visibility: String,
    status: String,
    title_terms: String,
    body_terms: String,
}

/// Feeds `each` the workspace's articles (those changed after generation
/// `since`, or all), in batches by id.
async fn load<C: ConnectionTrait>(
    conn: &C,
    workspace_id: i64,
    since: Option<i64>,
    mut each: impl FnMut(Row) -> AppResult<()>,
) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let p = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    let changed = match since {
        Some(_) => format!(" AND search_generation > {}", p(3)),
        None => String::new(),
    };
    let sql = format!(
        "SELECT id, module, visibility, status, title_terms, body_terms FROM kb_articles \
         WHERE workspace_id = {} AND id > {}{changed} ORDER BY id LIMIT {LOAD_BATCH}",
        p(1),
        p(2),
    );
    let mut after_id = i64::MIN;
    loop {
        let mut values = vec![workspace_id.into(), after_id.into()];
        if let Some(since) = since {
            values.push(since.into());
        }
        let rows = conn
            .query_all(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
        let done = (rows.len() as i64) < LOAD_BATCH;
        for row in rows {
            let row = Row {
                id: row.try_get("", "id")?,
                module: row.try_get("", "module")?,
                visibility: row.try_get("", "visibility")?,
                status: row.try_get("", "status")?,
                title_terms: row.try_get("", "title_terms")?,
                body_terms: row.try_get("", "body_terms")?,
            };
            after_id = row.id;
            each(row)?;
        }
        if done {
            return Ok(());
        }
    }
}

/// An article's entry.
#[derive(Debug)]
struct Doc {
    id: i64,
    /// Words in title and body together (BM25's document length).
    length: u32,
    module: ErpModule,
    visibility: KbVisibility,
    status: KbStatus,
}

/// An article holding a term, and how often: in the title, in the body
/// (which holds the title too).
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    title_tf: u16,
    body_tf: u16,
}

/// A fast hash for the index's words (the FxHash of rustc): the keys are
/// staff-written articles' words, not an attacker's.
#[derive(Debug, Default, Clone, Copy)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(SEED);
        }
    }
}

type WordMap<V> = HashMap<Box<str>, V, std::hash::BuildHasherDefault<WordHasher>>;

#[derive(Debug)]
struct Index {
    generation: i64,
    removals: i64,
    docs: Vec<Doc>,
    /// Whether each entry is its article's current one.
    live: Vec<bool>,
    /// BM25's length normalisation of each entry, `k1 (1 - b + b dl / avgdl)`,
    /// as of the last [`Index::settle`].
    norms: Vec<f64>,
    /// The live entry of each article.
    by_id: HashMap<i64, u32>,
    postings: WordMap<Vec<Posting>>,
    /// Live entries and their total length (BM25's N and average length).
    live_count: u32,
    total_length: u64,
    /// Entries no longer live.
    dead: u32,
}

/// A candidate in the top-k heap: the worst on top.
#[derive(Debug, Clone, Copy)]
struct Ranked(Position);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    /// Better is smaller, so that a max-heap keeps the worst on top.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .score
            .total_cmp(&self.0.score)
            .then_with(|| other.0.id.cmp(&self.0.id))
    }
}

impl Index {
    fn new(state: State) -> Index {
        Index {
            generation: state.generation,
            removals: state.removals,
            docs: Vec::new(),
            live: Vec::new(),
            norms: Vec::new(),
            by_id: HashMap::new(),
            postings: WordMap::default(),
            live_count: 0,
            total_length: 0,
            dead: 0,
        }
    }

    /// Indexes an article, replacing its earlier entry. [`Index::settle`]
    /// before searching.
    fn put(&mut self, row: Row) -> AppResult<()> {
        // Read first: a row that does not read leaves the index as it was.
        let module = stored("kb_articles", row.id, "module", &row.module)?;
        let visibility = stored("kb_articles", row.id, "visibility", &row.visibility)?;
        let status = stored("kb_articles", row.id, "status", &row.status)?;
        if let Some(old) = self.by_id.remove(&row.id) {
            self.live[old as usize] = false;
            self.live_count -= 1;
            self.total_length -= u64::from(self.docs[old as usize].length);
            self.dead += 1;
        }
        let Ok(slot) = u32::try_from(self.docs.len()) else {
            return Ok(());
        };
        let mut counts: HashMap<&str, (u16, u16), std::hash::BuildHasherDefault<WordHasher>> =
            HashMap::default();
        let mut length: u32 = 0;
        for term in row.title_terms.split(' ').filter(|t| !t.is_empty()) {
            let c = counts.entry(term).or_default();
            c.0 = c.0.saturating_add(1);
            length = length.saturating_add(1);
        }
        for term in row.body_terms.split(' ').filter(|t| !t.is_empty()) {
            let c = counts.entry(term).or_default();
            c.1 = c.1.saturating_add(1);
            length = length.saturating_add(1);
        }
        for (term, (title_tf, body_tf)) in counts {
            let posting = Posting {
                doc: slot,
                title_tf,
                body_tf,
            };
            match self.postings.get_mut(term) {
                Some(list) => list.push(posting),
                None => {
                    self.postings.insert(term.into(), vec![posting]);
                }
            }
        }
        self.docs.push(Doc {
            id: row.id,
            length,
            module,
            visibility,
            status,
        });
        self.live.push(true);
        self.by_id.insert(row.id, slot);
        self.live_count += 1;
        self.total_length += u64::from(length);
        Ok(())
    }

    /// Recomputes what depends on the whole collection (the average length).
    fn settle(&mut self) {
        let avgdl = self.average_length();
        self.norms = self
            .docs
            .iter()
            .map(|d| K1 * (1.0 - B + B * f64::from(d.length) / avgdl))
            .collect();
    }

    /// Gives back what the lists grew beyond their length while the index
    /// was built (up to half of each; a 10,000-article manual's postings
    /// are tens of megabytes). After a full build only: lists that catch up
    /// grow again.
    fn compact(&mut self) {
        for list in self.postings.values_mut() {
            list.shrink_to_fit();
        }
        self.postings.shrink_to_fit();
        self.docs.shrink_to_fit();
        self.live.shrink_to_fit();
        self.by_id.shrink_to_fit();
    }

    fn average_length(&self) -> f64 {
        (self.total_length as f64 / f64::from(self.live_count).max(1.0)).max(1.0)
    }

    fn in_scope(doc: &Doc, scope: &Scope) -> bool {
        scope.module.is_none_or(|m| doc.module == m)
            && scope.visibility.is_none_or(|v| doc.visibility == v)
            && match scope.status {
                Some(status) => doc.status == status,
                None => doc.status != KbStatus::Archived,
            }
    }

    /// BM25 over the live entries, as [`super::search`] ranks in SQL: the
    /// terms' scores are added up per article (term at a time), then the
    /// best `limit` after `after` are kept.
    fn search(
        &self,
        scope: &Scope,
        terms: &[String],
        after: Option<Position>,
        limit: usize,
    ) -> Vec<Position> {
        let lists: Vec<Option<&Vec<Posting>>> = terms
            .iter()
            .map(|t| self.postings.get(t.as_str()))
            .collect();
        let needed = match scope.mode {
            MatchMode::All => terms.len(),
            MatchMode::Any => 1,
        };
        if terms.is_empty()
            || limit == 0
            || (scope.mode == MatchMode::All && lists.iter().any(Option::is_none))
            || self.norms.len() != self.docs.len()
        {
            return Vec::new();
        }
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let scratch = &mut *scratch;
            // Left dirty only by a search that panicked: every slot it set
            // is in `touched`.
            scratch.clear();
            scratch.fit(self.docs.len());
            let found = self.rank(scope, lists, needed, after, limit, scratch);
            scratch.clear();
            found
        })
    }

    /// [`Index::search`]'s scoring, into `scratch` (all zeros on entry;
    /// the caller clears what it touched).
    fn rank(
        &self,
        scope: &Scope,
        lists: Vec<Option<&Vec<Posting>>>,
        needed: usize,
        after: Option<Position>,
        limit: usize,
        scratch: &mut Scratch,
    ) -> Vec<Position> {
        let n = f64::from(self.live_count);
        let Scratch {
            scores,
            matched,
            touched,
        } = scratch;
        for list in lists.into_iter().flatten() {
            let df = if self.dead == 0 {
                list.len()
            } else {
                list.iter().filter(|p| self.live[p.doc as usize]).count()
            } as f64;
            let idf = ((n - df + 0.5) / (df + 0.5)).ln().max(1e-6);
            for p in list {
                let slot = p.doc as usize;
                if !self.live[slot] {
                    continue;
                }
                let tf = TITLE_WEIGHT * f64::from(p.title_tf) + f64::from(p.body_tf);
                if matched[slot] == 0 {
                    touched.push(p.doc);
                }
                matched[slot] = matched[slot].saturating_add(1);
                scores[slot] += idf * tf * (K1 + 1.0) / (tf + self.norms[slot]);
            }
        }
        let mut best: std::collections::BinaryHeap<Ranked> =
            std::collections::BinaryHeap::with_capacity(limit + 1);
        for &slot in touched.iter() {
            let slot = slot as usize;
            if usize::from(matched[slot]) < needed {
                continue;
            }
            let doc = &self.docs[slot];
            if !Self::in_scope(doc, scope) {
                continue;
            }
            let mut score = scores[slot];
            if scope.preferred_module == Some(doc.module) {
                score *= MODULE_BOOST;
            }
            let hit = Ranked(Position { score, id: doc.id });
            if after.is_some_and(|a| !ranks_after(hit.0, a)) {
                continue;
            }
            if best.len() < limit {
                best.push(hit);
            } else if best.peek().is_some_and(|worst| hit < *worst) {
                best.pop();
                best.push(hit);
            }
        }
        best.into_sorted_vec().into_iter().map(|r| r.0).collect()
    }
}

/// Per-thread buffers of a search's scores, one slot per indexed article,
/// reused from search to search: allocating and zeroing them anew (80 KB
/// for a 10,000-article manual) was a tenth of a sentence search's time.
/// Only the slots a search touched are cleared after it.
#[derive(Default)]
struct Scratch {
    scores: Vec<f64>,
    matched: Vec<u8>,
    touched: Vec<u32>,
}

impl Scratch {
    fn fit(&mut self, docs: usize) {
        if self.scores.len() < docs {
            self.scores.resize(docs, 0.0);
            self.matched.resize(docs, 0);
        }
    }

    fn clear(&mut self) {
        for &slot in &self.touched {
            self.scores[slot as usize] = 0.0;
            self.matched[slot as usize] = 0;
        }
        self.touched.clear();
        // A much bigger index searched once does not keep its buffers.
        if self.scores.len() > 1 << 20 {
            *self = Scratch::default();
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Whether `hit` comes after `p` in the (score, id) descending order.
fn ranks_after(hit: Position, p: Position) -> bool {
    hit.score < p.score || (hit.score == p.score && hit.id < p.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, module: &str, status: &str, title: &str, body: &str) -> Row {
        Row {
            id,
            module: module.into(),
            visibility: "public".into(),
            status: status.into(),
            title_terms: title.into(),
            body_terms: format!("{title} {body}"),
        }
    }

    fn scope(mode: MatchMode) -> Scope {
        Scope {
            mode,
            workspace_id: 1,
            module: None,
            preferred_module: None,
            visibility: None,
            status: None,
        }
    }

    fn terms(words: &str) -> Vec<String> {
        words.split(' ').map(String::from).collect()
    }

    fn ids(hits: &[Position]) -> Vec<i64> {
        hits.iter().map(|h| h.id).collect()
    }

    fn index() -> Index {
        let mut index = Index::new(State {
            generation: 1,
            removals: 0,
            total_terms: 0,
        });
        index
            .put(row(1, "finance", "published", "凭证 过账", "结账 凭证"))
            .unwrap();
        index
            .put(row(
                2,
                "finance",
                "published",
                "期末 结账",
                "凭证 过账 结账",
            ))
            .unwrap();
        index
            .put(row(3, "sales", "published", "销售 订单", "审核 订单"))
            .unwrap();
        index
            .put(row(4, "sales", "archived", "凭证 归档", "凭证"))
            .unwrap();
        index.settle();
        index
    }

    #[test]
    fn a_title_hit_and_rarer_words_rank_first() {
        let index = index();
        let hits = index.search(&scope(MatchMode::Any), &terms("过账"), None, 10);
        assert_eq!(ids(&hits), vec![1, 2], "title hit first");
        // Every word needed: only articles holding both.
        let all = index.search(&scope(MatchMode::All), &terms("结账 过账"), None, 10);
        assert_eq!(ids(&all).len(), 2);
        let none = index.search(&scope(MatchMode::All), &terms("结账 订单"), None, 10);
        assert!(none.is_empty());
        // Archived articles never come unless asked for.
        let any = index.search(&scope(MatchMode::Any), &terms("凭证"), None, 10);
        assert!(!ids(&any).contains(&4));
    }

    #[test]
    fn a_preferred_module_ranks_higher_without_filtering() {
        let index = index();
        let mut s = scope(MatchMode::Any);
        s.preferred_module = Some(ErpModule::Sales);
        let hits = index.search(&s, &terms("订单 凭证"), None, 10);
        assert_eq!(hits[0].id, 3);
        assert!(ids(&hits).contains(&1));
    }

    #[test]
    fn pages_continue_after_the_last_position_without_gaps() {
        let index = index();
        let s = scope(MatchMode::Any);
        let all = index.search(&s, &terms("凭证 结账 订单"), None, 10);
        assert_eq!(all.len(), 3);
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = index.search(&s, &terms("凭证 结账 订单"), after, 1);
            let Some(last) = page.last().copied() else {
                break;
            };
            seen.push(last.id);
            after = Some(last);
        }
        assert_eq!(seen, ids(&all));
    }

    #[test]
    fn a_changed_article_replaces_its_entry() {
        let mut index = index();
        index
            .put(row(1, "finance", "archived", "凭证 过账", "结账 凭证"))
            .unwrap();
        index.settle();
        let hits = index.search(&scope(MatchMode::Any), &terms("过账"), None, 10);
        assert_eq!(ids(&hits), vec![2]);
        assert_eq!((index.live_count, index.dead), (4, 1));
        index
            .put(row(3, "sales", "published", "采购 订单", "过账"))
            .unwrap();
        index.settle();
        let hits = index.search(&scope(MatchMode::Any), &terms("销售"), None, 10);
        assert!(hits.is_empty(), "{hits:?}");
        let mut found = ids(&index.search(&scope(MatchMode::Any), &terms("过账"), None, 10));
        found.sort_unstable();
        assert_eq!(found, vec![2, 3]);
    }
}
