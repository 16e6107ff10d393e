//! Chromium Local Network Access: the user (or policy) has not granted the permission.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSLocalNetworkAccessPermissionDenied,
    title: "Local network access permission denied",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Permission was denied for this request to access the `{space}` address space."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.chrome.com/blog/local-network-access",
    spec: "https://wicg.github.io/local-network-access/",
    explanation: "The page at {origin} asked for {url}, which is on the local network or this machine, and the Local Network Access permission for {origin} is not granted (the user dismissed or blocked the prompt, or a policy denies it).",
    why: "Since Local Network Access, a public site must get the user's permission before it can reach devices and services on the user's own network.",
    fix: "Let the user grant the permission: site settings for {origin} → 'Local network access' → Allow, then reload. In an iframe, the embedding page must delegate it with `allow=\"local-network-access\"` (or `local-network` / `loopback-network`). Enterprise deployments can allow origins by policy. Server headers cannot grant it.",
    notes: &["Firefox also gates local network access behind a permission, with its own console messages and no CORS reason key."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"http://192.168.1.20/api/status"}],"error":"net::ERR_FAILED","context":{"initiatorAddressSpace":"public","targetAddressSpace":"local","secureContext":true,"localNetworkPermission":"denied"}}"#,
    example_browser: Some(Browser::Chromium),
};
