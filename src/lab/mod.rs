//! The lab server (`whycors lab`): three origins on 127.0.0.1 answering the
//! URL grammar in `docs/lab.md`, recording what they received and sent.

use std::path::PathBuf;

/// Where the lab listens and what it serves.
#[derive(Clone, Debug)]
pub struct LabConfig {
    pub bind: String,
    /// Serves `www/` and the API same-origin. 0 picks a free port.
    pub page_port: u16,
    /// The cross-origin API.
    pub api_port: u16,
    /// A third origin, for cross-origin redirect targets.
    pub other_port: u16,
    /// The static site to serve on the page origin.
    pub www_dir: PathBuf,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig {
            bind: "127.0.0.1".into(),
            page_port: 8801,
            api_port: 8802,
            other_port: 8803,
            www_dir: PathBuf::from("www"),
        }
    }
}

/// Runs the lab until the process ends.
pub fn run(cfg: LabConfig) -> Result<(), String> {
    let _ = cfg;
    Err("the lab server is not written yet".into())
}
