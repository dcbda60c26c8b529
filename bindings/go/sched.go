package aegis

import (
	"runtime"
	"sync"
	"time"
)

// Long C calls and Go's scheduler.
//
// A verification is one cgo call of 20-100 us, during which the calling goroutine's P is in a
// system call. Go's sysmon leaves such a P alone while its run queue is empty and another P is
// idle (otherwise it hands the P to another thread after 20 us, so that other goroutines run).
// But once it has seen the same goroutine on a P for 10 ms without a pass through the scheduler
// (forcePreemptNS in runtime/proc.go), it takes the P back at each of its ticks that finds the
// goroutine in C, and every such retake resets its tick to 20 us. A goroutine that verifies back
// to back (a batch, a benchmark) then keeps sysmon and the threads it wakes busy on another core
// for as long as the loop runs, and on a 2-core VM each P-256 verification took 1-2 us longer
// (paired against Rust as make bench-bindings does, with and without the yield below, 4 runs).
// A goroutine that waits for requests between verifications passes through the scheduler anyway.
//
// afterLongCall, called after each C call that verifies a signature or does a public-key
// operation, yields (runtime.Gosched) when yieldInterval has passed since the last yield on the
// same P, so that a loop of calls reschedules well within sysmon's 10 ms: one scheduler pass per
// interval per busy P, and about 40 ns (a clock read, a sync.Pool get and put) per call
// otherwise. The interval is long because each yield wakes a thread on another core (wakep):
// with 2 ms, the other core of a verification loop was 3.5% busy, with 5 ms 1.1%, without yields
// 6.2% (perf stat task-clock of a one-second VerifyQuote loop, P-256).
const yieldInterval = 5 * time.Millisecond

var (
	pkgEpoch = time.Now()
	// lastYield holds, per P (a sync.Pool keeps one item per P), time.Since(pkgEpoch) in ns at
	// the last yield there; a new item (none yet, or dropped by a GC) is 0, so it yields at once.
	lastYield = sync.Pool{New: func() any { return new(int64) }}
	yield     = runtime.Gosched
)

func afterLongCall() {
	last := lastYield.Get().(*int64)
	now := int64(time.Since(pkgEpoch))
	due := now-*last >= int64(yieldInterval)
	if due {
		*last = now
	}
	lastYield.Put(last)
	if due {
		yield()
	}
}
