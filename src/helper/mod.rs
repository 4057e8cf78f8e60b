//! `docker-credential-ecrauth`: a docker credential helper on the same core as the C ABI.
//!
//! The protocol of docker-credential-helpers: the action is the first argument; `get` reads
//! a server URL on stdin and answers `{"ServerURL", "Username", "Secret"}` on stdout; `list`
//! answers `{"<url>": "<user>"}`; `version` prints the version; `store` and `erase` read their
//! input and succeed (the registry's login belongs to ECR; `erase`, which `docker logout`
//! sends, also forgets the host's cached token), so a `docker login` to a host the helper owns
//! does not fail. Errors are the protocol's: the
//! message on stdout and exit code 1, plus one line with the cause on stderr (docker shows the
//! first, logs the second). Which identity serves which host comes from [`config`]; tokens
//! are shared between `get`s through [`cache`].

pub mod cache;
pub mod config;
pub mod setup;

use crate::ecr_host::parse_ecr_host;
use crate::error::Error;
use crate::fetch::fetch_logins_blocking;
use crate::request::{CredentialSource, FetchRequest};
use config::{HelperConfig, RegistryIdentity};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// docker's own wording for "not mine": it then goes on without credentials.
pub const NOT_FOUND: &str = "credentials not found in native keychain";

#[derive(Serialize)]
struct Credentials<'a> {
    #[serde(rename = "ServerURL")]
    server_url: &'a str,
    #[serde(rename = "Username")]
    username: &'a str,
    #[serde(rename = "Secret")]
    secret: &'a str,
}

/// Where the helper reads its settings: the environment docker hands it.
pub struct Context<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Runs one helper invocation; returns the exit code.
pub fn run(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    context: &Context,
) -> i32 {
    let action = args.first().map(String::as_str).unwrap_or("");
    let result = match action {
        "get" => get(stdin, context).and_then(|answer| write_all(stdout, answer.as_bytes())),
        "list" => list(context).and_then(|answer| write_all(stdout, answer.as_bytes())),
        "version" => write_all(
            stdout,
            format!(
                "docker-credential-ecrauth (EcrAuth) {}\n",
                env!("CARGO_PKG_VERSION")
            )
            .as_bytes(),
        ),
        "store" => {
            // Read and drop what docker sends (a password): the login belongs to ECR.
            let mut ignored = Zeroizing::new(Vec::new());
            let _ = stdin.read_to_end(&mut ignored);
            Ok(())
        }
        "erase" => {
            // `docker logout`: forget the cached token, so that the next get fetches a new one.
            erase(stdin, context);
            Ok(())
        }
        // Not the protocol's: the module's set-up (see [`setup`]).
        "register" | "unregister" => return run_setup(action, &args[1..], stdout, stderr, context),
        _ => Err(Failure::usage(format!(
            "unknown action '{}'; docker-credential-ecrauth takes get, list, version, store or erase (and register or unregister)",
            action.chars().take(40).collect::<String>()
        ))),
    };
    match result {
        Ok(()) => 0,
        Err(failure) => {
            let _ = stdout.write_all(failure.protocol.as_bytes());
            let _ = writeln!(stderr, "docker-credential-ecrauth: {}", failure.cause);
            1
        }
    }
}

fn run_setup(
    action: &str,
    args: &[String],
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    context: &Context,
) -> i32 {
    let result = setup::SetupArguments::parse(args).and_then(|parsed| {
        let path = config::config_path(context.env).ok_or_else(|| {
            "no home folder to keep the configuration in (set ECRAUTH_HELPER_CONFIG)".to_owned()
        })?;
        if action == "register" {
            setup::register(&path, &parsed)
        } else {
            setup::unregister(&path, &parsed)
        }
    });
    match result {
        Ok(changes) => {
            for line in changes {
                let _ = writeln!(stdout, "{line}");
            }
            0
        }
        Err(message) => {
            let _ = writeln!(stderr, "docker-credential-ecrauth {action}: {message}");
            1
        }
    }
}

/// What the protocol says (stdout) and what the user needs to know (stderr).
struct Failure {
    protocol: String,
    cause: String,
}

impl Failure {
    fn usage(message: String) -> Failure {
        Failure {
            protocol: message.clone(),
            cause: message,
        }
    }

    fn not_found(cause: String) -> Failure {
        Failure {
            protocol: NOT_FOUND.to_owned(),
            cause,
        }
    }

    fn fetch(host: &str, error: &Error) -> Failure {
        let message = format!("could not get an ECR token for {host}: {}", error.message());
        Failure {
            protocol: message.clone(),
            cause: message,
        }
    }
}

fn write_all(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|e| Failure::usage(format!("cannot write the answer: {e}")))
}

fn load_config(context: &Context) -> Result<(PathBuf, HelperConfig), Failure> {
    let path = config::config_path(context.env).ok_or_else(|| {
        Failure::usage("no home folder to find the configuration in (set ECRAUTH_HELPER_CONFIG)".to_owned())
    })?;
    let config = HelperConfig::load(&path).map_err(|e| Failure::usage(e.message().to_owned()))?;
    Ok((path, config))
}

fn list(context: &Context) -> Result<String, Failure> {
    let (_, config) = load_config(context)?;
    let map: std::collections::BTreeMap<&str, &str> = config
        .registries
        .keys()
        .map(|host| (host.as_str(), "AWS"))
        .collect();
    serde_json::to_string(&map).map_err(|e| Failure::usage(e.to_string()))
}

fn erase(stdin: &mut dyn Read, context: &Context) {
    let mut input = String::new();
    if stdin.read_to_string(&mut input).is_err() {
        return;
    }
    if let Ok((_, config)) = load_config(context)
        && let Some((host, identity)) = config.find(input.trim())
    {
        let folder = cache::cache_folder(context.env);
        let key = cache_key(&host, identity, context);
        let _lock = cache::lock(folder.as_deref(), &key);
        cache::forget(&key, &host, folder.as_deref());
    }
}

fn get(stdin: &mut dyn Read, context: &Context) -> Result<String, Failure> {
    let mut input = String::new();
    stdin
        .read_to_string(&mut input)
        .map_err(|e| Failure::usage(format!("cannot read the server URL on standard input: {e}")))?;
    let server_url = input.trim();
    if server_url.is_empty() {
        return Err(Failure::usage("no server URL on standard input".to_owned()));
    }
    let (path, config) = load_config(context)?;
    let Some((host, identity)) = config.find(server_url) else {
        return Err(Failure::not_found(format!(
            "{server_url} is not in {} (Register-EcrCredentialHelper adds it)",
            path.display()
        )));
    };
    let folder = cache::cache_folder(context.env);
    let key = cache_key(&host, identity, context);
    // One fetch for racing gets: the lock is held from the cache check to the store.
    let _lock = cache::lock(folder.as_deref(), &key);
    let login = match cache::read(&key, &host, folder.as_deref()) {
        Some(login) => login,
        None => {
            let login = fetch(&host, identity, context)?;
            cache::write(&key, &host, folder.as_deref(), &login);
            login
        }
    };
    let answer = Credentials {
        server_url,
        username: &login.username,
        secret: &login.password,
    };
    serde_json::to_string(&answer).map_err(|e| Failure::usage(e.to_string()))
}

/// The shared AWS files the SDK reads: AWS_CONFIG_FILE (else ~/.aws/config) and
/// AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials).
fn aws_files(context: &Context) -> (PathBuf, PathBuf) {
    let home = (context.env)(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).unwrap_or_default();
    let pick = |name: &str, default: &str| {
        (context.env)(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(&home).join(".aws").join(default))
    };
    (
        pick("AWS_CONFIG_FILE", "config"),
        pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    )
}

/// Whether a profile is defined: `[profile NAME]` (or `[default]`) in config, `[NAME]` in credentials.
fn profile_exists(profile: &str, config_file: &std::path::Path, credentials_file: &std::path::Path) -> bool {
    let sections = |path: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .map(|text| {
                text.lines()
                    .filter_map(|line| {
                        line.trim()
                            .strip_prefix('[')?
                            .strip_suffix(']')
                            .map(|name| name.split_whitespace().collect::<Vec<_>>().join(" "))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let in_config = sections(config_file)
        .iter()
        .any(|name| *name == format!("profile {profile}") || (profile == "default" && name == "default"));
    in_config || sections(credentials_file).iter().any(|name| name == profile)
}

/// Everything that decides which token answers: the host, the identity and the settings the
/// SDK reads for it (the AWS files' contents included, so rotated keys miss the cache).
fn cache_key(host: &str, identity: &RegistryIdentity, context: &Context) -> String {
    let env = |name: &str| (context.env)(name).unwrap_or_default();
    let (config_file, credentials_file) = aws_files(context);
    // The configuration and cache folders too: each is a namespace of its own.
    let mut parts = vec![
        "ecrauth-helper-1".to_owned(),
        host.to_owned(),
        format!("{:?}", identity),
        format!("{:?}", config::config_path(context.env)),
        format!("{:?}", cache::cache_folder(context.env)),
        cache::file_digest(&config_file),
        cache::file_digest(&credentials_file),
    ];
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ECR",
    ] {
        parts.push(format!("{name}={}", env(name)));
    }
    let borrowed: Vec<&str> = parts.iter().map(String::as_str).collect();
    let key = cache::cache_key(&borrowed);
    for part in parts.iter_mut() {
        zeroize::Zeroize::zeroize(part); // AWS_SECRET_ACCESS_KEY and the session token were in it
    }
    key
}

fn fetch(host: &str, identity: &RegistryIdentity, context: &Context) -> Result<cache::CachedLogin, Failure> {
    let source = match &identity.profile {
        Some(profile) => {
            // The SDK would fall back to the default chain's "no credentials": name what is missing.
            let (config_file, credentials_file) = aws_files(context);
            if !profile_exists(profile, &config_file, &credentials_file) {
                return Err(Failure::usage(format!(
                    "the AWS profile '{profile}' was not found in {} or {} (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)",
                    config_file.display(),
                    credentials_file.display()
                )));
            }
            CredentialSource::Profile(profile.clone())
        }
        None => CredentialSource::DefaultChain,
    };
    let mut request = FetchRequest::with_source(source, identity.region.as_deref().unwrap_or(""));
    request.role_arn = identity.role_arn.clone();
    request.endpoint_url = identity.endpoint_url.clone();
    // An ECR host names its account and region; any other host (a local mirror, an alias) is
    // the registry the identity's account has in the configured region.
    let ecr = parse_ecr_host(host).is_ok();
    if ecr {
        request.registries.push(host.to_owned());
    } else if let Some(id) = &identity.registry_id {
        request.registry_ids.push(id.clone());
    }
    let fetched = fetch_logins_blocking(&request).map_err(|e| Failure::fetch(host, &e))?;
    if let Some(failure) = fetched.failures.first() {
        return Err(Failure::fetch(host, &failure.error));
    }
    let login = fetched
        .logins
        .into_iter()
        .find(|login| ecr || login.registry.eq_ignore_ascii_case(host))
        .ok_or_else(|| Failure::usage(format!("ECR gave no login for {host} (its registry is another host: check the configured registryId and region)")))?;
    Ok(cache::CachedLogin {
        username: login.username.clone(),
        password: login.password.clone(),
        expires_at: login.expires_at,
    })
}
