//! Secrets do not outlive their use: a global allocator that looks at every block as it is
//! freed, for a canary secret, proves that the library wipes what it frees (a registry
//! password after a fetch and after a failed fetch, an option value replaced, a request
//! freed, an environment cleared), and that a fetch without token reuse keeps nothing.
//!
//! One test: the allocator and the token cache are process-wide. Values that hold the
//! canary are built on the stack, so the test's own frees cannot trip it.
//!
//! Left out on purpose: the AWS SDK's own copies (aws-sigv4 derives the signing key from
//! `format!("AWS4{secret}")` and drops it unwiped; request headers carry the session
//! token), so the canary is never a key that gets used for signing.
#![allow(unsafe_code)]

mod common;

use common::*;
use ecr_auth::ffi::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::{CStr, c_char};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// 24 bytes that occur nowhere else: each scenario puts its own last byte on it.
const CANARY: &[u8; 23] = b"Canary-7f3a9c2e51d84b06";

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static TAG: AtomicUsize = AtomicUsize::new(0);

struct CanaryWatch;

// SAFETY: forwards to System; only reads the block before handing it back.
unsafe impl GlobalAlloc for CanaryWatch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    // realloc keeps the default (alloc, copy, dealloc), so a moved-away block is checked too.

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) && layout.size() > CANARY.len() {
            let tag = TAG.load(Ordering::Relaxed) as u8;
            // SAFETY: the block is still ours and `size` bytes long; no allocation happens here.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block
                .windows(CANARY.len() + 1)
                .any(|w| w[..CANARY.len()] == CANARY[..] && w[CANARY.len()] == tag)
            {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static WATCH: CanaryWatch = CanaryWatch;

/// "<prefix><canary><tag>\0" in a stack buffer.
fn canary_value(prefix: &str, tag: u8) -> ([u8; 128], usize) {
    let mut buf = [0u8; 128];
    let mut n = 0;
    for part in [prefix.as_bytes(), &CANARY[..], &[tag]] {
        buf[n..n + part.len()].copy_from_slice(part);
        n += part.len();
    }
    (buf, n)
}

/// Runs `scenario` with the watch armed for `tag`; returns how many freed blocks held it.
fn hits_during(tag: u8, scenario: impl FnOnce()) -> usize {
    TAG.store(tag as usize, Ordering::Relaxed);
    HITS.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    scenario();
    ARMED.store(false, Ordering::Relaxed);
    HITS.load(Ordering::Relaxed)
}

fn set(request: *mut EcrAuthRequest, option: EcrAuthOption, value: &[u8]) {
    let mut buf = [0u8; 256];
    buf[..value.len()].copy_from_slice(value);
    let status = unsafe { ecr_auth_request_set(request, option as u32, buf.as_ptr().cast(), null_mut(), 0) };
    assert_eq!(status, EcrAuthStatus::Ok, "{option:?}");
}

fn fetch(request: *mut EcrAuthRequest) -> (EcrAuthStatus, *mut EcrAuthResult) {
    let mut out = null_mut();
    let mut err = [0 as c_char; 256];
    let status = unsafe { ecr_auth_request_fetch(request, &mut out, err.as_mut_ptr(), err.len()) };
    (status, out)
}

/// A request for the mock, with static keys that are not the canary.
fn request_for(ecr: &MockEcr) -> *mut EcrAuthRequest {
    let request = ecr_auth_request_new();
    set(request, EcrAuthOption::AccessKeyId, ACCESS_KEY.as_bytes());
    set(request, EcrAuthOption::SecretAccessKey, SECRET_KEY.as_bytes());
    set(request, EcrAuthOption::Region, b"us-west-2");
    set(request, EcrAuthOption::EndpointUrl, ecr.uri().as_bytes());
    set(
        request,
        EcrAuthOption::Environment,
        b"AWS_EC2_METADATA_DISABLED=true",
    );
    request
}

#[test]
fn freed_memory_holds_no_secret_and_nothing_is_kept_without_reuse() {
    // Password canaries: the mock sends base64 of "AWS:<canary>", never the bytes themselves.
    let (password_ok, n_ok) = canary_value("", b'1');
    let (password_bad, n_bad) = canary_value("", b'2');
    let text = |buf: &[u8], n: usize| std::str::from_utf8(&buf[..n]).unwrap().to_owned();
    let ecr_ok = MockEcr::start();
    ecr_ok.respond(
        200,
        ok_body(vec![entry(
            "123456789012",
            &text(&password_ok, n_ok),
            4_000_000_000,
        )]),
        None,
    );
    let ecr_bad = MockEcr::start();
    let broken = serde_json::json!({"authorizationToken": "!!", "expiresAt": 4_000_000_000i64, "proxyEndpoint": "https://x"});
    ecr_bad.respond(
        200,
        ok_body(vec![
            entry("123456789012", &text(&password_bad, n_bad), 4_000_000_000),
            broken,
        ]),
        None,
    );
    ecr_auth_forget_tokens();

    // 1. A fetch, its result read and freed; no reuse asked, so nothing stays behind.
    let request = request_for(&ecr_ok);
    let hits = hits_during(b'1', || {
        let (status, result) = fetch(request);
        assert_eq!(status, EcrAuthStatus::Ok);
        let password = unsafe { CStr::from_ptr(ecr_auth_result_password(result, 0)) };
        assert_eq!(password.to_bytes(), &password_ok[..n_ok]);
        unsafe { ecr_auth_result_free(result) };
    });
    assert_eq!(hits, 0, "an unwiped copy of the password was freed after a fetch");
    assert_eq!(
        ecr_auth::token_cache::cached_entries(),
        0,
        "a token was kept without reuse"
    );

    // 2. A failed fetch: the first entry decoded, the second malformed.
    let failing = request_for(&ecr_bad);
    let hits = hits_during(b'2', || {
        let (status, result) = fetch(failing);
        assert_eq!(status, EcrAuthStatus::MalformedResponse);
        unsafe { ecr_auth_result_free(result) };
    });
    assert_eq!(
        hits, 0,
        "an unwiped copy of the password was freed after a failed fetch"
    );
    unsafe { ecr_auth_request_free(failing) };

    // 3. Secrets replaced: secret key, session token, an environment value.
    let hits = hits_during(b'3', || {
        let (secret, n) = canary_value("", b'3');
        set(request, EcrAuthOption::SecretAccessKey, &secret[..n]);
        set(request, EcrAuthOption::SecretAccessKey, SECRET_KEY.as_bytes());
        set(request, EcrAuthOption::SessionToken, &secret[..n]);
        unsafe {
            ecr_auth_request_set(
                request,
                EcrAuthOption::SessionToken as u32,
                std::ptr::null(),
                null_mut(),
                0,
            )
        };
        let (variable, n) = canary_value("AWS_SECRET_ACCESS_KEY=", b'3');
        set(request, EcrAuthOption::Environment, &variable[..n]);
        set(
            request,
            EcrAuthOption::Environment,
            b"AWS_SECRET_ACCESS_KEY=other",
        );
        set(request, EcrAuthOption::Environment, &variable[..n]);
        unsafe {
            ecr_auth_request_set(
                request,
                EcrAuthOption::Environment as u32,
                std::ptr::null(),
                null_mut(),
                0,
            )
        };
    });
    assert_eq!(hits, 0, "a replaced or cleared secret was freed unwiped");

    // 4. An environment secret that is handed over but not used (static keys), through a
    //    fetch and then the request's free; with reuse on, the kept token is wiped when forgotten.
    let hits = hits_during(b'4', || {
        let (variable, n) = canary_value("AWS_SECRET_ACCESS_KEY=", b'4');
        set(request, EcrAuthOption::Environment, &variable[..n]);
        set(
            request,
            EcrAuthOption::Environment,
            b"AWS_EC2_METADATA_DISABLED=true",
        );
        let (token, n) = canary_value("", b'4');
        let (status, result) = fetch(request);
        assert_eq!(status, EcrAuthStatus::Ok);
        unsafe { ecr_auth_result_free(result) };
        set(request, EcrAuthOption::SessionToken, &token[..n]); // set, never fetched
        unsafe { ecr_auth_request_free(request) };
    });
    assert_eq!(hits, 0, "a secret was freed unwiped with its request");

    let hits = hits_during(b'1', || {
        let reusing = request_for(&ecr_ok);
        set(reusing, EcrAuthOption::ReuseTokens, b"1");
        let (status, result) = fetch(reusing);
        assert_eq!(status, EcrAuthStatus::Ok);
        unsafe { ecr_auth_result_free(result) };
        assert_eq!(ecr_auth::token_cache::cached_entries(), 1);
        ecr_auth_forget_tokens();
        assert_eq!(ecr_auth::token_cache::cached_entries(), 0);
        unsafe { ecr_auth_request_free(reusing) };
    });
    assert_eq!(hits, 0, "a cached password was dropped unwiped");

    // The watch itself works: an unwiped String with the canary is caught.
    let hits = hits_during(b'9', || {
        let (value, n) = canary_value("", b'9');
        drop(String::from_utf8(value[..n].to_vec()).unwrap());
    });
    assert_eq!(hits, 1, "the canary watch did not see a plain String being freed");
}
