//! `GetAuthorizationToken` through the official SDK, turned into ready-to-use logins.

use crate::decode::decode_token;
use crate::error::{Error, ErrorKind, Result};
use crate::registry::registry_host;
use crate::request::FetchRequest;
use crate::runtime;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ecr::operation::get_authorization_token::GetAuthorizationTokenError;
use aws_sdk_ecr::types::AuthorizationData;
use std::fmt;
use std::time::Duration;
use zeroize::Zeroizing;

/// One registry's login: what `docker login` needs, plus when it stops working.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// Host (and port, if any) to give `docker login`.
    pub registry: String,
    pub proxy_endpoint: String,
    pub username: String,
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

/// Blocking form for callers without an async runtime (the C ABI).
pub fn fetch_logins_blocking(request: &FetchRequest) -> Result<Vec<Login>> {
    request.validate()?;
    runtime::block_on(fetch_logins(request))?
}

/// Validates `request`, calls ECR once (with the SDK's standard retries) and decodes every entry.
pub async fn fetch_logins(request: &FetchRequest) -> Result<Vec<Login>> {
    request.validate()?;
    let client = ecr_client(request).await;
    let mut call = client.get_authorization_token();
    if !request.registry_ids.is_empty() {
        // Deprecated by AWS because the token is not scoped to the ids, but the ids still
        // decide which registries' proxy endpoints come back: one login per account.
        #[allow(deprecated)]
        {
            call = call.set_registry_ids(Some(request.registry_ids.clone()));
        }
    }
    let output = call.send().await.map_err(classify)?;
    let entries = output.authorization_data();
    if entries.is_empty() {
        return Err(Error::new(
            ErrorKind::MalformedResponse,
            "ECR answered without any authorization data",
        ));
    }
    entries.iter().map(login_from).collect()
}

async fn ecr_client(request: &FetchRequest) -> aws_sdk_ecr::Client {
    let credentials = Credentials::new(
        request.access_key_id.clone(),
        request.secret_access_key.as_str().to_owned(),
        request.session_token.as_ref().map(|t| t.as_str().to_owned()),
        None,
        "ecr-auth",
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(request.timeout.min(Duration::from_secs(10)))
        .operation_timeout(request.timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(request.region.clone()))
        .credentials_provider(credentials)
        .http_client(runtime::http_client())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(endpoint) = &request.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    aws_sdk_ecr::Client::new(&loader.load().await)
}

fn login_from(data: &AuthorizationData) -> Result<Login> {
    let malformed = |what: &str| Error::new(ErrorKind::MalformedResponse, format!("ECR's answer {what}"));
    let token = data
        .authorization_token()
        .ok_or_else(|| malformed("has an entry without an authorization token"))?;
    let proxy_endpoint = data
        .proxy_endpoint()
        .ok_or_else(|| malformed("has an entry without a proxy endpoint"))?;
    let expires_at = data
        .expires_at()
        .ok_or_else(|| malformed("has an entry without an expiry time"))?
        .secs();
    let decoded = decode_token(token).map_err(|e| malformed(&format!("holds a bad token: {e}")))?;
    let registry = registry_host(proxy_endpoint)
        .map_err(|e| Error::new(ErrorKind::MalformedResponse, format!("ECR's answer: {e}")))?;
    Ok(Login {
        registry,
        proxy_endpoint: proxy_endpoint.to_owned(),
        username: decoded.username.clone(),
        password: decoded.password.clone(),
        expires_at,
    })
}

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
];

/// AWS error codes that mean "the request itself was wrong".
const INPUT_CODES: &[&str] = &[
    "InvalidParameterException",
    "ValidationException",
    "InvalidParameterValue",
];

fn classify(err: SdkError<GetAuthorizationTokenError>) -> Error {
    match &err {
        SdkError::ConstructionFailure(_) => {
            Error::invalid(format!("the request could not be built: {}", source_chain(&err)))
        }
        SdkError::TimeoutError(_) => timeout(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => timeout(),
        SdkError::DispatchFailure(_) => Error::new(
            ErrorKind::Network,
            format!("could not reach the ECR endpoint: {}", source_chain(&err)),
        ),
        SdkError::ResponseError(_) => Error::new(
            ErrorKind::MalformedResponse,
            format!("ECR's answer could not be read: {}", source_chain(&err)),
        ),
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let service = context.err();
            let code = service.code().unwrap_or("");
            let text = service.message().unwrap_or("");
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

fn timeout() -> Error {
    Error::new(
        ErrorKind::Timeout,
        "the ECR endpoint did not answer within the timeout",
    )
}

/// The SDK's top-level Display is terse ("dispatch failure"); the cause chain says why.
fn source_chain(err: &dyn std::error::Error) -> String {
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
