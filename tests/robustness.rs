//! Malformed input never panics (in wasm a panic aborts the module).
//!
//! - Property tests over header names and values (arbitrary strings and
//!   bytes, huge, empty, repeated, control characters, non-ASCII) placed in
//!   every header list of full exchanges, with arbitrary methods, URLs,
//!   origins, statuses and redirect chains: `diagnose` (full and verdict-only,
//!   every browser choice) and `check::evaluate` always return, and the
//!   diagnosis serialises.
//! - Broken HAR and exchange JSON: every truncation of the samples, every
//!   node replaced by null, random nodes replaced by wrong types, huge
//!   numbers, deep nesting. `input::parse` returns Ok or Err, and every
//!   exchange it returns diagnoses without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use proptest::prelude::*;
use serde_json::Value;
use whycors::exchange::*;
use whycors::{diagnose, Options};

const CORS_NAMES: &[&str] = &[
    "Access-Control-Allow-Origin",
    "access-control-allow-credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Access-Control-Allow-Private-Network",
    "Vary",
    "Location",
    "Origin",
    "Content-Type",
    "Range",
    "Accept",
    "Authorization",
    "Cookie",
    " ACCESS-CONTROL-ALLOW-ORIGIN ",
    "",
];

const VALUES: &[&str] = &[
    "*", "null", "true", "True", "", " ", "https://app.example", "https://app.example/", "http://app.example",
    "https://app.example, *", "GET, POST, PUT", "*, Authorization", "x-foo,,", "0", "-1", "86400",
    "99999999999999999999", "text/plain;charset=UTF-8", "bytes=0-", "https://user:pw@other.example/",
    "//other.example", "javascript:alert(1)", "\u{1b}[31m", "\0", "\r\n", "é", "\u{202e}", "a\u{0}b",
];

fn string_any() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        2 => "[\\x00-\\x1f\\x7f-\\x9f ,;:*\"'<>@\\\\]{0,24}",
        1 => (1usize..20_000).prop_map(|n| "x".repeat(n)),
        1 => (1usize..300).prop_map(|n| "é,".repeat(n)),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(CORS_NAMES).prop_map(str::to_string), 2 => string_any()]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(VALUES).prop_map(str::to_string),
        2 => string_any(),
        1 => prop::collection::vec(prop::sample::select(VALUES), 0..6).prop_map(|v| v.join(",")),
    ]
}

fn headers() -> impl Strategy<Value = Vec<Header>> {
    prop_oneof![
        4 => prop::collection::vec((header_name(), header_value()).prop_map(|(n, v)| Header { name: n, value: v }), 0..8),
        // the same line many times
        1 => (header_name(), header_value(), 1usize..200)
            .prop_map(|(n, v, k)| vec![Header { name: n, value: v }; k]),
    ]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "https://api.example/x", "http://127.0.0.1:8802/api", "https://app.example/same", "file:///etc/passwd",
            "data:text/plain,hi", "https://user:pw@api.example/", "http://[::1]:80/", "https://xn--e1afmkfd.xn--p1ai/",
            "", "not a url", "https://api.example:99999/",
        ][..]).prop_map(str::to_string),
        1 => string_any(),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(&[0u16, 100, 200, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 500, 502, 999][..]),
        1 => any::<u16>(),
    ]
}

fn exchange() -> impl Strategy<Value = Exchange> {
    let page = (
        prop::option::of(prop_oneof![prop::sample::select(&["GET", "POST", "PUT", "put", "PATCH", "OPTIONS", "CONNECT", ""][..]).prop_map(str::to_string), string_any()]),
        prop::option::of(prop_oneof![prop::sample::select(&["https://app.example", "null", "http://127.0.0.1:8801", ""][..]).prop_map(str::to_string), string_any()]),
        prop::option::of(headers()),
        prop::sample::select(&[ResourceType::Fetch, ResourceType::Xhr, ResourceType::Image, ResourceType::Font, ResourceType::Script, ResourceType::Document, ResourceType::Preflight, ResourceType::Other][..]),
        prop::option::of(prop::sample::select(&[Mode::Cors, Mode::NoCors, Mode::SameOrigin, Mode::Navigate, Mode::Websocket][..])),
        prop::option::of(prop::sample::select(&[Credentials::Omit, Credentials::SameOrigin, Credentials::Include][..])),
        prop::collection::vec(header_name(), 0..3),
    )
        .prop_map(|(method, origin, author_headers, resource_type, mode, credentials, read_headers)| PageRequest {
            method,
            origin,
            author_headers,
            resource_type,
            mode,
            credentials,
            rejected: None,
            read_headers,
            redirect_mode: None,
            call_site: None,
        });
    // Any status, 0 included (what a careless source might write).
    let response = || {
        prop::option::of(
            (status(), headers(), any::<bool>()).prop_map(|(status, headers, headers_merged)| Response { status, headers, headers_merged }),
        )
    };
    let preflight = prop::option::of(
        (headers(), response(), prop::option::of(string_any()))
            .prop_map(|(request_headers, response, error)| Preflight { request_headers, response, error }),
    );
    let legs = prop::collection::vec(
        (url(), prop::option::of(string_any()), preflight, headers(), response()).prop_map(
            |(url, method, preflight, request_headers, response)| Leg { url, method, preflight, request_headers, response },
        ),
        0..5,
    );
    (
        page,
        prop::sample::select(&[PreflightObservation::Unknown, PreflightObservation::NotSent, PreflightObservation::Hidden, PreflightObservation::Cached][..]),
        legs,
        prop::sample::select(&[End::Unrecorded, End::Completed, End::Failed, End::NotSent][..]),
        prop::option::of(prop_oneof![prop::sample::select(&["net::ERR_FAILED", "net::ERR_CONNECTION_REFUSED", "NS_ERROR_DOM_BAD_URI", ""][..]).prop_map(str::to_string), string_any()]),
        prop::option::of(prop::sample::select(&[Browser::Chromium, Browser::Firefox][..])),
        any::<bool>(),
    )
        .prop_map(|(page, preflight_observation, legs, end, error, browser, with_context)| Exchange {
            schema: 2,
            id: Some("p".into()),
            browser,
            page,
            legs,
            preflight_observation,
            end,
            error,
            remote_address: None,
            reported: if with_context {
                Some(Reported { cors_error: Some("MissingAllowOriginHeader".into()), failed_parameter: None, firefox_key: Some("CORSDisabled".into()), message: None, blocked_reason: Some("csp".into()), issues: vec!["ORB".into()] })
            } else {
                None
            },
            context: if with_context {
                Some(Context {
                    initiator_address_space: Some("public".into()),
                    target_address_space: Some("loopback".into()),
                    declared_target_address_space: None,
                    secure_context: Some(false),
                    local_network_permission: Some("denied".into()),
                    cors_disabled: Some(false),
                    expanded_principal: Some(false),
                    page_csp: Some(vec!["connect-src 'self'; img-src *".into()]),
                })
            } else {
                None
            },
        })
}

/// The number of cases: `PROPTEST_CASES` when set (for a longer hunt), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn run_everything(ex: &Exchange) {
    for b in Browser::ALL {
        for cred in [false, true] {
            let _ = whycors::check::evaluate(ex, b, cred);
        }
    }
    for browser in [None, Some(Browser::Chromium), Some(Browser::Firefox)] {
        let d = diagnose(ex, &Options { browser, verdict_only: false, credentials: None });
        serde_json::to_string(&d).expect("a diagnosis serialises");
    }
    let _ = diagnose(ex, &Options { browser: None, verdict_only: true, credentials: None });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(384), max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn diagnose_never_panics(ex in exchange()) {
        run_everything(&ex);
    }

    #[test]
    fn exchange_json_round_trip_never_panics(ex in exchange()) {
        let text = serde_json::to_string(&ex).unwrap();
        match whycors::input::parse(&text) {
            Ok(v) => {
                for e in &v {
                    run_everything(e);
                }
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| serde_json::json!(f)),
        string_any().prop_map(Value::String),
        prop::sample::select(&["GET", "OPTIONS", "preflight", "fetch", "https://api.example/x", "net::ERR_FAILED", "page_1", "Origin", "Access-Control-Request-Method", "2026-11-25T10:00:00.000Z"][..])
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop::sample::select(&["name", "value", "url", "method", "headers", "status", "request", "response", "_resourceType", "_error", "redirectURL", "pageref", "startedDateTime", "_initiator", "requestId", "_requestId", "x"][..]), inner),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// Random JSON trees where a HAR's entries, requests, responses and
    /// header lists go.
    #[test]
    fn random_har_shapes_never_panic(entries in prop::collection::vec(json_value(), 0..6),
                                     req in json_value(), resp in json_value(), headers in json_value()) {
        let mut list = entries;
        list.push(serde_json::json!({"_resourceType": "fetch", "request": req, "response": resp}));
        list.push(serde_json::json!({"request": {"url": "https://api.example/x", "method": "PUT", "headers": headers},
                                     "response": {"status": 302, "headers": [], "redirectURL": "https://api.example/x"}}));
        list.push(serde_json::json!({"_resourceType": "preflight", "request": {"url": "https://api.example/x", "method": "OPTIONS",
                                     "headers": [{"name": "Access-Control-Request-Method", "value": "PUT"}]}, "response": {"status": 204, "headers": headers}}));
        let har = serde_json::json!({"log": {"pages": [{"id": "page_1", "title": "https://app.example/"}], "entries": list}});
        parse_and(&har.to_string(), false);
    }

    /// Random JSON where an exchange goes.
    #[test]
    fn random_exchange_shapes_never_panic(v in json_value(), req in json_value()) {
        parse_and(&v.to_string(), false);
        parse_and(&serde_json::json!({"request": req, "response": v}).to_string(), false);
        parse_and(&serde_json::json!([{"request": {"url": "https://a.example/", "headers": req}}]).to_string(), false);
    }
}

// ---- broken HAR and JSON --------------------------------------------------

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/har/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn parse_and_diagnose(text: &str) {
    parse_and(text, true)
}

fn parse_and(text: &str, verdict_only: bool) {
    match whycors::input::parse(text) {
        Ok(v) => {
            for ex in &v {
                let _ = diagnose(ex, &Options { browser: None, verdict_only, credentials: None });
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn every_truncation_of_the_samples() {
    for name in ["chrome-sample.har", "firefox-sample.har"] {
        let s = sample(name);
        let complete = s.trim_end().len();
        let mut cut = 0;
        while cut < complete {
            if s.is_char_boundary(cut) {
                let r = whycors::input::parse(&s[..cut]);
                assert!(r.is_err(), "{name} cut at {cut} parsed");
            }
            cut += 3;
        }
    }
}

/// Every node's path in a JSON value.
fn paths(v: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(here.clone());
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                here.push(PathStep::Key(k.clone()));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Index(usize),
    Key(String),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match (step, cur) {
            (PathStep::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            (PathStep::Key(k), Value::Object(o)) => o.get_mut(k)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn replacements() -> Vec<Value> {
    let deep = (0..200).fold(Value::Null, |acc, _| Value::Array(vec![acc]));
    vec![
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(u64::MAX),
        serde_json::json!(i64::MIN),
        serde_json::json!(1e300),
        serde_json::json!(""),
        serde_json::json!("\u{1b}[2J\u{0}"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([{"name": 1, "value": null}]),
        serde_json::json!({"name": "x"}),
        deep,
    ]
}

#[test]
fn every_node_replaced_by_each_wrong_value() {
    let reps = replacements();
    for name in ["chrome-sample.har", "firefox-sample.har"] {
        let base: Value = serde_json::from_str(&sample(name)).unwrap();
        let mut all = Vec::new();
        paths(&base, &mut Vec::new(), &mut all);
        // Every node: null. Every 7th node: every replacement (full diagnosis on every 49th).
        for (i, p) in all.iter().enumerate() {
            let reps_here: &[Value] = if i % 7 == 0 { &reps } else { &reps[..1] };
            for r in reps_here {
                let mut v = base.clone();
                if let Some(n) = node_mut(&mut v, p) {
                    *n = r.clone();
                }
                parse_and(&v.to_string(), i % 49 != 0);
            }
        }
    }
}

#[test]
fn exchange_json_nodes_replaced() {
    let base: Value = serde_json::from_str(
        r#"{"id":"a","browser":"firefox","request":{"url":"https://api.example/x","method":"PUT","origin":"https://app.example",
        "headers":[{"name":"X-Foo","value":"1"}],"authorHeaders":[{"name":"X-Foo","value":"1"}],"type":"fetch","mode":"cors",
        "credentials":"include","rejected":true,"readHeaders":["x-total"],"redirectMode":"follow","callSite":"a.js:1:2"},
        "preflight":{"requestHeaders":[{"name":"Access-Control-Request-Method","value":"PUT"}],"status":204,
          "headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"}],"headersMerged":true,"error":null},
        "preflightObservation":"unknown",
        "redirects":[{"url":"https://api.example/x","status":302,"headers":[{"name":"Location","value":"/y"}],"headersMerged":false,"requestHeaders":[]}],
        "response":{"url":"https://api.example/y","status":200,"headers":[],"headersMerged":false,"requestHeaders":[]},
        "error":"net::ERR_FAILED","remoteAddress":"1.2.3.4:443",
        "reported":{"corsError":"MissingAllowOriginHeader","failedParameter":null,"firefoxKey":null,"message":null},
        "context":{"initiatorAddressSpace":"public","targetAddressSpace":"local","secureContext":true}}"#,
    )
    .unwrap();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    for p in &all {
        for r in replacements() {
            let mut v = base.clone();
            if let Some(n) = node_mut(&mut v, p) {
                *n = r;
            }
            parse_and_diagnose(&v.to_string());
            parse_and_diagnose(&Value::Array(vec![v]).to_string());
        }
    }
}

#[test]
fn pathological_texts() {
    let deep_array = "[".repeat(100_000);
    let deep_har = format!("{{\"log\":{{\"entries\":{}}}}}", "[".repeat(50_000));
    let deep_obj = "{\"a\":".repeat(10_000);
    let texts: Vec<String> = vec![
        deep_array,
        deep_har,
        deep_obj,
        "1e999999".into(),
        "{\"log\":{\"entries\":[{\"request\":{\"url\":\"https://a/\"},\"response\":{\"status\":1e400}}]}}".into(),
        "{\"request\":{\"url\":\"https://a/\"},\"response\":{\"status\":18446744073709551616}}".into(),
        "{\"request\":{\"url\":\"https://a/\"},\"response\":{\"status\":-0.0}}".into(),
        "\"\\ud800\"".into(),
        "{\"request\":{\"url\":\"\\ud800\"}}".into(),
        "{\"log\":null}".into(),
        "{\"log\":{\"entries\":null}}".into(),
        "{\"log\":{\"entries\":[null,1,\"x\",[],{}]}}".into(),
        "{\"log\":{\"pages\":[{\"id\":1}],\"entries\":[]}}".into(),
        "\u{feff}[]".into(),
        "[]".into(),
        "{}".into(),
        " \n\t ".into(),
        format!("[{}]", vec!["{\"request\":{\"url\":\"https://api.example/\"}}"; 5000].join(",")),
    ];
    for t in &texts {
        parse_and(t, false);
    }
}

#[test]
fn har_with_many_repeated_preflights_and_redirect_loops() {
    // A redirect loop (A -> B -> A ...) and many preflights for one URL.
    let mut entries = Vec::new();
    for i in 0..300 {
        let (from, to) = if i % 2 == 0 { ("https://a.example/x", "https://b.example/x") } else { ("https://b.example/x", "https://a.example/x") };
        entries.push(serde_json::json!({
            "_resourceType": "fetch",
            "startedDateTime": "2026-11-25T10:00:00.000Z",
            "request": {"method": "GET", "url": from, "headers": [{"name": "Origin", "value": "https://app.example"}]},
            "response": {"status": 302, "headers": [{"name": "Location", "value": to}], "redirectURL": to}
        }));
        entries.push(serde_json::json!({
            "_resourceType": "preflight",
            "request": {"method": "OPTIONS", "url": from, "headers": [{"name": "Access-Control-Request-Method", "value": "PUT"}]},
            "response": {"status": 204, "headers": []}
        }));
    }
    let har = serde_json::json!({"log": {"entries": entries}}).to_string();
    parse_and_diagnose(&har);
}
