//! Preflights after redirects. Every expectation
//! was measured with Chromium 156 and Firefox ESR 153 against `whycors lab`
//! (page origin P fetches `PUT` with `X-A: 1` from the api origin A, which
//! answers its preflight and then `307` to the other origin O (or to itself
//! for the same-origin case); the browser preflights again at the target).
//! The records below are those runs' records, with the lab's `Server`,
//! `Date` and `Content-Length` lines left out.

use crate::core::check::*;
use crate::core::exchange::{Browser, Exchange, Header, ResourceType};
use crate::core::verdict::{Stage, Verdict};
use crate::input::labrecord::{exchange_from_records, LabRequestInfo, Received, Record, Sent};
use crate::core::exchange::{Credentials, Leg};


const P: &str = "http://127.0.0.1:8801";
const A: &str = "http://127.0.0.1:8802";
const O: &str = "http://127.0.0.1:8803";

fn hs(pairs: &[(&str, &str)]) -> Vec<Header> {
    pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
}

fn rec(seq: u64, server: &str, method: &str, url: &str, req: Vec<Header>, status: u16, sent: Vec<Header>) -> Record {
    Record {
        seq,
        tag: Some("t".into()),
        origin: server.into(),
        server: String::new(),
        received: Received { method: method.into(), url: url.into(), headers: req },
        sent: Some(Sent { status, headers: sent, dropped: false }),
        at: 0,
    }
}

/// What the target's preflight answered, and the actual response's ACAO
/// (`None`: the browser stopped after the preflight).
struct Run {
    target: &'static str,
    pf2: Vec<Header>,
    pf2_status: u16,
    actual_acao: Option<String>,
    cred: bool,
}

fn records(browser: Browser, r: &Run) -> Vec<Record> {
    let cred = |mut v: Vec<Header>| {
        if r.cred {
            v.push(Header::new("Access-Control-Allow-Credentials", "true"));
        }
        v
    };
    let pf_ok = || cred(hs(&[("Access-Control-Allow-Origin", P), ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "x-a")]));
    let start = format!("{A}/api/start?tag=t");
    let end = format!("{}/api/end?tag=t", r.target);
    // The target's requests carry Origin: null after a cross-origin hop from a
    // URL that is not the page's origin; Chromium's preflight carries it too,
    // Firefox's the page's origin.
    let tainted = r.target != A;
    let actual_origin = if tainted { "null" } else { P };
    let pf2_origin = match browser {
        Browser::Chromium => actual_origin,
        Browser::Firefox => P,
    };
    let mut v = vec![
        rec(1, A, "OPTIONS", &start, hs(&[("Origin", P), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-a")]), 204, pf_ok()),
        rec(2, A, "PUT", &start, hs(&[("Origin", P), ("X-A", "1")]), 307, cred(hs(&[("Access-Control-Allow-Origin", P), ("Location", &end)]))),
        rec(3, r.target, "OPTIONS", &end, hs(&[("Origin", pf2_origin), ("Access-Control-Request-Method", "PUT"), ("Access-Control-Request-Headers", "x-a")]), r.pf2_status, cred(r.pf2.clone())),
    ];
    if let Some(acao) = &r.actual_acao {
        v.push(rec(4, r.target, "PUT", &end, hs(&[("Origin", actual_origin), ("X-A", "1")]), 200, cred(hs(&[("Access-Control-Allow-Origin", acao)]))));
    }
    v
}

fn exchange(browser: Browser, r: &Run) -> Exchange {
    let info = LabRequestInfo {
        kind: "fetch".into(),
        method: Some("PUT".into()),
        author_headers: Some(hs(&[("X-A", "1")])),
        credentials: Some(if r.cred { Credentials::Include } else { Credentials::SameOrigin }),
        browser: Some(browser),
        ..LabRequestInfo::default()
    };
    exchange_from_records(&records(browser, r), P, &info).expect("records")
}

/// `(browser, own name or None for allowed, failedParameter)`.
fn expect(r: &Run, want: &[(Browser, Option<&str>, Option<&str>)]) {
    for (b, name, param) in want {
        let ex = exchange(*b, r);
        let o = evaluate(&ex, *b, r.cred);
        match name {
            None => assert_eq!(o.verdict, Verdict::Allowed, "{b:?}: {o:?}"),
            Some(n) => {
                assert_eq!(o.verdict, Verdict::Blocked, "{b:?}: {o:?}");
                let f = o.failure.as_ref().expect("failure");
                assert_eq!(f.name, Some(*n), "{b:?}: {f:?}");
                if *b == Browser::Chromium {
                    assert_eq!(f.parameter.as_deref(), *param, "{b:?}: {f:?}");
                }
            }
        }
    }
}

fn pf(acao: Option<&str>, acam: bool) -> Vec<Header> {
    let mut v = Vec::new();
    if let Some(a) = acao {
        v.push(Header::new("Access-Control-Allow-Origin", a));
    }
    if acam {
        v.push(Header::new("Access-Control-Allow-Methods", "PUT"));
    }
    v.push(Header::new("Access-Control-Allow-Headers", "x-a"));
    v
}

fn run(pf2: Vec<Header>, actual_acao: Option<&str>) -> Run {
    Run { target: O, pf2, pf2_status: 204, actual_acao: actual_acao.map(str::to_string), cred: false }
}

const C: Browser = Browser::Chromium;
const F: Browser = Browser::Firefox;

#[test]
fn labrecord_puts_each_preflight_at_its_leg() {
    let ex = exchange(C, &run(pf(Some("null"), true), Some("null")));
    assert_eq!(ex.legs.len(), 2);
    let pf1 = ex.legs[0].preflight.as_ref().expect("first preflight");
    assert_eq!(pf1.response.as_ref().map(|r| r.status), Some(204));
    assert_eq!(pf1.request_headers[0].value, P);
    assert_eq!(ex.legs[0].response.as_ref().map(|r| r.status), Some(307));
    let pf2 = ex.legs[1].preflight.as_ref().expect("second preflight on the second leg");
    assert_eq!(pf2.request_headers[0].value, "null");
    assert!(ex.legs[1].response.is_some());
    assert!(std::ptr::eq(crate::core::facts::hop_preflight(&ex, Some(0)).expect("after hop 0"), pf2));
    // JSON round trip keeps it.
    let back: Exchange = serde_json::from_str(&serde_json::to_string(&ex).expect("json")).expect("parse");
    assert_eq!(back, ex);
}

#[test]
fn reflecting_the_origin_passes_in_both() {
    // r1: the target's preflight and response reflect Origin.
    expect(&run(pf(Some("null"), true), Some("null")), &[(C, None, None)]);
    let mut f = run(pf(Some(P), true), Some("null"));
    f.pf2 = pf(Some(P), true);
    expect(&f, &[(F, None, None)]);
}

#[test]
fn target_preflight_allowing_the_page_origin() {
    // r2: Chromium's second preflight carries Origin: null and fails;
    // Firefox's carries the page's origin and passes.
    let r = run(pf(Some(P), true), Some("null"));
    expect(&r, &[(F, None, None)]);
    let mut c = run(pf(Some(P), true), None);
    c.actual_acao = None;
    expect(&c, &[(C, Some("PreflightAllowOriginMismatch"), Some(P))]);
}

#[test]
fn target_preflight_allowing_null() {
    // r3: passes in Chromium, CORSAllowOriginNotMatchingOrigin in Firefox.
    expect(&run(pf(Some("null"), true), Some("null")), &[(C, None, None)]);
    expect(&run(pf(Some("null"), true), None), &[(F, Some("CORSAllowOriginNotMatchingOrigin"), None)]);
}

#[test]
fn target_preflight_star_passes() {
    // r4.
    expect(&run(pf(Some("*"), true), Some("null")), &[(C, None, None), (F, None, None)]);
}

#[test]
fn target_preflight_without_acao() {
    // r5.
    expect(
        &run(pf(None, false), None),
        &[(C, Some("PreflightMissingAllowOriginHeader"), None), (F, Some("CORSMissingAllowOrigin2"), None)],
    );
}

#[test]
fn target_preflight_without_the_method() {
    // r6: the target reflects the origin but lists no method.
    let c = run(pf(Some("null"), false), None);
    expect(&c, &[(C, Some("MethodDisallowedByPreflightResponse"), Some("PUT"))]);
    let f = run(pf(Some(P), false), None);
    expect(&f, &[(F, Some("CORSMethodNotFound"), None)]);
}

#[test]
fn same_origin_redirect_is_preflighted_again_with_the_page_origin() {
    // r7: 307 from the api origin to itself; both send the page's origin on
    // the second preflight and on the actual request.
    let r = Run { target: A, pf2: pf(Some(P), true), pf2_status: 204, actual_acao: Some(P.into()), cred: false };
    expect(&r, &[(C, None, None), (F, None, None)]);
}

#[test]
fn credentialed_chain_reflecting_the_origin_passes() {
    // r8.
    let c = Run { target: O, pf2: pf(Some("null"), true), pf2_status: 204, actual_acao: Some("null".into()), cred: true };
    expect(&c, &[(C, None, None)]);
    let f = Run { target: O, pf2: pf(Some(P), true), pf2_status: 204, actual_acao: Some("null".into()), cred: true };
    expect(&f, &[(F, None, None)]);
}

#[test]
fn firefox_fails_the_actual_response_after_its_preflight_passes() {
    // r9: preflight and response both allow the page's origin: Chromium
    // fails the preflight (Origin null); Firefox passes it and fails the
    // actual response (Origin null).
    expect(&run(pf(Some(P), true), None), &[(C, Some("PreflightAllowOriginMismatch"), Some(P))]);
    let r = run(pf(Some(P), true), Some(P));
    expect(&r, &[(F, Some("CORSAllowOriginNotMatchingOrigin"), None)]);
    let o = evaluate(&exchange(F, &r), F, false);
    assert_eq!(o.failure.map(|f| f.evidence.stage), Some(Stage::Actual));
}

#[test]
fn target_preflight_404() {
    // r10: the target's preflight reflects the origin but answers 404.
    let mut c = run(pf(Some("null"), true), None);
    c.pf2_status = 404;
    expect(&c, &[(C, Some("PreflightInvalidStatus"), None)]);
    let mut f = run(pf(Some(P), true), None);
    f.pf2_status = 404;
    expect(&f, &[(F, Some("CORSPreflightDidNotSucceed3"), None)]);
    // The evidence points at the preflight after hop 0.
    let o = evaluate(&exchange(F, &f), F, false);
    let e = o.failure.expect("failure").evidence;
    assert_eq!((e.stage, e.hop), (Stage::Preflight, Some(0)));
}

mod never_panics {
    use super::*;
    use crate::core::exchange::{PageRequest, Preflight, PreflightObservation, Response};
    use proptest::prelude::*;

    fn header() -> impl Strategy<Value = Header> {
        (
            prop_oneof![
                Just("Access-Control-Allow-Origin".to_string()),
                Just("Access-Control-Allow-Methods".to_string()),
                Just("Access-Control-Allow-Headers".to_string()),
                Just("Access-Control-Allow-Credentials".to_string()),
                Just("Access-Control-Max-Age".to_string()),
                Just("Location".to_string()),
                Just("Origin".to_string()),
                ".{0,8}",
            ],
            prop_oneof![Just("*".to_string()), Just("null".to_string()), Just(P.to_string()), Just("PUT".to_string()), ".{0,12}"],
        )
            .prop_map(|(n, v)| Header::new(n, v))
    }

    fn response() -> impl Strategy<Value = Option<Response>> {
        proptest::option::of(
            (any::<u16>(), proptest::collection::vec(header(), 0..5), any::<bool>())
                .prop_map(|(status, headers, headers_merged)| Response { status, headers, headers_merged }),
        )
    }

    fn preflight() -> impl Strategy<Value = Option<Preflight>> {
        proptest::option::of(
            (response(), proptest::collection::vec(header(), 0..3), proptest::option::of(".{0,10}"))
                .prop_map(|(response, request_headers, error)| Preflight { response, request_headers, error }),
        )
    }

    fn url() -> impl Strategy<Value = String> {
        prop_oneof![Just(format!("{A}/x")), Just(format!("{O}/y")), Just(format!("{P}/z")), Just(String::new()), ".{0,12}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn evaluate_and_diagnose_never_panic(
            method in prop_oneof![Just("PUT".to_string()), Just("GET".to_string()), Just("POST".to_string()), ".{0,6}"],
            first in (preflight(), response(), proptest::collection::vec(header(), 0..3)),
            legs in proptest::collection::vec((url(), preflight(), response(), proptest::collection::vec(header(), 0..3)), 0..4),
            obs in 0u8..4,
        ) {
            let leg = |url: String, (preflight, response, request_headers): (Option<Preflight>, Option<Response>, Vec<Header>)| {
                Leg { url, method: None, preflight, request_headers, response }
            };
            let mut ex = Exchange {
                page: PageRequest {
                    method: Some(method),
                    origin: Some(P.into()),
                    resource_type: ResourceType::Fetch,
                    author_headers: Some(hs(&[("X-A", "1")])),
                    ..PageRequest::default()
                },
                legs: vec![leg(format!("{A}/start"), first)],
                ..Exchange::default()
            };
            ex.legs.extend(legs.into_iter().map(|(url, pf, r, h)| leg(url, (pf, r, h))));
            ex.preflight_observation = match obs { 0 => PreflightObservation::Unknown, 1 => PreflightObservation::Cached, 2 => PreflightObservation::Hidden, _ => PreflightObservation::NotSent };
            for b in Browser::ALL {
                for cred in [false, true] {
                    let _ = evaluate(&ex, b, cred);
                }
            }
            for k in [None, Some(0), Some(1), Some(usize::MAX)] {
                let _ = crate::core::facts::hop_preflight(&ex, k);
            }
            let _ = crate::report::diagnose::diagnose(&ex, &crate::report::diagnose::Options { browser: None, verdict_only: false, credentials: None });
            let _ = crate::report::findings::findings(&ex);
        }
    }
}

#[test]
fn diagnosis_names_the_redirect_target_of_a_failing_second_preflight() {
    // r5 in Chromium: the target's preflight has no ACAO.
    let ex = exchange(C, &run(pf(None, false), None));
    let d = crate::report::diagnose::diagnose(&ex, &crate::report::diagnose::Options { browser: Some(C), verdict_only: false, credentials: None });
    assert_eq!(d.verdict, Verdict::Blocked);
    let e = d.evidence.first().expect("evidence");
    assert_eq!((e.stage, e.hop), (Stage::Preflight, Some(0)));
    let msg = d.browsers.iter().find(|b| b.browser == C).and_then(|b| b.message.clone()).unwrap_or_default();
    assert!(msg.contains(&format!("{O}/api/end")), "{msg}");
    assert!(msg.contains("Response to preflight request"), "{msg}");
}
