//! HAR 1.2 input.
