//! Turning SDK and credential-provider errors into [`Error`]s a caller can act on, with
//! text that never carries a secret.

use crate::error::{Error, ErrorKind};
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::result::ConnectorError;

/// AWS error codes that mean "these credentials are not accepted for this call".
const AUTH_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "AccessDeniedException",
    "AccessDenied",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "SignatureDoesNotMatch",
    "NotAuthorized",
    "UnauthorizedException",
];

/// AWS error codes that mean "the request itself was wrong".
const INPUT_CODES: &[&str] = &[
    "InvalidParameterException",
    "ValidationException",
    "InvalidParameterValue",
];

pub(crate) fn sdk_error<E>(err: SdkError<E>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::ConstructionFailure(_) => {
            Error::invalid(format!("the request could not be built: {}", source_chain(&err)))
        }
        SdkError::TimeoutError(_) => timeout("the ECR endpoint did not answer within the timeout"),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            timeout("the ECR endpoint did not answer within the timeout")
        }
        SdkError::DispatchFailure(_) => Error::new(
            ErrorKind::Network,
            format!("could not reach the ECR endpoint: {}", source_chain(&err)),
        ),
        // A connection that broke while the answer was being read is a network failure,
        // not a malformed answer.
        SdkError::ResponseError(_) => match connector_kind(&err) {
            Some(ErrorKind::Timeout) => timeout("the ECR endpoint stopped answering within the timeout"),
            Some(kind) => Error::new(
                kind,
                format!(
                    "the connection broke while reading ECR's answer: {}",
                    source_chain(&err)
                ),
            ),
            None => Error::new(
                ErrorKind::MalformedResponse,
                format!("ECR's answer could not be read: {}", source_chain(&err)),
            ),
        },
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let service = context.err();
            let code = service.code().unwrap_or("");
            // Signature errors can quote the canonical request, session token header included.
            let text = service.message().unwrap_or("");
            let text = [
                "The Canonical String",
                "The String-to-Sign",
                "Canonical String",
                "String-to-Sign",
            ]
            .iter()
            .filter_map(|marker| text.find(marker))
            .min()
            .map_or(text, |at| text[..at].trim_end());
            let described = match (code.is_empty(), text.is_empty()) {
                (false, false) => format!("{code}: {text}"),
                (false, true) => code.to_owned(),
                (true, false) => text.to_owned(),
                (true, true) => "no error code".to_owned(),
            };
            if (200..300).contains(&status) {
                Error::new(
                    ErrorKind::MalformedResponse,
                    format!("ECR's answer could not be read (HTTP {status}, {described})"),
                )
            } else if AUTH_CODES.contains(&code) || status == 401 || status == 403 {
                Error::new(
                    ErrorKind::AuthFailed,
                    format!("ECR refused the credentials ({described})"),
                )
            } else if INPUT_CODES.contains(&code) {
                Error::invalid(format!("ECR rejected the request ({described})"))
            } else {
                Error::new(
                    ErrorKind::Service,
                    format!("ECR returned an error ({described}, HTTP {status})"),
                )
            }
        }
        _ => Error::new(
            ErrorKind::Service,
            format!("the ECR call failed: {}", source_chain(&err)),
        ),
    }
}

/// A credential provider's failure, as what it is: no credentials, a timeout, a network
/// failure, or credentials refused (by STS or SSO).
pub(crate) fn credentials_error(err: &CredentialsError) -> Error {
    let text = redact_process_output(&source_chain(err));
    let kind = match err {
        CredentialsError::ProviderTimedOut(_) => ErrorKind::Timeout,
        CredentialsError::CredentialsNotLoaded(_) | CredentialsError::InvalidConfiguration(_) => {
            ErrorKind::NoCredentials
        }
        _ => connector_kind(err).unwrap_or_else(|| {
            if AUTH_CODES.iter().any(|code| text.contains(code)) {
                ErrorKind::AuthFailed
            } else {
                ErrorKind::NoCredentials
            }
        }),
    };
    let lead = match kind {
        ErrorKind::Timeout => "the AWS credentials could not be resolved within the timeout",
        ErrorKind::Network => "the AWS credentials could not be resolved: a service was unreachable",
        ErrorKind::AuthFailed => "the AWS credentials could not be resolved: access was refused",
        _ => "no usable AWS credentials were found",
    };
    Error::new(kind, format!("{lead}: {text}"))
}

/// A `credential_process` helper's stderr is copied into aws-config's error text; it may
/// print anything, tokens included, so it is never passed on.
fn redact_process_output(text: &str) -> String {
    match text.find("Stderr:") {
        Some(at) => format!(
            "{}Stderr: (not shown: a credential helper's output may hold secrets)",
            &text[..at]
        ),
        None => text.to_owned(),
    }
}

/// Network or timeout, if a connector error (or an I/O error) is somewhere in the chain.
fn connector_kind(err: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(connector) = e.downcast_ref::<ConnectorError>() {
            return Some(if connector.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Network
            });
        }
        // Only I/O errors of a connection: a missing SSO cache or token file is not a network failure.
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as Io;
            match io.kind() {
                Io::TimedOut => return Some(ErrorKind::Timeout),
                Io::ConnectionRefused
                | Io::ConnectionReset
                | Io::ConnectionAborted
                | Io::NotConnected
                | Io::AddrNotAvailable
                | Io::BrokenPipe
                | Io::UnexpectedEof
                | Io::HostUnreachable
                | Io::NetworkUnreachable
                | Io::NetworkDown => return Some(ErrorKind::Network),
                _ => {}
            }
        }
        current = e.source();
    }
    None
}

pub(crate) fn timeout(message: &str) -> Error {
    Error::new(ErrorKind::Timeout, message)
}

/// The SDK's top-level Display is terse ("dispatch failure"); the cause chain says why.
/// URLs in it (endpoints, proxies) lose their user:password.
pub(crate) fn source_chain(err: &dyn std::error::Error) -> String {
    crate::validate::redact_urls_in(&raw_source_chain(err))
}

fn raw_source_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helpers_stderr_never_reaches_the_message() {
        let err = CredentialsError::provider_error(
            "Error retrieving credentials: external process exited with code exit status: 1. Stderr: token=s3cr3t-value",
        );
        let mapped = credentials_error(&err);
        assert_eq!(mapped.kind(), ErrorKind::NoCredentials);
        assert!(!mapped.message().contains("s3cr3t"), "{}", mapped.message());
        assert!(mapped.message().contains("exited with code"));
    }

    #[test]
    fn provider_failures_are_classified_by_cause() {
        let timed_out = CredentialsError::provider_timed_out(std::time::Duration::from_secs(5));
        assert_eq!(credentials_error(&timed_out).kind(), ErrorKind::Timeout);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let network = CredentialsError::provider_error(ConnectorError::io(refused.into()));
        assert_eq!(credentials_error(&network).kind(), ErrorKind::Network);
        let slow = CredentialsError::provider_error(ConnectorError::timeout("slow".into()));
        assert_eq!(credentials_error(&slow).kind(), ErrorKind::Timeout);
        let denied =
            CredentialsError::provider_error("service error: AccessDenied: not allowed to assume role");
        assert_eq!(credentials_error(&denied).kind(), ErrorKind::AuthFailed);
        let missing = CredentialsError::not_loaded("no profile");
        assert_eq!(credentials_error(&missing).kind(), ErrorKind::NoCredentials);
        // A missing SSO token cache file is no credentials, not a network failure.
        let no_file = std::io::Error::new(std::io::ErrorKind::NotFound, "no cached SSO token");
        let sso = CredentialsError::provider_error(no_file);
        assert_eq!(credentials_error(&sso).kind(), ErrorKind::NoCredentials);
    }
}
