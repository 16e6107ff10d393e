//! The reasons, declared once: [`ReasonId`] and, for each, what the core
//! knows of it ([`ReasonId::facts`]): the names the browsers give it
//! (Chromium's `CorsError` kinds, with the preflight variants Chromium
//! prints with its preflight prefix, Firefox's console key), the stage it
//! fails at, whether headers alone can produce it, and the kind of fix that
//! answers it. Its texts (title, explanation, console wording, example) are
//! the report's: `reasons/`, one file per reason.
//!
//! Adding a reason: add it to the `reasons!` list below, then the compiler
//! lists what else must say something about it: [`ReasonId::facts`] here and
//! `reasons::get` (its registry file). Its fixtures come from the browsers
//! (`tests/fixtures/<id>/`). Everything that used to list reasons by name
//! (the names the checks return, `reason_for_name`, the stages of a
//! reported failure, Chromium's preflight kinds, the fix kinds) derives from
//! these.

#[cfg(feature = "full")]
use serde::Deserialize;
use serde::Serialize;

use crate::core::exchange::Browser;

macro_rules! reasons {
    ($($id:ident),* $(,)?) => {
        /// A reason, by the id users meet on MDN (Firefox's slug,
        /// `CORSMissingAllowOrigin`); Chromium-only kinds have ids in the
        /// same style. Serialized as that id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "full", derive(Deserialize))]
        #[allow(clippy::enum_variant_names)]
        pub enum ReasonId {
            $($id),*
        }

        impl ReasonId {
            /// Every reason, in the order the checks run (roughly).
            pub const ALL: &'static [ReasonId] = &[$(ReasonId::$id),*];

            /// The id (`CORSMissingAllowOrigin`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ReasonId::$id => stringify!($id)),*
                }
            }
        }
    };
}

reasons! {
    CORSDisabled,
    CORSRequestNotHttp,
    CORSDisallowedByMode,
    CORSNoCorsRedirectModeNotFollow,
    CORSOriginHeaderNotAdded,
    CORSInsecureLocalNetwork,
    CORSInvalidLocalNetworkAccess,
    CORSLocalNetworkAccessPermissionDenied,
    CORSDidNotSucceed,
    CORSInvalidResponse,
    CORSExternalRedirectNotAllowed,
    CORSMultipleAllowOriginNotAllowed,
    CORSMissingAllowOrigin,
    CORSNotSupportingCredentials,
    CORSInvalidAllowOriginValue,
    CORSAllowOriginNotMatchingOrigin,
    CORSMissingAllowCredentials,
    CORSPreflightDidNotSucceed,
    CORSInvalidAllowMethod,
    CORSMethodNotFound,
    CORSInvalidAllowHeader,
    CORSMissingAllowHeaderFromPreflight,
    CORSRedirectContainsCredentials,
}

/// Where a reason fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReasonStage {
    /// Before anything is sent: the request itself (mode, scheme, prefs,
    /// Local Network Access).
    Request,
    /// Only a preflight's answer produces it.
    Preflight,
    /// A CORS check, on any response (the actual response, a redirect, or
    /// a preflight: Chromium names the preflight's with its `Preflight*`
    /// variant).
    Response,
    /// A redirect of the actual request.
    Redirect,
    /// A network error.
    Network,
}

/// The kind of change that answers a reason (`fix.rs` derives the change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixKind {
    /// `Access-Control-Allow-Origin`.
    Acao,
    /// `Access-Control-Allow-Credentials`.
    Acac,
    /// `Access-Control-Allow-Methods`.
    Acam,
    /// `Access-Control-Allow-Headers`.
    Acah,
    /// The preflight's status.
    PreflightStatus,
    /// The preflight's redirect.
    PreflightRedirect,
    /// User info in a redirect's `Location`.
    Userinfo,
    /// The URL's scheme (a client change).
    NotHttp,
    /// The request's mode (a client change).
    Mode,
    /// The request's redirect mode (a client change).
    RedirectMode,
    /// Firefox's `content.cors.disable` (a client change).
    CorsDisabledPref,
    /// The requesting context (a client change).
    OriginHeaderNotAdded,
    /// Local Network Access: a secure context (a client change).
    LnaInsecure,
    /// Local Network Access: the permission (a client change).
    LnaPermission,
    /// Local Network Access: the declared address space (a client change).
    LnaMismatch,
    /// Headers cannot help: a network failure.
    Unfixable,
}

/// What the core knows of a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReasonFacts {
    /// The browsers that block with this reason (Chromium first).
    pub browsers: &'static [Browser],
    /// Chromium's `CorsError` kinds for it (the actual-response kind first,
    /// then its preflight variant, where there is one).
    pub chromium: &'static [&'static str],
    /// The kinds among `chromium` that Chromium prints with its preflight
    /// prefix (`IsPreflightError()`).
    pub chromium_preflight: &'static [&'static str],
    /// Older names of the same kinds that a browser report may carry
    /// (Private Network Access became Local Network Access).
    pub chromium_aliases: &'static [&'static str],
    /// Firefox's console message key, if Firefox has one for it.
    pub firefox_key: Option<&'static str>,
    /// Where Firefox has no key of its own for it: the generic key it prints
    /// instead (a userinfo redirect logs `CORSDidNotSucceed2`; measured).
    pub firefox_generic: Option<&'static str>,
    pub stage: ReasonStage,
    /// False for reasons that headers alone cannot produce (they need a
    /// browser report or context).
    pub from_headers: bool,
    pub fix: FixKind,
}

const BOTH: &[Browser] = &[Browser::Chromium, Browser::Firefox];
const CHROMIUM: &[Browser] = &[Browser::Chromium];
const FIREFOX: &[Browser] = &[Browser::Firefox];

impl ReasonId {
    /// What the core knows of this reason.
    pub fn facts(self) -> ReasonFacts {
        use FixKind as K;
        use ReasonStage as S;
        fn f(
            browsers: &'static [Browser],
            chromium: &'static [&'static str],
            chromium_preflight: &'static [&'static str],
            firefox_key: Option<&'static str>,
            stage: ReasonStage,
            fix: FixKind,
        ) -> ReasonFacts {
            ReasonFacts {
                browsers,
                chromium,
                chromium_preflight,
                chromium_aliases: &[],
                firefox_key,
                firefox_generic: None,
                stage,
                from_headers: true,
                fix,
            }
        }
        match self {
            ReasonId::CORSDisabled => ReasonFacts {
                from_headers: false,
                ..f(FIREFOX, &[], &[], Some("CORSDisabled"), S::Request, K::CorsDisabledPref)
            },
            ReasonId::CORSRequestNotHttp => {
                f(BOTH, &["CorsDisabledScheme"], &[], Some("CORSRequestNotHttp"), S::Request, K::NotHttp)
            }
            // Firefox fails it as a network error, without a console key.
            ReasonId::CORSDisallowedByMode => f(BOTH, &["DisallowedByMode"], &[], None, S::Request, K::Mode),
            ReasonId::CORSNoCorsRedirectModeNotFollow => {
                f(BOTH, &["NoCorsRedirectModeNotFollow"], &[], None, S::Request, K::RedirectMode)
            }
            ReasonId::CORSOriginHeaderNotAdded => ReasonFacts {
                from_headers: false,
                ..f(FIREFOX, &[], &[], Some("CORSOriginHeaderNotAdded"), S::Request, K::OriginHeaderNotAdded)
            },
            ReasonId::CORSInsecureLocalNetwork => ReasonFacts {
                chromium_aliases: &["InsecurePrivateNetwork"],
                from_headers: false,
                ..f(CHROMIUM, &["InsecureLocalNetwork"], &[], None, S::Request, K::LnaInsecure)
            },
            ReasonId::CORSInvalidLocalNetworkAccess => ReasonFacts {
                chromium_aliases: &["InvalidPrivateNetworkAccess"],
                from_headers: false,
                ..f(CHROMIUM, &["InvalidLocalNetworkAccess"], &[], None, S::Request, K::LnaMismatch)
            },
            ReasonId::CORSLocalNetworkAccessPermissionDenied => ReasonFacts {
                chromium_aliases: &["PrivateNetworkAccessPermissionDenied"],
                from_headers: false,
                ..f(CHROMIUM, &["LocalNetworkAccessPermissionDenied"], &[], None, S::Request, K::LnaPermission)
            },
            ReasonId::CORSDidNotSucceed => f(FIREFOX, &[], &[], Some("CORSDidNotSucceed2"), S::Network, K::Unfixable),
            ReasonId::CORSInvalidResponse => f(CHROMIUM, &["InvalidResponse"], &[], None, S::Network, K::Unfixable),
            ReasonId::CORSExternalRedirectNotAllowed => f(
                BOTH,
                &["PreflightDisallowedRedirect"],
                &["PreflightDisallowedRedirect"],
                Some("CORSExternalRedirectNotAllowed"),
                S::Preflight,
                K::PreflightRedirect,
            ),
            ReasonId::CORSMultipleAllowOriginNotAllowed => f(
                BOTH,
                &["MultipleAllowOriginValues", "PreflightMultipleAllowOriginValues"],
                &["PreflightMultipleAllowOriginValues"],
                Some("CORSMultipleAllowOriginNotAllowed"),
                S::Response,
                K::Acao,
            ),
            ReasonId::CORSMissingAllowOrigin => f(
                BOTH,
                &["MissingAllowOriginHeader", "PreflightMissingAllowOriginHeader"],
                &["PreflightMissingAllowOriginHeader"],
                Some("CORSMissingAllowOrigin2"),
                S::Response,
                K::Acao,
            ),
            ReasonId::CORSNotSupportingCredentials => f(
                BOTH,
                &["WildcardOriginNotAllowed", "PreflightWildcardOriginNotAllowed"],
                &["PreflightWildcardOriginNotAllowed"],
                Some("CORSNotSupportingCredentials"),
                S::Response,
                K::Acao,
            ),
            // Firefox reads such a value as a mismatch.
            ReasonId::CORSInvalidAllowOriginValue => f(
                CHROMIUM,
                &["InvalidAllowOriginValue", "PreflightInvalidAllowOriginValue"],
                &["PreflightInvalidAllowOriginValue"],
                None,
                S::Response,
                K::Acao,
            ),
            ReasonId::CORSAllowOriginNotMatchingOrigin => f(
                BOTH,
                &["AllowOriginMismatch", "PreflightAllowOriginMismatch"],
                &["PreflightAllowOriginMismatch"],
                Some("CORSAllowOriginNotMatchingOrigin"),
                S::Response,
                K::Acao,
            ),
            ReasonId::CORSMissingAllowCredentials => f(
                BOTH,
                &["InvalidAllowCredentials", "PreflightInvalidAllowCredentials"],
                &["PreflightInvalidAllowCredentials"],
                Some("CORSMissingAllowCredentials"),
                S::Response,
                K::Acac,
            ),
            ReasonId::CORSPreflightDidNotSucceed => f(
                BOTH,
                &["PreflightInvalidStatus"],
                &["PreflightInvalidStatus"],
                Some("CORSPreflightDidNotSucceed3"),
                S::Preflight,
                K::PreflightStatus,
            ),
            ReasonId::CORSInvalidAllowMethod => f(
                BOTH,
                &["InvalidAllowMethodsPreflightResponse"],
                &[],
                Some("CORSInvalidAllowMethod"),
                S::Preflight,
                K::Acam,
            ),
            ReasonId::CORSMethodNotFound => f(
                BOTH,
                &["MethodDisallowedByPreflightResponse"],
                &[],
                Some("CORSMethodNotFound"),
                S::Preflight,
                K::Acam,
            ),
            ReasonId::CORSInvalidAllowHeader => f(
                BOTH,
                &["InvalidAllowHeadersPreflightResponse"],
                &[],
                Some("CORSInvalidAllowHeader"),
                S::Preflight,
                K::Acah,
            ),
            ReasonId::CORSMissingAllowHeaderFromPreflight => f(
                BOTH,
                &["HeaderDisallowedByPreflightResponse"],
                &[],
                Some("CORSMissingAllowHeaderFromPreflight2"),
                S::Preflight,
                K::Acah,
            ),
            ReasonId::CORSRedirectContainsCredentials => ReasonFacts {
                firefox_generic: Some("CORSDidNotSucceed2"),
                ..f(BOTH, &["RedirectContainsCredentials"], &[], None, S::Redirect, K::Userinfo)
            },
        }
    }

    /// The reason with this id.
    pub fn from_id(id: &str) -> Option<ReasonId> {
        ReasonId::ALL.iter().copied().find(|r| r.as_str() == id)
    }

    /// Chromium's kind for this reason, for a failure at a preflight or not:
    /// the preflight variant where there is one, else its kind.
    pub fn chromium_kind(self, at_preflight: bool) -> Option<&'static str> {
        let facts = self.facts();
        let kind = if at_preflight { facts.chromium_preflight.first() } else { None };
        kind.or_else(|| facts.chromium.iter().find(|k| !facts.chromium_preflight.contains(k))).copied()
    }

    /// The name `browser` gives this reason (Firefox: its key, else the
    /// generic one it prints instead).
    pub fn browser_name(self, browser: Browser, at_preflight: bool) -> Option<&'static str> {
        match browser {
            Browser::Chromium => self.chromium_kind(at_preflight),
            Browser::Firefox => {
                let facts = self.facts();
                facts.firefox_key.or(facts.firefox_generic)
            }
        }
    }

    pub fn fix_kind(self) -> FixKind {
        self.facts().fix
    }

    pub fn stage(self) -> ReasonStage {
        self.facts().stage
    }
}

impl std::fmt::Display for ReasonId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ReasonId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ReasonId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Whether Chromium prints this kind with its preflight prefix
/// (`IsPreflightError()`).
pub fn is_chromium_preflight_kind(name: &str) -> bool {
    ReasonId::ALL.iter().any(|r| r.facts().chromium_preflight.contains(&name))
}

/// The reason for a browser's own name (`PreflightInvalidStatus`,
/// `kPreflightInvalidStatus`, `CORSMissingAllowOrigin2`), and the name as
/// declared. Firefox's generic `CORSDidNotSucceed2` is `CORSDidNotSucceed`'s
/// own key.
pub fn reason_for_name(browser: Browser, name: &str) -> Option<(ReasonId, &'static str)> {
    let name = name.trim();
    match browser {
        Browser::Chromium => {
            let name = name.strip_prefix('k').filter(|n| n.starts_with(char::is_uppercase)).unwrap_or(name);
            ReasonId::ALL.iter().find_map(|&r| {
                let facts = r.facts();
                facts
                    .chromium
                    .iter()
                    .chain(facts.chromium_aliases)
                    .find(|n| **n == name)
                    .map(|n| (r, *n))
            })
        }
        Browser::Firefox => {
            let own = ReasonId::ALL.iter().find_map(|&r| r.facts().firefox_key.filter(|k| *k == name).map(|k| (r, k)));
            own.or_else(|| ReasonId::ALL.iter().find_map(|&r| r.facts().firefox_generic.filter(|k| *k == name).map(|k| (r, k))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_serialize_as_themselves() {
        for &r in ReasonId::ALL {
            assert_eq!(ReasonId::from_id(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).ok(), Some(serde_json::Value::String(r.as_str().into())));
        }
        assert_eq!(ReasonId::from_id("CORSNoSuchThing"), None);
    }

    #[test]
    fn names_are_consistent() {
        for &r in ReasonId::ALL {
            let f = r.facts();
            for k in f.chromium_preflight {
                assert!(f.chromium.contains(k), "{r}: {k}");
            }
            assert_eq!(f.browsers.contains(&Browser::Chromium), !f.chromium.is_empty(), "{r}");
            if f.firefox_key.is_some() || f.firefox_generic.is_some() {
                assert!(f.browsers.contains(&Browser::Firefox), "{r}");
            }
            for k in f.chromium.iter().chain(f.chromium_aliases) {
                assert_eq!(reason_for_name(Browser::Chromium, k).map(|(x, _)| x), Some(r), "{k}");
            }
        }
        assert_eq!(reason_for_name(Browser::Chromium, "kPreflightInvalidStatus"), Some((ReasonId::CORSPreflightDidNotSucceed, "PreflightInvalidStatus")));
        assert_eq!(reason_for_name(Browser::Firefox, "CORSDidNotSucceed2"), Some((ReasonId::CORSDidNotSucceed, "CORSDidNotSucceed2")));
        assert_eq!(reason_for_name(Browser::Firefox, "CORSMissingAllowOrigin2").map(|x| x.0), Some(ReasonId::CORSMissingAllowOrigin));
        // Chromium's IsPreflightError() list (cors_error_string.cc).
        let mut pre: Vec<&str> = ReasonId::ALL.iter().flat_map(|r| r.facts().chromium_preflight.iter().copied()).collect();
        pre.sort_unstable();
        assert_eq!(
            pre,
            [
                "PreflightAllowOriginMismatch",
                "PreflightDisallowedRedirect",
                "PreflightInvalidAllowCredentials",
                "PreflightInvalidAllowOriginValue",
                "PreflightInvalidStatus",
                "PreflightMissingAllowOriginHeader",
                "PreflightMultipleAllowOriginValues",
                "PreflightWildcardOriginNotAllowed",
            ]
        );
    }
}
