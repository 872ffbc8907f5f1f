//! The `arbor` command-line tool.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use arbor_codegen::diagnostics::{self, RenderOptions};
use arbor_codegen::graph;
use clap::{Parser, Subcommand, ValueEnum};

/// Arbor: OTP-style supervision trees and typed actors for Rust.
#[derive(Parser)]
#[command(name = "arbor", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check spec files: errors, call cycles, boot order and lints.
    ///
    /// Exits with 0 when there is no error (warnings are shown), 1 otherwise.
    Check {
        /// Spec files (KDL), read together as one system.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Draw the supervision tree and the call graph.
    Graph {
        /// Spec files (KDL), read together as one system.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    /// Rendered diagnostics on stderr.
    Human,
    /// One JSON document on stdout (see the language reference for the schema).
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check {
            files,
            deny_warnings,
            format,
        } => check(&files, deny_warnings, format),
        Command::Graph { files, format } => draw(&files, format),
    }
}

fn check(files: &[PathBuf], deny_warnings: bool, format: CheckFormat) -> ExitCode {
    let (diagnostics, sources) = match arbor_codegen::load(files) {
        Ok((spec, sources)) => (arbor_codegen::check(&spec), sources),
        Err(failure) => (failure.diagnostics, failure.sources),
    };
    let (errors, warnings) = diagnostics::count(&diagnostics);
    match format {
        CheckFormat::Json => {
            println!("{}", diagnostics::render_json(&diagnostics, &sources));
        }
        CheckFormat::Human => {
            let options = RenderOptions {
                color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
                ..RenderOptions::default()
            };
            let mut err = std::io::stderr().lock();
            let _ = err
                .write_all(diagnostics::render_human(&diagnostics, &sources, &options).as_bytes());
            let _ = writeln!(err, "{}", summary(files.len(), errors, warnings));
        }
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn summary(files: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors == 0 && warnings == 0 {
        format!("arbor: {} checked, no problems", plural(files, "file"))
    } else {
        format!(
            "arbor: {} checked: {}, {}",
            plural(files, "file"),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

fn draw(files: &[PathBuf], format: GraphFormat) -> ExitCode {
    match arbor_codegen::load(files) {
        Ok((spec, _)) => {
            let format = match format {
                GraphFormat::Dot => graph::Format::Dot,
                GraphFormat::Mermaid => graph::Format::Mermaid,
            };
            print!("{}", graph::render(&spec, format));
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprint!("{failure}");
            ExitCode::FAILURE
        }
    }
}
