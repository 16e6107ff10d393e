//! Unit tests of `evaluate`. Expectations come from the Fetch Standard, from
//! WPT files (named), or from Chromium 156 / Firefox ESR 153 runs against a
//! local server ("measured"), never from this implementation's output.

use super::*;
use crate::core::exchange::{Credentials, Leg, PageRequest, Preflight, PreflightObservation, Response};

const PAGE: &str = "http://a.test";
const API: &str = "http://b.test/api";
const OTHER: &str = "http://c.test/x";

const C: Browser = Browser::Chromium;
const F: Browser = Browser::Firefox;

fn hs(pairs: &[(&str, &str)]) -> Vec<Header> {
    pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
}

fn response(status: u16, headers: &[(&str, &str)]) -> Response {
    Response { status, headers: hs(headers), ..Response::default() }
}

/// A fetch from `PAGE` to `API`: one leg, nothing received yet.
fn req(method: &str) -> Exchange {
    Exchange {
        page: PageRequest {
            method: Some(method.into()),
            origin: Some(PAGE.into()),
            resource_type: ResourceType::Fetch,
            ..PageRequest::default()
        },
        legs: vec![Leg { url: API.into(), ..Leg::default() }],
        ..Exchange::default()
    }
}

fn get_with(resp_headers: &[(&str, &str)]) -> Exchange {
    ok_response(req("GET"), resp_headers)
}

/// The first leg's preflight, answered with `status` and `headers`.
fn with_preflight(mut ex: Exchange, status: u16, headers: &[(&str, &str)]) -> Exchange {
    ex.legs[0].preflight = Some(Preflight { response: Some(response(status, headers)), ..Preflight::default() });
    ex
}

fn author(mut ex: Exchange, headers: &[(&str, &str)]) -> Exchange {
    ex.page.author_headers = Some(hs(headers));
    ex
}

/// The last leg's response: 200 with `headers`.
fn ok_response(mut ex: Exchange, headers: &[(&str, &str)]) -> Exchange {
    if let Some(l) = ex.legs.last_mut() {
        l.response = Some(response(200, headers));
    }
    ex
}

/// (verdict, reason, name, parameter)
fn run(
    ex: &Exchange,
    b: Browser,
    cred: bool,
) -> (
    Verdict,
    Option<&'static str>,
    Option<&'static str>,
    Option<String>,
) {
    let o = evaluate(ex, b, cred);
    match o.failure {
        Some(f) => (o.verdict, Some(f.reason.as_str()), f.name, f.parameter),
        None => (o.verdict, None, None, None),
    }
}

fn assert_allowed(ex: &Exchange, cred: bool) {
    for b in Browser::ALL {
        let o = evaluate(ex, b, cred);
        assert_eq!(o.verdict, Verdict::Allowed, "{b:?} cred={cred}: {o:?}");
    }
}

fn assert_blocked(
    ex: &Exchange,
    b: Browser,
    cred: bool,
    reason: &str,
    name: Option<&str>,
) -> Outcome {
    let o = evaluate(ex, b, cred);
    assert_eq!(o.verdict, Verdict::Blocked, "{b:?} cred={cred}: {o:?}");
    let f = o.failure.as_ref().unwrap();
    assert_eq!(f.reason, reason, "{b:?}: {o:?}");
    assert_eq!(f.name, name, "{b:?}: {o:?}");
    o
}

// ---------------------------------------------------------------------------
// The CORS check on the actual response.

/// WPT cors/origin.htm, "shouldPass" (page origin substituted).
#[test]
fn origin_htm_passes() {
    for v in [
        "*",
        " *  ",
        "\t*",
        PAGE,
        &format!(" {PAGE}"),
        &format!(" {PAGE}   \t "),
        &format!("\t{PAGE}"),
    ] {
        assert_allowed(&get_with(&[("Access-Control-Allow-Origin", v)]), false);
    }
}

/// WPT cors/origin.htm, "shouldFail": every value fails in both browsers.
/// Firefox names every single-line mismatch CORSAllowOriginNotMatchingOrigin
/// with the value (measured for `**` and ``); Chromium sub-classifies.
#[test]
fn origin_htm_fails() {
    let host = "a.test";
    let values: Vec<String> = vec![
        format!("http://sub.{host}"),
        format!("//{host}"),
        format!("://{host}"),
        format!("ftp://{host}"),
        format!("http:://{host}"),
        format!("http:/{host}"),
        format!("http:{host}"),
        host.to_string(),
        format!("{PAGE}?"),
        format!("{PAGE}/"),
        format!("{PAGE} /"),
        format!("{PAGE}#"),
        format!("{PAGE}%23"),
        format!("{PAGE}:80"),
        format!("{PAGE}, *"),
        format!("{PAGE}\0"),
        PAGE.to_uppercase(),
        format!("HTTP://{host}"),
        "-".into(),
        "**".into(),
        "\0*".into(),
        "*\0".into(),
        "'*'".into(),
        "\"*\"".into(),
        "* *".into(),
        "* null".into(),
        "*http://*".into(),
        format!("*{PAGE}"),
        format!("* {PAGE}"),
        format!("*, {PAGE}"),
        format!("\0{PAGE}"),
        format!("null {PAGE}"),
        "http://example.net".into(),
        "null".into(),
        "null *".into(),
        "".into(),
        format!("{PAGE}/page.html"),
        format!("{PAGE}/dir/"),
        "http://b.test".into(),
        "test".into(),
        ".test".into(),
        "*.test".into(),
        "http://test".into(),
        "http://.test".into(),
        "http://*.test".into(),
    ];
    for v in &values {
        let ex = get_with(&[("Access-Control-Allow-Origin", v)]);
        for cred in [false, true] {
            let (verdict, reason, name, param) = run(&ex, F, cred);
            assert_eq!(verdict, Verdict::Blocked, "firefox {v:?}");
            assert_eq!(
                reason,
                Some("CORSAllowOriginNotMatchingOrigin"),
                "firefox {v:?}"
            );
            assert_eq!(name, Some("CORSAllowOriginNotMatchingOrigin"));
            assert_eq!(param.as_deref(), Some(trim_ows(v)));
            let (verdict, _, name, param) = run(&ex, C, cred);
            assert_eq!(verdict, Verdict::Blocked, "chromium {v:?}");
            assert!(
                matches!(
                    name,
                    Some(
                        "AllowOriginMismatch"
                            | "InvalidAllowOriginValue"
                            | "MultipleAllowOriginValues"
                    )
                ),
                "chromium {v:?}: {name:?}"
            );
            assert_eq!(param.as_deref(), Some(trim_ows(v)));
            // cors.cc CheckAccess: a space or comma makes it "multiple values".
            if trim_ows(v).contains([' ', ',']) {
                assert_eq!(name, Some("MultipleAllowOriginValues"), "{v:?}");
            }
        }
    }
}

/// Chromium's sub-classification of a single ACAO value (cors.cc CheckAccess;
/// `**`, `` and `a, b` measured in Chromium 156).
#[test]
fn chromium_acao_subclassification() {
    let cases = [
        (
            "**",
            "CORSInvalidAllowOriginValue",
            "InvalidAllowOriginValue",
        ),
        ("", "CORSInvalidAllowOriginValue", "InvalidAllowOriginValue"),
        (
            "null",
            "CORSAllowOriginNotMatchingOrigin",
            "AllowOriginMismatch",
        ),
        (
            "http://example.com",
            "CORSAllowOriginNotMatchingOrigin",
            "AllowOriginMismatch",
        ),
        (
            "http://a.test/",
            "CORSAllowOriginNotMatchingOrigin",
            "AllowOriginMismatch",
        ),
        (
            "http://a.test, http://x.test",
            "CORSMultipleAllowOriginNotAllowed",
            "MultipleAllowOriginValues",
        ),
        (
            "http://a.test http://x.test",
            "CORSMultipleAllowOriginNotAllowed",
            "MultipleAllowOriginValues",
        ),
    ];
    for (v, reason, name) in cases {
        let ex = get_with(&[("Access-Control-Allow-Origin", v)]);
        let (verdict, r, n, p) = run(&ex, C, false);
        assert_eq!(
            (verdict, r, n, p.as_deref()),
            (Verdict::Blocked, Some(reason), Some(name), Some(v)),
            "{v:?}"
        );
    }
}

/// WPT cors/origin.htm "doubleOrigin": two ACAO lines always fail. Firefox
/// counts lines (CORSMultipleAllowOriginNotAllowed, measured); Chromium
/// merges them into "a, b" (MultipleAllowOriginValues, measured).
#[test]
fn two_acao_lines() {
    let pairs = [
        ("", "*"),
        ("*", ""),
        ("*", "*"),
        ("", PAGE),
        ("*", PAGE),
        (PAGE, PAGE),
    ];
    for (a, b) in pairs {
        let ex = get_with(&[
            ("Access-Control-Allow-Origin", a),
            ("Access-Control-Allow-Origin", b),
        ]);
        for cred in [false, true] {
            assert_blocked(
                &ex,
                F,
                cred,
                "CORSMultipleAllowOriginNotAllowed",
                Some("CORSMultipleAllowOriginNotAllowed"),
            );
            let o = assert_blocked(
                &ex,
                C,
                cred,
                "CORSMultipleAllowOriginNotAllowed",
                Some("MultipleAllowOriginValues"),
            );
            assert_eq!(o.failure.unwrap().parameter, Some(format!("{a}, {b}")));
        }
    }
}

/// Measured in Firefox ESR 153: lines named `access-control-allow-origin`
/// (any case but the exact one) are not counted as several lines; Firefox
/// merges them and reports a mismatch with the merged value. Chromium
/// (measured) says MultipleAllowOriginValues either way.
#[test]
fn firefox_counts_only_exact_case_acao_lines() {
    for (n1, n2) in [
        ("access-control-allow-origin", "access-control-allow-origin"),
        ("Access-Control-Allow-Origin", "access-control-allow-origin"),
    ] {
        let ex = get_with(&[(n1, PAGE), (n2, PAGE)]);
        let o = assert_blocked(
            &ex,
            F,
            false,
            "CORSAllowOriginNotMatchingOrigin",
            Some("CORSAllowOriginNotMatchingOrigin"),
        );
        assert_eq!(
            o.failure.unwrap().parameter,
            Some(format!("{PAGE}, {PAGE}"))
        );
        assert_blocked(
            &ex,
            C,
            false,
            "CORSMultipleAllowOriginNotAllowed",
            Some("MultipleAllowOriginValues"),
        );
    }
    let ex = get_with(&[
        ("access-control-allow-origin", "*"),
        ("access-control-allow-origin", "*"),
    ]);
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("*, *"));
    // One lower-case line is fine (measured in both).
    assert_allowed(&get_with(&[("access-control-allow-origin", PAGE)]), false);
}

/// Measured: two `Access-Control-Allow-Credentials: true` lines fail in both
/// browsers (the combined value is "true, true").
#[test]
fn two_acac_lines() {
    let ex = get_with(&[
        ("Access-Control-Allow-Origin", PAGE),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Credentials", "true"),
    ]);
    let o = assert_blocked(
        &ex,
        C,
        true,
        "CORSMissingAllowCredentials",
        Some("InvalidAllowCredentials"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("true, true"));
    assert_blocked(
        &ex,
        F,
        true,
        "CORSMissingAllowCredentials",
        Some("CORSMissingAllowCredentials"),
    );
}

/// One line "a, b": Chromium MultipleAllowOriginValues, Firefox a mismatch
/// with the whole value (both measured).
#[test]
fn one_line_with_comma_differs() {
    let v = "http://a.test, http://x.test";
    let ex = get_with(&[("Access-Control-Allow-Origin", v)]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMultipleAllowOriginNotAllowed",
        Some("MultipleAllowOriginValues"),
    );
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some(v));
    assert!(!o.ambiguous_merged_acao);
}

/// A source that merged lines (webRequest): Firefox reads the lines as sent,
/// so both readings are named, the more likely first (issue 11 §5; both
/// shapes measured, MEASURED.md §3): one origin repeated, or `*` with an
/// origin, is two layers each adding the header (two lines:
/// `CORSMultipleAllowOriginNotAllowed`); different origins, one line listing
/// them (`CORSAllowOriginNotMatchingOrigin`). Chromium merges lines itself:
/// `MultipleAllowOriginValues` either way.
#[test]
fn merged_lines_are_ambiguous() {
    let merged = |v: &str| {
        let mut ex = get_with(&[("Access-Control-Allow-Origin", v)]);
        if let Some(r) = ex.legs.last_mut().and_then(|l| l.response.as_mut()) {
            r.headers_merged = true;
        }
        ex
    };
    let cases = [
        ("http://a.test, http://a.test", "CORSMultipleAllowOriginNotAllowed", "CORSAllowOriginNotMatchingOrigin"),
        ("*, http://a.test", "CORSMultipleAllowOriginNotAllowed", "CORSAllowOriginNotMatchingOrigin"),
        ("http://a.test, http://example.com", "CORSAllowOriginNotMatchingOrigin", "CORSMultipleAllowOriginNotAllowed"),
    ];
    for (value, first, second) in cases {
        let ex = merged(value);
        let o = assert_blocked(&ex, F, false, first, Some(first));
        assert!(o.ambiguous_merged_acao, "{value}");
        let alt = o.merged_alternative.clone().unwrap();
        assert_eq!((alt.reason.as_str(), alt.name), (second, Some(second)), "{value}");
        let two_lines_first = first == "CORSMultipleAllowOriginNotAllowed";
        assert!(o.notes.contains(&Note::MergedAcao { two_lines_first }), "{value}: {:?}", o.notes);
        // The one-line reading's parameter is the value as Firefox prints it.
        let one_line = if two_lines_first { alt } else { o.failure.clone().unwrap() };
        assert_eq!(one_line.parameter.as_deref(), Some(value));
        let o = assert_blocked(&ex, C, false, "CORSMultipleAllowOriginNotAllowed", Some("MultipleAllowOriginValues"));
        assert!(o.ambiguous_merged_acao);
        assert!(o.merged_alternative.is_none());
    }
    // Not merged, or no comma: no ambiguity.
    let ex = get_with(&[("Access-Control-Allow-Origin", "http://x.test")]);
    assert!(!evaluate(&ex, F, false).ambiguous_merged_acao);
}

#[test]
fn missing_acao() {
    for status in [200, 500, 404, 302] {
        let mut ex = get_with(&[]);
        ex.legs.last_mut().and_then(|l| l.response.as_mut()).unwrap().status = status;
        // A 3xx without Location is a final response.
        let o = assert_blocked(
            &ex,
            C,
            false,
            "CORSMissingAllowOrigin",
            Some("MissingAllowOriginHeader"),
        );
        assert_eq!(o.failure.unwrap().parameter, None);
        let o = assert_blocked(
            &ex,
            F,
            false,
            "CORSMissingAllowOrigin",
            Some("CORSMissingAllowOrigin2"),
        );
        let f = o.failure.unwrap();
        assert_eq!(f.parameter, Some(status.to_string()));
        assert_eq!(f.evidence.stage, Stage::Actual);
        assert_eq!(
            f.evidence.header.as_deref(),
            Some("Access-Control-Allow-Origin")
        );
        assert_eq!(f.evidence.observed, None);
        assert_eq!(f.evidence.expected.as_deref(), Some(PAGE));
        assert_eq!(f.evidence.fetch_step, "CORS check, step 2");
        assert_eq!(
            f.evidence.spec_url.as_deref(),
            Some("https://fetch.spec.whatwg.org/#cors-check")
        );
    }
}

/// fetch.bs "CORS protocol and credentials" table.
#[test]
fn credentials_table() {
    // omit + `*`: ok; omit + `*` + ACAC true: ok (ACAC ignored).
    assert_allowed(&get_with(&[("Access-Control-Allow-Origin", "*")]), false);
    assert_allowed(
        &get_with(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Credentials", "true"),
        ]),
        false,
    );
    // omit + trailing slash: fails.
    let ex = get_with(&[("Access-Control-Allow-Origin", "http://a.test/")]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("AllowOriginMismatch"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
    // include + `*` + true: fails (measured names).
    let ex = get_with(&[
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Credentials", "true"),
    ]);
    assert_blocked(
        &ex,
        C,
        true,
        "CORSNotSupportingCredentials",
        Some("WildcardOriginNotAllowed"),
    );
    assert_blocked(
        &ex,
        F,
        true,
        "CORSNotSupportingCredentials",
        Some("CORSNotSupportingCredentials"),
    );
    // include + exact origin + true: ok.
    assert_allowed(
        &get_with(&[
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Credentials", "true"),
        ]),
        true,
    );
    // include + `True`: fails (case-sensitive).
    let ex = get_with(&[
        ("Access-Control-Allow-Origin", PAGE),
        ("Access-Control-Allow-Credentials", "True"),
    ]);
    let o = assert_blocked(
        &ex,
        C,
        true,
        "CORSMissingAllowCredentials",
        Some("InvalidAllowCredentials"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("True"));
    let o = assert_blocked(
        &ex,
        F,
        true,
        "CORSMissingAllowCredentials",
        Some("CORSMissingAllowCredentials"),
    );
    let f = o.failure.unwrap();
    assert_eq!(f.parameter, None);
    assert_eq!(f.evidence.fetch_step, "CORS check, step 7");
    // include + no ACAC (measured: InvalidAllowCredentials with '').
    let ex = get_with(&[("Access-Control-Allow-Origin", PAGE)]);
    let o = assert_blocked(
        &ex,
        C,
        true,
        "CORSMissingAllowCredentials",
        Some("InvalidAllowCredentials"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some(""));
    // The same response without credentials passes.
    assert_allowed(&ex, false);
}

#[test]
fn null_origin() {
    // A sandboxed page (origin "null"): `null` matches, as does `*`.
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "null")]);
    ex.page.origin = Some("null".into());
    assert_allowed(&ex, false);
    // A real origin never matches `null` (cors.cc: AllowOriginMismatch).
    let ex = get_with(&[("Access-Control-Allow-Origin", "null")]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("AllowOriginMismatch"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
}

#[test]
fn origin_from_header_when_not_given() {
    let mut ex = get_with(&[("Access-Control-Allow-Origin", PAGE)]);
    ex.page.origin = None;
    ex.legs[0].request_headers = hs(&[("Origin", PAGE)]);
    assert_allowed(&ex, false);
    ex.legs[0].request_headers.clear();
    let o = evaluate(&ex, C, false);
    assert_eq!(o.verdict, Verdict::Unknown);
    assert_eq!(o.missing.first(), Some(&Missing::Origin));
    // Sec-Fetch-Site: same-origin settles it.
    ex.legs[0].request_headers = hs(&[("Sec-Fetch-Site", "same-origin")]);
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::NotCors);
}

// ---------------------------------------------------------------------------
// Mode and scheme.

#[test]
fn not_cors_requests() {
    let blocked_headers: &[(&str, &str)] = &[];
    // no-cors, navigate.
    for mode in [Mode::NoCors, Mode::Navigate] {
        let mut ex = get_with(blocked_headers);
        ex.page.mode = Some(mode);
        for b in Browser::ALL {
            assert_eq!(evaluate(&ex, b, true).verdict, Verdict::NotCors, "{mode:?}");
        }
    }
    // Same-origin URL.
    let mut ex = get_with(blocked_headers);
    ex.legs[0].url = "http://a.test:80/same".into();
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::NotCors);
    // Sec-Fetch-Mode says no-cors.
    let mut ex = get_with(blocked_headers);
    ex.page.resource_type = ResourceType::Image;
    ex.legs[0].request_headers = hs(&[("Sec-Fetch-Mode", "no-cors")]);
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::NotCors);
    // A document is a navigation.
    let mut ex = get_with(blocked_headers);
    ex.page.resource_type = ResourceType::Document;
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::NotCors);
    // data: URLs are fetched without CORS.
    let mut ex = get_with(blocked_headers);
    ex.legs[0].url = "data:text/plain,hi".into();
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::NotCors);
}

#[test]
fn image_without_mode_is_uncertain() {
    let mut ex = get_with(&[]);
    ex.page.resource_type = ResourceType::Image;
    let o = evaluate(&ex, C, false);
    assert_eq!(o.verdict, Verdict::Unknown);
    assert!(o.missing.contains(&Missing::Mode));
    assert_eq!(o.failure.unwrap().reason, "CORSMissingAllowOrigin");
    // With `Sec-Fetch-Mode: cors` it is a CORS request.
    ex.legs[0].request_headers = hs(&[("Sec-Fetch-Mode", "cors")]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("MissingAllowOriginHeader"),
    );
}

/// Measured: Chromium "Request mode is same-origin" (DisallowedByMode);
/// Firefox "Security Error: Content at ... may not load data" (no key).
#[test]
fn same_origin_mode() {
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.page.mode = Some(Mode::SameOrigin);
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSDisallowedByMode",
        Some("DisallowedByMode"),
    );
    assert_eq!(o.failure.unwrap().evidence.stage, Stage::Request);
    assert_blocked(&ex, F, false, "CORSDisallowedByMode", None);
    // Same-origin URL in same-origin mode is fine.
    ex.legs[0].url = "http://a.test/x".into();
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::NotCors);
}

/// Measured: Chromium "Request mode is no-cors but the redirect mode is not
/// follow" (NoCorsRedirectModeNotFollow); Firefox logs nothing.
#[test]
fn no_cors_redirect_mode() {
    let mut ex = get_with(&[]);
    ex.page.mode = Some(Mode::NoCors);
    ex.page.redirect_mode = Some("manual".into());
    assert_blocked(
        &ex,
        C,
        false,
        "CORSNoCorsRedirectModeNotFollow",
        Some("NoCorsRedirectModeNotFollow"),
    );
    assert_blocked(&ex, F, false, "CORSNoCorsRedirectModeNotFollow", None);
    ex.page.redirect_mode = Some("follow".into());
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::NotCors);
}

#[test]
fn non_http_scheme() {
    // A file: page fetching a file: URL (origin "null").
    let mut ex = get_with(&[]);
    ex.legs[0].url = "file:///tmp/data.json".into();
    ex.page.origin = Some("null".into());
    assert_blocked(
        &ex,
        C,
        false,
        "CORSRequestNotHttp",
        Some("CorsDisabledScheme"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSRequestNotHttp",
        Some("CORSRequestNotHttp"),
    );
    ex.legs[0].url = "ftp://b.test/x".into();
    assert_blocked(
        &ex,
        C,
        false,
        "CORSRequestNotHttp",
        Some("CorsDisabledScheme"),
    );
}

// ---------------------------------------------------------------------------
// Browser reports and context.

#[test]
fn firefox_only_reasons_from_context_and_reports() {
    let ok = get_with(&[("Access-Control-Allow-Origin", "*")]);
    let mut ex = ok.clone();
    ex.context = Some(Context {
        cors_disabled: Some(true),
        ..Context::default()
    });
    assert_blocked(&ex, F, false, "CORSDisabled", Some("CORSDisabled"));
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Allowed);
    let mut ex = ok.clone();
    ex.context = Some(Context {
        expanded_principal: Some(true),
        ..Context::default()
    });
    assert_blocked(
        &ex,
        F,
        false,
        "CORSOriginHeaderNotAdded",
        Some("CORSOriginHeaderNotAdded"),
    );
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Allowed);
    let mut ex = ok.clone();
    ex.reported = Some(Reported {
        firefox_key: Some("CORSOriginHeaderNotAdded".into()),
        ..Reported::default()
    });
    assert_blocked(
        &ex,
        F,
        false,
        "CORSOriginHeaderNotAdded",
        Some("CORSOriginHeaderNotAdded"),
    );
    let mut ex = ok;
    ex.reported = Some(Reported {
        firefox_key: Some("CORSDisabled".into()),
        ..Reported::default()
    });
    assert_blocked(&ex, F, false, "CORSDisabled", Some("CORSDisabled"));
}

/// Local Network Access (cors-reference §1.5, local_network_access_check_result.cc;
/// measured in Chromium 156 with `--ip-address-space-overrides`: a public
/// secure page to loopback → LocalNetworkAccessPermissionDenied, the same
/// with `targetAddressSpace: "local"` → InvalidLocalNetworkAccess; a public
/// non-secure page (http://192.0.2.2) to loopback → InsecureLocalNetwork).
#[test]
fn chromium_local_network_access() {
    let mut base = req("GET");
    base.error = Some("net::ERR_FAILED".into());
    let lna = |c: Context| {
        let mut ex = base.clone();
        ex.context = Some(c);
        ex
    };
    let more_private = Context {
        initiator_address_space: Some("public".into()),
        target_address_space: Some("local".into()),
        ..Context::default()
    };
    let ex = lna(Context {
        secure_context: Some(false),
        ..more_private.clone()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInsecureLocalNetwork",
        Some("InsecureLocalNetwork"),
    );
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::Unknown);
    // A response shows the request reached the server: LNA did not block it.
    let mut reached = ok_response(ex.clone(), &[("Access-Control-Allow-Origin", "*")]);
    reached.error = None;
    assert_eq!(evaluate(&reached, C, false).verdict, Verdict::Allowed);
    let ex = lna(Context {
        secure_context: Some(true),
        local_network_permission: Some("denied".into()),
        ..more_private.clone()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSLocalNetworkAccessPermissionDenied",
        Some("LocalNetworkAccessPermissionDenied"),
    );
    // Granted: nothing from LNA (the missing response decides).
    let ex = lna(Context {
        secure_context: Some(true),
        local_network_permission: Some("granted".into()),
        ..more_private.clone()
    });
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Unknown);
    // Measured: permission state unknown (prompt unanswered), the request
    // failed with net::ERR_FAILED: LocalNetworkAccessPermissionDenied.
    let ex = lna(Context {
        secure_context: Some(true),
        ..more_private.clone()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSLocalNetworkAccessPermissionDenied",
        Some("LocalNetworkAccessPermissionDenied"),
    );
    // ... but not after a plain network error.
    let mut refused = ex.clone();
    refused.error = Some("net::ERR_CONNECTION_REFUSED".into());
    assert_eq!(evaluate(&refused, C, false).verdict, Verdict::NetworkError);
    let ex = lna(Context {
        declared_target_address_space: Some("loopback".into()),
        ..more_private
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidLocalNetworkAccess",
        Some("InvalidLocalNetworkAccess"),
    );
    // Less private target: nothing to check.
    let ex = lna(Context {
        initiator_address_space: Some("loopback".into()),
        target_address_space: Some("public".into()),
        secure_context: Some(false),
        ..Context::default()
    });
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Unknown);
    // The browser's own report.
    let mut ex = base;
    ex.reported = Some(Reported {
        cors_error: Some("LocalNetworkAccessPermissionDenied".into()),
        ..Reported::default()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSLocalNetworkAccessPermissionDenied",
        Some("LocalNetworkAccessPermissionDenied"),
    );
}

// ---------------------------------------------------------------------------
// Preflights.

/// WPT fetch/api/cors/cors-preflight-star.any.js, all ten cases:
/// (succeeds, credentials, ACAM, ACAH, method, header).
#[test]
fn preflight_star_wpt() {
    type Case<'a> = (
        bool,
        bool,
        &'a str,
        &'a str,
        &'a str,
        Option<(&'a str, &'a str)>,
    );
    let cases: [Case; 10] = [
        (true, false, "get", "x-test", "GET", Some(("X-Test", "1"))),
        (true, false, "*", "x-test", "SUPER", Some(("X-Test", "1"))),
        (true, false, "*", "*", "OK", Some(("X-Test", "1"))),
        (false, true, "*", "*", "OK", Some(("X-Test", "1"))),
        (false, true, "*", "", "PUT", None),
        (true, true, "PUT", "*", "PUT", None),
        (false, true, "get", "*", "GET", Some(("X-Test", "1"))),
        (false, true, "*", "*", "GET", Some(("X-Test", "1"))),
        (true, true, "*", "*", "*", Some(("*", "1"))),
        (false, true, "put", "*", "PUT", None),
    ];
    for (i, (succeeds, cred, acam, acah, method, header)) in cases.into_iter().enumerate() {
        // preflight.py: ACAO is the origin with credentials (plus ACAC), `*` without.
        let acao = if cred { PAGE } else { "*" };
        let mut pf_headers = vec![
            ("Access-Control-Allow-Origin", acao),
            ("Access-Control-Allow-Methods", acam),
            ("Access-Control-Allow-Headers", acah),
        ];
        let mut resp_headers = vec![("Access-Control-Allow-Origin", acao)];
        if cred {
            pf_headers.push(("Access-Control-Allow-Credentials", "true"));
            resp_headers.push(("Access-Control-Allow-Credentials", "true"));
        }
        let author_headers: Vec<(&str, &str)> = header.into_iter().collect();
        let ex = ok_response(
            with_preflight(author(req(method), &author_headers), 200, &pf_headers),
            &resp_headers,
        );
        for b in Browser::ALL {
            let o = evaluate(&ex, b, cred);
            assert_eq!(
                o.verdict == Verdict::Allowed,
                succeeds,
                "case {i} {b:?}: {o:?}"
            );
            assert_eq!(o.preflight_needed, Some(true), "case {i}");
        }
    }
}

/// WPT fetch/api/cors/cors-preflight-status.any.js: 200-206 pass; 300-308,
/// 400-405, 501-505 fail (preflight.py answers them without Location).
#[test]
fn preflight_status_wpt() {
    let pass = 200..=206;
    let fail_statuses = (300..=308).chain(400..=405).chain(501..=505);
    let make = |s: u16| {
        ok_response(
            with_preflight(
                req("PUT"),
                s,
                &[
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", "PUT"),
                ],
            ),
            &[("Access-Control-Allow-Origin", "*")],
        )
    };
    for s in pass {
        assert_allowed(&make(s), false);
    }
    for s in fail_statuses {
        let ex = make(s);
        assert_blocked(
            &ex,
            C,
            false,
            "CORSPreflightDidNotSucceed",
            Some("PreflightInvalidStatus"),
        );
        let o = assert_blocked(
            &ex,
            F,
            false,
            "CORSPreflightDidNotSucceed",
            Some("CORSPreflightDidNotSucceed3"),
        );
        let f = o.failure.unwrap();
        assert_eq!(f.parameter, Some(s.to_string()));
        assert_eq!(f.evidence.stage, Stage::Preflight);
        assert_eq!(f.evidence.observed, Some(s.to_string()));
    }
}

/// Measured: a 404 preflight without ACAO is reported as the missing header
/// in both browsers (Chromium PreflightMissingAllowOriginHeader; Firefox
/// CORSMissingAllowOrigin2 with status 404: its CORS listener wraps the
/// preflight channel and runs before the status check).
#[test]
fn preflight_acao_before_status() {
    let ex = with_preflight(req("PUT"), 404, &[]);
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("PreflightMissingAllowOriginHeader"),
    );
    assert_eq!(o.failure.unwrap().evidence.stage, Stage::Preflight);
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSMissingAllowOrigin",
        Some("CORSMissingAllowOrigin2"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("404"));
    // With ACAO: the status (measured in both).
    let ex = with_preflight(req("PUT"), 404, &[("Access-Control-Allow-Origin", "*")]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSPreflightDidNotSucceed",
        Some("PreflightInvalidStatus"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSPreflightDidNotSucceed",
        Some("CORSPreflightDidNotSucceed3"),
    );
}

/// The preflight's CORS check uses the actual request's credentials mode
/// (measured: PreflightWildcardOriginNotAllowed / CORSNotSupportingCredentials;
/// PreflightInvalidAllowCredentials '' / CORSMissingAllowCredentials).
#[test]
fn preflight_cors_check_with_credentials() {
    let ex = ok_response(
        with_preflight(
            req("PUT"),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "PUT"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    assert_blocked(
        &ex,
        C,
        true,
        "CORSNotSupportingCredentials",
        Some("PreflightWildcardOriginNotAllowed"),
    );
    assert_blocked(
        &ex,
        F,
        true,
        "CORSNotSupportingCredentials",
        Some("CORSNotSupportingCredentials"),
    );
    assert_allowed(&ex, false);
    let ex = with_preflight(
        req("PUT"),
        204,
        &[
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Methods", "PUT"),
        ],
    );
    let o = assert_blocked(
        &ex,
        C,
        true,
        "CORSMissingAllowCredentials",
        Some("PreflightInvalidAllowCredentials"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some(""));
    assert_blocked(
        &ex,
        F,
        true,
        "CORSMissingAllowCredentials",
        Some("CORSMissingAllowCredentials"),
    );
    // Other ACAO failures on the preflight get Chromium's Preflight* names.
    let ex = with_preflight(
        req("PUT"),
        204,
        &[("Access-Control-Allow-Origin", "http://x.test")],
    );
    assert_blocked(
        &ex,
        C,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("PreflightAllowOriginMismatch"),
    );
    let ex = with_preflight(req("PUT"), 204, &[("Access-Control-Allow-Origin", "**")]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidAllowOriginValue",
        Some("PreflightInvalidAllowOriginValue"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
    let ex = with_preflight(
        req("PUT"),
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Origin", "*"),
        ],
    );
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMultipleAllowOriginNotAllowed",
        Some("PreflightMultipleAllowOriginValues"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSMultipleAllowOriginNotAllowed",
        Some("CORSMultipleAllowOriginNotAllowed"),
    );
}

/// Measured: a redirected preflight is PreflightDisallowedRedirect in
/// Chromium whatever its headers; Firefox checks the redirect response's ACAO
/// first (CORSMissingAllowOrigin2, status 302), then refuses the redirect
/// (CORSExternalRedirectNotAllowed).
#[test]
fn preflight_redirect() {
    let ex = with_preflight(req("PUT"), 302, &[("Location", OTHER)]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSExternalRedirectNotAllowed",
        Some("PreflightDisallowedRedirect"),
    );
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSMissingAllowOrigin",
        Some("CORSMissingAllowOrigin2"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("302"));
    let ex = with_preflight(
        req("PUT"),
        307,
        &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")],
    );
    assert_blocked(
        &ex,
        C,
        false,
        "CORSExternalRedirectNotAllowed",
        Some("PreflightDisallowedRedirect"),
    );
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSExternalRedirectNotAllowed",
        Some("CORSExternalRedirectNotAllowed"),
    );
    assert_eq!(o.failure.unwrap().evidence.observed.as_deref(), Some(OTHER));
}

/// WPT cors-preflight-response-validation: a space inside an ACAM/ACAH item.
/// Chromium reports no parameter; Firefox the token.
#[test]
fn preflight_token_parsing() {
    let ex = with_preflight(
        req("PUT"),
        200,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "PUT, Bad method name"),
        ],
    );
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidAllowMethod",
        Some("InvalidAllowMethodsPreflightResponse"),
    );
    assert_eq!(o.failure.unwrap().parameter, None);
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSInvalidAllowMethod",
        Some("CORSInvalidAllowMethod"),
    );
    assert_eq!(
        o.failure.unwrap().parameter.as_deref(),
        Some("Bad method name")
    );
    let ex = with_preflight(
        author(req("GET"), &[("X-Test", "1")]),
        200,
        &[
            ("Access-Control-Allow-Origin", "*"),
            (
                "Access-Control-Allow-Headers",
                "x-test, header name with space",
            ),
        ],
    );
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidAllowHeader",
        Some("InvalidAllowHeadersPreflightResponse"),
    );
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSInvalidAllowHeader",
        Some("CORSInvalidAllowHeader"),
    );
    assert_eq!(
        o.failure.unwrap().parameter.as_deref(),
        Some("header name with space")
    );
}

/// Measured: ACAM without the method and an invalid ACAH item. Chromium
/// parses both lists first (InvalidAllowHeadersPreflightResponse); Firefox
/// checks the method before parsing ACAH (CORSMethodNotFound).
#[test]
fn preflight_parse_order_differs() {
    let ex = with_preflight(
        req("PUT"),
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", "bad header"),
        ],
    );
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidAllowHeader",
        Some("InvalidAllowHeadersPreflightResponse"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSMethodNotFound",
        Some("CORSMethodNotFound"),
    );
}

/// Measured: PUT with no ACAM; `patch` against `PATCH` (Chromium 156
/// compares the normalized method case-sensitively, failedParameter `patch`).
#[test]
fn preflight_methods() {
    let ex = with_preflight(req("PUT"), 204, &[("Access-Control-Allow-Origin", "*")]);
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMethodNotFound",
        Some("MethodDisallowedByPreflightResponse"),
    );
    let f = o.failure.unwrap();
    assert_eq!(f.parameter.as_deref(), Some("PUT"));
    assert_eq!(f.evidence.fetch_step, "CORS-preflight fetch, step 7.5");
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSMethodNotFound",
        Some("CORSMethodNotFound"),
    );
    assert_eq!(o.failure.unwrap().parameter, None);

    let ex = with_preflight(
        req("patch"),
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "PATCH"),
        ],
    );
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMethodNotFound",
        Some("MethodDisallowedByPreflightResponse"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("patch"));
    assert_blocked(
        &ex,
        F,
        false,
        "CORSMethodNotFound",
        Some("CORSMethodNotFound"),
    );

    // `delete` is normalized by fetch() to DELETE.
    let ex = ok_response(
        with_preflight(
            req("delete"),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "GET, DELETE"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    assert_allowed(&ex, false);
    // Several ACAM lines are one list.
    let ex = ok_response(
        with_preflight(
            req("PUT"),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Access-Control-Allow-Methods", "PUT"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    assert_allowed(&ex, false);
}

/// Measured: X-Z and X-B requested (in that order), ACAH lists x-a. Chromium
/// names the first in request order (x-z), Firefox the first in its sorted
/// list (x-b).
#[test]
fn preflight_headers_first_missing_differs() {
    let ex = with_preflight(
        author(req("GET"), &[("X-Z", "1"), ("X-B", "2")]),
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Headers", "x-a"),
        ],
    );
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowHeaderFromPreflight",
        Some("HeaderDisallowedByPreflightResponse"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("x-z"));
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSMissingAllowHeaderFromPreflight",
        Some("CORSMissingAllowHeaderFromPreflight2"),
    );
    let f = o.failure.unwrap();
    assert_eq!(f.parameter.as_deref(), Some("x-b"));
    assert_eq!(f.evidence.expected.as_deref(), Some("x-b"));
    assert_eq!(f.evidence.observed.as_deref(), Some("x-a"));
}

/// browsers.md (measured in both; re-measured here in Chromium 156 and
/// Firefox ESR 153): Authorization under ACAH `*` is still allowed, with a
/// deprecation warning; with credentials `*` is literal.
#[test]
fn authorization_under_wildcard() {
    let ex = ok_response(
        with_preflight(
            author(req("GET"), &[("Authorization", "Bearer x")]),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Headers", "*"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    for b in Browser::ALL {
        let o = evaluate(&ex, b, false);
        assert_eq!(o.verdict, Verdict::Allowed);
        assert_eq!(o.notes.len(), 1);
        assert_eq!(o.notes[0], Note::AuthorizationWildcard(b));
    }
    // Listed explicitly: no note.
    let ex2 = ok_response(
        with_preflight(
            author(req("GET"), &[("Authorization", "Bearer x")]),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Headers", "*, Authorization"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    assert!(evaluate(&ex2, C, false).notes.is_empty());
    // Credentialed: `*` is a literal name; Authorization must be listed.
    let ex = ok_response(
        with_preflight(
            author(req("GET"), &[("Authorization", "Bearer x")]),
            204,
            &[
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Headers", "*"),
            ],
        ),
        &[
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Credentials", "true"),
        ],
    );
    let o = assert_blocked(
        &ex,
        C,
        true,
        "CORSMissingAllowHeaderFromPreflight",
        Some("HeaderDisallowedByPreflightResponse"),
    );
    assert_eq!(
        o.failure.unwrap().parameter.as_deref(),
        Some("authorization")
    );
}

#[test]
fn preflight_needed_from_what_is_known() {
    // Only browser-added and safelisted headers: no preflight needed.
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.legs[0].request_headers = hs(&[
        ("Origin", PAGE),
        ("User-Agent", "x"),
        ("Accept", "*/*"),
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Sec-Fetch-Mode", "cors"),
        ("Cache-Control", "no-cache"),
        ("Pragma", "no-cache"),
        ("Content-Type", "text/plain;charset=UTF-8"),
    ]);
    let o = evaluate(&ex, C, false);
    assert_eq!(
        (o.verdict, o.preflight_needed),
        (Verdict::Allowed, Some(false))
    );
    // An author header: needed.
    ex.legs[0].request_headers.push(Header::new("X-Api-Key", "k"));
    assert_eq!(evaluate(&ex, F, false).preflight_needed, Some(true));
    // author_headers win over headers.
    ex.page.author_headers = Some(Vec::new());
    assert_eq!(evaluate(&ex, F, false).preflight_needed, Some(false));
    // A non-safelisted method.
    let ex = req("PUT");
    assert_eq!(evaluate(&ex, F, false).preflight_needed, Some(true));
    // Images never preflight.
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.page.resource_type = ResourceType::Image;
    ex.page.mode = Some(Mode::Cors);
    ex.legs[0].request_headers = hs(&[("X-Odd", "1")]);
    assert_eq!(evaluate(&ex, F, false).preflight_needed, Some(false));
}

#[test]
fn preflight_headers_from_acrh() {
    // No author headers known: the preflight's own request list decides.
    let mut ex = ok_response(
        with_preflight(
            req("GET"),
            204,
            &[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Headers", "x-a"),
            ],
        ),
        &[("Access-Control-Allow-Origin", "*")],
    );
    if let Some(p) = ex.legs[0].preflight.as_mut() {
        p.request_headers = hs(&[
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-a,x-b"),
        ]);
    }
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowHeaderFromPreflight",
        Some("HeaderDisallowedByPreflightResponse"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("x-b"));
}

#[test]
fn unseen_preflight() {
    // Needed, not seen, no response: unknown.
    let mut ex = author(req("GET"), &[("X-Api-Key", "k")]);
    ex.error = Some("net::ERR_FAILED".into());
    for b in Browser::ALL {
        let o = evaluate(&ex, b, false);
        assert_eq!(o.verdict, Verdict::Unknown);
        assert_eq!(o.missing.first(), Some(&Missing::PreflightNotObserved));
    }
    // Needed, not seen (cached or hidden), response present: judged on the response.
    let ex = ok_response(author(req("GET"), &[("X-Api-Key", "k")]), &[]);
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("MissingAllowOriginHeader"),
    );
    let mut ex = ok_response(
        author(req("GET"), &[("X-Api-Key", "k")]),
        &[("Access-Control-Allow-Origin", "*")],
    );
    ex.preflight_observation = PreflightObservation::Cached;
    assert_allowed(&ex, false);
}

/// Measured: a preflight whose connection closes without a response.
/// Chromium: net::ERR_EMPTY_RESPONSE, no CorsError and no DevTools issue
/// (not even InvalidResponse); Firefox: CORSDidNotSucceed2.
#[test]
fn preflight_network_error() {
    let mut ex = req("PUT");
    ex.legs[0].preflight = Some(Preflight {
        response: None,
        error: Some("net::ERR_EMPTY_RESPONSE".into()),
        ..Preflight::default()
    });
    let o = evaluate(&ex, C, false);
    assert_eq!((o.verdict, o.failure), (Verdict::NetworkError, None));
    if let Some(p) = ex.legs[0].preflight.as_mut() {
        p.error = Some("NS_ERROR_NET_RESET".into());
    }
    let o = evaluate(&ex, F, false);
    assert_eq!(o.verdict, Verdict::NetworkError);
    assert_eq!(
        o.failure.as_ref().map(|f| (f.reason.as_str(), f.name)),
        Some(("CORSDidNotSucceed", Some("CORSDidNotSucceed2")))
    );
    // Chromium's InvalidResponse only from the browser's own report.
    ex.legs[0].preflight = None;
    ex.reported = Some(Reported {
        cors_error: Some("InvalidResponse".into()),
        ..Reported::default()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSInvalidResponse",
        Some("InvalidResponse"),
    );
}

// ---------------------------------------------------------------------------
// Redirects.

/// A redirect leg: `url` answered `status` with `headers`.
fn hop(url: &str, status: u16, headers: &[(&str, &str)]) -> Leg {
    Leg { url: url.into(), response: Some(response(status, headers)), ..Leg::default() }
}

/// `ex` with `hops` in front: the page's request (the first leg's request
/// headers and preflight) goes to the first hop; the last leg, when it has
/// a response, is the request to the last hop's `Location`.
fn redirected(mut ex: Exchange, mut hops: Vec<Leg>) -> Exchange {
    let Some(mut last) = ex.legs.pop() else { return ex };
    if let Some(first) = hops.first_mut() {
        first.request_headers = std::mem::take(&mut last.request_headers);
        first.preflight = last.preflight.take();
    }
    let next = hops.last().and_then(|h| {
        let loc = h.response.as_ref()?.headers.first_value("location")?;
        crate::core::fetch::origin::resolve(&h.url, loc)
    });
    ex.legs = hops;
    if last.response.is_some() {
        last.url = next.unwrap_or_default();
        ex.legs.push(last);
    }
    ex
}

/// WPT fetch/api/cors/cors-redirect-credentials.any.js: 301/302/303/307/308
/// to a URL with `user:password@`, `user:@` or `:password@` fail, to the
/// same origin or another; without userinfo they pass. Measured names:
/// Chromium RedirectContainsCredentials (empty failedParameter); Firefox
/// only logs CORSDidNotSucceed2.
#[test]
fn redirect_credentials_wpt() {
    for status in [301, 302, 303, 307, 308] {
        for creds in ["user:password@", "user:@", ":password@"] {
            for target in ["b.test", "c.test"] {
                let loc = format!("http://{creds}{target}/final");
                let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", "*")]);
                ex = redirected(ex, vec![hop(
                    API,
                    status,
                    &[("Location", &loc), ("Access-Control-Allow-Origin", "*")],
                )]);
                let o = assert_blocked(
                    &ex,
                    C,
                    false,
                    "CORSRedirectContainsCredentials",
                    Some("RedirectContainsCredentials"),
                );
                let f = o.failure.unwrap();
                assert_eq!(f.parameter, None);
                assert_eq!(
                    (f.evidence.stage, f.evidence.hop),
                    (Stage::Redirect, Some(0))
                );
                assert_eq!(f.evidence.fetch_step, "HTTP-redirect fetch, step 10");
                assert_blocked(
                    &ex,
                    F,
                    false,
                    "CORSRedirectContainsCredentials",
                    Some("CORSDidNotSucceed2"),
                );
            }
        }
        let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", "*")]);
        ex = redirected(ex, vec![hop(
            API,
            status,
            &[
                ("Location", "http://c.test/final"),
                ("Access-Control-Allow-Origin", "*"),
            ],
        )]);
        assert_allowed(&ex, false);
    }
}

/// Measured (both browsers): a 302 without ACAO fails the CORS check on the
/// redirect response itself (Firefox reports status 302).
#[test]
fn redirect_response_is_cors_checked() {
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", "*")]);
    ex = redirected(ex, vec![hop(API, 302, &[("Location", OTHER)])]);
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("MissingAllowOriginHeader"),
    );
    assert_eq!(
        (
            o.failure.as_ref().unwrap().evidence.stage,
            o.failure.as_ref().unwrap().evidence.hop
        ),
        (Stage::Redirect, Some(0))
    );
    let o = assert_blocked(
        &ex,
        F,
        false,
        "CORSMissingAllowOrigin",
        Some("CORSMissingAllowOrigin2"),
    );
    assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("302"));
}

/// Measured (both): 302 from the API to a third origin whose ACAO is the
/// page's origin fails: the redirected request carries `Origin: null`.
#[test]
fn redirect_taint() {
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", PAGE)]);
    ex = redirected(ex, vec![hop(
        API,
        302,
        &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")],
    )]);
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("AllowOriginMismatch"),
    );
    let f = o.failure.unwrap();
    assert_eq!(f.parameter.as_deref(), Some(PAGE));
    assert_eq!(f.evidence.expected.as_deref(), Some("null"));
    assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
    // `null` passes.
    let ok = ok_response(ex.clone(), &[("Access-Control-Allow-Origin", "null")]);
    assert_allowed(&ok, false);
    // A redirect that stays on the API's origin keeps the real Origin.
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", PAGE)]);
    ex = redirected(ex, vec![hop(
        API,
        302,
        &[("Location", "/api2"), ("Access-Control-Allow-Origin", "*")],
    )]);
    assert_allowed(&ex, false);
    // page -> page (same origin, no CORS) -> API: not tainted.
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", PAGE)]);
    ex.legs[0].url = "http://a.test/r".into();
    ex = redirected(ex, vec![hop("http://a.test/r", 302, &[("Location", API)])]);
    assert_allowed(&ex, false);
    // The Origin observed on the final request wins.
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", PAGE)]);
    ex = redirected(ex, vec![hop(
        API,
        302,
        &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")],
    )]);
    if let Some(l) = ex.legs.last_mut() {
        l.request_headers = hs(&[("Origin", "null")]);
    }
    assert_blocked(
        &ex,
        F,
        false,
        "CORSAllowOriginNotMatchingOrigin",
        Some("CORSAllowOriginNotMatchingOrigin"),
    );
}

/// Measured: Location `ftp:` reaches the CORS layer (CorsDisabledScheme /
/// CORSRequestNotHttp); `data:` is refused first (Chromium
/// net::ERR_UNSAFE_REDIRECT, Firefox CORSDidNotSucceed2).
#[test]
fn redirect_schemes() {
    let mut ex = req("GET");
    ex = redirected(ex, vec![hop(
        API,
        302,
        &[
            ("Location", "ftp://c.test/x"),
            ("Access-Control-Allow-Origin", "*"),
        ],
    )]);
    ex.error = Some("net::ERR_FAILED".into());
    assert_blocked(
        &ex,
        C,
        false,
        "CORSRequestNotHttp",
        Some("CorsDisabledScheme"),
    );
    assert_blocked(
        &ex,
        F,
        false,
        "CORSRequestNotHttp",
        Some("CORSRequestNotHttp"),
    );
    let mut ex = redirected(req("GET"), vec![hop(
        API,
        302,
        &[
            ("Location", "data:text/plain,hi"),
            ("Access-Control-Allow-Origin", "*"),
        ],
    )]);
    ex.error = Some("net::ERR_FAILED".into());
    let o = evaluate(&ex, C, false);
    assert_eq!(
        (o.verdict, o.failure.is_none()),
        (Verdict::NetworkError, true)
    );
    let o = evaluate(&ex, F, false);
    assert_eq!(o.verdict, Verdict::NetworkError);
    assert_eq!(o.failure.map(|f| f.name), Some(Some("CORSDidNotSucceed2")));
}

/// Measured: redirect mode "error" fails with no CORS report in either browser.
#[test]
fn redirect_mode_error() {
    let mut ex = ok_response(req("GET"), &[("Access-Control-Allow-Origin", "*")]);
    ex.page.redirect_mode = Some("error".into());
    ex = redirected(ex, vec![hop(
        API,
        302,
        &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")],
    )]);
    for b in Browser::ALL {
        let o = evaluate(&ex, b, false);
        assert_eq!((o.verdict, o.failure), (Verdict::NetworkError, None));
    }
}

#[test]
fn too_many_redirects() {
    let chain = |n: usize| {
        let hops = (0..n)
            .map(|_| hop(API, 302, &[("Location", API), ("Access-Control-Allow-Origin", "*")]))
            .collect();
        redirected(ok_response(req("GET"), &[("Access-Control-Allow-Origin", "*")]), hops)
    };
    assert_eq!(evaluate(&chain(21), C, false).verdict, Verdict::NetworkError);
    assert_allowed(&chain(20), false);
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn network_errors() {
    for (e, b) in [
        ("net::ERR_CONNECTION_REFUSED", C),
        ("net::ERR_NAME_NOT_RESOLVED", C),
        ("net::ERR_CERT_AUTHORITY_INVALID", C),
    ] {
        let mut ex = req("GET");
        ex.error = Some(e.into());
        let o = evaluate(&ex, b, false);
        assert_eq!((o.verdict, o.failure), (Verdict::NetworkError, None), "{e}");
    }
    for e in [
        "NS_ERROR_CONNECTION_REFUSED",
        "NS_ERROR_UNKNOWN_HOST",
        "NS_ERROR_NET_RESET",
    ] {
        let mut ex = req("GET");
        ex.error = Some(e.into());
        let o = evaluate(&ex, F, false);
        assert_eq!(o.verdict, Verdict::NetworkError, "{e}");
        assert_eq!(
            o.failure.map(|f| (f.reason.as_str(), f.name)),
            Some(("CORSDidNotSucceed", Some("CORSDidNotSucceed2")))
        );
    }
    // A refused connection on a request that needed a preflight.
    let mut ex = req("PUT");
    ex.error = Some("net::ERR_CONNECTION_REFUSED".into());
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::NetworkError);
}

#[test]
fn cors_layer_errors_without_response() {
    for e in ["net::ERR_FAILED", "NS_ERROR_DOM_BAD_URI"] {
        let mut ex = req("GET");
        ex.error = Some(e.into());
        let o = evaluate(&ex, C, false);
        assert_eq!(o.verdict, Verdict::Unknown);
        assert_eq!(o.missing.first(), Some(&Missing::Response { error: Some(e.into()) }));
    }
    let ex = req("GET");
    assert_eq!(evaluate(&ex, C, false).missing.first(), Some(&Missing::Response { error: None }));
    // The browser reported a failure the headers do not explain.
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.error = Some("net::ERR_FAILED".into());
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Unknown);
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.page.rejected = Some(true);
    assert_eq!(evaluate(&ex, F, false).missing.first(), Some(&Missing::UnexplainedRejection));
    // The failing headers explain it.
    let mut ex = get_with(&[]);
    ex.error = Some("net::ERR_FAILED".into());
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("MissingAllowOriginHeader"),
    );
}

#[test]
fn not_modified_uses_cached_headers() {
    let mut ex = get_with(&[]);
    ex.legs.last_mut().and_then(|l| l.response.as_mut()).unwrap().status = 304;
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Unknown);
    ex.legs.last_mut().and_then(|l| l.response.as_mut()).unwrap().headers = hs(&[("Access-Control-Allow-Origin", "*")]);
    assert_allowed(&ex, false);
}

#[test]
fn credentials_mode_field_is_not_consulted() {
    // `evaluate` takes the assumption from its argument; the request's own
    // credentials field is for `diagnose`.
    let mut ex = get_with(&[("Access-Control-Allow-Origin", "*")]);
    ex.page.credentials = Some(Credentials::Include);
    assert_eq!(evaluate(&ex, C, false).verdict, Verdict::Allowed);
    assert_eq!(evaluate(&ex, C, true).verdict, Verdict::Blocked);
}

// ---------------------------------------------------------------------------
// Robustness.

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "", " ", ",", "\0", "é", "http://", "*,*", "\u{ffff}", "::::", "%", "a\r\nb",
    ];
    for v in odd {
        for name in [
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Methods",
            "Access-Control-Allow-Headers",
            "Location",
            "Access-Control-Allow-Credentials",
            "Origin",
        ] {
            let pf = Preflight { response: Some(response(302, &[(name, v)])), ..Preflight::default() };
            let mut ex = author(req(v), &[(v, v), ("X", v)]);
            ex.page.origin = Some(v.into());
            ex.legs = vec![
                Leg {
                    url: format!("http://b.test/{v}"),
                    method: Some(v.into()),
                    preflight: Some(pf.clone()),
                    request_headers: hs(&[(name, v)]),
                    response: Some(response(302, &[(name, v), ("Location", v)])),
                },
                Leg {
                    url: v.into(),
                    preflight: Some(pf),
                    response: Some(response(200, &[(name, v)])),
                    ..Leg::default()
                },
                Leg { url: v.into(), ..Leg::default() },
            ];
            ex.error = Some(v.into());
            for b in Browser::ALL {
                for cred in [false, true] {
                    let _ = evaluate(&ex, b, cred);
                    let mut bare = ex.clone();
                    for l in &mut bare.legs {
                        l.preflight = None;
                    }
                    let _ = evaluate(&bare, b, cred);
                }
            }
        }
    }
    // Unparsable URL.
    let mut ex = req("GET");
    ex.legs[0].url = "not a url".into();
    assert!(matches!(evaluate(&ex, C, false).missing.first(), Some(Missing::Url(_))));
}

// ---------------------------------------------------------------------------
// Names and reports.

#[test]
fn browser_names_lead_back_to_their_reason() {
    for &reason in ReasonId::ALL {
        let facts = reason.facts();
        for n in facts.chromium {
            assert_eq!(reason_for_name(C, n).map(|x| x.0), Some(reason), "{n}");
            assert_eq!(reason_for_name(C, &format!("k{n}")).map(|x| x.0), Some(reason), "k{n}");
        }
        if let Some(n) = facts.firefox_key {
            assert_eq!(reason_for_name(F, n).map(|x| x.0), Some(reason), "{n}");
        }
    }
    assert_eq!(
        reason_for_name(F, "CORSDidNotSucceed2"),
        Some((ReasonId::CORSDidNotSucceed, "CORSDidNotSucceed2"))
    );
    assert_eq!(reason_for_name(C, "Nope"), None);
}

#[test]
fn report_fills_what_the_exchange_cannot_show() {
    // A hidden preflight and no response: the browser's report decides.
    let mut ex = author(req("GET"), &[("X-Api-Key", "k")]);
    ex.error = Some("net::ERR_FAILED".into());
    ex.reported = Some(Reported {
        cors_error: Some("PreflightInvalidStatus".into()),
        failed_parameter: Some(String::new()),
        ..Reported::default()
    });
    let o = assert_blocked(
        &ex,
        C,
        false,
        "CORSPreflightDidNotSucceed",
        Some("PreflightInvalidStatus"),
    );
    assert_eq!(o.failure.unwrap().evidence.stage, Stage::Preflight);
    assert!(o.notes.contains(&Note::FromReport));
    // Firefox's own key, not Chromium's.
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::Unknown);
    ex.reported = Some(Reported {
        firefox_key: Some("CORSMissingAllowHeaderFromPreflight2".into()),
        ..Reported::default()
    });
    assert_blocked(
        &ex,
        F,
        false,
        "CORSMissingAllowHeaderFromPreflight",
        Some("CORSMissingAllowHeaderFromPreflight2"),
    );
    // The generic CORSDidNotSucceed2 decides nothing.
    ex.reported = Some(Reported {
        firefox_key: Some("CORSDidNotSucceed2".into()),
        ..Reported::default()
    });
    assert_eq!(evaluate(&ex, F, false).verdict, Verdict::Unknown);
    // A report never overrides what the headers show.
    let mut ex = get_with(&[]);
    ex.reported = Some(Reported {
        cors_error: Some("AllowOriginMismatch".into()),
        ..Reported::default()
    });
    assert_blocked(
        &ex,
        C,
        false,
        "CORSMissingAllowOrigin",
        Some("MissingAllowOriginHeader"),
    );
}

#[test]
fn firefox_source_without_origin_is_no_cors() {
    let mut ex = get_with(&[]);
    ex.browser = Some(F);
    ex.page.resource_type = ResourceType::Image;
    ex.legs[0].request_headers = hs(&[("Accept", "image/avif,image/webp,*/*"), ("User-Agent", "x")]);
    for b in Browser::ALL {
        assert_eq!(evaluate(&ex, b, false).verdict, Verdict::NotCors);
    }
}

#[test]
fn origin_comparison_without_allocation() {
    let u = Url::parse("http://a.test:8080/x").unwrap();
    assert!(url_has_origin(&u, "http://a.test:8080"));
    assert!(!url_has_origin(&u, "http://a.test:08080"));
    assert!(!url_has_origin(&u, "http://a.test:+8080"));
    assert!(!url_has_origin(&u, "http://a.test"));
    assert!(!url_has_origin(&u, "https://a.test:8080"));
    let u = Url::parse("HTTPS://A.test:443/").unwrap();
    assert!(url_has_origin(&u, "https://a.test"));
    assert!(!url_has_origin(&u, "https://a.test:443"));
    let u = Url::parse("http://[::1]:9/").unwrap();
    assert!(url_has_origin(&u, "http://[::1]:9"));
    assert!(!url_has_origin(&Url::parse("data:,x").unwrap(), "null"));
    assert!(!url_has_origin(&Url::parse("file:///x").unwrap(), "null"));
}

// ---------------------------------------------------------------------------
// Property: any header names and values, any statuses, never a panic, and
// the verdict is never Undecided (decided by `diagnose` from two outcomes).

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn header() -> impl Strategy<Value = Header> {
        let names = prop_oneof![
            Just("Access-Control-Allow-Origin".to_string()),
            Just("access-control-allow-credentials".to_string()),
            Just("Access-Control-Allow-Methods".to_string()),
            Just("Access-Control-Allow-Headers".to_string()),
            Just("Location".to_string()),
            Just("Origin".to_string()),
            Just("Sec-Fetch-Mode".to_string()),
            Just("Content-Type".to_string()),
            ".{0,12}",
        ];
        let values = prop_oneof![
            Just("*".to_string()),
            Just(PAGE.to_string()),
            Just("true".to_string()),
            Just("http://u:p@c.test/".to_string()),
            Just("ftp://x/".to_string()),
            "\\PC{0,40}",
            proptest::collection::vec(any::<char>(), 0..300).prop_map(|v| v.into_iter().collect()),
        ];
        (names, values).prop_map(|(n, v)| Header::new(n, v))
    }

    fn response() -> impl Strategy<Value = Response> {
        (any::<u16>(), proptest::collection::vec(header(), 0..6), any::<bool>())
            .prop_map(|(status, headers, headers_merged)| Response { status, headers, headers_merged })
    }

    fn leg() -> impl Strategy<Value = Leg> {
        (
            prop_oneof![
                Just(API.to_string()),
                Just(OTHER.to_string()),
                Just("file:///x".to_string()),
                "\\PC{0,30}"
            ],
            proptest::option::of(proptest::option::of(response())),
            proptest::collection::vec(header(), 0..4),
            proptest::option::of(response()),
        )
            .prop_map(|(url, pf, request_headers, response)| Leg {
                url,
                method: None,
                preflight: pf.map(|response| Preflight { response, ..Preflight::default() }),
                request_headers,
                response,
            })
    }

    fn exchange() -> impl Strategy<Value = Exchange> {
        (
            prop_oneof![
                Just(Some(PAGE.to_string())),
                Just(None),
                Just(Some("null".to_string())),
                "\\PC{0,20}".prop_map(Some)
            ],
            prop_oneof![
                Just("GET".to_string()),
                Just("put".to_string()),
                "\\PC{0,8}"
            ],
            proptest::collection::vec(leg(), 0..4),
            proptest::option::of("\\PC{0,20}"),
        )
            .prop_map(|(origin, method, legs, error)| Exchange {
                page: PageRequest {
                    origin,
                    method: Some(method),
                    resource_type: ResourceType::Fetch,
                    ..PageRequest::default()
                },
                legs,
                error,
                ..Exchange::default()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn evaluate_never_panics(ex in exchange(), cred in any::<bool>()) {
            for b in Browser::ALL {
                let o = evaluate(&ex, b, cred);
                prop_assert!(o.verdict != Verdict::Undecided);
                if o.verdict == Verdict::Blocked {
                    prop_assert!(o.failure.is_some());
                }
                if o.verdict == Verdict::Unknown {
                    prop_assert!(!o.missing.is_empty());
                }
            }
        }

        #[test]
        fn fetch_primitives_never_panic(s in "\\PC{0,64}", t in "\\PC{0,64}") {
            let _ = crate::core::fetch::mime::parse_mime(&s);
            let _ = crate::core::fetch::origin::resolve(&s, &t);
            let _ = crate::core::fetch::origin::serialize_origin(&s);
            let _ = crate::core::fetch::headers::parse_token_list(&[&s, &t]);
            let _ = crate::core::fetch::safelist::is_safelisted_request_header(&s, &t);
            let _ = crate::core::fetch::safelist::is_forbidden_request_header(&s, &t);
            let _ = crate::core::fetch::safelist::parse_simple_range(&t);
            prop_assert_eq!(crate::core::fetch::headers::trim_ows(&s), s.trim_matches([' ', '\t', '\r', '\n']));
        }
    }
}

#[test]
fn preflighted_request_redirected_to_another_origin() {
    // PUT preflighted at the API, 307 to another origin, then nothing.
    let mut ex = with_preflight(
        req("PUT"),
        204,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "PUT"),
        ],
    );
    ex = redirected(ex, vec![hop(
        API,
        307,
        &[("Location", OTHER), ("Access-Control-Allow-Origin", "*")],
    )]);
    ex.error = Some("net::ERR_FAILED".into());
    let o = evaluate(&ex, C, false);
    assert_eq!(o.verdict, Verdict::Unknown);
    assert_eq!(
        o.missing.first(),
        Some(&Missing::RedirectPreflightNotObserved)
    );
    // With the final response: judged on it (Origin is null there).
    // (the same exchange, now with its final response)
    ex.legs.push(hop(OTHER, 200, &[("Access-Control-Allow-Origin", "*")]));
    ex.error = None;
    assert_allowed(&ex, false);
}

/// Measured: `DPR: 2`, `Intervention: x`, `Save-Data: on` set by fetch()
/// go without a preflight in Chromium 156 and with one in Firefox ESR 153
/// (which then failed on a preflight without ACAO); `Range: bytes=0-10`
/// goes without one in both, `Range: bytes=-10` and
/// `Content-Type: text/plain; charset="utf-8"` and `Accept-Language: en_US`
/// with one in both.
#[test]
fn preflight_need_differs_for_chromium_extras() {
    for (n, v) in [("DPR", "2"), ("Intervention", "x"), ("Save-Data", "on")] {
        let ex = author(get_with(&[("Access-Control-Allow-Origin", "*")]), &[(n, v)]);
        assert_eq!(evaluate(&ex, C, false).preflight_needed, Some(false), "{n}");
        assert_eq!(evaluate(&ex, F, false).preflight_needed, Some(true), "{n}");
        // Firefox's failing preflight (no ACAO on it, status 204).
        let ex = with_preflight(ex, 204, &[]);
        let o = assert_blocked(
            &ex,
            F,
            false,
            "CORSMissingAllowOrigin",
            Some("CORSMissingAllowOrigin2"),
        );
        assert_eq!(o.failure.unwrap().parameter.as_deref(), Some("204"));
    }
    for (n, v, needed) in [
        ("Range", "bytes=0-10", false),
        ("Range", "bytes=-10", true),
        ("Content-Type", "text/plain; charset=\"utf-8\"", true),
        ("Accept-Language", "en_US", true),
    ] {
        let ex = author(get_with(&[("Access-Control-Allow-Origin", "*")]), &[(n, v)]);
        for b in Browser::ALL {
            assert_eq!(
                evaluate(&ex, b, false).preflight_needed,
                Some(needed),
                "{n}: {v} {b:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// A needed preflight that was not observed.

fn put_with_response(obs: PreflightObservation, acao: Option<&str>) -> Exchange {
    let mut ex = req("PUT");
    ex.preflight_observation = obs;
    let h: Vec<(&str, &str)> = acao.map(|a| vec![(ACAO, a)]).unwrap_or_default();
    ok_response(ex, &h)
}

#[test]
fn unobserved_preflight_is_assumed_to_have_passed_and_said() {
    for (obs, cached) in [
        (PreflightObservation::Cached, true),
        (PreflightObservation::Unknown, false),
        (PreflightObservation::Hidden, false),
    ] {
        for b in [C, F] {
            let o = evaluate(&put_with_response(obs, Some(PAGE)), b, false);
            assert_eq!(o.verdict, Verdict::Allowed, "{obs:?} {b:?}");
            assert!(o.notes.contains(&Note::PreflightAssumed { cached, after: None }), "{obs:?} {b:?}: {:?}", o.notes);
            assert!(!o.notes.contains(&Note::FailsAnyway));
        }
    }
    // The source saw every preflight and none was sent: nothing assumed.
    let o = evaluate(&put_with_response(PreflightObservation::NotSent, Some(PAGE)), C, false);
    assert!(o.notes.is_empty(), "{:?}", o.notes);
}

#[test]
fn unobserved_preflight_and_a_failing_response_says_it_fails_anyway() {
    for b in [C, F] {
        let o = evaluate(&put_with_response(PreflightObservation::Cached, None), b, false);
        assert_eq!(o.verdict, Verdict::Blocked);
        assert_eq!(o.failure.as_ref().map(|f| f.evidence.stage), Some(Stage::Actual));
        assert!(o.notes.contains(&Note::FailsAnyway), "{:?}", o.notes);
    }
}

#[test]
fn redirect_turning_put_into_get_needs_no_second_preflight() {
    // HTTP-redirect fetch, step 12: a 303 makes the request a GET without
    // request-body headers, so no preflight is needed at the target.
    let mut ex = with_preflight(
        req("PUT"),
        204,
        &[(ACAO, PAGE), ("Access-Control-Allow-Methods", "PUT")],
    );
    ex = redirected(ok_response(ex, &[(ACAO, "null")]), vec![hop(API, 303, &[(ACAO, PAGE), ("Location", OTHER)])]);
    ex.preflight_observation = PreflightObservation::Unknown;
    let o = evaluate(&ex, C, false);
    assert_eq!(o.verdict, Verdict::Allowed, "{o:?}");
    assert!(!o.notes.iter().any(|n| matches!(n, Note::PreflightAssumed { cached: false, .. })));
    // A 307 keeps the PUT: the target's preflight was needed and not seen.
    let mut ex307 = ex.clone();
    if let Some(r) = ex307.legs[0].response.as_mut() {
        r.status = 307;
    }
    let o = evaluate(&ex307, C, false);
    assert_eq!(o.verdict, Verdict::Allowed);
    assert!(o.notes.iter().any(|n| matches!(n, Note::PreflightAssumed { cached: false, .. })));
}
