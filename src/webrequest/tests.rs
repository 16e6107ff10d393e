//! Tests of the adapter on hand-made event sequences (the shapes the
//! recorded traces show); `traces` replays the recorded ones.

use super::*;
use std::collections::BTreeMap;
use serde_json::{json, Value};

const PAGE: &str = "http://127.0.0.1:8801";
const API: &str = "http://127.0.0.1:8802";

fn session(browser: Browser) -> Session {
    Session::new(Config { browser, sees_preflights: true, started_at: 0.0, ..Default::default() })
}

fn feed(s: &mut Session, items: Vec<Value>) -> Output {
    s.feed(&serde_json::to_string(&items).unwrap_or_default(), 100_000.0)
}

fn wr(ev: &str, rid: u32, url: &str, extra: Value) -> Value {
    let mut d = json!({"requestId": rid.to_string(), "tabId": 1, "frameId": 0, "url": url, "method": "GET",
        "type": "xmlhttprequest", "initiator": PAGE, "timeStamp": 50_000.0 + f64::from(rid)});
    if let (Some(o), Some(e)) = (d.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    json!([ev, d])
}

fn hdrs(list: &[(&str, &str)]) -> Value {
    Value::Array(list.iter().map(|(n, v)| json!({"name": n, "value": v})).collect())
}

/// A simple request: SH, HR (status, headers), C.
fn simple(rid: u32, url: &str, acao: Option<&str>) -> Vec<Value> {
    let mut rs = vec![("Content-Type", "text/plain")];
    if let Some(a) = acao {
        rs.push(("Access-Control-Allow-Origin", a));
    }
    vec![
        wr("SH", rid, url, json!({"requestHeaders": hdrs(&[("Origin", PAGE), ("Sec-Fetch-Mode", "cors")])})),
        wr("HR", rid, url, json!({"statusCode": 200, "responseHeaders": hdrs(&rs)})),
        wr("C", rid, url, json!({"statusCode": 200})),
    ]
}

fn relay(stream: &str, f: u64, m: u64, records: Vec<Value>) -> Value {
    let json = json!({"s": stream, "f": f, "m": m, "b": records}).to_string();
    json!(["hook", {"tab": 1, "frame": 0, "json": json}])
}

fn call(seq: u64, url: &str, credentials: &str, rejected: Option<bool>) -> Value {
    let mut c = json!({"s": seq, "o": "c", "k": "fetch", "u": url, "m": "GET", "md": "cors", "cr": credentials,
        "rd": "follow", "h": [], "or": PAGE});
    if let Some(r) = rejected {
        c["rj"] = json!(r);
    }
    c
}

fn sync_reply(id: u64, stream: &str, f: u64, m: u64, records: Vec<Value>) -> Value {
    let json = json!({"s": stream, "f": f, "m": m, "b": records, "aw": []}).to_string();
    json!(["sync", {"id": id, "json": json}])
}

fn creds(row: &Row) -> Option<&'static str> {
    row.x.page.credentials.map(|c| match c {
        crate::exchange::Credentials::Omit => "omit",
        crate::exchange::Credentials::SameOrigin => "same-origin",
        crate::exchange::Credentials::Include => "include",
    })
}

#[test]
fn a_call_joins_its_request_once_settled() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/a?tag=1");
    let mut items = vec![relay("S", 1, 1, vec![call(1, &url, "include", None)])];
    items.extend(simple(10, &url, Some("*")));
    let out = feed(&mut s, items);
    assert!(out.rows.is_empty(), "pending until the call settles: {:?}", out.rows);
    assert_eq!(out.pending.get(&1), Some(&1));
    let out = feed(&mut s, vec![relay("S", 2, 2, vec![json!({"s": 2, "o": "s", "c": 1, "rj": true})])]);
    assert_eq!(out.rows.len(), 1);
    let row = &out.rows[0];
    assert_eq!(creds(row), Some("include"));
    assert_eq!(row.x.page.rejected, Some(true));
    assert_eq!(row.s.how, "call");
    assert_eq!(row.s.v, "blocked", "ACAO * with credentials: {:?}", row.s);
    assert!(out.pending.is_empty());
}

/// Chromium hears the actual request after its preflight: the second call's
/// request can be heard of first. Pairing follows requestId order, not the
/// order heard.
#[test]
fn duplicates_pair_in_request_order_not_heard_order() {
    let mut s = session(Browser::Chromium);
    let url = format!("{API}/dup?tag=d");
    // Request 21 (the second call's) is heard before request 20. The settled
    // calls' records come after (a call settles after its request's events).
    let mut items = simple(21, &url, Some("*"));
    items.extend(simple(20, &url, Some("*")));
    items.push(relay("S", 1, 2, vec![call(1, &url, "include", Some(false)), call(2, &url, "omit", Some(false))]));
    let out = feed(&mut s, items);
    let by_rid: BTreeMap<String, Option<&str>> = out.rows.iter().map(|r| (r.xid.clone(), creds(r))).collect();
    assert_eq!(by_rid.get("20"), Some(&Some("include")));
    assert_eq!(by_rid.get("21"), Some(&Some("omit")));
}

/// A request whose call record has not come yet stays pending; a sync
/// issued after it was heard of decides it.
#[test]
fn no_call_is_decided_by_a_later_mark_only() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/nocall?tag=n");
    let mut items = vec![relay("S", 1, 1, vec![call(1, &format!("{API}/other"), "omit", Some(false))])];
    items.extend(simple(30, &url, Some("*")));
    let out = feed(&mut s, items);
    assert!(out.rows.is_empty(), "{:?}", out.rows);
    assert_eq!(out.syncs.len(), 1, "a sync is asked for");
    let id = out.syncs[0].id;
    // The mark covers the call: it arrives with the answer.
    let out = feed(&mut s, vec![sync_reply(id, "S", 2, 2, vec![call(2, &url, "same-origin", Some(false))])]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].s.how, "call");
    assert_eq!(creds(&out.rows[0]), Some("same-origin"));

    // And with no call in the mark: no record.
    let url2 = format!("{API}/nocall2?tag=n");
    let out = feed(&mut s, simple(31, &url2, Some("*")));
    assert!(out.rows.is_empty());
    let id = out.syncs.first().map(|x| x.id).unwrap_or(0);
    let out = feed(&mut s, vec![sync_reply(id, "S", 3, 2, vec![])]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].s.how, "no-record");
    assert!(!out.rows[0].s.hk);
}

/// An answer issued before the request was heard of decides nothing.
#[test]
fn an_old_mark_decides_nothing() {
    let mut s = session(Browser::Firefox);
    let first = feed(&mut s, simple(40, &format!("{API}/x1"), Some("*")));
    let id = first.syncs[0].id;
    // Request 41 is heard of after sync `id` was issued.
    let out = feed(&mut s, simple(41, &format!("{API}/x2"), Some("*")));
    assert!(out.syncs.is_empty(), "one sync in flight per document");
    let out = feed(&mut s, vec![sync_reply(id, "S", 1, 0, vec![])]);
    let decided: Vec<&str> = out.rows.iter().map(|r| r.xid.as_str()).collect();
    assert_eq!(decided, ["40"]);
    assert_eq!(out.syncs.len(), 1, "another sync for the request heard later");
}

/// A call the browser refused before the network (and a settled call with no
/// request) never takes a later duplicate's request.
#[test]
fn calls_that_never_reach_the_network() {
    let mut s = session(Browser::Chromium);
    let url = format!("{API}/so?tag=so");
    let mut refused = call(1, &url, "omit", Some(true));
    refused["md"] = json!("same-origin");
    let mut items = simple(50, &url, Some("*"));
    items.push(relay("S", 1, 2, vec![refused, call(2, &url, "include", Some(false))]));
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 2, "{:?}", out.rows.iter().map(|r| &r.xid).collect::<Vec<_>>());
    let page_only = out.rows.iter().find(|r| r.s.how == "page").map(|r| r.x.page.mode);
    assert_eq!(page_only, Some(Some(crate::exchange::Mode::SameOrigin)));
    let joined = out.rows.iter().find(|r| r.xid == "50");
    assert_eq!(joined.and_then(creds), Some("include"));
}

/// A first URL on the page's own origin redirected to another origin is a
/// CORS request too, joined to its call.
#[test]
fn same_origin_first_url_redirected_across() {
    let mut s = session(Browser::Firefox);
    let first = format!("{PAGE}/login?tag=r");
    let target = format!("{API}/x?tag=r");
    let items = vec![
        wr("SH", 60, &first, json!({"requestHeaders": hdrs(&[("Cookie", "a=1")])})),
        wr("RD", 60, &first, json!({"statusCode": 302, "redirectUrl": target, "responseHeaders": hdrs(&[("Location", &target)])})),
        wr("SH", 60, &target, json!({"requestHeaders": hdrs(&[("Origin", "null")])})),
        wr("HR", 60, &target, json!({"statusCode": 200, "responseHeaders": hdrs(&[("Access-Control-Allow-Origin", "*")])})),
        wr("C", 60, &target, json!({"statusCode": 200})),
        relay("S", 1, 1, vec![call(1, &first, "same-origin", Some(false))]),
    ];
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1);
    let r = &out.rows[0];
    assert_eq!(r.x.legs.len(), 2);
    assert_eq!(r.s.how, "call");
    assert_eq!(creds(r), Some("same-origin"), "the page's mode, not the first leg's cookie");
    assert_eq!(r.x.legs[0].request_headers.first().map(|h| h.value.as_str()), Some(redact::REDACTED));
}

/// Same-origin requests that stay same-origin take their call and are not rows.
#[test]
fn same_origin_requests_are_no_rows() {
    let mut s = session(Browser::Chromium);
    let url = format!("{PAGE}/self");
    let mut items = simple(70, &url, None);
    items.push(relay("S", 1, 1, vec![call(1, &url, "same-origin", Some(false))]));
    let out = feed(&mut s, items);
    assert!(out.rows.is_empty());
    assert!(out.pending.is_empty());
}

/// Records of a stream arriving out of order wait for the gap to fill.
#[test]
fn contiguity() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/c?tag=c");
    let mut items = vec![relay("S", 1, 1, vec![call(1, &url, "omit", None)])];
    items.extend(simple(80, &url, Some("*")));
    // Message 3 (the settlement) before message 2 (a read): held until 2 comes.
    items.push(relay("S", 3, 3, vec![json!({"s": 3, "o": "s", "c": 1, "rj": false})]));
    let out = feed(&mut s, items);
    assert!(out.rows.is_empty());
    let out = feed(&mut s, vec![relay("S", 2, 2, vec![json!({"s": 2, "o": "r", "c": 1, "n": "X-A"})])]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].x.page.read_headers, vec!["x-a".to_string()]);
}

/// Element facts: the crossorigin attribute decides the credentials mode.
#[test]
fn elements() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/img.png?tag=e");
    let fact = json!({"t": "img", "u": url, "co": "use-credentials", "ok": false});
    let json = json!({"s": "S", "f": 1, "m": 0, "b": [], "e": [fact]}).to_string();
    let mut items = vec![];
    for e in simple(90, &url, Some("*")) {
        let mut e = e;
        e[1]["type"] = json!("image");
        items.push(e);
    }
    items.push(json!(["hook", {"tab": 1, "frame": 0, "json": json}]));
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1);
    let r = &out.rows[0];
    assert_eq!(r.s.how, "element");
    assert_eq!(creds(r), Some("include"));
    assert_eq!(r.x.page.rejected, Some(true));
    assert_eq!(r.s.v, "blocked");
}

/// A frame with no relay: decided once a sync finds nobody there.
#[test]
fn no_relay() {
    let mut s = session(Browser::Chromium);
    let out = feed(&mut s, simple(100, &format!("{API}/nr"), Some("*")));
    assert!(out.rows.is_empty());
    let id = out.syncs[0].id;
    let out = feed(&mut s, vec![json!(["sync", {"id": id, "none": true}])]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].s.how, "no-record");
}

/// A page over its budget loses its own records only.
#[test]
fn overflow() {
    let mut s = Session::new(Config { browser: Browser::Firefox, tab_burst: 3.0, tab_rate: 0.0, ..Default::default() });
    let url = format!("{API}/o?tag=o");
    let calls: Vec<Value> = (1..=5).map(|i| call(i, &url, "omit", Some(false))).collect();
    let mut items = vec![relay("S", 1, 5, calls)];
    items.extend(simple(110, &url, Some("*")));
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].s.how, "lost");
    assert_eq!(s.stats(1).refused, 5);
}

#[test]
fn reads_after_the_row_update_it() {
    let mut s = session(Browser::Chromium);
    let url = format!("{API}/rd?tag=rd");
    let mut items = simple(120, &url, Some("*"));
    items.push(relay("S", 1, 1, vec![call(1, &url, "omit", Some(false))]));
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1);
    let out = feed(&mut s, vec![relay("S", 2, 2, vec![json!({"s": 2, "o": "r", "c": 1, "n": "X-Total"})])]);
    assert_eq!(out.rows.len(), 1);
    assert!(out.rows[0].upd);
    assert_eq!(out.rows[0].x.page.read_headers, vec!["x-total".to_string()]);
}

#[test]
fn secret_urls_are_redacted_unless_asked() {
    let mut s = session(Browser::Chromium);
    let url = format!("{API}/t?access_token=SECRET&tag=t");
    let out = feed(&mut s, simple(130, &url, Some("*")));
    let id = out.syncs[0].id;
    let out = feed(&mut s, vec![json!(["sync", {"id": id, "none": true}])]);
    assert!(!serde_json::to_string(&out.rows).unwrap_or_default().contains("SECRET"));
    s.set_raw_urls(true);
    let out = feed(&mut s, simple(131, &url, Some("*")));
    let id = out.syncs[0].id;
    let out = feed(&mut s, vec![json!(["sync", {"id": id, "none": true}])]);
    assert!(serde_json::to_string(&out.rows).unwrap_or_default().contains("SECRET"));
}

#[test]
fn garbage_never_panics() {
    let mut s = session(Browser::Chromium);
    for text in ["", "[", "[[]]", "[[1,2]]", r#"[["SH",null]]"#, r#"[["hook",{"json":"{\"s\":\"x\",\"f\":-5,\"m\":1e300,\"b\":[{\"s\":-1,\"o\":\"s\"}]}"}]]"#,
        r#"[["sync",{"id":-1,"json":"[]"}]]"#, r#"[["RD",{"requestId":"9","url":"http://a/"}],["C",{"requestId":"9","url":"::"}]]"#] {
        let _ = s.feed(text, f64::NAN);
    }
}

/// A service worker's request (no tab) goes to the tab of its origin.
#[test]
fn service_worker_requests_go_to_their_tab() {
    let mut s = session(Browser::Chromium);
    let nav = json!(["BR", {"requestId": "1", "tabId": 7, "frameId": 0, "url": format!("{PAGE}/app"), "method": "GET", "type": "main_frame", "timeStamp": 1.0}]);
    let mut items = vec![nav];
    for e in simple(2, &format!("{API}/sw?tag=sw"), Some("*")) {
        let mut e = e;
        e[1]["tabId"] = json!(-1);
        e[1]["frameId"] = json!(-1);
        items.push(e);
    }
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1, "{:?}", out);
    assert_eq!(out.rows[0].tab, 7);
    assert!(out.rows[0].sw);
}

/// Replays a trace file named by WHYCORS_TRACE (debugging aid; ignored).
#[test]
#[ignore]
fn replay_env_trace() {
    let Ok(path) = std::env::var("WHYCORS_TRACE") else { return };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let mut s = Session::from_json(&v["config"].to_string());
    if let Ok(extra) = std::env::var("WHYCORS_TRACE_PREFIX") {
        let out = s.feed(&extra, 0.0);
        eprintln!("prefix -> {} rows", out.rows.len());
    }
    for f in v["feeds"].as_array().cloned().unwrap_or_default() {
        let out = s.feed(f["batch"].as_str().unwrap_or("[]"), f["now"].as_f64().unwrap_or(0.0));
        for r in &out.rows {
            eprintln!("row tab={} {} {} {} {}", r.tab, r.s.v, r.s.how, r.x.url(), r.sw);
        }
        eprintln!("syncs {:?} pending {:?}", out.syncs.iter().map(|s| (s.id, s.tab, s.frame, s.poll)).collect::<Vec<_>>(), out.pending);
    }
    for (rid, h) in s.join.held.iter().filter(|(_, h)| h.ended.is_some()) {
        eprintln!("held {rid} {:?} stream {:?} call {:?} heard {} ended {} {}", h.info.class, h.stream, h.call, h.heard_at, h.ended_at, h.info.url);
    }
    eprintln!("{}", s.join.debug_streams());
}

/// Firefox creates a fetch's channel after a later XHR's: the header order
/// (fetch: Referer before Origin) keeps each call with its own request.
#[test]
fn firefox_fetch_and_xhr_to_one_url() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/fx?acao=*&tag=fx");
    let fetch_h = hdrs(&[("Accept", "*/*"), ("Referer", "http://127.0.0.1:8801/"), ("Origin", PAGE)]);
    let xhr_h = hdrs(&[("Accept", "*/*"), ("Origin", PAGE), ("Referer", "http://127.0.0.1:8801/"), ("Cookie", "a=1")]);
    let mut items = Vec::new();
    // Calls: 1 fetch (omit), 2 XHR (withCredentials). Requests: the XHR's is created first.
    for (rid, h) in [(20, xhr_h), (21, fetch_h)] {
        items.push(wr("SH", rid, &url, json!({"requestHeaders": h})));
        items.push(wr("HR", rid, &url, json!({"statusCode": 200, "responseHeaders": hdrs(&[("Access-Control-Allow-Origin", "*")])})));
        items.push(wr("C", rid, &url, json!({"statusCode": 200})));
    }
    let mut x = call(2, &url, "include", Some(true));
    x["k"] = json!("xhr");
    items.push(relay("S", 1, 2, vec![call(1, &url, "omit", Some(false)), x]));
    let out = feed(&mut s, items);
    let by: BTreeMap<String, (Option<&str>, Option<bool>)> = out.rows.iter().map(|r| (r.xid.clone(), (creds(r), r.x.page.rejected))).collect();
    assert_eq!(by.get("20"), Some(&(Some("include"), Some(true))));
    assert_eq!(by.get("21"), Some(&(Some("omit"), Some(false))));
}

#[test]
fn huge_numbers_never_overflow() {
    let mut s = session(Browser::Firefox);
    let big = json!({"s": "S", "f": 1, "m": 1e300, "b": []}).to_string();
    let more = json!({"s": "S", "f": 1e300, "m": 1e300, "b": [{"s": 1e300, "o": "c", "u": "http://x/", "m": "GET"}]}).to_string();
    let _ = s.feed(&serde_json::to_string(&vec![json!(["hook", {"tab": 1, "frame": 0, "json": big}]), json!(["hook", {"tab": 1, "frame": 0, "json": more}])]).unwrap_or_default(), 1.0);
    let _ = s.feed(&serde_json::to_string(&vec![json!(["sync", {"id": 1e300, "json": "{}"}])]).unwrap_or_default(), 1e300);
}

/// A call that settled (rejected) with no request heard of is known absent
/// only after a sync issued after that came back: a request whose events
/// were still on their way joins it instead.
#[test]
fn absent_only_after_a_round_trip() {
    let mut s = session(Browser::Firefox);
    let url = format!("{API}/late?tag=late");
    let out = feed(&mut s, vec![relay("S", 1, 1, vec![call(1, &url, "include", Some(true))])]);
    assert!(out.rows.is_empty(), "not absent yet");
    assert_eq!(out.syncs.len(), 1, "a sync is asked for");
    let id = out.syncs[0].id;
    // The request's events arrive before the answer: the call joins them.
    let mut items = simple(200, &url, None);
    items.push(sync_reply(id, "S", 2, 1, vec![]));
    let out = feed(&mut s, items);
    assert_eq!(out.rows.len(), 1, "{:?}", out.rows.iter().map(|r| &r.s.how).collect::<Vec<_>>());
    assert_eq!(out.rows[0].s.how, "call");
    // And with nothing on its way: absent, a page-only row.
    let url2 = format!("{API}/gone?tag=gone");
    let out = feed(&mut s, vec![relay("S", 2, 2, vec![call(2, &url2, "omit", Some(true))])]);
    let id = out.syncs.first().map(|x| x.id).unwrap_or(0);
    let out = feed(&mut s, vec![sync_reply(id, "S", 3, 2, vec![])]);
    assert_eq!(out.rows.len(), 1);
    assert_eq!(out.rows[0].s.how, "page");
}
