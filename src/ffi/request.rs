//! `ecr_auth_request`: a request built option by option, and `ecr_auth_fetch`, which builds
//! one from packed options and fetches it in a single call. Both share one path:
//! [`apply_option`] to build, [`fetch_into`] to fetch.

use super::macros::{ffi_boundary, try_ref};
use super::result::{EcrAuthResult, summary};
use super::status::{EcrAuthOption, EcrAuthStatus, Failure, invalid, null_pointer, panicked};
use super::text::{finish, optional_str};
use crate::fetch::fetch_logins_blocking;
use crate::request::{CredentialSource, DEFAULT_TIMEOUT, FetchRequest};
use std::ffi::c_char;
use std::time::Duration;
use zeroize::Zeroizing;

/// Opaque: a request being built. Its secrets (keys, token, environment) are wiped when
/// replaced, cleared or freed.
///
/// Threads: `ecr_auth_request_fetch` only reads the request, so several threads may fetch
/// the same request at once; `ecr_auth_request_set` and `ecr_auth_request_free` must not
/// run while any other call uses it.
pub struct EcrAuthRequest {
    inner: FetchRequest,
}

impl EcrAuthRequest {
    fn new() -> Self {
        EcrAuthRequest {
            inner: FetchRequest::new("", "", ""),
        }
    }
}

/// A new, empty request (static credentials, no region, 30 s timeout, no token reuse).
/// Release it with `ecr_auth_request_free`. NULL only if the library panicked.
#[unsafe(no_mangle)]
pub extern "C" fn ecr_auth_request_new() -> *mut EcrAuthRequest {
    ffi_boundary!(std::ptr::null_mut(), {
        Box::into_raw(Box::new(EcrAuthRequest::new()))
    })
}

/// Sets one option (an `ecr_auth_option` value) of `request` to `value` (UTF-8; NULL clears
/// the options that can be cleared). Values are checked when the request is fetched, except
/// for numbers and switches, which are checked here.
///
/// # Safety
/// `request` is NULL or from `ecr_auth_request_new` and not freed, and no other call uses it
/// meanwhile; `value` is NULL or NUL-terminated; `error_buf` is NULL or writable for
/// `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_set(
    request: *mut EcrAuthRequest,
    option: u32,
    value: *const c_char,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = ffi_boundary!(Err(panicked()), {
        let request = try_ref!(mut request, "request");
        // SAFETY: per the contract above.
        let value = unsafe { optional_str(value, "value") }?;
        apply_option(&mut request.inner, option, value).map(|()| (EcrAuthStatus::Ok, String::new()))
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome, error_buf, error_buf_len) }
}

/// Fetches the logins `request` describes (one call per registry, concurrently, within the
/// request's timeout). The request is not changed and may be fetched again.
///
/// Returns `ECR_AUTH_STATUS_OK` when every registry was logged in to,
/// `ECR_AUTH_STATUS_PARTIAL` when some were, and otherwise the status of the (first) failure.
/// `*out_result` is set whenever registries were tried, whatever the status (it then holds
/// the logins and the per-registry failures), and NULL when the call failed before that
/// (bad input, no credentials, timeout while resolving them): free it in every case.
/// The optional `error_buf` receives a message ("" on OK); messages never contain a secret.
///
/// # Safety
/// `request` is NULL or live; `out_result` is NULL or writable; `error_buf` is NULL or
/// writable for `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_fetch(
    request: *const EcrAuthRequest,
    out_result: *mut *mut EcrAuthResult,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = ffi_boundary!(Err(panicked()), {
        let out = try_ref!(mut out_result, "out_result");
        *out = std::ptr::null_mut();
        let request = try_ref!(request, "request");
        fetch_into(&request.inner, out)
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome, error_buf, error_buf_len) }
}

/// Releases a request and wipes its secrets. NULL is ignored. Must not be called twice.
///
/// # Safety
/// `request` is NULL or from `ecr_auth_request_new`, not yet freed, and unused by others.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_request_free(request: *mut EcrAuthRequest) {
    ffi_boundary!((), {
        if !request.is_null() {
            // SAFETY: from `Box::into_raw` in `ecr_auth_request_new`, freed once per the contract.
            drop(unsafe { Box::from_raw(request) });
        }
    })
}

/// Builds a request from packed options and fetches it: one call instead of a request
/// handle and a call per option.
///
/// `options` holds `options_len` bytes: entries of the form `<option number>=<value>`, each
/// followed by a NUL byte, e.g. `"1=AKIA...\0" "2=<secret>\0" "4=eu-west-1\0"` (numbers are
/// `ecr_auth_option` values; options that add, such as registry ids or environment entries,
/// may repeat). NULL with length 0 is an empty request. Outcome, `out_result` and
/// `error_buf` as for `ecr_auth_request_fetch`. The library keeps no copy of `options`
/// after the call (its own copies of secrets are wiped).
///
/// Safe to call from several threads at once. Blocks the calling thread.
///
/// # Safety
/// `options` is NULL (with `options_len` 0) or readable for `options_len` bytes;
/// `out_result` is NULL or writable; `error_buf` is NULL or writable for `error_buf_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ecr_auth_fetch(
    options: *const u8,
    options_len: usize,
    out_result: *mut *mut EcrAuthResult,
    error_buf: *mut c_char,
    error_buf_len: usize,
) -> EcrAuthStatus {
    let outcome = ffi_boundary!(Err(panicked()), {
        let out = try_ref!(mut out_result, "out_result");
        *out = std::ptr::null_mut();
        let packed: &[u8] = match (options.is_null(), options_len) {
            (true, 0) => &[],
            (true, _) => return Err(null_pointer("options")),
            // SAFETY: non-null and, per the contract, readable for `options_len` bytes.
            (false, len) => unsafe { std::slice::from_raw_parts(options, len) },
        };
        let mut request = EcrAuthRequest::new();
        apply_packed(&mut request.inner, packed)?;
        fetch_into(&request.inner, out)
    });
    // SAFETY: caller-owned buffer, NULL-checked inside.
    unsafe { finish(outcome, error_buf, error_buf_len) }
}

/// Drops every token kept for reuse in this process (wiping the passwords), e.g. after a
/// logout. Safe to call at any time, from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn ecr_auth_forget_tokens() {
    ffi_boundary!((), { crate::token_cache::clear() })
}

fn fetch_into(
    request: &FetchRequest,
    out: &mut *mut EcrAuthResult,
) -> Result<(EcrAuthStatus, String), Failure> {
    let fetched = fetch_logins_blocking(request)?;
    *out = Box::into_raw(EcrAuthResult::from_fetched(&fetched)?);
    Ok(summary(&fetched))
}

fn apply_packed(request: &mut FetchRequest, packed: &[u8]) -> Result<(), Failure> {
    if packed.is_empty() {
        return Ok(());
    }
    let Some(body) = packed.strip_suffix(&[0]) else {
        return Err(invalid("options must end with a NUL byte after the last entry"));
    };
    for (position, entry) in body.split(|b| *b == 0).enumerate() {
        let bad = || invalid(format!("option entry {} is not <number>=<value>", position + 1));
        let equals = entry.iter().position(|b| *b == b'=').ok_or_else(bad)?;
        let number = std::str::from_utf8(&entry[..equals])
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(bad)?;
        let value = std::str::from_utf8(&entry[equals + 1..]).map_err(|_| {
            let name =
                EcrAuthOption::from_raw(number).map_or_else(|| number.to_string(), |o| format!("{o:?}"));
            (
                EcrAuthStatus::InvalidUtf8,
                format!(
                    "the value of {name} (option entry {}) is not valid UTF-8",
                    position + 1
                ),
            )
        })?;
        apply_option(request, number, Some(value))?;
    }
    Ok(())
}

/// The one place a C option becomes part of a request.
fn apply_option(r: &mut FetchRequest, raw: u32, value: Option<&str>) -> Result<(), Failure> {
    let option =
        EcrAuthOption::from_raw(raw).ok_or_else(|| invalid(format!("{raw} is not an ecr_auth_option")))?;
    let text = value.unwrap_or("");
    let switch = || match text {
        "1" | "true" => Ok(true),
        "" | "0" | "false" => Ok(false),
        _ => Err(invalid(format!("{option:?} takes \"1\" or \"0\""))),
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
                let (name, value) = entry
                    .split_once('=')
                    .filter(|(n, _)| !n.is_empty())
                    .ok_or_else(|| invalid("Environment takes NAME=VALUE"))?;
                r.environment
                    .get_or_insert_with(Default::default)
                    .set(name, value);
            }
        },
        EcrAuthOption::RoleArn => r.role_arn = value.filter(|v| !v.is_empty()).map(str::to_owned),
        EcrAuthOption::TimeoutMs => {
            let ms: u32 = text
                .parse()
                .map_err(|_| invalid("TimeoutMs takes a whole number of milliseconds"))?;
            r.timeout = match ms {
                0 => DEFAULT_TIMEOUT,
                ms => Duration::from_millis(u64::from(ms)),
            };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_options_build_the_same_request_as_single_ones() {
        let mut packed = FetchRequest::new("", "", "");
        apply_packed(
            &mut packed,
            b"1=AKID\x002=se=cret\x004=eu-west-1\x006=123456789012\x006=210987654321\x0014=AWS_REGION=x\x0013=500\x0015=arn:aws:iam::123456789012:role/r\x00",
        )
        .unwrap();
        let mut single = FetchRequest::new("", "", "");
        for (option, value) in [
            (1, "AKID"),
            (2, "se=cret"),
            (4, "eu-west-1"),
            (6, "123456789012"),
            (6, "210987654321"),
            (14, "AWS_REGION=x"),
            (13, "500"),
            (15, "arn:aws:iam::123456789012:role/r"),
        ] {
            apply_option(&mut single, option, Some(value)).unwrap();
        }
        assert_eq!(format!("{packed:?}"), format!("{single:?}"));
        assert_eq!(packed.secret_access_key.as_str(), "se=cret");
        assert_eq!(packed.registry_ids.len(), 2);
        assert_eq!(packed.timeout, Duration::from_millis(500));
        assert_eq!(
            packed.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/r")
        );
        apply_option(&mut packed, 15, None).unwrap();
        assert_eq!(packed.role_arn, None);
    }

    #[test]
    fn malformed_packed_options_are_specific_errors() {
        let cases: [(&[u8], EcrAuthStatus, &str); 6] = [
            (b"1=AKID", EcrAuthStatus::InvalidArgument, "must end with a NUL"),
            (b"AKID\0", EcrAuthStatus::InvalidArgument, "entry 1"),
            (b"1=A\0x=1\0", EcrAuthStatus::InvalidArgument, "entry 2"),
            (
                b"99=1\0",
                EcrAuthStatus::InvalidArgument,
                "99 is not an ecr_auth_option",
            ),
            (b"1=\xff\0", EcrAuthStatus::InvalidUtf8, "entry 1"),
            (b"\0", EcrAuthStatus::InvalidArgument, "entry 1"),
        ];
        for (bytes, status, text) in cases {
            let mut r = FetchRequest::new("", "", "");
            let (got, message) = apply_packed(&mut r, bytes).unwrap_err();
            assert_eq!(got, status, "{bytes:?}");
            assert!(message.contains(text), "{bytes:?}: {message}");
        }
    }
}
