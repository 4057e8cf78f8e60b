//! Reuse of still-valid tokens inside one process, only for requests that ask for it: a
//! repeat fetch for the same identity, endpoint and registry costs no network request.
//!
//! Keys hold no secret material: a stable identity (access key id, profile, role), the
//! endpoint in use and the target. So with static keys a token is reused for the same access
//! key id whatever secret comes with it: reuse is within one process, whose caller already
//! held that token. Entries too close to expiry are dropped (and their passwords wiped)
//! whenever the cache is used, the cache holds at most [`MAX_ENTRIES`], and
//! `ecr_auth_forget_tokens` empties it.

use crate::model::{Login, Target};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// A token is reused only while it has at least this long left.
pub(crate) const REUSE_MARGIN_SECS: i64 = 15 * 60;
/// Enough for every registry a person or build server logs in to.
pub(crate) const MAX_ENTRIES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    /// ["key", AKID], ["profile", NAME, files...], ["chain", hints...] (never a secret).
    pub identity: Vec<String>,
    /// The endpoint override in force (option, environment or profile), if any.
    pub endpoint: Option<String>,
    pub target: Target,
}

static TOKENS: Mutex<Option<HashMap<CacheKey, Vec<Login>>>> = Mutex::new(None);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn fresh(logins: &[Login], now: i64) -> bool {
    // Saturating: a hostile expiresAt (i64::MIN) must not overflow.
    logins
        .iter()
        .all(|l| l.expires_at.saturating_sub(now) > REUSE_MARGIN_SECS)
}

fn tokens() -> MutexGuard<'static, Option<HashMap<CacheKey, Vec<Login>>>> {
    TOKENS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn get(key: &CacheKey) -> Option<Vec<Login>> {
    let now = now();
    let mut guard = tokens();
    let map = guard.get_or_insert_with(HashMap::new);
    map.retain(|_, logins| fresh(logins, now));
    map.get(key).cloned()
}

pub(crate) fn put(key: CacheKey, logins: &[Login]) {
    let now = now();
    if logins.is_empty() || !fresh(logins, now) {
        return;
    }
    let mut guard = tokens();
    let map = guard.get_or_insert_with(HashMap::new);
    map.retain(|_, logins| fresh(logins, now));
    if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
        // Evict the entry that expires first; dropping it wipes its passwords.
        let soonest = map
            .iter()
            .min_by_key(|(_, logins)| logins.iter().map(|l| l.expires_at).min())
            .map(|(k, _)| k.clone());
        if let Some(soonest) = soonest {
            map.remove(&soonest);
        }
    }
    map.insert(key, logins.to_vec());
}

/// Number of entries held (tests and diagnostics).
#[doc(hidden)]
pub fn cached_entries() -> usize {
    tokens().as_ref().map_or(0, HashMap::len)
}

/// Drops every entry, wiping the passwords.
pub fn clear() {
    if let Some(map) = tokens().as_mut() {
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn key(n: usize) -> CacheKey {
        CacheKey {
            identity: vec!["key".into(), format!("AKID{n}")],
            endpoint: None,
            target: Target {
                region: "us-east-1".into(),
                registry_id: None,
                host: None,
                fips: false,
                dual_stack: false,
                public: false,
            },
        }
    }

    fn login(expires_at: i64) -> Login {
        Login {
            registry: "r".into(),
            proxy_endpoint: "https://r".into(),
            username: "AWS".into(),
            password: Zeroizing::new("pw".into()),
            expires_at,
        }
    }

    // One test: the cache is process-wide and tests run in parallel.
    #[test]
    fn bounded_pruned_and_safe_with_hostile_expiry() {
        clear();
        let later = now() + 3600;
        put(key(1), &[login(later)]);
        assert_eq!(get(&key(1)).unwrap()[0].password.as_str(), "pw");
        assert!(get(&key(2)).is_none());
        // Too close to expiry (or hostile values): never stored, never reused, no overflow.
        for expires_at in [now() + 60, i64::MIN, i64::MIN + 1, 0] {
            put(key(3), &[login(expires_at)]);
            assert!(get(&key(3)).is_none());
        }
        put(key(4), &[login(i64::MAX)]);
        assert!(get(&key(4)).is_some());
        // Bounded: the soonest-expiring entry goes first.
        clear();
        for n in 0..MAX_ENTRIES + 10 {
            put(key(n), &[login(later + n as i64)]);
        }
        assert_eq!(cached_entries(), MAX_ENTRIES);
        assert!(get(&key(0)).is_none());
        assert!(get(&key(MAX_ENTRIES + 9)).is_some());
        clear();
        assert_eq!(cached_entries(), 0);
    }
}
