//! What is expensive to build lives here, once per process: the async runtime and the
//! HTTPS clients (connection pools, TLS roots), one per CA bundle in use.

use crate::environment::Environment;
use crate::error::{Error, ErrorKind, Result};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();
/// Proxy settings, from the caller's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProxySettings {
    pub http: Option<String>,
    pub https: Option<String>,
    pub no_proxy: Option<String>,
}

impl ProxySettings {
    pub fn from_env(env: &Environment) -> Self {
        let get = |upper: &str| {
            env.get(upper)
                .or_else(|| env.get(&upper.to_ascii_lowercase()))
                .map(str::to_owned)
        };
        ProxySettings {
            http: get("HTTP_PROXY"),
            https: get("HTTPS_PROXY"),
            no_proxy: get("NO_PROXY"),
        }
    }

    fn config(&self, endpoint_is_http: bool) -> Result<ProxyConfig> {
        let (url, build): (_, fn(&str) -> _) = match (&self.http, &self.https) {
            (Some(h), Some(s)) if h == s => (Some(h), |u| ProxyConfig::all(u)),
            (Some(h), _) if endpoint_is_http => (Some(h), |u| ProxyConfig::http(u)),
            (_, Some(s)) => (Some(s), |u| ProxyConfig::https(u)),
            (Some(h), None) => (Some(h), |u| ProxyConfig::http(u)),
            (None, None) => (None, |u| ProxyConfig::http(u)),
        };
        let Some(url) = url else {
            return Ok(ProxyConfig::disabled());
        };
        let config =
            build(url).map_err(|e| Error::invalid(format!("the proxy setting is not usable: {e}")))?;
        Ok(match &self.no_proxy {
            Some(rules) => config.no_proxy(rules),
            None => config,
        })
    }
}

type ClientKey = (Option<PathBuf>, ProxySettings, bool);
static HTTP_CLIENTS: OnceLock<Mutex<HashMap<ClientKey, SharedHttpClient>>> = OnceLock::new();

fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                // Two workers: the work is I/O bound and this library lives inside someone else's process.
                .worker_threads(2)
                .thread_name("ecr-auth")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("could not start the async runtime: {e}"),
            )
        })
}

/// Runs `future` to completion on the shared runtime. Safe to call from many threads at once,
/// but not from inside the runtime itself.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::Internal,
            "the blocking API was called from inside an async runtime; use the async API there",
        ));
    }
    Ok(runtime()?.block_on(future))
}

/// The CA bundle in force: the caller's, else `AWS_CA_BUNDLE` (as the AWS CLI does), else none.
pub fn effective_ca_bundle(requested: Option<&Path>, env: &Environment) -> Option<PathBuf> {
    requested
        .map(Path::to_path_buf)
        .or_else(|| env.get("AWS_CA_BUNDLE").map(PathBuf::from))
}

/// The shared HTTPS client for a CA bundle and proxy settings (rustls with ring). Built once
/// per combination, so connection pools and trust roots are reused across calls.
pub fn http_client(
    ca_bundle: Option<&Path>,
    proxy: &ProxySettings,
    endpoint_is_http: bool,
) -> Result<SharedHttpClient> {
    let key = (ca_bundle.map(Path::to_path_buf), proxy.clone(), endpoint_is_http);
    let clients = HTTP_CLIENTS.get_or_init(Default::default);
    let mut clients = clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    let tls_context = tls_context(ca_bundle)?;
    let proxy_config = proxy.config(endpoint_is_http)?;
    let client = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = Connector::builder();
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder
            .proxy_config(proxy_config.clone())
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(tls_context.clone())
            .build()
    });
    clients.insert(key, client.clone());
    Ok(client)
}

fn tls_context(ca_bundle: Option<&Path>) -> Result<TlsContext> {
    let trust_store = match ca_bundle {
        None => TrustStore::default(),
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::invalid(format!("the CA bundle '{}' cannot be read: {e}", path.display()))
            })?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Error::invalid(format!(
                    "the CA bundle '{}' holds no PEM certificate",
                    path.display()
                )));
            }
            // Like the AWS CLI: the bundle replaces the system roots.
            TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(pem)
        }
    };
    TlsContext::builder()
        .with_trust_store(trust_store)
        .build()
        .map_err(|e| Error::invalid(format!("the CA bundle cannot be used: {e}")))
}
