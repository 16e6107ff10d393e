//! Applying a fix's changes to an exchange: the hypothetical exchange that
//! `fix` verifies and `snippets` reads its values from.

use crate::report::diagnosis::{Change, ChangeAction, Stage};
use crate::core::exchange::{Context, Exchange, Header, Leg, Mode, Response};
use crate::core::facts::{self, hop_count, preflight_leg, Route};
use crate::core::fetch::headers::name_is;

pub const ACAO: &str = "Access-Control-Allow-Origin";
pub const ACAC: &str = "Access-Control-Allow-Credentials";
pub const ACAM: &str = "Access-Control-Allow-Methods";
pub const ACAH: &str = "Access-Control-Allow-Headers";
pub const LOCATION: &str = "Location";

/// Client-side change targets (`Change.target` when `action` is `Client`).
pub mod client {
    /// Request this URL instead (value: the URL).
    pub const URL: &str = "url";
    /// The request's mode (value: `cors`).
    pub const MODE: &str = "mode";
    /// The request's redirect mode (value: `follow`).
    pub const REDIRECT: &str = "redirect";
    /// The URL scheme (value: `https`).
    pub const SCHEME: &str = "scheme";
    /// The page's origin (value None: serve the page from an http(s) origin).
    pub const ORIGIN: &str = "origin";
    /// Firefox's `content.cors.disable` pref (value `false`).
    pub const CORS_DISABLE_PREF: &str = "content.cors.disable";
    /// Make the request from the page's own context (value `page`).
    pub const CONTEXT: &str = "context";
    /// Serve the page over HTTPS (value `true`).
    pub const SECURE_CONTEXT: &str = "secureContext";
    /// Grant the Local Network Access permission (value `granted`).
    pub const LNA_PERMISSION: &str = "localNetworkPermission";
    /// Declare the right `targetAddressSpace` on fetch() (value: the space).
    pub const TARGET_ADDRESS_SPACE: &str = "targetAddressSpace";
}

pub(crate) fn set_header_in(headers: &mut Vec<Header>, name: &str, value: Option<&str>) {
    let pos = headers
        .iter()
        .position(|h| name_is(&h.name, name));
    headers.retain(|h| !name_is(&h.name, name));
    if let Some(v) = value {
        let at = pos.unwrap_or(headers.len()).min(headers.len());
        headers.insert(at, Header::new(name, v));
    }
}

fn edit_headers(headers: &mut Vec<Header>, c: &Change) {
    match c.action {
        ChangeAction::SetHeader => {
            set_header_in(headers, &c.target, Some(c.value.as_deref().unwrap_or("")))
        }
        ChangeAction::RemoveHeader => set_header_in(headers, &c.target, None),
        ChangeAction::SetLocation => set_header_in(headers, LOCATION, c.value.as_deref()),
        _ => {}
    }
}

/// A copy of `ex` with `changes` applied: preflight, redirect and actual
/// response headers, statuses and `Location`, and the client-side changes
/// the engine can model (URL, mode, scheme, CORS pref, context, LNA facts).
///
/// The copy describes a hypothetical exchange, so what the browser reported
/// about the original (`reported`, `error`, `end`, `rejected`) is dropped. A change
/// on the actual response when none was observed (the preflight failed)
/// creates a `200` response carrying only the changed headers.
pub fn apply(ex: &Exchange, changes: &[Change]) -> Exchange {
    let mut out = ex.clone();
    if changes.is_empty() {
        return out;
    }
    out.reported = None;
    out.error = None;
    out.end = crate::core::exchange::End::Unrecorded;
    out.page.rejected = None;
    if let Some(p) = out.legs.first_mut().and_then(|l| l.preflight.as_mut()) {
        p.error = None;
    }
    // Client changes first. Requesting the final URL directly removes the
    // redirects: a preflight change addressed to the final URL's preflight
    // (the one after the last redirect) then addresses the first preflight,
    // and changes to the skipped URLs no longer apply.
    let hops = hop_count(ex);
    let skips_redirects = hops > 0
        && changes.iter().any(|c| {
            c.stage == Stage::Request && c.target == client::URL && c.value.as_deref().is_some_and(|v| !v.trim().is_empty())
        });
    let last_hop = hops.checked_sub(1);
    let (client_changes, server_changes): (Vec<&Change>, Vec<&Change>) =
        changes.iter().partition(|c| c.stage == Stage::Request);
    for c in client_changes.into_iter().chain(server_changes) {
        let hop = match (skips_redirects, c.stage, c.hop) {
            (true, Stage::Redirect, _) => continue,
            (true, Stage::Preflight, Some(k)) if Some(k) == last_hop => None,
            (true, Stage::Preflight, Some(_)) => continue,
            _ => c.hop,
        };
        let status = || c.value.as_deref().and_then(|v| v.trim().parse::<u16>().ok());
        match c.stage {
            Stage::Preflight => {
                let Some(p) = preflight_leg(hop).and_then(|k| out.legs.get_mut(k)).and_then(|l| l.preflight.as_mut())
                else {
                    continue;
                };
                match c.action {
                    ChangeAction::SetStatus => {
                        if let Some(s) = status() {
                            p.response.get_or_insert_with(Response::default).status = s;
                        }
                    }
                    // A preflight that got no response has no headers to edit.
                    _ => {
                        if let Some(r) = p.response.as_mut() {
                            edit_headers(&mut r.headers, c);
                        }
                    }
                }
            }
            Stage::Actual => {
                // No answer yet (the preflight or a redirect stopped the
                // request): the fixed exchange gets one, on the final leg.
                let n = hop_count(&out);
                if matches!(c.action, ChangeAction::SetHeader | ChangeAction::SetStatus) {
                    if out.legs.get(n).is_none() {
                        let url = Route::new(&out).final_url().map(|u| u.to_string()).unwrap_or_default();
                        out.legs.push(Leg { url, ..Leg::default() });
                    }
                    if let Some(leg) = out.legs.get_mut(n) {
                        leg.response.get_or_insert_with(|| Response { status: 200, ..Response::default() });
                    }
                }
                if let Some(r) = out.legs.get_mut(n).and_then(|l| l.response.as_mut()) {
                    match c.action {
                        ChangeAction::SetStatus => {
                            if let Some(s) = status() {
                                r.status = s;
                            }
                        }
                        _ => edit_headers(&mut r.headers, c),
                    }
                }
            }
            Stage::Redirect => {
                if let Some(r) = c.hop.and_then(|i| out.legs.get_mut(i)).and_then(|l| l.response.as_mut()) {
                    match c.action {
                        ChangeAction::SetStatus => {
                            if let Some(s) = status() {
                                r.status = s;
                            }
                        }
                        _ => edit_headers(&mut r.headers, c),
                    }
                }
            }
            Stage::Request => apply_client(&mut out, ex, c),
        }
    }
    out
}

fn apply_client(out: &mut Exchange, ex: &Exchange, c: &Change) {
    let value = c.value.as_deref().map(str::trim).unwrap_or("");
    match c.target.as_str() {
        client::URL => {
            if value.is_empty() {
                return;
            }
            // One leg to the new URL: the response and the preflight
            // observed there (else the first URL's preflight), the first
            // leg's request headers.
            let n = hop_count(out);
            let last = out.legs.get(n);
            let first = out.legs.first();
            let mut preflight = last.and_then(|l| l.preflight.clone()).or_else(|| first.and_then(|l| l.preflight.clone()));
            if let (Some(p), Some(o)) = (preflight.as_mut(), facts::page_origin(ex)) {
                set_header_in(&mut p.request_headers, "Origin", Some(o));
            }
            let leg = Leg {
                url: value.to_string(),
                method: None,
                preflight,
                request_headers: first.map(|l| l.request_headers.clone()).unwrap_or_default(),
                response: last.and_then(|l| l.response.clone()),
            };
            out.legs = vec![leg];
        }
        client::MODE => {
            out.page.mode = match value {
                "cors" => Some(Mode::Cors),
                "no-cors" => Some(Mode::NoCors),
                "same-origin" => Some(Mode::SameOrigin),
                _ => out.page.mode,
            };
        }
        client::REDIRECT => out.page.redirect_mode = Some(value.to_string()),
        client::SCHEME => {
            if let Some(leg) = out.legs.first_mut() {
                if let Some((_, rest)) = leg.url.split_once(':') {
                    let rest = rest.to_string();
                    leg.url = format!("{value}:{rest}");
                }
            }
        }
        client::CORS_DISABLE_PREF => context(out).cors_disabled = Some(false),
        client::CONTEXT => context(out).expanded_principal = Some(false),
        client::SECURE_CONTEXT => context(out).secure_context = Some(true),
        client::LNA_PERMISSION => context(out).local_network_permission = Some("granted".into()),
        client::TARGET_ADDRESS_SPACE => {
            context(out).declared_target_address_space = Some(value.to_string())
        }
        _ => {}
    }
}

fn context(out: &mut Exchange) -> &mut Context {
    out.context.get_or_insert_with(Context::default)
}

