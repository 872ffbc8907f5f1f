//! How a node connects to the cluster (servers, names, security settings, limits), and why
//! it may fail to.

use std::time::Duration;

/// How a node connects to the cluster.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    /// The cluster's name: every subject lives under `<prefix>.<cluster>`.
    pub cluster: String,
    /// This node's name, unique in the cluster while it runs (`billing`, `rooms-2`).
    pub node: String,
    /// The NATS servers to connect to (`nats://127.0.0.1:4222`, …).
    pub urls: Vec<String>,
    /// The subject prefix (default `arbor`).
    pub prefix: String,
    /// User and password, if the server requires them.
    pub user_password: Option<(String, String)>,
    /// A credentials file (JWT + nkey seed), if the server requires one.
    pub credentials: Option<std::path::PathBuf>,
    /// An nkey seed (`SU…`), if the server requires one.
    pub nkey: Option<String>,
    /// Root certificates (PEM) to trust for TLS (and TLS required when set).
    pub tls_root: Option<std::path::PathBuf>,
    /// How long to keep trying to reach a server at start-up before failing (also the bound
    /// on confirming an export's subscriptions).
    pub connect_timeout: Duration,
    /// Heartbeats and failure detection (membership).
    pub membership: crate::MembershipOptions,
    /// A token, if the server requires one.
    pub token: Option<String>,
    /// A client certificate and its key (PEM), for servers that verify clients.
    pub tls_client: Option<(std::path::PathBuf, std::path::PathBuf)>,
    /// The largest payload this node sends or accepts, in bytes; `None`: the server's
    /// `max_payload` (1 MiB unless configured). Enforced on both sides: a message over it is
    /// refused with `TooLarge` before it is sent, a request over it is answered with
    /// `TooLarge` without reaching the actor.
    pub max_payload: Option<usize>,
}

impl NodeOptions {
    /// Options for node `node` of cluster `cluster`, at `url`.
    pub fn new(
        cluster: impl Into<String>,
        node: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        NodeOptions {
            cluster: cluster.into(),
            node: node.into(),
            urls: vec![url.into()],
            prefix: "arbor".into(),
            user_password: None,
            credentials: None,
            nkey: None,
            tls_root: None,
            connect_timeout: Duration::from_secs(5),
            membership: crate::MembershipOptions::default(),
            token: None,
            tls_client: None,
            max_payload: None,
        }
    }

    /// Authenticates with `user` and `password`.
    pub fn user_password(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user_password = Some((user.into(), password.into()));
        self
    }

    /// Connects to any of `urls` (the servers of a NATS cluster) instead.
    pub fn urls(mut self, urls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.urls = urls.into_iter().map(Into::into).collect();
        self
    }

    /// Puts every subject under `prefix` instead of `arbor`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Authenticates with a token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Authenticates with an nkey seed.
    pub fn nkey(mut self, seed: impl Into<String>) -> Self {
        self.nkey = Some(seed.into());
        self
    }

    /// Authenticates with a credentials file (JWT and nkey seed).
    pub fn credentials(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.credentials = Some(path.into());
        self
    }

    /// Requires TLS, trusting the root certificates in `pem`.
    pub fn tls_root(mut self, pem: impl Into<std::path::PathBuf>) -> Self {
        self.tls_root = Some(pem.into());
        self
    }

    /// Presents a client certificate and its key (PEM) to servers that verify clients.
    pub fn tls_client(
        mut self,
        cert: impl Into<std::path::PathBuf>,
        key: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls_client = Some((cert.into(), key.into()));
        self
    }

    /// How long to keep trying to reach a server at start-up.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest payload this node sends or accepts (see the field).
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = Some(bytes);
        self
    }
}

/// Why a node could not start or export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// A name (cluster, node, actor) that cannot be part of a subject.
    #[error("invalid name `{name}`: use letters, digits, `-` and `_`")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// No server could be reached (or it refused the connection) in time.
    #[error("cannot connect to NATS at {urls}: {reason}")]
    Connect {
        /// The servers tried.
        urls: String,
        /// What went wrong.
        reason: String,
    },
    /// Options that do not make sense (membership timings, …).
    #[error("invalid options: {reason}")]
    InvalidOptions {
        /// What is wrong.
        reason: String,
    },
    /// A subscription failed.
    #[error("cannot subscribe to `{subject}`: {reason}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// What went wrong.
        reason: String,
    },
    /// The server's permissions do not let this node subscribe to (serve on) `subject`.
    #[error("the server refused the subscription to `{subject}`: {reason}")]
    Denied {
        /// The subject.
        subject: String,
        /// The server's words.
        reason: String,
    },
}

pub(crate) fn valid_name(name: &str) -> Result<(), ClusterError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ClusterError::InvalidName { name: name.into() })
    }
}
