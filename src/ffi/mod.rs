//! The C ABI, and the only module with `unsafe`. It converts C types, checks every
//! pointer and catches every panic; the work itself is done by the safe core.
//!
//! One file per C object: [`request`] (`ecr_auth_request`, and `ecr_auth_fetch`, which
//! packs a request into one call), [`result`] (`ecr_auth_result`), with [`status`] for the
//! codes and options, [`text`] for strings and messages, [`macros`] for the panic boundary
//! and null checks.
//!
//! Memory: every object the library hands out (`ecr_auth_request`, `ecr_auth_result`) is
//! owned by the caller and released with its `*_free` function exactly once; strings read
//! from a result stay valid until then. Error messages are copied into a buffer the caller
//! owns, so there is nothing to free for them.

mod macros;
pub mod request;
pub mod result;
pub mod status;
mod text;

pub use request::{
    EcrAuthRequest, ecr_auth_fetch, ecr_auth_forget_tokens, ecr_auth_request_fetch, ecr_auth_request_free,
    ecr_auth_request_new, ecr_auth_request_set,
};
pub use result::{
    EcrAuthResult, ecr_auth_result_count, ecr_auth_result_expires_at, ecr_auth_result_failure_count,
    ecr_auth_result_failure_message, ecr_auth_result_failure_status, ecr_auth_result_failure_target,
    ecr_auth_result_free, ecr_auth_result_password, ecr_auth_result_password_len,
    ecr_auth_result_proxy_endpoint, ecr_auth_result_registry, ecr_auth_result_username,
};
pub use status::{EcrAuthOption, EcrAuthStatus};

use std::ffi::c_char;

/// Suggested size for the error buffers passed to the library; longer messages are truncated.
pub const ECR_AUTH_ERROR_BUFFER_SIZE: usize = 1024;

/// The library version, e.g. "0.3.0". Static; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn ecr_auth_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast::<c_char>()
}

#[cfg(test)]
mod tests {
    use super::macros::ffi_boundary;
    use super::status::EcrAuthStatus;

    #[test]
    fn the_boundary_turns_a_panic_into_the_fallback() {
        let status = ffi_boundary!(EcrAuthStatus::Panic, { panic!("deliberate") });
        assert_eq!(status, EcrAuthStatus::Panic);
        assert_eq!(
            ffi_boundary!(EcrAuthStatus::Panic, { EcrAuthStatus::Ok }),
            EcrAuthStatus::Ok
        );
    }
}
