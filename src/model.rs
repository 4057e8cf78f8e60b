//! What a fetch produces: logins, and the registries it could not log in to.

use crate::error::Error;
use std::fmt;
use zeroize::Zeroizing;

/// One registry's login: what `docker login` needs, plus when it stops working.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// Host (and port, if any) to give `docker login`.
    pub registry: String,
    pub proxy_endpoint: String,
    pub username: String,
    /// Wiped from memory when dropped.
    pub password: Zeroizing<String>,
    /// Expiry as Unix seconds (UTC).
    pub expires_at: i64,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("registry", &self.registry)
            .field("proxy_endpoint", &self.proxy_endpoint)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One `GetAuthorizationToken` call: which registry, where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub region: String,
    pub registry_id: Option<String>,
    /// The host to log in to when the caller named one (dual-stack, FIPS).
    pub host: Option<String>,
    pub fips: bool,
    pub dual_stack: bool,
    pub public: bool,
}

impl Target {
    /// How the caller named this registry: the host, else the account id, else "" (the
    /// credentials' own account).
    pub fn label(&self) -> String {
        if self.public {
            crate::ecr_host::PUBLIC_REGISTRY.to_owned()
        } else if let Some(host) = &self.host {
            host.clone()
        } else {
            self.registry_id.clone().unwrap_or_default()
        }
    }
}

/// A registry that could not be logged in to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    /// As [`Target::label`].
    pub target: String,
    pub error: Error,
}

/// Everything one fetch produced: a registry's failure does not cost the others their logins.
#[derive(Debug, Default)]
pub struct Fetched {
    pub logins: Vec<Login>,
    pub failures: Vec<TargetFailure>,
}
