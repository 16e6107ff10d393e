//! Fix generation and verification.
//!
//! `propose` finds the *smallest* set of changes that makes an exchange pass
//! in both browsers without weakening anything, by iterating:
//!
//! 1. run `check::evaluate` for Chromium and Firefox under each credentials
//!    assumption that matters (see [`assumptions`]);
//! 2. take the first failure;
//! 3. derive the one change that answers that failure (exact origin in
//!    `Access-Control-Allow-Origin`, `Access-Control-Allow-Credentials: true`
//!    only when credentialed, the exact method / header names added to the
//!    allow lists, a 204 preflight instead of a redirect or error status,
//!    `Location` without userinfo, or a client-side change where headers
//!    cannot help);
//! 4. apply every change so far to a copy of the exchange ([`apply`]) and go
//!    round again, until both browsers allow it or nothing more can be derived
//!    (bounded by [`MAX_ROUNDS`]).
//!
//! The result is then verified: the patched exchange must be `Allowed` in
//! both browsers under every relevant assumption, carry no
//! `Severity::Security` finding, and the changes must never introduce `*`
//! together with credentials or a `null` origin. A fix that fails
//! verification is still returned, with an **empty `verified` list** (never
//! a claim the engine cannot back); `propose` returns `None` only when there
//! is nothing to fix (not blocked, not CORS, a network error) or no change can
//! be derived at all.
//!
//! Credentials: `include` → the credentialed assumption only; `omit` /
//! `same-origin` (a cross-origin `same-origin` request sends no credentials)
//! → the uncredentialed one only; unknown → both. With unknown credentials
//! the fix is built in two phases: first what the uncredentialed request
//! needs, then what credentials need on top; the summary says that the second
//! part is only needed if the page sends credentials, so
//! `Access-Control-Allow-Credentials: true` is never presented as
//! unconditional when the engine does not know the page needs it.
//!
//! When the preflight (or a redirect) failed, the actual request was never
//! sent, so the exchange has no actual response. The actual response then
//! gets the origin headers too (summary: "make sure the actual response also
//! carries ..."), and [`apply`] models it as a `200` carrying only the
//! changed headers: verification holds under that assumption.
//!
//! A response reached with `Origin: null` because a redirect crossed origins
//! is never fixed by allowing `null` (a security finding): the fix is the
//! client change "request the final URL directly", then the exact origin.
//! A page whose own origin is opaque gets `*` only when the request is known
//! to carry no credentials (`omit`), else a client change (serve the page
//! from an http(s) origin). A `no-cors` request counts as fixed when it is
//! no longer blocked (`NotCors`: an opaque response is all it can get).
//!
//! Smallest: after verification, changes the verified result does not need
//! are dropped one by one (greedy, last first), except client changes (the
//! patched model cannot always re-check what only the browser reports, such
//! as Local Network Access). Changes come out in display order: client,
//! preflight, redirects, actual response.
//!
//! Which failure is which comes from `Failure.reason` / `.name` (the
//! registry's ids and the browsers' names) and `Failure.evidence` (stage,
//! hop, header); [`Change`] targets for client changes are listed in
//! [`client`].

use crate::core::check::{evaluate, Failure, Outcome};
use crate::report::diagnosis::{Change, ChangeAction, Fix, Severity, Stage, Verdict};
use crate::core::exchange::{Browser, Credentials, Exchange, Header, HeaderList, Leg, Mode, Response};
use crate::core::facts::{self, hop_count, hop_preflight, preflight_leg, Route};
use crate::core::fetch::headers::{is_token, trim_ows};
use crate::report::message::{ListStyle, Part, Text};

/// Upper bound on derive/apply rounds (each round adds or replaces changes).
pub const MAX_ROUNDS: usize = 16;

pub use crate::report::patch::{apply, client, ACAC, ACAH, ACAM, ACAO, LOCATION};

/// The credentials assumptions a fix must satisfy, in the order they are
/// fixed: `false` (uncredentialed) before `true`
/// ([`crate::core::credentials::assumptions`]).
pub fn assumptions(ex: &Exchange) -> Vec<bool> {
    crate::core::credentials::assumptions(ex.page.credentials).to_vec()
}

/// The smallest verified fix for `ex`, or None when nothing is blocked or no
/// change can help. See the module documentation.
pub fn propose(ex: &Exchange) -> Option<Fix> {
    let all = assumptions(ex);
    // Nothing to fix unless some browser blocks it under some assumption.
    first_blocked(ex, &all)?;
    let unknown_creds = all.len() > 1;
    let phases: Vec<Vec<bool>> = if unknown_creds {
        vec![vec![false], all.clone()]
    } else {
        vec![all.clone()]
    };

    let mut changes: Vec<Change> = Vec::new();
    // Index in `changes` where the credentials-only part begins (unknown credentials).
    let mut creds_split: Option<usize> = None;
    let mut cur = ex.clone();
    let mut last_failure: Option<(Browser, bool, Failure)> = None;
    let mut used_fallback = false;
    let mut rounds = 0usize;

    'phases: for (pi, phase) in phases.iter().enumerate() {
        if pi == 1 && creds_split.is_none() {
            creds_split = Some(changes.len());
        }
        loop {
            rounds += 1;
            if rounds > MAX_ROUNDS {
                break 'phases;
            }
            let derived = match first_blocked(&cur, phase) {
                Some((_, _, failure)) if classify(&failure) == Kind::Unfixable => {
                    // A network failure (or an unknown kind): headers cannot help.
                    break 'phases;
                }
                Some((browser, cred, failure)) => {
                    let repeat = last_failure.as_ref() == Some(&(browser, cred, failure.clone()));
                    let mut new = if repeat {
                        if used_fallback {
                            break 'phases;
                        }
                        used_fallback = true;
                        stage_complete(ex, &cur, failure.evidence.stage, failure.evidence.hop, cred)
                    } else {
                        derive(ex, &cur, &failure, cred)
                    };
                    new.retain(|c| !changes.contains(c));
                    if new.is_empty() && !used_fallback {
                        // The targeted change is already made: try everything
                        // the failing stage needs.
                        used_fallback = true;
                        new = stage_complete(
                            ex,
                            &cur,
                            failure.evidence.stage,
                            failure.evidence.hop,
                            cred,
                        );
                        new.retain(|c| !changes.contains(c));
                    }
                    last_failure = Some((browser, cred, failure));
                    new
                }
                None if !any_unknown(&cur, phase) && !null_allowed_anywhere(&cur) => break,
                None => {
                    // Allowed or undecidable everywhere: if a preflight was fixed
                    // but the actual response was never observed, the actual
                    // response needs the same origin headers.
                    let mut new = missing_actual(ex, &cur, phase);
                    if new.is_empty() {
                        new = null_endorsed(ex, &cur, phase);
                    }
                    new.retain(|c| !changes.contains(c));
                    if new.is_empty() {
                        break;
                    }
                    new
                }
            };
            if derived.is_empty() {
                break 'phases;
            }
            for c in derived {
                merge_change(&mut changes, c);
            }
            cur = apply(ex, &changes);
        }
    }

    if changes.is_empty() {
        return None;
    }
    let mut verified = verify(ex, &changes);
    let mut creds_split = if unknown_creds { creds_split } else { None };
    if !verified.is_empty() {
        // Smallest: drop every change the verified result does not need (a
        // `Location` fix on a redirect the client change removed, ...).
        let (kept, split) = prune(ex, changes, creds_split, &verified);
        changes = kept;
        creds_split = split;
        verified = verify(ex, &changes);
    }
    sort_changes(&mut changes, creds_split);
    let summary = summarize(ex, &changes, creds_split);
    let snippets = crate::report::snippets::snippets(ex, &changes);
    let verification = verification(ex, &changes, &verified);
    Some(Fix {
        summary,
        changes,
        verified,
        verification,
        snippets,
        stack: None,
    })
}

/// What the verification means, in words (`Fix::verification`): the
/// browsers it holds in, and, where the actual response was never observed
/// (the preflight or a redirect stopped the request), that the check ran
/// against a modelled response carrying only the changed headers: the fix
/// holds if the server answers the actual request with them.
pub fn verification(ex: &Exchange, changes: &[Change], verified: &[Browser]) -> Option<Text> {
    let browsers = match verified {
        [] => return None,
        [Browser::Chromium] => "Chromium",
        [Browser::Firefox] => "Firefox",
        _ => "Chromium and Firefox",
    };
    let actual: Vec<Text> = changes
        .iter()
        .filter(|c| c.stage == Stage::Actual && c.action == ChangeAction::SetHeader)
        .map(|c| header_line(&c.target, c.value.as_deref().unwrap_or("")))
        .collect();
    if !unanswered(ex) || actual.is_empty() {
        return Some(Text::new("fix.verified", "Verified in {browsers}: the exchange with these changes passes every check.", &[("browsers", browsers)]));
    }
    Some(Text::with_parts(
        "fix.verified-assuming",
        "Verified in {browsers}, assuming the server answers the actual request with {headers}: the actual response was never observed, so the check ran against a modelled one.",
        &[("browsers", browsers)],
        vec![("headers", Part::list(ListStyle::And, actual))],
    ))
}

/// Orders the changes for display: client changes first, then the
/// preflight, the redirects and the actual response; within a stage the
/// status, `Location`, then ACAO, ACAC, ACAM, ACAH. Each credentials phase
/// is ordered on its own so the split index stays valid.
fn sort_changes(changes: &mut [Change], split: Option<usize>) {
    fn header_rank(t: &str) -> u8 {
        [ACAO, ACAC, ACAM, ACAH]
            .iter()
            .position(|h| h.eq_ignore_ascii_case(t))
            .map(|p| p as u8)
            .unwrap_or(9)
    }
    let key = |c: &Change| {
        let action = match c.action {
            ChangeAction::Client => 0u8,
            ChangeAction::SetStatus => 1,
            ChangeAction::SetLocation => 2,
            ChangeAction::SetHeader | ChangeAction::RemoveHeader => 3,
        };
        (stage_rank(c.stage), c.hop, action, header_rank(&c.target))
    };
    let at = split.unwrap_or(changes.len()).min(changes.len());
    let (a, b) = changes.split_at_mut(at);
    crate::core::order::sort_by_key(a, key);
    crate::core::order::sort_by_key(b, key);
}

/// Greedy removal, last change first, of changes whose removal keeps the
/// same verified browsers. Keeps the phase split index in step.
fn prune(
    ex: &Exchange,
    changes: Vec<Change>,
    split: Option<usize>,
    target: &[Browser],
) -> (Vec<Change>, Option<usize>) {
    let mut cur: Vec<(Change, bool)> = changes
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, split.is_some_and(|s| i >= s)))
        .collect();
    let mut i = cur.len();
    while i > 0 {
        i -= 1;
        if cur.len() <= 1 {
            break;
        }
        // Client changes answer what only the browser reports (Local Network
        // Access, modes, prefs); the model of the patched exchange cannot
        // always re-check those (a modelled response means the request got
        // through), so they are never pruned.
        if cur
            .get(i)
            .is_some_and(|(c, _)| c.action == ChangeAction::Client)
        {
            continue;
        }
        let mut trial = cur.clone();
        trial.remove(i);
        let list: Vec<Change> = trial.iter().map(|(c, _)| c.clone()).collect();
        if verify(ex, &list) == target {
            cur = trial;
        }
    }
    let new_split = split.map(|_| cur.iter().take_while(|(_, second)| !second).count());
    (cur.into_iter().map(|(c, _)| c).collect(), new_split)
}

/// Whether an outcome counts as passing after a fix: `Allowed`, or, for a
/// request the page made in `no-cors` mode, `NotCors` (an opaque response is
/// all such a request can get, and it is no longer blocked).
fn passes(ex: &Exchange, v: Verdict) -> bool {
    v == Verdict::Allowed || (v == Verdict::NotCors && ex.page.mode == Some(Mode::NoCors))
}

/// The browsers in which `apply(ex, changes)` is allowed under every relevant
/// credentials assumption, with no security finding and no weakening change.
/// Empty when any of that fails.
pub fn verify(ex: &Exchange, changes: &[Change]) -> Vec<Browser> {
    let all = assumptions(ex);
    if changes.iter().any(|c| weakens(c, &all)) {
        return Vec::new();
    }
    let patched = apply(ex, changes);
    if has_security_finding(&patched) || introduces_star_with_credentials(ex, &patched) {
        return Vec::new();
    }
    Browser::ALL
        .iter()
        .copied()
        .filter(|b| {
            all.iter()
                .all(|&cred| passes(ex, evaluate(&patched, *b, cred).verdict))
        })
        .collect()
}

/// True when a change would introduce `*` with credentials, a `null` origin,
/// or credentials with a wildcard origin.
fn weakens(c: &Change, assumptions: &[bool]) -> bool {
    if c.action != ChangeAction::SetHeader {
        return false;
    }
    let v = c.value.as_deref().map(str::trim).unwrap_or("");
    if c.target.eq_ignore_ascii_case(ACAO) {
        v.eq_ignore_ascii_case("null") || (v == "*" && assumptions.contains(&true))
    } else {
        false
    }
}

/// Security problems in a (patched) exchange: any `Severity::Security`
/// finding of `crate::report::findings`, plus a `null` origin allowed on any
/// response of the chain (redirects included).
fn has_security_finding(ex: &Exchange) -> bool {
    if crate::report::findings::findings(ex)
        .iter()
        .any(|f| f.severity == Severity::Security)
    {
        return true;
    }
    response_header_lists(ex).iter().any(|h| {
        h.values(ACAO)
            .any(|v| v.trim().eq_ignore_ascii_case("null"))
    })
}

/// True when the changes leave a response pairing `*` with
/// `Access-Control-Allow-Credentials: true` that did not before.
fn introduces_star_with_credentials(ex: &Exchange, patched: &Exchange) -> bool {
    let bad = |h: &[Header]| {
        h.values(ACAO).any(|v| v.trim() == "*") && h.values(ACAC).any(|v| v.trim() == "true")
    };
    let before: Vec<bool> = stages_of(ex)
        .iter()
        .map(|(s, i)| stage_headers(ex, *s, *i).is_some_and(bad))
        .collect();
    stages_of(patched).iter().enumerate().any(|(k, (s, i))| {
        stage_headers(patched, *s, *i).is_some_and(bad) && !before.get(k).copied().unwrap_or(false)
    })
}

fn stages_of(ex: &Exchange) -> Vec<(Stage, Option<usize>)> {
    let mut v = vec![(Stage::Preflight, None)];
    for i in 0..hop_count(ex) {
        v.push((Stage::Redirect, Some(i)));
        // The preflight sent after redirect i, if any (on the next leg).
        if hop_preflight(ex, Some(i)).is_some() {
            v.push((Stage::Preflight, Some(i)));
        }
    }
    v.push((Stage::Actual, None));
    v
}


/// The response to the request on the final leg (after every redirect).
fn final_response(ex: &Exchange) -> Option<&Response> {
    ex.legs.get(hop_count(ex))?.response.as_ref()
}

/// The response at a stage: a preflight's (`None`: no response to it),
/// a redirect hop's, the final one.
fn stage_response(ex: &Exchange, stage: Stage, hop: Option<usize>) -> Option<&Response> {
    match stage {
        Stage::Preflight => hop_preflight(ex, hop)?.response.as_ref(),
        Stage::Redirect => ex.legs.get(hop?)?.response.as_ref(),
        Stage::Actual => final_response(ex),
        Stage::Request => None,
    }
}

fn response_header_lists(ex: &Exchange) -> Vec<&[Header]> {
    let mut out: Vec<&[Header]> = Vec::new();
    for (stage, hop) in stages_of(ex) {
        if let Some(h) = stage_headers(ex, stage, hop) {
            out.push(h);
        }
    }
    out
}

/// The first blocked outcome over `creds` (in order) × both browsers.
fn first_blocked(ex: &Exchange, creds: &[bool]) -> Option<(Browser, bool, Failure)> {
    for &cred in creds {
        for b in Browser::ALL {
            let o: Outcome = evaluate(ex, b, cred);
            if o.verdict == Verdict::Blocked {
                if let Some(f) = o.failure {
                    return Some((b, cred, f));
                }
            }
        }
    }
    None
}

fn any_unknown(ex: &Exchange, creds: &[bool]) -> bool {
    creds.iter().any(|&c| {
        Browser::ALL
            .iter()
            .any(|&b| evaluate(ex, b, c).verdict == Verdict::Unknown)
    })
}

fn null_allowed_anywhere(ex: &Exchange) -> bool {
    response_header_lists(ex)
        .iter()
        .any(|h| h.values(ACAO).any(|v| v.trim() == "null"))
}

/// Adds `c`, replacing an earlier change of the same kind on the same target.
fn merge_change(changes: &mut Vec<Change>, c: Change) {
    let same = |a: &Change| {
        a.stage == c.stage
            && a.hop == c.hop
            && a.target.eq_ignore_ascii_case(&c.target)
            && (a.action == c.action
                || (matches!(
                    a.action,
                    ChangeAction::SetHeader | ChangeAction::RemoveHeader
                ) && matches!(
                    c.action,
                    ChangeAction::SetHeader | ChangeAction::RemoveHeader
                )))
    };
    if let Some(slot) = changes.iter_mut().find(|a| same(a)) {
        *slot = c;
    } else {
        changes.push(c);
    }
}

fn set_header(stage: Stage, hop: Option<usize>, name: &str, value: &str) -> Change {
    Change {
        stage,
        hop,
        action: ChangeAction::SetHeader,
        target: name.to_string(),
        value: Some(value.to_string()),
    }
}

fn client(target: &str, value: Option<String>) -> Change {
    Change {
        stage: Stage::Request,
        hop: None,
        action: ChangeAction::Client,
        target: target.to_string(),
        value,
    }
}

// ---------------------------------------------------------------------------
// Origins and what was requested (the facts themselves: `facts`).

/// The page's origin ([`facts::page_origin`]).
pub fn page_origin(ex: &Exchange) -> Option<String> {
    facts::page_origin(ex).map(str::to_string)
}

/// Where the request ended up: the final leg's URL as recorded, else (the
/// chain stopped at a redirect) that redirect's target, else the first URL.
pub fn final_url(ex: &Exchange) -> String {
    if let Some(leg) = ex.legs.get(hop_count(ex)).filter(|l| !l.url.trim().is_empty()) {
        return leg.url.clone();
    }
    match Route::new(ex).final_url() {
        Some(u) => u.to_string(),
        None => ex.url().to_string(),
    }
}

/// The `Origin` the browser sent at a stage ([`facts::Route`]): recorded
/// there, else the page's origin, `null` once a redirect tainted it. A
/// preflight after a redirect: Chromium's (the `Origin` of the request on
/// that leg; [`facts::preflight_origin`]).
pub fn origin_at(ex: &Exchange, stage: Stage, hop: Option<usize>) -> Option<String> {
    let route = Route::new(ex);
    let page = route.page_origin?;
    let o = match stage {
        Stage::Request => Some(page),
        Stage::Preflight => facts::preflight_origin(ex, &route, preflight_leg(hop)?, Browser::Chromium),
        Stage::Redirect => route.origin(hop?),
        Stage::Actual => route.origin(route.hops),
    };
    o.map(str::to_string)
}

/// The headers of the response at a stage; a preflight that got no
/// response has none (an empty list).
fn stage_headers(ex: &Exchange, stage: Stage, hop: Option<usize>) -> Option<&[Header]> {
    match stage {
        Stage::Preflight => hop_preflight(ex, hop).map(|p| p.response.as_ref().map(|r| r.headers.as_slice()).unwrap_or(&[])),
        _ => stage_response(ex, stage, hop).map(|r| r.headers.as_slice()),
    }
}

/// The method the preflight asked for (`Access-Control-Request-Method`), else
/// the request's method as fetch()/XHR normalize it.
fn requested_method(ex: &Exchange, hop: Option<usize>) -> String {
    if let Some(m) = hop_preflight(ex, hop).and_then(|p| p.request_headers.first_trimmed("Access-Control-Request-Method")) {
        return m.to_string();
    }
    crate::core::fetch::safelist::normalize_method(ex.page.method().trim())
}

/// Request header names the preflight asked for (lower-cased): the observed
/// `Access-Control-Request-Headers`, else the CORS-unsafe names of the
/// author's headers (`page.authorHeaders`, else the first leg's request
/// headers without the ones browsers add themselves), in either browser.
fn requested_headers(ex: &Exchange, hop: Option<usize>) -> Vec<String> {
    if let Some(p) = hop_preflight(ex, hop) {
        if p.request_headers.has("Access-Control-Request-Headers") {
            let mut v: Vec<String> =
                p.request_headers.list("Access-Control-Request-Headers").map(|s| s.to_ascii_lowercase()).collect();
            crate::core::order::sort(&mut v);
            v.dedup();
            return v;
        }
    }
    let sent = ex.legs.first().map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
    let mut v: Vec<String> = Vec::new();
    for b in Browser::ALL {
        v.extend(crate::core::fetch::safelist::request_unsafe_header_names(ex.page.author_headers.as_deref(), sent, b));
    }
    v.retain(|n| is_token(n));
    crate::core::order::sort(&mut v);
    v.dedup();
    v
}

// ---------------------------------------------------------------------------
// Deriving a change from a failure.

/// The kind of change that answers a failure: the reason's own
/// ([`crate::core::reason::ReasonId::fix_kind`], an exhaustive table).
use crate::core::reason::FixKind as Kind;

fn classify(f: &Failure) -> Kind {
    f.reason.fix_kind()
}

/// The change(s) answering one failure. `ex` is the original exchange, `cur`
/// the exchange with the changes so far applied.
fn derive(ex: &Exchange, cur: &Exchange, f: &Failure, cred: bool) -> Vec<Change> {
    let stage = f.evidence.stage;
    // Redirect hops, and preflights sent after a redirect, carry their hop.
    let hop = if matches!(stage, Stage::Redirect | Stage::Preflight) {
        f.evidence.hop
    } else {
        None
    };
    let kind = classify(f);
    // A response the browser reached with `Origin: null` because a redirect
    // crossed origins: any server change there would endorse `null`; the
    // fix is to request the final URL directly.
    if matches!(stage, Stage::Actual | Stage::Redirect) && matches!(kind, Kind::Acao | Kind::Acac) {
        let tainted = origin_at(cur, stage, hop).as_deref() == Some("null")
            && page_origin(cur).is_some_and(|p| p != "null");
        if tainted {
            return acao_changes(ex, cur, stage, hop, cred);
        }
    }
    match kind {
        Kind::Acao => acao_changes(ex, cur, stage, hop, cred),
        Kind::Acac => {
            let mut v = vec![set_header(stage, hop, ACAC, "true")];
            if stage == Stage::Preflight && hop.is_none() && unanswered(ex) {
                v.push(set_header(Stage::Actual, None, ACAC, "true"));
            }
            v
        }
        Kind::Acam => acam_change(cur, hop).into_iter().collect(),
        Kind::Acah => acah_change(cur, hop, f.parameter.as_deref(), cred)
            .into_iter()
            .collect(),
        Kind::PreflightStatus | Kind::PreflightRedirect => preflight_status_changes(cur, hop),
        Kind::Userinfo => userinfo_change(cur, hop).into_iter().collect(),
        Kind::NotHttp => {
            let url = cur.url().trim();
            let https = url::Url::parse(url)
                .ok()
                .filter(|u| u.host_str().is_some())
                .and_then(|u| {
                    let rest = u.as_str().split_once(':').map(|(_, r)| r.to_string())?;
                    Some(format!("https:{rest}"))
                });
            match https {
                Some(u) => vec![client(client::URL, Some(u))],
                None => vec![client(client::SCHEME, Some("https".into()))],
            }
        }
        Kind::Mode => vec![client(client::MODE, Some("cors".into()))],
        Kind::RedirectMode => vec![client(client::REDIRECT, Some("follow".into()))],
        Kind::CorsDisabledPref => vec![client(client::CORS_DISABLE_PREF, Some("false".into()))],
        Kind::OriginHeaderNotAdded => vec![client(client::CONTEXT, Some("page".into()))],
        Kind::LnaInsecure => vec![client(client::SECURE_CONTEXT, Some("true".into()))],
        Kind::LnaPermission => vec![client(client::LNA_PERMISSION, Some("granted".into()))],
        Kind::LnaMismatch => {
            let space = cur
                .context
                .as_ref()
                .and_then(|c| c.target_address_space.clone());
            match space {
                Some(s) => vec![client(client::TARGET_ADDRESS_SPACE, Some(s))],
                None => Vec::new(),
            }
        }
        Kind::Unfixable => Vec::new(),
    }
}

/// `Access-Control-Allow-Origin` for a stage: the exact origin the browser
/// sent there. A `null` origin caused by a redirect is answered on the client
/// (request the final URL directly); a page whose own origin is opaque gets
/// `*` only when the request is known to carry no credentials, else a client
/// change (serve the page from an http(s) origin).
fn acao_changes(
    ex: &Exchange,
    cur: &Exchange,
    stage: Stage,
    hop: Option<usize>,
    cred: bool,
) -> Vec<Change> {
    let Some(page) = page_origin(cur) else {
        return Vec::new();
    };
    let Some(sent) = origin_at(cur, stage, hop) else {
        return Vec::new();
    };
    let value = if sent == "null" {
        if page != "null" {
            let target = final_url(cur);
            if target.trim() == cur.url().trim() {
                return Vec::new();
            }
            return vec![client(client::URL, Some(target))];
        }
        if !cred && matches!(ex.page.credentials, Some(Credentials::Omit)) {
            "*".to_string()
        } else {
            return vec![client(client::ORIGIN, None)];
        }
    } else {
        sent
    };
    let mut v = vec![set_header(stage, hop, ACAO, &value)];
    if stage == Stage::Preflight && hop.is_none() && unanswered(ex) {
        v.push(set_header(Stage::Actual, None, ACAO, &value));
        if cred {
            v.push(set_header(Stage::Actual, None, ACAC, "true"));
        }
    }
    v
}

fn acam_change(cur: &Exchange, hop: Option<usize>) -> Option<Change> {
    let method = requested_method(cur, hop);
    let pf_headers = stage_headers(cur, Stage::Preflight, hop);
    let existing: Vec<String> =
        pf_headers.map(|h| h.list(ACAM).map(str::to_string).collect()).unwrap_or_default();
    // `*` is a wildcard only without credentials: for a request known to be
    // credentialed it is a literal method name, dropped as dead weight.
    let credentialed = cur.page.credentials == Some(Credentials::Include);
    let mut items: Vec<String> = Vec::new();
    for i in existing {
        if is_token(&i) && !items.contains(&i) && !(credentialed && i == "*") {
            items.push(i);
        }
    }
    if is_token(&method) && !items.contains(&method) {
        items.push(method);
    }
    let value = items.join(", ");
    let unchanged = pf_headers
        .map(|h| h.count(ACAM) == 1 && h.combined(ACAM).as_deref() == Some(value.as_str()))
        .unwrap_or(false);
    if value.is_empty() || unchanged {
        return None;
    }
    Some(set_header(Stage::Preflight, hop, ACAM, &value))
}

fn acah_change(
    cur: &Exchange,
    hop: Option<usize>,
    parameter: Option<&str>,
    cred: bool,
) -> Option<Change> {
    let pf_headers = stage_headers(cur, Stage::Preflight, hop);
    let existing: Vec<String> =
        pf_headers.map(|h| h.list(ACAH).map(str::to_string).collect()).unwrap_or_default();
    let credentialed = cur.page.credentials == Some(Credentials::Include);
    let mut items: Vec<String> = Vec::new();
    for i in existing {
        if is_token(&i)
            && !items.iter().any(|x| x.eq_ignore_ascii_case(&i))
            && !(credentialed && i == "*")
        {
            items.push(i);
        }
    }
    let mut wanted = requested_headers(cur, hop);
    if let Some(p) = parameter.map(|p| p.trim().to_ascii_lowercase()) {
        if is_token(&p) && !wanted.contains(&p) {
            wanted.push(p);
        }
    }
    let star = items.iter().any(|i| i == "*") && !cred;
    for w in wanted {
        let covered =
            items.iter().any(|i| i.eq_ignore_ascii_case(&w)) || (star && w != "authorization");
        if !covered {
            items.push(w);
        }
    }
    let value = items.join(", ");
    let present = pf_headers.is_some_and(|h| h.has(ACAH));
    if value.is_empty() {
        // Only invalid items, nothing requested: drop the header.
        return present.then(|| Change {
            stage: Stage::Preflight,
            hop,
            action: ChangeAction::RemoveHeader,
            target: ACAH.into(),
            value: None,
        });
    }
    let unchanged = pf_headers
        .map(|h| h.count(ACAH) == 1 && h.combined(ACAH).as_deref() == Some(value.as_str()))
        .unwrap_or(false);
    if unchanged {
        return None;
    }
    Some(set_header(Stage::Preflight, hop, ACAH, &value))
}

fn preflight_status_changes(cur: &Exchange, hop: Option<usize>) -> Vec<Change> {
    let Some(p) = hop_preflight(cur, hop) else {
        return Vec::new();
    };
    let mut v = Vec::new();
    if p.response.as_ref().map(|r| r.status) != Some(204) {
        v.push(Change {
            stage: Stage::Preflight,
            hop,
            action: ChangeAction::SetStatus,
            target: "status".into(),
            value: Some("204".into()),
        });
    }
    if p.response.as_ref().is_some_and(|r| r.headers.has(LOCATION)) {
        v.push(Change {
            stage: Stage::Preflight,
            hop,
            action: ChangeAction::SetLocation,
            target: LOCATION.into(),
            value: None,
        });
    }
    v
}

fn userinfo_change(cur: &Exchange, hop: Option<usize>) -> Option<Change> {
    fn location(l: &Leg) -> Option<&str> {
        l.response.as_ref().and_then(|r| r.headers.first_value(LOCATION))
    }
    let i = hop.or_else(|| cur.legs.iter().position(|l| location(l).is_some_and(|v| v.contains('@'))))?;
    let loc = location(cur.legs.get(i)?)?;
    let route = Route::new(cur);
    let mut u = route.legs.get(i)?.target.clone()?;
    u.set_username("").ok()?;
    u.set_password(None).ok()?;
    let clean = u.to_string();
    if clean == trim_ows(loc) {
        return None;
    }
    Some(Change {
        stage: Stage::Redirect,
        hop: Some(i),
        action: ChangeAction::SetLocation,
        target: LOCATION.into(),
        value: Some(clean),
    })
}

/// Fallback when the targeted change made no progress: everything the stage
/// needs (exact origin, credentials when credentialed, method and headers,
/// 204) in one go.
fn stage_complete(
    ex: &Exchange,
    cur: &Exchange,
    stage: Stage,
    hop: Option<usize>,
    cred: bool,
) -> Vec<Change> {
    let mut v = Vec::new();
    if stage == Stage::Request {
        return v;
    }
    if let Some(h) = stage_headers(cur, stage, hop) {
        let want = origin_at(cur, stage, hop);
        if let Some(o) = want.filter(|o| o != "null") {
            if h.count(ACAO) != 1 || h.values(ACAO).next().map(str::trim) != Some(o.as_str()) {
                v.extend(acao_changes(ex, cur, stage, hop, cred));
            }
        }
        if cred && (h.count(ACAC) != 1 || h.values(ACAC).next().map(str::trim) != Some("true")) {
            v.push(set_header(stage, hop, ACAC, "true"));
        }
    }
    if stage == Stage::Preflight {
        v.extend(preflight_status_changes(cur, hop));
        v.extend(acam_change(cur, hop));
        v.extend(acah_change(cur, hop, None, cred));
    }
    v
}

/// True when the request itself got no answer: the final leg (after every
/// redirect) has no response, or was never reached.
fn unanswered(ex: &Exchange) -> bool {
    final_response(ex).is_none()
}

/// With no actual response observed (the preflight or a redirect failed, so
/// the request never got that far), once everything before it passes the
/// actual response needs the origin headers too: the exact origin it will be
/// sent with (or the client change when a redirect taints it to `null`), and
/// credentials when credentialed.
fn missing_actual(ex: &Exchange, cur: &Exchange, phase: &[bool]) -> Vec<Change> {
    if !unanswered(ex) || final_response(cur).is_some_and(|r| r.headers.has(ACAO)) {
        return Vec::new();
    }
    let cred = phase.contains(&true);
    let mut v = acao_changes(ex, cur, Stage::Actual, None, cred);
    if cred && v.iter().any(|c| c.stage == Stage::Actual) {
        v.push(set_header(Stage::Actual, None, ACAC, "true"));
    }
    v
}

/// Allowed, but only because a response allows the `null` origin that a
/// cross-origin redirect gave the request (a security finding): request the
/// final URL directly instead, so the server can allow the real origin.
fn null_endorsed(ex: &Exchange, cur: &Exchange, phase: &[bool]) -> Vec<Change> {
    if page_origin(cur).is_none_or(|p| p == "null") {
        return Vec::new();
    }
    let cred = phase.contains(&true);
    for (stage, hop) in stages_of(cur) {
        if stage == Stage::Preflight {
            continue;
        }
        let allows_null = stage_headers(cur, stage, hop)
            .is_some_and(|h| h.values(ACAO).any(|v| v.trim() == "null"));
        if allows_null && origin_at(cur, stage, hop).as_deref() == Some("null") {
            return acao_changes(ex, cur, stage, hop, cred);
        }
    }
    Vec::new()
}

// ---------------------------------------------------------------------------
// The summary.

/// Where a change goes, as a message (`fix.where.*`): a translation renders
/// it by id, not the English words.
fn stage_name(stage: Stage, hop: Option<usize>) -> Text {
    match stage {
        Stage::Preflight => match hop {
            None => Text::plain("fix.where.preflight", "the preflight"),
            Some(k) => Text::new(
                "fix.where.preflight-after-redirect",
                "the preflight after redirect {n}",
                &[("n", &k.saturating_add(1).to_string())],
            ),
        },
        Stage::Actual => Text::plain("fix.where.actual", "the actual response"),
        Stage::Redirect => Text::new(
            "fix.where.redirect",
            "redirect {n}",
            &[("n", &hop.map(|h| h.saturating_add(1)).unwrap_or(1).to_string())],
        ),
        Stage::Request => Text::plain("fix.where.request", "the request"),
    }
}

/// One header line to send, as a list item (`fix.header-line`).
fn header_line(name: &str, value: &str) -> Text {
    Text::new("fix.header-line", "`{header}: {value}`", &[("header", name), ("value", value)])
}

fn stage_rank(stage: Stage) -> u8 {
    match stage {
        Stage::Request => 0,
        Stage::Preflight => 1,
        Stage::Redirect => 2,
        Stage::Actual => 3,
    }
}

/// One phrase per group of changes (same action, header and value over
/// several stages).
fn phrases(ex: &Exchange, changes: &[Change]) -> Vec<Text> {
    let mut out = Vec::new();
    let mut done = vec![false; changes.len()];
    for (i, c) in changes.iter().enumerate() {
        if done.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(d) = done.get_mut(i) {
            *d = true;
        }
        match c.action {
            ChangeAction::SetHeader
                if c.stage == Stage::Actual
                    && unanswered(ex)
                    && !changes.iter().any(|d| {
                        d.target.eq_ignore_ascii_case(&c.target)
                            && d.value == c.value
                            && d.stage != Stage::Actual
                            && d.stage != Stage::Request
                    }) =>
            {
                // The actual response was never observed: one phrase for
                // every header it must carry.
                let mut lines = vec![header_line(&c.target, c.value.as_deref().unwrap_or_default())];
                for (j, d) in changes.iter().enumerate().skip(i + 1) {
                    let alone = !changes.iter().any(|e| {
                        e.target.eq_ignore_ascii_case(&d.target)
                            && e.value == d.value
                            && e.stage != Stage::Actual
                            && e.stage != Stage::Request
                    });
                    if d.action == ChangeAction::SetHeader && d.stage == Stage::Actual && alone {
                        lines.push(header_line(&d.target, d.value.as_deref().unwrap_or_default()));
                        if let Some(x) = done.get_mut(j) {
                            *x = true;
                        }
                    }
                }
                out.push(Text::with_parts(
                    "fix.summary.ensure-headers",
                    "Make sure the actual response also carries {headers} (the request never got that far, so it was not observed)",
                    &[],
                    vec![("headers", Part::list(ListStyle::And, lines))],
                ));
            }
            ChangeAction::SetHeader | ChangeAction::RemoveHeader => {
                let mut stages = vec![(c.stage, c.hop)];
                for (j, d) in changes.iter().enumerate().skip(i + 1) {
                    if d.action == c.action
                        && d.target.eq_ignore_ascii_case(&c.target)
                        && d.value == c.value
                        && d.stage != Stage::Request
                    {
                        stages.push((d.stage, d.hop));
                        if let Some(x) = done.get_mut(j) {
                            *x = true;
                        }
                    }
                }
                crate::core::order::sort_by_key(&mut stages, |(s, h)| (stage_rank(*s), *h));
                let names: Vec<Text> = stages.iter().map(|(s, h)| stage_name(*s, *h)).collect();
                let place = || vec![("where", Part::list(ListStyle::And, names.clone()))];
                let existed = stages
                    .iter()
                    .any(|(s, h)| stage_headers(ex, *s, *h).is_some_and(|l| l.has(&c.target)));
                let existed_everywhere = stages
                    .iter()
                    .all(|(s, h)| stage_headers(ex, *s, *h).is_some_and(|l| l.has(&c.target)));
                let lines = stages
                    .iter()
                    .map(|(s, h)| {
                        stage_headers(ex, *s, *h)
                            .map(|l| l.count(&c.target))
                            .unwrap_or(0)
                    })
                    .max()
                    .unwrap_or(0);
                let value = c.value.clone().unwrap_or_default();
                if c.action == ChangeAction::RemoveHeader {
                    out.push(Text::with_parts(
                        "fix.summary.remove-header",
                        "Remove `{header}` from {where}",
                        &[("header", &c.target)],
                        place(),
                    ));
                } else if lines > 1 {
                    out.push(Text::with_parts(
                        "fix.summary.single-header",
                        "Send exactly one `{header}: {value}` line on {where} (it is sent {count} times now)",
                        &[("header", &c.target), ("value", &value), ("count", &lines.to_string())],
                        place(),
                    ));
                } else if existed && !existed_everywhere {
                    out.push(Text::with_parts(
                        "fix.summary.send-header",
                        "Send `{header}: {value}` on {where}",
                        &[("header", &c.target), ("value", &value)],
                        place(),
                    ));
                } else if existed {
                    out.push(Text::with_parts(
                        "fix.summary.set-header",
                        "Change `{header}` to `{value}` on {where}",
                        &[("header", &c.target), ("value", &value)],
                        place(),
                    ));
                } else {
                    out.push(Text::with_parts(
                        "fix.summary.add-header",
                        "Add `{header}: {value}` to {where}",
                        &[("header", &c.target), ("value", &value)],
                        place(),
                    ));
                }
            }
            ChangeAction::SetStatus => {
                let old = match c.stage {
                    Stage::Request => None,
                    stage => stage_response(ex, stage, c.hop).map(|r| r.status.to_string()),
                }
                .unwrap_or_else(|| "?".into());
                let value = c.value.clone().unwrap_or_default();
                let place = vec![("where", Part::message(stage_name(c.stage, c.hop)))];
                if c.stage == Stage::Preflight {
                    out.push(Text::with_parts(
                        "fix.summary.preflight-status",
                        "Answer {where} (`OPTIONS`) with status {value} instead of {old}, before any authentication or redirect",
                        &[("value", &value), ("old", &old)],
                        place,
                    ));
                } else {
                    out.push(Text::with_parts(
                        "fix.summary.set-status",
                        "Answer {where} with status {value} instead of {old}",
                        &[("value", &value), ("old", &old)],
                        place,
                    ));
                }
            }
            ChangeAction::SetLocation => match &c.value {
                None => out.push(Text::with_parts(
                    "fix.summary.no-redirect",
                    "Do not redirect {where}",
                    &[],
                    vec![("where", Part::message(stage_name(c.stage, c.hop)))],
                )),
                Some(v) => out.push(Text::with_parts(
                    "fix.summary.set-location",
                    "Make the `Location` of {where} `{value}` (no user name or password in it)",
                    &[("value", v)],
                    vec![("where", Part::message(stage_name(c.stage, c.hop)))],
                )),
            },
            ChangeAction::Client => out.push(client_phrase(ex, c)),
        }
    }
    out
}

fn client_phrase(ex: &Exchange, c: &Change) -> Text {
    let value = c.value.clone().unwrap_or_default();
    match c.target.as_str() {
        client::URL if hop_count(ex) > 0 => Text::new(
            "fix.summary.client.final-url",
            "Request `{value}` directly from the page: the redirect through another origin makes the browser send `Origin: null`, and allowing `null` would let any sandboxed page read the response",
            &[("value", &value)],
        ),
        client::URL => Text::new("fix.summary.client.url", "Request `{value}` from the page instead (an http or https URL)", &[("value", &value)]),
        client::REDIRECT => Text::plain(
            "fix.summary.client.redirect",
            "Use `redirect: 'follow'` (the default) in the page's request: a `no-cors` request may not use another redirect mode",
        ),
        client::SCHEME => Text::plain("fix.summary.client.scheme", "Serve the resource over https (or http) and request it by that URL: browsers allow cross-origin requests only to http(s) URLs"),
        client::MODE => Text::new("fix.summary.client.mode", "Make the request with `mode: '{value}'` (a `same-origin` request cannot go to another origin)", &[("value", &value)]),
        client::ORIGIN => Text::plain(
            "fix.summary.client.origin",
            "Serve the page from an http(s) origin (not a file, a data: URL or a sandboxed frame): its origin is `null`, and a server must never allow `null`",
        ),
        client::CORS_DISABLE_PREF => Text::plain(
            "fix.summary.client.cors-pref",
            "Set `content.cors.disable` back to `false` in Firefox's about:config: with it on, Firefox blocks every cross-origin request",
        ),
        client::CONTEXT => Text::plain(
            "fix.summary.client.context",
            "Make the request from the page's own script or from the extension's background, not from a content script mixing the page's and the extension's principals",
        ),
        client::SECURE_CONTEXT => Text::plain(
            "fix.summary.client.secure-context",
            "Serve the page over HTTPS: a non-secure page may not reach a more private address space",
        ),
        client::LNA_PERMISSION => Text::plain(
            "fix.summary.client.lna-permission",
            "Grant the page the local network access permission (and delegate it with `allow=\"local-network\"` to iframes)",
        ),
        client::TARGET_ADDRESS_SPACE => Text::new(
            "fix.summary.client.target-address-space",
            "Declare `targetAddressSpace: '{value}'` on fetch(), matching where the resource really is",
            &[("value", &value)],
        ),
        _ => Text::new("fix.summary.client.other", "Change the page's request: {target}", &[("target", &c.target)]),
    }
}

/// The phrases as one translatable part: a `steps` list (English "a; b").
fn steps(list: Vec<Text>) -> Part {
    Part::list(ListStyle::Steps, list)
}

/// The fix in one line. One change group: its own template. Several:
/// `fix.summary.several`, whose `changes` part is the list of phrases (each
/// its own message, joined with the `steps` list pattern), so a translation
/// renders every phrase by id and joins them in its own way. With unknown
/// credentials, the credentials-only part is introduced as conditional
/// (`fix.summary.if-credentialed`, two lists).
fn summarize(ex: &Exchange, changes: &[Change], creds_split: Option<usize>) -> Text {
    let split = creds_split.unwrap_or(changes.len()).min(changes.len());
    let (base, extra) = changes.split_at(split);
    let base_p = phrases(ex, base);
    let extra_p = phrases(ex, extra);
    let preflight_client_note = preflight_only_because_of_content_type(ex);
    let main = match (base_p.len(), extra_p.len()) {
        (0, 0) => Text::plain("fix.summary.none", "No change found"),
        (0, _) => Text::with_parts(
            "fix.summary.only-if-credentialed",
            "If the page sends credentials (cookies, `credentials: 'include'`, `withCredentials`): {changes}",
            &[],
            vec![("changes", steps(extra_p))],
        ),
        (1, 0) => base_p.into_iter().next().unwrap_or_else(|| Text::plain("fix.summary.none", "No change found")),
        (_, 0) => Text::with_parts("fix.summary.several", "{changes}", &[], vec![("changes", steps(base_p))]),
        (_, _) => Text::with_parts(
            "fix.summary.if-credentialed",
            "{changes}. If the page sends credentials (cookies, `credentials: 'include'`, `withCredentials`), also: {credentialed}",
            &[],
            vec![("changes", steps(base_p)), ("credentialed", steps(extra_p))],
        ),
    };
    match preflight_client_note {
        Some(ct) if changes.iter().any(|c| c.stage == Stage::Preflight) => Text::with_parts(
            "fix.summary.with-content-type-alternative",
            "{fix}. (Only `Content-Type: {type}` makes this request need a preflight; a page that can send `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data` instead avoids the preflight, but the server fix above is the real one.)",
            &[("type", &ct)],
            vec![("fix", Part::message(main))],
        ),
        _ => main,
    }
}

/// The non-safelisted Content-Type, when it is the only reason for a
/// preflight of a safelisted-method request.
fn preflight_only_because_of_content_type(ex: &Exchange) -> Option<String> {
    ex.legs.first()?.preflight.as_ref()?;
    let m = requested_method(ex, None);
    if !matches!(m.as_str(), "GET" | "HEAD" | "POST") {
        return None;
    }
    let names = requested_headers(ex, None);
    if names != ["content-type"] {
        return None;
    }
    let source: &[Header] = match &ex.page.author_headers {
        Some(a) => a,
        None => &ex.legs.first()?.request_headers,
    };
    let ct = source.first_value("content-type")?.trim();
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence.is_empty() || essence.len() > 100 || !essence.chars().all(|c| c.is_ascii_graphic()) {
        return None;
    }
    Some(essence.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::{PageRequest, Preflight};

    fn h(n: &str, v: &str) -> Header {
        Header::new(n, v)
    }

    fn base() -> Exchange {
        Exchange {
            page: PageRequest {
                method: Some("PUT".into()),
                origin: Some("https://app.example".into()),
                credentials: Some(Credentials::Include),
                mode: Some(Mode::Cors),
                ..PageRequest::default()
            },
            legs: vec![Leg {
                url: "https://api.example/data".into(),
                request_headers: vec![h("Origin", "https://app.example"), h("X-Token", "1")],
                preflight: Some(Preflight {
                    request_headers: vec![
                        h("Origin", "https://app.example"),
                        h("Access-Control-Request-Method", "PUT"),
                        h("Access-Control-Request-Headers", "x-token"),
                    ],
                    response: Some(Response { status: 404, headers: vec![h("Content-Type", "text/html")], headers_merged: false }),
                    error: None,
                }),
                ..Leg::default()
            }],
            ..Exchange::default()
        }
    }

    /// The first preflight's response, for editing.
    fn pf_resp(ex: &mut Exchange) -> &mut Response {
        ex.legs[0].preflight.as_mut().unwrap().response.get_or_insert_with(Response::default)
    }

    /// A redirect hop to `location`, before the first leg's URL is asked again.
    fn hop(url: &str, status: u16, location: &str) -> Leg {
        Leg {
            url: url.into(),
            response: Some(Response { status, headers: vec![h("Location", location)], headers_merged: false }),
            ..Leg::default()
        }
    }

    #[test]
    fn apply_set_header_replaces_every_line_in_place() {
        let mut ex = base();
        ex.legs[0].response = Some(Response {
            status: 200,
            headers: vec![
                h("A", "1"),
                h(ACAO, "*"),
                h("B", "2"),
                h("access-control-allow-origin", "*"),
            ],
            ..Response::default()
        });
        let p = apply(
            &ex,
            &[set_header(Stage::Actual, None, ACAO, "https://app.example")],
        );
        let r = p.legs[0].response.clone().unwrap();
        assert_eq!(
            r.headers,
            vec![h("A", "1"), h(ACAO, "https://app.example"), h("B", "2")]
        );
    }

    #[test]
    fn apply_creates_actual_response_when_preflight_blocked_it() {
        let ex = base();
        let p = apply(
            &ex,
            &[set_header(Stage::Actual, None, ACAO, "https://app.example")],
        );
        let r = p.legs[0].response.clone().unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.headers, vec![h(ACAO, "https://app.example")]);
    }

    #[test]
    fn apply_status_and_location() {
        let mut ex = base();
        let r = pf_resp(&mut ex);
        r.status = 301;
        r.headers.push(h("Location", "https://elsewhere.example/"));
        let p = apply(&ex, &preflight_status_changes(&ex, None));
        let pf = p.legs[0].preflight.clone().unwrap().response.unwrap();
        assert_eq!(pf.status, 204);
        assert!(!pf.headers.has("location"));
    }

    #[test]
    fn acam_keeps_valid_items_and_adds_method() {
        let mut ex = base();
        pf_resp(&mut ex).headers.push(h(ACAM, "GET, bad method, POST"));
        let c = acam_change(&ex, None).unwrap();
        assert_eq!(c.value.as_deref(), Some("GET, POST, PUT"));
    }

    #[test]
    fn acah_adds_exactly_missing_names() {
        let mut ex = base();
        if let Some(p) = &mut ex.legs[0].preflight {
            p.request_headers = vec![h(
                "Access-Control-Request-Headers",
                "authorization,content-type,x-token",
            )];
        }
        pf_resp(&mut ex).headers.push(h(ACAH, "Content-Type"));
        let c = acah_change(&ex, None, None, true).unwrap();
        assert_eq!(
            c.value.as_deref(),
            Some("Content-Type, authorization, x-token")
        );
        // `*` covers all but authorization when not credentialed
        ex.page.credentials = Some(Credentials::Omit);
        pf_resp(&mut ex).headers = vec![h(ACAH, "*")];
        let c = acah_change(&ex, None, None, false).unwrap();
        assert_eq!(c.value.as_deref(), Some("*, authorization"));
    }

    #[test]
    fn userinfo_is_removed_from_location() {
        let mut ex = base();
        ex.legs[0].response = hop("", 302, "https://user:pw@api.example/next").response;
        let c = userinfo_change(&ex, Some(0)).unwrap();
        assert_eq!(c.value.as_deref(), Some("https://api.example/next"));
        let p = apply(&ex, &[c]);
        assert_eq!(
            p.legs[0].response.as_ref().and_then(|r| r.headers.first_value("location")),
            Some("https://api.example/next")
        );
    }

    #[test]
    fn tainted_origin_after_cross_origin_redirect() {
        let mut ex = base();
        ex.legs[0].preflight = None;
        ex.page.method = Some("GET".into());
        ex.legs[0].response = hop("", 302, "https://cdn.example/file").response;
        ex.legs.push(Leg {
            url: "https://cdn.example/file".into(),
            response: Some(Response { status: 200, ..Response::default() }),
            ..Leg::default()
        });
        assert_eq!(
            origin_at(&ex, Stage::Redirect, Some(0)).as_deref(),
            Some("https://app.example")
        );
        assert_eq!(origin_at(&ex, Stage::Actual, None).as_deref(), Some("null"));
        let v = acao_changes(&ex, &ex, Stage::Actual, None, true);
        assert_eq!(
            v,
            vec![client(client::URL, Some("https://cdn.example/file".into()))]
        );
        let p = apply(&ex, &v);
        assert_eq!(p.legs.len(), 1);
        assert_eq!(p.url(), "https://cdn.example/file");
        assert_eq!(
            origin_at(&p, Stage::Actual, None).as_deref(),
            Some("https://app.example")
        );
    }

    #[test]
    fn same_origin_redirect_on_the_server_side_does_not_taint() {
        let mut ex = base();
        ex.legs[0] = hop("https://api.example/a", 302, "/b");
        assert_eq!(
            origin_at(&ex, Stage::Actual, None).as_deref(),
            Some("https://app.example")
        );
    }

    #[test]
    fn never_weakens() {
        let all = vec![false, true];
        assert!(weakens(&set_header(Stage::Actual, None, ACAO, "*"), &all));
        assert!(weakens(
            &set_header(Stage::Actual, None, ACAO, "null"),
            &[false]
        ));
        assert!(!weakens(
            &set_header(Stage::Actual, None, ACAO, "*"),
            &[false]
        ));
        assert!(!weakens(
            &set_header(Stage::Actual, None, ACAO, "https://app.example"),
            &all
        ));
    }

    #[test]
    fn assumptions_follow_credentials_mode() {
        let mut ex = base();
        assert_eq!(assumptions(&ex), vec![true]);
        ex.page.credentials = Some(Credentials::SameOrigin);
        assert_eq!(assumptions(&ex), vec![false]);
        ex.page.credentials = None;
        assert_eq!(assumptions(&ex), vec![false, true]);
    }

    /// Every (id, template) in a message tree.
    fn catalogue_of(t: &Text, out: &mut Vec<(String, String)>) {
        out.push((t.id.clone(), t.template.clone()));
        for p in t.parts.values() {
            match p {
                Part::Message(m) => catalogue_of(m, out),
                Part::List(l) => l.items.iter().for_each(|i| catalogue_of(i, out)),
            }
        }
    }

    #[test]
    fn several_changes_summary_exposes_each_phrase() {
        // Preflight 404 with credentials: status, origin and credentials on
        // the preflight and the actual response, methods, headers.
        let fix = propose(&base()).expect("a fix");
        let s = &fix.summary;
        assert_eq!(s.id, "fix.summary.several");
        assert_eq!(s.template, "{changes}");
        let Some(Part::List(l)) = s.parts.get("changes") else { panic!("no changes list: {s:?}") };
        assert_eq!(l.list, ListStyle::Steps);
        assert!(l.items.len() >= 3, "{:?}", l.items);
        for item in &l.items {
            assert!(item.id.starts_with("fix.summary."), "{}", item.id);
            assert_eq!(crate::report::message::render(&item.template, &item.params), item.text);
            // No phrase's English is baked into another parameter.
            for v in item.params.values() {
                assert!(!v.contains("; "), "{}: {v}", item.id);
            }
        }
        // The English is what it was: the phrases joined with "; ".
        let joined: Vec<&str> = l.items.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(s.text, joined.join("; "));
        assert_eq!(s.params.get("changes"), Some(&s.text));
        assert_eq!(crate::report::message::localize(s, &|_| None), s.text);
        assert_eq!(
            s.text,
            "Answer the preflight (`OPTIONS`) with status 204 instead of 404, before any authentication or redirect; \
             Add `Access-Control-Allow-Origin: https://app.example` to the preflight and the actual response; \
             Add `Access-Control-Allow-Credentials: true` to the preflight and the actual response; \
             Add `Access-Control-Allow-Methods: PUT` to the preflight; \
             Add `Access-Control-Allow-Headers: x-token` to the preflight"
        );
        // The places are messages too: a list of `fix.where.*`.
        let Some(Part::List(w)) = l.items.iter().find(|t| t.id == "fix.summary.add-header").and_then(|t| t.parts.get("where")) else {
            panic!("no where list")
        };
        assert_eq!(w.list, ListStyle::And);
        let ids: Vec<&str> = w.items.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["fix.where.preflight", "fix.where.actual"]);
    }

    #[test]
    fn several_changes_summary_relocalizes_from_ids() {
        let fix = propose(&base()).expect("a fix");
        let mut cat = Vec::new();
        catalogue_of(&fix.summary, &mut cat);
        // A pseudo-translation: every template bracketed, its own list patterns.
        let lookup = |id: &str| -> Option<String> {
            if id.starts_with("list.") {
                return Some(if id.starts_with("list.steps") { "{0} / {1}" } else { "{0} & {1}" }.to_string());
            }
            cat.iter().find(|(i, _)| i == id).map(|(_, t)| format!("[{t}]"))
        };
        let out = crate::report::message::localize(&fix.summary, &lookup);
        assert!(!out.contains("; "), "{out}");
        assert!(!out.contains(" and "), "{out}");
        assert!(out.starts_with("[[Answer [the preflight] (`OPTIONS`) with status 204"), "{out}");
        assert!(out.contains("[Add `Access-Control-Allow-Origin: https://app.example` to [the preflight] & [the actual response]] / "), "{out}");
    }

    #[test]
    fn conditional_summary_has_two_lists_and_nested_fix() {
        let mut ex = base();
        ex.page.credentials = None;
        let fix = propose(&ex).expect("a fix");
        let s = &fix.summary;
        assert_eq!(s.id, "fix.summary.if-credentialed", "{}", s.text);
        for key in ["changes", "credentialed"] {
            let Some(Part::List(l)) = s.parts.get(key) else { panic!("{key}: {s:?}") };
            assert!(!l.items.is_empty());
            assert_eq!(s.params.get(key).map(String::as_str), Some(Part::List(l.clone()).english().as_str()));
        }
        assert_eq!(crate::report::message::render(&s.template, &s.params), s.text);
        assert_eq!(crate::report::message::localize(s, &|_| None), s.text);
        // Content-Type alone needs the preflight: the fix is a nested message.
        let mut ex = base();
        ex.page.method = Some("POST".into());
        ex.legs[0].request_headers = vec![h("Origin", "https://app.example"), h("Content-Type", "application/json")];
        if let Some(pf) = ex.legs[0].preflight.as_mut() {
            pf.request_headers = vec![
                h("Origin", "https://app.example"),
                h("Access-Control-Request-Method", "POST"),
                h("Access-Control-Request-Headers", "content-type"),
            ];
        }
        let fix = propose(&ex).expect("a fix");
        let s = &fix.summary;
        assert_eq!(s.id, "fix.summary.with-content-type-alternative", "{}", s.text);
        let Some(Part::Message(inner)) = s.parts.get("fix") else { panic!("{s:?}") };
        assert_eq!(inner.id, "fix.summary.several");
        assert!(s.text.starts_with(&format!("{}. (Only `Content-Type: application/json`", inner.text)));
        assert_eq!(crate::report::message::localize(s, &|_| None), s.text);
    }

    #[test]
    fn summary_groups_stages() {
        let ex = base();
        let changes = vec![
            set_header(Stage::Preflight, None, ACAO, "https://app.example"),
            set_header(Stage::Actual, None, ACAO, "https://app.example"),
        ];
        let t = summarize(&ex, &changes, None);
        assert_eq!(t.id, "fix.summary.add-header");
        assert_eq!(t.text, "Add `Access-Control-Allow-Origin: https://app.example` to the preflight and the actual response");
    }
}
