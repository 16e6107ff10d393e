//! The `whycors` binary: exit statuses, the readable report, `--json`,
//! stdin, bad input messages, terminal safety, and `reasons`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_whycors"))
}

fn data(p: &str) -> String {
    format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ALLOWED: &str = r#"{"request":{"url":"https://api.example/x","origin":"https://app.example","credentials":"omit","mode":"cors","type":"fetch",
  "headers":[{"name":"Origin","value":"https://app.example"}]},
  "preflightObservation":"not-sent",
  "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}"#;

/// Allowed, but the origin is echoed with credentials and without `Vary: Origin`: findings.
const FINDINGS: &str = r#"{"request":{"url":"https://api.example/x","origin":"https://app.example","credentials":"include","mode":"cors","type":"fetch",
  "headers":[{"name":"Origin","value":"https://app.example"}]},
  "preflightObservation":"not-sent",
  "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"https://app.example"},
    {"name":"Access-Control-Allow-Credentials","value":"true"}]}}"#;

#[test]
fn har_report_and_exit_1() {
    let out = bin().args(["diagnose", &data("har/chrome-sample.har")]).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    for needle in ["MissingAllowOriginHeader", "CORSMissingAllowOrigin2", "MethodDisallowedByPreflightResponse", "evidence:", "fix:", "--json"] {
        assert!(stdout.contains(needle), "missing {needle}:\n{stdout}");
    }
    let last = stdout.lines().last().unwrap_or("");
    // The seventh: Chrome recorded it as completed (`_error: null`), so it
    // was allowed; `*` would fail a credentialed request: a warning.
    assert!(last.starts_with("7 exchanges: 6 blocked, 0 undecided, 1 allowed"), "{last}");
    assert!(stdout.contains("[warning] Allowed (the browser completed the request)"), "{stdout}");
}

#[test]
fn json_output_is_the_diagnoses() {
    let out = bin().args(["diagnose", "--json", &data("har/firefox-sample.har")]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 7);
    assert!(arr.iter().all(|d| d["browsers"].as_array().is_some_and(|b| b.len() == 2)));
    assert_eq!(arr[0]["id"], "entries[0]");
}

#[test]
fn stdin_and_allowed_exit_0() {
    let out = run_stdin(&["diagnose", "-"], ALLOWED);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("1 exchange: 0 blocked, 0 undecided, 1 allowed"), "{}", text(&out.stdout));
}

/// `*` on an exchange that records neither the credentials mode nor the
/// browser's outcome: allowed without credentials, blocked with them
/// (Fetch Standard, CORS check). Undecided: a warning, exit 0, unless
/// `--fail-undecided`; `--credentials` states the mode.
const UNDECIDED: &str = r#"{"request":{"url":"https://api.example/x","origin":"https://app.example","mode":"cors","type":"fetch",
  "headers":[{"name":"Origin","value":"https://app.example"}]},
  "preflightObservation":"not-sent",
  "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}"#;

#[test]
fn undecided_warns_and_the_options_decide() {
    let out = run_stdin(&["diagnose", "-"], UNDECIDED);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("UNDECIDED"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("1 request undecided"), "{}", text(&out.stderr));
    let out = run_stdin(&["diagnose", "--fail-undecided", "-"], UNDECIDED);
    assert_eq!(out.status.code(), Some(1));
    // --strict is about findings, not undecided requests.
    let out = run_stdin(&["diagnose", "--strict", "-"], UNDECIDED);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = run_stdin(&["diagnose", "--credentials", "include", "--json", "-"], UNDECIDED);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "blocked");
    assert_eq!(v[0]["reason"], "CORSNotSupportingCredentials");
    assert_eq!(v[0]["notes"][0]["id"], "diagnose.note.credentials-stated");
    let out = run_stdin(&["diagnose", "--credentials", "omit", "--json", "-"], UNDECIDED);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "allowed");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    // What the file records wins, and a note says they disagree.
    let out = run_stdin(&["diagnose", "--credentials", "include", "--json", "-"], ALLOWED);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "allowed");
    assert_eq!(v[0]["notes"][0]["id"], "diagnose.note.credentials-overruled");
    // --help says all this.
    let out = bin().args(["diagnose", "--help"]).output().unwrap();
    let help = text(&out.stdout);
    for needle in ["--credentials", "--fail-undecided", "--strict", "include", "omit"] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

/// The `--json` output carries its format's version on every diagnosis.
#[test]
fn json_output_is_versioned() {
    let out = run_stdin(&["diagnose", "--json", "-"], ALLOWED);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["schema"], 2);
    let out = run_stdin(&["diagnose", "--json", "-"], UNDECIDED);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "undecided");
}

#[test]
fn findings_fail_only_with_strict() {
    let out = run_stdin(&["diagnose", "-"], FINDINGS);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("finding"), "{}", text(&out.stdout));
    let out = run_stdin(&["diagnose", "--strict", "-"], FINDINGS);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_input_exit_2_with_location() {
    let out = run_stdin(&["diagnose", "-"], "{\"log\":{\"entries\":[{\"request\":{\"url\":\"https://a.test/\"},\"response\":{\"status\":200,\"headers\":[{\"name\":\"a\",\"value\":\"b\"},7]}}]}}");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("entries[0].response.headers[1]: expected a name/value object"), "{err}");
    assert!(out.stdout.is_empty());

    let out = run_stdin(&["diagnose", "-"], "[\n{\"request\": {\"url\": \"x\"}},\n{oops}\n]");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("not valid JSON") && err.contains("line 3"), "{err}");

    let out = bin().args(["diagnose", &data("does-not-exist.har")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["diagnose", &data("")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("directory"), "{}", text(&out.stderr));
    let out = run_stdin(&["diagnose", "-"], "\u{0}\u{1}binary");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_values_do_not_reach_the_terminal() {
    let hostile = r#"{"request":{"url":"https://api.example/\u001b[2J\u001b]0;pwned\u0007","origin":"https://app.example","credentials":"omit","mode":"cors","type":"fetch"},
      "preflightObservation":"not-sent",
      "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"\u001b[31mhttps://evil.example\u009b1m\u202e"}]}}"#;
    let out = run_stdin(&["diagnose", "-"], hostile);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let s = text(&out.stdout);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{9b}') && !s.contains('\u{7}') && !s.contains('\u{202e}'), "{s:?}");
    assert!(s.contains("\\x1b[31m"), "{s}");
    // --json: the same value, with every terminal-active character escaped.
    let out = run_stdin(&["diagnose", "--json", "-"], hostile);
    let s = text(&out.stdout);
    assert!(!s.chars().any(|c| c.is_control() && c != '\n' || c == '\u{202e}'), "{s:?}");
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert!(v[0]["url"].as_str().unwrap().contains('\u{1b}'), "the JSON value keeps the bytes");
}

#[test]
fn browser_flag_chooses_the_reported_browser() {
    let out = bin().args(["diagnose", "--json", "--browser", "firefox", &data("har/chrome-sample.har")]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["reason"], "CORSMissingAllowOrigin");
    let out = bin().args(["diagnose", "--browser", "safari", &data("har/chrome-sample.har")]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reasons_markdown_and_json() {
    let out = bin().args(["reasons", "--markdown"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.lines().any(|l| l.starts_with('|') && l.contains("CORSMissingAllowOrigin")), "{md}");
    let out = bin().args(["reasons", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), whycors::reasons::REASONS.len());
    assert!(arr.iter().all(|r| r["id"].is_string() && r["chromium"].is_array()));
    let out = bin().args(["reasons"]).output().unwrap();
    assert!(text(&out.stdout).contains("CORSMissingAllowOrigin\t"));
}

/// The recorded fixture of a scenario in a browser: what that browser said.
fn fixture(scenario: &str, browser: &str) -> serde_json::Value {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    for reason in std::fs::read_dir(&dir).unwrap().flatten() {
        if let Ok(t) = std::fs::read_to_string(reason.path().join(format!("{scenario}.{browser}.json"))) {
            return serde_json::from_str(&t).unwrap();
        }
    }
    panic!("no fixture {scenario}.{browser}");
}

/// Real exports without a cookie (tests/data/har/): nothing records the
/// credentials mode, but the browser's failure leaves credentials as the
/// one explanation (Chromium's `net::ERR_FAILED`; Firefox's never-sent
/// request, which only the HAR reader sees). The CLI applies the HAR's
/// inferences: the reason the browser reported, the inference said first.
#[test]
fn har_inferences_reach_the_report() {
    let cases = [
        ("firefox-153-lab-nocookie.har", "firefox", "preflight-star-credentials", "har.note.credentials-inferred-not-sent"),
        ("chromium-156-lab-nocookie.har", "chromium", "acao-star-credentials", "har.note.credentials-inferred"),
        ("chromium-156-lab-nocookie.har", "chromium", "preflight-star-credentials", "har.note.credentials-inferred-preflight"),
    ];
    for (file, browser, scenario, note) in cases {
        let out = bin().args(["diagnose", "--json", &data(&format!("har/{file}"))]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{file}: {}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let tag = format!("tag=ffhar-{scenario}");
        let d = v.as_array().unwrap().iter().find(|d| d["url"].as_str().is_some_and(|u| u.contains(&tag))).expect(scenario);
        let fx = fixture(scenario, browser);
        assert_eq!(fx["request"]["credentials"], "include", "{scenario}: the page sent credentials");
        assert_eq!(d["verdict"], "blocked", "{file} {scenario}: {d:#}");
        assert_eq!(d["reason"], fx["reason"], "{file} {scenario}");
        let mine = d["browsers"].as_array().unwrap().iter().find(|b| b["browser"] == browser).unwrap();
        let reported = if browser == "chromium" { &fx["reported"]["corsError"] } else { &fx["reported"]["firefoxKey"] };
        assert_eq!(&mine["name"], reported, "{file} {scenario}");
        assert_eq!(d["notes"][0]["id"], note, "{file} {scenario}: the inference comes first");
    }
    // The readable report says it too, and counts the inferred exchange as blocked.
    let out = bin().args(["diagnose", &data("har/firefox-153-lab-nocookie.har")]).output().unwrap();
    let s = text(&out.stdout);
    let block = s.split("\n\n").find(|b| b.contains("tag=ffhar-preflight-star-credentials")).expect("a block");
    assert!(block.contains("  note:     Inferred, not recorded: the request was made with credentials"), "{block}");
    assert!(block.contains("never sent the request"), "{block}");
    // The same exchanges as exchange JSON (schema 2): the never-sent sign
    // travels with the exchange (`end: not-sent`), so the same inference.
    let exchanges = serde_json::to_string(
        &whycors::har::read(&serde_json::from_str(&std::fs::read_to_string(data("har/firefox-153-lab-nocookie.har")).unwrap()).unwrap(), &whycors::input::Limits::default())
            .unwrap()
            .exchanges,
    )
    .unwrap();
    let out = run_stdin(&["diagnose", "--json", "-"], &exchanges);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let d = v.as_array().unwrap().iter().find(|d| d["url"].as_str().is_some_and(|u| u.contains("tag=ffhar-preflight-star-credentials"))).unwrap();
    assert_eq!(d["notes"][0]["id"], "har.note.credentials-inferred-not-sent", "{d:#}");
    assert_eq!(d["verdict"], "blocked", "{d:#}");
    // Without that sign (a first-format exchange cannot carry it): nothing inferred.
    let mut old: Vec<serde_json::Value> = serde_json::from_str(&exchanges).unwrap();
    for ex in old.iter_mut() {
        ex["end"] = serde_json::json!("unrecorded");
    }
    let out = run_stdin(&["diagnose", "--json", "-"], &serde_json::to_string(&old).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let d = v.as_array().unwrap().iter().find(|d| d["url"].as_str().is_some_and(|u| u.contains("tag=ffhar-preflight-star-credentials"))).unwrap();
    assert!(d["notes"].as_array().is_none_or(|n| n.iter().all(|n| !n["id"].as_str().unwrap_or("").contains("inferred"))), "{d:#}");
    assert_ne!(d["verdict"], "blocked", "{d:#}");
}

/// Exchange JSON gets the inference too (from the exchange's own error):
/// Chromium's export of the same scenario, as exchanges, through stdin.
#[test]
fn exchange_json_with_chromiums_error_is_inferred() {
    let har: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(data("har/chromium-156-lab-nocookie.har")).unwrap()).unwrap();
    let exchanges = whycors::har::read(&har, &whycors::input::Limits::default()).unwrap().exchanges;
    let ex = exchanges.iter().find(|e| e.url().contains("tag=ffhar-acao-star-credentials")).expect("scenario");
    assert_eq!(ex.error.as_deref(), Some("net::ERR_FAILED"));
    let out = run_stdin(&["diagnose", "--json", "-"], &serde_json::to_string(ex).unwrap());
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v[0]["reason"], fixture("acao-star-credentials", "chromium")["reason"]);
    assert_eq!(v[0]["notes"][0]["id"], "har.note.credentials-inferred");
}

/// `whycors upgrade` prints a first-format file as schema 2 (one object in,
/// one out), which reads back to the same exchange and the same diagnosis;
/// a schema-2 file comes out as it went in; another schema is refused.
#[test]
fn upgrade_prints_schema_2() {
    let out = run_stdin(&["upgrade", "-"], FINDINGS);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["schema"], 2);
    assert_eq!(v["legs"][0]["url"], "https://api.example/x");
    assert_eq!(v["legs"][0]["response"]["status"], 200);
    assert_eq!(v["page"]["credentials"], "include");
    assert!(v.get("request").is_none());
    // Again: the same document.
    let again = run_stdin(&["upgrade", "-"], &text(&out.stdout));
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&again.stdout).expect("JSON"), v);
    // Both diagnose alike.
    let old = run_stdin(&["diagnose", "--json", "-"], FINDINGS);
    let new = run_stdin(&["diagnose", "--json", "-"], &text(&out.stdout));
    assert_eq!(text(&old.stdout), text(&new.stdout));
    // An array stays an array; a HAR gives its exchanges.
    let list = run_stdin(&["upgrade", "-"], &format!("[{ALLOWED},{FINDINGS}]"));
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    let har = bin().args(["upgrade", &data("har/chrome-sample.har")]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&har.stdout).expect("JSON");
    assert!(v.as_array().is_some_and(|a| a.len() == 7 && a.iter().all(|e| e["schema"] == 2)));
    // Another schema: status 2 and where.
    let bad = run_stdin(&["upgrade", "-"], r#"{"schema":3,"legs":[{"url":"https://a.test/"}]}"#);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("schema: exchange schema 3 is newer"), "{}", text(&bad.stderr));
}
