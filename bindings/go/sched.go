package aegis

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Long C calls and Go's scheduler.
//
// A verification is one cgo call of 20-100 us, during which the calling goroutine's P is in a
// system call. Go's sysmon leaves such a P alone while another P is idle, but once it has seen
// the same goroutine on a P for 10 ms without a pass through the scheduler (forcePreemptNS in
// runtime/proc.go), it takes the P back at each of its ticks that finds the goroutine in C, and
// every such retake resets its tick to 20 us. A goroutine that verifies back to back (a batch, a
// benchmark) then keeps sysmon and the threads it wakes busy on another core for as long as the
// loop runs, and on a 2-core VM each P-256 verification took 1-2 us longer (make
// bench-bindings: go/VerifyQuote with and without the yield below, 3 runs). A goroutine that
// waits for requests between verifications passes through the scheduler anyway.
//
// afterLongCall, called after each C call that verifies a signature or does a public-key
// operation, yields (runtime.Gosched) when yieldInterval has passed since the last yield of
// any goroutine, so that a loop of calls reschedules well within sysmon's 10 ms: one scheduler
// pass per interval, and about 20 ns (one monotonic clock read) per call otherwise. With more
// goroutines verifying back to back at once than 10 ms / yieldInterval, each yields less often
// than that and may still meet the retakes; nothing else changes.
const yieldInterval = 2 * time.Millisecond

var (
	pkgEpoch  = time.Now()
	lastYield atomic.Int64 // time.Since(pkgEpoch) at the last yield, in ns
	yield     = runtime.Gosched
)

func afterLongCall() {
	now := int64(time.Since(pkgEpoch))
	last := lastYield.Load()
	if now-last >= int64(yieldInterval) && lastYield.CompareAndSwap(last, now) {
		yield()
	}
}
