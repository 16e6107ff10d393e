//! Fetch Standard primitives: origins, header-value parsing, MIME types, the
//! CORS safelists and the CORS-unsafe request-header names that decide
//! whether a request needs a preflight. No browser logic beyond the
//! `browser` parameter of the safelist (Chromium's extra safelisted names).
//! Written by hand only where the standard defines things differently from
//! general-purpose crates (`url` does URL parsing and origin serialization).
//! `csp` is the one primitive from another standard: whether a page's
//! Content Security Policy lets it fetch a URL at all.

pub mod csp;
pub mod headers;
pub mod mime;
pub mod origin;
pub mod safelist;
