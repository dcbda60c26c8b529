package aegis

// StatusMessage exposes aegis_status_str to the tests (test files cannot use cgo).
var StatusMessage = statusMessage
