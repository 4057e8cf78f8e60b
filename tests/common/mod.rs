//! Shared helpers: an in-process mock ECR endpoint (wiremock, on 127.0.0.1) and requests
//! that always point at it. `.cargo/config.toml` disables IMDS and real AWS config files.
#![allow(dead_code)]

use base64::Engine as _;
use ecr_auth::FetchRequest;
use serde_json::{Value, json};
use std::net::TcpListener;
use std::time::Duration;
use tokio::runtime::Runtime;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const ACCESS_KEY: &str = "AKIDEXAMPLE";
pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";

/// A mock ECR endpoint plus the runtime that drives our side of wiremock's API.
pub struct MockEcr {
    pub rt: Runtime,
    pub server: MockServer,
}

impl MockEcr {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        MockEcr { rt, server }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Answers every GetAuthorizationToken with `status` and `body`, `times` times (None: always).
    pub fn respond(&self, status: u16, body: Value, times: Option<u64>) {
        let mut mock = Mock::given(method("POST"))
            .and(path("/"))
            .and(header("x-amz-target", TARGET))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/x-amz-json-1.1"),
            );
        if let Some(n) = times {
            mock = mock.up_to_n_times(n).with_priority(1);
        }
        self.rt.block_on(mock.mount(&self.server));
    }

    /// Answers calls whose body asks for exactly `account`.
    pub fn respond_for_account(&self, account: &str, body: Value) {
        let mock = Mock::given(method("POST"))
            .and(header("x-amz-target", TARGET))
            .and(wiremock::matchers::body_partial_json(
                json!({ "registryIds": [account] }),
            ))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1"),
            );
        self.rt.block_on(mock.mount(&self.server));
    }

    pub fn requests(&self) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    pub fn request(&self) -> FetchRequest {
        request_to(&self.uri())
    }
}

pub fn request_to(endpoint: &str) -> FetchRequest {
    let mut r = FetchRequest::new(ACCESS_KEY, SECRET_KEY, "us-west-2");
    r.endpoint_url = Some(endpoint.to_owned());
    r.timeout = Duration::from_secs(10);
    r
}

pub fn token(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

pub fn entry(account: &str, password: &str, expires_at: i64) -> Value {
    json!({
        "authorizationToken": token("AWS", password),
        "expiresAt": expires_at,
        "proxyEndpoint": format!("https://{account}.dkr.ecr.us-west-2.amazonaws.com"),
    })
}

pub fn ok_body(entries: Vec<Value>) -> Value {
    json!({ "authorizationData": entries })
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A listener on 127.0.0.1 that accepts connections and never answers. Dropping it stops it.
pub struct Silent {
    pub listener: TcpListener,
    held: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl Silent {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (accepting, keep) = (listener.try_clone().unwrap(), held.clone());
        std::thread::spawn(move || {
            for stream in accepting.incoming().flatten() {
                keep.lock().unwrap().push(stream);
            }
        });
        Silent { listener, held }
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.listener.local_addr().unwrap())
    }
}

/// The logins of a fetch, or its first error (whole-call or per-registry): the shape most
/// tests want, one registry at a time.
pub fn fetch(request: &FetchRequest) -> ecr_auth::Result<Vec<ecr_auth::Login>> {
    let fetched = ecr_auth::fetch_logins_blocking(request)?;
    match fetched.failures.into_iter().next() {
        Some(failure) => Err(failure.error),
        None => Ok(fetched.logins),
    }
}
