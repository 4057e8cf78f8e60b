//! Setting the helper up: the module's Register-EcrCredentialHelper and
//! Unregister-EcrCredentialHelper run `docker-credential-ecrauth register|unregister`, which
//! edit the helper's configuration and the clients' auth files (docker's config.json, podman's
//! auth.json) with the same care as docker: every other key kept (in its order), the file
//! replaced atomically (a temporary file in the same folder, then a rename), its permissions
//! kept (a new file is owner-only). No secret is written; a stale static login of a host the
//! helper takes over (`auths.<host>`) is removed from the client's file.

use super::config::{CONFIG_VERSION, HelperConfig, RegistryIdentity, normalize_host};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The name docker derives `docker-credential-<name>` from.
pub const HELPER_NAME: &str = "ecrauth";

/// What `register` and `unregister` take from their command line.
#[derive(Debug, Default)]
pub struct SetupArguments {
    pub registries: Vec<String>,
    pub client_files: Vec<PathBuf>,
    pub identity: RegistryIdentity,
    pub dry_run: bool,
}

impl SetupArguments {
    pub fn parse(args: &[String]) -> Result<SetupArguments, String> {
        let mut parsed = SetupArguments::default();
        let mut iter = args.iter();
        while let Some(flag) = iter.next() {
            if flag == "--dry-run" {
                parsed.dry_run = true;
                continue;
            }
            let value = iter
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?
                .clone();
            match flag.as_str() {
                "--registry" => parsed
                    .registries
                    .push(normalize_host(&value).map_err(|e| e.message().to_owned())?),
                "--client-config" => parsed.client_files.push(PathBuf::from(value)),
                "--profile" => parsed.identity.profile = Some(value),
                "--role-arn" => {
                    crate::validate::validate_role_arn(&value).map_err(|e| e.message().to_owned())?;
                    parsed.identity.role_arn = Some(value)
                }
                "--region" => {
                    crate::validate::validate_region(&value).map_err(|e| e.message().to_owned())?;
                    parsed.identity.region = Some(value)
                }
                "--registry-id" => parsed.identity.registry_id = Some(value),
                "--endpoint-url" => parsed.identity.endpoint_url = Some(value),
                other => return Err(format!("unknown option {other}")),
            }
        }
        if parsed.registries.is_empty() {
            return Err("give at least one --registry".to_owned());
        }
        Ok(parsed)
    }
}

/// Adds the registries to the helper's configuration and to each client file's `credHelpers`.
/// Returns one line per change (what `-WhatIf` shows; with `dry_run` nothing is written).
pub fn register(config_path: &Path, args: &SetupArguments) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    let mut config = HelperConfig::load(config_path).map_err(|e| e.message().to_owned())?;
    config.version = CONFIG_VERSION;
    for host in &args.registries {
        if config.registries.get(host) != Some(&args.identity) {
            config.registries.insert(host.clone(), args.identity.clone());
            changes.push(format!(
                "{}: {host} served by {}",
                config_path.display(),
                describe(&args.identity)
            ));
        }
    }
    if !changes.is_empty() && !args.dry_run {
        let text = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
        write_atomically(config_path, text.as_bytes())?;
    }
    for file in &args.client_files {
        let lines = edit_client_file(file, args.dry_run, |root| {
            let mut lines = Vec::new();
            let helpers = object_member(root, "credHelpers");
            for host in &args.registries {
                if helpers.get(host).and_then(Value::as_str) != Some(HELPER_NAME) {
                    helpers.insert(host.clone(), Value::String(HELPER_NAME.to_owned()));
                    lines.push(format!(
                        "{}: credHelpers.{host} = \"{HELPER_NAME}\"",
                        file.display()
                    ));
                }
            }
            if let Some(Value::Object(auths)) = root.get_mut("auths") {
                for host in &args.registries {
                    for key in [host.clone(), format!("https://{host}")] {
                        if auths.shift_remove(&key).is_some() {
                            lines.push(format!(
                                "{}: auths.{key} removed (a static login the helper replaces)",
                                file.display()
                            ));
                        }
                    }
                }
            }
            lines
        })?;
        changes.extend(lines);
    }
    Ok(changes)
}

/// Removes the registries from each client file's `credHelpers` (where they name this helper) and
/// from the helper's configuration.
pub fn unregister(config_path: &Path, args: &SetupArguments) -> Result<Vec<String>, String> {
    let mut changes = Vec::new();
    for file in &args.client_files {
        let lines = edit_client_file(file, args.dry_run, |root| {
            let mut lines = Vec::new();
            if let Some(Value::Object(helpers)) = root.get_mut("credHelpers") {
                for host in &args.registries {
                    if helpers.get(host).and_then(Value::as_str) == Some(HELPER_NAME) {
                        helpers.shift_remove(host);
                        lines.push(format!("{}: credHelpers.{host} removed", file.display()));
                    }
                }
            }
            lines
        })?;
        changes.extend(lines);
    }
    let mut config = HelperConfig::load(config_path).map_err(|e| e.message().to_owned())?;
    let before = config.registries.len();
    for host in &args.registries {
        if config.registries.remove(host).is_some() {
            changes.push(format!("{}: {host} removed", config_path.display()));
        }
    }
    if config.registries.len() != before && !args.dry_run {
        let text = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
        write_atomically(config_path, text.as_bytes())?;
    }
    Ok(changes)
}

fn describe(identity: &RegistryIdentity) -> String {
    let mut text = match &identity.profile {
        Some(profile) => format!("profile {profile}"),
        None => "the default credential chain".to_owned(),
    };
    if let Some(role) = &identity.role_arn {
        text.push_str(&format!(" assuming {role}"));
    }
    if let Some(region) = &identity.region {
        text.push_str(&format!(", region {region}"));
    }
    if let Some(id) = &identity.registry_id {
        text.push_str(&format!(", registry id {id}"));
    }
    if let Some(url) = &identity.endpoint_url {
        text.push_str(&format!(", endpoint {url}"));
    }
    text
}

fn object_member<'a>(root: &'a mut Map<String, Value>, name: &str) -> &'a mut Map<String, Value> {
    let entry = root
        .entry(name.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("just made an object")
}

/// Reads a client's JSON file (missing: `{}`), applies `edit`, writes it back if it changed.
fn edit_client_file(
    path: &Path,
    dry_run: bool,
    edit: impl FnOnce(&mut Map<String, Value>) -> Vec<String>,
) -> Result<Vec<String>, String> {
    let mut root = match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Map::new(),
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(format!("{} is not a JSON object: left as it is", path.display())),
            Err(e) => {
                return Err(format!(
                    "{} is not valid JSON ({e}): left as it is",
                    path.display()
                ));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let lines = edit(&mut root);
    if !lines.is_empty() && !dry_run {
        let mut text = serde_json::to_string_pretty(&Value::Object(root)).map_err(|e| e.to_string())?;
        text.push('\n');
        write_atomically(path, text.as_bytes())?;
    }
    Ok(lines)
}

/// Replaces `path` with `bytes`: a temporary file beside it with the old file's permissions
/// (owner-only for a new one), flushed, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        match std::fs::metadata(path) {
            Ok(old) => file.set_permissions(old.permissions())?,
            Err(_) => owner_only(&file)?,
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}

#[cfg(unix)]
fn owner_only(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn owner_only(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(()) // the user's profile folder is already the user's own
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ecrauth-setup-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn arguments(dir: &Path, extra: &[&str]) -> SetupArguments {
        let mut args: Vec<String> = vec![
            "--registry".into(),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com".into(),
        ];
        args.extend([
            "--client-config".to_owned(),
            dir.join("config.json").display().to_string(),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        SetupArguments::parse(&args).unwrap()
    }

    #[test]
    fn register_keeps_every_other_key_in_order_and_drops_the_stale_login() {
        let dir = folder("keep");
        let original = r#"{"auths":{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":{"auth":"QVdTOnN0YWxl"},"ghcr.io":{"auth":"eA=="}},"currentContext":"desktop-linux","credsStore":"desktop"}"#;
        std::fs::write(dir.join("config.json"), original).unwrap();
        let args = arguments(&dir, &["--profile", "prod"]);
        let changes = register(&dir.join("helper.json"), &args).unwrap();
        assert_eq!(changes.len(), 3, "{changes:?}");
        let text = std::fs::read_to_string(dir.join("config.json")).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["credHelpers"]["123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
            "ecrauth"
        );
        assert_eq!(value["auths"]["ghcr.io"]["auth"], "eA==");
        assert!(
            value["auths"]
                .get("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
                .is_none()
        );
        assert_eq!(value["credsStore"], "desktop");
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["auths", "currentContext", "credsStore", "credHelpers"]);
        let config = HelperConfig::load(&dir.join("helper.json")).unwrap();
        assert_eq!(
            config.registries.values().next().unwrap().profile.as_deref(),
            Some("prod")
        );
        // Again: nothing to change.
        assert!(register(&dir.join("helper.json"), &args).unwrap().is_empty());
        let changes = unregister(&dir.join("helper.json"), &args).unwrap();
        assert_eq!(changes.len(), 2, "{changes:?}");
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
        assert!(value["credHelpers"].as_object().unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_client_file_is_left_alone_and_a_dry_run_writes_nothing() {
        let dir = folder("broken");
        std::fs::write(dir.join("config.json"), "{ not json").unwrap();
        let error = register(&dir.join("helper.json"), &arguments(&dir, &[])).unwrap_err();
        assert!(error.contains("is not valid JSON"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.join("config.json")).unwrap(),
            "{ not json"
        );
        std::fs::remove_file(dir.join("config.json")).unwrap();
        let changes = register(&dir.join("helper2.json"), &arguments(&dir, &["--dry-run"])).unwrap();
        assert_eq!(changes.len(), 2);
        assert!(!dir.join("config.json").exists() && !dir.join("helper2.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_a_new_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = folder("modes");
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::set_permissions(dir.join("config.json"), std::fs::Permissions::from_mode(0o640)).unwrap();
        register(&dir.join("helper.json"), &arguments(&dir, &[])).unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("config.json"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o640
        );
        assert_eq!(
            std::fs::metadata(dir.join("helper.json"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
