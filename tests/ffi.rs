//! The exported C functions, called the way a C or P/Invoke caller would.
#![allow(unsafe_code)]

mod common;

use common::*;
use ecr_auth::ffi::*;
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

struct Call {
    key: CString,
    secret: CString,
    token: Option<CString>,
    region: CString,
    endpoint: Option<CString>,
    ids: Option<CString>,
    timeout_ms: u32,
}

impl Call {
    fn to(endpoint: &str) -> Self {
        Call {
            key: CString::new(ACCESS_KEY).unwrap(),
            secret: CString::new(SECRET_KEY).unwrap(),
            token: None,
            region: CString::new("us-west-2").unwrap(),
            endpoint: Some(CString::new(endpoint).unwrap()),
            ids: None,
            timeout_ms: 10_000,
        }
    }

    /// The packed options `ecr_auth_fetch` takes: `<option>=<value>\0` each.
    fn packed(&self) -> Vec<u8> {
        let mut packed = Vec::new();
        let mut add = |option: EcrAuthOption, value: &[u8]| {
            packed.extend_from_slice(format!("{}=", option as u32).as_bytes());
            packed.extend_from_slice(value);
            packed.push(0);
        };
        add(EcrAuthOption::AccessKeyId, self.key.as_bytes());
        add(EcrAuthOption::SecretAccessKey, self.secret.as_bytes());
        if let Some(token) = &self.token {
            add(EcrAuthOption::SessionToken, token.as_bytes());
        }
        add(EcrAuthOption::Region, self.region.as_bytes());
        if let Some(endpoint) = &self.endpoint {
            add(EcrAuthOption::EndpointUrl, endpoint.as_bytes());
        }
        if let Some(ids) = &self.ids {
            for id in ids.as_bytes().split(|b| *b == b',') {
                add(EcrAuthOption::RegistryId, id.trim_ascii());
            }
        }
        add(EcrAuthOption::TimeoutMs, self.timeout_ms.to_string().as_bytes());
        packed
    }

    /// Runs `ecr_auth_fetch`; returns status, result pointer and message.
    fn run(&self) -> (EcrAuthStatus, *mut EcrAuthResult, String) {
        let mut out = null_mut();
        let mut buf = [0 as c_char; ECR_AUTH_ERROR_BUFFER_SIZE];
        let packed = self.packed();
        let status = unsafe {
            ecr_auth_fetch(
                packed.as_ptr(),
                packed.len(),
                &mut out,
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        let message = unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap()
            .to_owned();
        (status, out, message)
    }
}

/// `ecr_auth_fetch` with NULL options (and length 0) and a NULL error buffer: only `out` is given.
fn fetch_with_every_string_null(out: &mut *mut EcrAuthResult) -> EcrAuthStatus {
    unsafe { ecr_auth_fetch(null(), 0, out, null_mut(), 0) }
}

fn text(ptr: *const c_char) -> Option<String> {
    (!ptr.is_null()).then(|| unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned())
}

fn serving_two_accounts() -> MockEcr {
    let ecr = MockEcr::start();
    ecr.respond_for_account(
        "111111111111",
        ok_body(vec![entry("111111111111", "pw-1", 1_900_000_001)]),
    );
    ecr.respond_for_account(
        "222222222222",
        ok_body(vec![entry("222222222222", "pw-2", 1_900_000_002)]),
    );
    ecr
}

fn serving_two_logins() -> MockEcr {
    let ecr = MockEcr::start();
    ecr.respond(
        200,
        ok_body(vec![
            entry("111111111111", "pw-1", 1_900_000_001),
            entry("222222222222", "pw-2", 1_900_000_002),
        ]),
        None,
    );
    ecr
}

#[test]
fn fetch_and_read_every_field() {
    let ecr = serving_two_accounts();
    let mut call = Call::to(&ecr.uri());
    call.ids = Some(CString::new("111111111111, 222222222222").unwrap());
    let (status, result, message) = call.run();
    assert_eq!(status, EcrAuthStatus::Ok, "{message}");
    assert_eq!(message, "");
    unsafe {
        assert_eq!(ecr_auth_result_count(result), 2);
        assert_eq!(
            text(ecr_auth_result_registry(result, 0)).unwrap(),
            "111111111111.dkr.ecr.us-west-2.amazonaws.com"
        );
        assert_eq!(
            text(ecr_auth_result_proxy_endpoint(result, 1)).unwrap(),
            "https://222222222222.dkr.ecr.us-west-2.amazonaws.com"
        );
        assert_eq!(text(ecr_auth_result_username(result, 1)).unwrap(), "AWS");
        assert_eq!(text(ecr_auth_result_password(result, 1)).unwrap(), "pw-2");
        assert_eq!(ecr_auth_result_password_len(result, 1), "pw-2".len());
        assert_eq!(ecr_auth_result_password_len(result, usize::MAX), 0);
        assert_eq!(ecr_auth_result_expires_at(result, 0), 1_900_000_001);
        // Out of range reads are NULL / 0, not a crash.
        assert!(ecr_auth_result_registry(result, 2).is_null());
        assert!(ecr_auth_result_password(result, usize::MAX).is_null());
        assert_eq!(ecr_auth_result_expires_at(result, 2), 0);
        ecr_auth_result_free(result);
    }
    assert_eq!(ecr.requests().len(), 2, "one call per account");
}

#[test]
fn null_pointers_and_missing_options_are_specific_errors() {
    let call = Call::to("http://127.0.0.1:1");
    let packed = call.packed();
    let mut out = null_mut();
    let mut buf = [0 as c_char; 256];
    let message = |buf: &[c_char]| {
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .unwrap()
            .to_owned()
    };

    let status = unsafe { ecr_auth_fetch(null(), 5, &mut out, buf.as_mut_ptr(), buf.len()) };
    assert_eq!(status, EcrAuthStatus::NullPointer);
    assert!(message(&buf).contains("options"), "{}", message(&buf));
    let status = unsafe {
        ecr_auth_fetch(
            packed.as_ptr(),
            packed.len(),
            null_mut(),
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    assert_eq!(status, EcrAuthStatus::NullPointer);
    assert!(message(&buf).contains("out_result"), "{}", message(&buf));
    assert!(out.is_null());
    // No options at all: a request without keys.
    let status = fetch_with_every_string_null(&mut out);
    assert_eq!(status, EcrAuthStatus::InvalidArgument);
    assert!(out.is_null());
    let status = unsafe { ecr_auth_fetch(null(), 0, &mut out, buf.as_mut_ptr(), buf.len()) };
    assert_eq!(status, EcrAuthStatus::InvalidArgument);
    assert!(
        message(&buf).contains("access key id is empty"),
        "{}",
        message(&buf)
    );
}

#[test]
fn accessors_and_free_tolerate_null() {
    unsafe {
        assert_eq!(ecr_auth_result_count(null()), 0);
        assert!(ecr_auth_result_registry(null(), 0).is_null());
        assert!(ecr_auth_result_proxy_endpoint(null(), 0).is_null());
        assert!(ecr_auth_result_username(null(), 0).is_null());
        assert!(ecr_auth_result_password(null(), 0).is_null());
        assert_eq!(ecr_auth_result_password_len(null(), 0), 0);
        assert_eq!(ecr_auth_result_expires_at(null(), 0), 0);
        ecr_auth_result_free(null_mut());
        ecr_auth_result_free(null_mut());
    }
}

#[test]
fn invalid_utf8_in_any_string_is_an_error_code() {
    let bad = CString::new(vec![b'A', 0xff, 0xfe]).unwrap();
    type Edit = fn(&mut Call, CString);
    let edits: [(&str, Edit); 6] = [
        ("AccessKeyId", |c, v| c.key = v),
        ("SecretAccessKey", |c, v| c.secret = v),
        ("SessionToken", |c, v| c.token = Some(v)),
        ("Region", |c, v| c.region = v),
        ("EndpointUrl", |c, v| c.endpoint = Some(v)),
        ("RegistryId", |c, v| c.ids = Some(v)),
    ];
    for (name, edit) in edits {
        let mut call = Call::to("http://127.0.0.1:1");
        edit(&mut call, bad.clone());
        let (status, result, message) = call.run();
        assert_eq!(status, EcrAuthStatus::InvalidUtf8, "{name}");
        assert!(result.is_null());
        assert!(
            message.contains(name) && message.contains("UTF-8"),
            "{name}: {message}"
        );
    }
}

#[test]
fn bad_values_map_to_status_codes_and_never_echo_the_secret() {
    let mut call = Call::to("http://127.0.0.1:1");
    call.region = CString::new("not a region").unwrap();
    let (status, _, message) = call.run();
    assert_eq!(status, EcrAuthStatus::InvalidArgument);
    assert!(message.contains("not an AWS region"), "{message}");

    let mut call = Call::to("http://127.0.0.1:1");
    call.secret = CString::new("has space inside").unwrap();
    let (status, _, message) = call.run();
    assert_eq!(status, EcrAuthStatus::InvalidArgument);
    assert!(!message.contains("has space inside"), "{message}");

    let mut call = Call::to("http://127.0.0.1:1");
    call.ids = Some(CString::new("123,456").unwrap());
    assert_eq!(call.run().0, EcrAuthStatus::InvalidArgument);

    let call = Call::to(&format!("http://127.0.0.1:{}", closed_port()));
    assert_eq!(call.run().0, EcrAuthStatus::Network);

    let ecr = MockEcr::start();
    ecr.respond(
        400,
        serde_json::json!({"__type": "UnrecognizedClientException", "message": "bad"}),
        None,
    );
    let (status, result, message) = Call::to(&ecr.uri()).run();
    assert_eq!(status, EcrAuthStatus::AuthFailed, "{message}");
    // The registry was tried: the result holds its failure (and must be freed).
    unsafe {
        assert_eq!(ecr_auth_result_count(result), 0);
        assert_eq!(ecr_auth_result_failure_count(result), 1);
        assert_eq!(
            ecr_auth_result_failure_status(result, 0),
            EcrAuthStatus::AuthFailed
        );
        assert_eq!(text(ecr_auth_result_failure_target(result, 0)).unwrap(), "");
        assert!(
            text(ecr_auth_result_failure_message(result, 0))
                .unwrap()
                .contains("UnrecognizedClientException")
        );
        ecr_auth_result_free(result);
    }
}

#[test]
fn a_small_error_buffer_gets_a_truncated_terminated_message() {
    for len in [1usize, 2, 7] {
        let mut buf = vec![b'x' as c_char; len];
        let mut out = null_mut();
        let status = unsafe { ecr_auth_fetch(null(), 3, &mut out, buf.as_mut_ptr(), len) };
        assert_eq!(status, EcrAuthStatus::NullPointer);
        assert_eq!(buf[len - 1], 0, "len {len}");
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes().len(), len - 1);
    }
}

#[test]
fn results_are_independent_and_reusable_until_freed() {
    let ecr = serving_two_logins();
    let call = Call::to(&ecr.uri());
    let (s1, first, _) = call.run();
    let (s2, second, _) = call.run();
    assert_eq!((s1, s2), (EcrAuthStatus::Ok, EcrAuthStatus::Ok));
    assert_ne!(first, second);
    unsafe {
        // Reading the same field repeatedly returns the same stable pointer.
        let p = ecr_auth_result_password(first, 0);
        assert_eq!(p, ecr_auth_result_password(first, 0));
        ecr_auth_result_free(first);
        // The second result is untouched by freeing the first.
        assert_eq!(text(ecr_auth_result_password(second, 0)).unwrap(), "pw-1");
        ecr_auth_result_free(second);
    }
    // A failed call after a successful one resets the out pointer to NULL.
    let mut out = std::ptr::dangling_mut::<EcrAuthResult>();
    let status = fetch_with_every_string_null(&mut out);
    assert_eq!(status, EcrAuthStatus::InvalidArgument);
    assert!(out.is_null());
}

#[test]
fn eight_threads_at_once_get_their_own_answers() {
    let ecr = serving_two_logins();
    let uri = ecr.uri();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let uri = uri.clone();
                scope.spawn(move || {
                    for _ in 0..10 {
                        if i % 2 == 0 {
                            let (status, result, message) = Call::to(&uri).run();
                            assert_eq!(status, EcrAuthStatus::Ok, "{message}");
                            unsafe {
                                assert_eq!(text(ecr_auth_result_password(result, 1)).unwrap(), "pw-2");
                                ecr_auth_result_free(result);
                            }
                        } else {
                            let mut call = Call::to(&uri);
                            call.region = CString::new("bad").unwrap();
                            assert_eq!(call.run().0, EcrAuthStatus::InvalidArgument);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    assert_eq!(ecr.requests().len(), 40);
}

#[test]
fn version_is_the_crate_version() {
    assert_eq!(text(ecr_auth_version()).unwrap(), env!("CARGO_PKG_VERSION"));
}

/// Runs a request built from `options` through the request-handle API.
fn fetch_with(options: &[(EcrAuthOption, &[u8])]) -> (EcrAuthStatus, String) {
    let mut buf = [0 as c_char; ECR_AUTH_ERROR_BUFFER_SIZE];
    let request = ecr_auth_request_new();
    assert!(!request.is_null());
    unsafe {
        for (option, value) in options {
            let value = CString::new(*value).unwrap();
            let status = ecr_auth_request_set(
                request,
                *option as u32,
                value.as_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
            );
            if status != EcrAuthStatus::Ok {
                ecr_auth_request_free(request);
                return (
                    status,
                    CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned(),
                );
            }
        }
        let mut out = null_mut();
        let status = ecr_auth_request_fetch(request, &mut out, buf.as_mut_ptr(), buf.len());
        ecr_auth_result_free(out);
        ecr_auth_request_free(request);
        (
            status,
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned(),
        )
    }
}

#[test]
fn the_request_api_fetches_like_the_flat_one() {
    let ecr = serving_two_accounts();
    let uri = ecr.uri();
    let (status, message) = fetch_with(&[
        (EcrAuthOption::AccessKeyId, ACCESS_KEY.as_bytes()),
        (EcrAuthOption::SecretAccessKey, SECRET_KEY.as_bytes()),
        (EcrAuthOption::Region, b"us-west-2"),
        (EcrAuthOption::EndpointUrl, uri.as_bytes()),
        (EcrAuthOption::RegistryId, b"111111111111"),
        (EcrAuthOption::RegistryId, b"222222222222"),
        (EcrAuthOption::TimeoutMs, b"5000"),
    ]);
    assert_eq!(status, EcrAuthStatus::Ok, "{message}");
    assert_eq!(ecr.requests().len(), 2);
}

#[test]
fn twenty_bad_inputs_through_the_request_api_get_specific_errors() {
    let huge = "A".repeat(1 << 20);
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let base: Vec<(EcrAuthOption, &[u8])> = vec![
        (EcrAuthOption::AccessKeyId, ACCESS_KEY.as_bytes()),
        (EcrAuthOption::SecretAccessKey, SECRET_KEY.as_bytes()),
        (EcrAuthOption::Region, b"us-east-1"),
        (EcrAuthOption::EndpointUrl, endpoint.as_bytes()),
    ];
    use EcrAuthOption::*;
    type Case<'a> = (&'a str, EcrAuthOption, &'a [u8], EcrAuthStatus, &'a str);
    let cases: Vec<Case> = vec![
        (
            "empty key",
            AccessKeyId,
            b"",
            EcrAuthStatus::InvalidArgument,
            "access key id is empty",
        ),
        (
            "blank key",
            AccessKeyId,
            b"   ",
            EcrAuthStatus::InvalidArgument,
            "access key id is empty",
        ),
        (
            "key with space",
            AccessKeyId,
            b"AKID X",
            EcrAuthStatus::InvalidArgument,
            "access key id",
        ),
        (
            "1 MB key",
            AccessKeyId,
            huge.as_bytes(),
            EcrAuthStatus::InvalidArgument,
            "access key id",
        ),
        (
            "empty secret",
            SecretAccessKey,
            b"",
            EcrAuthStatus::InvalidArgument,
            "secret access key is empty",
        ),
        (
            "tab secret",
            SecretAccessKey,
            b"ab\tcd",
            EcrAuthStatus::InvalidArgument,
            "whitespace",
        ),
        (
            "1 MB secret",
            SecretAccessKey,
            huge.as_bytes(),
            EcrAuthStatus::InvalidArgument,
            "longer than",
        ),
        (
            "invalid UTF-8 secret",
            SecretAccessKey,
            b"\xff\xfe",
            EcrAuthStatus::InvalidUtf8,
            "UTF-8",
        ),
        (
            "empty token",
            SessionToken,
            b"",
            EcrAuthStatus::InvalidArgument,
            "session token is empty",
        ),
        (
            "upper region",
            Region,
            b"US-EAST-1",
            EcrAuthStatus::InvalidArgument,
            "not an AWS region",
        ),
        (
            "made-up region",
            Region,
            b"mars",
            EcrAuthStatus::InvalidArgument,
            "not an AWS region",
        ),
        (
            "1 MB region",
            Region,
            huge.as_bytes(),
            EcrAuthStatus::InvalidArgument,
            "not an AWS region",
        ),
        (
            "garbage endpoint",
            EndpointUrl,
            b"not a url",
            EcrAuthStatus::InvalidArgument,
            "endpoint URL",
        ),
        (
            "ftp endpoint",
            EndpointUrl,
            b"ftp://127.0.0.1/",
            EcrAuthStatus::InvalidArgument,
            "https://",
        ),
        (
            "endpoint with password",
            EndpointUrl,
            b"http://u:p@127.0.0.1:1",
            EcrAuthStatus::InvalidArgument,
            "user name or password",
        ),
        (
            "short registry id",
            RegistryId,
            b"12345",
            EcrAuthStatus::InvalidArgument,
            "12-digit",
        ),
        (
            "letters in registry id",
            RegistryId,
            b"12345678901x",
            EcrAuthStatus::InvalidArgument,
            "12-digit",
        ),
        (
            "unknown registry host",
            Registry,
            b"ghcr.io",
            EcrAuthStatus::InvalidArgument,
            "not an Amazon ECR registry host",
        ),
        (
            "lookalike registry host",
            Registry,
            b"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
            EcrAuthStatus::InvalidArgument,
            "not an Amazon ECR",
        ),
        (
            "bad profile name",
            Profile,
            b"my profile",
            EcrAuthStatus::InvalidArgument,
            "profile name",
        ),
        (
            "missing CA bundle",
            CaBundle,
            b"/nonexistent/ca.pem",
            EcrAuthStatus::InvalidArgument,
            "CA bundle",
        ),
        (
            "text timeout",
            TimeoutMs,
            b"soon",
            EcrAuthStatus::InvalidArgument,
            "milliseconds",
        ),
        (
            "bad switch",
            Public,
            b"yes",
            EcrAuthStatus::InvalidArgument,
            "\"1\" or \"0\"",
        ),
    ];
    assert!(cases.len() >= 20);
    for (name, option, value, want, text) in cases {
        let mut options = base.clone();
        options.push((option, value));
        let (status, message) = fetch_with(&options);
        assert_eq!(status, want, "{name}: {message}");
        assert!(message.contains(text), "{name}: {message}");
        assert!(message.len() < 600, "{name}: message too long");
        assert!(!message.contains(SECRET_KEY), "{name}: leaked the secret");
    }
}

#[test]
fn request_handle_misuse_is_rejected() {
    let mut buf = [0 as c_char; 128];
    let value = CString::new("x").unwrap();
    unsafe {
        assert_eq!(
            ecr_auth_request_set(null_mut(), 1, value.as_ptr(), buf.as_mut_ptr(), buf.len()),
            EcrAuthStatus::NullPointer
        );
        let request = ecr_auth_request_new();
        assert_eq!(
            ecr_auth_request_set(request, 999, value.as_ptr(), buf.as_mut_ptr(), buf.len()),
            EcrAuthStatus::InvalidArgument
        );
        assert!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap().contains("999"));
        let mut out = null_mut();
        assert_eq!(
            ecr_auth_request_fetch(request, null_mut(), null_mut(), 0),
            EcrAuthStatus::NullPointer
        );
        assert_eq!(
            ecr_auth_request_fetch(null(), &mut out, null_mut(), 0),
            EcrAuthStatus::NullPointer
        );
        // An empty request is invalid, and fetching it twice changes nothing.
        for _ in 0..2 {
            assert_eq!(
                ecr_auth_request_fetch(request, &mut out, null_mut(), 0),
                EcrAuthStatus::InvalidArgument
            );
            assert!(out.is_null());
        }
        ecr_auth_request_free(request);
        ecr_auth_request_free(null_mut());
    }
}
