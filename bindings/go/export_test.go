package aegis

import (
	"runtime"
	"sync/atomic"
)

// StatusMessage exposes aegis_status_str to the tests (test files cannot use cgo).
var StatusMessage = statusMessage

// YieldInterval is how often back-to-back long calls yield (sched.go).
const YieldInterval = yieldInterval

// CountYields replaces the yield of afterLongCall with a counter until restore is called.
func CountYields() (count func() int, restore func()) {
	var n atomic.Int64
	yield = func() { n.Add(1) }
	return func() int { return int(n.Load()) }, func() { yield = runtime.Gosched }
}

// LimitInlineRecords makes VerifyQuote offer C only n bytes for the PCR records (at most
// inlineRecords), so that larger selections take the second call, until restore is called.
func LimitInlineRecords(n int) (restore func()) {
	inlineLimit = min(n, inlineRecords)
	return func() { inlineLimit = inlineRecords }
}
