//! The safe core against an in-process mock ECR endpoint on 127.0.0.1: what goes on the
//! wire, and how each kind of answer is classified.

mod common;

use common::*;
use ecr_auth::ErrorKind;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

#[test]
fn sends_what_real_ecr_expects_and_decodes_one_login() {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "pass-one", 1_900_000_000)]),
        None,
    );

    let logins = fetch(&ecr.request()).unwrap();

    assert_eq!(logins.len(), 1);
    let login = &logins[0];
    assert_eq!(login.registry, "123456789012.dkr.ecr.us-west-2.amazonaws.com");
    assert_eq!(
        login.proxy_endpoint,
        "https://123456789012.dkr.ecr.us-west-2.amazonaws.com"
    );
    assert_eq!(login.username, "AWS");
    assert_eq!(login.password.as_str(), "pass-one");
    assert_eq!(login.expires_at, 1_900_000_000);

    let requests = ecr.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/");
    let h = |name: &str| req.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(h("x-amz-target").as_deref(), Some(TARGET));
    assert_eq!(h("content-type").as_deref(), Some("application/x-amz-json-1.1"));
    let auth = h("authorization").expect("signed request");
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{auth}"
    );
    assert!(auth.contains("/us-west-2/ecr/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=") && auth.contains("Signature="),
        "{auth}"
    );
    assert!(!auth.contains(SECRET_KEY));
    assert!(h("x-amz-security-token").is_none());
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert!(body.get("registryIds").is_none(), "{body}");
}

#[test]
fn session_token_and_registry_ids_are_sent_one_call_per_account() {
    let ecr = MockEcr::start();
    ecr.respond_for_account(
        "111111111111",
        ok_body(vec![entry("111111111111", "p1", 1_900_000_000)]),
    );
    ecr.respond_for_account(
        "222222222222",
        ok_body(vec![entry("222222222222", "p2", 1_900_000_100)]),
    );
    let mut request = ecr.request();
    request.session_token = Some(Zeroizing::new("FQoGZXIvYXdzEXAMPLE".into()));
    request.registry_ids = vec!["111111111111".into(), "222222222222".into()];

    let logins = fetch(&request).unwrap();

    let hosts: Vec<_> = logins.iter().map(|l| l.registry.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "111111111111.dkr.ecr.us-west-2.amazonaws.com",
            "222222222222.dkr.ecr.us-west-2.amazonaws.com"
        ]
    );
    assert_eq!(logins[1].password.as_str(), "p2");
    assert_eq!(logins[1].expires_at, 1_900_000_100);
    let requests = ecr.requests();
    assert_eq!(requests.len(), 2);
    let mut bodies: Vec<Value> = requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    bodies.sort_by_key(|b| b.to_string());
    assert_eq!(bodies[0]["registryIds"], json!(["111111111111"]));
    assert_eq!(bodies[1]["registryIds"], json!(["222222222222"]));
    for req in &requests {
        assert_eq!(
            req.headers.get("x-amz-security-token").unwrap(),
            "FQoGZXIvYXdzEXAMPLE"
        );
    }
}

#[test]
fn registry_hosts_choose_account_and_region_and_keep_the_host() {
    let ecr = MockEcr::start();
    ecr.respond_for_account(
        "123456789012",
        ok_body(vec![entry("123456789012", "p-eu", 1_900_000_000)]),
    );
    let mut request = ecr.request();
    request.region = "us-east-1".into();
    request.registries = vec!["123456789012.dkr-ecr.eu-central-1.on.aws".into()];

    let logins = fetch(&request).unwrap();

    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].registry, "123456789012.dkr-ecr.eu-central-1.on.aws");
    assert_eq!(logins[0].password.as_str(), "p-eu");
    let req = &ecr.requests()[0];
    let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(auth.contains("/eu-central-1/ecr/aws4_request"), "{auth}");
}

#[test]
fn ecr_public_is_fetched_from_its_own_service_in_us_east_1() {
    let ecr = MockEcr::start();
    let body = json!({"authorizationData": {"authorizationToken": token("AWS", "public-pw"), "expiresAt": 1_900_000_000}});
    let mock = wiremock::Mock::given(wiremock::matchers::header(
        "x-amz-target",
        "SpencerFrontendService.GetAuthorizationToken",
    ))
    .respond_with(
        wiremock::ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1"),
    );
    ecr.rt.block_on(mock.mount(&ecr.server));
    let mut request = ecr.request();
    request.region = "eu-west-1".into();
    request.public = true;

    let logins = fetch(&request).unwrap();

    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].registry, "public.ecr.aws");
    assert_eq!(logins[0].proxy_endpoint, "https://public.ecr.aws");
    assert_eq!(logins[0].password.as_str(), "public-pw");
    let auth = ecr.requests()[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(auth.contains("/us-east-1/ecr-public/aws4_request"), "{auth}");
}

#[test]
fn reused_tokens_cost_no_request_until_asked_not_to() {
    let ecr = MockEcr::start();
    let far = 4_000_000_000;
    ecr.respond(200, ok_body(vec![entry("123456789012", "cached", far)]), None);
    let mut request = ecr.request();
    // wiremock reuses ports across tests: a key of its own keeps this test's cache entries apart.
    request.access_key_id = "AKIDREUSETEST".into();
    request.reuse_tokens = true;

    let first = fetch(&request).unwrap();
    let second = fetch(&request).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        ecr.requests().len(),
        1,
        "the second fetch was served from the cache"
    );

    request.reuse_tokens = false;
    fetch(&request).unwrap();
    assert_eq!(ecr.requests().len(), 2);

    // Another access key is another identity: no reuse across identities.
    let mut other = request.clone();
    other.reuse_tokens = true;
    other.access_key_id = "AKIDREUSEOTHER".into();
    fetch(&other).unwrap();
    assert_eq!(ecr.requests().len(), 3);
}

#[test]
fn tokens_close_to_expiry_are_not_reused() {
    let ecr = MockEcr::start();
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 60;
    ecr.respond(200, ok_body(vec![entry("123456789012", "short", soon)]), None);
    let mut request = ecr.request();
    request.access_key_id = "AKIDEXPIRYTEST".into();
    request.reuse_tokens = true;
    fetch(&request).unwrap();
    fetch(&request).unwrap();
    assert_eq!(ecr.requests().len(), 2);
}

#[test]
fn aws_json_errors_are_classified() {
    let cases = [
        (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            ErrorKind::AuthFailed,
        ),
        (
            "InvalidSignatureException",
            "The request signature we calculated does not match.",
            ErrorKind::AuthFailed,
        ),
        (
            "InvalidParameterException",
            "Invalid parameter at 'registryIds'",
            ErrorKind::InvalidArgument,
        ),
        ("com.amazonaws.ecr#ServerException", "Boom", ErrorKind::Service),
    ];
    for (code, text, kind) in cases {
        let ecr = MockEcr::start();
        ecr.respond(400, json!({ "__type": code, "message": text }), None);
        let err = fetch(&ecr.request()).unwrap_err();
        assert_eq!(err.kind(), kind, "{code}: {err}");
        let short_code = code.rsplit('#').next().unwrap();
        assert!(err.message().contains(short_code), "{code}: {err}");
        assert!(err.message().contains(text), "{code}: {err}");
        assert!(!err.message().contains(SECRET_KEY));
    }
}

#[test]
fn http_403_is_an_authentication_failure() {
    let ecr = MockEcr::start();
    ecr.respond(
        403,
        json!({ "__type": "AccessDeniedException", "message": "User is not authorized" }),
        None,
    );
    let err = fetch(&ecr.request()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthFailed, "{err}");
    assert!(err.message().contains("AccessDeniedException"), "{err}");

    // A bare 403 with a non-JSON body (as a proxy or moto's IAM mode would send).
    let ecr = MockEcr::start();
    let bare = wiremock::ResponseTemplate::new(403).set_body_string("<Error><Code>Forbidden</Code></Error>");
    ecr.rt.block_on(
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(bare)
            .mount(&ecr.server),
    );
    let err = fetch(&ecr.request()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AuthFailed, "{err}");
}

#[test]
fn a_500_is_retried_and_then_succeeds() {
    let ecr = MockEcr::start();
    ecr.respond(
        500,
        json!({ "__type": "ServerException", "message": "try again" }),
        Some(1),
    );
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "after-retry", 1_900_000_000)]),
        None,
    );

    let logins = fetch(&ecr.request()).unwrap();

    assert_eq!(logins[0].password.as_str(), "after-retry");
    assert_eq!(ecr.requests().len(), 2);
}

#[test]
fn persistent_500s_end_as_a_service_error_after_three_attempts() {
    let ecr = MockEcr::start();
    ecr.respond(
        500,
        json!({ "__type": "ServerException", "message": "down" }),
        None,
    );
    let err = fetch(&ecr.request()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err}");
    assert_eq!(ecr.requests().len(), 3);
}

#[test]
fn an_endpoint_that_never_answers_hits_the_timeout() {
    let silent = Silent::start();
    let mut request = request_to(&silent.uri());
    request.timeout = Duration::from_millis(800);
    let started = Instant::now();
    let err = fetch(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn connection_refused_is_a_network_error() {
    let request = request_to(&format!("http://127.0.0.1:{}", closed_port()));
    let err = fetch(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.message().to_lowercase().contains("connect"), "{err}");
}

#[test]
fn malformed_answers_are_reported_as_such() {
    let bad_bodies = [
        (
            "bad base64",
            ok_body(vec![
                json!({"authorizationToken": "%%%", "expiresAt": 1, "proxyEndpoint": "https://h.example"}),
            ]),
        ),
        (
            "no colon",
            ok_body(vec![
                json!({"authorizationToken": "QVdTcGFzcw==", "expiresAt": 1, "proxyEndpoint": "https://h.example"}),
            ]),
        ),
        (
            "no endpoint",
            ok_body(vec![
                json!({"authorizationToken": token("AWS", "p"), "expiresAt": 1}),
            ]),
        ),
        (
            "bad endpoint",
            ok_body(vec![
                json!({"authorizationToken": token("AWS", "p"), "expiresAt": 1, "proxyEndpoint": "ftp://x"}),
            ]),
        ),
        ("no entries", ok_body(vec![])),
        ("not json", json!("just a string")),
    ];
    for (name, body) in bad_bodies {
        let ecr = MockEcr::start();
        ecr.respond(200, body, None);
        let err = fetch(&ecr.request()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedResponse, "{name}: {err}");
    }
}

#[test]
fn invalid_input_is_rejected_before_any_request() {
    let ecr = MockEcr::start();
    let mut request = ecr.request();
    request.region = "Mars".into();
    let err = fetch(&request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(ecr.requests().is_empty());
}
