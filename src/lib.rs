//! EcrAuth's native core: fetch an Amazon ECR authorization token and decode it
//! into ready-to-use registry logins.
//!
//! Everything here is safe Rust with its own tests; [`ffi`] is the one module that
//! converts C types, checks pointers and catches panics. Imports run one way:
//! `error`, `validate` <- `decode`, `registry`, `ecr_host`, `environment` <- `model`,
//! `request` <- `runtime`, `classify`, `token_cache` <- `config` <- `fetch` <- `ffi`.
#![deny(unsafe_code)]

mod classify;
mod config;
pub mod decode;
pub mod ecr_host;
pub mod environment;
pub mod error;
pub mod fetch;
pub mod helper;
pub mod model;
pub mod registry;
pub mod request;
mod runtime;
pub mod token_cache;
mod validate;

#[allow(unsafe_code)]
pub mod ffi;

pub use decode::{DecodeError, DecodedToken, decode_token};
pub use ecr_host::{EcrRegistry, parse_ecr_host};
pub use environment::Environment;
pub use error::{Error, ErrorKind, Result};
pub use fetch::{fetch_logins, fetch_logins_blocking};
pub use model::{Fetched, Login, Target, TargetFailure};
pub use registry::registry_host;
pub use request::{CredentialSource, FetchRequest};
pub use validate::validate_region;
