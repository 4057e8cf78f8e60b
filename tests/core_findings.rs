//! The native core's review findings (issue 11), one test each: whole-call timeouts,
//! error classes, per-registry outcomes, hostile answers, and the token cache's key.
//! Every request carries its own environment (the Environment option), so these tests
//! share no process state and never read the machine's AWS files.
#![cfg(unix)] // credential_process helpers here are sh scripts

mod common;

use common::*;
use ecr_auth::{CredentialSource, Environment, ErrorKind, FetchRequest, fetch_logins_blocking};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A temp folder of this test's own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ecr-auth-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes an executable sh script and returns its path.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// An environment with nothing but the AWS files in `dir` (and no instance metadata).
fn isolated_env(dir: &Path, config: &str) -> Environment {
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), "").unwrap();
    let mut env = Environment::default();
    env.set("AWS_CONFIG_FILE", &dir.join("config").display().to_string());
    env.set(
        "AWS_SHARED_CREDENTIALS_FILE",
        &dir.join("credentials").display().to_string(),
    );
    env.set("AWS_EC2_METADATA_DISABLED", "true");
    env
}

fn profile_request(profile: &str, env: Environment, endpoint: &str) -> FetchRequest {
    let mut request = FetchRequest::with_source(CredentialSource::Profile(profile.into()), "us-west-2");
    request.environment = Some(env);
    request.endpoint_url = Some(endpoint.into());
    request.timeout = Duration::from_secs(10);
    request
}

const PROCESS_JSON: &str =
    r#"{"Version": 1, "AccessKeyId": "AKIDFROMPROCESS", "SecretAccessKey": "process-secret"}"#;

#[test]
fn the_timeout_bounds_credential_resolution_too() {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "pw", 4_000_000_000)]),
        None,
    );
    let dir = TempDir::new("slow-process");
    let helper = dir.script("slow.sh", &format!("sleep 4\necho '{PROCESS_JSON}'"));
    let env = isolated_env(
        &dir.0,
        &format!("[profile slow]\ncredential_process = {}\n", helper.display()),
    );
    let mut request = profile_request("slow", env, &ecr.uri());
    request.timeout = Duration::from_millis(500);

    let started = Instant::now();
    let err = fetch_logins_blocking(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(ecr.requests().len(), 0);
}

#[test]
fn a_credential_helpers_stderr_never_reaches_the_error() {
    let dir = TempDir::new("noisy-process");
    let helper = dir.script("noisy.sh", "echo 'token=HelperSecret123' >&2\nexit 1");
    let env = isolated_env(
        &dir.0,
        &format!("[profile noisy]\ncredential_process = {}\n", helper.display()),
    );
    let request = profile_request("noisy", env, "http://127.0.0.1:1");

    let err = fetch_logins_blocking(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoCredentials, "{err}");
    assert!(!err.message().contains("HelperSecret123"), "{err}");
    assert!(err.message().contains("exited with code"), "{err}");
}

#[test]
fn an_unreachable_sts_is_a_network_failure_not_missing_credentials() {
    let dir = TempDir::new("role-unreachable");
    let mut env = isolated_env(
        &dir.0,
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n",
    );
    env.set(
        "AWS_ENDPOINT_URL_STS",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    let request = profile_request("role", env, "http://127.0.0.1:1");

    let err = fetch_logins_blocking(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}

#[test]
fn one_registrys_failure_leaves_the_others_logins() {
    let ecr = MockEcr::start();
    ecr.respond_for_account(
        "111111111111",
        ok_body(vec![entry("111111111111", "pw-1", 4_000_000_000)]),
    );
    let denied = wiremock::Mock::given(wiremock::matchers::body_partial_json(
        json!({ "registryIds": ["222222222222"] }),
    ))
    .respond_with(wiremock::ResponseTemplate::new(400).set_body_raw(
        json!({"__type": "AccessDeniedException", "message": "not yours"}).to_string(),
        "application/x-amz-json-1.1",
    ));
    ecr.rt.block_on(denied.mount(&ecr.server));
    let mut request = ecr.request();
    request.registry_ids = vec!["111111111111".into(), "222222222222".into()];

    let fetched = fetch_logins_blocking(&request).unwrap();
    assert_eq!(fetched.logins.len(), 1);
    assert_eq!(fetched.logins[0].password.as_str(), "pw-1");
    assert_eq!(fetched.failures.len(), 1);
    assert_eq!(fetched.failures[0].target, "222222222222");
    assert_eq!(fetched.failures[0].error.kind(), ErrorKind::AuthFailed);
    assert!(fetched.failures[0].error.message().contains("not yours"));
}

#[test]
fn a_hostile_expiry_is_a_malformed_answer_not_a_panic() {
    for reuse in [false, true] {
        let ecr = MockEcr::start();
        ecr.respond(
            200,
            ok_body(vec![entry("123456789012", "pw", i64::MIN + 1000)]),
            None,
        );
        let mut request = ecr.request();
        request.access_key_id = "AKIDHOSTILEEXPIRY".into();
        request.reuse_tokens = reuse;
        let err = fetch(&request).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{err}");
    }
}

#[test]
fn a_connection_reset_while_reading_the_answer_is_a_network_failure() {
    // Answers with headers and half a body, then closes the connection, every time.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 8192];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 400\r\n\r\n{\"authorizationData\": [",
            );
            let _ = stream.flush();
            std::thread::sleep(Duration::from_millis(20));
            drop(stream);
        }
    });
    let err = fetch(&request_to(&endpoint)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
}

#[test]
fn the_token_cache_keys_on_the_endpoint_in_use() {
    let first = MockEcr::start();
    first.respond(
        200,
        ok_body(vec![entry("123456789012", "pw-first", 4_000_000_000)]),
        None,
    );
    let second = MockEcr::start();
    second.respond(
        200,
        ok_body(vec![entry("123456789012", "pw-second", 4_000_000_000)]),
        None,
    );
    let dir = TempDir::new("endpoint-key");
    let base = isolated_env(&dir.0, "");

    let request_via = |endpoint: &str| {
        let mut env = base.clone();
        env.set("AWS_ENDPOINT_URL_ECR", endpoint);
        let mut request = FetchRequest::new(ACCESS_KEY, SECRET_KEY, "us-west-2");
        request.access_key_id = "AKIDENDPOINTKEY".into();
        request.environment = Some(env);
        request.reuse_tokens = true;
        request
    };
    assert_eq!(
        fetch(&request_via(&first.uri())).unwrap()[0].password.as_str(),
        "pw-first"
    );
    assert_eq!(
        fetch(&request_via(&second.uri())).unwrap()[0].password.as_str(),
        "pw-second"
    );
    assert_eq!(second.requests().len(), 1, "the second endpoint was asked");
    // And the same endpoint again is served from the cache.
    assert_eq!(
        fetch(&request_via(&first.uri())).unwrap()[0].password.as_str(),
        "pw-first"
    );
    assert_eq!(first.requests().len(), 1);
}

#[test]
fn rotating_credentials_still_reuse_the_token() {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "pw", 4_000_000_000)]),
        None,
    );
    let dir = TempDir::new("rotating");
    // A new access key id (and secret) on every run, as SSO and assumed roles give.
    let helper = dir.script(
        "rotating.sh",
        r#"n=$(date +%N)
echo "{\"Version\": 1, \"AccessKeyId\": \"ASIAROTATING$n\", \"SecretAccessKey\": \"secret-$n\", \"SessionToken\": \"token-$n\"}""#,
    );
    let env = isolated_env(
        &dir.0,
        &format!("[profile rotating]\ncredential_process = {}\n", helper.display()),
    );
    let mut request = profile_request("rotating", env, &ecr.uri());
    request.reuse_tokens = true;

    fetch(&request).unwrap();
    fetch(&request).unwrap();
    assert_eq!(
        ecr.requests().len(),
        1,
        "the second fetch was served from the cache"
    );
}

#[test]
fn an_endpoint_from_the_environment_is_checked_and_never_echoed_with_its_password() {
    let dir = TempDir::new("env-endpoint");
    let mut env = isolated_env(&dir.0, "");
    env.set("AWS_ENDPOINT_URL_ECR", "http://user:EnvSecret99@[::1");
    let mut request = FetchRequest::new(ACCESS_KEY, SECRET_KEY, "us-west-2");
    request.environment = Some(env);
    let err = fetch_logins_blocking(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(!err.message().contains("EnvSecret99"), "{err}");
}

#[test]
fn fips_and_dual_stack_hosts_work_with_an_endpoint_from_the_environment() {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "pw", 4_000_000_000)]),
        None,
    );
    let dir = TempDir::new("env-fips");
    let mut env = isolated_env(&dir.0, "");
    env.set("AWS_ENDPOINT_URL_ECR", &ecr.uri());
    let mut request = FetchRequest::new(ACCESS_KEY, SECRET_KEY, "");
    request.environment = Some(env);
    request.registries = vec![
        "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com".into(),
        "123456789012.dkr-ecr.eu-west-1.on.aws".into(),
    ];
    let fetched = fetch_logins_blocking(&request).unwrap();
    assert!(fetched.failures.is_empty(), "{:?}", fetched.failures);
    assert_eq!(fetched.logins.len(), 2);
}

#[test]
fn a_bad_entry_for_one_registry_leaves_the_others_logins() {
    let ecr = MockEcr::start();
    ecr.respond_for_account(
        "111111111111",
        ok_body(vec![entry("111111111111", "pw-1", 4_000_000_000)]),
    );
    let mut broken = entry("222222222222", "pw-2", 4_000_000_000);
    broken["proxyEndpoint"] = json!("https://222222222222.dkr.ecr.us-west-2.amazonaws.com\u{0}x");
    ecr.respond_for_account("222222222222", ok_body(vec![broken]));
    let mut request = ecr.request();
    request.registry_ids = vec!["111111111111".into(), "222222222222".into()];
    let fetched = fetch_logins_blocking(&request).unwrap();
    assert_eq!(fetched.logins.len(), 1);
    assert_eq!(fetched.failures.len(), 1);
    assert_eq!(fetched.failures[0].error.kind(), ErrorKind::MalformedResponse);
}
