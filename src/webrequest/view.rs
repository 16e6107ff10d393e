//! What the extension shows of a diagnosis: the row of the table (verdict,
//! reason, each browser's name, the one-line fix, whether it is a warning,
//! its rank), and which headers to highlight where. The panel and the popup
//! only render these; none of it is decided in JavaScript.
//!
//! Reads the engine's own diagnosis; the pages rank diagnoses they hold as
//! JSON, of either diagnosis format, through [`rank_json`].

use crate::core::assess::Light;
#[cfg(feature = "report")]
use crate::core::verdict::Stage;
use crate::exchange::Exchange;
#[cfg(feature = "report")]
use crate::exchange::Browser;
#[cfg(feature = "report")]
use crate::report::diagnosis::{Diagnosis, Severity};
use serde::Serialize;

/// One row of the table (the log keeps it with the exchange).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// The verdict, as the engine names it (`blocked`, `allowed`, ...).
    pub v: String,
    /// The reason id, when a check failed.
    pub r: Option<String>,
    /// Chromium's and Firefox's names for it.
    pub c: Option<String>,
    pub f: Option<String>,
    /// The fix's one line.
    pub fx: Option<String>,
    /// Worth a look though not blocked: an undecided verdict, a warning or
    /// security finding, a browser's extra console line.
    pub w: bool,
    /// Sort rank: 0 blocked, 1 undecided, 2 warnings, 3 the rest.
    pub rk: u8,
    /// Counts as blocked (the badge, the "Blocked" filter).
    pub bl: bool,
    pub m: String,
    pub u: String,
    /// The last response's status.
    pub st: Option<u16>,
    /// The first preflight's status (0: it failed without one).
    pub pf: Option<u16>,
    pub ty: String,
    /// The browser's error string.
    pub e: Option<String>,
    /// The page's own record (call or element) was joined.
    pub hk: bool,
    /// How the row was decided (`call`, `element`, `no-record`, `lost`, `n/a`, `page`).
    pub how: String,
}

/// Whether a verdict, named by the engine, stops the page from reading the
/// response for sure.
pub fn is_blocked(verdict: &str) -> bool {
    verdict == "blocked"
}

/// Whether a verdict says the evidence did not decide (`undecided`; the
/// first diagnosis format's `blocked-if-credentialed`).
pub fn is_undecided(verdict: &str) -> bool {
    matches!(verdict, "blocked-if-credentialed" | "undecided")
}

/// Where a diagnosis ranks in a list, and why: `(rank, blocked, warn)`.
/// Rank 0 blocked, 1 undecided, 2 worth a look (a warning or security
/// finding, a browser's extra console line), 3 the rest. The panel, the
/// popup and the playground sort and filter by it.
#[cfg(feature = "report")]
pub fn rank(d: &Diagnosis) -> (u8, bool, bool) {
    let findings_warn = d.findings.iter().any(|f| matches!(f.severity, Severity::Warning | Severity::Security));
    let also = d.browsers.iter().any(|b| !b.also.is_empty());
    rank_by(d.verdict.as_str(), findings_warn || also)
}

/// [`rank`] of a diagnosis held as JSON, of either format (the pages').
#[cfg(feature = "full")]
pub fn rank_json(d: &serde_json::Value) -> (u8, bool, bool) {
    use serde_json::Value;
    let verdict = d.get("verdict").and_then(Value::as_str).unwrap_or("unknown");
    let list = |k: &str| d.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let findings_warn = list("findings")
        .iter()
        .any(|x| matches!(x.get("severity").and_then(Value::as_str), Some("warning") | Some("security")));
    let also = list("browsers").iter().any(|b| b.get("also").and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
    rank_by(verdict, findings_warn || also)
}

/// The rank of a verdict, with whether a finding or a console line is
/// worth a look.
#[cfg(feature = "report")]
fn rank_by(verdict: &str, worth_a_look: bool) -> (u8, bool, bool) {
    let warn = is_undecided(verdict) || worth_a_look;
    (rank_of(verdict, warn), is_blocked(verdict), warn)
}

/// The rank of a verdict with its warning flag (see [`rank`]).
fn rank_of(verdict: &str, warn: bool) -> u8 {
    if is_blocked(verdict) {
        0
    } else if is_undecided(verdict) {
        1
    } else if warn {
        2
    } else {
        3
    }
}

/// The row's fields a diagnosis decides (the rest is the exchange's).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Flags {
    pub v: String,
    pub r: Option<String>,
    pub c: Option<String>,
    pub f: Option<String>,
    pub fx: Option<String>,
    pub w: bool,
    pub rk: u8,
    pub bl: bool,
}

/// The row's fields from a full diagnosis.
#[cfg(feature = "report")]
pub fn flags(d: &Diagnosis) -> Flags {
    let name_of = |b: Browser| d.browsers.iter().find(|x| x.browser == b).and_then(|x| x.name.clone());
    let (rk, bl, w) = rank(d);
    Flags {
        v: d.verdict.as_str().to_string(),
        r: d.reason.clone(),
        c: name_of(Browser::Chromium),
        f: name_of(Browser::Firefox),
        fx: d.fix.as_ref().map(|f| f.summary.text.clone()),
        w,
        rk,
        bl,
    }
}

/// The row at capture, from the light verdict (`core::assess::light`):
/// the verdict, the reason, the names; warning only where the light
/// verdict knows it (undecided; delivered though it would fail with
/// credentials); no one-line fix. The full diagnosis refines `fx`, `w` and
/// `rk` when the panel or the popup asks for it ([`flags`]).
pub fn summarize_light(ex: &Exchange, l: &Light, how: &str, joined: bool) -> Summary {
    let verdict = l.verdict.as_str();
    let w = is_undecided(verdict) || l.delivered;
    let flags = Flags {
        v: verdict.to_string(),
        r: l.reason.map(|r| r.as_str().to_string()),
        c: l.chromium.map(str::to_string),
        f: l.firefox.map(str::to_string),
        fx: None,
        w,
        rk: rank_of(verdict, w),
        bl: is_blocked(verdict),
    };
    row(ex, flags, how, joined)
}

/// The row: what the verdict decided, and what the exchange shows.
fn row(ex: &Exchange, f: Flags, how: &str, joined: bool) -> Summary {
    let first_pf = ex.legs.first().and_then(|l| l.preflight.as_ref());
    Summary {
        v: f.v,
        r: f.r,
        c: f.c,
        f: f.f,
        fx: f.fx,
        w: f.w,
        rk: f.rk,
        bl: f.bl,
        m: ex.page.method().to_string(),
        u: ex.url().to_string(),
        st: ex.last_response().map(|r| r.status),
        pf: first_pf.map(|p| p.response.as_ref().map_or(0, |r| r.status)),
        ty: ex.page.resource_type.as_str().to_string(),
        e: ex.error.clone(),
        hk: joined,
        how: how.to_string(),
    }
}

/// Headers to highlight: the evidence's header at the place it failed.
/// `part`: `author` (the headers the page set), `request` (sent on the
/// leg), `preflight` (the preflight's response on the leg), `response`
/// (the leg's response).
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Highlight {
    pub leg: usize,
    pub part: &'static str,
    pub header: String,
}

/// Where each piece of evidence sits among the legs: its `stage` and `hop`
/// mapped onto the legs (a preflight's by `core::facts::preflight_leg`;
/// `redirect` k is leg k's response; `actual` the last leg's response).
#[cfg(feature = "report")]
pub fn highlights(ex: &Exchange, d: &Diagnosis) -> Vec<Highlight> {
    let last = ex.legs.len().saturating_sub(1);
    let mut out = Vec::new();
    for ev in &d.evidence {
        let Some(header) = &ev.header else { continue };
        let header = header.to_ascii_lowercase();
        match ev.stage {
            Stage::Request => {
                out.push(Highlight { leg: 0, part: "author", header: header.clone() });
                out.push(Highlight { leg: 0, part: "request", header });
            }
            Stage::Preflight => {
                let l = crate::core::facts::preflight_leg(ev.hop).unwrap_or(last).min(last);
                out.push(Highlight { leg: l, part: "preflight", header });
            }
            Stage::Redirect => out.push(Highlight { leg: ev.hop.unwrap_or(0).min(last), part: "response", header }),
            Stage::Actual => out.push(Highlight { leg: last, part: "response", header }),
        }
    }
    crate::core::order::sort(&mut out);
    out.dedup();
    out
}
