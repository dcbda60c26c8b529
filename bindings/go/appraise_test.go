package aegis_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// codeAKBindingMismatch is AkBindingMismatch (7005), compared by number until the generated
// error table names it.
const codeAKBindingMismatch = 7005

// appraisalPair is a certify vector of an ECC App Key and a quote vector by the same AK.
func appraisalPair(t *testing.T) (certify, quote vector) {
	t.Helper()
	for _, c := range validVectors(t, "certify") {
		if !strings.HasSuffix(c.ID, "ecc-p256") {
			continue
		}
		for _, q := range validVectors(t, "quote") {
			if q.AKName == c.AKName && (q.Policy == nil || q.Policy.PreviousClock == nil) {
				return c, q
			}
		}
	}
	t.Fatal("no certify and quote vectors of the same AK")
	return
}

type appraisalInputs struct {
	ak       *aegis.AttestationKey
	evidence *aegis.Evidence
	nonces   aegis.Nonces
}

func loadAppraisal(t *testing.T) appraisalInputs {
	t.Helper()
	c, q := appraisalPair(t)
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, c.AK))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ak.Close)
	pcrs, err := aegis.ParsePCRs(readVectorFile(t, q.PCRs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pcrs.Close)
	return appraisalInputs{
		ak: ak,
		evidence: &aegis.Evidence{
			AppKey:           readVectorFile(t, c.Key),
			CertifyAttest:    readVectorFile(t, c.Attest),
			CertifySignature: readVectorFile(t, c.Signature),
			QuoteAttest:      readVectorFile(t, q.Attest),
			QuoteSignature:   readVectorFile(t, q.Signature),
			PCRs:             pcrs,
		},
		nonces: aegis.Nonces{Certify: mustHex(t, c.Nonce), Quote: mustHex(t, q.Nonce)},
	}
}

type want struct {
	check   aegis.Check
	outcome aegis.Outcome
	code    uint32
}

func expectOutcomes(t *testing.T, a *aegis.Appraisal, wants ...want) {
	t.Helper()
	got := a.Outcomes()
	if len(got) != len(wants) {
		t.Fatalf("%d checks, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		if g.Check != w.check || g.Outcome != w.outcome {
			t.Errorf("check %d: %s %s (%s), want %s %s", i, g.Check, g.Outcome, g.Reason, w.check, w.outcome)
			continue
		}
		var ae *aegis.Error
		switch g.Outcome {
		case aegis.OutcomeFailed:
			if !errors.As(g.Err, &ae) || ae.Code() != w.code || g.Reason == "" {
				t.Errorf("check %s: error %v, want code %d", g.Check, g.Err, w.code)
			}
		case aegis.OutcomeSkipped:
			if g.Err != nil || g.Reason == "" {
				t.Errorf("check %s skipped: %v, %q", g.Check, g.Err, g.Reason)
			}
		default:
			if g.Err != nil || g.Reason != "" {
				t.Errorf("check %s passed: %v, %q", g.Check, g.Err, g.Reason)
			}
		}
	}
}

func TestAppraise(t *testing.T) {
	in := loadAppraisal(t)
	policy := aegis.NewAppraisalPolicy()
	defer policy.Close()
	if err := policy.NoLocation(); err != nil {
		t.Fatal(err)
	}

	// No binding: the AK binding fails with AkBindingMismatch; certification and quote pass.
	a, err := aegis.Appraise(in.ak, nil, in.evidence, in.nonces, policy)
	if err != nil {
		t.Fatal(err)
	}
	if a.Passed() {
		t.Fatal("an unbound AK passed")
	}
	expectOutcomes(t, a,
		want{aegis.CheckAKBinding, aegis.OutcomeFailed, codeAKBindingMismatch},
		want{aegis.CheckAppKeyCertification, aegis.OutcomePassed, 0},
		want{aegis.CheckQuote, aegis.OutcomePassed, 0})
	// What it establishes (the certification and the quote), what it does not (the refused
	// binding, the uncertified EK, the boot state), and the verified results of passed checks.
	if len(a.Established()) != 2 || len(a.NotEstablished()) != 3 || !strings.Contains(a.NotEstablished()[0], "refused") {
		t.Errorf("established %q, not established %q", a.Established(), a.NotEstablished())
	}
	if a.Quote() == nil || len(a.Quote().PCRs()) == 0 || a.Certification() == nil || len(a.Certification().SPKI()) == 0 {
		t.Errorf("verified results: quote %v, certification %v", a.Quote(), a.Certification())
	}
	if aegis.CheckAKBinding.String() != "ak-binding" || aegis.CheckAppKeyCertification.String() != "app-key-certification" ||
		aegis.CheckQuote.String() != "quote" || aegis.CheckLocationLog.String() != "location-log" ||
		aegis.CheckAppKeyPossession.String() != "app-key-possession" {
		t.Fatal("check names differ from the other surfaces'")
	}

	// The default policy (nil) appraises the location PCR: without a log, skipped.
	a, err = aegis.Appraise(in.ak, nil, in.evidence, in.nonces, nil)
	if err != nil {
		t.Fatal(err)
	}
	expectOutcomes(t, a,
		want{aegis.CheckAKBinding, aegis.OutcomeFailed, codeAKBindingMismatch},
		want{aegis.CheckAppKeyCertification, aegis.OutcomePassed, 0},
		want{aegis.CheckQuote, aegis.OutcomePassed, 0},
		want{aegis.CheckLocationLog, aegis.OutcomeSkipped, 0})

	// Possession proofs that cannot verify: each fails its check with the specific error.
	ecdsa256 := aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}
	for _, c := range []struct {
		sig    []byte
		format aegis.SignatureFormat
		code   uint32
	}{
		{make([]byte, 10), aegis.SignatureRaw, codeSignatureLength},
		{append(make([]byte, 63), 1), aegis.SignatureRaw, aegis.ErrEcdsaScalarOutOfRange.Code()},
		{[]byte{0x30, 0x00}, aegis.SignatureDER, aegis.ErrInvalidFormat.Code()},
	} {
		ev := *in.evidence
		ev.Possession = &aegis.PossessionProof{Message: message, Scheme: ecdsa256, Signature: c.sig, Format: c.format}
		a, err := aegis.Appraise(in.ak, nil, &ev, in.nonces, policy)
		if err != nil {
			t.Fatal(err)
		}
		expectOutcomes(t, a,
			want{aegis.CheckAKBinding, aegis.OutcomeFailed, codeAKBindingMismatch},
			want{aegis.CheckAppKeyCertification, aegis.OutcomePassed, 0},
			want{aegis.CheckQuote, aegis.OutcomePassed, 0},
			want{aegis.CheckAppKeyPossession, aegis.OutcomeFailed, c.code})
	}
	ev := *in.evidence
	ev.Possession = &aegis.PossessionProof{Scheme: aegis.SignatureScheme{Alg: 0x0099, Hash: aegis.SHA256}}
	if _, err := aegis.Appraise(in.ak, nil, &ev, in.nonces, policy); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Fatalf("unknown possession scheme: %v", err)
	}

	// One bit of the quote's signature flipped: the quote fails with SignatureInvalid.
	ev = *in.evidence
	ev.QuoteSignature = append([]byte(nil), ev.QuoteSignature...)
	ev.QuoteSignature[len(ev.QuoteSignature)-1] ^= 1
	a, err = aegis.Appraise(in.ak, nil, &ev, in.nonces, policy)
	if err != nil {
		t.Fatal(err)
	}
	expectOutcomes(t, a,
		want{aegis.CheckAKBinding, aegis.OutcomeFailed, codeAKBindingMismatch},
		want{aegis.CheckAppKeyCertification, aegis.OutcomePassed, 0},
		want{aegis.CheckQuote, aegis.OutcomeFailed, aegis.ErrSignatureInvalid.Code()})
	if !errors.Is(a.Outcomes()[2].Err, aegis.ErrSignatureInvalid) {
		t.Fatalf("quote error %v", a.Outcomes()[2].Err)
	}

	// Unusable arguments are errors, not outcomes.
	if _, err := aegis.Appraise(in.ak, nil, nil, in.nonces, policy); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil evidence: %v", err)
	}
	ev = *in.evidence
	ev.PCRs = nil
	if _, err := aegis.Appraise(in.ak, nil, &ev, in.nonces, policy); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil PCRs: %v", err)
	}
	if _, err := aegis.Appraise(nil, nil, in.evidence, in.nonces, policy); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil AK: %v", err)
	}
	closed := aegis.NewAppraisalPolicy()
	closed.Close()
	closed.Close()
	if _, err := aegis.Appraise(in.ak, nil, in.evidence, in.nonces, closed); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed policy: %v", err)
	}
}

func TestAppraisalPolicy(t *testing.T) {
	p := aegis.NewAppraisalPolicy()
	defer p.Close()
	if err := p.RequirePCR(aegis.SHA256, 24); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("PCR 24: %v", err)
	}
	if err := p.SetLocationPCR(0x0099, 15); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Fatalf("unknown bank: %v", err)
	}
	for _, err := range []error{p.RequirePCR(aegis.SHA256, 0), p.SetLocationPCR(aegis.SHA384, 16), p.AllowSHA1(true), p.NoLocation()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A required PCR the quote does not cover fails the quote.
	in := loadAppraisal(t)
	if err := p.RequirePCR(aegis.SHA256, 23); err != nil {
		t.Fatal(err)
	}
	a, err := aegis.Appraise(in.ak, nil, in.evidence, in.nonces, p)
	if err != nil {
		t.Fatal(err)
	}
	if o := a.Outcomes()[2]; o.Check != aegis.CheckQuote || !errors.Is(o.Err, aegis.ErrRequiredPcrMissing) {
		t.Fatalf("quote without PCR 23: %+v", o)
	}
}

// The evidence's byte slices are pinned during the call and the outcomes copied: appraisals
// from several goroutines under GOGC=1 and cgocheck keep their results.
func TestConcurrentAppraise(t *testing.T) {
	in := loadAppraisal(t)
	policy := aegis.NewAppraisalPolicy()
	defer policy.Close()
	if err := policy.NoLocation(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 5; i++ {
				ev := *in.evidence
				ev.LocationLog = []byte{}
				a, err := aegis.Appraise(in.ak, nil, &ev, in.nonces, policy)
				if err != nil {
					done <- err
					return
				}
				if o := a.Outcomes(); len(o) != 3 || o[2].Outcome != aegis.OutcomePassed {
					done <- errors.New("quote did not pass")
					return
				}
				runtime.GC()
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
