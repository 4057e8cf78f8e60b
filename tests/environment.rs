//! Credentials and settings that come from the environment and the shared AWS files:
//! named profiles (static keys, credential_process), the default chain, AWS_ENDPOINT_URL_ECR,
//! HTTP(S)_PROXY/NO_PROXY. These change process-wide state, so this binary holds a single
//! test that runs its scenarios one after another.
#![allow(unsafe_code)]

mod common;

use common::*;
use ecr_auth::{CredentialSource, ErrorKind, FetchRequest};
use std::path::Path;

fn set(name: &str, value: impl AsRef<std::ffi::OsStr>) {
    // SAFETY: the only test in this binary; no other thread reads the environment meanwhile.
    unsafe { std::env::set_var(name, value) }
}

fn unset(name: &str) {
    // SAFETY: as above.
    unsafe { std::env::remove_var(name) }
}

fn credential_of(ecr: &MockEcr) -> String {
    let requests = ecr.requests();
    let auth = requests
        .last()
        .unwrap()
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    auth.split("Credential=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned()
}

fn write_files(dir: &Path) {
    let script = dir.join("credential-process.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDFROMPROCESS\", \"SecretAccessKey\": \"process-secret\"}'\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile dev]\nregion = eu-central-1\n\n[profile tool]\nregion = ap-south-1\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[dev]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
}

#[test]
fn profiles_default_chain_endpoint_and_proxy_variables() {
    let dir = std::env::temp_dir().join(format!("ecr-auth-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_files(&dir);
    set("AWS_CONFIG_FILE", dir.join("config"));
    set("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    set("AWS_EC2_METADATA_DISABLED", "true");
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
    ] {
        unset(name);
    }
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![entry("123456789012", "pw", 1_900_000_000)]),
        None,
    );
    let with = |source: CredentialSource, region: &str| {
        let mut r = FetchRequest::with_source(source, region);
        r.endpoint_url = Some(ecr.uri());
        r
    };

    // A profile with static keys: its keys and its region.
    fetch(&with(CredentialSource::Profile("dev".into()), "")).unwrap();
    let credential = credential_of(&ecr);
    assert!(
        credential.starts_with("AKIDFROMPROFILE/") && credential.ends_with("/eu-central-1/ecr/aws4_request"),
        "{credential}"
    );

    // An explicit region wins over the profile's.
    fetch(&with(CredentialSource::Profile("dev".into()), "us-west-1")).unwrap();
    assert!(credential_of(&ecr).contains("/us-west-1/"));

    // A profile with credential_process.
    fetch(&with(CredentialSource::Profile("tool".into()), "")).unwrap();
    let credential = credential_of(&ecr);
    assert!(
        credential.starts_with("AKIDFROMPROCESS/") && credential.contains("/ap-south-1/"),
        "{credential}"
    );

    // A profile wins over environment keys (as `aws --profile` does).
    set("AWS_ACCESS_KEY_ID", "AKIDFROMENV");
    set("AWS_SECRET_ACCESS_KEY", "env-secret");
    fetch(&with(CredentialSource::Profile("dev".into()), "")).unwrap();
    assert!(credential_of(&ecr).starts_with("AKIDFROMPROFILE/"));

    // The default chain takes the environment first; no region anywhere means us-east-1.
    fetch(&with(CredentialSource::DefaultChain, "")).unwrap();
    let credential = credential_of(&ecr);
    assert!(
        credential.starts_with("AKIDFROMENV/") && credential.contains("/us-east-1/"),
        "{credential}"
    );
    set("AWS_REGION", "sa-east-1");
    fetch(&with(CredentialSource::DefaultChain, "")).unwrap();
    assert!(credential_of(&ecr).contains("/sa-east-1/"));
    unset("AWS_REGION");

    // An unknown profile is a NoCredentials error that names it.
    let err = fetch(&with(CredentialSource::Profile("nope".into()), "us-east-1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoCredentials, "{err}");
    assert!(err.message().contains("nope"), "{err}");

    // AWS_ENDPOINT_URL_ECR points the SDK at the mock without an explicit endpoint.
    let before = ecr.requests().len();
    set("AWS_ENDPOINT_URL_ECR", ecr.uri());
    let plain = FetchRequest::new(ACCESS_KEY, SECRET_KEY, "us-east-1");
    fetch(&plain).unwrap();
    assert_eq!(ecr.requests().len(), before + 1);
    unset("AWS_ENDPOINT_URL_ECR");

    // HTTP_PROXY: the request goes to the proxy (here the mock itself) even though the
    // endpoint names a port where nothing listens; NO_PROXY turns that off again.
    let mut proxied = request_to(&format!("http://127.0.0.1:{}", closed_port()));
    proxied.access_key_id = "AKIDVIAPROXY".into();
    set("HTTP_PROXY", ecr.uri());
    set("NO_PROXY", "example.invalid");
    let result = fetch(&proxied);
    // The client (and its proxy settings) is built once per process and CA bundle: use a new bundle key.
    let bundle = dir.join("bundle.pem");
    std::fs::copy("/etc/ssl/certs/ca-certificates.crt", &bundle).unwrap();
    proxied.ca_bundle = Some(bundle.clone());
    let via_proxy = fetch(&proxied);
    assert!(
        via_proxy.is_ok(),
        "through the proxy: {via_proxy:?} (first try: {result:?})"
    );
    assert!(credential_of(&ecr).starts_with("AKIDVIAPROXY/"));
    set("NO_PROXY", "127.0.0.1");
    let other_bundle = dir.join("bundle2.pem");
    std::fs::copy(&bundle, &other_bundle).unwrap();
    proxied.ca_bundle = Some(other_bundle);
    let direct = fetch(&proxied).unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Network, "{direct}");
    unset("HTTP_PROXY");
    unset("NO_PROXY");

    std::fs::remove_dir_all(&dir).ok();
}
