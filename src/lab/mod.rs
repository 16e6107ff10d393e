//! The lab server.
