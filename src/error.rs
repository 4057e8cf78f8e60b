//! One error type for the whole safe core. Its text never holds a secret:
//! messages are built only from our own words, AWS error codes and AWS messages.

use std::fmt;

/// What went wrong, coarse enough for a caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A caller-supplied value is missing or malformed (or ECR rejected a parameter).
    InvalidArgument,
    /// ECR refused the credentials or denied the call.
    AuthFailed,
    /// No credentials could be resolved (unknown profile, expired SSO session, empty chain).
    NoCredentials,
    /// The endpoint could not be reached (refused, DNS, TLS, reset).
    Network,
    /// No complete answer arrived within the configured timeout.
    Timeout,
    /// ECR answered with an error that is not about the caller's input or credentials.
    Service,
    /// ECR answered, but the answer (or a token in it) cannot be used.
    MalformedResponse,
    /// The library itself failed (runtime could not start, a bug).
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
