//! The `whycors` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "whycors", version, about = "Why did the browser block this cross-origin request, and how do I fix it?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose the exchanges in a HAR file or an exchange JSON file.
    Diagnose {
        /// A HAR 1.2 file or a whycors exchange JSON file ("-" for standard input).
        file: PathBuf,
        /// Report as this browser would (default: the file's, else both).
        #[arg(long, value_parser = ["chromium", "firefox"])]
        browser: Option<String>,
        /// Print the diagnoses as JSON.
        #[arg(long)]
        json: bool,
        /// Exit with status 1 on findings too, not only on blocked requests.
        #[arg(long)]
        strict: bool,
    },
    /// Start the lab: the lab page, the scriptable API and a redirect target, on 127.0.0.1.
    Lab {
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        #[arg(long, default_value_t = 8801)]
        page_port: u16,
        #[arg(long, default_value_t = 8802)]
        api_port: u16,
        #[arg(long, default_value_t = 8803)]
        other_port: u16,
        /// The static site served on the page origin.
        #[arg(long, default_value = "www")]
        www: PathBuf,
    },
    /// List the reasons whycors knows.
    Reasons {
        /// As the Markdown table kept in README.md.
        #[arg(long)]
        markdown: bool,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diagnose { .. } => {
            eprintln!("whycors: diagnose is not written yet");
            ExitCode::from(2)
        }
        Command::Lab { bind, page_port, api_port, other_port, www } => {
            let cfg = whycors::lab::LabConfig { bind, page_port, api_port, other_port, www_dir: www };
            match whycors::lab::run(cfg) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("whycors lab: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Reasons { .. } => {
            for r in whycors::reasons::REASONS {
                println!("{}\t{}", r.id, r.title);
            }
            ExitCode::SUCCESS
        }
    }
}
