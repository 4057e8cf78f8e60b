//! EcrAuth's native core: fetch an Amazon ECR authorization token and decode it
//! into ready-to-use registry logins.
//!
//! Everything here is safe Rust with its own tests; [`ffi`] is the one module that
//! converts C types, checks pointers and catches panics.
#![deny(unsafe_code)]

pub mod decode;
pub mod error;
pub mod fetch;
pub mod registry;
pub mod request;
mod runtime;

#[allow(unsafe_code)]
pub mod ffi;

pub use decode::{DecodeError, DecodedToken, decode_token};
pub use error::{Error, ErrorKind, Result};
pub use fetch::{Login, fetch_logins, fetch_logins_blocking};
pub use registry::registry_host;
pub use request::FetchRequest;
