//! The wasm boundary (`src/wasm.rs`), tested as wasm in Node:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=.tools/bin/wasm-bindgen-test-runner
//!  cargo test --target wasm32-unknown-unknown --test wasm` (run by `./build.sh test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code
#![cfg(target_arch = "wasm32")]

use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use whycors::exchange::{Browser, Exchange};
use whycors::reasons::REASONS;
use whycors::wasm;

fn json(s: &str) -> Value {
    serde_json::from_str(s).expect("the boundary returns JSON")
}

/// A JS object from JSON text (what a JS caller passes).
fn obj(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("test JSON parses")
}

/// JSON text as a JS string.
fn text(t: &str) -> JsValue {
    JsValue::from_str(t)
}

/// What the boundary returned, as serde_json sees it.
fn val(v: JsValue) -> Value {
    json(&js_sys::JSON::stringify(&v).expect("plain data").as_string().expect("a string"))
}

fn reason_for(d: &Value, browser: &str) -> Option<String> {
    d["browsers"]
        .as_array()?
        .iter()
        .find(|b| b["browser"] == browser)
        .and_then(|b| b["reason"].as_str().map(str::to_string))
}

/// The exchange of browsers.md's first row: a cross-origin GET answered 200
/// without Access-Control-Allow-Origin. Chromium: MissingAllowOriginHeader;
/// Firefox: CORSMissingAllowOrigin2.
const MISSING_ACAO: &str = r#"{
  "request": {"url": "http://127.0.0.1:8802/api/x", "method": "GET", "origin": "http://127.0.0.1:8801",
              "headers": [{"name": "Origin", "value": "http://127.0.0.1:8801"}],
              "type": "fetch", "mode": "cors", "credentials": "omit"},
  "preflightObservation": "not-sent",
  "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/plain"}]}
}"#;

#[wasm_bindgen_test]
fn diagnose_names_the_reason_in_both_browsers() {
    let d = val(wasm::diagnose(obj(MISSING_ACAO), None).expect("diagnoses"));
    assert_eq!(d["verdict"], "blocked");
    assert_eq!(d["reason"], "CORSMissingAllowOrigin");
    assert_eq!(reason_for(&d, "chromium").as_deref(), Some("CORSMissingAllowOrigin"));
    assert_eq!(reason_for(&d, "firefox").as_deref(), Some("CORSMissingAllowOrigin"));
    let names: Vec<&str> = d["browsers"].as_array().unwrap().iter().filter_map(|b| b["name"].as_str()).collect();
    assert!(names.contains(&"MissingAllowOriginHeader"), "{names:?}");
    assert!(names.contains(&"CORSMissingAllowOrigin2"), "{names:?}");
}

#[wasm_bindgen_test]
fn diagnose_for_one_browser() {
    let d = val(wasm::diagnose(text(MISSING_ACAO), Some("firefox".into())).expect("diagnoses"));
    assert_eq!(d["reason"], "CORSMissingAllowOrigin");
    let ok = r#"{"request": {"url": "http://127.0.0.1:8802/api/x", "origin": "http://127.0.0.1:8801", "credentials": "omit", "mode": "cors"},
                 "preflightObservation": "not-sent",
                 "response": {"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "*"}]}}"#;
    let d = val(wasm::diagnose(obj(ok), Some("chromium".into())).expect("diagnoses"));
    assert_eq!(d["verdict"], "allowed");
    assert!(d["reason"].is_null());
}

/// What crosses the boundary is exactly the engine's diagnosis: every
/// reason's documented example, diagnosed through `diagnose` (JSON text in
/// and out), equals the engine called directly inside the same module.
#[wasm_bindgen_test]
fn boundary_returns_exactly_the_engines_diagnosis() {
    assert!(!REASONS.is_empty());
    for r in REASONS {
        let browser = r.example_browser.map(|b| b.as_str().to_string());
        let as_object = val(wasm::diagnose(obj(r.example), browser.clone()).expect(r.id.as_str()));
        let as_text = val(wasm::diagnose(text(r.example), browser.clone()).expect(r.id.as_str()));
        let text_in_out = json(&wasm::diagnose_json(r.example, browser.clone(), None).expect(r.id.as_str()));
        let ex: Exchange = serde_json::from_str(r.example).expect(r.id.as_str());
        let opts = whycors::Options { browser: r.example_browser, ..Default::default() };
        let direct = serde_json::to_value(whycors::diagnose(&ex, &opts)).unwrap();
        assert_eq!(as_object, direct, "{}", r.id);
        assert_eq!(as_text, direct, "{}", r.id);
        assert_eq!(text_in_out, direct, "{}", r.id);
        let verdict = json(&wasm::diagnose_json(r.example, browser.clone(), Some(true)).expect(r.id.as_str()));
        let opts = whycors::Options { browser: r.example_browser, verdict_only: true, credentials: None };
        assert_eq!(verdict, serde_json::to_value(whycors::diagnose(&ex, &opts)).unwrap(), "{}", r.id);
    }
}

#[wasm_bindgen_test]
fn many_in_one_crossing() {
    let list = format!("[{MISSING_ACAO},{MISSING_ACAO}]");
    let out = val(wasm::diagnose_all(obj(&list), None).expect("diagnoses"));
    assert_eq!(out.as_array().map(Vec::len), Some(2));
    assert_eq!(out[1]["reason"], "CORSMissingAllowOrigin");
    let again = val(wasm::diagnose_all(text(&list), None).expect("diagnoses"));
    assert_eq!(again, out);
}

#[wasm_bindgen_test]
fn bad_input_throws_an_error_with_a_message() {
    let msg = |e: js_sys::Error| String::from(e.message());

    let m = msg(wasm::diagnose(text("{not json"), None).unwrap_err());
    assert!(m.starts_with("exchange:"), "{m}");
    assert!(m.contains("line 1"), "says where: {m}");

    let m = msg(wasm::diagnose_json("{not json", None, None).unwrap_err());
    assert!(m.starts_with("exchange:") && m.contains("line 1"), "{m}");

    let m = msg(wasm::diagnose(obj(r#"{"request": {"url": 7}}"#), None).unwrap_err());
    assert!(m.contains("request.url"), "names the field: {m}");

    let m = msg(wasm::diagnose(obj(r#"{"request": {}}"#), None).unwrap_err());
    assert!(m.contains("request.url"), "{m}");

    let m = msg(wasm::diagnose(JsValue::UNDEFINED, None).unwrap_err());
    assert!(m.contains("expected an exchange"), "{m}");
    let m = msg(wasm::diagnose(JsValue::from_f64(3.0), None).unwrap_err());
    assert!(m.contains("expected an exchange"), "{m}");

    let m = msg(wasm::diagnose(obj(MISSING_ACAO), Some("safari".into())).unwrap_err());
    assert!(m.contains("\"safari\""), "{m}");

    let m = msg(wasm::diagnose_all(obj(r#"[{"request": {"url": "http://a/"}}, {"request": {"url": false}}]"#), None).unwrap_err());
    assert!(m.contains("[1].request.url"), "{m}");

    let m = msg(wasm::diagnose_har(r#"{"log": {"entries": 7}}"#, None).unwrap_err());
    assert!(m.starts_with("HAR:"), "{m}");

    let m = msg(wasm::explain("NoSuchReason").unwrap_err());
    assert!(m.contains("NoSuchReason"), "{m}");

    let m = msg(wasm::exchange_from_lab_records(obj("{}"), "http://127.0.0.1:8801", JsValue::UNDEFINED).unwrap_err());
    assert!(m.contains("lab records"), "{m}");

    let m = msg(wasm::exchange_from_raw(obj(r#"{"url": "http://a.test/", "response": "HTTP/1.1 200\nnot a header"}"#)).unwrap_err());
    assert!(m.contains("response, line 2"), "{m}");
}

#[wasm_bindgen_test]
fn reasons_lists_the_registry_in_order() {
    let list = val(wasm::reasons().expect("reasons"));
    let ids: Vec<&str> = list.as_array().unwrap().iter().filter_map(|r| r["id"].as_str()).collect();
    let registry: Vec<&str> = REASONS.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, registry);
    for r in list.as_array().unwrap() {
        assert!(r["title"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
        assert!(r["explanation"]["id"].as_str().is_some_and(|t| t.starts_with("reason.")), "{r}");
    }
    // One serialisation for the wasm and the CLI (`whycors reasons --json`,
    // checked in tests/registry.rs): `reasons::ReasonInfo`.
    assert_eq!(list, serde_json::to_value(whycors::reasons::infos()).unwrap());
    for r in REASONS {
        let one = val(wasm::explain(r.id.as_str()).expect(r.id.as_str()));
        assert_eq!(one, serde_json::to_value(r.info()).unwrap(), "{}", r.id);
    }
}

#[wasm_bindgen_test]
fn explain_gives_both_browsers_names() {
    let r = val(wasm::explain("CORSMissingAllowOrigin").expect("known"));
    assert_eq!(r["id"], "CORSMissingAllowOrigin");
    assert_eq!(r["firefoxKey"], "CORSMissingAllowOrigin2");
    assert!(r["chromium"].as_array().unwrap().iter().any(|n| n == "MissingAllowOriginHeader"), "{r}");
    assert!(r["link"].as_str().unwrap().starts_with("https://"));
    assert_eq!(r["example"]["schema"], 2);
    assert!(r["example"]["legs"][0]["url"].is_string());
}

#[wasm_bindgen_test]
fn har_with_a_preflight() {
    let har = r#"{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [
      {"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 1,
       "request": {"method": "GET", "url": "http://127.0.0.1:8802/api/x", "httpVersion": "HTTP/1.1",
                   "headers": [{"name": "Origin", "value": "http://127.0.0.1:8801"}], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                    "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
       "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}, "_resourceType": "fetch"}]}}"#;
    let out = val(wasm::diagnose_har(har, Some("chromium".into())).expect("reads the HAR"));
    assert_eq!(out.as_array().map(Vec::len), Some(1));
    assert_eq!(out[0]["reason"], "CORSMissingAllowOrigin");
    let exchanges = val(wasm::exchanges_from_har(har).expect("reads the HAR"));
    assert_eq!(exchanges[0]["schema"], 2);
    assert_eq!(exchanges[0]["legs"][0]["url"], "http://127.0.0.1:8802/api/x");
}

/// Exchanges in either schema: schema 2 as it is, the first format (what the
/// extension and the pages send) upgraded to the same exchange; another
/// schema is refused, saying so.
#[wasm_bindgen_test]
fn both_schemas_are_read_and_others_refused() {
    let first = r#"{"request": {"url": "http://127.0.0.1:8802/api/x", "origin": "http://127.0.0.1:8801", "type": "fetch", "mode": "cors", "credentials": "omit"},
                    "response": {"status": 200, "headers": []}}"#;
    let second = r#"{"schema": 2, "page": {"origin": "http://127.0.0.1:8801", "type": "fetch", "mode": "cors", "credentials": "omit"},
                     "legs": [{"url": "http://127.0.0.1:8802/api/x", "response": {"status": 200, "headers": []}}]}"#;
    for input in [obj(first), text(first), obj(second), text(second)] {
        let d = val(wasm::diagnose(input, Some("chromium".into())).expect("diagnoses"));
        assert_eq!(d["reason"], "CORSMissingAllowOrigin");
    }
    assert_eq!(
        wasm::diagnose_json(first, None, Some(true)).expect("text"),
        wasm::diagnose_json(second, None, Some(true)).expect("text")
    );
    let both = val(wasm::diagnose_all(obj(&format!("[{first},{second}]")), None).expect("a mixed list"));
    assert_eq!(both[0], both[1]);
    let third = second.replacen(r#""schema": 2"#, r#""schema": 3"#, 1);
    for input in [obj(&third), text(&third)] {
        let m = String::from(wasm::diagnose(input, None).unwrap_err().message());
        assert!(m.contains("schema") && m.contains("newer"), "{m}");
    }
}

#[wasm_bindgen_test]
fn lab_records_become_an_exchange() {
    let records = r#"[{"seq": 1, "tag": "t1", "origin": "http://127.0.0.1:8802", "server": "api",
      "received": {"method": "GET", "url": "http://127.0.0.1:8802/api/x?tag=t1",
                   "headers": [{"name": "Host", "value": "127.0.0.1:8802"}, {"name": "Origin", "value": "http://127.0.0.1:8801"}]},
      "sent": {"status": 500, "headers": [{"name": "Content-Length", "value": "2"}], "dropped": false}, "at": 1}]"#;
    let info = r#"{"kind": "fetch", "method": "GET", "mode": "cors", "credentials": "omit", "rejected": true}"#;
    let ex = val(wasm::exchange_from_lab_records(obj(records), "http://127.0.0.1:8801", obj(info)).expect("builds"));
    assert_eq!(ex["schema"], 2);
    assert_eq!(ex["legs"][0]["url"], "http://127.0.0.1:8802/api/x?tag=t1");
    assert_eq!(ex["legs"][0]["response"]["status"], 500);
    let from_text = val(wasm::exchange_from_lab_records(text(records), "http://127.0.0.1:8801", text(info)).expect("builds"));
    assert_eq!(from_text, ex);
    let d = val(wasm::diagnose(text(&ex.to_string()), None).expect("diagnoses"));
    assert_eq!(d["reason"], "CORSMissingAllowOrigin");
}

#[wasm_bindgen_test]
fn raw_header_blocks_become_an_exchange() {
    let raw = r#"{"request": "GET /api/x HTTP/1.1\nHost: 127.0.0.1:8802\nOrigin: http://127.0.0.1:8801",
                  "response": "HTTP/1.1 200 OK\nAccess-Control-Allow-Origin: http://example.com", "credentials": "omit", "mode": "cors", "noPreflight": true}"#;
    let ex = val(wasm::exchange_from_raw(obj(raw)).expect("parses"));
    assert_eq!(ex["schema"], 2);
    assert_eq!(ex["legs"][0]["url"], "http://127.0.0.1:8802/api/x");
    let d = val(wasm::diagnose(obj(&ex.to_string()), Some(Browser::Chromium.as_str().into())).expect("diagnoses"));
    assert_eq!(d["reason"], "CORSAllowOriginNotMatchingOrigin");
}

/// A PUT from a page whose script set a CORS-unsafe and two safelisted
/// headers (Fetch Standard: the preflight names only the unsafe one; DPR is
/// safelisted by Chromium only, cors.cc IsCorsSafelistedHeader).
const PUT_WITH_HEADERS: &str = r#"{
  "request": {"url": "http://127.0.0.1:8802/api/x#top", "method": "put", "origin": "http://127.0.0.1:8801",
              "authorHeaders": [{"name": "X-Trace", "value": "1"}, {"name": "Content-Type", "value": "text/plain"},
                                {"name": "Accept", "value": "application/json"}, {"name": "DPR", "value": "2"}],
              "type": "fetch", "mode": "cors", "credentials": "omit"},
  "response": {"status": 200, "headers": [{"name": "Access-Control-Allow-Origin", "value": "*"}]}
}"#;

#[wasm_bindgen_test]
fn preflight_request_is_the_engines_reconstruction() {
    let headers = |p: &Value| -> Vec<(String, String)> {
        p["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap().to_string(), h["value"].as_str().unwrap().to_string()))
            .collect()
    };
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    let p = val(wasm::preflight_request(obj(PUT_WITH_HEADERS), Some("chromium".into())).expect("reconstructs"));
    assert_eq!(p["browser"], "chromium");
    assert_eq!(p["method"], "OPTIONS");
    assert_eq!(p["url"], "http://127.0.0.1:8802/api/x");
    assert_eq!(
        headers(&p),
        [
            pair("Accept", "*/*"),
            pair("Access-Control-Request-Method", "PUT"),
            pair("Access-Control-Request-Headers", "x-trace"),
            pair("Origin", "http://127.0.0.1:8801"),
        ]
    );
    let p = val(wasm::preflight_request(text(PUT_WITH_HEADERS), Some("firefox".into())).expect("reconstructs"));
    assert_eq!(headers(&p)[2], pair("Access-Control-Request-Headers", "dpr,x-trace"));
    // The same as the engine called directly, and as the full diagnosis carries.
    let ex: Exchange = whycors::input::exchange_from_str(PUT_WITH_HEADERS).unwrap();
    let direct = serde_json::to_value(whycors::diagnose::preflight_request(&ex, Browser::Firefox)).unwrap();
    assert_eq!(p, direct);
    let d = val(wasm::diagnose(obj(PUT_WITH_HEADERS), Some("firefox".into())).expect("diagnoses"));
    assert_eq!(d["preflightRequest"], p);
    let d = json(&wasm::diagnose_json(PUT_WITH_HEADERS, Some("firefox".into()), Some(true)).expect("diagnoses"));
    assert!(d["preflightRequest"].is_null());

    // A simple request: no preflight (null), in the diagnosis too.
    let none = wasm::preflight_request(obj(MISSING_ACAO), Some("firefox".into())).expect("decides");
    assert!(none.is_null());
    assert!(val(wasm::diagnose(obj(MISSING_ACAO), None).unwrap())["preflightRequest"].is_null());

    // The browser: the exchange's own by default, else required.
    let own = PUT_WITH_HEADERS.replacen("{", r#"{"browser": "chromium","#, 1);
    let p = val(wasm::preflight_request(text(&own), None).expect("the exchange's browser"));
    assert_eq!(p["browser"], "chromium");
    let m = String::from(wasm::preflight_request(obj(PUT_WITH_HEADERS), None).unwrap_err().message());
    assert!(m.starts_with("browser:"), "{m}");
    let m = String::from(wasm::preflight_request(text("{oops"), Some("firefox".into())).unwrap_err().message());
    assert!(m.starts_with("exchange:"), "{m}");
}

#[wasm_bindgen_test]
fn version_is_the_crates() {
    assert_eq!(wasm::version(), env!("CARGO_PKG_VERSION"));
}

/// Real exports without a cookie (tests/data/har/): `diagnoseHar` applies
/// what the HAR implies but does not record, as the CLI does: the same
/// diagnoses as `har::diagnose_read`, the inferences said first in `notes`.
/// Firefox's never-sent request is a sign only the HAR reader sees.
#[wasm_bindgen_test]
fn har_inferences_cross_the_boundary() {
    let files = [
        ("firefox", include_str!("data/har/firefox-153-lab-nocookie.har"), &["har.note.credentials-inferred-not-sent"][..]),
        (
            "chromium",
            include_str!("data/har/chromium-156-lab-nocookie.har"),
            &["har.note.credentials-inferred", "har.note.credentials-inferred-preflight"][..],
        ),
    ];
    for (browser, har, notes) in files {
        let out = val(wasm::diagnose_har(har, Some(browser.into())).expect("reads the HAR"));
        let read = whycors::har::read(&json(har), &whycors::input::Limits::default()).expect("reads");
        assert!(!read.inferences.is_empty(), "{browser}");
        let opts = whycors::Options { browser: read.browser, ..Default::default() };
        assert_eq!(out, serde_json::to_value(whycors::har::diagnose_read(&read, &opts)).unwrap(), "{browser}");
        for (i, _) in &read.inferences {
            let d = &out[*i];
            assert_eq!(d["verdict"], "blocked", "{browser} {i}");
            let first = d["notes"][0]["id"].as_str().unwrap_or("");
            assert!(notes.contains(&first), "{browser} {i}: {first}");
        }
        // exchangesFromHar keeps only what the file records.
        let exchanges = val(wasm::exchanges_from_har(har).expect("reads the HAR"));
        for (i, _) in &read.inferences {
            assert!(exchanges[*i]["page"]["credentials"].is_null(), "{browser} {i}");
        }
    }
}

/// One exchange with Chromium's `net::ERR_FAILED` (the extension records
/// the same error from webRequest): `diagnose`, `diagnoseJson` (the verdict
/// path too) and `diagnoseAll` all infer the credentials and say so.
#[wasm_bindgen_test]
fn diagnose_infers_from_chromiums_error() {
    let har = include_str!("data/har/chromium-156-lab-nocookie.har");
    let read = whycors::har::read(&json(har), &whycors::input::Limits::default()).expect("reads");
    let ex = read.exchanges.iter().find(|e| e.url().contains("tag=ffhar-acao-star-credentials")).expect("scenario");
    assert_eq!(ex.error.as_deref(), Some("net::ERR_FAILED"));
    assert!(ex.page.credentials.is_none());
    let ex_json = serde_json::to_string(ex).unwrap();
    let d = val(wasm::diagnose(obj(&ex_json), None).expect("diagnoses"));
    assert_eq!(d["verdict"], "blocked");
    assert_eq!(d["reason"], "CORSNotSupportingCredentials");
    assert_eq!(d["notes"][0]["id"], "har.note.credentials-inferred");
    let v = json(&wasm::diagnose_json(&ex_json, None, Some(true)).expect("diagnoses"));
    assert_eq!(v["verdict"], "blocked");
    assert_eq!(v["notes"][0], d["notes"][0]);
    assert_eq!(json(&wasm::diagnose_json(&ex_json, None, None).expect("diagnoses")), d);
    let all = val(wasm::diagnose_all(text(&format!("[{ex_json}]")), None).expect("diagnoses"));
    assert_eq!(all[0], d);
}

/// `listPatterns()` is `message::LIST_PATTERNS`, and the `parts` of a
/// diagnosis' texts cross the boundary in the shape `TextPart` declares.
#[wasm_bindgen_test]
fn list_patterns_and_text_parts() {
    let list = val(wasm::list_patterns().expect("patterns"));
    let want: Vec<Value> = whycors::message::LIST_PATTERNS
        .iter()
        .map(|(id, template)| serde_json::json!({"id": id, "template": template}))
        .collect();
    assert_eq!(list, Value::Array(want));
    // A PUT whose preflight and response both lack ACAO: a fix of several steps.
    let ex = r#"{"request": {"url": "http://127.0.0.1:8802/api/x", "method": "PUT", "origin": "http://127.0.0.1:8801",
                              "type": "fetch", "mode": "cors", "credentials": "omit"},
                 "preflight": {"status": 204, "headers": [{"name": "Access-Control-Allow-Methods", "value": "PUT"}]},
                 "response": {"status": 200, "headers": []}}"#;
    let d = val(wasm::diagnose(obj(ex), Some("chromium".into())).expect("diagnoses"));
    let summary = &d["fix"]["summary"];
    let parts = summary["parts"].as_object().unwrap_or_else(|| panic!("parts: {summary:#}"));
    assert!(!parts.is_empty());
    for (k, p) in parts {
        // A list `{list, items}` or a nested Text; params holds its English.
        if p.get("list").is_some() {
            assert!(p["list"] == "and" || p["list"] == "steps", "{p}");
            assert!(p["items"].as_array().is_some_and(|i| i.iter().all(|t| t["id"].is_string() && t["text"].is_string())), "{p}");
        } else {
            assert!(p["id"].is_string() && p["text"].is_string(), "{p}");
        }
        assert!(summary["params"][k].is_string(), "{k}");
    }
}
