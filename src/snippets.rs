//! Server configuration snippets.
