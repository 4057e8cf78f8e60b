//! A validated `GetAuthorizationToken` request. Validation happens here, before any
//! network traffic, so bad input gets a specific message instead of an AWS error.

use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::validate::{
    shown, validate_access_key_id, validate_endpoint, validate_profile, validate_region,
    validate_registry_id, validate_role_arn, validate_secret,
};
use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use zeroize::Zeroizing;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// ECR accepts at most this many registry ids in one call.
pub const MAX_REGISTRY_IDS: usize = 10;

/// Where the AWS credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `access_key_id`, `secret_access_key` and `session_token` of the request.
    Static,
    /// A named profile of the shared config/credentials files (static keys, role_arn,
    /// credential_process, SSO: whatever aws-config supports).
    Profile(String),
    /// The SDK's default chain: environment, files, web identity, ECS, IMDS.
    DefaultChain,
}

#[derive(Clone)]
pub struct FetchRequest {
    pub source: CredentialSource,
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<Zeroizing<String>>,
    /// A role to assume (STS AssumeRole) with the source's credentials before calling ECR.
    pub role_arn: Option<String>,
    /// Empty: from the environment or profile, else us-east-1.
    pub region: String,
    /// Overrides the ECR API endpoint (VPC endpoints, tests).
    pub endpoint_url: Option<String>,
    /// 12-digit AWS account ids; empty means the caller's own account. One call each, concurrently.
    pub registry_ids: Vec<String>,
    /// Registry hosts (`<account>.dkr.ecr.<region>.amazonaws.com`, ...); account and region
    /// come from each host. One call each, concurrently.
    pub registries: Vec<String>,
    /// ECR Public (`public.ecr.aws`) instead of a private registry.
    pub public: bool,
    /// PEM file of trusted CA certificates; None: `$AWS_CA_BUNDLE`, else the system's roots.
    pub ca_bundle: Option<PathBuf>,
    /// Reuse a still-valid token fetched earlier in this process for the same identity and target.
    pub reuse_tokens: bool,
    /// Budget for the whole call: credentials (process, SSO, STS), every registry, retries.
    pub timeout: Duration,
    /// The environment to resolve AWS settings from; None: this process's environment.
    /// (Hosts like .NET on Unix keep their own copy that native code cannot see.)
    pub environment: Option<Environment>,
}

impl FetchRequest {
    pub fn new(access_key_id: &str, secret_access_key: &str, region: &str) -> Self {
        FetchRequest {
            source: CredentialSource::Static,
            access_key_id: access_key_id.to_owned(),
            secret_access_key: Zeroizing::new(secret_access_key.to_owned()),
            session_token: None,
            role_arn: None,
            region: region.to_owned(),
            endpoint_url: None,
            registry_ids: Vec::new(),
            registries: Vec::new(),
            public: false,
            ca_bundle: None,
            reuse_tokens: false,
            timeout: DEFAULT_TIMEOUT,
            environment: None,
        }
    }

    /// The environment variables in force for this request.
    pub fn environment(&self) -> Cow<'_, Environment> {
        match &self.environment {
            Some(env) => Cow::Borrowed(env),
            None => Cow::Owned(Environment::from_process()),
        }
    }

    /// A request whose credentials come from `source` (a profile or the default chain).
    pub fn with_source(source: CredentialSource, region: &str) -> Self {
        FetchRequest {
            source,
            ..FetchRequest::new("", "", region)
        }
    }

    /// Checks every field; the first problem found is returned. Never echoes a secret.
    pub fn validate(&self) -> Result<()> {
        match &self.source {
            CredentialSource::Static => {
                validate_access_key_id(&self.access_key_id)?;
                validate_secret("secret access key", &self.secret_access_key, 1024)?;
                if let Some(token) = &self.session_token {
                    validate_secret("session token", token, 16 * 1024)?;
                }
            }
            CredentialSource::Profile(name) => validate_profile(name)?,
            CredentialSource::DefaultChain => {}
        }
        if let Some(role) = &self.role_arn {
            validate_role_arn(role)?;
        }
        if !self.region.is_empty() {
            validate_region(&self.region)?;
        }
        if self.public && (!self.registry_ids.is_empty() || !self.registries.is_empty()) {
            return Err(Error::invalid(
                "ECR Public has one registry (public.ecr.aws); registry ids and hosts do not apply",
            ));
        }
        if !self.registry_ids.is_empty() && !self.registries.is_empty() {
            return Err(Error::invalid("give registry ids or registry hosts, not both"));
        }
        if self.registries.len() > MAX_REGISTRY_IDS {
            return Err(Error::invalid(format!(
                "at most {MAX_REGISTRY_IDS} registries can be asked for at once, got {}",
                self.registries.len()
            )));
        }
        for host in &self.registries {
            crate::ecr_host::parse_ecr_host(host)?;
        }
        if let Some(bundle) = &self.ca_bundle
            && !bundle.is_file()
        {
            return Err(Error::invalid(format!(
                "the CA bundle '{}' does not exist or is not a file",
                shown(&bundle.display().to_string())
            )));
        }
        if let Some(endpoint) = &self.endpoint_url {
            validate_endpoint(endpoint)?;
        }
        if self.registry_ids.len() > MAX_REGISTRY_IDS {
            return Err(Error::invalid(format!(
                "at most {MAX_REGISTRY_IDS} registry ids can be asked for at once, got {}",
                self.registry_ids.len()
            )));
        }
        for id in &self.registry_ids {
            validate_registry_id(id)?;
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(Error::invalid(format!(
                "the timeout must be between 1 ms and {} s",
                MAX_TIMEOUT.as_secs()
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for FetchRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchRequest")
            .field("source", &self.source)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("role_arn", &self.role_arn)
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("registry_ids", &self.registry_ids)
            .field("registries", &self.registries)
            .field("public", &self.public)
            .field("ca_bundle", &self.ca_bundle)
            .field("reuse_tokens", &self.reuse_tokens)
            .field("timeout", &self.timeout)
            .field("environment", &self.environment)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn ok_request() -> FetchRequest {
        FetchRequest::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "us-east-1",
        )
    }

    #[test]
    fn a_plain_request_is_valid() {
        let mut r = ok_request();
        r.session_token = Some(Zeroizing::new("FwoGZXIvYXdzEB==".into()));
        r.endpoint_url = Some("http://127.0.0.1:4566".into());
        r.registry_ids = vec!["123456789012".into(), "210987654321".into()];
        r.validate().unwrap();
    }

    #[test]
    fn regions_of_every_partition_are_accepted() {
        for region in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "eu-isoe-west-1",
            "us-isob-east-1",
            "ap-southeast-5",
            "eusc-de-east-1",
        ] {
            validate_region(region).unwrap_or_else(|e| panic!("{region}: {e}"));
        }
    }

    #[test]
    fn bad_inputs_get_specific_errors() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        type Edit = fn(&mut FetchRequest);
        let cases: Vec<(&str, Edit, &str)> = vec![
            ("empty key", |r| r.access_key_id.clear(), "access key id is empty"),
            (
                "blank key",
                |r| r.access_key_id = "   ".into(),
                "access key id is empty",
            ),
            (
                "key with NUL",
                |r| r.access_key_id = "AKID\0X".into(),
                "access key id",
            ),
            (
                "key with space",
                |r| r.access_key_id = "AKID X".into(),
                "access key id",
            ),
            (
                "huge key",
                |r| r.access_key_id = "A".repeat(1 << 20),
                "access key id",
            ),
            (
                "empty secret",
                |r| r.secret_access_key = Zeroizing::new(String::new()),
                "secret access key is empty",
            ),
            (
                "blank secret",
                |r| r.secret_access_key = Zeroizing::new(" \t".into()),
                "secret access key is empty",
            ),
            (
                "secret with newline",
                |r| r.secret_access_key = Zeroizing::new("abc\n".into()),
                "whitespace",
            ),
            (
                "huge secret",
                |r| r.secret_access_key = Zeroizing::new("s".repeat(1 << 20)),
                "longer than",
            ),
            (
                "empty token",
                |r| r.session_token = Some(Zeroizing::new(String::new())),
                "session token is empty",
            ),
            ("blank region", |r| r.region = " ".into(), "not an AWS region"),
            (
                "upper region",
                |r| r.region = "US-EAST-1".into(),
                "not an AWS region",
            ),
            (
                "region no digit",
                |r| r.region = "us-east".into(),
                "not an AWS region",
            ),
            (
                "region double dash",
                |r| r.region = "us--east-1".into(),
                "not an AWS region",
            ),
            (
                "region with path",
                |r| r.region = "us-east-1/../x".into(),
                "not an AWS region",
            ),
            (
                "huge region",
                |r| r.region = "a".repeat(1 << 20),
                "not an AWS region",
            ),
            (
                "endpoint garbage",
                |r| r.endpoint_url = Some("not a url".into()),
                "endpoint URL",
            ),
            (
                "endpoint ftp",
                |r| r.endpoint_url = Some("ftp://127.0.0.1".into()),
                "must start with https://",
            ),
            (
                "endpoint no host",
                |r| r.endpoint_url = Some("http://".into()),
                "endpoint URL",
            ),
            (
                "endpoint userinfo",
                |r| r.endpoint_url = Some("http://u:p@127.0.0.1".into()),
                "user name or password",
            ),
            (
                "unparsable endpoint with userinfo",
                |r| {
                    r.endpoint_url = Some(format!(
                        "http://u:{}@[::1",
                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
                    ))
                },
                "***@[::1",
            ),
            (
                "registry id short",
                |r| r.registry_ids = vec!["1234".into()],
                "12-digit",
            ),
            (
                "registry id letters",
                |r| r.registry_ids = vec!["12345678901a".into()],
                "12-digit",
            ),
            (
                "too many ids",
                |r| r.registry_ids = vec!["123456789012".into(); 11],
                "at most 10",
            ),
            ("zero timeout", |r| r.timeout = Duration::ZERO, "timeout"),
            (
                "huge timeout",
                |r| r.timeout = Duration::from_secs(3600),
                "timeout",
            ),
        ];
        for (name, edit, want) in cases {
            let mut r = ok_request();
            edit(&mut r);
            let err = r.validate().expect_err(name);
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{name}");
            assert!(err.message().contains(want), "{name}: {}", err.message());
            assert!(err.message().len() < 400, "{name}: message too long");
            assert!(!err.message().contains(secret), "{name}: leaked the secret");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let mut r = ok_request();
        r.session_token = Some(Zeroizing::new("TOKEN-SECRET-VALUE".into()));
        let text = format!("{r:?}");
        assert!(!text.contains("wJalrXUtnFEMI"));
        assert!(!text.contains("TOKEN-SECRET-VALUE"));
        assert!(text.contains("AKIDEXAMPLE"));
    }
}
