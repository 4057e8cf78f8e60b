//! Reuse of still-valid tokens inside one process: a repeat fetch for the same identity and
//! target costs no network request. Keys are SHA-256 digests; no key or secret is stored.

use crate::fetch::{Login, Target};
use aws_credential_types::Credentials;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// A token is reused only while it has at least this long left.
pub const REUSE_MARGIN_SECS: i64 = 15 * 60;

type Key = [u8; 32];
static TOKENS: OnceLock<Mutex<HashMap<Key, Vec<Login>>>> = OnceLock::new();

/// Digest of who is asking, and where: the resolved credentials and the endpoint override.
pub(crate) fn identity_key(credentials: &Credentials, endpoint: Option<&str>) -> Key {
    let mut hash = Sha256::new();
    for part in [
        credentials.access_key_id(),
        credentials.secret_access_key(),
        credentials.session_token().unwrap_or(""),
        endpoint.unwrap_or(""),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize().into()
}

fn key(identity: &Key, target: &Target) -> Key {
    let mut hash = Sha256::new();
    hash.update(identity);
    hash.update(format!("{target:?}").as_bytes());
    hash.finalize().into()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn tokens() -> std::sync::MutexGuard<'static, HashMap<Key, Vec<Login>>> {
    TOKENS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn get(identity: &Key, target: &Target) -> Option<Vec<Login>> {
    let mut tokens = tokens();
    let key = key(identity, target);
    let fresh = tokens
        .get(&key)
        .is_some_and(|logins| logins.iter().all(|l| l.expires_at - now() > REUSE_MARGIN_SECS));
    if fresh {
        tokens.get(&key).cloned()
    } else {
        tokens.remove(&key);
        None
    }
}

pub(crate) fn put(identity: &Key, target: &Target, logins: &[Login]) {
    if logins.iter().all(|l| l.expires_at - now() > REUSE_MARGIN_SECS) {
        tokens().insert(key(identity, target), logins.to_vec());
    }
}
