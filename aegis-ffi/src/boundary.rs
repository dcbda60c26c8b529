//! The panic boundary and the raw-pointer helpers: the only place that dereferences what C hands in.
//!
//! Every export calls [`guard`] (fallible functions) or [`guard_value`] (accessors, frees), so
//! each `extern "C"` body is a closure that rustfmt formats like any other code.

use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::error::aegis_error;
use crate::status::{aegis_status, AEGIS_INVALID_UTF8, AEGIS_NULL_POINTER, AEGIS_OK, AEGIS_PANIC};

/// Why an FFI call failed: a core error, or one of the FFI-only conditions.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A verdict or usage error from aegis-core.
    Core(aegis_core::Error),
    /// A required pointer was NULL; names the parameter.
    NullPointer(&'static str),
    /// A panic was caught at the boundary; carries its message.
    Panic(String),
    /// A text argument is not valid UTF-8; names the parameter.
    InvalidUtf8(&'static str),
}

impl From<aegis_core::Error> for Failure {
    fn from(e: aegis_core::Error) -> Self {
        Failure::Core(e)
    }
}

impl Failure {
    pub(crate) fn code(&self) -> aegis_status {
        match self {
            Failure::Core(e) => e.code(),
            Failure::NullPointer(_) => AEGIS_NULL_POINTER,
            Failure::Panic(_) => AEGIS_PANIC,
            Failure::InvalidUtf8(_) => AEGIS_INVALID_UTF8,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Failure::Core(e) => e.name(),
            Failure::NullPointer(_) => "NullPointer",
            Failure::Panic(_) => "Panic",
            Failure::InvalidUtf8(_) => "InvalidUtf8",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Core(e) => e.to_string(),
            Failure::NullPointer(what) => format!("NULL pointer: {what}"),
            Failure::Panic(msg) => {
                format!("internal error (panic caught at the C boundary): {msg}")
            }
            Failure::InvalidUtf8(what) => format!("not valid UTF-8: {what}"),
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, Failure>;

/// The optional `aegis_error **err_out` of a fallible export, checked once on entry.
pub(crate) struct ErrOut(*mut *mut aegis_error);

impl ErrOut {
    /// Wraps the `err_out` parameter.
    ///
    /// # Safety
    /// `ptr` is NULL or valid for writing one `*mut aegis_error` for the rest of the call.
    pub(crate) unsafe fn new(ptr: *mut *mut aegis_error) -> Self {
        ErrOut(ptr)
    }

    /// No error object requested (accessors without an `err_out` parameter).
    pub(crate) fn none() -> Self {
        ErrOut(core::ptr::null_mut())
    }
}

/// Runs the body of a fallible export: `AEGIS_OK`, or the failure's code with a new
/// `aegis_error` written to `*err_out` when `err_out` is not NULL. A panic becomes `AEGIS_PANIC`.
pub(crate) fn guard(err_out: ErrOut, f: impl FnOnce() -> FfiResult<()>) -> aegis_status {
    let failure = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return AEGIS_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => {
            let msg = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "non-string panic payload".to_owned()
            };
            Failure::Panic(msg)
        }
    };
    let code = failure.code();
    if !err_out.0.is_null() {
        if let Ok(error) = catch_unwind(AssertUnwindSafe(|| Box::new(aegis_error::new(&failure)))) {
            // SAFETY: err_out is not NULL and, by `ErrOut::new`'s contract, valid for writing
            // one pointer during the call.
            unsafe { err_out.0.write(Box::into_raw(error)) };
        }
    }
    code
}

/// Runs the body of an infallible export (accessor, free); a panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// A `(ptr, len)` byte view; NULL is accepted when `len` is 0.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` is valid for reading `len` bytes, which are not
/// written during `'a` (the call).
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static str,
) -> FfiResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(what));
    }
    if len > isize::MAX as usize {
        return Err(aegis_core::Error::InvalidArgument {
            what: "length exceeds isize::MAX",
        }
        .into());
    }
    // SAFETY: ptr is not NULL, len is in range, and the caller guarantees len readable bytes
    // that stay unchanged for 'a.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A `(ptr, len)` output buffer the caller owns; NULL is accepted when `len` is 0. Its bytes may
/// be uninitialized, so it is only written ([`MaybeUninit::write`]), never read.
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` is valid for writing `len` bytes, which nothing
/// else reads or writes during `'a` (the call).
pub(crate) unsafe fn bytes_out<'a>(
    ptr: *mut u8,
    len: usize,
    what: &'static str,
) -> FfiResult<&'a mut [MaybeUninit<u8>]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(what));
    }
    if len > isize::MAX as usize {
        return Err(aegis_core::Error::InvalidArgument {
            what: "length exceeds isize::MAX",
        }
        .into());
    }
    // SAFETY: ptr is not NULL, len is in range, and the caller guarantees len writable bytes used
    // by nothing else for 'a; MaybeUninit<u8> has the layout of u8 and needs no initialization.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr.cast::<MaybeUninit<u8>>(), len) })
}

/// Borrows an object handed in by C.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` made by this library, not mutated during `'a`.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, what: &'static str) -> FfiResult<&'a T> {
    // SAFETY: by the contract, a non-NULL ptr points to a live T.
    unsafe { ptr.as_ref() }.ok_or(Failure::NullPointer(what))
}

/// Borrows an object handed in by C, mutably.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` made by this library, not used elsewhere during `'a`.
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T, what: &'static str) -> FfiResult<&'a mut T> {
    // SAFETY: by the contract, a non-NULL ptr points to a live T used only here.
    unsafe { ptr.as_mut() }.ok_or(Failure::NullPointer(what))
}

/// An out-parameter checked for NULL, written at most once (on success).
pub(crate) struct Out<T>(NonNull<T>);

/// Checks an out-parameter for NULL.
///
/// # Safety
/// `ptr` is NULL or valid for writing one `T` for the rest of the call.
pub(crate) unsafe fn out<T>(ptr: *mut T, what: &'static str) -> FfiResult<Out<T>> {
    NonNull::new(ptr).map(Out).ok_or(Failure::NullPointer(what))
}

impl<T> Out<T> {
    /// Writes the value (the previous content is overwritten, not dropped: it is C data).
    pub(crate) fn write(self, value: T) {
        // SAFETY: `out`'s contract: the pointer is valid for writing one T during the call.
        unsafe { self.0.as_ptr().write(value) }
    }
}

impl<T> Out<*mut T> {
    /// Moves `value` to the heap and hands its ownership to C (freed by the type's `_free`).
    pub(crate) fn write_box(self, value: T) {
        self.write(Box::into_raw(Box::new(value)));
    }
}

/// Takes back and drops an object made by this library; NULL does nothing.
///
/// # Safety
/// `ptr` is NULL or came from [`Out::write_box`] for this `T` and was not freed before.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: by the contract, ptr came from Box::into_raw and is freed only once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}
