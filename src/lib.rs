//! whycors: re-runs the Fetch Standard's CORS checks over an observed
//! exchange and names the reason the way Chromium and Firefox do, with
//! evidence, an explanation and a verified fix.
//!
//! Pure Rust: no wasm-bindgen in the engine, so `cargo test` runs natively.
//! `wasm` is the one boundary module.

pub mod check;
pub mod credentials;
pub mod diagnose;
pub mod diagnosis;
pub mod exchange;
pub mod facts;
pub mod fetch;
pub mod findings;
pub mod fix;
pub mod har;
pub mod input;
pub mod labrecord;
pub mod message;
pub mod patch;
pub mod raw;
pub mod reason;
pub mod reasons;
pub mod snippets;
pub mod webrequest;

#[cfg(not(target_arch = "wasm32"))]
pub mod lab;

#[cfg(not(target_arch = "wasm32"))]
pub mod probe;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use diagnose::{diagnose, Options};
pub use diagnosis::{Diagnosis, Verdict};
pub use exchange::{Browser, Exchange};

/// The first format under its former name (`crate::model::Exchange`, and
/// the shared `Header`, `Browser`, ...), for code not yet moved to
/// `crate::exchange` (schema 2).
pub use exchange::v1 as model;
