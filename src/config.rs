//! From a request to the SDK's configuration: environment, region, credentials source,
//! HTTPS client, timeouts, and the facts the token cache keys on.

use crate::environment::Environment;
use crate::error::{Error, ErrorKind, Result};
use crate::request::{CredentialSource, FetchRequest};
use crate::runtime;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::service_config::ServiceConfigKey;
use std::borrow::Cow;
use std::time::Duration;

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

/// Variables that say who the default chain will resolve to (none of them secret).
const CHAIN_HINTS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

pub(crate) struct Loaded {
    pub sdk: SdkConfig,
    /// Who is asking, without secrets: ["key", AKID], ["profile", NAME, files...], ["chain", hints...],
    /// then ["role", ARN] when a role is assumed.
    pub identity: Vec<String>,
}

pub(crate) async fn load_config(request: &FetchRequest) -> Result<Loaded> {
    let env = request.environment();
    let identity = identity(request, &env);
    let mut explicit: Option<Credentials> = None;
    let sdk_env = match &request.source {
        // Only the profile's credentials, as `aws --profile` does: no environment keys, and
        // no fall-through to the instance metadata service.
        CredentialSource::Profile(_) => {
            env.sdk_env(ENVIRONMENT_CREDENTIALS, &[("AWS_EC2_METADATA_DISABLED", "true")])
        }
        CredentialSource::Static => env.sdk_env(&[], &[]),
        CredentialSource::DefaultChain => {
            // The chain's first provider, done here so the secret never enters the SDK's
            // unwiped copy of the environment.
            explicit = env.credentials();
            env.sdk_env(&[], &[])
        }
    };
    let ca_bundle = runtime::effective_ca_bundle(request.ca_bundle.as_deref(), &env);
    let proxy = runtime::ProxySettings::from_env(&env);
    let region = match request.region.as_str() {
        "" => Region::new(default_region(request, &env, &sdk_env).await),
        region => Region::new(region.to_owned()),
    };
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(request.timeout.min(Duration::from_secs(10)))
        .operation_timeout(request.timeout)
        .build();
    // An http:// endpoint (option or AWS_ENDPOINT_URL*) selects the HTTP proxy; a profile's
    // endpoint_url is not known before loading and gets the HTTPS one.
    let endpoint_is_http = request
        .endpoint_url
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"))
        || [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_ECR",
            "AWS_ENDPOINT_URL_ECR_PUBLIC",
        ]
        .iter()
        .any(|name| env.get(name).is_some_and(|e| e.starts_with("http://")));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .env(sdk_env)
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
        CredentialSource::DefaultChain => {
            if let Some(credentials) = explicit {
                loader = loader.credentials_provider(credentials);
            }
        }
    }
    if let Some(endpoint) = &request.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let mut sdk = loader.load().await;
    if let Some(role) = &request.role_arn {
        sdk = assume_role(sdk, role).await;
    }
    Ok(Loaded { sdk, identity })
}

/// The source's credentials assume `role` (STS AssumeRole, refreshed by the SDK) and ECR is
/// called with the role's. STS is reached at its own endpoint (AWS_ENDPOINT_URL_STS or
/// AWS_ENDPOINT_URL, else regional): an explicit ECR endpoint is ECR's alone.
async fn assume_role(sdk: SdkConfig, role: &str) -> SdkConfig {
    use aws_credential_types::provider::SharedCredentialsProvider;
    let mut base = sdk.to_builder();
    base.set_endpoint_url(None);
    // Not "set by the client" any more, or STS would take the (now empty) value over its own.
    base.insert_origin("endpoint_url", aws_types::origin::Origin::unknown());
    let provider = aws_config::sts::AssumeRoleProvider::builder(role)
        .session_name("EcrAuth")
        .configure(&base.build())
        .build()
        .await;
    sdk.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Who is asking, without secrets, as separate parts (no separator two names could share):
/// the source, then what decides which credentials it yields.
fn identity(request: &FetchRequest, env: &Environment) -> Vec<String> {
    let var = |name: &str| env.get(name).unwrap_or("").to_owned();
    // The shared files, and the home folder that locates them when they are not named.
    let files = [
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "HOME",
        "USERPROFILE",
    ]
    .map(var);
    let mut parts: Vec<String> = match &request.source {
        CredentialSource::Static => vec!["key".into(), request.access_key_id.clone()],
        CredentialSource::Profile(name) => [vec!["profile".into(), name.clone()], files.to_vec()].concat(),
        CredentialSource::DefaultChain => {
            let hints = CHAIN_HINTS.iter().map(|name| var(name));
            std::iter::once("chain".to_owned())
                .chain(hints)
                .chain(files)
                .collect()
        }
    };
    if let Some(role) = &request.role_arn {
        parts.extend(["role".to_owned(), role.clone()]);
    }
    parts
}

/// The endpoint override the SDK will use for ECR (or ECR Public), as its config builder
/// decides it: the explicit option, else `AWS_ENDPOINT_URL_ECR[_PUBLIC]` or the profile's
/// service section, else `AWS_ENDPOINT_URL` or the profile's `endpoint_url`.
pub(crate) fn endpoint_override(config: &SdkConfig, public: bool) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_owned);
    }
    let service = if public { "ECR PUBLIC" } else { "ECR" };
    let key = ServiceConfigKey::builder()
        .service_id(service)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|conf| conf.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
}

/// `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else us-east-1; never the
/// instance metadata service.
async fn default_region(request: &FetchRequest, env: &Environment, sdk_env: &Env) -> String {
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(region) = env.get(name) {
            return region.to_owned();
        }
    }
    let selected = match &request.source {
        CredentialSource::Profile(name) => Some(Cow::Owned(name.clone())),
        _ => None,
    };
    let profiles = aws_config::profile::load(&Fs::real(), sdk_env, &Default::default(), selected).await;
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
pub(crate) async fn resolve_credentials(config: &SdkConfig) -> Result<Credentials> {
    use aws_credential_types::provider::ProvideCredentials;
    let provider = config
        .credentials_provider()
        .ok_or_else(|| Error::new(ErrorKind::NoCredentials, "no AWS credentials are configured"))?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| crate::classify::credentials_error(&e))
}
