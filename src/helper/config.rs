//! The credential helper's configuration: which identity serves which registry. Written by
//! the module (`Register-EcrCredentialHelper`), read by every `get`. Nothing secret in it:
//! a profile name, a role ARN, a region, a registry id, an endpoint URL per host.

use crate::error::{Error, ErrorKind, Result};
use crate::registry::registry_host;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's format version; a newer file is refused rather than misread.
pub const CONFIG_VERSION: u32 = 1;

/// One registry's identity. No field: the SDK's default credential chain, region from the host.
/// Field order is the order they are written in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryIdentity {
    /// A profile of the shared AWS files; none: the default chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A role the profile's (or default chain's) credentials assume before asking ECR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The region; none: from an ECR host, else the profile's or environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The account whose registry this is, for hosts that do not name it (a VPC alias, a mirror).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_id: Option<String>,
    /// The ECR API endpoint; none: AWS_ENDPOINT_URL_ECR, else the regional one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelperConfig {
    pub version: u32,
    /// Registry host (lower case, `host[:port]`) to identity.
    #[serde(default)]
    pub registries: BTreeMap<String, RegistryIdentity>,
}

impl HelperConfig {
    /// Reads the file; a missing file is an empty configuration (the helper then owns nothing).
    pub fn load(path: &Path) -> Result<HelperConfig> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(HelperConfig {
                    version: CONFIG_VERSION,
                    registries: BTreeMap::new(),
                });
            }
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        let config: HelperConfig = serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} is not a valid EcrAuth helper configuration: {e}",
                    path.display()
                ),
            )
        })?;
        if config.version != CONFIG_VERSION {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{} has version {}; this helper reads version {CONFIG_VERSION} (update EcrAuth)",
                    path.display(),
                    config.version
                ),
            ));
        }
        Ok(config)
    }

    /// The identity for a server URL as docker passes it (`https://host`, `host`, `host/v2/`).
    pub fn find(&self, server_url: &str) -> Option<(String, &RegistryIdentity)> {
        let host = normalize_host(server_url).ok()?;
        self.registries.get(&host).map(|identity| (host, identity))
    }
}

/// A server URL's registry host in the form the configuration keys it: lower case, no scheme or path.
pub fn normalize_host(server_url: &str) -> Result<String> {
    Ok(registry_host(server_url)?.to_ascii_lowercase())
}

/// The configuration file: ECRAUTH_HELPER_CONFIG, else `<config folder>/EcrAuth/credential-helper.json`
/// (%APPDATA% on Windows, ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere).
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = env("ECRAUTH_HELPER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = if cfg!(windows) {
        PathBuf::from(env("APPDATA")?).join("EcrAuth")
    } else if cfg!(target_os = "macos") {
        PathBuf::from(env("HOME")?)
            .join("Library")
            .join("Application Support")
            .join("EcrAuth")
    } else if let Some(xdg) = env("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        PathBuf::from(xdg).join("ecrauth")
    } else {
        PathBuf::from(env("HOME")?).join(".config").join("ecrauth")
    };
    Some(base.join("credential-helper.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<HelperConfig> {
        let dir = std::env::temp_dir().join(format!(
            "ecrauth-helper-config-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.json");
        std::fs::write(&path, text).unwrap();
        let result = HelperConfig::load(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    #[test]
    fn a_host_is_found_from_any_form_docker_passes() {
        let c = config(r#"{"version":1,"registries":{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":{"profile":"prod"}}}"#).unwrap();
        for url in [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "https://123456789012.DKR.ecr.eu-west-1.amazonaws.com/v2/",
        ] {
            let (host, identity) = c.find(url).expect(url);
            assert_eq!(host, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
            assert_eq!(identity.profile.as_deref(), Some("prod"));
        }
        assert!(c.find("ghcr.io").is_none());
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        assert!(
            config("{")
                .unwrap_err()
                .message()
                .contains("not a valid EcrAuth helper configuration")
        );
        assert!(
            config(r#"{"version":2}"#)
                .unwrap_err()
                .message()
                .contains("version 2")
        );
        assert!(
            config(r#"{"version":1,"registries":{"h":{"secret":"x"}}}"#)
                .unwrap_err()
                .message()
                .contains("unknown field")
        );
    }

    #[test]
    fn a_missing_file_is_an_empty_configuration() {
        let c = HelperConfig::load(Path::new("/nonexistent/ecrauth/credential-helper.json")).unwrap();
        assert!(c.registries.is_empty());
    }

    #[test]
    fn the_path_honours_the_override_then_the_platform_folder() {
        let env = |name: &str| match name {
            "ECRAUTH_HELPER_CONFIG" => Some("/x/c.json".to_owned()),
            _ => None,
        };
        assert_eq!(config_path(&env), Some(PathBuf::from("/x/c.json")));
        if cfg!(all(unix, not(target_os = "macos"))) {
            let env = |name: &str| match name {
                "HOME" => Some("/home/u".to_owned()),
                _ => None,
            };
            assert_eq!(
                config_path(&env),
                Some(PathBuf::from("/home/u/.config/ecrauth/credential-helper.json"))
            );
        }
    }
}
