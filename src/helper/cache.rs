//! Tokens shared by every `get` of this user, kept in the operating system's own secret
//! storage and never in a plain file: the kernel's user keyring on Linux (headless machines
//! and CI have it), DPAPI-encrypted files on Windows, the login Keychain on macOS. Where the
//! store refuses (a Linux whose seccomp policy blocks keyctl, a locked Keychain over ssh)
//! nothing is cached: each `get` fetches, which is slower but safe. A lock file (no secret in it) makes racing `get`s fetch once: the first fetches and
//! stores, the others wait for the lock and then find the token.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// A cached login: what `get` answers, and until when.
pub struct CachedLogin {
    pub username: String,
    pub password: Zeroizing<String>,
    pub expires_at: i64,
}

impl CachedLogin {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(
            format!(
                "{}\n{}\n{}",
                self.expires_at,
                self.username,
                self.password.as_str()
            )
            .into_bytes(),
        )
    }

    fn decode(bytes: &[u8]) -> Option<CachedLogin> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '\n');
        let expires_at = parts.next()?.parse().ok()?;
        let username = parts.next()?.to_owned();
        let password = Zeroizing::new(parts.next()?.to_owned());
        Some(CachedLogin {
            username,
            password,
            expires_at,
        })
    }
}

/// What is reused: a login with more than this left (the module's margin too).
pub const REUSE_MARGIN_SECONDS: i64 = 900;

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The cache key: a hash of everything that decides which token is right. The identity's
/// inputs are in it (the profile, the AWS files' contents, the credential variables), so a new
/// key, another profile or role is never served an old token, and nothing identifying is kept
/// in clear.
pub fn cache_key(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash of a file's contents ("-" when it cannot be read), for the cache key.
pub fn file_digest(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes); // credentials files hold secrets
            hex(&Sha256::digest(&*bytes))
        }
        Err(_) => "-".to_owned(),
    }
}

/// Where the cache keeps what is not secret (its lock files).
pub fn cache_folder(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = env("ECRAUTH_HELPER_CACHE_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    if cfg!(windows) {
        Some(PathBuf::from(env("LOCALAPPDATA")?).join("EcrAuth").join("helper"))
    } else if cfg!(target_os = "macos") {
        Some(
            PathBuf::from(env("HOME")?)
                .join("Library")
                .join("Caches")
                .join("EcrAuth")
                .join("helper"),
        )
    } else if let Some(xdg) = env("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(PathBuf::from(xdg).join("ecrauth").join("helper"))
    } else {
        Some(
            PathBuf::from(env("HOME")?)
                .join(".cache")
                .join("ecrauth")
                .join("helper"),
        )
    }
}

/// Holds the per-key lock while alive.
pub struct CacheLock {
    _file: Option<File>,
}

/// Takes the key's lock (waiting for another `get` holding it). Without a folder to put it in,
/// no lock: racing `get`s then each fetch, which is still correct.
pub fn lock(folder: Option<&Path>, key: &str) -> CacheLock {
    let file = folder.and_then(|folder| {
        std::fs::create_dir_all(folder).ok()?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(folder.join(format!("{}.lock", &key[..16])))
            .ok()?;
        file.lock().ok()?;
        Some(file)
    });
    CacheLock { _file: file }
}

/// The secret store of this platform.
pub fn read(key: &str, host: &str, folder: Option<&Path>) -> Option<CachedLogin> {
    let bytes = store::read(key, host, folder)?;
    let login = CachedLogin::decode(&bytes)?;
    (login.expires_at - now() > REUSE_MARGIN_SECONDS).then_some(login)
}

/// Stores a login until it expires; false when this platform keeps none (see the module doc).
pub fn write(key: &str, host: &str, folder: Option<&Path>, login: &CachedLogin) -> bool {
    let ttl = login.expires_at - now();
    ttl > 0 && store::write(key, host, folder, &login.encode(), ttl as u64)
}

/// Forgets the key's cached token (`erase`, that is `docker logout`).
pub fn forget(key: &str, host: &str, folder: Option<&Path>) {
    store::forget(key, host, folder);
}

#[cfg(target_os = "linux")]
mod store {
    //! The kernel's user keyring (keyrings(7)): per user, in kernel memory, gone at reboot,
    //! each key with a timeout, readable by this user's processes only.
    use linux_keyutils::{KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    use std::path::Path;
    use zeroize::Zeroizing;

    fn description(key: &str) -> String {
        format!("ecrauth:{key}")
    }

    pub fn read(key: &str, _host: &str, _folder: Option<&Path>) -> Option<Zeroizing<Vec<u8>>> {
        let ring = KeyRing::from_special_id(KeyRingIdentifier::User, false).ok()?;
        let found = ring.search(&description(key)).ok()?;
        let mut buffer = Zeroizing::new(vec![0u8; 16 * 1024]);
        let length = found.read(&mut *buffer).ok()?;
        if length > buffer.len() {
            return None;
        }
        buffer.truncate(length);
        Some(buffer)
    }

    pub fn write(key: &str, _host: &str, _folder: Option<&Path>, value: &[u8], ttl: u64) -> bool {
        let Ok(ring) = KeyRing::from_special_id(KeyRingIdentifier::User, true) else {
            return false;
        };
        let Some(added) = add_making_room(&ring, &description(key), value) else {
            return false;
        };
        // This user's processes (not only the session that made it) may read it; nobody else.
        let perms = KeyPermissionsBuilder::builder()
            .posessor(Permission::ALL)
            .user(Permission::ALL)
            .build();
        added.set_perms(perms).is_ok() && added.set_timeout(ttl as usize).is_ok()
    }

    /// Adds the key. A user other than root may keep 20,000 bytes of keys (keyrings(7),
    /// /proc/sys/kernel/keys/maxbytes), a handful of ECR tokens: past that, this user's other
    /// EcrAuth tokens go, one at a time, until the new one fits (they are fetched again when asked
    /// for). Other programs' keys are never touched.
    fn add_making_room(ring: &KeyRing, description: &str, value: &[u8]) -> Option<linux_keyutils::Key> {
        let mut evictable: Option<Vec<linux_keyutils::Key>> = None;
        // The kernel frees an invalidated key's quota in its garbage collector, soon but not at
        // once: after each eviction, retry a little before evicting another.
        let mut retries = 0;
        loop {
            match ring.add_key(description, value) {
                Ok(added) => return Some(added),
                Err(KeyError::QuotaExceeded) => {}
                Err(_) => return None,
            }
            if retries > 0 {
                retries -= 1;
                std::thread::sleep(std::time::Duration::from_millis(2));
                continue;
            }
            let others = evictable.get_or_insert_with(|| own_keys(ring, description));
            let victim = others.pop()?;
            let _ = victim.invalidate();
            retries = 50;
        }
    }

    /// This user's EcrAuth tokens in the keyring, but `except`.
    fn own_keys(ring: &KeyRing, except: &str) -> Vec<linux_keyutils::Key> {
        let Ok(links) = ring.get_links(1024) else {
            return Vec::new();
        };
        links
            .iter()
            .filter_map(|node| node.as_key())
            .filter(|key| {
                key.metadata().is_ok_and(|m| {
                    let name = m.get_description();
                    name.starts_with("ecrauth:") && name != except
                })
            })
            .collect()
    }

    pub fn forget(key: &str, _host: &str, _folder: Option<&Path>) {
        if let Ok(ring) = KeyRing::from_special_id(KeyRingIdentifier::User, false)
            && let Ok(found) = ring.search(&description(key))
        {
            let _ = found.invalidate();
        }
    }
}

#[cfg(windows)]
mod store {
    //! DPAPI (CryptProtectData, user scope): the file in the user's local app data holds only
    //! what this Windows user's logon can decrypt.
    #![allow(unsafe_code)]
    use std::path::{Path, PathBuf};
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Cryptography::{
        CRYPT_INTEGER_BLOB, CRYPTPROTECT_UI_FORBIDDEN, CryptProtectData, CryptUnprotectData,
    };
    use zeroize::Zeroizing;

    fn file(key: &str, folder: Option<&Path>) -> Option<PathBuf> {
        Some(folder?.join(format!("{}.dpapi", &key[..32])))
    }

    fn transform(input: &[u8], protect: bool) -> Option<Zeroizing<Vec<u8>>> {
        let mut blob_in = CRYPT_INTEGER_BLOB {
            cbData: input.len() as u32,
            pbData: input.as_ptr() as *mut u8,
        };
        let mut blob_out = CRYPT_INTEGER_BLOB {
            cbData: 0,
            pbData: std::ptr::null_mut(),
        };
        // SAFETY: both blobs point at valid memory for the call; the output is copied, then
        // wiped and freed with LocalFree as DPAPI requires.
        unsafe {
            let ok = if protect {
                CryptProtectData(
                    &mut blob_in,
                    std::ptr::null(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    CRYPTPROTECT_UI_FORBIDDEN,
                    &mut blob_out,
                )
            } else {
                CryptUnprotectData(
                    &mut blob_in,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    CRYPTPROTECT_UI_FORBIDDEN,
                    &mut blob_out,
                )
            };
            if ok == 0 || blob_out.pbData.is_null() {
                return None;
            }
            let out = std::slice::from_raw_parts_mut(blob_out.pbData, blob_out.cbData as usize);
            let copy = Zeroizing::new(out.to_vec());
            out.fill(0);
            LocalFree(blob_out.pbData as _);
            Some(copy)
        }
    }

    pub fn read(key: &str, _host: &str, folder: Option<&Path>) -> Option<Zeroizing<Vec<u8>>> {
        let encrypted = std::fs::read(file(key, folder)?).ok()?;
        transform(&encrypted, false)
    }

    pub fn write(key: &str, _host: &str, folder: Option<&Path>, value: &[u8], _ttl: u64) -> bool {
        let (Some(path), Some(encrypted)) = (file(key, folder), transform(value, true)) else {
            return false;
        };
        if let Some(folder) = folder {
            remove_expired(folder);
        }
        let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
        std::fs::write(&temporary, &*encrypted).is_ok() && std::fs::rename(&temporary, &path).is_ok()
    }

    /// A file written over 13 hours ago holds an expired token (ECR's last 12): gone, so that
    /// rotated keys and old identities do not pile files up.
    fn remove_expired(folder: &Path) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        let limit = std::time::Duration::from_secs(13 * 3600);
        for entry in entries.flatten() {
            let path = entry.path();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|written| written.elapsed().is_ok_and(|age| age > limit));
            if old && path.extension().is_some_and(|e| e == "dpapi") {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    pub fn forget(key: &str, _host: &str, folder: Option<&Path>) {
        if let Some(path) = file(key, folder) {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(target_os = "macos")]
mod store {
    //! The user's default (login) Keychain: one generic password per registry host, service
    //! "EcrAuth docker-credential-ecrauth", encrypted by macOS and readable by this helper. The
    //! item holds the cache key before the login, so a new key or identity for the host misses
    //! (and then replaces it): one item per host, never a pile of stale ones.
    use security_framework::passwords::{
        delete_generic_password, get_generic_password, set_generic_password,
    };
    use std::path::Path;
    use zeroize::Zeroizing;

    const SERVICE: &str = "EcrAuth docker-credential-ecrauth";

    pub fn read(key: &str, host: &str, _folder: Option<&Path>) -> Option<Zeroizing<Vec<u8>>> {
        let item = Zeroizing::new(get_generic_password(SERVICE, host).ok()?);
        let login = item.strip_prefix(key.as_bytes())?.strip_prefix(b"\n")?;
        Some(Zeroizing::new(login.to_vec()))
    }

    pub fn write(key: &str, host: &str, _folder: Option<&Path>, value: &[u8], _ttl: u64) -> bool {
        let mut item = Zeroizing::new(Vec::with_capacity(key.len() + 1 + value.len()));
        item.extend_from_slice(key.as_bytes());
        item.push(b'\n');
        item.extend_from_slice(value);
        set_generic_password(SERVICE, host, &item).is_ok()
    }

    pub fn forget(_key: &str, host: &str, _folder: Option<&Path>) {
        let _ = delete_generic_password(SERVICE, host);
    }
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
mod store {
    //! No secret store wired on this system: nothing is cached, each `get` fetches.
    use std::path::Path;
    use zeroize::Zeroizing;

    pub fn read(_key: &str, _host: &str, _folder: Option<&Path>) -> Option<Zeroizing<Vec<u8>>> {
        None
    }

    pub fn write(_key: &str, _host: &str, _folder: Option<&Path>, _value: &[u8], _ttl: u64) -> bool {
        false
    }

    pub fn forget(_key: &str, _host: &str, _folder: Option<&Path>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_round_trips_and_a_short_one_is_not_reused() {
        let login = CachedLogin {
            username: "AWS".into(),
            password: Zeroizing::new("p\nw".into()),
            expires_at: 42,
        };
        let back = CachedLogin::decode(&login.encode()).unwrap();
        assert_eq!(
            (back.username.as_str(), back.password.as_str(), back.expires_at),
            ("AWS", "p\nw", 42)
        );
        assert!(CachedLogin::decode(b"x\nAWS\npw").is_none());
    }

    #[test]
    fn the_key_changes_with_every_part() {
        let base = cache_key(&["h", "profile:dev", "abc"]);
        assert_eq!(base.len(), 64);
        assert_ne!(base, cache_key(&["h", "profile:dev", "abd"]));
        assert_ne!(cache_key(&["ab", "c"]), cache_key(&["a", "bc"]));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_user_keyring_stores_reads_and_forgets_when_the_kernel_allows_it() {
        let key = cache_key(&["test", &std::process::id().to_string()]);
        let login = CachedLogin {
            username: "AWS".into(),
            password: Zeroizing::new("secret".into()),
            expires_at: now() + 3600,
        };
        if !write(&key, "h", None, &login) {
            eprintln!("SKIPPED: this kernel or seccomp policy refuses keyctl");
            return;
        }
        assert_eq!(read(&key, "h", None).unwrap().password.as_str(), "secret");
        forget(&key, "h", None);
        assert!(read(&key, "h", None).is_none());
    }
}
