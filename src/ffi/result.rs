//! `ecr_auth_result`: the logins (and per-registry failures) of one fetch, read through
//! accessors and released with `ecr_auth_result_free`.

use super::macros::ffi_boundary;
use super::status::EcrAuthStatus;
use crate::error::{Error, ErrorKind};
use crate::model::{Fetched, Login, TargetFailure};
use std::ffi::{CString, c_char};
use zeroize::Zeroizing;

/// Opaque: the outcome of one fetch. Read-only once made, so it may be read from several
/// threads at once; free it once, after every read.
pub struct EcrAuthResult {
    logins: Vec<CLogin>,
    failures: Vec<CFailure>,
}

struct CLogin {
    registry: CString,
    proxy_endpoint: CString,
    username: CString,
    /// NUL-terminated; wiped on drop.
    password: Zeroizing<Vec<u8>>,
    expires_at: i64,
}

struct CFailure {
    target: CString,
    status: EcrAuthStatus,
    message: CString,
}

/// A C string from text we made or ECR sent: a NUL cannot cross the boundary.
fn c_text(value: &str, what: &str) -> Result<CString, Error> {
    CString::new(value).map_err(|_| {
        Error::new(
            ErrorKind::MalformedResponse,
            format!("ECR's {what} contains a NUL character"),
        )
    })
}

impl CLogin {
    fn from_login(login: &Login) -> Result<Self, Error> {
        let mut password = Zeroizing::new(Vec::with_capacity(login.password.len() + 1));
        password.extend_from_slice(login.password.as_bytes());
        password.push(0);
        Ok(CLogin {
            registry: c_text(&login.registry, "registry host")?,
            proxy_endpoint: c_text(&login.proxy_endpoint, "proxy endpoint")?,
            username: c_text(&login.username, "user name")?,
            password,
            expires_at: login.expires_at,
        })
    }
}

impl CFailure {
    fn from_failure(failure: &TargetFailure) -> Self {
        let lossy = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
        CFailure {
            target: lossy(&failure.target),
            status: failure.error.kind().into(),
            message: lossy(failure.error.message()),
        }
    }
}

impl EcrAuthResult {
    pub(crate) fn from_fetched(fetched: &Fetched) -> Result<Box<Self>, Error> {
        Ok(Box::new(EcrAuthResult {
            logins: fetched
                .logins
                .iter()
                .map(CLogin::from_login)
                .collect::<Result<_, _>>()?,
            failures: fetched.failures.iter().map(CFailure::from_failure).collect(),
        }))
    }
}

/// The call's status and message: OK, PARTIAL, or (every registry failed) the first
/// failure's status.
pub(crate) fn summary(fetched: &Fetched) -> (EcrAuthStatus, String) {
    let Some(first) = fetched.failures.first() else {
        return (EcrAuthStatus::Ok, String::new());
    };
    let status = first.error.kind().into();
    let failed = fetched.failures.len();
    let first_text = match first.target.as_str() {
        "" => first.error.message().to_owned(),
        target => format!("{target}: {}", first.error.message()),
    };
    match (fetched.logins.is_empty(), failed) {
        (true, 1) => (status, first.error.message().to_owned()),
        (true, _) => (
            status,
            format!("all {failed} registries failed; first: {first_text}"),
        ),
        (false, _) => (
            EcrAuthStatus::Partial,
            format!(
                "{failed} of {} registries failed; first: {first_text}",
                fetched.logins.len() + failed
            ),
        ),
    }
}

/// Runs `read` on the result, or returns `fallback` for NULL or a panic.
///
/// # Safety
/// `result` is NULL or a live pointer from a fetch.
unsafe fn read<T>(
    result: *const EcrAuthResult,
    fallback: T,
    read: impl FnOnce(&EcrAuthResult) -> Option<T>,
) -> T
where
    T: Copy,
{
    ffi_boundary!(fallback, {
        // SAFETY: per this function's contract.
        unsafe { result.as_ref() }.and_then(read).unwrap_or(fallback)
    })
}

/// Number of logins in `result`; 0 for NULL.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_count(result: *const EcrAuthResult) -> usize {
    // SAFETY: forwarded.
    unsafe { read(result, 0, |r| Some(r.logins.len())) }
}

/// Registry host (with port if any) for `docker login`, e.g.
/// "123456789012.dkr.ecr.us-east-1.amazonaws.com". NULL if `result` is NULL or
/// `index` is out of range. Valid until `ecr_auth_result_free`.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_registry(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.logins.get(index).map(|l| l.registry.as_ptr())
        })
    }
}

/// The proxy endpoint URL as ECR returned it. NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_proxy_endpoint(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.logins.get(index).map(|l| l.proxy_endpoint.as_ptr())
        })
    }
}

/// The registry user name (usually "AWS"). NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_username(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.logins.get(index).map(|l| l.username.as_ptr())
        })
    }
}

/// The registry password: a secret. Do not log it; pass it on stdin. NULL if out of
/// range. Wiped from memory by `ecr_auth_result_free`.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_password(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.logins.get(index).map(|l| l.password.as_ptr().cast::<c_char>())
        })
    }
}

/// Length in bytes of the registry password (without its terminating NUL), so a caller can
/// copy it once instead of scanning for the NUL; 0 if `result` is NULL or `index` is out of
/// range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_password_len(result: *const EcrAuthResult, index: usize) -> usize {
    // SAFETY: forwarded.
    unsafe { read(result, 0, |r| r.logins.get(index).map(|l| l.password.len() - 1)) }
}

/// Expiry of the login as Unix seconds (UTC, 0 to 253402300799); 0 if `result` is NULL or
/// `index` is out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_expires_at(result: *const EcrAuthResult, index: usize) -> i64 {
    // SAFETY: forwarded.
    unsafe { read(result, 0, |r| r.logins.get(index).map(|l| l.expires_at)) }
}

/// Number of registries that could not be logged in to; 0 for NULL.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_failure_count(result: *const EcrAuthResult) -> usize {
    // SAFETY: forwarded.
    unsafe { read(result, 0, |r| Some(r.failures.len())) }
}

/// Which registry failure `index` is about, as the request named it: a registry host, an
/// account id, "public.ecr.aws", or "" for the credentials' own registry. NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_failure_target(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.failures.get(index).map(|f| f.target.as_ptr())
        })
    }
}

/// The status of failure `index` (never OK); `ECR_AUTH_STATUS_NULL_POINTER` for NULL,
/// `ECR_AUTH_STATUS_INVALID_ARGUMENT` if `index` is out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_failure_status(
    result: *const EcrAuthResult,
    index: usize,
) -> EcrAuthStatus {
    if result.is_null() {
        return EcrAuthStatus::NullPointer;
    }
    // SAFETY: forwarded.
    unsafe {
        read(result, EcrAuthStatus::InvalidArgument, |r| {
            r.failures.get(index).map(|f| f.status)
        })
    }
}

/// Why failure `index` happened, human-readable and without secrets. NULL if out of range.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_failure_message(
    result: *const EcrAuthResult,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe {
        read(result, std::ptr::null(), |r| {
            r.failures.get(index).map(|f| f.message.as_ptr())
        })
    }
}

/// Releases a result and wipes its passwords. NULL is ignored. Must not be called
/// twice on the same pointer.
///
/// # Safety
/// `result` is NULL or a pointer from a fetch that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_result_free(result: *mut EcrAuthResult) {
    ffi_boundary!((), {
        if !result.is_null() {
            // SAFETY: the pointer came from `Box::into_raw` in a fetch and, per the
            // contract, is freed only once.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
