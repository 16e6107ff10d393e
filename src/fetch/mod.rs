//! Fetch Standard primitives: origins, header-value parsing, the CORS
//! safelists and whether a request needs a preflight. Written by hand only
//! where the standard defines things differently from general-purpose crates.

pub mod headers;
pub mod mime;
pub mod origin;
pub mod safelist;
