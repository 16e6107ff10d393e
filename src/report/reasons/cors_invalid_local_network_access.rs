//! Chromium Local Network Access: the declared `targetAddressSpace` does not match reality.

use super::{ChromiumConsole, Reason};
use crate::core::reason::ReasonId;
use crate::core::exchange::Browser;

pub static REASON: Reason = Reason {
    id: ReasonId::CORSInvalidLocalNetworkAccess,
    title: "The target address space does not match the one declared",
    firefox_code: None,
    firefox_label: None,
    firefox_message: None,
    chromium_console: ChromiumConsole::Cors,
    chromium_text: Some("Request had a target IP address space of `{declared_space}` yet the resource is in address space `{space}`."),
    chromium_fetch_suffix: None,
    chromium_xhr_suffix: None,
    link: "https://developer.chrome.com/blog/local-network-access",
    spec: "https://wicg.github.io/local-network-access/",
    explanation: "The page declared, with fetch()'s `targetAddressSpace` option, which kind of network {url} is on, but the address the browser actually connected to is in a different address space. Chromium refuses the response so a declaration cannot be used to reach a network the page did not announce.",
    why: "The declaration lets a page talk to local devices from contexts that otherwise could not (for example mixed-content HTTP to a local device); it must be true, or DNS tricks could use it to reach other networks.",
    fix: "Declare the address space the server is really in (`targetAddressSpace: 'local'` for private LAN addresses, `'loopback'` for this machine), or drop the option for public servers. Check that the host name resolves to the address you expect.",
    notes: &["Reached from the context the extension records (declared and actual address space); headers alone cannot show it."],
    #[cfg(feature = "full")]
    example: r#"{"schema":2,"browser":"chromium","page":{"origin":"https://app.example","type":"fetch","mode":"cors","credentials":"omit"},"legs":[{"url":"http://printer.example/status"}],"error":"net::ERR_FAILED","context":{"initiatorAddressSpace":"public","targetAddressSpace":"public","declaredTargetAddressSpace":"local","secureContext":true}}"#,
    example_browser: Some(Browser::Chromium),
};
