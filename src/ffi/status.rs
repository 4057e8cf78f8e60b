//! Status codes and option names, shared with C through the header.

use crate::error::{Error, ErrorKind};

/// The outcome of an `ecr_auth_*` call.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcrAuthStatus {
    /// Success.
    Ok = 0,
    /// An argument is malformed (empty key, bad region, bad endpoint URL, bad registry id),
    /// or ECR rejected a parameter.
    InvalidArgument = 1,
    /// A required pointer argument was NULL.
    NullPointer = 2,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// ECR (or STS/SSO) refused the credentials or denied access (UnrecognizedClientException,
    /// InvalidSignatureException, AccessDeniedException, HTTP 401/403, ...).
    AuthFailed = 4,
    /// An endpoint could not be reached (connection refused or reset, DNS, TLS).
    Network = 5,
    /// The call did not finish within its timeout (credentials included).
    Timeout = 6,
    /// ECR returned a server-side error (HTTP 5xx after retries, throttling, ...).
    ServiceError = 7,
    /// ECR's answer, or a token in it, is malformed.
    MalformedResponse = 8,
    /// The library could not do its work (e.g. its runtime failed to start).
    Internal = 9,
    /// A Rust panic was caught at the boundary; the process is fine, the call failed.
    Panic = 10,
    /// No AWS credentials could be resolved (unknown profile, expired SSO session, empty
    /// default chain).
    NoCredentials = 11,
    /// Some registries were logged in to and some failed: the result holds both
    /// (`ecr_auth_result_count` logins, `ecr_auth_result_failure_count` failures).
    Partial = 12,
}

/// What `ecr_auth_request_set` sets (and the number before `=` in `ecr_auth_fetch`'s
/// packed options). Values are UTF-8 strings.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcrAuthOption {
    /// Access key id of static credentials.
    AccessKeyId = 1,
    /// Secret access key of static credentials.
    SecretAccessKey = 2,
    /// Session token of temporary static credentials.
    SessionToken = 3,
    /// Region; "" (the default) means the environment or profile, else us-east-1.
    Region = 4,
    /// ECR API endpoint override.
    EndpointUrl = 5,
    /// Adds a 12-digit registry (account) id; may be set several times.
    RegistryId = 6,
    /// Adds a registry host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com.
    Registry = 7,
    /// Use this named profile's credentials instead of static keys.
    Profile = 8,
    /// "1": use the SDK's default credential chain instead of static keys.
    DefaultCredentials = 9,
    /// "1": ECR Public (public.ecr.aws).
    Public = 10,
    /// Path of a PEM CA bundle (else $AWS_CA_BUNDLE, else the system roots).
    CaBundle = 11,
    /// "1": reuse a still-valid token fetched earlier in this process, and keep the new
    /// ones for reuse. Default "0": nothing is kept after the result is freed.
    ReuseTokens = 12,
    /// Whole-call timeout in milliseconds, as decimal text; "0" means 30 seconds. The call
    /// returns within it, credential helpers, SSO/STS calls and every registry's request
    /// included (a credential_process helper that overruns is abandoned, not killed).
    TimeoutMs = 13,
    /// Adds "NAME=VALUE" to the environment the request resolves AWS settings from; once
    /// set, the process environment is not read. For hosts (.NET on Unix) whose environment
    /// changes are invisible to native code. NULL clears it back to the process environment.
    /// Values are wiped when replaced, cleared or freed.
    Environment = 14,
    /// An IAM role ARN to assume (STS AssumeRole) with the credentials above before asking
    /// ECR; STS is reached at its own endpoint, never the EndpointUrl. NULL or "" clears it.
    RoleArn = 15,
}

impl EcrAuthOption {
    pub(crate) fn from_raw(raw: u32) -> Option<Self> {
        use EcrAuthOption::*;
        [
            AccessKeyId,
            SecretAccessKey,
            SessionToken,
            Region,
            EndpointUrl,
            RegistryId,
            Registry,
            Profile,
            DefaultCredentials,
            Public,
            CaBundle,
            ReuseTokens,
            TimeoutMs,
            Environment,
            RoleArn,
        ]
        .into_iter()
        .find(|o| *o as u32 == raw)
    }
}

impl From<ErrorKind> for EcrAuthStatus {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => EcrAuthStatus::InvalidArgument,
            ErrorKind::AuthFailed => EcrAuthStatus::AuthFailed,
            ErrorKind::NoCredentials => EcrAuthStatus::NoCredentials,
            ErrorKind::Network => EcrAuthStatus::Network,
            ErrorKind::Timeout => EcrAuthStatus::Timeout,
            ErrorKind::Service => EcrAuthStatus::ServiceError,
            ErrorKind::MalformedResponse => EcrAuthStatus::MalformedResponse,
            ErrorKind::Internal => EcrAuthStatus::Internal,
        }
    }
}

/// A failed call: its status and the message for the caller's buffer.
pub(crate) type Failure = (EcrAuthStatus, String);

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        (err.kind().into(), err.message().to_owned())
    }
}

pub(crate) fn null_pointer(name: &str) -> Failure {
    (EcrAuthStatus::NullPointer, format!("{name} must not be NULL"))
}

pub(crate) fn invalid(message: impl Into<String>) -> Failure {
    (EcrAuthStatus::InvalidArgument, message.into())
}

pub(crate) fn panicked() -> Failure {
    (
        EcrAuthStatus::Panic,
        "internal error: the library panicked; the call was abandoned".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_value_is_recognised() {
        for raw in 1..=15 {
            let option = EcrAuthOption::from_raw(raw).unwrap_or_else(|| panic!("{raw} not recognised"));
            assert_eq!(option as u32, raw);
        }
        assert!(EcrAuthOption::from_raw(0).is_none());
        assert!(EcrAuthOption::from_raw(16).is_none());
    }

    #[test]
    fn every_error_kind_has_its_own_status() {
        let kinds = [
            ErrorKind::InvalidArgument,
            ErrorKind::AuthFailed,
            ErrorKind::NoCredentials,
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Service,
            ErrorKind::MalformedResponse,
            ErrorKind::Internal,
        ];
        let statuses: std::collections::HashSet<_> =
            kinds.iter().map(|k| EcrAuthStatus::from(*k) as i32).collect();
        assert_eq!(statuses.len(), kinds.len());
        assert!(!statuses.contains(&(EcrAuthStatus::Ok as i32)));
        assert!(!statuses.contains(&(EcrAuthStatus::Partial as i32)));
    }
}
