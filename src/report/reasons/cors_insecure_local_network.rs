//! Chromium Local Network Access: a non-secure page asked for a more-private address space.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInsecureLocalNetwork,
    title: "Local network request from a non-secure page",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("The request client is not a secure context and the resource is in more-private address space `{space}`."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.chrome.com/blog/local-network-access",
    spec: "https://wicg.github.io/local-network-access/",
    explanation: "The page at {origin} is not a secure context (it was loaded over plain HTTP), and it asked for {url}, which sits in a more private network (your local network or this machine). Chromium's Local Network Access only lets secure pages reach local and loopback addresses, and only with the user's permission.",
    why: "Pages on the public internet used to be able to attack routers, printers and development servers on the user's own network. Requiring a secure context and a permission keeps a network attacker or an arbitrary site from doing that.",
    fix: "Serve the page over HTTPS (or from http://localhost, which counts as secure), then let the user grant the local network permission when Chromium asks. No CORS header on the local server can lift this; the old `Access-Control-Allow-Private-Network` header is no longer used.",
    notes: &[
        "Replaced Private Network Access (PNA) preflights; Chromium prints the address spaces `public`, `local` and `loopback`.",
        "Firefox ships its own Local Network Access checks with different console messages and no CORS reason key.",
    ],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"http://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"http://192.168.1.20/api/status"}],"error":"net::ERR_FAILED","context":{"initiatorAddressSpace":"public","targetAddressSpace":"local","secureContext":false}}"#,
    example_browser: Some(Browser::Chromium),
};
