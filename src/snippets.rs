//! Server configuration snippets.
use crate::diagnosis::{Change, Snippet};
use crate::model::Exchange;

pub fn snippets(ex: &Exchange, changes: &[Change]) -> Vec<Snippet> {
    let _ = (ex, changes);
    Vec::new()
}
