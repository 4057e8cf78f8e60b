//! The two macros every exported function uses: one panic boundary, one null check.

/// Runs `$body`, turning a panic into `$on_panic`: a panic must never unwind into C.
macro_rules! ffi_boundary {
    ($on_panic:expr, $body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(value) => value,
            Err(_) => $on_panic,
        }
    };
}

/// `&T` (or `&mut T` with `mut`) from a C pointer, or returns `Err(Failure)` with
/// `NULL_POINTER` naming the argument. Use only inside `unsafe fn`s whose contract makes the
/// pointer NULL or valid for the call.
macro_rules! try_ref {
    ($ptr:expr, $name:literal) => {
        // SAFETY: per the calling function's contract, NULL or valid for reads.
        match unsafe { $ptr.as_ref() } {
            Some(value) => value,
            None => return Err($crate::ffi::status::null_pointer($name)),
        }
    };
    (mut $ptr:expr, $name:literal) => {
        // SAFETY: per the calling function's contract, NULL or valid and not aliased.
        match unsafe { $ptr.as_mut() } {
            Some(value) => value,
            None => return Err($crate::ffi::status::null_pointer($name)),
        }
    };
}

pub(crate) use {ffi_boundary, try_ref};
