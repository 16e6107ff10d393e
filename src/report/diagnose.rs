//! From an exchange to a `Diagnosis`: runs `check::evaluate` for both
//! browsers (and both credentials assumptions when the mode is unknown),
//! settles what the checks leave open with the outcome the browser
//! recorded (`check::settle`), picks the verdict and reason, and adds
//! evidence, explanation, fix, hints and findings.
//!
//! The credentials mode comes from the one credentials function
//! (`core::credentials::resolve`): recorded, a `Cookie` sent to another
//! origin, the destination, the browser's recorded outcome, or what the
//! caller stated (`Options::credentials`). Where it is inferred from a
//! failure, the diagnosis says so first in its notes
//! ([`infer_credentials`]); where a delivered response shows the request
//! carried none, the verdict is `allowed` with the warning finding
//! `credentials-would-fail` and the fix for credentialed requests; where
//! nothing decides, the verdict is `undecided`.
//!
//! Never panics. With `Options::verdict_only` it stops after the verdicts,
//! reasons, browser names, parameters and evidence: no console messages,
//! alternatives, explanation, fix, hints or findings (the fast path the
//! benchmark measures).

use crate::core::check::{self, Failure, Outcome};
use crate::core::credentials::{self, CredentialsMode, Source, SuccessSign};
use crate::report::diagnosis::{
    Alternative, BrowserVerdict, Diagnosis, Finding, Fix, PreflightRequest, Severity, Stage, StoppedBy, Verdict,
    DIAGNOSIS_SCHEMA,
};
use crate::core::fetch::safelist;
use crate::core::fetch::headers::trim_ows;
use crate::report::findings;
use crate::report::stack;
use crate::report::message::{Part, Text};
use crate::core::exchange::{Browser, Credentials, Exchange, HeaderList, PreflightObservation};
use crate::core::facts::{self, hop_count, preflight_leg};
use crate::core::reason::ReasonId;
use crate::core::assess::{assess, Assessed};
use crate::report::reasons;
use crate::report::texts;

/// What the caller wants.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The browser to report for. None: the exchange's own `browser`, else both.
    pub browser: Option<Browser>,
    /// Skip the fix and snippets (the fast path for verdicts only).
    pub verdict_only: bool,
    /// The credentials mode the caller states (`whycors diagnose
    /// --credentials`): used where the exchange does not decide it; where it
    /// does and disagrees, the exchange wins and a note says so.
    pub credentials: Option<Credentials>,
}

/// The diagnosis of an exchange. The credentials mode comes from
/// [`credentials::resolve`] (the exchange's evidence, else
/// `opts.credentials`); a mode the evidence decided, or the caller stated,
/// is applied to a copy of the exchange (so the checks, the fix and the
/// findings all read it) and said in the notes where it is not plainly
/// recorded: an inference from a failure first, then a stated mode the
/// evidence overruled. A response the browser delivered, which would fail
/// with credentials, gives `allowed` with the warning finding
/// `credentials-would-fail` and, as the fix, what credentialed requests
/// would need. Every source gets the same: a HAR, exchange JSON, the
/// extension's records.
pub fn diagnose(ex: &Exchange, opts: &Options) -> Diagnosis {
    let cm = credentials::resolve(ex, opts.credentials);
    let applies = !matches!(cm.source, Source::Recorded | Source::Unknown);
    let mut d = match (applies, cm.mode) {
        (true, Some(mode)) => {
            let mut applied = ex.clone();
            applied.page.credentials = Some(mode);
            diagnose_recorded(&applied, opts)
        }
        _ => diagnose_recorded(ex, opts),
    };
    let mut first: Vec<Text> = Vec::new();
    if let Source::Inferred { sign, at_preflight } = cm.source {
        first.push(inference_of(sign, at_preflight).note);
    }
    if let Some(note) = credentials_note(ex, &cm) {
        first.push(note);
    }
    for (i, n) in first.into_iter().enumerate() {
        d.notes.insert(i, n);
    }
    if let (Source::Delivered { sign }, false) = (cm.source, opts.verdict_only) {
        would_fail_with_credentials(ex, sign, &mut d);
    }
    d
}

/// The note for a mode the caller stated: used as stated, or overruled by
/// the exchange's evidence (which wins).
fn credentials_note(ex: &Exchange, cm: &CredentialsMode<'_>) -> Option<Text> {
    let name = |c: Credentials| match c {
        Credentials::Omit => "omit",
        Credentials::SameOrigin => "same-origin",
        Credentials::Include => "include",
    };
    if cm.source == Source::Stated {
        let mode = cm.mode.map(name).unwrap_or("");
        return Some(Text::new(
            "diagnose.note.credentials-stated",
            "Credentials as stated (`--credentials {mode}`): the record does not show the credentials mode.",
            &[("mode", mode)],
        ));
    }
    let stated = cm.overruled?;
    let mode = cm.mode.map(name).unwrap_or("");
    let why = match cm.source {
        Source::Recorded => Text::plain("diagnose.credentials-why.recorded", "the page's call records it"),
        Source::Cookie { leg } => {
            let origin = ex
                .legs
                .get(leg)
                .and_then(|l| crate::core::fetch::origin::serialize_origin(&l.url))
                .unwrap_or_default();
            Text::new(
                "diagnose.credentials-why.cookie",
                "a Cookie header was sent to {origin}, and only credentials `include` sends cookies to another origin",
                &[("origin", &origin)],
            )
        }
        Source::Destination => Text::plain(
            "diagnose.credentials-why.destination",
            "fonts are always fetched with credentials `same-origin`",
        ),
        Source::Inferred { .. } => Text::plain(
            "diagnose.credentials-why.inferred",
            "the browser failed a request that passes every check without credentials and fails with them",
        ),
        Source::Delivered { .. } => Text::plain(
            "diagnose.credentials-why.delivered",
            "the browser delivered a response that fails every check with credentials",
        ),
        Source::Stated | Source::Unknown => return None,
    };
    Some(Text::with_parts(
        "diagnose.note.credentials-overruled",
        "The stated credentials mode (`--credentials {stated}`) disagrees with the record, which wins: the request was made with `{mode}`, because {why}.",
        &[("stated", name(stated)), ("mode", mode)],
        vec![("why", Part::message(why))],
    ))
}

/// Allowed, and it would fail with credentials: the warning finding, its
/// fix (what credentialed requests would need, checked with the
/// credentials mode unknown so that it is said as conditional).
fn would_fail_with_credentials(ex: &Exchange, sign: SuccessSign, d: &mut Diagnosis) {
    let mut unknown = ex.clone();
    unknown.page.credentials = None;
    let names: Vec<String> = Browser::ALL
        .iter()
        .filter_map(|&b| {
            let f = check::evaluate(&unknown, b, true).failure?;
            let name = f.name.unwrap_or(f.reason.as_str());
            Some(format!("{} {name}", if b == Browser::Chromium { "Chromium" } else { "Firefox" }))
        })
        .collect();
    let link = Browser::ALL
        .iter()
        .find_map(|&b| check::evaluate(&unknown, b, true).failure)
        .map(|f| reasons::get(f.reason).link.to_string());
    let fix = crate::report::fix::propose(&unknown);
    let how = match sign {
        SuccessSign::Completed => Text::plain("finding.credentials-would-fail.completed", "the browser completed the request"),
        SuccessSign::Resolved => Text::plain("finding.credentials-would-fail.resolved", "the page's call succeeded"),
    };
    let names = names.join(", ");
    let text = match &fix {
        Some(f) => Text::with_parts(
            "finding.credentials-would-fail",
            "Allowed ({how}), so the request carried no credentials. With credentials (`credentials: 'include'`, `withCredentials = true`, `crossorigin=\"use-credentials\"`) the browser would block it ({names}). If the page needs them: {fix}",
            &[("names", &names)],
            vec![("how", Part::message(how)), ("fix", Part::message(f.summary.clone()))],
        ),
        None => Text::with_parts(
            "finding.credentials-would-fail-no-fix",
            "Allowed ({how}), so the request carried no credentials. With credentials (`credentials: 'include'`, `withCredentials = true`, `crossorigin=\"use-credentials\"`) the browser would block it ({names}).",
            &[("names", &names)],
            vec![("how", Part::message(how))],
        ),
    };
    d.findings.insert(
        0,
        Finding { id: "credentials-would-fail".to_string(), severity: Severity::Warning, text, link },
    );
    if d.fix.is_none() {
        d.fix = fix;
    }
}

/// The diagnosis of what the exchange records, nothing inferred: with the
/// credentials mode unknown, both assumptions are checked and the verdict
/// says what each gives (`undecided`, alternatives). The recorded outcome
/// settles what the checks leave open (`check::settle`).
pub fn diagnose_recorded(ex: &Exchange, opts: &Options) -> Diagnosis {
    let prep = check::prepare(ex);
    let chromium = assess(ex, &prep, Browser::Chromium);
    let firefox = assess(ex, &prep, Browser::Firefox);

    let chosen_browser = crate::core::assess::choose(ex, opts.browser, &chromium, &firefox);
    let (chosen, other) = match chosen_browser {
        Browser::Chromium => (&chromium, &firefox),
        Browser::Firefox => (&firefox, &chromium),
    };

    let browsers_differ =
        chromium.verdict != firefox.verdict || chromium.reason() != firefox.reason();
    let full = !opts.verdict_only;

    let browsers = vec![
        browser_verdict(ex, &chromium, full),
        browser_verdict(ex, &firefox, full),
    ];

    let stopped = chosen.outcome.stopped.as_ref();
    let mut evidence: Vec<_> = chosen.failure().map(|f| vec![f.evidence.clone()]).unwrap_or_default();
    if let (Some(s), true) = (stopped, evidence.is_empty()) {
        evidence.push(s.evidence.clone());
    }
    let mut diag = Diagnosis {
        schema: DIAGNOSIS_SCHEMA,
        id: ex.id.clone(),
        url: ex.url().to_string(),
        method: ex.page.method().to_string(),
        origin: facts::page_origin(ex).map(str::to_string),
        verdict: chosen.verdict,
        reason: chosen.reason().map(|r| r.as_str().to_string()),
        browsers,
        browsers_differ,
        stopped_by: None,
        alternatives: Vec::new(),
        evidence,
        explanation: None,
        link: None,
        fix: None,
        hints: Vec::new(),
        findings: Vec::new(),
        missing: chosen.outcome.missing.iter().map(texts::missing).collect(),
        notes: merged_notes(&chosen.outcome, &other.outcome),
        preflight_request: None,
    };
    if let Some(s) = stopped {
        diag.stopped_by = Some(if full { reasons::stopped::describe(ex, s) } else { StoppedBy::id_only(s.stop) });
    }
    if !full {
        return diag;
    }
    // The checks already decided whether a preflight is sent.
    diag.preflight_request = build_preflight(ex, chosen_browser, chosen.outcome.preflight_needed);

    diag.alternatives = alternatives(ex, &chromium, &firefox);
    if browsers_differ {
        let name = |a: &Assessed| a.failure().and_then(|f| f.name).unwrap_or("-").to_string();
        let verdict = |a: &Assessed| a.verdict.as_str().to_string();
        diag.notes.push(Text::new(
            "diagnose.browsers-differ",
            "Chromium and Firefox classify this exchange differently: Chromium {chromium_verdict} ({chromium_name}), Firefox {firefox_verdict} ({firefox_name}).",
            &[
                ("chromium_verdict", &verdict(&chromium)),
                ("chromium_name", &name(&chromium)),
                ("firefox_verdict", &verdict(&firefox)),
                ("firefox_name", &name(&firefox)),
            ],
        ));
    }
    if let Some(s) = &diag.stopped_by {
        diag.explanation = Some(s.explanation.clone());
        diag.link = Some(reasons::stopped::link(s.id.as_str()).to_string());
    } else if let Some(f) = chosen.failure() {
        diag.link = Some(reasons::get(f.reason).link.to_string());
        diag.explanation = reason_text(ex, f, "explanation");
    }
    if matches!(diag.verdict, Verdict::Blocked | Verdict::Undecided) {
        diag.fix = propose_fix(ex);
        let mut hints: Vec<Finding> = Vec::new();
        for a in [chosen, other] {
            if let Some(f) = a.failure() {
                if matches!(a.verdict, Verdict::Blocked | Verdict::Undecided) {
                    for h in findings::hints(ex, f) {
                        if !hints.iter().any(|x| x.id == h.id) {
                            hints.push(h);
                        }
                    }
                }
            }
        }
        // The stack's own hints go first: they name the layer. A library
        // that rejected the preflight, or a handler that answered it, is the
        // cause; the generic "check the allow-list for the origin" is not.
        let found = stack::detect(ex, &[]);
        let mut first: Vec<Finding> = Vec::new();
        for a in [chosen, other] {
            if let (Some(f), true) = (a.failure(), matches!(a.verdict, Verdict::Blocked | Verdict::Undecided)) {
                for h in stack::hints(ex, f, &found) {
                    if !first.iter().any(|x| x.id == h.id) {
                        first.push(h);
                    }
                }
            }
        }
        if first.iter().any(|h| matches!(h.id.as_str(), "preflight-rejected-by-cors-layer" | "preflight-answered-by-handler")) {
            hints.retain(|h| h.id != "no-cors-headers-at-all");
        }
        hints.retain(|h| !first.iter().any(|x| x.id == h.id));
        first.extend(hints);
        diag.hints = first;
        stack::apply(&mut diag, ex, &[]);
    }
    diag.findings = findings::findings(ex);
    if let Some(f) = stack::echoes_any_origin(ex) {
        // Says more than the info-level "check it is an allow-list".
        diag.findings.retain(|x| x.id != "reflected-origin-with-credentials");
        diag.findings.insert(0, f);
        if diag.fix.is_none() && diag.verdict == Verdict::Allowed {
            diag.fix = stack::allow_list_fix(ex);
            stack::apply(&mut diag, ex, &[]);
        }
    }
    diag
}

// ---------------------------------------------------------------------------
// Facts inferred from a browser's failure.

/// A fact inferred from an exchange's evidence, never recorded by the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Inference {
    /// The credentials mode the evidence implies.
    pub credentials: Credentials,
    /// Says the fact is inferred, from what, and what else it could be; goes
    /// first into the diagnosis' `notes`.
    pub note: Text,
}

pub use crate::core::credentials::FailureSign;

/// The inference of the credentials mode ([`crate::core::credentials::infer`]) as
/// the diagnosis says it: the mode and a note saying it is inferred, from
/// what, and what else it could be.
fn inference_of(sign: FailureSign<'_>, at_preflight: bool) -> Inference {
    // The ids keep the `har.` prefix they were introduced with (stable ids).
    const HEAD: &str = "Inferred, not recorded: the request was made with credentials (`credentials: 'include'` or `withCredentials = true`). The record does not show the credentials mode (no cookie in it), but";
    const TAIL: &str = "so credentials are the CORS explanation. If the page's code sends no credentials, the failure has a cause outside CORS (an extension, a proxy, the page cancelling the request, a check the record does not show).";
    let note = match (sign, at_preflight) {
        (FailureSign::Error(error), false) => Text::new(
            "har.note.credentials-inferred",
            &format!("{HEAD} the browser failed the request ({{error}}) while the observed response passes every CORS check without credentials and fails with them, {TAIL}"),
            &[("error", error.trim())],
        ),
        (FailureSign::Error(error), true) => Text::new(
            "har.note.credentials-inferred-preflight",
            &format!("{HEAD} the browser failed the request ({{error}}) without an answer, while the observed preflight response passes every CORS check without credentials (the request would have been sent) and fails with them, {TAIL}"),
            &[("error", error.trim())],
        ),
        (FailureSign::NotSent, _) => Text::plain(
            "har.note.credentials-inferred-not-sent",
            &format!("{HEAD} the browser never sent the request (no status, no timings), while the observed preflight response passes every CORS check without credentials (the request would have been sent) and fails with them, {TAIL}"),
        ),
        (FailureSign::Rejected, false) => Text::plain(
            "diagnose.note.credentials-inferred-rejected",
            &format!("{HEAD} the page saw the call fail while the observed response passes every CORS check without credentials and fails with them, {TAIL}"),
        ),
        (FailureSign::Rejected, true) => Text::plain(
            "diagnose.note.credentials-inferred-rejected-preflight",
            &format!("{HEAD} the page saw the call fail without an answer, while the observed preflight response passes every CORS check without credentials (the request would have been sent) and fails with them, {TAIL}"),
        ),
    };
    Inference { credentials: Credentials::Include, note }
}

/// The credentials mode inferred from `sign` ([`crate::core::credentials::infer`]),
/// with its note.
pub fn infer_credentials_from(ex: &Exchange, sign: FailureSign<'_>) -> Option<Inference> {
    crate::core::credentials::infer(ex, sign).map(|at_preflight| inference_of(sign, at_preflight))
}

/// The inference [`diagnose`] applies to an exchange: where
/// [`crate::core::credentials::credentials`] says the mode is inferred from a
/// failure (the exchange's own `error`, `end: not-sent`, the page's
/// rejection), with its note.
pub fn infer_credentials(ex: &Exchange) -> Option<Inference> {
    match crate::core::credentials::credentials(ex).source {
        Source::Inferred { sign, at_preflight } => Some(inference_of(sign, at_preflight)),
        _ => None,
    }
}

/// The CORS preflight `browser` sends before this exchange's request, to
/// its first URL: None when it sends none. Whether it sends one is
/// `check::evaluate`'s decision, the same one the verdict rests on: one was
/// observed (`Exchange::preflight`), or the request needs one (a CORS
/// request from `fetch()`/XHR to another origin with a method that is not
/// CORS-safelisted or a CORS-unsafe header, by each browser's safelist:
/// Chromium's also holds some client hints). None for a simple request, a
/// request that is not CORS (same-origin, `no-cors`, a navigation), one
/// stopped before any preflight (a refused scheme or mode), or an exchange
/// that lacks what decides it (no origin, an unparsable URL). The headers
/// are reconstructed from the request (what the browser sends when its
/// preflight cache has no entry), even when a preflight was observed: its
/// `request_headers` are the real ones. Preflights after redirects (to the
/// targets of a preflighted request's redirects) are not covered.
pub fn preflight_request(ex: &Exchange, browser: Browser) -> Option<PreflightRequest> {
    build_preflight(ex, browser, check::evaluate(ex, browser, false).preflight_needed)
}

/// The preflight request, when `needed` (an outcome's `preflight_needed`)
/// says one is sent.
fn build_preflight(ex: &Exchange, browser: Browser, needed: Option<bool>) -> Option<PreflightRequest> {
    if needed != Some(true) {
        return None;
    }
    let url = match url::Url::parse(ex.url().trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => ex.url().trim().to_string(),
    };
    // The checks found an origin to get this far: the page's.
    let origin = facts::page_origin(ex).unwrap_or("null");
    let method = safelist::normalize_method(ex.page.method());
    let sent = ex.legs.first().map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
    let names = safelist::request_unsafe_header_names(ex.page.author_headers.as_deref(), sent, browser);
    Some(PreflightRequest {
        browser,
        method: "OPTIONS".to_string(),
        url,
        headers: safelist::preflight_request_headers(&method, origin, &names),
    })
}

/// The smallest verified fix (`fix.rs`).
fn propose_fix(ex: &Exchange) -> Option<Fix> {
    crate::report::fix::propose(ex)
}


/// One of a reason's texts rendered for this failure: `part` is
/// `explanation`, `why` or `fix` (message id `reason.<id>.<part>`).
pub fn reason_text(ex: &Exchange, failure: &Failure, part: &str) -> Option<Text> {
    let r = reasons::get(failure.reason);
    let template = match part {
        "explanation" => r.explanation,
        "why" => r.why,
        "fix" => r.fix,
        _ => return None,
    };
    let p = reason_params(ex, failure);
    let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Some(Text::new(
        format!("reason.{}.{part}", r.id),
        template,
        &refs,
    ))
}

pub fn diagnose_all(exs: &[Exchange], opts: &Options) -> Vec<Diagnosis> {
    exs.iter().map(|ex| diagnose(ex, opts)).collect()
}

fn browser_verdict(ex: &Exchange, a: &Assessed, full: bool) -> BrowserVerdict {
    let f = a.failure();
    let (message, mut also) = match (full, f) {
        (true, Some(f)) => (
            reasons::console_message_opt(a.browser, f, ex),
            reasons::console_also(a.browser, f, ex),
        ),
        _ => (None, Vec::new()),
    };
    if full
        && a.browser == Browser::Firefox
        && a.verdict == Verdict::Allowed
        && findings::authorization_covered_by_wildcard(ex)
    {
        also.push(reasons::firefox_authorization_warning(ex));
    }
    BrowserVerdict {
        browser: a.browser,
        verdict: a.verdict,
        reason: f.map(|f| f.reason.to_string()),
        name: f.and_then(|f| f.name).map(str::to_string),
        parameter: f.and_then(|f| f.parameter.clone()),
        message,
        also,
    }
}

fn merged_notes(a: &Outcome, b: &Outcome) -> Vec<Text> {
    let mut out: Vec<Text> = a.notes.iter().map(texts::note).collect();
    for n in b.notes.iter().map(texts::note) {
        if !out.iter().any(|x| x.id == n.id && x.text == n.text) {
            out.push(n);
        }
    }
    out
}


/// The values for a reason's templates (`reasons::PARAMS`), all filled.
pub fn reason_params(ex: &Exchange, f: &Failure) -> Vec<(&'static str, String)> {
    let origin = facts::page_origin(ex).unwrap_or("null").to_string();
    let status = reasons::stage_status(ex, f)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "(none)".to_string());
    let pf = crate::core::facts::hop_preflight(ex, f.evidence.hop).filter(|_| f.evidence.stage == Stage::Preflight);
    let pf_headers = pf.and_then(|p| p.response.as_ref()).map(|r| r.headers.as_slice()).unwrap_or(&[]);
    let location = match f.evidence.stage {
        Stage::Redirect => f
            .evidence
            .hop
            .and_then(|i| ex.legs.get(i))
            .and_then(|l| l.response.as_ref())
            .and_then(|r| r.headers.first_value("location"))
            .map(|l| trim_ows(l).to_string()),
        Stage::Preflight => pf_headers.first_value("location").map(|l| trim_ows(l).to_string()),
        _ => None,
    }
    .or_else(|| {
        if f.reason == ReasonId::CORSRedirectContainsCredentials {
            f.parameter.clone()
        } else {
            None
        }
    })
    .unwrap_or_default();
    let observed = f
        .evidence
        .observed
        .clone()
        .or_else(|| {
            if f.reason == ReasonId::CORSInvalidResponse {
                crate::core::facts::hop_preflight(ex, f.evidence.hop).and_then(|p| p.error.clone())
            } else {
                None
            }
        })
        .unwrap_or_else(|| "absent".to_string());
    let expected = f
        .evidence
        .expected
        .clone()
        .unwrap_or_else(|| origin.clone());
    let mut parameter = f.parameter.clone().unwrap_or_default();
    if parameter.is_empty() {
        // Chromium gives no parameter for a list that does not parse: name the item.
        let header = match f.reason {
            ReasonId::CORSInvalidAllowMethod => Some("access-control-allow-methods"),
            ReasonId::CORSInvalidAllowHeader => Some("access-control-allow-headers"),
            _ => None,
        };
        let pf_any = crate::core::facts::hop_preflight(ex, f.evidence.hop).and_then(|p| p.response.as_ref());
        if let (Some(h), Some(r)) = (header, pf_any) {
            let values: Vec<&str> = r.headers.values(h).collect();
            if let Some(bad) = crate::core::fetch::headers::first_invalid_token(values.iter().copied()) {
                parameter = bad.to_string();
            }
        }
    }
    vec![
        ("url", reasons::last_url(ex, f)),
        ("origin", origin),
        ("method", ex.page.method().to_string()),
        ("parameter", parameter),
        ("header", f.evidence.header.clone().unwrap_or_default()),
        ("observed", observed),
        ("expected", expected),
        ("status", status),
        ("stage", f.evidence.stage.noun().to_string()),
        ("location", location),
    ]
}

fn alternatives(ex: &Exchange, chromium: &Assessed, firefox: &Assessed) -> Vec<Alternative> {
    let mut out = Vec::new();

    // Credentials unknown: what happens with them.
    for a in [chromium, firefox] {
        if a.verdict == Verdict::Undecided {
            if let Some(f) = a.failure() {
                out.push(Alternative {
                    browser: Some(a.browser),
                    reason: f.reason.to_string(),
                    name: f.name.map(str::to_string),
                    when: Text::plain(
                        "alternative.credentialed",
                        "If the request was made with credentials (`credentials: 'include'`, `withCredentials = true`); without them it is allowed.",
                    ),
                });
            }
        }
        if let Some(inc) = &a.if_credentialed {
            if let Some(f) = &inc.failure {
                out.push(Alternative {
                    browser: Some(a.browser),
                    reason: f.reason.to_string(),
                    name: f.name.map(str::to_string),
                    when: Text::plain(
                        "alternative.credentialed-other-reason",
                        "If the request was made with credentials (`credentials: 'include'`, `withCredentials = true`), the browser stops at this check instead.",
                    ),
                });
            }
        }
    }

    // The same alternative in both browsers: say it once.
    let mut merged: Vec<Alternative> = Vec::new();
    for a in out {
        let twin = merged.iter_mut().find(|m| {
            m.reason == a.reason
                && m.when.id == a.when.id
                && m.browser.is_some()
                && m.browser != a.browser
        });
        match twin {
            Some(m) => {
                m.browser = None;
                if m.name != a.name {
                    m.name = None;
                }
            }
            None => merged.push(a),
        }
    }
    let mut out = merged;

    // Merged Access-Control-Allow-Origin lines: Firefox counts header lines.
    if let Some(f) = firefox.failure() {
        let merged_single = merged_single_acao_line(ex, f);
        if merged_single {
            let other = match f.reason {
                ReasonId::CORSAllowOriginNotMatchingOrigin => Some((
                    ReasonId::CORSMultipleAllowOriginNotAllowed,
                    "If the server sent two separate `Access-Control-Allow-Origin` lines (the source merged them into one value).",
                )),
                ReasonId::CORSMultipleAllowOriginNotAllowed => Some((
                    ReasonId::CORSAllowOriginNotMatchingOrigin,
                    "If the server sent one `Access-Control-Allow-Origin` line holding a comma-separated list.",
                )),
                _ => None,
            };
            if let Some((reason, when)) = other {
                let name = reason.browser_name(Browser::Firefox, false).unwrap_or(reason.as_str());
                let id = if reason == ReasonId::CORSMultipleAllowOriginNotAllowed {
                    "alternative.acao-two-lines"
                } else {
                    "alternative.acao-one-line"
                };
                out.push(Alternative {
                    browser: Some(Browser::Firefox),
                    reason: reason.to_string(),
                    name: Some(name.to_string()),
                    when: Text::plain(id, when),
                });
            }
        }
    }

    // A preflight the source could not see may have failed.
    let hidden = ex.legs.first().is_none_or(|l| l.preflight.is_none())
        && matches!(
            ex.preflight_observation,
            PreflightObservation::Hidden | PreflightObservation::Unknown
        );
    let no_response = hop_count(ex) == 0 && ex.legs.first().is_none_or(|l| l.response.is_none());
    let undecided = [chromium, firefox]
        .iter()
        .any(|a| matches!(a.verdict, Verdict::Unknown));
    if hidden && no_response && undecided && ex.error.is_some() {
        out.push(Alternative {
            browser: None,
            reason: "CORSPreflightDidNotSucceed".to_string(),
            name: None,
            when: Text::plain(
                "alternative.preflight-hidden",
                "If a preflight was sent and failed: this source does not show preflights (Chromium's webRequest hides them without `extraHeaders`), and a failed preflight means the actual request is never sent. Capture with preflights visible to see which check failed.",
            ),
        });
    }
    out
}

/// Whether the failing response holds exactly one `Access-Control-Allow-Origin`
/// line with a comma in it, from a source that merges repeated lines.
fn merged_single_acao_line(ex: &Exchange, f: &Failure) -> bool {
    let hop = f.evidence.hop;
    let leg = match f.evidence.stage {
        Stage::Preflight => preflight_leg(hop),
        Stage::Redirect => hop,
        Stage::Actual => Some(hop_count(ex)),
        Stage::Request => None,
    };
    let Some(leg) = leg.and_then(|k| ex.legs.get(k)) else {
        return false;
    };
    let resp = match f.evidence.stage {
        Stage::Preflight => leg.preflight.as_ref().and_then(|p| p.response.as_ref()),
        _ => leg.response.as_ref(),
    };
    let Some(r) = resp else {
        return false;
    };
    let (headers, merged) = (&r.headers, r.headers_merged);
    merged
        && headers.count("access-control-allow-origin") == 1
        && headers
            .values("access-control-allow-origin")
            .any(|v| v.contains(','))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::exchange::{Header, Leg, Mode, PageRequest, Preflight, ResourceType, Response};

    /// A credentials-only failure: `*` on a response Chromium failed.
    fn star_failed(browser: Option<Browser>, error: &str) -> Exchange {
        Exchange {
            browser,
            page: PageRequest {
                origin: Some("https://app.example".into()),
                resource_type: ResourceType::Fetch,
                mode: Some(Mode::Cors),
                ..PageRequest::default()
            },
            legs: vec![Leg {
                url: "https://api.example/x".into(),
                request_headers: vec![Header::new("Origin", "https://app.example")],
                response: Some(Response {
                    status: 200,
                    headers: vec![Header::new("Access-Control-Allow-Origin", "*")],
                    ..Response::default()
                }),
                ..Leg::default()
            }],
            error: Some(error.into()),
            ..Exchange::default()
        }
    }

    #[test]
    fn credentials_inferred_only_from_the_right_sign() {
        let inf = infer_credentials(&star_failed(Some(Browser::Chromium), "net::ERR_FAILED")).expect("inferred");
        assert_eq!(inf.credentials, Credentials::Include);
        assert_eq!(inf.note.id, "har.note.credentials-inferred");
        assert!(inf.note.text.contains("net::ERR_FAILED"));
        assert!(infer_credentials(&star_failed(None, "net::ERR_FAILED")).is_some());
        // Other errors are not CORS failures; Firefox writes no such error.
        assert!(infer_credentials(&star_failed(Some(Browser::Chromium), "net::ERR_ABORTED")).is_none());
        assert!(infer_credentials(&star_failed(Some(Browser::Firefox), "net::ERR_FAILED")).is_none());
        assert!(infer_credentials(&star_failed(Some(Browser::Firefox), "NS_ERROR_DOM_BAD_URI")).is_none());
        // "Never sent" is Firefox's sign, and needs a preflight.
        assert!(infer_credentials_from(&star_failed(Some(Browser::Chromium), "x"), FailureSign::NotSent).is_none());
        assert!(infer_credentials_from(&star_failed(Some(Browser::Firefox), "x"), FailureSign::NotSent).is_none());
        // Recorded credentials leave nothing to infer.
        let mut ex = star_failed(Some(Browser::Chromium), "net::ERR_FAILED");
        ex.page.credentials = Some(Credentials::Omit);
        assert!(infer_credentials(&ex).is_none());
    }

    /// `diagnose` applies the inference for any source, says so first, and
    /// checks the credentialed exchange (its fix is the credentialed one);
    /// `diagnose_recorded` keeps to what was recorded.
    #[test]
    fn diagnose_applies_the_inference_and_says_so() {
        let ex = star_failed(Some(Browser::Chromium), "net::ERR_FAILED");
        let d = diagnose(&ex, &full());
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.reason.as_deref(), Some("CORSNotSupportingCredentials"));
        assert_eq!(d.notes.first().map(|n| n.id.as_str()), Some("har.note.credentials-inferred"));
        assert!(d.alternatives.is_empty(), "no credentials alternative once inferred: {:?}", d.alternatives);
        let fix = d.fix.as_ref().expect("a fix");
        assert!(fix.changes.iter().any(|c| c.target.eq_ignore_ascii_case("Access-Control-Allow-Origin")), "{fix:?}");
        let verdict_only = diagnose(&ex, &Options { browser: None, verdict_only: true, credentials: None });
        assert_eq!(verdict_only.verdict, Verdict::Blocked);
        assert_eq!(verdict_only.notes.first(), d.notes.first());
        // Nothing inferred: the record alone gives Chromium's recorded
        // failure (net::ERR_FAILED: its CORS layer failed the request), with
        // no reason, since nothing but the credentials explains it.
        let recorded = diagnose_recorded(&ex, &full());
        assert_eq!(recorded.verdict, Verdict::Blocked);
        assert_eq!(recorded.reason, None);
        assert!(recorded.notes.iter().all(|n| !n.id.starts_with("har.note.")));
        assert!(recorded.notes.iter().any(|n| n.id == "check.note.recorded-failure"));
        // The same headers without the browser's error: nothing decides.
        let mut quiet = ex.clone();
        quiet.error = None;
        let d = diagnose(&quiet, &full());
        assert_eq!(d.verdict, Verdict::Undecided);
        assert_eq!(serde_json::to_value(&d).unwrap(), serde_json::to_value(diagnose_recorded(&quiet, &full())).unwrap());
    }

    fn ex(
        creds: Option<Credentials>,
        headers: &[(&str, &str)],
        status: u16,
        merged: bool,
    ) -> Exchange {
        Exchange {
            page: PageRequest {
                origin: Some("https://app.example".into()),
                resource_type: ResourceType::Fetch,
                mode: Some(Mode::Cors),
                credentials: creds,
                ..Default::default()
            },
            legs: vec![Leg {
                url: "https://api.example/data".into(),
                // Status 0: no response.
                response: (status != 0).then(|| Response {
                    status,
                    headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
                    headers_merged: merged,
                }),
                ..Leg::default()
            }],
            ..Default::default()
        }
    }

    fn full() -> Options {
        Options::default()
    }

    // `*` passes without credentials and fails with them (Fetch Standard
    // "CORS protocol and credentials"; measured in both browsers, browsers.md).
    #[test]
    fn credentials_unknown_wildcard() {
        let d = diagnose(
            &ex(None, &[("Access-Control-Allow-Origin", "*")], 200, false),
            &full(),
        );
        assert_eq!(d.verdict, Verdict::Undecided);
        assert_eq!(d.reason.as_deref(), Some("CORSNotSupportingCredentials"));
        assert!(d
            .alternatives
            .iter()
            .any(|a| a.when.id == "alternative.credentialed" && a.browser.is_none()));
        assert_eq!(d.alternatives.len(), 1);
        assert!(!d.browsers_differ);
        let d = diagnose(
            &ex(
                Some(Credentials::Omit),
                &[("Access-Control-Allow-Origin", "*")],
                200,
                false,
            ),
            &full(),
        );
        assert_eq!(d.verdict, Verdict::Allowed);
        assert_eq!(d.reason, None);
        assert!(d.explanation.is_none() && d.fix.is_none());
    }

    #[test]
    fn error_status_gets_hint_and_status_in_firefox_message() {
        let d = diagnose(&ex(Some(Credentials::Omit), &[], 500, false), &full());
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.reason.as_deref(), Some("CORSMissingAllowOrigin"));
        assert!(d.hints.iter().any(|h| h.id == "error-status-without-cors"));
        let ff = d
            .browsers
            .iter()
            .find(|b| b.browser == Browser::Firefox)
            .and_then(|b| b.message.clone());
        assert!(ff.is_some_and(|m| m.ends_with("Status code: 500.")));
        assert!(d.explanation.is_some_and(|t| t.text.contains("500")));
    }

    // One merged line `a, b`: Chromium says MultipleAllowOriginValues either
    // way; Firefox depends on whether there were two lines (cors-reference §2.2).
    #[test]
    fn merged_acao_gives_firefox_alternative() {
        let h = [(
            "Access-Control-Allow-Origin",
            "https://app.example, https://app.example",
        )];
        let d = diagnose(&ex(Some(Credentials::Omit), &h, 200, true), &full());
        assert_eq!(d.verdict, Verdict::Blocked);
        assert!(d
            .alternatives
            .iter()
            .any(|a| a.browser == Some(Browser::Firefox)));
        assert!(d.hints.iter().any(|h| h.id == "duplicate-acao-merged"));
    }

    #[test]
    fn verdict_only_skips_the_rest() {
        let d = diagnose(
            &ex(Some(Credentials::Omit), &[], 500, false),
            &Options {
                browser: None,
                verdict_only: true, credentials: None },
        );
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.reason.as_deref(), Some("CORSMissingAllowOrigin"));
        assert!(
            d.explanation.is_none()
                && d.fix.is_none()
                && d.hints.is_empty()
                && d.findings.is_empty()
        );
        assert!(d
            .browsers
            .iter()
            .all(|b| b.message.is_none() && b.name.is_some()));
    }

    #[test]
    fn chosen_browser_and_worse_of_two() {
        // Chromium-only reason: the worse browser (Chromium) is reported by default.
        let mut e = ex(
            Some(Credentials::Omit),
            &[("Access-Control-Allow-Origin", "app.example")],
            200,
            false,
        );
        let d = diagnose(&e, &full());
        assert_eq!(d.reason.as_deref(), Some("CORSInvalidAllowOriginValue"));
        assert!(d.browsers_differ);
        let d = diagnose(
            &e,
            &Options {
                browser: Some(Browser::Firefox),
                verdict_only: false, credentials: None },
        );
        assert_eq!(
            d.reason.as_deref(),
            Some("CORSAllowOriginNotMatchingOrigin")
        );
        e.browser = Some(Browser::Firefox);
        assert_eq!(
            diagnose(&e, &full()).reason.as_deref(),
            Some("CORSAllowOriginNotMatchingOrigin")
        );
    }

    // ---- preflight_request ----

    /// A cross-origin `fetch()` in cors mode whose script set `headers`.
    fn script_request(method: &str, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            page: PageRequest {
                method: Some(method.into()),
                origin: Some("https://app.example".into()),
                author_headers: Some(headers.iter().map(|(n, v)| Header::new(*n, *v)).collect()),
                resource_type: ResourceType::Fetch,
                mode: Some(Mode::Cors),
                credentials: Some(Credentials::Omit),
                ..Default::default()
            },
            legs: vec![Leg { url: "https://api.example/items?x=1#frag".into(), ..Leg::default() }],
            ..Default::default()
        }
    }

    fn header<'a>(p: &'a PreflightRequest, name: &'a str) -> Option<&'a str> {
        p.headers.values(name).next()
    }

    // Fetch Standard, CORS-preflight fetch: OPTIONS to the request's URL with
    // `Accept: */*`, `Access-Control-Request-Method` and, when some
    // header is CORS-unsafe, `Access-Control-Request-Headers`: the
    // "CORS-unsafe request-header names" (safelisted ones excluded,
    // byte-lowercased, de-duplicated, sorted) joined by `,`.
    #[test]
    fn preflight_names_only_the_unsafe_headers_sorted_once() {
        let ex = script_request(
            "GET",
            &[
                ("X-B", "1"),
                ("Accept", "application/json"),
                ("x-a", "2"),
                ("Content-Type", "application/json"),
                ("Content-Language", "de"),
                ("X-B", "3"),
            ],
        );
        for b in Browser::ALL {
            let p = preflight_request(&ex, b).expect("unsafe headers need a preflight");
            assert_eq!(p.browser, b);
            assert_eq!(p.method, "OPTIONS");
            assert_eq!(p.url, "https://api.example/items?x=1");
            let names: Vec<&str> = p.headers.iter().map(|h| h.name.as_str()).collect();
            assert_eq!(
                names,
                ["Accept", "Access-Control-Request-Method", "Access-Control-Request-Headers", "Origin"]
            );
            assert_eq!(header(&p, "accept"), Some("*/*"));
            assert_eq!(header(&p, "access-control-request-method"), Some("GET"));
            assert_eq!(
                header(&p, "access-control-request-headers"),
                Some("content-type,x-a,x-b")
            );
            assert_eq!(header(&p, "origin"), Some("https://app.example"));
        }
    }

    #[test]
    fn preflight_for_a_method_that_is_not_safelisted() {
        // Method normalization (fetch()): `put` becomes PUT, `patch` stays
        // as given (recorded: allowed/method-put-lowercase-request,
        // CORSMethodNotFound/method-patch-lowercase, both browsers).
        for (given, sent) in [("PUT", "PUT"), ("put", "PUT"), ("DELETE", "DELETE"), ("patch", "patch")] {
            for b in Browser::ALL {
                let p = preflight_request(&script_request(given, &[]), b).expect(given);
                assert_eq!(header(&p, "access-control-request-method"), Some(sent), "{given}");
                assert_eq!(header(&p, "access-control-request-headers"), None, "{given}");
            }
        }
        // A safelisted header does not show up next to the method.
        let p = preflight_request(
            &script_request("PUT", &[("Content-Type", "text/plain")]),
            Browser::Firefox,
        )
        .expect("PUT");
        assert_eq!(p.headers.len(), 3);
    }

    #[test]
    fn no_preflight_for_a_simple_request_or_no_cors_request() {
        for b in Browser::ALL {
            for ex in [
                script_request("GET", &[]),
                script_request("HEAD", &[("Accept", "*/*")]),
                script_request("POST", &[("Content-Type", "text/plain;charset=UTF-8")]),
                script_request("POST", &[("Content-Type", "multipart/form-data")]),
                script_request("GET", &[("Range", "bytes=0-10"), ("Accept-Language", "en-US,en;q=0.9")]),
            ] {
                assert_eq!(preflight_request(&ex, b), None, "{:?}", ex.page.author_headers);
            }
            // Not CORS: no-cors mode, a same-origin URL, a navigation.
            let mut ex = script_request("PUT", &[("X-Foo", "1")]);
            ex.page.mode = Some(Mode::NoCors);
            assert_eq!(preflight_request(&ex, b), None);
            let mut ex = script_request("PUT", &[("X-Foo", "1")]);
            ex.page.origin = Some("https://api.example".into());
            assert_eq!(preflight_request(&ex, b), None);
            let mut ex = script_request("PUT", &[("X-Foo", "1")]);
            ex.page.mode = Some(Mode::Navigate);
            assert_eq!(preflight_request(&ex, b), None);
            // Only fetch() and XHR preflight: an <img> never does.
            let mut ex = script_request("GET", &[]);
            ex.page.resource_type = ResourceType::Image;
            ex.page.author_headers = None;
            assert_eq!(preflight_request(&ex, b), None);
            // Stopped before any preflight: a scheme CORS does not support.
            let mut ex = script_request("PUT", &[]);
            ex.legs[0].url = "ftp://api.example/x".into();
            assert_eq!(preflight_request(&ex, b), None);
        }
    }

    // Chromium also safelists some client hints (services/network/public/cpp/
    // cors/cors.cc IsCorsSafelistedHeader); Firefox follows the standard.
    #[test]
    fn chromium_safelists_client_hints_firefox_does_not() {
        let ex = script_request("GET", &[("DPR", "2"), ("Save-Data", "on")]);
        assert_eq!(preflight_request(&ex, Browser::Chromium), None);
        let p = preflight_request(&ex, Browser::Firefox).expect("Firefox preflights");
        assert_eq!(header(&p, "access-control-request-headers"), Some("dpr,save-data"));
        let ex = script_request("GET", &[("DPR", "2"), ("X-Foo", "1")]);
        let p = preflight_request(&ex, Browser::Chromium).expect("X-Foo is unsafe");
        assert_eq!(header(&p, "access-control-request-headers"), Some("x-foo"));
        // The diagnosis carries the chosen browser's.
        let d = diagnose(&ex, &Options { browser: Some(Browser::Firefox), verdict_only: false, credentials: None });
        assert_eq!(d.preflight_request, preflight_request(&ex, Browser::Firefox));
        assert!(d
            .preflight_request
            .as_ref()
            .is_some_and(|p| header(p, "access-control-request-headers") == Some("dpr,x-foo")));
        let d = diagnose(&ex, &Options { browser: Some(Browser::Firefox), verdict_only: true, credentials: None });
        assert_eq!(d.preflight_request, None);
    }

    #[test]
    fn an_observed_preflight_is_one_sent_its_headers_come_from_the_request() {
        let mut ex = script_request("PUT", &[("X-Foo", "1"), ("Accept", "*/*")]);
        let before = preflight_request(&ex, Browser::Chromium);
        ex.legs[0].preflight = Some(Preflight {
            request_headers: vec![Header::new("Access-Control-Request-Headers", "x-other")],
            response: Some(Response { status: 204, ..Response::default() }),
            ..Default::default()
        });
        assert_eq!(preflight_request(&ex, Browser::Chromium), before);
        assert_eq!(diagnose(&ex, &Options { browser: Some(Browser::Chromium), verdict_only: false, credentials: None }).preflight_request, before);
        // A simple request that was preflighted all the same (Fetch: an
        // XMLHttpRequest with upload listeners sets the use-CORS-preflight
        // flag): the preflight was sent, and names no header.
        let mut ex = script_request("GET", &[]);
        assert_eq!(preflight_request(&ex, Browser::Firefox), None);
        ex.page.resource_type = ResourceType::Xhr;
        ex.legs[0].preflight = Some(Preflight { response: Some(Response { status: 204, ..Response::default() }), ..Default::default() });
        let p = preflight_request(&ex, Browser::Firefox).expect("it was sent");
        assert_eq!(header(&p, "access-control-request-method"), Some("GET"));
        assert_eq!(header(&p, "access-control-request-headers"), None);
        // Without author headers: the request headers as sent, less those
        // the browser adds itself.
        let mut ex = script_request("PUT", &[]);
        ex.page.author_headers = None;
        ex.legs[0].request_headers = vec![
            Header::new("Origin", "https://app.example"),
            Header::new("User-Agent", "x"),
            Header::new("Accept", "*/*"),
            Header::new("X-Foo", "1"),
            Header::new("Authorization", "Bearer t"),
        ];
        let p = preflight_request(&ex, Browser::Firefox).expect("PUT");
        assert_eq!(header(&p, "access-control-request-headers"), Some("authorization,x-foo"));
    }

    fn data_file(rel: &str) -> serde_json::Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    // WPT cors/cors-safelisted-request-header.any.js and
    // fetch/api/cors/resources/not-cors-safelisted.json (tests/data/wpt),
    // with what Chromium 156 and Firefox ESR 153 did (`measured`): a
    // preflight exactly when the browser sent one, and then it names the
    // header under test (the other, `Content-Type: text/plain;charset=UTF-8`,
    // is safelisted: the "No preflight" rows carry it too).
    #[test]
    fn wpt_safelist_tables_as_measured() {
        let mut checked = 0;
        for file in ["cors-safelisted-request-header.json", "not-cors-safelisted.json"] {
            let doc = data_file(&format!("tests/data/wpt/{file}"));
            for case in doc["cases"].as_array().expect("cases") {
                let name = case["name"].as_str().unwrap_or("?");
                let headers: Vec<Header> = serde_json::from_value(case["headers"].clone()).expect(name);
                let method = case["method"].as_str().expect(name);
                let pairs: Vec<(&str, &str)> = headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
                let ex = script_request(method, &pairs);
                for b in Browser::ALL {
                    let sent = case["measured"][b.as_str()]["preflight"].as_bool().expect(name);
                    let p = preflight_request(&ex, b);
                    assert_eq!(p.is_some(), sent, "{file}: {name} ({})", b.as_str());
                    if let Some(p) = p {
                        let subject = headers.first().map(|h| h.name.to_ascii_lowercase());
                        assert_eq!(header(&p, "access-control-request-headers").map(str::to_string), subject, "{name}");
                        assert_eq!(header(&p, "access-control-request-method"), Some(method), "{name}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked >= 100, "{checked}");
    }

    // Every recorded fixture (tests/fixtures, captured from Chromium 156 and
    // Firefox ESR 153 against the lab server, which records every request):
    // from the request alone (the observed preflight hidden), the engine's
    // preflight exists exactly when the browser sent one to the first URL,
    // and then its Accept, Access-Control-Request-Method,
    // Access-Control-Request-Headers and Origin are the ones the browser sent.
    #[test]
    fn recorded_fixtures_preflights_are_reconstructed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut files = Vec::new();
        for dir in std::fs::read_dir(&root).expect("tests/fixtures").flatten() {
            for f in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|x| x == "json") {
                    files.push(f.path());
                }
            }
        }
        files.sort();
        let (mut with, mut without) = (0, 0);
        let mut wrong = Vec::new();
        for path in files {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if doc["source"] != "recorded" {
                continue;
            }
            let Ok(ex) = crate::input::exchange_from_str(&doc["exchange"].to_string()) else {
                continue;
            };
            let browser = match doc["browser"].as_str() {
                Some("firefox") => Browser::Firefox,
                _ => Browser::Chromium,
            };
            let shown = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
            let got = preflight_request(&ex, browser);
            let opts = Options { browser: Some(browser), verdict_only: false, credentials: None };
            assert_eq!(diagnose(&ex, &opts).preflight_request, got, "{shown}: diagnosis");
            // The request alone decides the same: hide the observed preflight.
            let mut bare = ex.clone();
            bare.legs[0].preflight = None;
            assert_eq!(preflight_request(&bare, browser), got, "{shown}: without the observed preflight");
            match (&ex.legs[0].preflight, &got) {
                (Some(observed), Some(p)) => {
                    with += 1;
                    for name in ["Accept", "Access-Control-Request-Method", "Access-Control-Request-Headers", "Origin"] {
                        let sent = observed.request_headers.values(name).next();
                        if sent != header(p, name) {
                            wrong.push(format!("{shown}: {name}: sent {sent:?}, engine {:?}", header(p, name)));
                        }
                    }
                    if p.url != crate::report::reasons::display_url(ex.url()) {
                        wrong.push(format!("{shown}: url {}", p.url));
                    }
                }
                (None, None) => without += 1,
                (o, g) => wrong.push(format!("{shown}: observed {}, engine {}", o.is_some(), g.is_some())),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(with >= 40 && without >= 80, "{with} with, {without} without");
    }

    #[test]
    fn empty_exchange_does_not_panic() {
        let d = diagnose(&Exchange::default(), &full());
        assert_eq!(d.browsers.len(), 2);
        assert_eq!(d.preflight_request, None);
        assert_eq!(preflight_request(&Exchange::default(), Browser::Firefox), None);
        let all = diagnose_all(&[Exchange::default(), ex(None, &[], 0, true)], &full());
        assert_eq!(all.len(), 2);
    }
}
