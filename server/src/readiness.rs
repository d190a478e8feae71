//! Liveness and readiness. `/healthz` says the process is up (no database
//! round trip: a replica whose database is away is alive, restarting it
//! would not help); `/readyz` says it should get traffic: not draining,
//! and every named check passes (the database, and whatever else is added
//! with [`Readiness::add`], e.g. the attachment store).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::state::AppState;

/// A check's verdict: `Err` says what is wrong.
pub type CheckResult = Result<(), String>;
type Check =
    Arc<dyn Fn(AppState) -> Pin<Box<dyn Future<Output = CheckResult> + Send>> + Send + Sync>;

/// What `/readyz` asks, in order, and whether the process is shutting down.
#[derive(Default)]
pub struct Readiness {
    draining: AtomicBool,
    checks: RwLock<Vec<(String, Check)>>,
    /// Requests being handled now (see [`Readiness::enter`]).
    in_flight: AtomicUsize,
    /// The last verdict of the checks and when it was reached: probes
    /// every second or two (Kubernetes, a balancer's active checks) reuse
    /// it for [`VERDICT_TTL`] rather than write a storage probe object each.
    verdict: Mutex<Option<(Instant, Result<(), NotReady>)>>,
}

/// How long a verdict of the checks is reused. Draining is never cached.
pub const VERDICT_TTL: Duration = Duration::from_secs(2);

/// One request being handled; counted until dropped.
pub struct InFlight(Arc<Readiness>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why the replica is not ready: the failing check's name and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    pub check: String,
    pub reason: String,
}

impl Readiness {
    /// The database check only.
    pub fn with_database() -> Arc<Readiness> {
        let readiness = Arc::new(Readiness::default());
        readiness.add("database", |state| async move {
            if state.db.ping().await {
                Ok(())
            } else {
                Err("the database does not answer".into())
            }
        });
        readiness
    }

    /// Adds a named check; `/readyz` fails with its name when it fails.
    pub fn add<F, Fut>(&self, name: &str, check: F)
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        let check: Check = Arc::new(move |state| Box::pin(check(state)));
        if let Ok(mut checks) = self.checks.write() {
            checks.push((name.to_string(), check));
        }
        self.forget_verdict();
    }

    /// From now on not ready (SIGTERM): load balancers stop sending here.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Counts a request until the guard is dropped.
    pub fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    fn forget_verdict(&self) {
        if let Ok(mut verdict) = self.verdict.lock() {
            *verdict = None;
        }
    }

    /// Ready, or the first check that fails (`shutdown` while draining).
    /// The checks' verdict is reused for [`VERDICT_TTL`].
    pub async fn check(&self, state: &AppState) -> Result<(), NotReady> {
        if self.is_draining() {
            return Err(NotReady {
                check: "shutdown".into(),
                reason: "the replica is shutting down".into(),
            });
        }
        if let Ok(verdict) = self.verdict.lock() {
            if let Some((at, verdict)) = verdict.as_ref() {
                if at.elapsed() < VERDICT_TTL {
                    return verdict.clone();
                }
            }
        }
        let verdict = self.run_checks(state).await;
        if let Ok(mut cached) = self.verdict.lock() {
            *cached = Some((Instant::now(), verdict.clone()));
        }
        verdict
    }

    async fn run_checks(&self, state: &AppState) -> Result<(), NotReady> {
        let checks: Vec<(String, Check)> =
            self.checks.read().map(|c| c.clone()).unwrap_or_default();
        for (name, check) in checks {
            if let Err(reason) = check(state.clone()).await {
                return Err(NotReady {
                    check: name,
                    reason,
                });
            }
        }
        Ok(())
    }
}
