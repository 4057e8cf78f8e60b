//! EcrAuth's native core: fetch an Amazon ECR authorization token and decode it
//! into ready-to-use registry logins.
//!
//! Everything here is safe Rust with its own tests; [`ffi`] is the one module that
//! converts C types, checks pointers and catches panics.
#![deny(unsafe_code)]

pub mod decode;
pub mod ecr_host;
pub mod error;
pub mod fetch;
pub mod registry;
pub mod request;
mod runtime;
mod token_cache;

#[allow(unsafe_code)]
pub mod ffi;

pub use decode::{DecodeError, DecodedToken, decode_token};
pub use ecr_host::{EcrRegistry, parse_ecr_host};
pub use error::{Error, ErrorKind, Result};
pub use fetch::{Login, fetch_logins, fetch_logins_blocking};
pub use registry::registry_host;
pub use request::{CredentialSource, FetchRequest};
