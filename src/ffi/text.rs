//! C strings in, messages out.

use super::status::{EcrAuthStatus, Failure};
use std::ffi::{CStr, c_char};

/// An optional C string argument: NULL means absent.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn optional_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| (EcrAuthStatus::InvalidUtf8, format!("{name} is not valid UTF-8")))
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

/// Writes the outcome's message ("" on plain success) and returns its status.
///
/// # Safety
/// As for [`write_message`].
pub(crate) unsafe fn finish(
    outcome: Result<(EcrAuthStatus, String), Failure>,
    buf: *mut c_char,
    len: usize,
) -> EcrAuthStatus {
    let (status, message) = match outcome {
        Ok(done) => done,
        Err(failure) => failure,
    };
    // SAFETY: forwarded.
    unsafe { write_message(buf, len, &message) };
    status
}
