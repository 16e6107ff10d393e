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
pub mod input;
pub mod report;
pub mod webrequest;

#[cfg(not(target_arch = "wasm32"))]
pub mod lab;

#[cfg(not(target_arch = "wasm32"))]
pub mod probe;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use crate::core::{check, credentials, exchange, facts, fetch, reason, verdict};
pub use crate::input::{har, labrecord, raw};
pub use crate::report::{diagnose, diagnosis, findings, fix, message, patch, reasons, snippets, texts};

pub use crate::report::diagnose::{diagnose, Options};
pub use crate::report::diagnosis::{Diagnosis, Verdict};
pub use crate::core::exchange::{Browser, Exchange};
