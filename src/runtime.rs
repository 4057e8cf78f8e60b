//! What is expensive to build lives here, once per process: the async runtime
//! and the HTTPS client (connection pool, TLS roots).

use crate::error::{Error, ErrorKind, Result};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();
static HTTP_CLIENT: OnceLock<SharedHttpClient> = OnceLock::new();

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

/// The one HTTPS client every call shares (rustls with ring, system roots).
pub fn http_client() -> SharedHttpClient {
    HTTP_CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
                .build_https()
        })
        .clone()
}
