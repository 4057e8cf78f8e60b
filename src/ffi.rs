//! The C ABI, and the only module with `unsafe`. It converts C types, checks every
//! pointer and catches every panic; the work itself is done by the safe core.
//!
//! Memory: an `EcrAuthResult` is owned by the caller from the moment `ecr_auth_fetch`
//! hands it out and must be released with `ecr_auth_result_free` exactly once. Strings
//! read from it stay valid until then. Error messages are copied into a buffer the
//! caller owns, so there is nothing to free for them.

use crate::error::{Error, ErrorKind};
use crate::fetch::{Login, fetch_logins_blocking};
use crate::request::{CredentialSource, DEFAULT_TIMEOUT, FetchRequest};
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use zeroize::Zeroizing;

/// Suggested size for the error buffer passed to `ecr_auth_fetch`; longer messages are truncated.
pub const ECR_AUTH_ERROR_BUFFER_SIZE: usize = 1024;

/// The outcome of an `ecr_auth_*` call.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcrAuthStatus {
    /// Success.
    Ok = 0,
    /// An argument is malformed (empty key, bad region, bad endpoint URL, bad registry id),
    /// or ECR rejected a parameter.
    InvalidArgument = 1,
    /// A required pointer argument was NULL.
    NullPointer = 2,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// ECR refused the credentials or denied access (UnrecognizedClientException,
    /// InvalidSignatureException, AccessDeniedException, HTTP 401/403, ...).
    AuthFailed = 4,
    /// The endpoint could not be reached (connection refused, DNS, TLS).
    Network = 5,
    /// The endpoint did not answer within the timeout.
    Timeout = 6,
    /// ECR returned a server-side error (HTTP 5xx after retries, throttling, ...).
    ServiceError = 7,
    /// ECR's answer, or a token in it, is malformed.
    MalformedResponse = 8,
    /// The library could not do its work (e.g. its runtime failed to start).
    Internal = 9,
    /// A Rust panic was caught at the boundary; the process is fine, the call failed.
    Panic = 10,
    /// No AWS credentials could be resolved (unknown profile, expired SSO session, empty
    /// default chain).
    NoCredentials = 11,
}

/// What `ecr_auth_request_set` sets. Values are UTF-8 strings.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcrAuthOption {
    /// Access key id of static credentials.
    AccessKeyId = 1,
    /// Secret access key of static credentials.
    SecretAccessKey = 2,
    /// Session token of temporary static credentials.
    SessionToken = 3,
    /// Region; "" (the default) means the environment or profile, else us-east-1.
    Region = 4,
    /// ECR API endpoint override.
    EndpointUrl = 5,
    /// Adds a 12-digit registry (account) id; may be set several times.
    RegistryId = 6,
    /// Adds a registry host such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com.
    Registry = 7,
    /// Use this named profile's credentials instead of static keys.
    Profile = 8,
    /// "1": use the SDK's default credential chain instead of static keys.
    DefaultCredentials = 9,
    /// "1": ECR Public (public.ecr.aws).
    Public = 10,
    /// Path of a PEM CA bundle (else $AWS_CA_BUNDLE, else the system roots).
    CaBundle = 11,
    /// "1": reuse a still-valid token fetched earlier in this process. Default "0".
    ReuseTokens = 12,
    /// Whole-call timeout in milliseconds, as decimal text; "0" means 30 seconds.
    TimeoutMs = 13,
    /// Adds "NAME=VALUE" to the environment the request resolves AWS settings from; once
    /// set, the process environment is not read. For hosts (.NET on Unix) whose environment
    /// changes are invisible to native code. NULL clears it back to the process environment.
    Environment = 14,
}

impl EcrAuthOption {
    fn from_raw(raw: u32) -> Option<Self> {
        use EcrAuthOption::*;
        [
            AccessKeyId,
            SecretAccessKey,
            SessionToken,
            Region,
            EndpointUrl,
            RegistryId,
            Registry,
            Profile,
            DefaultCredentials,
            Public,
            CaBundle,
            ReuseTokens,
            TimeoutMs,
            Environment,
        ]
        .into_iter()
        .find(|o| *o as u32 == raw)
    }
}

/// Opaque: a request being built with `ecr_auth_request_set`. Its secrets are wiped when freed.
pub struct EcrAuthRequest {
    inner: FetchRequest,
}

impl From<ErrorKind> for EcrAuthStatus {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => EcrAuthStatus::InvalidArgument,
            ErrorKind::AuthFailed => EcrAuthStatus::AuthFailed,
            ErrorKind::NoCredentials => EcrAuthStatus::NoCredentials,
            ErrorKind::Network => EcrAuthStatus::Network,
            ErrorKind::Timeout => EcrAuthStatus::Timeout,
            ErrorKind::Service => EcrAuthStatus::ServiceError,
            ErrorKind::MalformedResponse => EcrAuthStatus::MalformedResponse,
            ErrorKind::Internal => EcrAuthStatus::Internal,
        }
    }
}

/// Opaque: the logins from one successful `ecr_auth_fetch`.
pub struct EcrAuthResult {
    logins: Vec<CLogin>,
}

struct CLogin {
    registry: CString,
    proxy_endpoint: CString,
    username: CString,
    /// NUL-terminated; wiped on drop.
    password: Zeroizing<Vec<u8>>,
    expires_at: i64,
}

impl CLogin {
    fn from_login(login: &Login) -> Result<Self, Error> {
        let text = |value: &str, what: &str| {
            CString::new(value).map_err(|_| {
                Error::new(
                    ErrorKind::MalformedResponse,
                    format!("ECR's {what} contains a NUL character"),
                )
            })
        };
        let mut password = Zeroizing::new(Vec::with_capacity(login.password.len() + 1));
        password.extend_from_slice(login.password.as_bytes());
        password.push(0);
        Ok(CLogin {
            registry: text(&login.registry, "registry host")?,
            proxy_endpoint: text(&login.proxy_endpoint, "proxy endpoint")?,
            username: text(&login.username, "user name")?,
            password,
            expires_at: login.expires_at,
        })
    }
}

type Failure = (EcrAuthStatus, String);

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        (err.kind().into(), err.message().to_owned())
    }
}

/// Runs `body`, turning a panic into `on_panic`. Every exported function goes through here.
fn boundary<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// A required C string argument, as `&str`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err((EcrAuthStatus::NullPointer, format!("{name} must not be NULL")));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|_| (EcrAuthStatus::InvalidUtf8, format!("{name} is not valid UTF-8")))
}

/// An optional C string argument: NULL means absent.
///
/// # Safety
/// As for [`required_str`].
unsafe fn optional_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { required_str(ptr, name) }.map(Some)
    }
}

/// Copies `message` into `buf` (NUL-terminated, cut at a character boundary).
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
unsafe fn write_message(buf: *mut c_char, len: usize, message: &str) {
    if buf.is_null() || len == 0 {
        return;
    }
    let mut n = message.len().min(len - 1);
    while !message.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: `buf` has room for `len` bytes and `n + 1 <= len`.
    unsafe {
        std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
}

/// Fetches ECR authorization tokens with static credentials and decodes them.
///
/// - `access_key_id`, `secret_access_key`, `region`: required, UTF-8, NUL-terminated.
/// - `session_token`: NULL unless the credentials are temporary.
/// - `endpoint_url`: NULL for the region's standard endpoint, else e.g. a VPC endpoint.
/// - `registry_ids`: NULL or "" for the caller's own account, else comma-separated
///   12-digit account ids (at most 10).
/// - `timeout_ms`: budget for the whole call including retries; 0 means 30 seconds.
/// - `out_result`: required; set to a new result on success, to NULL on failure.
///   Release the result with `ecr_auth_result_free`.
/// - `error_buf`/`error_buf_len`: optional caller-owned buffer (NULL/0 to skip) that
///   receives a NUL-terminated, human-readable message on failure and "" on success.
///   Messages never contain a secret.
///
/// Safe to call from several threads at once. Blocks the calling thread.
///
/// # Safety
/// Every non-NULL string pointer is NUL-terminated and readable; `error_buf` is
/// writable for `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_fetch(
    access_key_id: *const c_char,
    secret_access_key: *const c_char,
    session_token: *const c_char,
    region: *const c_char,
    endpoint_url: *const c_char,
    registry_ids: *const c_char,
    timeout_ms: u32,
    out_result: *mut *mut EcrAuthResult,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = boundary(Err(panicked()), || {
        if out_result.is_null() {
            return Err((
                EcrAuthStatus::NullPointer,
                "out_result must not be NULL".to_owned(),
            ));
        }
        // SAFETY: checked non-null; the caller gives a writable pointer.
        unsafe { *out_result = std::ptr::null_mut() };
        // SAFETY: each pointer is NULL or a NUL-terminated string, per the contract above.
        let request = unsafe {
            build_request(
                access_key_id,
                secret_access_key,
                session_token,
                region,
                endpoint_url,
                registry_ids,
                timeout_ms,
            )
        }?;
        let result = fetch_result(&request)?;
        // SAFETY: checked non-null above.
        unsafe { *out_result = Box::into_raw(result) };
        Ok(EcrAuthStatus::Ok)
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome, error_buf, error_buf_len) }
}

/// # Safety
/// As for [`ecr_auth_fetch`].
unsafe fn build_request(
    access_key_id: *const c_char,
    secret_access_key: *const c_char,
    session_token: *const c_char,
    region: *const c_char,
    endpoint_url: *const c_char,
    registry_ids: *const c_char,
    timeout_ms: u32,
) -> Result<FetchRequest, Failure> {
    // SAFETY (all calls below): forwarded from `ecr_auth_fetch`'s contract.
    let access_key_id = unsafe { required_str(access_key_id, "access_key_id") }?;
    let secret = unsafe { required_str(secret_access_key, "secret_access_key") }?;
    let region = unsafe { required_str(region, "region") }?;
    let session_token = unsafe { optional_str(session_token, "session_token") }?;
    let endpoint_url = unsafe { optional_str(endpoint_url, "endpoint_url") }?;
    let registry_ids = unsafe { optional_str(registry_ids, "registry_ids") }?;

    let mut request = FetchRequest::new(access_key_id, secret, region);
    request.session_token = session_token.map(|t| Zeroizing::new(t.to_owned()));
    request.endpoint_url = endpoint_url.map(str::to_owned);
    request.registry_ids = registry_ids
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    request.timeout = match timeout_ms {
        0 => DEFAULT_TIMEOUT,
        ms => Duration::from_millis(u64::from(ms)),
    };
    Ok(request)
}

/// Number of logins in `result`; 0 for NULL.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_count(result: *const EcrAuthResult) -> usize {
    // SAFETY: `result` is NULL or a live result, per the module contract.
    boundary(0, || {
        unsafe { with_result(result, |r| r.logins.len()) }.unwrap_or(0)
    })
}

/// Registry host (with port if any) for `docker login`, e.g.
/// "123456789012.dkr.ecr.us-east-1.amazonaws.com". NULL if `result` is NULL or
/// `index` is out of range. Valid until `ecr_auth_result_free`.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_registry(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: `result` is NULL or a live result, per the module contract.
    unsafe { string_at(result, index, |l| l.registry.as_ptr()) }
}

/// The proxy endpoint URL as ECR returned it. NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_proxy_endpoint(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: `result` is NULL or a live result, per the module contract.
    unsafe { string_at(result, index, |l| l.proxy_endpoint.as_ptr()) }
}

/// The registry user name (usually "AWS"). NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_username(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: `result` is NULL or a live result, per the module contract.
    unsafe { string_at(result, index, |l| l.username.as_ptr()) }
}

/// The registry password: a secret. Do not log it; pass it on stdin. NULL if out of
/// range. Wiped from memory by `ecr_auth_result_free`.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_password(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: `result` is NULL or a live result, per the module contract.
    unsafe { string_at(result, index, |l| l.password.as_ptr().cast::<c_char>()) }
}

/// Expiry of the login as Unix seconds (UTC); 0 if `result` is NULL or `index` is out of range.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_expires_at(result: *const EcrAuthResult, index: usize) -> i64 {
    boundary(0, || {
        // SAFETY: `result` is NULL or a live result, per the module contract.
        unsafe { with_result(result, |r| r.logins.get(index).map(|l| l.expires_at)) }
            .flatten()
            .unwrap_or(0)
    })
}

/// Releases a result and wipes its passwords. NULL is ignored. Must not be called
/// twice on the same pointer.
///
/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_free(result: *mut EcrAuthResult) {
    boundary((), || {
        if !result.is_null() {
            // SAFETY: the pointer came from `Box::into_raw` in `ecr_auth_fetch` and,
            // per the contract, is freed only once.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}

/// A new, empty request (static credentials, no region, 30 s timeout, no token reuse).
/// Release it with `ecr_auth_request_free`. NULL only if the library panicked.
#[unsafe(no_mangle)]
pub extern "C" fn ecr_auth_request_new() -> *mut EcrAuthRequest {
    boundary(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(EcrAuthRequest {
            inner: FetchRequest::new("", "", ""),
        }))
    })
}

/// Sets one option (an `ecr_auth_option` value) of `request` to `value` (UTF-8; NULL clears
/// the options that can be cleared). Values are checked when the request is fetched, except
/// for numbers and switches, which are checked here.
///
/// # Safety
/// `request` is NULL or from `ecr_auth_request_new` and not freed; `value` is NULL or
/// NUL-terminated; `error_buf` is writable for `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_set(
    request: *mut EcrAuthRequest,
    option: u32,
    value: *const c_char,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = boundary(Err(panicked()), || {
        // SAFETY: per the contract above.
        let request = unsafe { request.as_mut() }
            .ok_or_else(|| (EcrAuthStatus::NullPointer, "request must not be NULL".to_owned()))?;
        let option = EcrAuthOption::from_raw(option).ok_or_else(|| {
            (
                EcrAuthStatus::InvalidArgument,
                format!("{option} is not an ecr_auth_option"),
            )
        })?;
        // SAFETY: per the contract above.
        let value = unsafe { optional_str(value, "value") }?;
        apply_option(&mut request.inner, option, value)
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome.map(|()| EcrAuthStatus::Ok), error_buf, error_buf_len) }
}

fn apply_option(r: &mut FetchRequest, option: EcrAuthOption, value: Option<&str>) -> Result<(), Failure> {
    let text = value.unwrap_or("");
    let switch = || match text {
        "1" | "true" => Ok(true),
        "" | "0" | "false" => Ok(false),
        _ => Err((
            EcrAuthStatus::InvalidArgument,
            format!("{option:?} takes \"1\" or \"0\""),
        )),
    };
    match option {
        EcrAuthOption::AccessKeyId => r.access_key_id = text.to_owned(),
        EcrAuthOption::SecretAccessKey => r.secret_access_key = Zeroizing::new(text.to_owned()),
        EcrAuthOption::SessionToken => r.session_token = value.map(|t| Zeroizing::new(t.to_owned())),
        EcrAuthOption::Region => r.region = text.to_owned(),
        EcrAuthOption::EndpointUrl => r.endpoint_url = value.map(str::to_owned),
        EcrAuthOption::RegistryId => r.registry_ids.push(text.to_owned()),
        EcrAuthOption::Registry => r.registries.push(text.to_owned()),
        EcrAuthOption::Profile => r.source = CredentialSource::Profile(text.to_owned()),
        EcrAuthOption::DefaultCredentials => {
            r.source = if switch()? {
                CredentialSource::DefaultChain
            } else {
                CredentialSource::Static
            }
        }
        EcrAuthOption::Public => r.public = switch()?,
        EcrAuthOption::CaBundle => r.ca_bundle = value.filter(|v| !v.is_empty()).map(Into::into),
        EcrAuthOption::ReuseTokens => r.reuse_tokens = switch()?,
        EcrAuthOption::Environment => match value {
            None => r.environment = None,
            Some(entry) => {
                let (name, value) =
                    entry
                        .split_once('=')
                        .filter(|(n, _)| !n.is_empty())
                        .ok_or_else(|| {
                            (
                                EcrAuthStatus::InvalidArgument,
                                "Environment takes NAME=VALUE".to_owned(),
                            )
                        })?;
                r.environment
                    .get_or_insert_with(Default::default)
                    .insert(name.to_owned(), value.to_owned());
            }
        },
        EcrAuthOption::TimeoutMs => {
            let ms: u32 = text.parse().map_err(|_| {
                (
                    EcrAuthStatus::InvalidArgument,
                    "TimeoutMs takes a whole number of milliseconds".to_owned(),
                )
            })?;
            r.timeout = if ms == 0 {
                DEFAULT_TIMEOUT
            } else {
                Duration::from_millis(u64::from(ms))
            };
        }
    }
    Ok(())
}

/// Fetches the logins `request` describes (one call per registry, concurrently). As for
/// `ecr_auth_fetch`: `out_result` is set on success and NULL on failure, and a message goes
/// to the optional `error_buf`. The request is not changed and may be fetched again.
///
/// # Safety
/// `request` is NULL or live; `out_result` is NULL or writable; `error_buf` is writable for
/// `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_fetch(
    request: *const EcrAuthRequest,
    out_result: *mut *mut EcrAuthResult,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = boundary(Err(panicked()), || {
        if out_result.is_null() {
            return Err((
                EcrAuthStatus::NullPointer,
                "out_result must not be NULL".to_owned(),
            ));
        }
        // SAFETY: checked non-null.
        unsafe { *out_result = std::ptr::null_mut() };
        // SAFETY: per the contract above.
        let request = unsafe { request.as_ref() }
            .ok_or_else(|| (EcrAuthStatus::NullPointer, "request must not be NULL".to_owned()))?;
        let result = fetch_result(&request.inner)?;
        // SAFETY: checked non-null above.
        unsafe { *out_result = Box::into_raw(result) };
        Ok(EcrAuthStatus::Ok)
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome, error_buf, error_buf_len) }
}

/// Releases a request and wipes its secrets. NULL is ignored. Must not be called twice.
///
/// # Safety
/// `request` is NULL or from `ecr_auth_request_new` and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_free(request: *mut EcrAuthRequest) {
    boundary((), || {
        if !request.is_null() {
            // SAFETY: from `Box::into_raw` in `ecr_auth_request_new`, freed once per the contract.
            drop(unsafe { Box::from_raw(request) });
        }
    })
}

fn fetch_result(request: &FetchRequest) -> Result<Box<EcrAuthResult>, Failure> {
    let logins = fetch_logins_blocking(request)?;
    let logins = logins
        .iter()
        .map(CLogin::from_login)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Box::new(EcrAuthResult { logins }))
}

fn panicked() -> Failure {
    (
        EcrAuthStatus::Panic,
        "internal error: the library panicked; the call was abandoned".to_owned(),
    )
}

/// Writes the outcome's message ("" on success) and returns its status.
///
/// # Safety
/// As for [`write_message`].
unsafe fn finish(
    outcome: Result<EcrAuthStatus, Failure>,
    error_buf: *mut c_char,
    len: usize,
) -> EcrAuthStatus {
    match outcome {
        Ok(status) => {
            // SAFETY: forwarded.
            unsafe { write_message(error_buf, len, "") };
            status
        }
        Err((status, message)) => {
            // SAFETY: forwarded.
            unsafe { write_message(error_buf, len, &message) };
            status
        }
    }
}

/// The library version, e.g. "0.1.0". Static; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn ecr_auth_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast::<c_char>()
}

/// # Safety
/// `result` is NULL or a pointer from `ecr_auth_fetch` not yet freed.
unsafe fn with_result<T>(result: *const EcrAuthResult, f: impl FnOnce(&EcrAuthResult) -> T) -> Option<T> {
    // SAFETY: see above.
    unsafe { result.as_ref() }.map(f)
}

/// # Safety
/// As for [`with_result`].
unsafe fn string_at(
    result: *const EcrAuthResult,
    index: usize,
    field: impl Fn(&CLogin) -> *const c_char,
) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: forwarded.
        unsafe { with_result(result, |r| r.logins.get(index).map(&field)) }
            .flatten()
            .unwrap_or(std::ptr::null())
    })
}

impl Drop for EcrAuthRequest {
    fn drop(&mut self) {
        // The caller's environment may hold keys (AWS_SECRET_ACCESS_KEY): wipe it too.
        if let Some(environment) = self.inner.environment.as_mut() {
            for value in environment.values_mut() {
                zeroize::Zeroize::zeroize(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_turns_a_panic_into_the_fallback() {
        let status = boundary(EcrAuthStatus::Panic, || -> EcrAuthStatus { panic!("deliberate") });
        assert_eq!(status, EcrAuthStatus::Panic);
        assert_eq!(
            boundary(EcrAuthStatus::Panic, || EcrAuthStatus::Ok),
            EcrAuthStatus::Ok
        );
    }

    #[test]
    fn every_option_value_is_recognised() {
        for raw in 1..=14 {
            let option = EcrAuthOption::from_raw(raw).unwrap_or_else(|| panic!("{raw} not recognised"));
            assert_eq!(option as u32, raw);
        }
        assert!(EcrAuthOption::from_raw(0).is_none());
        assert!(EcrAuthOption::from_raw(15).is_none());
    }

    #[test]
    fn every_error_kind_has_its_own_status() {
        let kinds = [
            ErrorKind::InvalidArgument,
            ErrorKind::AuthFailed,
            ErrorKind::Network,
            ErrorKind::Timeout,
            ErrorKind::Service,
            ErrorKind::MalformedResponse,
            ErrorKind::Internal,
        ];
        let statuses: std::collections::HashSet<_> =
            kinds.iter().map(|k| EcrAuthStatus::from(*k) as i32).collect();
        assert_eq!(statuses.len(), kinds.len());
        assert!(!statuses.contains(&(EcrAuthStatus::Ok as i32)));
    }
}
