//! The environment a request resolves AWS settings from. It may hold secrets (the module
//! hands over every `AWS_*` variable, `AWS_SECRET_ACCESS_KEY` included), so every value is
//! wiped when dropped, and secrets never reach the SDK's own (unwiped) copy of the
//! environment: environment keys become explicit credentials instead.

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::Env;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use zeroize::Zeroizing;

/// Variables whose values are secrets.
const SECRET_VARIABLES: &[&str] = &["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"];
/// Where the SDK finds the home folder (and so the shared AWS files).
const HOME_VARIABLES: &[&str] = &["HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH"];

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<String, Zeroizing<String>>,
}

impl Environment {
    /// This process's environment (variables that are not UTF-8 are skipped).
    pub fn from_process() -> Self {
        let mut env = Environment::default();
        for (name, value) in std::env::vars_os() {
            if let (Ok(name), Ok(value)) = (name.into_string(), value.into_string()) {
                env.vars.insert(name, Zeroizing::new(value));
            }
        }
        env
    }

    pub fn set(&mut self, name: &str, value: &str) {
        // Replacing drops (and wipes) the old value.
        self.vars
            .insert(name.to_owned(), Zeroizing::new(value.to_owned()));
    }

    pub fn remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    /// A variable's value; empty counts as unset, as in the AWS SDKs.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.as_str()).filter(|v| !v.is_empty())
    }

    pub fn len(&self) -> usize {
        self.vars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), as the default
    /// chain's first provider reads them.
    pub(crate) fn credentials(&self) -> Option<Credentials> {
        let key = self.get("AWS_ACCESS_KEY_ID")?;
        let secret = self.get("AWS_SECRET_ACCESS_KEY")?;
        let token = self
            .get("AWS_SESSION_TOKEN")
            .or_else(|| self.get("AWS_SECURITY_TOKEN"));
        Some(Credentials::new(
            key,
            secret.to_owned(),
            token.map(str::to_owned),
            None,
            "Environment",
        ))
    }

    /// The SDK's view: only what it reads (`AWS_*` and the home folder), without the secrets
    /// and those named in `without`. Its copy is not wiped, so it gets no more than that.
    pub(crate) fn sdk_env(&self, without: &[&str], extra: &[(&str, &str)]) -> Env {
        let mut vars: HashMap<String, String> = self
            .vars
            .iter()
            .filter(|(name, _)| {
                (name.starts_with("AWS_") || HOME_VARIABLES.contains(&name.as_str()))
                    && !SECRET_VARIABLES.contains(&name.as_str())
                    && !without.contains(&name.as_str())
            })
            .map(|(name, value)| (name.clone(), value.as_str().to_owned()))
            .collect();
        for (name, value) in extra {
            vars.insert((*name).to_owned(), (*value).to_owned());
        }
        Env::from(vars)
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Environment({} variables)", self.vars.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_reach_the_sdk_environment() {
        let mut env = Environment::default();
        env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
        env.set("AWS_SECRET_ACCESS_KEY", "secret-from-env");
        env.set("AWS_SESSION_TOKEN", "token-from-env");
        env.set("AWS_REGION", "eu-west-1");
        env.set("HTTPS_PROXY", "http://user:proxy-secret@proxy:8080");
        env.set("HOME", "/home/someone");
        let sdk = env.sdk_env(&[], &[("EXTRA", "1")]);
        assert!(
            sdk.get("HTTPS_PROXY").is_err(),
            "the SDK does not need the proxy settings"
        );
        assert_eq!(sdk.get("HOME").unwrap(), "/home/someone");
        assert_eq!(sdk.get("AWS_REGION").unwrap(), "eu-west-1");
        assert_eq!(sdk.get("AWS_ACCESS_KEY_ID").unwrap(), "AKIDENV");
        assert_eq!(sdk.get("EXTRA").unwrap(), "1");
        assert!(sdk.get("AWS_SECRET_ACCESS_KEY").is_err());
        assert!(sdk.get("AWS_SESSION_TOKEN").is_err());
        let creds = env.credentials().unwrap();
        assert_eq!(creds.secret_access_key(), "secret-from-env");
        assert_eq!(creds.session_token(), Some("token-from-env"));
        assert!(!format!("{env:?}").contains("secret"));
    }

    #[test]
    fn keys_need_both_halves_and_empty_is_unset() {
        let mut env = Environment::default();
        env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
        assert!(env.credentials().is_none());
        env.set("AWS_SECRET_ACCESS_KEY", "");
        assert!(env.credentials().is_none());
    }
}
