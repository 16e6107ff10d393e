//! The report: what the engine says about an exchange, in words. Texts
//! (`message`), the diagnosis shape (`diagnosis`), each reason's texts
//! (`reasons`, one file per reason), the checks' missing facts and notes in
//! words (`texts`), the diagnosis itself (`diagnose`), the fix (`fix`, on
//! `patch`), the server snippets (`snippets`) and the findings. Reads the
//! core; knows nothing of input formats.

pub mod diagnose;
pub mod diagnosis;
pub mod findings;
pub mod fix;
pub mod message;
pub mod neighbours;
pub mod patch;
pub mod reasons;
pub mod snippets;
pub mod stack;
pub mod texts;
