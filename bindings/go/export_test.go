package aegis

// StatusMessage exposes aegis_status_str to the tests (test files cannot use cgo).
var StatusMessage = statusMessage

// LimitInlineRecords makes VerifyQuote offer C only n bytes for the PCR records (at most
// inlineRecords), so that larger selections take the second read, until restore is called.
func LimitInlineRecords(n int) (restore func()) {
	inlineLimit = min(n, inlineRecords)
	return func() { inlineLimit = inlineRecords }
}
