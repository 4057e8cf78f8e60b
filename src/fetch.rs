//! `GetAuthorizationToken` (ECR and ECR Public) through the official SDK, turned into
//! ready-to-use logins: one call per target registry, run concurrently, all inside one
//! deadline. A registry's failure is reported next to the others' logins.

use crate::classify::{self, timeout};
use crate::config::{self, Loaded};
use crate::decode::decode_token;
use crate::ecr_host::{PUBLIC_REGISTRY, parse_ecr_host};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Fetched, Login, Target, TargetFailure};
use crate::registry::registry_host;
use crate::request::FetchRequest;
use crate::runtime;
use crate::token_cache::{self, CacheKey};
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use tokio::time::{Instant, timeout_at};

/// The latest expiry a login may claim (9999-12-31): later values are not a time.
const MAX_EXPIRES_AT: i64 = 253_402_300_799;

/// Blocking form for callers without an async runtime (the C ABI).
pub fn fetch_logins_blocking(request: &FetchRequest) -> Result<Fetched> {
    request.validate()?;
    runtime::block_on(fetch_logins(request))?
}

/// Validates `request`, resolves credentials and region, then fetches every target
/// concurrently (with the SDK's standard retries) and decodes every entry. Everything,
/// credential resolution included, happens within `request.timeout`.
///
/// `Err` means nothing could be fetched (bad input, no credentials, the configuration or
/// credentials timed out); otherwise each target either gave logins or is a failure.
pub async fn fetch_logins(request: &FetchRequest) -> Result<Fetched> {
    request.validate()?;
    let deadline = Instant::now() + request.timeout;
    let loaded = timeout_at(deadline, config::load_config(request))
        .await
        .map_err(|_| timeout("the AWS configuration could not be read within the timeout"))??;
    let targets = targets(request, &loaded.sdk)?;
    let keys: Vec<CacheKey> = targets.iter().map(|t| cache_key(&loaded, t)).collect();
    // Overrides from AWS_ENDPOINT_URL* or a profile get the option's checks too (and so never
    // reach an SDK error message with a user:password in them).
    for endpoint in keys.iter().filter_map(|k| k.endpoint.as_deref()) {
        crate::validate::validate_endpoint(endpoint)?;
    }
    let cached: Vec<Option<Vec<Login>>> = keys
        .iter()
        .map(|key| request.reuse_tokens.then(|| token_cache::get(key)).flatten())
        .collect();

    let mut outcomes: Vec<Option<Result<Vec<Login>>>> = Vec::with_capacity(targets.len());
    if cached.iter().any(Option::is_none) {
        let credentials = timeout_at(deadline, config::resolve_credentials(&loaded.sdk))
            .await
            .map_err(|_| {
                timeout(
                    "the AWS credentials could not be resolved within the timeout \
                     (credential_process, SSO or STS took too long)",
                )
            })??;
        let calls =
            targets.iter().zip(&cached).map(|(target, cached)| {
                let needed = cached.is_none();
                let (config, credentials) = (&loaded.sdk, &credentials);
                async move {
                    if !needed {
                        return None;
                    }
                    let call = fetch_target(config, credentials, target);
                    Some(timeout_at(deadline, call).await.unwrap_or_else(|_| {
                        Err(timeout("the ECR endpoint did not answer within the timeout"))
                    }))
                }
            });
        outcomes = futures_util::future::join_all(calls).await;
    } else {
        outcomes.resize_with(targets.len(), || None);
    }

    let mut fetched = Fetched::default();
    for (((target, key), cached), outcome) in targets.iter().zip(keys).zip(cached).zip(outcomes) {
        match (cached, outcome) {
            (Some(logins), _) => fetched.logins.extend(logins),
            (None, Some(Ok(logins))) => {
                if request.reuse_tokens {
                    token_cache::put(key, &logins);
                }
                fetched.logins.extend(logins);
            }
            (None, Some(Err(error))) => fetched.failures.push(TargetFailure {
                target: target.label(),
                error,
            }),
            (None, None) => unreachable!("every target without a cached token was fetched"),
        }
    }
    Ok(fetched)
}

fn cache_key(loaded: &Loaded, target: &Target) -> CacheKey {
    CacheKey {
        identity: loaded.identity.clone(),
        endpoint: config::endpoint_override(&loaded.sdk, target.public),
        target: target.clone(),
    }
}

async fn fetch_target(config: &SdkConfig, credentials: &Credentials, target: &Target) -> Result<Vec<Login>> {
    if target.public {
        fetch_public(config, credentials).await
    } else {
        fetch_private(config, credentials, target).await
    }
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
    if config::endpoint_override(config, false).is_none() {
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
    let output = call.send().await.map_err(classify::sdk_error)?;
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
        .map_err(classify::sdk_error)?;
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
    if proxy_endpoint.contains('\0') {
        return Err(malformed("has a proxy endpoint with a NUL character"));
    }
    if !(0..=MAX_EXPIRES_AT).contains(&expires_at) {
        return Err(malformed("has an expiry time that is not a date"));
    }
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
