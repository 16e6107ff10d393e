//! Findings and root-cause hints.
