//! whycors: re-runs the Fetch Standard's CORS checks over an observed
//! exchange and names the reason the way Chromium and Firefox do, with
//! evidence, an explanation and a verified fix.
//!
//! Layers (docs/ARCHITECTURE.md; tests/layers.rs keeps them, and the
//! imports between modules free of cycles):
//! - [`core`]: the exchange model, the Fetch primitives, the facts derived
//!   once, the checks, the credentials mode, the reasons, the verdict. No
//!   texts, fixes or input formats.
//! - [`report`]: texts, the diagnosis, each reason's texts, the fix and its
//!   snippets, the findings.
//! - [`input`]: the readers (exchange JSON in either schema, HAR, pasted
//!   headers, the lab's records) and `webrequest` (the extension's events).
//! - the boundaries: `main.rs` (the CLI), `wasm` (the one module that knows
//!   JavaScript), `lab` and `probe` (native only).
//!
//! Pure Rust: no wasm-bindgen in the engine, so `cargo test` runs natively.
//! The modules are also reachable at their former paths (`whycors::check`,
//! `whycors::diagnose`, `whycors::har`, ...).

pub mod core;
#[cfg(feature = "full")]
pub mod input;
#[cfg(feature = "report")]
pub mod report;
pub mod webrequest;

#[cfg(all(not(target_arch = "wasm32"), feature = "full"))]
pub mod lab;

#[cfg(all(not(target_arch = "wasm32"), feature = "full"))]
pub mod probe;

// Three wasm builds (build.sh): the full one (feature `full`: report, input
// readers, every export, `wasm`; the www/ pages), and the extension's two
// (`wasm_bg`): the background's (no feature: the core, the webRequest adapter
// and the light verdict) and the one it loads when a diagnosis is asked for
// (feature `report`: the core and the report, `webRequestView`).
#[cfg(all(target_arch = "wasm32", feature = "full"))]
pub mod wasm;

#[cfg(all(target_arch = "wasm32", not(feature = "full")))]
pub mod wasm_bg;

pub use crate::core::{check, credentials, exchange, facts, fetch, reason, verdict};
#[cfg(feature = "full")]
pub use crate::input::{har, labrecord, raw};
#[cfg(feature = "report")]
pub use crate::report::{diagnose, diagnosis, findings, fix, message, patch, reasons, snippets, texts};

#[cfg(feature = "report")]
pub use crate::report::diagnose::{diagnose, Options};
#[cfg(feature = "report")]
pub use crate::report::diagnosis::{Diagnosis, Verdict};
pub use crate::core::exchange::{Browser, Exchange};
