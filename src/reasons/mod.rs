//! The reason registry: one entry per reason, in one file per reason.
//!
//! A reason's id is the name users meet on MDN (Firefox's slug,
//! `CORSMissingAllowOrigin`); Chromium-only kinds get ids in the same style.
//! Each entry carries both browsers' names, the explanation and fix
//! templates (translatable), the link, and a documented example exchange that
//! a test runs. The CLI, the wasm `reasons()`, the panel and the README table
//! all read this registry. The list is ordered roughly as the checks run.

/// One reason.
#[derive(Debug)]
pub struct Reason {
    /// Stable id (`CORSMissingAllowOrigin`).
    pub id: &'static str,
    /// Short English title (message id `reason.<id>.title`).
    pub title: &'static str,
    /// Firefox's console message key (`CORSMissingAllowOrigin2`), if Firefox has this reason.
    pub firefox_key: Option<&'static str>,
    /// Firefox's `nsILoadInfo` blocking reason code (1001–1015).
    pub firefox_code: Option<u16>,
    /// Chromium's `CorsError` kinds that this reason covers (actual and preflight variants).
    pub chromium: &'static [&'static str],
    /// The best page about it (MDN where one exists).
    pub link: &'static str,
    /// What went wrong: a template (`reason.<id>.explanation`).
    pub explanation: &'static str,
    /// Why browsers enforce it (`reason.<id>.why`).
    pub why: &'static str,
    /// The fix, in words: a template (`reason.<id>.fix`).
    pub fix: &'static str,
    /// A documented example exchange (exchange JSON) that yields this reason.
    pub example: &'static str,
    /// The browser the example is for (None: both agree).
    pub example_browser: Option<crate::model::Browser>,
    /// False for reasons that headers alone cannot produce (they need a
    /// browser report or context: `CORSDisabled`, `CORSOriginHeaderNotAdded`).
    pub from_headers: bool,
}

/// Every reason, in check order.
pub static REASONS: &[&Reason] = &[];

/// Looks a reason up by id.
pub fn get(id: &str) -> Option<&'static Reason> {
    REASONS.iter().copied().find(|r| r.id == id)
}
