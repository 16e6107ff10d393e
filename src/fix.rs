//! Fix generation and verification.
