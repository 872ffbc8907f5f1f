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
    /// Exit codes: 0 no error (warnings are shown), 1 errors (or warnings with
    /// --deny-warnings), 2 a usage error. The same in every format.
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
    /// Generate Rust code from spec files (what a build.rs does with arbor_codegen::compile).
    Gen {
        /// Spec files (KDL), read together as one system.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Directory to write NAME.rs to.
        #[arg(short, long)]
        out: PathBuf,
        /// Output file stem (default: the first spec's).
        #[arg(long)]
        name: Option<String>,
    },
    /// Create a Cargo project from a spec: generated code via build.rs, handler files that
    /// are yours (written once, never overwritten), a main.rs, tests (the app; spec edits that
    /// must be rejected; code that must not compile) and a README.
    New {
        /// The project's directory and package name.
        name: PathBuf,
        /// The spec file to start from (copied into the project).
        #[arg(long)]
        spec: PathBuf,
        /// Where the Arbor workspace is (default: the one this binary was built from).
        #[arg(long)]
        arbor_path: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    /// Rendered diagnostics on stderr.
    Human,
    /// One JSON document on stdout (see the language reference for the schema).
    Json,
    /// GitHub Actions workflow commands on stdout: an annotation on each spec line.
    Github,
    /// A SARIF 2.1.0 log on stdout (code scanning).
    Sarif,
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
        Command::Gen { files, out, name } => generate(&files, &out, name.as_deref()),
        Command::New {
            name,
            spec,
            arbor_path,
        } => scaffold(&name, &spec, arbor_path),
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
        CheckFormat::Sarif => {
            println!("{}", diagnostics::render_sarif(&diagnostics, &sources));
        }
        CheckFormat::Github => {
            let options = diagnostics::GithubOptions {
                workspace: std::env::var("GITHUB_WORKSPACE").ok(),
                cwd: std::env::current_dir()
                    .ok()
                    .map(|d| d.display().to_string()),
            };
            print!(
                "{}",
                diagnostics::render_github(&diagnostics, &sources, &options)
            );
            eprintln!("{}", summary(files.len(), errors, warnings));
        }
        CheckFormat::Human => {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(
                diagnostics::render_human(&diagnostics, &sources, &render_options()).as_bytes(),
            );
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

fn render_options() -> RenderOptions {
    RenderOptions {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        ..RenderOptions::default()
    }
}

fn generate(files: &[PathBuf], out: &std::path::Path, name: Option<&str>) -> ExitCode {
    let mut err = std::io::stderr().lock();
    match arbor_codegen::emit::cli::gen_files(files, out, name, &render_options(), &mut err) {
        Ok(Some(path)) => {
            let _ = writeln!(err, "arbor: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::FAILURE,
        Err(e) => {
            let _ = writeln!(err, "arbor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn scaffold(dir: &std::path::Path, spec: &std::path::Path, arbor: Option<PathBuf>) -> ExitCode {
    let arbor = arbor.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf)
    });
    let mut err = std::io::stderr().lock();
    match arbor_codegen::emit::scaffold::new_project(dir, spec, &arbor, &render_options(), &mut err)
    {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            let _ = writeln!(err, "arbor: {e}");
            ExitCode::FAILURE
        }
    }
}
