//! What the browser's network layer and console reported for a recorded
//! fixture, beyond the CORS names, added to the exchange the lab's records
//! make: the evidence a real source carries next to the headers (a HAR's
//! `_error`, webRequest's `onErrorOccurred` error, CDP's `blockedReason`,
//! DevTools issue codes, Firefox's console categories). The lab's records
//! alone cannot tell a refused connection from an extension's block or a
//! page's CSP: nothing reached the server in any of them.
//!
//! Never the CORS names themselves (`corsError`, `firefoxKey`): the engine
//! must reach those from the headers.

use serde_json::Value;
use whycors::exchange::{Exchange, Reported};

/// Adds the fixture's `reported.errorText` (as `error`, where the records
/// gave none), `reported.blockedReason`, its DevTools issue codes
/// (`reported.also` items naming an `…Issue`) and Firefox's console
/// categories (`reported.otherService[].category`).
pub fn apply(ex: &mut Exchange, fixture: &Value) {
    let Some(r) = fixture.get("reported") else { return };
    if ex.error.is_none() {
        if let Some(e) = r.get("errorText").and_then(Value::as_str).filter(|e| !e.trim().is_empty()) {
            ex.error = Some(e.to_string());
        }
    }
    let blocked_reason = r.get("blockedReason").and_then(Value::as_str).map(str::to_string);
    let mut issues: Vec<String> = r
        .get("also")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|s| s.contains("Issue"))
        .map(str::to_string)
        .collect();
    issues.extend(
        r.get("otherService")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| o.get("category").and_then(Value::as_str))
            .map(str::to_string),
    );
    if blocked_reason.is_some() || !issues.is_empty() {
        let rep = ex.reported.get_or_insert_with(Reported::default);
        rep.blocked_reason = blocked_reason;
        rep.issues = issues;
    }
}
