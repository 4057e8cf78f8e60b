//! `GetAuthorizationToken` (ECR and ECR Public) through the official SDK, turned into
//! ready-to-use logins: one call per target registry, run concurrently.

use crate::decode::decode_token;
use crate::ecr_host::{PUBLIC_REGISTRY, parse_ecr_host};
use crate::error::{Error, ErrorKind, Result};
use crate::registry::registry_host;
use crate::request::{CredentialSource, FetchRequest};
use crate::runtime;
use crate::token_cache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use aws_types::os_shim_internal::{Env, Fs};
use std::borrow::Cow;
use std::collections::HashMap;
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

/// One `GetAuthorizationToken` call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub region: String,
    pub registry_id: Option<String>,
    /// The host to log in to when the caller named one (dual-stack, FIPS).
    pub host: Option<String>,
    pub fips: bool,
    pub dual_stack: bool,
    pub public: bool,
}

/// Blocking form for callers without an async runtime (the C ABI).
pub fn fetch_logins_blocking(request: &FetchRequest) -> Result<Vec<Login>> {
    request.validate()?;
    runtime::block_on(fetch_logins(request))?
}

/// Validates `request`, resolves credentials and region, then fetches every target
/// concurrently (with the SDK's standard retries) and decodes every entry.
pub async fn fetch_logins(request: &FetchRequest) -> Result<Vec<Login>> {
    request.validate()?;
    let config = load_config(request).await?;
    let credentials = resolve_credentials(&config).await?;
    let identity = token_cache::identity_key(&credentials, request.endpoint_url.as_deref());
    let targets = targets(request, &config)?;
    let calls = targets.iter().map(|target| async {
        if request.reuse_tokens
            && let Some(logins) = token_cache::get(&identity, target)
        {
            return Ok(logins);
        }
        let logins = if target.public {
            fetch_public(&config, &credentials).await?
        } else {
            fetch_private(&config, &credentials, target).await?
        };
        token_cache::put(&identity, target, &logins);
        Ok(logins)
    });
    let mut logins = Vec::new();
    for result in futures_util::future::join_all(calls).await {
        logins.extend(result?);
    }
    Ok(logins)
}

/// Variables that would let the environment's keys win over a named profile.
const ENVIRONMENT_CREDENTIALS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

async fn load_config(request: &FetchRequest) -> Result<SdkConfig> {
    let mut vars = request.environment_map();
    if let CredentialSource::Profile(_) = &request.source {
        // Only the profile's credentials, as `aws --profile` does: no environment keys, and
        // no fall-through to the instance metadata service.
        for name in ENVIRONMENT_CREDENTIALS {
            vars.remove(*name);
        }
        vars.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    }
    let ca_bundle = runtime::effective_ca_bundle(request.ca_bundle.as_deref(), &vars);
    let proxy = runtime::ProxySettings::from_env(&vars);
    let endpoint_is_http = request
        .endpoint_url
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"));
    let env = Env::from(vars.clone());
    let region = match request.region.as_str() {
        "" => Region::new(default_region(request, &vars, &env).await),
        region => Region::new(region.to_owned()),
    };
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(request.timeout.min(Duration::from_secs(10)))
        .operation_timeout(request.timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .env(env)
        .region(region)
        .http_client(runtime::http_client(
            ca_bundle.as_deref(),
            &proxy,
            endpoint_is_http,
        )?)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    match &request.source {
        CredentialSource::Static => {
            loader = loader.credentials_provider(Credentials::new(
                request.access_key_id.clone(),
                request.secret_access_key.as_str().to_owned(),
                request.session_token.as_ref().map(|t| t.as_str().to_owned()),
                None,
                "ecr-auth",
            ));
        }
        CredentialSource::Profile(name) => loader = loader.profile_name(name),
        CredentialSource::DefaultChain => {}
    }
    if let Some(endpoint) = &request.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    Ok(loader.load().await)
}

/// `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else us-east-1; never the
/// instance metadata service.
async fn default_region(request: &FetchRequest, vars: &HashMap<String, String>, env: &Env) -> String {
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = vars.get(name).filter(|r| !r.is_empty()) {
            return region.clone();
        }
    }
    let selected = match &request.source {
        CredentialSource::Profile(name) => Some(Cow::Owned(name.clone())),
        _ => None,
    };
    let profiles = aws_config::profile::load(&Fs::real(), env, &Default::default(), selected).await;
    profiles
        .ok()
        .and_then(|set| {
            set.get_profile(set.selected_profile())
                .and_then(|p| p.get("region"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// Resolves the identity once (SSO, role assumption, process...), so every call reuses it.
async fn resolve_credentials(config: &SdkConfig) -> Result<Credentials> {
    let provider = config
        .credentials_provider()
        .ok_or_else(|| Error::new(ErrorKind::NoCredentials, "no AWS credentials are configured"))?;
    provider.provide_credentials().await.map_err(|e| {
        Error::new(
            ErrorKind::NoCredentials,
            format!("no usable AWS credentials were found: {}", source_chain(&e)),
        )
    })
}

pub(crate) fn targets(request: &FetchRequest, config: &SdkConfig) -> Result<Vec<Target>> {
    let region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let plain = |registry_id: Option<String>| Target {
        region: region.clone(),
        registry_id,
        host: None,
        fips: false,
        dual_stack: false,
        public: false,
    };
    if request.public {
        return Ok(vec![Target {
            region: "us-east-1".into(), // ECR Public's API lives only there
            public: true,
            ..plain(None)
        }]);
    }
    if !request.registries.is_empty() {
        let mut targets = Vec::new();
        for host in &request.registries {
            let parsed = parse_ecr_host(host)?;
            let target = Target {
                region: parsed.region,
                registry_id: Some(parsed.account_id),
                host: Some(parsed.host),
                fips: parsed.fips,
                dual_stack: parsed.dual_stack,
                public: false,
            };
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
        return Ok(targets);
    }
    if request.registry_ids.is_empty() {
        return Ok(vec![plain(None)]);
    }
    let mut seen = std::collections::HashSet::new();
    let mut ids = request.registry_ids.clone();
    ids.retain(|id| seen.insert(id.clone()));
    Ok(ids.into_iter().map(|id| plain(Some(id))).collect())
}

async fn fetch_private(config: &SdkConfig, credentials: &Credentials, target: &Target) -> Result<Vec<Login>> {
    let mut builder = aws_sdk_ecr::config::Builder::from(config)
        .region(Region::new(target.region.clone()))
        .credentials_provider(credentials.clone());
    // An endpoint override already says where to go; the SDK rejects FIPS/dual-stack with one.
    if config.endpoint_url().is_none() {
        if target.fips {
            builder = builder.use_fips(true);
        }
        if target.dual_stack {
            builder = builder.use_dual_stack(true);
        }
    }
    let client = aws_sdk_ecr::Client::from_conf(builder.build());
    let mut call = client.get_authorization_token();
    if let Some(id) = &target.registry_id {
        // Deprecated by AWS because the token is not scoped to the id, but the id still
        // decides which registry's proxy endpoint comes back.
        #[allow(deprecated)]
        {
            call = call.registry_ids(id.clone());
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
    entries
        .iter()
        .map(|data| {
            let mut login = login_from(
                data.authorization_token(),
                data.proxy_endpoint(),
                data.expires_at().map(|t| t.secs()),
            )?;
            if let Some(host) = &target.host {
                login.registry = host.clone();
            }
            Ok(login)
        })
        .collect()
}

async fn fetch_public(config: &SdkConfig, credentials: &Credentials) -> Result<Vec<Login>> {
    let conf = aws_sdk_ecrpublic::config::Builder::from(config)
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials.clone())
        .build();
    let output = aws_sdk_ecrpublic::Client::from_conf(conf)
        .get_authorization_token()
        .send()
        .await
        .map_err(classify)?;
    let data = output.authorization_data().ok_or_else(|| {
        Error::new(
            ErrorKind::MalformedResponse,
            "ECR Public answered without authorization data",
        )
    })?;
    let endpoint = format!("https://{PUBLIC_REGISTRY}");
    let login = login_from(
        data.authorization_token(),
        Some(&endpoint),
        data.expires_at().map(|t| t.secs()),
    )?;
    Ok(vec![login])
}

fn login_from(token: Option<&str>, proxy_endpoint: Option<&str>, expires_at: Option<i64>) -> Result<Login> {
    let malformed = |what: &str| Error::new(ErrorKind::MalformedResponse, format!("ECR's answer {what}"));
    let token = token.ok_or_else(|| malformed("has an entry without an authorization token"))?;
    let proxy_endpoint = proxy_endpoint.ok_or_else(|| malformed("has an entry without a proxy endpoint"))?;
    let expires_at = expires_at.ok_or_else(|| malformed("has an entry without an expiry time"))?;
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

fn classify<E>(err: SdkError<E>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
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
