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

    /// Runs `ecr_auth_fetch`; returns status, result pointer and message.
    fn run(&self) -> (EcrAuthStatus, *mut EcrAuthResult, String) {
        let mut out = null_mut();
        let mut buf = [0 as c_char; ECR_AUTH_ERROR_BUFFER_SIZE];
        let opt = |s: &Option<CString>| s.as_ref().map_or(null(), |s| s.as_ptr());
        let status = unsafe {
            ecr_auth_fetch(
                self.key.as_ptr(),
                self.secret.as_ptr(),
                opt(&self.token),
                self.region.as_ptr(),
                opt(&self.endpoint),
                opt(&self.ids),
                self.timeout_ms,
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
fn null_for_every_required_pointer_is_a_null_pointer_error() {
    let call = Call::to("http://127.0.0.1:1");
    let mut out = null_mut();
    let mut buf = [0 as c_char; 256];
    type Args = (
        *const c_char,
        *const c_char,
        *const c_char,
        *mut *mut EcrAuthResult,
    );
    let cases: [(&str, Args); 4] = [
        (
            "access_key_id",
            (null(), call.secret.as_ptr(), call.region.as_ptr(), &mut out),
        ),
        (
            "secret_access_key",
            (call.key.as_ptr(), null(), call.region.as_ptr(), &mut out),
        ),
        (
            "region",
            (call.key.as_ptr(), call.secret.as_ptr(), null(), &mut out),
        ),
        (
            "out_result",
            (
                call.key.as_ptr(),
                call.secret.as_ptr(),
                call.region.as_ptr(),
                null_mut(),
            ),
        ),
    ];
    for (name, (key, secret, region, out_ptr)) in cases {
        let status = unsafe {
            ecr_auth_fetch(
                key,
                secret,
                null(),
                region,
                null(),
                null(),
                0,
                out_ptr,
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        assert_eq!(status, EcrAuthStatus::NullPointer, "{name}");
        let message = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
        assert!(message.contains(name), "{name}: {message}");
        assert!(out.is_null());
    }
    // A NULL error buffer is allowed: the status alone is returned.
    let status = unsafe {
        ecr_auth_fetch(
            null(),
            null(),
            null(),
            null(),
            null(),
            null(),
            0,
            &mut out,
            null_mut(),
            0,
        )
    };
    assert_eq!(status, EcrAuthStatus::NullPointer);
}

#[test]
fn accessors_and_free_tolerate_null() {
    unsafe {
        assert_eq!(ecr_auth_result_count(null()), 0);
        assert!(ecr_auth_result_registry(null(), 0).is_null());
        assert!(ecr_auth_result_proxy_endpoint(null(), 0).is_null());
        assert!(ecr_auth_result_username(null(), 0).is_null());
        assert!(ecr_auth_result_password(null(), 0).is_null());
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
        ("access_key_id", |c, v| c.key = v),
        ("secret_access_key", |c, v| c.secret = v),
        ("session_token", |c, v| c.token = Some(v)),
        ("region", |c, v| c.region = v),
        ("endpoint_url", |c, v| c.endpoint = Some(v)),
        ("registry_ids", |c, v| c.ids = Some(v)),
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
    assert!(result.is_null());
}

#[test]
fn a_small_error_buffer_gets_a_truncated_terminated_message() {
    let call = Call::to("http://127.0.0.1:1");
    for len in [1usize, 2, 7] {
        let mut buf = vec![b'x' as c_char; len];
        let mut out = null_mut();
        let status = unsafe {
            ecr_auth_fetch(
                null(),
                call.secret.as_ptr(),
                null(),
                call.region.as_ptr(),
                null(),
                null(),
                0,
                &mut out,
                buf.as_mut_ptr(),
                len,
            )
        };
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
    let status = unsafe {
        ecr_auth_fetch(
            null(),
            null(),
            null(),
            null(),
            null(),
            null(),
            0,
            &mut out,
            null_mut(),
            0,
        )
    };
    assert_eq!(status, EcrAuthStatus::NullPointer);
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
