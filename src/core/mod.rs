//! The core: what happened to a request (the exchange model), the Fetch
//! Standard's primitives, the facts derived once from an exchange, the
//! ordered checks of each browser, the credentials mode, the reasons and the
//! verdict. It knows nothing of texts, fixes or input formats: everything
//! above it (`report`, `input`, the boundaries) reads it, it reads nothing
//! above it (tests/layers.rs).

pub mod assess;
pub mod check;
pub mod credentials;
pub mod exchange;
pub mod facts;
pub mod float;
pub mod json;
pub mod fetch;
pub mod order;
pub mod reason;
pub mod sorted;
pub mod stop;
pub mod verdict;
