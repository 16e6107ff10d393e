//! The ordered CORS checks, as each browser runs them.
//!
//! `evaluate` re-runs one browser's checks over an exchange under one
//! credentials assumption and returns the first failing step. It is the
//! single source of truth for verdicts: `diagnose` (verdict, reason,
//! evidence), `fix` (verification of a proposed fix) and `findings` all call
//! it. Pure, and allocation-free on the common passing path beyond parsing
//! the URLs.
//!
//! Order of the checks (sources: cors-reference §1.4 and §2.2, Chromium
//! services/network/cors/{cors_url_loader,preflight_controller,preflight_result}.cc
//! and public/cpp/cors/cors.cc, Firefox nsCORSListenerProxy.cpp; differences
//! marked "Chromium:" / "Firefox:" below were checked in Chromium 156 and
//! Firefox ESR 153 where the comment says "measured"):
//!
//! 1. Browser-reported facts no header shows (Firefox `CORSDisabled`,
//!    `CORSOriginHeaderNotAdded`; Chromium's request-stage kinds and Local
//!    Network Access).
//! 2. Mode: navigations, `no-cors`, same-origin URLs are not CORS requests;
//!    `same-origin` mode to another origin fails; non-HTTP(S) schemes fail.
//! 3. The preflight, if one was needed or seen: redirect, CORS check and
//!    status (Chromium: CORS check, then status; Firefox: the CORS listener
//!    on the preflight channel runs first too, then status), then
//!    `Access-Control-Allow-Methods` / `-Headers` (Chromium parses both
//!    before checking the method; Firefox parses and checks the methods
//!    before it parses the headers).
//! 4. Every redirect hop: CORS check on the redirect response (once the
//!    request is cross-origin), `Location` resolution, scheme, count,
//!    userinfo, then redirect-taint for the next hop's `Origin`.
//! 5. The final response: CORS check.

use crate::core::verdict::{Evidence, Stage, Verdict};
use crate::core::exchange::{
    Browser, Context, End, Exchange, Header, HeaderList, Mode, Preflight, PreflightObservation, Reported,
    ResourceType, Response,
};
use crate::core::stop::{self, Stopped};
use crate::core::facts::{self, is_redirect_status, preflight_hop, Route};
use crate::core::fetch::headers::{split_iter, trim_ows};
use crate::core::fetch::origin::url_has_origin;
use crate::core::fetch::{headers, origin, safelist};
use crate::core::reason::ReasonId as R;
pub use crate::core::reason::{reason_for_name, ReasonId};
use std::borrow::Cow;
use url::Url;

/// One browser's outcome for one exchange under one credentials assumption.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Blocked, Allowed, NotCors, NetworkError or Unknown (never
    /// BlockedIfCredentialed: that is decided by `diagnose` from two outcomes).
    pub verdict: Verdict,
    /// The first failing check. Set for `Blocked`; for `NetworkError` it
    /// names the network-level reason where the browser reports one (Firefox
    /// `CORSDidNotSucceed2`; Chromium reports none); for `Unknown` it is None,
    /// except when only the request mode is unknown (see `evaluate`).
    pub failure: Option<Failure>,
    /// For Unknown: the facts that are missing.
    pub missing: Vec<Missing>,
    /// Departures from the Fetch Standard that this exchange relies on, and
    /// console warnings (e.g. `Authorization` covered by `*`).
    pub notes: Vec<Note>,
    /// True when the failing `Access-Control-Allow-Origin` value contains a
    /// comma and came from a source that merges repeated header lines
    /// (`headers_merged`, as webRequest does): the server may have sent one
    /// line `a, b` or several lines. `failure` is the one-line reading.
    pub ambiguous_merged_acao: bool,
    /// With `ambiguous_merged_acao`: this browser's failure under the
    /// several-lines reading, when it differs from `failure` (Firefox:
    /// `CORSMultipleAllowOriginNotAllowed` instead of
    /// `CORSAllowOriginNotMatchingOrigin`; Chromium merges lines itself, so
    /// both readings give `MultipleAllowOriginValues` and this stays None).
    pub merged_alternative: Option<Failure>,
    /// Whether the request needed a CORS preflight, as far as the engine can
    /// tell (None where it did not get that far, e.g. not a CORS request).
    pub preflight_needed: Option<bool>,
    /// What stopped the request other than CORS (`core::stop`): the verdict
    /// is then the stop's (`not-cors`, or `network-error` for a
    /// certificate), and `failure` holds only the console line Firefox
    /// prints after some of them (`CORSDidNotSucceed2`).
    pub stopped: Option<Stopped>,
}

/// The first failing check.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The reason (`CORSMissingAllowOrigin`).
    pub reason: ReasonId,
    /// The browser's own name: Chromium `CorsError` (`PreflightMissingAllowOriginHeader`)
    /// or Firefox message key (`CORSMissingAllowOrigin2`). None where the browser
    /// logs no key (Firefox: `same-origin` mode, `no-cors` with a redirect mode
    /// other than "follow"). For a reason the browser has no key of its own but
    /// reports with a generic one, that one (Firefox: a userinfo redirect
    /// logs `CORSDidNotSucceed2`, measured).
    pub name: Option<&'static str>,
    /// Chromium's `failedParameter` / Firefox's `%2$S`. None where the
    /// browser reports none (an empty `failedParameter`), except where the
    /// parameter is an observed header value, which may be empty.
    pub parameter: Option<String>,
    pub evidence: Evidence,
}

// ---------------------------------------------------------------------------
// Links into the Fetch Standard.

const SPEC_CORS_CHECK: &str = "https://fetch.spec.whatwg.org/#cors-check";
const SPEC_PREFLIGHT: &str = "https://fetch.spec.whatwg.org/#cors-preflight-fetch";
const SPEC_REDIRECT: &str = "https://fetch.spec.whatwg.org/#http-redirect-fetch";
const SPEC_MAIN_FETCH: &str = "https://fetch.spec.whatwg.org/#main-fetch";
const SPEC_NETWORK_ERROR: &str = "https://fetch.spec.whatwg.org/#concept-network-error";
const SPEC_LNA: &str = "https://wicg.github.io/local-network-access/";
const SPEC_NON_WILDCARD: &str =
    "https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name";

const ACAO: &str = "Access-Control-Allow-Origin";
const ACAC: &str = "Access-Control-Allow-Credentials";
const ACAM: &str = "Access-Control-Allow-Methods";
const ACAH: &str = "Access-Control-Allow-Headers";
const ACRH: &str = "Access-Control-Request-Headers";

/// The Fetch Standard's redirect limit.
const MAX_REDIRECTS: usize = 20;

// ---------------------------------------------------------------------------
// Outcome construction.

struct Run {
    notes: Vec<Note>,
    ambiguous: bool,
    merged_alt: Option<Failure>,
    preflight_needed: Option<bool>,
    /// A needed preflight was not observed and assumed to have passed.
    assumed_preflight: bool,
}

/// The outcome of one preflight's checks.
enum PfGate {
    Pass,
    Network(Option<Failure>),
    Unknown(Missing),
    Blocked(Box<CorsFail>),
}

impl Run {
    fn finish(self, verdict: Verdict, failure: Option<Failure>, missing: Vec<Missing>) -> Outcome {
        Outcome {
            verdict,
            failure,
            missing,
            notes: self.notes,
            ambiguous_merged_acao: self.ambiguous,
            merged_alternative: self.merged_alt,
            preflight_needed: self.preflight_needed,
            stopped: None,
        }
    }
    /// Stopped by something other than CORS.
    fn stopped(self, browser: Browser, s: Stopped) -> Outcome {
        let f = (browser == Browser::Firefox && s.stop.firefox_logs_did_not_succeed()).then(|| {
            let mut f = firefox_did_not_succeed(Stage::Request, None);
            f.evidence = s.evidence.clone();
            f
        });
        let mut o = self.finish(s.stop.verdict(), f, Vec::new());
        o.stopped = Some(s);
        o
    }
    /// Blocked by a CORS check; a merged `Access-Control-Allow-Origin`
    /// read both ways says which reading comes first.
    fn blocked_cors(mut self, cf: CorsFail) -> Outcome {
        self.ambiguous = cf.ambiguous;
        if cf.merged_alt.is_some() {
            let two_lines_first = cf.failure.reason == R::CORSMultipleAllowOriginNotAllowed;
            self.notes.push(Note::MergedAcao { two_lines_first });
        }
        self.merged_alt = cf.merged_alt;
        self.blocked(cf.failure)
    }
    fn blocked(mut self, f: Failure) -> Outcome {
        if self.assumed_preflight && matches!(f.evidence.stage, Stage::Actual | Stage::Redirect) {
            self.notes.push(Note::FailsAnyway);
        }
        self.finish(Verdict::Blocked, Some(f), Vec::new())
    }
    fn gate(self, g: PfGate) -> Outcome {
        match g {
            PfGate::Pass => self.allowed(),
            PfGate::Network(f) => self.network(f),
            PfGate::Unknown(t) => self.unknown(t),
            PfGate::Blocked(cf) => self.blocked_cors(*cf),
        }
    }
    /// Records that a needed preflight (to the first URL: `at` None; after
    /// redirect hop `at`) was not observed and is taken to have passed.
    fn assume_preflight(&mut self, obs: PreflightObservation, at: Option<usize>) {
        if obs == PreflightObservation::NotSent {
            // The source says none was sent: nothing to assume.
            return;
        }
        self.assumed_preflight = true;
        let cached = obs == PreflightObservation::Cached;
        // One such note of each kind (the first preflight it concerns).
        let seen = self.notes.iter().any(|n| matches!(n, Note::PreflightAssumed { cached: c, .. } if *c == cached));
        if !seen {
            self.notes.push(Note::PreflightAssumed { cached, after: at });
        }
    }
    fn unknown(self, missing: Missing) -> Outcome {
        self.finish(Verdict::Unknown, None, vec![missing])
    }
    fn not_cors(self) -> Outcome {
        self.finish(Verdict::NotCors, None, Vec::new())
    }
    fn allowed(self) -> Outcome {
        self.finish(Verdict::Allowed, None, Vec::new())
    }
    fn network(self, f: Option<Failure>) -> Outcome {
        self.finish(Verdict::NetworkError, f, Vec::new())
    }
}

fn ev(
    stage: Stage,
    hop: Option<usize>,
    header: Option<&str>,
    observed: Option<String>,
    expected: Option<String>,
    step: &str,
    url: &str,
) -> Evidence {
    Evidence {
        stage,
        hop,
        header: header.map(str::to_string),
        observed,
        expected,
        fetch_step: step.to_string(),
        spec_url: Some(url.to_string()),
    }
}

fn fail(
    reason: ReasonId,
    name: Option<&'static str>,
    parameter: Option<String>,
    evidence: Evidence,
) -> Failure {
    Failure {
        reason,
        name,
        parameter,
        evidence,
    }
}



// ---------------------------------------------------------------------------
// Header helpers.

fn is_ok_status(s: u16) -> bool {
    (200..=299).contains(&s)
}

// ---------------------------------------------------------------------------
// Origins.

// ---------------------------------------------------------------------------
// The CORS check, per browser.

#[derive(Clone, Copy, PartialEq)]
enum Where {
    /// A preflight: `None` for the one sent to the request's first URL,
    /// `Some(i)` for the one sent after redirect hop `i`.
    Preflight(Option<usize>),
    Redirect(usize),
    Actual,
}

impl Where {
    fn stage(self) -> (Stage, Option<usize>) {
        match self {
            Where::Preflight(at) => (Stage::Preflight, at),
            Where::Redirect(i) => (Stage::Redirect, Some(i)),
            Where::Actual => (Stage::Actual, None),
        }
    }
}

struct CorsFail {
    failure: Failure,
    ambiguous: bool,
    merged_alt: Option<Failure>,
}

/// The CORS check of one response (`headers`, `status`) against the
/// serialized request `origin` (`"null"` when tainted).
fn cors_check(
    browser: Browser,
    wh: Where,
    headers: &[Header],
    merged: bool,
    status: u16,
    req_origin: &str,
    cred: bool,
) -> Result<(), Box<CorsFail>> {
    let pre = matches!(wh, Where::Preflight(_));
    let (stage, hop) = wh.stage();
    let acao = headers.combined(ACAO);
    let acao_lines = headers.values(ACAO).count();
    let comma_merged =
        merged && acao_lines == 1 && acao.as_deref().is_some_and(|v| v.contains(','));
    // Firefox counts the lines whose *original* name is exactly
    // `Access-Control-Allow-Origin` (CheckOriginHeader compares the name
    // case-sensitively). Measured in Firefox ESR 153: two lines named
    // `access-control-allow-origin` (or one of each case) are merged and
    // reported as CORSAllowOriginNotMatchingOrigin with the value "a, b".
    let exact_acao_lines = headers
        .iter()
        .filter(|h| h.name.trim_ascii() == ACAO)
        .count();
    let mk = |reason,
              name,
              param,
              observed: Option<String>,
              expected: Option<String>,
              step: &str,
              header: &str| {
        fail(
            reason,
            name,
            param,
            ev(
                stage,
                hop,
                Some(header),
                observed,
                expected,
                step,
                SPEC_CORS_CHECK,
            ),
        )
    };
    let single = |f: Failure| {
        Box::new(CorsFail {
            failure: f,
            ambiguous: false,
            merged_alt: None,
        })
    };
    // Built only on failure (the passing path allocates nothing).
    let expected_origin = || Some(req_origin.to_string());

    match browser {
        Browser::Chromium => {
            // cors.cc CheckAccess: `*` first, then absence, then byte
            // comparison with the sub-classification, then credentials.
            match acao.as_deref() {
                Some("*") => {
                    if cred {
                        let r = R::CORSNotSupportingCredentials;
                        return Err(single(mk(
                            r,
                            r.chromium_kind(pre),
                            None,
                            Some("*".into()),
                            expected_origin(),
                            "CORS check, step 4",
                            ACAO,
                        )));
                    }
                    return Ok(());
                }
                None => {
                    let r = R::CORSMissingAllowOrigin;
                    return Err(single(mk(
                        r,
                        r.chromium_kind(pre),
                        None,
                        None,
                        expected_origin(),
                        "CORS check, step 2",
                        ACAO,
                    )));
                }
                Some(v) if v != req_origin => {
                    let observed = Some(v.to_string());
                    let reason = if v.contains([' ', ',']) {
                        R::CORSMultipleAllowOriginNotAllowed
                    } else if v == "null" || origin::is_valid_url(v) {
                        R::CORSAllowOriginNotMatchingOrigin
                    } else {
                        R::CORSInvalidAllowOriginValue
                    };
                    let f = mk(
                        reason,
                        reason.chromium_kind(pre),
                        observed.clone(),
                        observed,
                        expected_origin(),
                        "CORS check, step 4",
                        ACAO,
                    );
                    return Err(Box::new(CorsFail {
                        failure: f,
                        ambiguous: comma_merged,
                        merged_alt: None,
                    }));
                }
                Some(_) => {}
            }
        }
        Browser::Firefox => {
            // nsCORSListenerProxy::CheckRequestApproved: header *lines*
            // first, then absence, `*` with credentials, comparison, ACAC.
            if exact_acao_lines > 1 {
                let observed = acao.as_deref().map(str::to_string);
                return Err(single(mk(
                    R::CORSMultipleAllowOriginNotAllowed,
                    R::CORSMultipleAllowOriginNotAllowed.browser_name(browser, pre),
                    None,
                    observed,
                    expected_origin(),
                    "CORS check, step 4",
                    ACAO,
                )));
            }
            let Some(v) = acao.as_deref() else {
                return Err(single(mk(
                    R::CORSMissingAllowOrigin,
                    R::CORSMissingAllowOrigin.browser_name(browser, pre),
                    Some(status.to_string()),
                    None,
                    expected_origin(),
                    "CORS check, step 2",
                    ACAO,
                )));
            };
            if cred && v == "*" {
                return Err(single(mk(
                    R::CORSNotSupportingCredentials,
                    R::CORSNotSupportingCredentials.browser_name(browser, pre),
                    None,
                    Some("*".into()),
                    expected_origin(),
                    "CORS check, step 4",
                    ACAO,
                )));
            }
            if (cred || v != "*") && v != req_origin {
                let observed = Some(v.to_string());
                let one_line = mk(
                    R::CORSAllowOriginNotMatchingOrigin,
                    R::CORSAllowOriginNotMatchingOrigin.browser_name(browser, pre),
                    observed.clone(),
                    observed.clone(),
                    expected_origin(),
                    "CORS check, step 4",
                    ACAO,
                );
                if !comma_merged {
                    return Err(single(one_line));
                }
                // The source merged the lines (webRequest does); Firefox reads
                // them as sent. Name the more likely reading first (issue 11
                // §5; both shapes measured, MEASURED.md §3): one origin
                // repeated, or `*` with an origin, is usually two layers each
                // adding the header (two lines: CORSMultipleAllowOriginNotAllowed);
                // different origins, one line listing them
                // (CORSAllowOriginNotMatchingOrigin with the value).
                let two_lines = mk(
                    R::CORSMultipleAllowOriginNotAllowed,
                    R::CORSMultipleAllowOriginNotAllowed.browser_name(browser, pre),
                    None,
                    observed,
                    expected_origin(),
                    "CORS check, step 4",
                    ACAO,
                );
                let (failure, alt) =
                    if two_layers_likely(v) { (two_lines, one_line) } else { (one_line, two_lines) };
                return Err(Box::new(CorsFail {
                    failure,
                    ambiguous: true,
                    merged_alt: Some(alt),
                }));
            }
        }
    }
    if cred {
        let acac = headers.combined(ACAC);
        if acac.as_deref() != Some("true") {
            let observed = acac.as_deref().map(str::to_string);
            let param = match browser {
                Browser::Chromium => Some(observed.clone().unwrap_or_default()),
                Browser::Firefox => None,
            };
            let r = R::CORSMissingAllowCredentials;
            return Err(single(fail(
                r,
                r.browser_name(browser, pre),
                param,
                ev(
                    stage,
                    hop,
                    Some(ACAC),
                    observed,
                    Some("true".into()),
                    "CORS check, step 7",
                    SPEC_CORS_CHECK,
                ),
            )));
        }
    }
    Ok(())
}

/// Whether a merged `Access-Control-Allow-Origin` value (the items of
/// repeated lines joined with commas) more likely came from several lines
/// than from one line listing origins: its items are all the same, or `*`
/// is one of several items (two layers each adding the header, one with
/// `*`). A list of different origins is one line trying to list them.
pub fn two_layers_likely(merged: &str) -> bool {
    let items: Vec<&str> = split_iter(merged).collect();
    if items.len() < 2 {
        return false;
    }
    let first = items.first().copied().unwrap_or("");
    items.iter().all(|i| *i == first) || items.contains(&"*")
}

// ---------------------------------------------------------------------------
// Errors reported by the browser.

#[derive(Clone, Copy, Debug, PartialEq)]
enum ErrKind {
    /// The CORS layer (or another security check) failed the request.
    Blocked,
    /// Not CORS: refused, DNS, TLS, reset, empty response, too many redirects.
    Network,
    /// The request was cancelled.
    Aborted,
    /// Not a browser error string we know (page-level text, say).
    Other,
}

fn classify_error(e: &str, after_redirect: bool) -> ErrKind {
    let e = e.trim();
    match e {
        "net::ERR_FAILED" | "NS_ERROR_DOM_BAD_URI" => ErrKind::Blocked,
        "net::ERR_ABORTED" | "NS_BINDING_ABORTED" => ErrKind::Aborted,
        // Firefox webRequest after a redirect whose target failed the CORS
        // check (browsers.md: NS_ERROR_UNEXPECTED, rarely
        // NS_ERROR_NET_ON_RECEIVING_FROM).
        "NS_ERROR_UNEXPECTED" | "NS_ERROR_NET_ON_RECEIVING_FROM" if after_redirect => {
            ErrKind::Blocked
        }
        _ if e.starts_with("net::ERR_")
            || e.starts_with("NS_ERROR_")
            || e.starts_with("NS_BINDING_") =>
        {
            ErrKind::Network
        }
        _ => ErrKind::Other,
    }
}

fn firefox_did_not_succeed(stage: Stage, error: Option<&str>) -> Failure {
    fail(
        R::CORSDidNotSucceed,
        R::CORSDidNotSucceed.browser_name(Browser::Firefox, false),
        None,
        ev(
            stage,
            None,
            None,
            error.map(str::to_string),
            None,
            "network error",
            SPEC_NETWORK_ERROR,
        ),
    )
}

// ---------------------------------------------------------------------------
// What is missing, and notes (the report says them: `report::texts`).

/// A fact the checks needed and the exchange does not have (an `Unknown`
/// outcome says which).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The page's origin: no `page.origin`, no `Origin` header.
    Origin,
    /// A request URL that parses (the one that does not).
    Url(String),
    /// The preflight a request needed, not observed, and no response.
    PreflightNotObserved,
    /// The preflight after a cross-origin redirect, and any response.
    RedirectPreflightNotObserved,
    /// The response (after the browser's error, if it reported one).
    Response { error: Option<String> },
    /// The request mode of an element (no-cors unless `crossorigin`).
    Mode,
    /// The cached response's headers behind a 304.
    CachedResponse,
    /// Why the browser failed a request whose headers pass (its error).
    UnexplainedError(String),
    /// Why the page saw a call fail whose headers pass.
    UnexplainedRejection,
    /// A completed request: it was cancelled (the error).
    Aborted(String),
    /// The browser never sent the request, and no preflight stopped it
    /// (Firefox's HAR: status 0, no timings): what stopped it before the
    /// network (the page's Content Security Policy, an extension, mixed
    /// content, the request's mode).
    NotSent,
}

/// A departure from the standard this exchange relies on, or how the
/// verdict was reached (the report says them: `report::texts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// A needed preflight was not observed: answered from the preflight
    /// cache (`cached`), or taken to have passed (hidden, unknown); `after`:
    /// the redirect it followed (None: the first URL's).
    PreflightAssumed { cached: bool, after: Option<usize> },
    /// The response fails its own check whatever the unobserved preflight said.
    FailsAnyway,
    /// `Authorization` covered by `Access-Control-Allow-Headers: *` (allowed
    /// by this browser, with a deprecation warning).
    AuthorizationWildcard(Browser),
    /// The reason is the one the browser reported, not observed.
    FromReport,
    /// The browser recorded that it delivered the response (a completed
    /// request, the page's success), where the checks alone could not
    /// decide: the verdict is that outcome.
    Delivered,
    /// The browser recorded that its CORS layer failed the request (the
    /// error: Chromium's `net::ERR_FAILED`, Firefox's
    /// `NS_ERROR_DOM_BAD_URI`), where the record does not show which check.
    RecordedFailure(String),
    /// Firefox's merged `Access-Control-Allow-Origin` (the source joined
    /// repeated lines into one value): which reading came first and why.
    MergedAcao { two_lines_first: bool },
}

// ---------------------------------------------------------------------------
// Request facts.

/// Whether the request comes from a script API that sets the
/// unsafe-request flag (fetch(), XHR): only those can need a preflight.
fn script_api(rt: ResourceType) -> bool {
    matches!(
        rt,
        ResourceType::Fetch | ResourceType::Xhr | ResourceType::Other
    )
}

/// The CORS-unsafe request-header names, in the order the browser would
/// name the first one missing from the preflight's allow list: Chromium
/// walks the request's headers in order, Firefox its sorted list. From the
/// headers the page's script set, else an observed preflight's
/// `Access-Control-Request-Headers`, else the headers sent less those the
/// browser adds. Without an observed preflight, Firefox's list is
/// `safelist::request_unsafe_header_names` as is (what the reconstructed
/// preflight sends, `diagnose::preflight_request`); Chromium's holds the
/// same names in request order (`safelist::unsafe_names_in_order`).
fn unsafe_names(ex: &Exchange, browser: Browser) -> Vec<String> {
    let first = ex.legs.first();
    if ex.page.author_headers.is_none() {
        if let Some(acrh) = first.and_then(|l| l.preflight.as_ref()).and_then(|p| p.request_headers.combined(ACRH)) {
            let mut v: Vec<String> = split_iter(&acrh).map(|s| s.to_ascii_lowercase()).collect();
            crate::core::order::sort_unstable(&mut v);
            v.dedup();
            return v;
        }
    }
    let author = ex.page.author_headers.as_deref();
    let sent = first.map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
    match browser {
        Browser::Firefox => safelist::request_unsafe_header_names(author, sent, browser),
        Browser::Chromium => safelist::request_unsafe_names_in_order(author, sent, browser),
    }
}

// ---------------------------------------------------------------------------
// The preflight.

/// The checks of the response `resp` to one preflight: the one sent to the
/// first URL (`at` None) or the one sent after redirect hop `at`. `pf_origin`
/// is the `Origin` the preflight carried ([`facts::preflight_origin`]).
#[allow(clippy::too_many_arguments)]
fn check_preflight(
    resp: &Response,
    at: Option<usize>,
    browser: Browser,
    cred: bool,
    pf_origin: &str,
    method: &str,
    names: &[String],
    run: &mut Run,
) -> Result<(), Box<CorsFail>> {
    let wh = Where::Preflight(at);
    let (pstage, phop) = wh.stage();
    let one = |f: Failure| {
        Box::new(CorsFail {
            failure: f,
            ambiguous: false,
            merged_alt: None,
        })
    };
    let status = resp.status;
    let location = resp.headers.first_value("location");

    // A redirect of the preflight. Chromium: PreflightLoader::HandleRedirect,
    // before any header check. Firefox: the CORS listener wrapping the
    // preflight channel checks the redirect response first
    // (AsyncOnChannelRedirect -> CheckRequestApproved), then the preflight
    // listener refuses the redirect.
    if is_redirect_status(status) && location.is_some() {
        if browser == Browser::Firefox {
            cors_check(
                browser,
                wh,
                &resp.headers,
                resp.headers_merged,
                status,
                pf_origin,
                cred,
            )?;
        }
        let name = R::CORSExternalRedirectNotAllowed.browser_name(browser, true);
        return Err(one(fail(
            R::CORSExternalRedirectNotAllowed,
            name,
            None,
            ev(
                pstage,
                phop,
                Some("Location"),
                location.map(str::to_string),
                None,
                "CORS-preflight fetch, step 7 (a redirect is not an ok status)",
                SPEC_PREFLIGHT,
            ),
        )));
    }

    // CORS check with the actual request's credentials mode, then the status
    // (both browsers: Chromium CheckPreflightAccess, Firefox's CORS listener
    // before nsCORSPreflightListener; measured: a 404 preflight without
    // ACAO is PreflightMissingAllowOriginHeader in Chromium).
    cors_check(
        browser,
        wh,
        &resp.headers,
        resp.headers_merged,
        status,
        pf_origin,
        cred,
    )?;
    if !is_ok_status(status) {
        let param = match browser {
            Browser::Chromium => None,
            Browser::Firefox => Some(status.to_string()),
        };
        let r = R::CORSPreflightDidNotSucceed;
        return Err(one(fail(
            r,
            r.browser_name(browser, true),
            param,
            ev(
                pstage,
                phop,
                None,
                Some(status.to_string()),
                Some("200-299".into()),
                "CORS-preflight fetch, step 7 (ok status)",
                SPEC_PREFLIGHT,
            ),
        )));
    }

    // Iterators over the lines (no allocation on the passing path).
    let acam_lines = resp.headers.values(ACAM);
    let acah_lines = resp.headers.values(ACAH);
    let bad_acam = headers::first_invalid_token(acam_lines.clone());
    let bad_acah = headers::first_invalid_token(acah_lines.clone());
    let parse_fail = |header: &str, bad: &str, joined: String, reason: ReasonId| {
        let param = match browser {
            Browser::Chromium => None,
            Browser::Firefox => Some(bad.to_string()),
        };
        fail(
            reason,
            reason.browser_name(browser, true),
            param,
            ev(
                pstage,
                phop,
                Some(header),
                Some(joined),
                Some(format!(
                    "a comma-separated list of tokens; '{bad}' is not one"
                )),
                "CORS-preflight fetch, step 7.3",
                SPEC_PREFLIGHT,
            ),
        )
    };
    let acam_fail = |bad: &str| {
        parse_fail(
            ACAM,
            bad,
            acam_lines.clone().collect::<Vec<_>>().join(", "),
            R::CORSInvalidAllowMethod,
        )
    };
    let acah_fail = |bad: &str| {
        parse_fail(
            ACAH,
            bad,
            acah_lines.clone().collect::<Vec<_>>().join(", "),
            R::CORSInvalidAllowHeader,
        )
    };

    // Chromium (PreflightResult::Parse) parses both lists before checking
    // anything (measured: ACAM without PUT plus an invalid ACAH item is
    // InvalidAllowHeadersPreflightResponse). Firefox parses and checks the
    // methods, then parses the headers.
    if browser == Browser::Chromium {
        if let Some(bad) = bad_acam {
            return Err(one(acam_fail(bad)));
        }
        if let Some(bad) = bad_acah {
            return Err(one(acah_fail(bad)));
        }
    } else if let Some(bad) = bad_acam {
        return Err(one(acam_fail(bad)));
    }

    // Method: listed (case-sensitive; Chromium 156 compares the method as
    // normalized by fetch(), measured: `patch` vs `PATCH` fails), safelisted,
    // or `*` without credentials.
    let method_ok = safelist::is_safelisted_method(method)
        || acam_lines
            .clone()
            .flat_map(split_iter)
            .any(|m| m == method || (m == "*" && !cred));
    if !method_ok {
        let param = match browser {
            Browser::Chromium => Some(method.to_string()),
            Browser::Firefox => None,
        };
        let observed = resp.headers.combined(ACAM).map(Cow::into_owned);
        let r = R::CORSMethodNotFound;
        return Err(one(fail(
            r,
            r.browser_name(browser, true),
            param,
            ev(
                pstage,
                phop,
                Some(ACAM),
                observed,
                Some(method.to_string()),
                "CORS-preflight fetch, step 7.5",
                SPEC_PREFLIGHT,
            ),
        )));
    }
    if browser == Browser::Firefox {
        if let Some(bad) = bad_acah {
            return Err(one(acah_fail(bad)));
        }
    }

    // Headers: `*` (without credentials) covers every name; Authorization
    // only by the browsers' current departure from the standard (measured in
    // both: allowed, with a deprecation warning).
    let wildcard = !cred
        && acah_lines
            .clone()
            .flat_map(split_iter)
            .any(|h| h == "*");
    let listed = |n: &str| {
        acah_lines
            .clone()
            .flat_map(split_iter)
            .any(|h| h.eq_ignore_ascii_case(n))
    };
    for n in names {
        if listed(n) {
            continue;
        }
        if wildcard {
            if n.eq_ignore_ascii_case("authorization") {
                run.notes.push(Note::AuthorizationWildcard(browser));
            }
            continue;
        }
        let name = R::CORSMissingAllowHeaderFromPreflight.browser_name(browser, true);
        let observed = resp.headers.combined(ACAH).map(Cow::into_owned);
        let (step, url) = if n.eq_ignore_ascii_case("authorization")
            && acah_lines
                .clone()
                .flat_map(split_iter)
                .any(|h| h == "*")
        {
            ("CORS-preflight fetch, step 7.6", SPEC_NON_WILDCARD)
        } else {
            ("CORS-preflight fetch, step 7.7", SPEC_PREFLIGHT)
        };
        return Err(one(fail(
            R::CORSMissingAllowHeaderFromPreflight,
            name,
            Some(n.clone()),
            ev(
                pstage,
                phop,
                Some(ACAH),
                observed,
                Some(n.clone()),
                step,
                url,
            ),
        )));
    }
    Ok(())
}

/// Request-body headers, dropped when a redirect turns the request into a
/// GET (Fetch, HTTP-redirect fetch, step 12).
fn is_request_body_header(n: &str) -> bool {
    ["content-encoding", "content-language", "content-location", "content-type"]
        .iter()
        .any(|b| n.eq_ignore_ascii_case(b))
}

/// One preflight, as the gate before the request it precedes: no response
/// (network error, aborted), then its checks.
#[allow(clippy::too_many_arguments)]
fn preflight_gate(
    pf: &Preflight,
    at: Option<usize>,
    browser: Browser,
    cred: bool,
    pf_origin: &str,
    method: &str,
    names: &[String],
    error: Option<&str>,
    reported: Option<&Reported>,
    net_failed: bool,
    run: &mut Run,
) -> PfGate {
    let Some(resp) = pf.response.as_ref() else {
        // The preflight got no response.
        let e = pf.error.as_deref().or(error);
        let kind = e.map(|e| classify_error(e, false)).or(net_failed.then_some(ErrKind::Network));
        return match kind {
            Some(ErrKind::Network)
                if browser == Browser::Chromium
                    && (reported
                        .and_then(|r| r.cors_error.as_deref())
                        .and_then(|n| reason_for_name(browser, n))
                        .is_some_and(|(r, _)| r == R::CORSInvalidResponse)
                        || error.is_some_and(|a| classify_error(a, false) == ErrKind::Blocked)) =>
            {
                // The browser reported kInvalidResponse, or failed the
                // request in its CORS layer (net::ERR_FAILED) rather than
                // with the preflight's own net error: cors.mojom's
                // InvalidResponse (a preflight that failed with a non-CORS
                // net error). Chromium 156 itself fails a dropped preflight
                // with the net error and no CorsError (recorded:
                // network-error/preflight-dropped.chromium), handled below.
                PfGate::Blocked(Box::new(CorsFail {
                    failure: fail(
                        R::CORSInvalidResponse,
                        R::CORSInvalidResponse.browser_name(browser, true),
                        None,
                        ev(
                            Stage::Preflight,
                            at,
                            None,
                            e.map(str::to_string),
                            Some("an HTTP response".into()),
                            "CORS-preflight fetch, step 7 (a network error)",
                            SPEC_PREFLIGHT,
                        ),
                    ),
                    ambiguous: false,
                    merged_alt: None,
                }))
            }
            Some(ErrKind::Network) => {
                // Chromium: the actual request fails with the net error and
                // no CorsError; kInvalidResponse is *not* reported (measured
                // in Chromium 156 with the CDP Network and Audits domains,
                // for ERR_EMPTY_RESPONSE and ERR_CONNECTION_REFUSED
                // preflights); it is reachable only from a browser report.
                // Firefox logs CORSDidNotSucceed2 (measured).
                let f = (browser == Browser::Firefox).then(|| {
                    let mut f = firefox_did_not_succeed(Stage::Preflight, e);
                    f.evidence.hop = at;
                    f
                });
                PfGate::Network(f)
            }
            Some(ErrKind::Aborted) => PfGate::Unknown(Missing::Aborted(e.unwrap_or("").to_string())),
            _ => PfGate::Unknown(Missing::Response { error: e.map(str::to_string) }),
        };
    };
    match check_preflight(resp, at, browser, cred, pf_origin, method, names, run) {
        Ok(()) => PfGate::Pass,
        Err(cf) => PfGate::Blocked(cf),
    }
}

// ---------------------------------------------------------------------------
// Browser-reported facts and context.

/// Chromium's request-stage kinds, reached from the browser's own report
/// (renderer-only codes and Local Network Access, which no header shows).
fn chromium_reported(r: &Reported) -> Option<Failure> {
    let (reason, _) = reason_for_name(Browser::Chromium, r.cors_error.as_deref()?)?;
    let (step, url) = match reason {
        R::CORSInsecureLocalNetwork => ("Local Network Access: secure context required", SPEC_LNA),
        R::CORSInvalidLocalNetworkAccess => ("Local Network Access: target address space", SPEC_LNA),
        R::CORSLocalNetworkAccessPermissionDenied => ("Local Network Access: permission", SPEC_LNA),
        R::CORSNoCorsRedirectModeNotFollow => (
            "Main fetch: no-cors mode requires redirect mode \"follow\"",
            SPEC_MAIN_FETCH,
        ),
        R::CORSDisallowedByMode => ("Main fetch: mode \"same-origin\"", SPEC_MAIN_FETCH),
        // Reached from the headers, or not a request-stage kind.
        R::CORSDisabled
        | R::CORSRequestNotHttp
        | R::CORSOriginHeaderNotAdded
        | R::CORSDidNotSucceed
        | R::CORSInvalidResponse
        | R::CORSExternalRedirectNotAllowed
        | R::CORSMultipleAllowOriginNotAllowed
        | R::CORSMissingAllowOrigin
        | R::CORSNotSupportingCredentials
        | R::CORSInvalidAllowOriginValue
        | R::CORSAllowOriginNotMatchingOrigin
        | R::CORSMissingAllowCredentials
        | R::CORSPreflightDidNotSucceed
        | R::CORSInvalidAllowMethod
        | R::CORSMethodNotFound
        | R::CORSInvalidAllowHeader
        | R::CORSMissingAllowHeaderFromPreflight
        | R::CORSRedirectContainsCredentials => return None,
    };
    let param = r.failed_parameter.clone().filter(|p| !p.is_empty());
    // The current name, also for a report of an older one.
    Some(fail(
        reason,
        reason.chromium_kind(false),
        param,
        ev(Stage::Request, None, None, None, None, step, url),
    ))
}

fn space_rank(s: &str) -> Option<u8> {
    match s.trim().to_ascii_lowercase().as_str() {
        "public" => Some(0),
        "local" | "private" => Some(1),
        "loopback" => Some(2),
        _ => None,
    }
}

/// Chromium's Local Network Access checks from the context
/// (local_network_access_check_result.cc → CorsError, cors-reference §1.5):
/// a declared `targetAddressSpace` that the resource does not match →
/// InvalidLocalNetworkAccess; a more private target from a non-secure
/// context → InsecureLocalNetwork; a more private target with the
/// permission denied → LocalNetworkAccessPermissionDenied.
fn chromium_lna(c: &Context, blocked_error: Option<&str>) -> Option<Failure> {
    let target = c.target_address_space.as_deref()?;
    if let Some(declared) = c.declared_target_address_space.as_deref() {
        if space_rank(declared).is_some() && space_rank(declared) != space_rank(target) {
            return Some(fail(
                R::CORSInvalidLocalNetworkAccess,
                R::CORSInvalidLocalNetworkAccess.chromium_kind(false),
                None,
                ev(
                    Stage::Request,
                    None,
                    None,
                    Some(target.to_string()),
                    Some(declared.to_string()),
                    "Local Network Access: target address space",
                    SPEC_LNA,
                ),
            ));
        }
    }
    let initiator = c.initiator_address_space.as_deref()?;
    let (Some(t), Some(i)) = (space_rank(target), space_rank(initiator)) else {
        return None;
    };
    if t <= i {
        return None;
    }
    if c.secure_context == Some(false) {
        return Some(fail(
            R::CORSInsecureLocalNetwork,
            R::CORSInsecureLocalNetwork.chromium_kind(false),
            None,
            ev(
                Stage::Request,
                None,
                None,
                Some(target.to_string()),
                Some("a secure context (HTTPS page)".into()),
                "Local Network Access: secure context required",
                SPEC_LNA,
            ),
        ));
    }
    // Denied, or not granted and the request failed in the CORS layer with
    // no response (measured in Chromium 156: a public secure page fetching a
    // loopback URL, the prompt unanswered in headless mode, fails with
    // LocalNetworkAccessPermissionDenied).
    let permission = c.local_network_permission.as_deref().map(str::trim);
    let failed = blocked_error.is_some_and(|e| classify_error(e, false) == ErrKind::Blocked);
    if permission == Some("denied") || (permission != Some("granted") && failed) {
        return Some(fail(
            R::CORSLocalNetworkAccessPermissionDenied,
            R::CORSLocalNetworkAccessPermissionDenied.chromium_kind(false),
            None,
            ev(
                Stage::Request,
                None,
                None,
                Some(permission.unwrap_or("not granted").to_string()),
                Some("granted".into()),
                "Local Network Access: permission",
                SPEC_LNA,
            ),
        ));
    }
    None
}

fn firefox_reported_key(r: Option<&Reported>) -> Option<&str> {
    r.and_then(|r| r.firefox_key.as_deref()).map(str::trim)
}

// ---------------------------------------------------------------------------
// evaluate.

/// Runs `browser`'s checks over `ex`, assuming the request was credentialed
/// (`credentials: "include"`) or not.
///
/// When the request's mode is a guess (an image or script with no mode and
/// no `Origin` or `Sec-Fetch-Mode` header: `no-cors` unless `crossorigin`),
/// a failure comes back as `Unknown` with the mode missing; `failure` then
/// holds what the failure would be in CORS mode.
///
/// Where the exchange cannot decide (`Unknown`: a hidden preflight, no
/// response) but the browser's own report (`ex.reported`) names a reason for
/// this browser, the outcome is `Blocked` with that reason, its evidence
/// marked as reported, and a note saying so.
///
/// What the browser recorded of the outcome is not read here (see
/// [`settle`]): the checks say what the headers and the browser's report
/// give.
pub fn evaluate(ex: &Exchange, browser: Browser, credentialed: bool) -> Outcome {
    evaluate_prepared(ex, &prepare(ex), browser, credentialed)
}

/// What `evaluate` works out of an exchange before any browser-specific
/// check (the parsed request URL, the mode, the CORS-unsafe header names):
/// made once by [`prepare`] and shared by several [`evaluate_prepared`]
/// calls over the same exchange (`diagnose` runs up to four).
pub struct Prepared<'a> {
    route: Route<'a>,
    mode: Mode,
    mode_guessed: bool,
    /// The unsafe request-header names in each browser's order (Chromium,
    /// Firefox), worked out on first use; empty when no preflight can be
    /// involved.
    names: [std::cell::OnceCell<Vec<String>>; 2],
    /// Whether a preflight can be involved (a script API, or one was seen).
    names_apply: bool,
}

impl<'a> Prepared<'a> {
    /// The request's way over its legs ([`Route`]).
    pub fn route(&self) -> &Route<'a> {
        &self.route
    }

    fn names(&self, ex: &'a Exchange, browser: Browser) -> &[String] {
        if !self.names_apply {
            return &[];
        }
        let i = match browser {
            Browser::Chromium => 0,
            Browser::Firefox => 1,
        };
        match self.names.get(i) {
            Some(cell) => cell.get_or_init(|| unsafe_names(ex, browser)),
            None => &[],
        }
    }
}

/// See [`Prepared`].
pub fn prepare(ex: &Exchange) -> Prepared<'_> {
    let (mode, mode_guessed) = facts::mode(ex);
    Prepared {
        route: Route::new(ex),
        mode,
        mode_guessed,
        names: Default::default(),
        names_apply: script_api(ex.page.resource_type) || ex.legs.first().is_some_and(|l| l.preflight.is_some()),
    }
}

/// [`evaluate`] with the browser-independent work done once ([`prepare`]);
/// `p` must come from `prepare(ex)`.
pub fn evaluate_prepared<'a>(ex: &'a Exchange, p: &Prepared<'a>, browser: Browser, credentialed: bool) -> Outcome {
    let (mode, mode_guessed) = (p.mode, p.mode_guessed);
    let mut o = evaluate_in(ex, p, browser, credentialed, mode);
    if mode_guessed && o.verdict == Verdict::Blocked {
        o.verdict = Verdict::Unknown;
        o.missing.push(Missing::Mode);
        return o;
    }
    if o.verdict == Verdict::Unknown {
        if let Some(f) = ex
            .reported
            .as_ref()
            .and_then(|r| failure_from_report(r, browser))
        {
            o.verdict = Verdict::Blocked;
            o.failure = Some(f);
            o.missing.clear();
            o.notes.push(Note::FromReport);
        }
    }
    o
}

/// The checks' `Unknown` outcome for `browser`, settled by what the browser
/// recorded of the outcome, where the record speaks for that browser (the
/// exchange's `browser`, or any when it names none):
///
/// - the browser delivered the response (`end: completed`, Chromium's
///   record; or the page saw the call succeed, for a request not made in
///   `no-cors` mode): `Allowed`, with [`Note::Delivered`];
/// - the browser's CORS layer failed the request (Chromium's
///   `net::ERR_FAILED`, Firefox's `NS_ERROR_DOM_BAD_URI`) where the record
///   lacks what would name the check (no response, a preflight not
///   observed, an error the headers do not explain): `Blocked`, with no
///   `failure` (the reason is not known), the missing facts kept, and
///   [`Note::RecordedFailure`].
///
/// Other outcomes are returned as they are: where the checks decide, the
/// verdict is theirs. The element mode (`Missing::Mode`) stays unknown: a
/// delivered `no-cors` response is not a CORS success. A page origin the
/// record lacks does not stop either (a worker's request in Chromium's HAR
/// names no page).
pub fn settle(ex: &Exchange, browser: Browser, mut o: Outcome) -> Outcome {
    if o.verdict != Verdict::Unknown || ex.browser.is_some_and(|b| b != browser) {
        return o;
    }
    if o.missing.contains(&Missing::Mode) {
        return o;
    }
    let delivered = ex.end == End::Completed || (ex.page.rejected == Some(false) && ex.page.mode != Some(Mode::NoCors));
    if delivered {
        o.verdict = Verdict::Allowed;
        o.failure = None;
        o.missing.clear();
        o.notes.push(Note::Delivered);
        return o;
    }
    let error = ex.error.as_deref().map(str::trim).unwrap_or("");
    let ours = match browser {
        Browser::Chromium => error == "net::ERR_FAILED",
        Browser::Firefox => error == "NS_ERROR_DOM_BAD_URI",
    };
    let unnamed = o.missing.iter().all(|m| {
        matches!(
            m,
            Missing::Response { .. }
                | Missing::Origin
                | Missing::PreflightNotObserved
                | Missing::RedirectPreflightNotObserved
                | Missing::UnexplainedError(_)
        )
    });
    if ours && unnamed && !o.missing.is_empty() {
        o.verdict = Verdict::Blocked;
        o.failure = None;
        o.notes.push(Note::RecordedFailure(error.to_string()));
    }
    o
}

/// A failure built from the browser's report alone (no header evidence).
/// Firefox's generic `CORSDidNotSucceed2` is not used: it also follows other
/// failures and network errors. The stage is the reason's
/// ([`crate::core::reason::ReasonStage`]); a check of any response is at the
/// preflight when Chromium named its preflight variant, else at the actual
/// response (the report does not say which redirect).
fn failure_from_report(r: &Reported, browser: Browser) -> Option<Failure> {
    let (name, param) = match browser {
        Browser::Chromium => (
            r.cors_error.as_deref()?,
            r.failed_parameter.clone().filter(|p| !p.is_empty()),
        ),
        Browser::Firefox => (r.firefox_key.as_deref()?, None),
    };
    let (reason, name) = reason_for_name(browser, name)?;
    if reason == R::CORSDidNotSucceed {
        return None;
    }
    use crate::core::reason::ReasonStage as S;
    let stage = match reason.stage() {
        S::Request => Stage::Request,
        S::Preflight => Stage::Preflight,
        S::Response if crate::core::reason::is_chromium_preflight_kind(name) => Stage::Preflight,
        S::Response | S::Redirect | S::Network => Stage::Actual,
    };
    Some(Failure {
        reason,
        name: Some(name),
        parameter: param,
        evidence: Evidence {
            stage,
            hop: None,
            header: None,
            observed: None,
            expected: None,
            fetch_step: "(reported by the browser; not observed in the exchange)".to_string(),
            spec_url: None,
        },
    })
}

fn evaluate_in<'a>(ex: &'a Exchange, p: &Prepared<'a>, browser: Browser, credentialed: bool, mode: Mode) -> Outcome {
    let mut run = Run {
        notes: Vec::new(),
        ambiguous: false,
        merged_alt: None,
        preflight_needed: None,
        assumed_preflight: false,
    };
    let cred = credentialed;
    let reported = ex.reported.as_ref();
    let route = &p.route;
    let first = ex.legs.first();

    // 0. Stopped by something other than CORS (mixed content, CSP, an
    // extension, ORB, a certificate, Firefox's Local Network Access).
    if let Some(st) = stop::stopped(ex, browser) {
        return run.stopped(browser, st);
    }

    // 1. What only the browser can say.
    if browser == Browser::Chromium {
        if let Some(f) = reported.and_then(chromium_reported) {
            return run.blocked(f);
        }
        // The context's LNA facts, unless a response shows that the request
        // reached the server (then LNA did not block it).
        let answered = ex
            .legs
            .iter()
            .any(|l| l.response.is_some() || l.preflight.as_ref().is_some_and(|p| p.response.is_some()));
        if !answered {
            if let Some(f) = ex
                .context
                .as_ref()
                .and_then(|c| chromium_lna(c, ex.error.as_deref()))
            {
                return run.blocked(f);
            }
        }
    }
    // (Firefox also ships Local Network Access, but its console key is not
    // confirmed (cors-reference §0.1), so no Firefox LNA reason is produced.)

    // The request URL: the first leg's, parsed once by the route.
    let Some(url0) = p.route.legs.first().and_then(|l| l.url.as_ref()) else {
        return run.unknown(Missing::Url(ex.url().to_string()));
    };
    if matches!(mode, Mode::Navigate | Mode::Websocket) {
        return run.not_cors();
    }
    if matches!(url0.scheme(), "data" | "about" | "blob" | "javascript") {
        // Main fetch: data: (and local schemes) are fetched without CORS.
        return run.not_cors();
    }
    let Some(req_origin) = route.page_origin else {
        if mode == Mode::NoCors {
            return run.not_cors();
        }
        // `Sec-Fetch-Site: same-origin` says the (whole) request stayed same-origin.
        let site = first.and_then(|l| l.request_headers.first_value("sec-fetch-site"));
        if site.map(trim_ows) == Some("same-origin") {
            return run.not_cors();
        }
        return run.unknown(Missing::Origin);
    };

    let cross0 = !url_has_origin(url0, req_origin);
    let hops = route.hops;

    // 2. Mode and scheme, at the first URL (checks for later URLs run per hop).
    if cross0 {
        if let Some(o) = request_level(ex, browser, mode, url0, 0, &mut run) {
            return o;
        }
        if mode == Mode::NoCors {
            return run.not_cors();
        }
    } else if hops == 0 {
        // Same-origin, no redirect: basic fetch, no CORS.
        return run.not_cors();
    }

    // 3. The preflight.
    let method = safelist::normalize_method_cow(ex.page.method());
    let method: &str = &method;
    let names: &[String] = p.names(ex, browser);
    let script = script_api(ex.page.resource_type);
    let needed = mode == Mode::Cors && cross0 && script && (!safelist::is_safelisted_method(method) || !names.is_empty());
    let first_pf = first.and_then(|l| l.preflight.as_ref());
    run.preflight_needed = Some(needed || (first_pf.is_some() && cross0));

    // The final leg (after every redirect hop) and its response.
    let final_leg = ex.legs.get(hops);
    let response = final_leg.and_then(|l| l.response.as_ref());
    let error = ex.error.as_deref().map(str::trim).filter(|e| !e.is_empty());
    // A failure at the network that the source recorded without an error
    // string: Firefox's HAR export writes status 0 with the timings of the
    // attempt (a refused or dropped connection, a failed TLS handshake;
    // measured), where it never sent a request it writes empty timings
    // (`end: not-sent`).
    let net_failed = error.is_none() && ex.end == End::Failed && ex.browser == Some(Browser::Firefox);
    let error_kind = |after_redirect: bool| {
        error.map(|e| classify_error(e, after_redirect)).or(net_failed.then_some(ErrKind::Network))
    };

    if cross0 && mode == Mode::Cors {
        if let Some(pf) = first_pf {
            let o = facts::preflight_origin(ex, route, 0, browser).unwrap_or(req_origin);
            match preflight_gate(pf, None, browser, cred, o, method, names, error, reported, net_failed, &mut run) {
                PfGate::Pass => {}
                g => return run.gate(g),
            }
        } else if needed && response.is_none() && hops == 0 {
            // Needed, not seen, and the actual request got nothing back.
            if let Some(ErrKind::Network) = error_kind(false) {
                // A network error (refused, DNS): the same for the preflight.
                let f = (browser == Browser::Firefox)
                    .then(|| firefox_did_not_succeed(Stage::Request, error));
                return run.network(f);
            }
            return run.unknown(Missing::PreflightNotObserved);
        } else if needed {
            // Needed but not seen, and the actual request was sent and
            // answered: the preflight passed (a preflight cache entry exists
            // only for one that passed), or was hidden from the source. Say
            // so; go on with the response.
            run.assume_preflight(ex.preflight_observation, None);
        }
    }

    // 4. Redirect hops.
    let mut redirected_to_new_origin = false;
    let mut cors_active = cross0;
    // The method and unsafe header names of the request as it is re-sent
    // after each redirect (HTTP-redirect fetch, step 12: 303, and 301/302
    // for POST, turn it into a GET without the request-body headers).
    let mut method_now: &str = method;
    let mut names_now: Cow<'_, [String]> = Cow::Borrowed(names);
    let needs_preflight = |m: &str, n: &[String]| script && (!safelist::is_safelisted_method(m) || !n.is_empty());
    // Whether this browser preflights the request at a redirect target.
    // Chromium decides afresh from the request as it now is (a redirect
    // that needs a preflight restarts the request); Firefox keeps the
    // page's CORS-unsafe header names from the start, so a request that had
    // any is preflighted at every target, without the names a redirect
    // removed. Measured (MEASURED.md §5): a GET with `Authorization` 307'd
    // to another origin is not preflighted there by Chromium, and is by
    // Firefox, with no `Access-Control-Request-Headers`.
    let firefox_keeps = browser == Browser::Firefox && script && !names.is_empty();
    let wants_pf = |m: &str, n: &[String]| needs_preflight(m, n) || firefox_keeps;
    for (i, (leg, lr)) in ex.legs.iter().zip(&route.legs).enumerate().take(hops) {
        let Some(cur) = lr.url.as_ref() else {
            return run.unknown(Missing::Url(leg.url.clone()));
        };
        let sent_origin: &str = lr.origin.as_deref().unwrap_or(req_origin);
        let empty = Response::default();
        let hop = leg.response.as_ref().unwrap_or(&empty);
        if i > 0 && cors_active && mode == Mode::Cors {
            // The preflight sent to this leg's URL after redirect i - 1.
            match leg.preflight.as_ref() {
                Some(pf) if wants_pf(method_now, &names_now) => {
                    let o = facts::preflight_origin(ex, route, i, browser).unwrap_or(req_origin);
                    match preflight_gate(pf, preflight_hop(i), browser, cred, o, method_now, &names_now, error, reported, net_failed, &mut run) {
                        PfGate::Pass => {}
                        g => return run.gate(g),
                    }
                }
                // A preflight this browser does not send (another browser's
                // recording): not this browser's check.
                Some(_) => {}
                None if wants_pf(method_now, &names_now) => {
                    run.assume_preflight(ex.preflight_observation, preflight_hop(i))
                }
                None => {}
            }
        }
        if cors_active && mode == Mode::Cors {
            if let Err(cf) = cors_check(
                browser,
                Where::Redirect(i),
                &hop.headers,
                hop.headers_merged,
                hop.status,
                sent_origin,
                cred,
            ) {
                return run.blocked_cors(*cf);
            }
        }
        if ex.page.redirect_mode.as_deref().map(str::trim) == Some("error") {
            // Redirect mode "error": a network error, with no console key in
            // either browser (measured: Chromium net::ERR_FAILED without a
            // CorsError, Firefox logs nothing).
            return run.network(None);
        }
        if ex.page.redirect_mode.as_deref().map(str::trim) == Some("manual") {
            // The page gets an opaque-redirect response.
            return run.allowed();
        }
        let Some(location) = lr.location else {
            continue;
        };
        let Some(next) = lr.target.as_ref() else {
            // HTTP-redirect fetch, step 5: a Location that does not parse.
            let f = (browser == Browser::Firefox && cors_active)
                .then(|| firefox_did_not_succeed(Stage::Redirect, None));
            return run.network(f);
        };
        if i + 1 > MAX_REDIRECTS {
            let f = (browser == Browser::Firefox && cors_active)
                .then(|| firefox_did_not_succeed(Stage::Redirect, None));
            return run.network(f);
        }
        let next_cross = !url_has_origin(next, req_origin);
        // HTTP-redirect fetch, step 6: the Location's scheme. Local schemes
        // are refused as unsafe redirects before CORS (measured, `data:`:
        // Chromium net::ERR_UNSAFE_REDIRECT without a CorsError, Firefox
        // CORSDidNotSucceed2); other schemes reach the CORS layer (measured,
        // `ftp:`: CorsDisabledScheme / CORSRequestNotHttp).
        if matches!(
            next.scheme(),
            "data" | "file" | "javascript" | "about" | "blob" | "filesystem"
        ) {
            let f = (browser == Browser::Firefox && mode == Mode::Cors).then(|| {
                fail(
                    R::CORSDidNotSucceed,
                    R::CORSDidNotSucceed.browser_name(browser, false),
                    None,
                    ev(
                        Stage::Redirect,
                        Some(i),
                        Some("Location"),
                        Some(location.to_string()),
                        Some("an http: or https: URL".into()),
                        "HTTP-redirect fetch, step 6",
                        SPEC_REDIRECT,
                    ),
                )
            });
            return run.network(f);
        }
        if !matches!(next.scheme(), "http" | "https")
            && (cors_active || next_cross)
            && mode == Mode::Cors
        {
            let name = R::CORSRequestNotHttp.browser_name(browser, false);
            return run.blocked(fail(
                R::CORSRequestNotHttp,
                name,
                None,
                ev(
                    Stage::Redirect,
                    Some(i),
                    Some("Location"),
                    Some(location.to_string()),
                    Some("an http: or https: URL".into()),
                    "HTTP-redirect fetch, step 6",
                    SPEC_REDIRECT,
                ),
            ));
        }
        // Steps 9-10: userinfo in the Location (Chromium
        // CheckRedirectLocation; Firefox UpdateChannel fails the redirect
        // with NS_ERROR_DOM_BAD_URI and has no key of its own). Measured:
        // Chromium's failedParameter is empty; Firefox's console shows only
        // the generic CORSDidNotSucceed2 that follows the cancelled channel,
        // which is the name it gets here.
        if mode == Mode::Cors && origin::url_has_userinfo(next) && (cors_active || next_cross) {
            let step = if cors_active {
                "HTTP-redirect fetch, step 10"
            } else {
                "HTTP-redirect fetch, step 9"
            };
            return run.blocked(fail(
                R::CORSRedirectContainsCredentials,
                R::CORSRedirectContainsCredentials.browser_name(browser, false),
                None,
                ev(
                    Stage::Redirect,
                    Some(i),
                    Some("Location"),
                    Some(location.to_string()),
                    Some("a URL without username or password".into()),
                    step,
                    SPEC_REDIRECT,
                ),
            ));
        }
        // (Redirect-taint, the next leg's `Origin`: the route.)
        if !origin::same_origin_url(next, cur) {
            redirected_to_new_origin = true;
            // HTTP-redirect fetch, step 13: a redirect to another origin
            // removes `Authorization` (both browsers, measured).
            if names_now.iter().any(|n| n.eq_ignore_ascii_case("authorization")) {
                names_now = Cow::Owned(
                    names_now.iter().filter(|n| !n.eq_ignore_ascii_case("authorization")).cloned().collect(),
                );
            }
        }
        if hop.status == 303 && !matches!(method_now, "GET" | "HEAD")
            || matches!(hop.status, 301 | 302) && method_now == "POST"
        {
            method_now = "GET";
            names_now = Cow::Owned(
                names_now
                    .iter()
                    .filter(|n| !is_request_body_header(n))
                    .cloned()
                    .collect(),
            );
        }
        if next_cross && !cors_active {
            // A same-origin request turned cross-origin: mode checks apply now.
            if let Some(o) = request_level(ex, browser, mode, next, i + 1, &mut run) {
                return o;
            }
            if mode == Mode::NoCors {
                return run.not_cors();
            }
            cors_active = true;
        }
    }
    if !cors_active || mode != Mode::Cors {
        return run.not_cors();
    }

    // 5. The final response, after the preflight sent to its URL when it was
    // reached by a redirect (on the final leg, even when no request
    // followed it).
    let after_redirect = hops > 0;
    let mut final_pf_seen = false;
    if hops > 0 {
        match final_leg.and_then(|l| l.preflight.as_ref()) {
            Some(pf) if wants_pf(method_now, &names_now) => {
                final_pf_seen = true;
                let o = facts::preflight_origin(ex, route, hops, browser).unwrap_or(req_origin);
                match preflight_gate(pf, preflight_hop(hops), browser, cred, o, method_now, &names_now, error, reported, net_failed, &mut run) {
                    PfGate::Pass => {}
                    g => return run.gate(g),
                }
            }
            Some(_) => {}
            None if wants_pf(method_now, &names_now) && response.is_some() => {
                run.assume_preflight(ex.preflight_observation, preflight_hop(hops))
            }
            None => {}
        }
    }
    let Some(resp) = response else {
        return match error_kind(after_redirect) {
            Some(ErrKind::Network) => {
                let f = (browser == Browser::Firefox)
                    .then(|| firefox_did_not_succeed(Stage::Actual, error));
                run.network(f)
            }
            Some(ErrKind::Aborted) => run.unknown(Missing::Aborted(error.unwrap_or("").to_string())),
            // A preflighted request redirected to another origin needs a
            // new preflight there (Chromium restarts the request with one).
            _ if needed && wants_pf(method_now, &names_now) && redirected_to_new_origin && !final_pf_seen => {
                run.unknown(Missing::RedirectPreflightNotObserved)
            }
            // Never sent, and no preflight stopped it (Firefox's HAR: no
            // `Sec-Fetch-Mode` either): stopped before the network by
            // something the record does not name.
            None if ex.end == End::NotSent && !any_preflight_answered(ex) => run.unknown(Missing::NotSent),
            _ => run.unknown(Missing::Response { error: error.map(str::to_string) }),
        };
    };
    let sent_origin: &str = route.origin(hops).unwrap_or(req_origin);
    if let Err(cf) = cors_check(
        browser,
        Where::Actual,
        &resp.headers,
        resp.headers_merged,
        resp.status,
        sent_origin,
        cred,
    ) {
        if resp.status == 304 {
            return run.unknown(Missing::CachedResponse);
        }
        return run.blocked_cors(*cf);
    }
    match error.map(|e| classify_error(e, after_redirect)) {
        Some(ErrKind::Network) => {
            let f = (browser == Browser::Firefox)
                .then(|| firefox_did_not_succeed(Stage::Actual, error));
            return run.network(f);
        }
        Some(ErrKind::Blocked) => return run.unknown(Missing::UnexplainedError(error.unwrap_or("").to_string())),
        Some(ErrKind::Aborted) => return run.unknown(Missing::Aborted(error.unwrap_or("").to_string())),
        _ => {}
    }
    if ex.page.rejected == Some(true) {
        return run.unknown(Missing::UnexplainedRejection);
    }
    run.allowed()
}

fn any_preflight_answered(ex: &Exchange) -> bool {
    ex.legs.iter().any(|l| l.preflight.as_ref().is_some_and(|p| p.response.is_some()))
}

/// Checks that apply when the request (or a redirect) becomes cross-origin:
/// Firefox's disabled CORS and expanded principal, the mode, the scheme.
/// `at` is the URL's index in the URL list (0: the request URL).
fn request_level(
    ex: &Exchange,
    browser: Browser,
    mode: Mode,
    url: &Url,
    at: usize,
    run: &mut Run,
) -> Option<Outcome> {
    let (stage, hop) = if at == 0 {
        (Stage::Request, None)
    } else {
        (Stage::Redirect, Some(at - 1))
    };
    let take = |run: &mut Run| Run {
        notes: std::mem::take(&mut run.notes),
        ambiguous: false,
        merged_alt: None,
        preflight_needed: run.preflight_needed,
        assumed_preflight: run.assumed_preflight,
    };
    if browser == Browser::Firefox && mode != Mode::NoCors {
        let key = firefox_reported_key(ex.reported.as_ref());
        let ctx = ex.context.as_ref();
        // nsCORSListenerProxy: `content.cors.disable` (CheckRequestApproved /
        // StartCORSPreflight), an expanded principal (UpdateChannel).
        let own = |r: ReasonId| key.is_some() && key == r.facts().firefox_key;
        if own(R::CORSDisabled) || ctx.and_then(|c| c.cors_disabled) == Some(true) {
            return Some(take(run).blocked(fail(
                R::CORSDisabled,
                R::CORSDisabled.browser_name(browser, false),
                None,
                ev(
                    stage,
                    hop,
                    None,
                    Some("content.cors.disable = true".into()),
                    Some("false".into()),
                    "(Firefox preference, not in the Fetch Standard)",
                    SPEC_MAIN_FETCH,
                ),
            )));
        }
        if own(R::CORSOriginHeaderNotAdded) || ctx.and_then(|c| c.expanded_principal) == Some(true) {
            return Some(take(run).blocked(fail(
                R::CORSOriginHeaderNotAdded,
                R::CORSOriginHeaderNotAdded.browser_name(browser, false),
                None,
                ev(
                    stage,
                    hop,
                    Some("Origin"),
                    None,
                    None,
                    "(Firefox: a request from an expanded principal cannot carry one Origin)",
                    SPEC_MAIN_FETCH,
                ),
            )));
        }
    }
    let scheme = url.scheme();
    let http = matches!(scheme, "http" | "https");
    let local_ok = matches!(
        scheme,
        "data"
            | "about"
            | "blob"
            | "chrome-extension"
            | "moz-extension"
            | "chrome"
            | "chrome-untrusted"
            | "isolated-app"
    );
    let scheme_fail = |run: &mut Run| {
        Some(take(run).blocked(fail(
            R::CORSRequestNotHttp,
            R::CORSRequestNotHttp.browser_name(browser, false),
            None,
            ev(
                stage,
                hop,
                None,
                Some(format!("{scheme}:")),
                Some("http: or https:".into()),
                "Main fetch: the URL's scheme is not an HTTP(S) scheme",
                SPEC_MAIN_FETCH,
            ),
        )))
    };
    let mode_fail = |run: &mut Run| {
        // Chromium: kDisallowedByMode. Firefox has no console key: the
        // request fails as a network error (NS_ERROR_DOM_BAD_URI).
        Some(take(run).blocked(fail(
            R::CORSDisallowedByMode,
            R::CORSDisallowedByMode.browser_name(browser, false),
            None,
            ev(
                stage,
                hop,
                None,
                Some("same-origin".into()),
                Some("cors".into()),
                "Main fetch: request's mode is \"same-origin\"",
                SPEC_MAIN_FETCH,
            ),
        )))
    };
    match mode {
        Mode::NoCors => {
            // Main fetch: a cross-origin no-cors request whose redirect mode
            // is not "follow" is a network error (Chromium fetch_manager.cc:
            // NoCorsRedirectModeNotFollow; fetch() only).
            let rm = ex.page.redirect_mode.as_deref().map(str::trim);
            if at == 0
                && matches!(rm, Some("error") | Some("manual"))
                && matches!(
                    ex.page.resource_type,
                    ResourceType::Fetch | ResourceType::Other
                )
            {
                return Some(take(run).blocked(fail(
                    R::CORSNoCorsRedirectModeNotFollow,
                    R::CORSNoCorsRedirectModeNotFollow.browser_name(browser, false),
                    None,
                    ev(
                        Stage::Request,
                        None,
                        None,
                        rm.map(str::to_string),
                        Some("follow".into()),
                        "Main fetch: no-cors mode requires redirect mode \"follow\"",
                        SPEC_MAIN_FETCH,
                    ),
                )));
            }
            None
        }
        Mode::SameOrigin => {
            // Chromium's StartRequest checks the scheme before the mode; the
            // standard checks the mode first.
            if browser == Browser::Chromium && !http && !local_ok {
                return scheme_fail(run);
            }
            mode_fail(run)
        }
        _ => {
            if !http && !local_ok {
                return scheme_fail(run);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;


/// `unsafe_names` against the shared `safelist` functions: Firefox's list is
/// `request_unsafe_header_names` itself; Chromium's the same names in
/// request order; an observed preflight's list wins when the script's
/// headers are unknown.
#[cfg(test)]
mod names_tests {
    use super::*;
    use crate::core::exchange::{Leg, PageRequest};

    fn req(headers: &[(&str, &str)], author: Option<&[(&str, &str)]>) -> Exchange {
        let list = |hs: &[(&str, &str)]| hs.iter().map(|(n, v)| Header::new(*n, *v)).collect::<Vec<_>>();
        Exchange {
            page: PageRequest {
                method: Some("PUT".into()),
                origin: Some("https://app.example".into()),
                author_headers: author.map(list),
                resource_type: ResourceType::Fetch,
                ..Default::default()
            },
            legs: vec![Leg { url: "https://api.example/x".into(), request_headers: list(headers), ..Default::default() }],
            ..Default::default()
        }
    }

    /// The shared list for the request of `ex`.
    fn shared(ex: &Exchange, b: Browser) -> Vec<String> {
        let sent = ex.legs.first().map(|l| l.request_headers.as_slice()).unwrap_or(&[]);
        safelist::request_unsafe_header_names(ex.page.author_headers.as_deref(), sent, b)
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort_unstable();
        v
    }

    #[test]
    fn firefox_is_the_shared_list_chromium_the_same_names_in_order() {
        // Safelisted values of at most 128 bytes, 1080 in all.
        let v = "a".repeat(120);
        let v = v.as_str();
        let cases = [
            req(&[("X-B", "1"), ("Origin", "https://app.example"), ("x-a", "2"), ("User-Agent", "u"), ("Accept", "*/*"), ("Sec-Fetch-Mode", "cors")], None),
            req(&[("Host", "api.example")], Some(&[("X-Z", "1"), ("Content-Type", "application/json"), ("x-y", "2"), ("X-Z", "3")])),
            req(&[], Some(&[("Accept", v), ("Accept", v), ("Accept", v), ("Accept", v), ("Accept", v), ("Accept-Language", v), ("Accept-Language", v), ("Accept-Language", v), ("Accept-Language", v), ("X-Q", "1")])),
            req(&[("Cookie", "s=1"), ("Content-Type", "text/plain")], None),
        ];
        for ex in &cases {
            let chromium = unsafe_names(ex, Browser::Chromium);
            let firefox = unsafe_names(ex, Browser::Firefox);
            assert_eq!(firefox, shared(ex, Browser::Firefox), "{ex:?}");
            assert_eq!(sorted(chromium.clone()), shared(ex, Browser::Chromium), "{ex:?}");
        }
        // Chromium keeps the request's order (and past 1024 bytes of
        // safelisted values, the unsafe names first).
        assert_eq!(unsafe_names(&cases[0], Browser::Chromium), ["x-b", "x-a"]);
        assert_eq!(unsafe_names(&cases[1], Browser::Chromium), ["x-z", "content-type", "x-y"]);
        assert_eq!(unsafe_names(&cases[2], Browser::Chromium), ["x-q", "accept", "accept-language"]);
        assert_eq!(unsafe_names(&cases[0], Browser::Firefox), ["x-a", "x-b"]);
        assert!(unsafe_names(&cases[3], Browser::Chromium).is_empty());
    }

    #[test]
    fn an_observed_preflight_names_them_unless_the_script_did() {
        let mut ex = req(&[("X-B", "1")], None);
        ex.legs[0].preflight = Some(Preflight {
            request_headers: vec![Header::new("Access-Control-Request-Headers", "x-d, X-C,x-d")],
            ..Default::default()
        });
        for b in Browser::ALL {
            assert_eq!(unsafe_names(&ex, b), ["x-c", "x-d"]);
        }
        ex.page.author_headers = Some(vec![Header::new("X-B", "1")]);
        for b in Browser::ALL {
            assert_eq!(unsafe_names(&ex, b), ["x-b"]);
        }
    }

    /// Every recorded exchange: the names the checks use without an observed
    /// preflight are the shared list (Chromium's in another order).
    #[test]
    fn recorded_exchanges_agree_with_the_shared_list() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut n = 0;
        for reason in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(reason.path()).into_iter().flatten().flatten() {
                let Ok(text) = std::fs::read_to_string(f.path()) else { continue };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
                // Stored as schema 2 (tests/capture/rebuild-exchanges.mjs).
                let Ok(mut ex) = serde_json::from_value::<Exchange>(v["exchange"].clone()) else { continue };
                if let Some(l) = ex.legs.first_mut() {
                    l.preflight = None;
                }
                n += 1;
                for b in Browser::ALL {
                    let want = shared(&ex, b);
                    let got = unsafe_names(&ex, b);
                    assert_eq!(if b == Browser::Firefox { got } else { sorted(got) }, want, "{:?}", f.path());
                }
            }
        }
        assert!(n > 100, "{n} fixtures");
    }
}
