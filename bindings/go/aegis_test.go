package aegis_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

func TestVersion(t *testing.T) {
	if v := aegis.Version(); v == "" || v == "unknown" {
		t.Fatalf("version %q", v)
	}
}

func TestErrorIs(t *testing.T) {
	_, err := aegis.AttestationKeyFromTPMPublic([]byte{0x00})
	if err == nil {
		t.Fatal("one byte loaded as an AK")
	}
	var ae *aegis.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%T is not *aegis.Error", err)
	}
	if !errors.Is(err, aegis.ErrorByCode(ae.Code())) {
		t.Fatalf("errors.Is(%v, sentinel %d) is false", err, ae.Code())
	}
	if errors.Is(err, aegis.ErrPcrDigestMismatch) {
		t.Fatal("a parse error matched ErrPcrDigestMismatch")
	}
	wrapped := fmt.Errorf("loading: %w", err)
	if !errors.Is(wrapped, aegis.ErrorByCode(ae.Code())) {
		t.Fatal("errors.Is fails through wrapping")
	}
	if !strings.Contains(err.Error(), ae.Name()) {
		t.Fatalf("message %q lacks the name %s", err.Error(), ae.Name())
	}
}

// TestSentinelTable pins the Go sentinels (errors_gen.go, generated from the core's error table)
// to the linked library: a code has a sentinel exactly when aegis_status_str knows it.
func TestSentinelTable(t *testing.T) {
	unknown := aegis.StatusMessage(1)
	known := 0
	// Every range the table may grow (1000s to 99000s).
	for code := uint32(1); code < 100000; code++ {
		cKnows := aegis.StatusMessage(code) != unknown
		s := aegis.ErrorByCode(code)
		if cKnows != (s != nil) {
			t.Errorf("code %d: C knows it %v, Go sentinel %v", code, cKnows, s)
		}
		if s != nil {
			known++
			if s.Code() != code || s.Name() == "" {
				t.Errorf("sentinel %d: %v", code, s)
			}
		}
	}
	if known < 40 {
		t.Fatalf("only %d codes", known)
	}
	for _, want := range []struct {
		err  *aegis.Error
		code uint32
		name string
	}{
		{aegis.ErrNullPointer, 1003, "NullPointer"},
		{aegis.ErrInvalidUTF8, 1005, "InvalidUtf8"},
		{aegis.ErrUnsupported, 1006, "Unsupported"},
		{aegis.ErrSignatureLength, 3006, "SignatureLength"},
		{aegis.ErrNullSigner, 4006, "NullSigner"},
		{aegis.ErrClockSafeRegression, 4007, "ClockSafeRegression"},
		{aegis.ErrPcrBankNotAllowed, 5005, "PcrBankNotAllowed"},
		{aegis.ErrKeyShapeInvalid, 6005, "KeyShapeInvalid"},
		{aegis.ErrNameAlgNotAllowed, 6006, "NameAlgNotAllowed"},
		{aegis.ErrAkBindingMismatch, 7005, "AkBindingMismatch"},
	} {
		if want.err.Code() != want.code || want.err.Name() != want.name || aegis.ErrorByCode(want.code) != want.err {
			t.Errorf("sentinel %v, want %d %s", want.err, want.code, want.name)
		}
	}
}

func TestNilAndClosedHandles(t *testing.T) {
	var ak *aegis.AttestationKey
	ak.Close() // nil-safe
	if ak.Name() != nil {
		t.Fatal("nil key has a Name")
	}
	_, err := aegis.VerifyQuote(nil, []byte{1}, []byte{1}, nil, []byte{1}, nil)
	if !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil AK: %v", err)
	}
	p := aegis.NewQuotePolicy()
	p.Close()
	p.Close() // idempotent
	if err := p.RequirePCR(aegis.SHA256, 15); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed policy: %v", err)
	}
	c := aegis.NewCertifyPolicy()
	c.Close()
	c.Close()
}

func TestEmptyInputs(t *testing.T) {
	if _, err := aegis.AttestationKeyFromTPMPublic(nil); err == nil {
		t.Fatal("empty AK loaded")
	}
	if _, err := aegis.ParsePCRs(nil); err == nil {
		t.Fatal("empty PCRs parsed")
	}
}

// TestConcurrentVerify shares one AK and one policy between goroutines and leaves handles to
// the finalizers, under whatever GOGC the run uses (CI runs GOGC=1 GODEBUG=cgocheck=1).
func TestConcurrentVerify(t *testing.T) {
	m := loadManifest(t)
	var v *vector
	for i := range m.Vectors {
		if m.Vectors[i].Kind == "quote" && m.Vectors[i].Expect.Verdict == "valid" && m.Vectors[i].ID == "quote-rsa2048-rsassa-sha256" {
			v = &m.Vectors[i]
		}
	}
	if v == nil {
		t.Skip("no quote-rsa2048-rsassa-sha256 vector")
	}
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	policy := quotePolicy(t, v.Policy)
	defer policy.Close()
	attest, sig, pcrFile := readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), readVectorFile(t, v.PCRs)
	nonce := mustHex(t, v.Nonce)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				pcrs, err := aegis.ParsePCRs(pcrFile) // never closed: the finalizer frees it
				if err != nil {
					errs <- err
					return
				}
				vq, err := aegis.VerifyQuote(ak, attest, sig, pcrs, nonce, policy)
				if err != nil {
					errs <- err
					return
				}
				if _, ok := vq.PCR(aegis.SHA256, 15); !ok {
					errs <- errors.New("no sha256:15")
					return
				}
				bad := append([]byte(nil), nonce...)
				bad[0] ^= 1
				if _, err := aegis.VerifyQuote(ak, attest, sig, pcrs, bad, policy); !errors.Is(err, aegis.ErrNonceMismatch) {
					errs <- fmt.Errorf("flipped nonce: %v", err)
					return
				}
				runtime.GC()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := hex.EncodeToString(ak.Name()); v.AKName != "" && got != v.AKName {
		t.Errorf("AK Name %s", got)
	}
}

func findVector(t *testing.T, id string) vector {
	t.Helper()
	for _, v := range loadManifest(t).Vectors {
		if v.ID == id {
			return v
		}
	}
	t.Skipf("no vector %s in the manifest", id)
	return vector{}
}

// A closed policy is an error, never silently the default policy (which NULL means in C).
func TestClosedPolicyIsNotDefault(t *testing.T) {
	v := findVector(t, "quote-rsa2048-rsassa-sha256")
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
	if err != nil {
		t.Fatal(err)
	}
	defer pcrs.Close()
	attest, sig, nonce := readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), mustHex(t, v.Nonce)
	if _, err := aegis.VerifyQuote(ak, attest, sig, pcrs, nonce, nil); err != nil {
		t.Fatalf("nil policy (the default): %v", err)
	}
	p := aegis.NewQuotePolicy()
	p.Close()
	if _, err := aegis.VerifyQuote(ak, attest, sig, pcrs, nonce, p); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed policy: %v", err)
	}
	pcrs.Close()
	if _, err := aegis.VerifyQuote(ak, attest, sig, pcrs, nonce, nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed PCR values: %v", err)
	}
}

// The bare-key path verifies signatures but has no Name, and it cannot see that a key is not
// restricted: the manifest's forged quote by an unrestricted key passes its signature check.
func TestBareKeyUnchecked(t *testing.T) {
	v := findVector(t, "quote-rsa2048-rsassa-sha256")
	pem := readVectorFile(t, strings.TrimSuffix(v.AK, ".pub")+".pem")
	ak, err := aegis.AttestationKeyFromBareKeyUnchecked(pem, aegis.RSASSA, aegis.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	if ak.Name() != nil {
		t.Fatal("a bare key has a Name")
	}
	if ak.IsChecked() {
		t.Fatal("a bare key is checked")
	}
	if s, err := ak.Scheme(); err != nil || s != (aegis.SignatureScheme{Alg: aegis.RSASSA, Hash: aegis.SHA256}) {
		t.Fatalf("bare key scheme %v, %v", s, err)
	}
	pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
	if err != nil {
		t.Fatal(err)
	}
	defer pcrs.Close()
	vq, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), pcrs, mustHex(t, v.Nonce), nil)
	if err != nil {
		t.Fatal(err)
	}
	if vq.Clock().Clock == 0 || len(vq.PCRs()) == 0 {
		t.Fatalf("verified quote: clock %+v, %d PCRs", vq.Clock(), len(vq.PCRs()))
	}
	if _, err := aegis.AttestationKeyFromBareKeyUnchecked(pem, aegis.SigScheme(0x0099), aegis.SHA256); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Fatalf("unknown scheme: %v", err)
	}

	f := findVector(t, "attack-ak-not-restricted")
	forger, err := aegis.AttestationKeyFromBareKeyUnchecked(readVectorFile(t, strings.TrimSuffix(f.AK, ".pub")+".pem"), aegis.RSASSA, aegis.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	fp, err := aegis.ParsePCRs(readVectorFile(t, f.PCRs))
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	if _, err := aegis.VerifyQuote(forger, readVectorFile(t, f.Attest), readVectorFile(t, f.Signature), fp, mustHex(t, f.Nonce), nil); err != nil {
		t.Fatalf("the forged quote should verify with an unchecked bare key (that is the point of the name): %v", err)
	}
}

// A quote whose PCR records do not fit the room inside VerifiedQuote takes a second
// aegis_verified_quote_read into a buffer of the size the first one reported (verify.go): with
// the room cut to nothing, to one byte short and to the exact size, every valid quote of the
// manifest reports the same PCRs, clock, firmware version, hash and qualified signer as with the
// full room (the first read, refused, wrote none of them).
func TestPCRRecordsBeyondInline(t *testing.T) {
	for _, v := range loadManifest(t).Vectors {
		if v.Kind != "quote" || v.Expect.Verdict != "valid" {
			continue
		}
		ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
		if err != nil {
			t.Fatal(err)
		}
		pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
		if err != nil {
			t.Fatal(err)
		}
		policy := quotePolicy(t, v.Policy)
		verify := func(limit int) *aegis.VerifiedQuote {
			defer aegis.LimitInlineRecords(limit)()
			vq, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), pcrs,
				mustHex(t, v.Nonce), policy)
			if err != nil {
				t.Fatalf("%s with %d bytes inline: %v", v.ID, limit, err)
			}
			return vq
		}
		want := verify(1 << 30)
		size := 0
		for _, p := range want.PCRs() {
			size += 4 + len(p.Value)
		}
		for _, limit := range []int{0, size - 1, size} {
			got := verify(limit)
			if fmt.Sprint(got.PCRs()) != fmt.Sprint(want.PCRs()) || got.Clock() != want.Clock() ||
				got.FirmwareVersion() != want.FirmwareVersion() || got.Hash() != want.Hash() ||
				!bytes.Equal(got.QualifiedSigner(), want.QualifiedSigner()) || len(want.QualifiedSigner()) == 0 {
				t.Errorf("%s with %d of %d bytes inline: %v %+v %d, want %v %+v %d", v.ID, limit, size,
					got.PCRs(), got.Clock(), got.FirmwareVersion(), want.PCRs(), want.Clock(), want.FirmwareVersion())
			}
		}
		ak.Close()
		pcrs.Close()
		policy.Close()
	}
}

// The AK accessors of a checked AK, and of a closed one.
func TestAttestationKeyAccessors(t *testing.T) {
	v := findVector(t, "quote-ecc-p256-ecdsa-sha256")
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		t.Fatal(err)
	}
	if !ak.IsChecked() {
		t.Error("an AK from its TPM public area is not checked")
	}
	if s, err := ak.Scheme(); err != nil || s != (aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}) {
		t.Errorf("scheme %v, %v", s, err)
	}
	ak.Close()
	if ak.IsChecked() {
		t.Error("a closed AK is checked")
	}
	if _, err := ak.Scheme(); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("scheme of a closed AK: %v", err)
	}
}

// The explicit hash allow-list: it decides what verifies; an unknown algorithm is
// ErrUnknownAlgorithm (as a bad bank of RequirePCR), SHA-1 only through AllowSHA1.
func TestSetHashes(t *testing.T) {
	v := findVector(t, "quote-rsa2048-rsassa-sha256")
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
	if err != nil {
		t.Fatal(err)
	}
	defer pcrs.Close()
	q := aegis.NewQuotePolicy()
	defer q.Close()
	verify := func() error {
		_, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), pcrs,
			mustHex(t, v.Nonce), q)
		return err
	}
	if err := q.SetHashes(aegis.SHA384, aegis.SHA512); err != nil {
		t.Fatal(err)
	}
	if err := verify(); !errors.Is(err, aegis.ErrHashNotAllowed) {
		t.Fatalf("SHA-256 quote with SHA-384/512 only: %v", err)
	}
	if err := q.SetHashes(aegis.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := verify(); err != nil {
		t.Fatalf("SHA-256 quote with SHA-256 allowed: %v", err)
	}
	if err := q.SetHashes(aegis.HashAlg(0x0099)); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Errorf("unknown hash: %v", err)
	}
	if err := q.RequirePCR(aegis.HashAlg(0x0099), 0); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Errorf("unknown bank: %v", err)
	}
	if err := q.SetHashes(aegis.SHA1); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Errorf("SHA-1 in the list: %v", err)
	}
	if err := verify(); err != nil {
		t.Fatalf("a failed SetHashes changed the policy: %v", err)
	}
	c := aegis.NewCertifyPolicy()
	defer c.Close()
	if err := c.SetHashes(aegis.SHA256, aegis.SHA384); err != nil {
		t.Error(err)
	}
	if err := c.SetHashes(aegis.HashAlg(0x0099)); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Errorf("certify, unknown hash: %v", err)
	}
	c.Close()
	if err := c.SetHashes(aegis.SHA256); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("closed policy: %v", err)
	}
}
