//! Interoperability with moto's mock of ECR (`moto_server`, PyPI `moto[server]`).
//! Skipped, with a visible message, when moto is not installed; CI installs it into .venv.

mod common;

use common::fetch;
use ecr_auth::FetchRequest;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `$ECR_AUTH_MOTO_SERVER`, else `.venv/bin/moto_server`, else `moto_server` on PATH.
fn moto_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ECR_AUTH_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.exists() {
        return Some(venv);
    }
    let on_path = std::env::var_os("PATH")?;
    std::env::split_paths(&on_path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.exists())
}

/// moto on 127.0.0.1, stopped (by PID) when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    fn start(program: &PathBuf) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start listening");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fetches_and_decodes_a_token_from_moto() {
    let Some(program) = moto_server() else {
        eprintln!(
            "SKIPPED fetches_and_decodes_a_token_from_moto: moto_server not found (pip install 'moto[server]')"
        );
        return;
    };
    let moto = Moto::start(&program);
    let mut request = FetchRequest::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "eu-west-1",
    );
    request.endpoint_url = Some(format!("http://127.0.0.1:{}", moto.port));

    let own = fetch(&request).expect("moto answers GetAuthorizationToken");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    assert_eq!(own[0].username, "AWS");
    assert_eq!(own[0].password.as_str(), "123456789012-auth-token");

    request.registry_ids = vec!["111122223333".into(), "444455556666".into()];
    let two = fetch(&request).unwrap();
    let hosts: Vec<_> = two.iter().map(|l| l.registry.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com",
            "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
        ]
    );
    assert_eq!(two[1].password.as_str(), "444455556666-auth-token");
}

/// A `role_arn` + `source_profile` profile: aws-config assumes the role through STS (moto), then
/// calls ECR (moto) with the role's temporary credentials. Both reached through AWS_ENDPOINT_URL.
#[test]
fn a_role_profile_assumes_the_role_through_sts() {
    let Some(program) = moto_server() else {
        eprintln!("SKIPPED a_role_profile_assumes_the_role_through_sts: moto_server not found");
        return;
    };
    let moto = Moto::start(&program);
    let dir = std::env::temp_dir().join(format!("ecr-auth-role-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config"),
        "[profile base]\nregion = eu-west-1\n\n[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[base]\naws_access_key_id = AKIDBASEEXAMPLE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    let mut env = ecr_auth::Environment::default();
    env.set("AWS_CONFIG_FILE", &dir.join("config").display().to_string());
    env.set(
        "AWS_SHARED_CREDENTIALS_FILE",
        &dir.join("credentials").display().to_string(),
    );
    env.set("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{}", moto.port));
    env.set("AWS_EC2_METADATA_DISABLED", "true");
    let mut request = FetchRequest::with_source(ecr_auth::CredentialSource::Profile("deploy".into()), "");
    request.environment = Some(env);

    let logins = fetch(&request).expect("role profile through moto's STS and ECR");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    assert_eq!(logins[0].password.as_str(), "123456789012-auth-token");
}

/// A request's own `role_arn`: the source's keys assume the role through STS (moto, reached at
/// AWS_ENDPOINT_URL_STS), then ECR (moto, at the request's endpoint) is called as the role.
#[test]
fn a_request_role_is_assumed_with_the_source_keys() {
    let Some(program) = moto_server() else {
        eprintln!("SKIPPED a_request_role_is_assumed_with_the_source_keys: moto_server not found");
        return;
    };
    let moto = Moto::start(&program);
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let mut env = ecr_auth::Environment::default();
    env.set("AWS_ENDPOINT_URL_STS", &endpoint);
    env.set("AWS_EC2_METADATA_DISABLED", "true");
    let mut request = FetchRequest::new("AKIDBASEEXAMPLE", "base-secret", "eu-west-1");
    request.role_arn = Some("arn:aws:iam::123456789012:role/ecr-pull".into());
    request.endpoint_url = Some(endpoint);
    request.environment = Some(env);

    let logins = fetch(&request).expect("role through moto's STS, then moto's ECR");
    assert_eq!(logins[0].registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");

    request.role_arn = Some("not-a-role".into());
    let err = fetch(&request).unwrap_err();
    assert!(
        err.message().contains("is not an IAM role ARN"),
        "{}",
        err.message()
    );
}
