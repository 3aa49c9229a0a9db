//! The care team's in-basket: a page of the threads staff may see, each with
//! the reasons its latest triage gave, so the list shows why a thread is
//! where it is.

use crate::threads::{ListThreads, ThreadPage, list_threads};
use crate::{App, AppError, AppResult, Caller};

/// One page of the in-basket.
pub struct InBasketPage {
    pub page: ThreadPage,
    /// Per thread on the page, in the same order: the reasons of its latest
    /// triage (empty when it has none).
    pub reasons: Vec<Vec<String>>,
}

/// One page of the threads the caller may see (listed and audited as
/// [`list_threads`] does), with each thread's latest triage reasons.
/// For the care team only.
pub async fn in_basket(app: &App, caller: &Caller, query: ListThreads) -> AppResult<InBasketPage> {
    if !carethread_core::policy::works_in_baskets(caller.user.role) {
        return Err(AppError::Forbidden("the in-basket is for the care team".to_owned()));
    }
    let page = list_threads(app, caller, query).await?;
    let mut reasons = Vec::with_capacity(page.threads.len());
    for t in &page.threads {
        let latest = app.store.latest_triage(t.thread.id).await?;
        reasons.push(latest.map(|(record, _)| record.reasons).unwrap_or_default());
    }
    Ok(InBasketPage { page, reasons })
}
