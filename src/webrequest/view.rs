//! What the extension shows of a diagnosis: the row of the table (verdict,
//! reason, each browser's name, the one-line fix, whether it is a warning,
//! its rank), and which headers to highlight where. The panel and the popup
//! only render these; none of it is decided in JavaScript.
//!
//! Reads the diagnosis as JSON (`docs/diagnosis-format.md`, the public
//! contract) rather than the Rust types, so that new verdicts or stages
//! the engine adds later fall into a default instead of failing.

use crate::core::assess::Light;
use crate::exchange::{Exchange, ResourceType};
use serde::Serialize;
use serde_json::Value;

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

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
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
pub fn rank(d: &Value) -> (u8, bool, bool) {
    let verdict = s(d, "verdict").unwrap_or_else(|| "unknown".to_string());
    let browsers = d.get("browsers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let findings_warn = d
        .get("findings")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| matches!(s(x, "severity").as_deref(), Some("warning") | Some("security"))));
    let also = browsers.iter().any(|b| b.get("also").and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
    let warn = is_undecided(&verdict) || findings_warn || also;
    (rank_of(&verdict, warn), is_blocked(&verdict), warn)
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
pub fn flags(d: &Value) -> Flags {
    let verdict = s(d, "verdict").unwrap_or_else(|| "unknown".to_string());
    let browsers = d.get("browsers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let name_of = |b: &str| browsers.iter().find(|x| s(x, "browser").as_deref() == Some(b)).and_then(|x| s(x, "name"));
    let (rk, bl, w) = rank(d);
    Flags {
        r: s(d, "reason"),
        c: name_of("chromium"),
        f: name_of("firefox"),
        fx: d.get("fix").and_then(|f| f.get("summary")).and_then(|t| s(t, "text")),
        w,
        rk,
        bl,
        v: verdict,
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

/// The row from a full diagnosis.
pub fn summarize(ex: &Exchange, d: &Value, how: &str, joined: bool) -> Summary {
    row(ex, flags(d), how, joined)
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
        ty: type_name(ex.page.resource_type).to_string(),
        e: ex.error.clone(),
        hk: joined,
        how: how.to_string(),
    }
}

pub fn type_name(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Fetch => "fetch",
        ResourceType::Xhr => "xhr",
        ResourceType::Image => "image",
        ResourceType::Font => "font",
        ResourceType::Script => "script",
        ResourceType::ModuleScript => "module-script",
        ResourceType::Stylesheet => "stylesheet",
        ResourceType::Media => "media",
        ResourceType::Document => "document",
        ResourceType::Subdocument => "subdocument",
        ResourceType::Websocket => "websocket",
        ResourceType::EventSource => "event-source",
        ResourceType::Beacon => "beacon",
        ResourceType::Preflight => "preflight",
        ResourceType::Other => "other",
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

/// Where each piece of evidence sits among the legs: the first-format
/// evidence (`stage`, `hop`) mapped onto schema 2 (`preflight` with no hop
/// is the first leg's, after redirect hop k the leg k+1's; `redirect` k is
/// leg k's response; `actual` the last leg's response).
pub fn highlights(ex: &Exchange, d: &Value) -> Vec<Highlight> {
    let last = ex.legs.len().saturating_sub(1);
    let mut out = Vec::new();
    for ev in d.get("evidence").and_then(Value::as_array).into_iter().flatten() {
        let Some(header) = s(ev, "header") else { continue };
        let header = header.to_ascii_lowercase();
        let hop = ev.get("hop").and_then(Value::as_u64).map(|h| h as usize);
        // A future schema-2 engine may name the leg itself.
        let leg = ev.get("leg").and_then(Value::as_u64).map(|l| l as usize);
        match s(ev, "stage").as_deref() {
            Some("request") => {
                out.push(Highlight { leg: 0, part: "author", header: header.clone() });
                out.push(Highlight { leg: 0, part: "request", header });
            }
            Some("preflight") => {
                let l = leg.or(hop.map(|k| k + 1)).unwrap_or(0).min(last);
                out.push(Highlight { leg: l, part: "preflight", header });
            }
            Some("redirect") => out.push(Highlight { leg: leg.or(hop).unwrap_or(0).min(last), part: "response", header }),
            Some("actual") => out.push(Highlight { leg: leg.unwrap_or(last).min(last), part: "response", header }),
            _ => {}
        }
    }
    crate::core::order::sort(&mut out);
    out.dedup();
    out
}
