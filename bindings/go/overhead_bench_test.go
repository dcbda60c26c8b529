package aegis_test

// The Go side of benches/bindings_overhead.py (make bench-bindings): VerifyQuote in a verifier's
// steady state (AK loaded once, policy built once, PCR values parsed once) and, as its baseline,
// the same aegis_quote_verify called directly through cgo on the same handles and inputs
// (internal/cgodirect), served one sample per request (AEGIS_BENCH_SERVE=1) so that the script
// alternates Go, Rust and Python samples, and one million calls without memory growth
// (AEGIS_MEMORY_TEST=1). Benchmarks, not timed tests.

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/aegis-attest/aegis/bindings/go/internal/cgodirect"
)

type benchQuote struct {
	ak      *aegis.AttestationKey
	attest  []byte
	sig     []byte
	pcrFile []byte
	pcrs    *aegis.PCRValues
	forged  *aegis.PCRValues // sha256:15 changed: PcrDigestMismatch
	nonce   []byte
	policy  *aegis.QuotePolicy
}

func (q *benchQuote) Close() {
	q.ak.Close()
	q.pcrs.Close()
	q.forged.Close()
	q.policy.Close()
}

var benchBanks = map[string]aegis.HashAlg{"sha1": aegis.SHA1, "sha256": aegis.SHA256, "sha384": aegis.SHA384, "sha512": aegis.SHA512}

func loadBenchQuote(tb testing.TB, id string) *benchQuote {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(testdataDir, "manifest.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	var v *vector
	for i := range m.Vectors {
		if m.Vectors[i].ID == id {
			v = &m.Vectors[i]
		}
	}
	if v == nil || v.Kind != "quote" {
		tb.Fatalf("no quote vector %s in the manifest", id)
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(testdataDir, p))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	q := &benchQuote{attest: read(v.Attest), sig: read(v.Signature), pcrFile: read(v.PCRs), policy: aegis.NewQuotePolicy()}
	if q.nonce, err = hex.DecodeString(v.Nonce); err != nil {
		tb.Fatal(err)
	}
	if q.ak, err = aegis.AttestationKeyFromTPMPublic(read(v.AK)); err != nil {
		tb.Fatal(err)
	}
	if q.pcrs, err = aegis.ParsePCRs(q.pcrFile); err != nil {
		tb.Fatal(err)
	}
	if p := v.Policy; p != nil {
		for bank, indices := range p.RequirePCRs {
			for _, i := range indices {
				if err := q.policy.RequirePCR(benchBanks[bank], i); err != nil {
					tb.Fatal(err)
				}
			}
		}
		if err := q.policy.AllowSHA1(p.AllowSHA1); err != nil {
			tb.Fatal(err)
		}
		if p.ExpectedSigner != "" {
			name, err := hex.DecodeString(p.ExpectedSigner)
			if err != nil {
				tb.Fatal(err)
			}
			if err := q.policy.SetExpectedSigner(name); err != nil {
				tb.Fatal(err)
			}
		}
	}
	vq, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, q.pcrs, q.nonce, q.policy)
	if err != nil {
		tb.Fatalf("%s does not verify: %v", id, err)
	}
	q.forged, err = aegis.ParsePCRs(forgedJSON(vq))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, q.forged, q.nonce, q.policy); !errors.Is(err, aegis.ErrPcrDigestMismatch) {
		tb.Fatalf("forged PCRs: %v, want PcrDigestMismatch", err)
	}
	return q
}

// forgedJSON is the verified PCR values as PCR JSON with sha256:15 changed.
func forgedJSON(vq *aegis.VerifiedQuote) []byte {
	pcrs := vq.PCRs()
	for _, p := range pcrs {
		if p.Bank == aegis.SHA256 && p.Index == 15 {
			p.Value[0] ^= 1
		}
	}
	return pcrJSON(pcrs)
}

var benchVectors = []string{"quote-ecc-p256-ecdsa-sha256", "quote-rsa2048-rsassa-sha256"}

// directVerify is q's verification as a direct cgo call of aegis_quote_verify (the baseline of
// the binding's cost): the binding's handles, the same inputs, no Go wrapper.
func (q *benchQuote) directVerify() func() uint32 {
	ak, pcrs, policy := aegis.QuoteHandles(q.ak, q.pcrs, q.policy)
	attest, sig, nonce := q.attest, q.sig, q.nonce
	return func() uint32 { return cgodirect.VerifyQuote(ak, pcrs, policy, attest, sig, nonce) }
}

// BenchmarkVerifyQuote: the steady state of a verifier, per vector
// (go test -run '^$' -bench BenchmarkVerifyQuote).
func BenchmarkVerifyQuote(b *testing.B) {
	for _, id := range benchVectors {
		b.Run(id, func(b *testing.B) {
			q := loadBenchQuote(b, id)
			defer q.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, q.pcrs, q.nonce, q.policy); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDirectCgo: the baseline of BenchmarkVerifyQuote, aegis_quote_verify called directly
// through cgo on the same handles and inputs (go test -run '^$' -bench 'VerifyQuote|DirectCgo').
func BenchmarkDirectCgo(b *testing.B) {
	for _, id := range benchVectors {
		b.Run(id, func(b *testing.B) {
			q := loadBenchQuote(b, id)
			defer q.Close()
			verify := q.directVerify()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if status := verify(); status != 0 {
					b.Fatalf("aegis_quote_verify: %d (%s)", status, aegis.StatusMessage(status))
				}
			}
		})
	}
}

// TestBenchServe (AEGIS_BENCH_SERVE=1) is the sample server of support/interleaved.rs in Go:
// for each vector of AEGIS_BENCH_VECTORS (comma-separated; default benchVectors) the jobs
// "VECTOR_ID go/VerifyQuote" (the binding) and "VECTOR_ID go/direct-cgo" (aegis_quote_verify
// called directly through cgo, on the same handles and inputs), each calibrated to about
// AEGIS_BENCH_SAMPLE_MS (default 40) per sample;
// it prints {"ready": [names]}, then for each stdin line naming a job one sample {"ns": ns per
// call}; end of input ends.
func TestBenchServe(t *testing.T) {
	if os.Getenv("AEGIS_BENCH_SERVE") != "1" {
		t.Skip("AEGIS_BENCH_SERVE=1 serves benchmark samples (make bench-bindings)")
	}
	ids := benchVectors
	if s := os.Getenv("AEGIS_BENCH_VECTORS"); s != "" {
		ids = strings.Split(s, ",")
	}
	target := time.Duration(envInt("AEGIS_BENCH_SAMPLE_MS", 40)) * time.Millisecond
	type job struct {
		run   func()
		iters int
	}
	jobs := map[string]*job{}
	var names []string
	add := func(name string, run func()) {
		for i := 0; i < 10; i++ {
			run() // warm-up
		}
		n, start := 0, time.Now()
		for time.Since(start) < target/4 {
			run()
			n++
		}
		jobs[name] = &job{run: run, iters: max(4*n, 1)}
		names = append(names, name)
	}
	for _, id := range ids {
		q := loadBenchQuote(t, id)
		defer q.Close()
		add(id+" go/VerifyQuote", func() {
			if _, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, q.pcrs, q.nonce, q.policy); err != nil {
				t.Fatal(err)
			}
		})
		direct := q.directVerify()
		add(id+" go/direct-cgo", func() {
			if status := direct(); status != 0 {
				t.Fatalf("aegis_quote_verify: %d (%s)", status, aegis.StatusMessage(status))
			}
		})
	}
	emit := func(v any) {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%s\n", out)
	}
	emit(map[string]any{"ready": names})
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		name := strings.TrimSpace(in.Text())
		j, ok := jobs[name]
		if !ok {
			emit(map[string]any{"error": fmt.Sprintf("no job %q", name)})
			continue
		}
		start := time.Now()
		for i := 0; i < j.iters; i++ {
			j.run()
		}
		emit(map[string]any{"ns": float64(time.Since(start).Nanoseconds()) / float64(j.iters)})
	}
	if err := in.Err(); err != nil {
		t.Fatal(err)
	}
}

func rssKiB(t *testing.T) uint64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kib, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	return def
}

// TestMemoryMillionCalls (AEGIS_MEMORY_TEST=1; AEGIS_MEMORY_CALLS, default 1,000,000): every
// 10th call with forged PCR values (the error path, an *aegis.Error each time), the PCR values
// parsed and Closed per call on the success path, so that C handles are made and freed on every
// call. After a warm-up of 50,000 calls (the Go heap and the C allocator keep what they have
// freed: growth is measured from a warm state, not from zero) the Go heap in use (MemStats
// HeapAlloc after a GC) and the RSS (after debug.FreeOSMemory) must grow by less than 1 MiB.
func TestMemoryMillionCalls(t *testing.T) {
	if os.Getenv("AEGIS_MEMORY_TEST") != "1" {
		t.Skip("AEGIS_MEMORY_TEST=1 runs one million verifications (make bench-bindings)")
	}
	id := os.Getenv("AEGIS_MEMORY_VECTOR")
	if id == "" {
		id = "quote-rsa2048-rsassa-sha256"
	}
	calls := envInt("AEGIS_MEMORY_CALLS", 1_000_000)
	warmup := min(envInt("AEGIS_MEMORY_WARMUP", 50_000), calls)
	const limitKiB = 1024
	q := loadBenchQuote(t, id)
	defer q.Close()
	sample := func() (heap, rss uint64) {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc / 1024, rssKiB(t)
	}
	var heapWarm, rssWarm uint64
	errs := 0
	for n := 0; n < calls; n++ {
		if n == warmup {
			heapWarm, rssWarm = sample()
		}
		if n%10 == 0 {
			_, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, q.forged, q.nonce, q.policy)
			if !errors.Is(err, aegis.ErrPcrDigestMismatch) {
				t.Fatalf("call %d: %v, want PcrDigestMismatch", n, err)
			}
			errs++
			continue
		}
		pcrs, err := aegis.ParsePCRs(q.pcrFile)
		if err != nil {
			t.Fatal(err)
		}
		vq, err := aegis.VerifyQuote(q.ak, q.attest, q.sig, pcrs, q.nonce, q.policy)
		pcrs.Close()
		if err != nil {
			t.Fatalf("call %d: %v", n, err)
		}
		if len(vq.PCRs()) == 0 {
			t.Fatal("no PCRs")
		}
	}
	heapEnd, rssEnd := sample()
	out, _ := json.Marshal(map[string]any{
		"language": "go", "vector": id, "calls": calls, "errors": errs, "warmup": warmup,
		"heap_warm_kib": heapWarm, "heap_end_kib": heapEnd, "rss_warm_kib": rssWarm, "rss_end_kib": rssEnd,
	})
	fmt.Printf("AEGIS_MEMORY %s\n", out)
	if int64(heapEnd)-int64(heapWarm) >= limitKiB || int64(rssEnd)-int64(rssWarm) >= limitKiB {
		t.Fatalf("memory grew over %d calls: heap %d -> %d KiB, RSS %d -> %d KiB (limit < %d KiB)",
			calls-warmup, heapWarm, heapEnd, rssWarm, rssEnd, limitKiB)
	}
}
