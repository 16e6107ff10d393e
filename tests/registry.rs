//! The reason registry is complete and consistent: every reason documented,
//! linked, with an example and its browsers' names; every current Chromium
//! `CorsError` kind and every Firefox message key covered exactly once; a
//! fixture directory per reason; a README row per reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::collections::BTreeSet;
use std::path::Path;
use whycors::exchange::Browser;
use whycors::reasons::{self, REASONS};

/// The 25 kinds of Chromium's current `network::mojom::CorsError` (LNA era,
/// cors-reference §1.1) plus the renderer-only `NoCorsRedirectModeNotFollow`
/// (CDP `Network.CorsError`, §1.3).
const CHROMIUM_KINDS: &[&str] = &[
    "DisallowedByMode",
    "InvalidResponse",
    "WildcardOriginNotAllowed",
    "MissingAllowOriginHeader",
    "MultipleAllowOriginValues",
    "InvalidAllowOriginValue",
    "AllowOriginMismatch",
    "InvalidAllowCredentials",
    "CorsDisabledScheme",
    "PreflightInvalidStatus",
    "PreflightDisallowedRedirect",
    "PreflightWildcardOriginNotAllowed",
    "PreflightMissingAllowOriginHeader",
    "PreflightMultipleAllowOriginValues",
    "PreflightInvalidAllowOriginValue",
    "PreflightAllowOriginMismatch",
    "PreflightInvalidAllowCredentials",
    "InvalidAllowMethodsPreflightResponse",
    "InvalidAllowHeadersPreflightResponse",
    "MethodDisallowedByPreflightResponse",
    "HeaderDisallowedByPreflightResponse",
    "RedirectContainsCredentials",
    "InsecureLocalNetwork",
    "InvalidLocalNetworkAccess",
    "LocalNetworkAccessPermissionDenied",
    "NoCorsRedirectModeNotFollow",
];

/// Firefox's 15 blocking keys (security.properties, cors-reference §2.1) with
/// their nsILoadInfo codes (§2.3) and MDN slugs.
const FIREFOX: &[(&str, u16, &str)] = &[
    ("CORSDisabled", 1001, "CORSDisabled"),
    ("CORSDidNotSucceed2", 1002, "CORSDidNotSucceed"),
    ("CORSRequestNotHttp", 1003, "CORSRequestNotHttp"),
    (
        "CORSMultipleAllowOriginNotAllowed",
        1004,
        "CORSMultipleAllowOriginNotAllowed",
    ),
    ("CORSMissingAllowOrigin2", 1005, "CORSMissingAllowOrigin"),
    (
        "CORSNotSupportingCredentials",
        1006,
        "CORSNotSupportingCredentials",
    ),
    (
        "CORSAllowOriginNotMatchingOrigin",
        1007,
        "CORSAllowOriginNotMatchingOrigin",
    ),
    (
        "CORSMissingAllowCredentials",
        1008,
        "CORSMissingAllowCredentials",
    ),
    ("CORSOriginHeaderNotAdded", 1009, "CORSOriginHeaderNotAdded"),
    (
        "CORSExternalRedirectNotAllowed",
        1010,
        "CORSExternalRedirectNotAllowed",
    ),
    (
        "CORSPreflightDidNotSucceed3",
        1011,
        "CORSPreflightDidNotSucceed",
    ),
    ("CORSInvalidAllowMethod", 1012, "CORSInvalidAllowMethod"),
    ("CORSMethodNotFound", 1013, "CORSMethodNotFound"),
    ("CORSInvalidAllowHeader", 1014, "CORSInvalidAllowHeader"),
    (
        "CORSMissingAllowHeaderFromPreflight2",
        1015,
        "CORSMissingAllowHeaderFromPreflight",
    ),
];

const MDN: &str = "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/";

#[test]
fn ids_unique_and_wellformed() {
    let mut seen = BTreeSet::new();
    for r in REASONS {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
        let id = r.id.as_str();
        assert!(id.starts_with("CORS") && id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert!(std::ptr::eq(reasons::get(r.id), *r), "{id}: get() is this entry");
        assert_eq!(reasons::by_id(id).map(|x| x.id), Some(r.id));
    }
    assert_eq!(REASONS.len(), 23);
    // The registry's order is the declaration's.
    let order: Vec<_> = REASONS.iter().map(|r| r.id).collect();
    assert_eq!(order, whycors::reason::ReasonId::ALL);
}

#[test]
fn every_reason_is_documented() {
    for r in REASONS {
        for (what, s) in [
            ("title", r.title),
            ("explanation", r.explanation),
            ("why", r.why),
            ("fix", r.fix),
            ("example", r.example),
            ("spec", r.spec),
        ] {
            assert!(!s.trim().is_empty(), "{}: empty {what}", r.id);
        }
        assert!(r.link.starts_with("https://"), "{}: link {}", r.id, r.link);
        assert!(!r.browsers().is_empty(), "{}: no browser", r.id);
        // Templates use only the documented placeholders.
        for t in [r.explanation, r.why, r.fix] {
            for p in placeholders(t) {
                assert!(
                    reasons::PARAMS.contains(&p.as_str()),
                    "{}: unknown placeholder {{{p}}}",
                    r.id
                );
            }
        }
        // The example parses as an exchange.
        let ex: Result<whycors::Exchange, _> = serde_json::from_str(r.example);
        assert!(
            ex.is_ok(),
            "{}: example does not parse: {:?}",
            r.id,
            ex.err()
        );
        if let Some(b) = r.example_browser {
            assert!(
                r.browsers().contains(&b),
                "{}: example browser not among its browsers",
                r.id
            );
        }
    }
}

fn placeholders(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            rest = after;
            continue;
        }
        match tail.find('}') {
            Some(end) => {
                out.push(tail[1..end].to_string());
                rest = &tail[end + 1..];
            }
            None => break,
        }
    }
    out
}

#[test]
fn browser_names_present_where_the_browser_has_the_reason() {
    for r in REASONS {
        let chromium = r.browsers().contains(&Browser::Chromium);
        assert_eq!(
            chromium,
            !r.chromium().is_empty(),
            "{}: Chromium kinds vs browsers",
            r.id
        );
        if chromium {
            assert!(
                r.chromium_text.is_some(),
                "{}: no Chromium console text",
                r.id
            );
        }
        if r.firefox_key().is_some() {
            assert!(r.browsers().contains(&Browser::Firefox), "{}", r.id);
            assert!(
                r.firefox_message.is_some()
                    && r.firefox_code.is_some()
                    && r.firefox_label.is_some(),
                "{}",
                r.id
            );
        }
    }
}

#[test]
fn every_chromium_kind_in_exactly_one_reason() {
    for k in CHROMIUM_KINDS {
        let n = REASONS.iter().filter(|r| r.chromium().contains(k)).count();
        assert_eq!(n, 1, "Chromium kind {k} is covered by {n} reasons");
    }
    for r in REASONS {
        for k in r.chromium() {
            assert!(
                CHROMIUM_KINDS.contains(k),
                "{}: {k} is not a current Chromium kind",
                r.id
            );
        }
    }
}

#[test]
fn every_firefox_key_once_with_its_code_and_mdn_page() {
    for (key, code, slug) in FIREFOX {
        let hits: Vec<_> = REASONS
            .iter()
            .filter(|r| r.firefox_key() == Some(*key))
            .collect();
        assert_eq!(hits.len(), 1, "Firefox key {key}");
        let r = hits[0];
        assert_eq!(r.id, *slug);
        assert_eq!(r.firefox_code, Some(*code), "{key}");
        assert_eq!(r.link, format!("{MDN}{slug}"), "{key}");
        let msg = r.firefox_message.unwrap_or("");
        assert!(msg.starts_with("Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "), "{key}");
    }
    let with_key = REASONS.iter().filter(|r| r.firefox_key().is_some()).count();
    assert_eq!(with_key, FIREFOX.len());
}

#[test]
fn every_reason_has_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut missing = Vec::new();
    for r in REASONS {
        let dir = root.join(r.id.as_str());
        let has = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .unwrap_or(false);
        if !has {
            missing.push(r.id);
        }
    }
    assert!(
        missing.is_empty(),
        "no fixture under tests/fixtures/<id>/ for: {missing:?}"
    );
}

#[test]
fn readme_lists_every_reason() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap_or_default();
    let start = readme.find("<!-- reasons:start -->");
    let end = readme.find("<!-- reasons:end -->");
    let (Some(s), Some(e)) = (start, end) else {
        panic!("README.md has no <!-- reasons:start --> ... <!-- reasons:end --> block");
    };
    assert!(s < e);
    let table = &readme[s..e];
    for r in REASONS {
        assert!(
            table
                .lines()
                .any(|l| l.starts_with('|') && l.contains(&format!("[{}]", r.id))),
            "README table lacks {}",
            r.id
        );
    }
    // The block is exactly what `whycors reasons --markdown` prints.
    assert!(
        table.contains(reasons::markdown_table().trim()),
        "README table is out of date: regenerate with `whycors reasons --markdown`"
    );
}

/// One serialisation of a reason (`reasons::ReasonInfo`) for every consumer:
/// `whycors reasons --json` prints exactly `reasons::infos()` (the wasm
/// `reasons()`/`explain()` return the same struct; tests/wasm.rs), with
/// translatable texts whose ids follow `reason.<id>.<part>`.
#[test]
fn reason_info_is_one_shape_for_the_cli_and_wasm() {
    let infos = reasons::infos();
    assert_eq!(infos.len(), REASONS.len());
    for (info, r) in infos.iter().zip(REASONS.iter()) {
        assert_eq!(info.id, r.id.as_str());
        assert_eq!(*info, r.info());
        for (part, text, template) in [
            ("title", &info.title, r.title),
            ("explanation", &info.explanation, r.explanation),
            ("why", &info.why, r.why),
            ("fix", &info.fix, r.fix),
        ] {
            assert_eq!(text.id, format!("reason.{}.{part}", r.id));
            assert_eq!(text.template, template);
        }
        assert_eq!(info.example["schema"], 2, "{}: example", r.id);
        assert!(info.example["legs"][0]["url"].is_string(), "{}: example", r.id);
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_whycors"))
        .args(["reasons", "--json"])
        .output()
        .expect("runs the CLI");
    assert_eq!(out.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(printed, serde_json::to_value(&infos).unwrap());
    assert_eq!(printed[0]["title"]["id"], format!("reason.{}.title", REASONS[0].id));
}
