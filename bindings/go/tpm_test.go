//go:build aegis_tpm

package aegis_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// startSWTPM manufactures and starts a swtpm (scripts/swtpm.sh) for one test and returns its
// TCTI and state directory. Skips loudly without swtpm; fails instead under AEGIS_REQUIRE_TPM=1.
func startSWTPM(t *testing.T) (tcti, dir string) {
	t.Helper()
	for _, tool := range []string{"swtpm", "swtpm_setup", "swtpm_localca"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " not found (install swtpm and swtpm-tools: scripts/deps.sh tpm)"
			if os.Getenv("AEGIS_REQUIRE_TPM") == "1" {
				t.Fatal(msg + " and AEGIS_REQUIRE_TPM=1")
			}
			t.Skip("SKIPPED, NOT RUN: " + msg)
		}
	}
	dir = t.TempDir()
	script := filepath.Join("..", "..", "scripts", "swtpm.sh")
	out, err := exec.Command("bash", script, "start", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("swtpm.sh start: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("bash", script, "stop", dir).Run() })
	b, err := os.ReadFile(filepath.Join(dir, "tcti"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b)), dir
}

// must(f())(t) is f's value, the test failing on f's error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantErr(t *testing.T, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want %v", err, sentinel)
	}
}

// The agent-side surface on swtpm: everything it produces is what the verifying side accepts.
func TestTPMOnSWTPM(t *testing.T) {
	_, err := aegis.OpenTPM("swtpm:host=127.0.0.1,port=1")
	wantErr(t, err, aegis.ErrBackend)

	tcti, dir := startSWTPM(t)
	tpm := must(aegis.OpenTPM(tcti))(t)
	defer tpm.Close()

	// EK and its certificate, checked against the swtpm's local CA.
	ekPub, ekCert, err := tpm.ReadEK(aegis.KeyRSA2048)
	if err != nil || ekCert == nil {
		t.Fatalf("ReadEK: %v (certificate %d bytes)", err, len(ekCert))
	}
	store := aegis.NewEKTrustStore()
	defer store.Close()
	for _, f := range []struct {
		name string
		add  func([]byte) error
	}{{"swtpm-localca-rootca-cert.pem", store.AddRoot}, {"issuercert.pem", store.AddIntermediate}} {
		if err := f.add(must(os.ReadFile(filepath.Join(dir, "ca", f.name)))(t)); err != nil {
			t.Fatal(err)
		}
	}
	ek := must(aegis.VerifyEKCertificate(store, ekCert, ekPub, time.Now()))(t)
	defer ek.Close()

	_, err = tpm.CreateAK(aegis.KeyRSA3072, aegis.KeyRSA2048, 0)
	wantErr(t, err, aegis.ErrInvalidArgument)
	_, err = tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA3072, 0)
	wantErr(t, err, aegis.ErrInvalidArgument)
	_, err = tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, 0x80000001)
	wantErr(t, err, aegis.ErrInvalidArgument)

	ak := must(tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, 0))(t)
	defer ak.Close()
	akPub := must(ak.TPMPublic())(t)
	verifier := must(aegis.AttestationKeyFromTPMPublic(akPub))(t)
	defer verifier.Close()
	app := must(tpm.CreateAppKey(aegis.KeyECCP256, 0))(t)
	defer app.Close()
	appPub := must(app.TPMPublic())(t)

	nonce := bytes.Repeat([]byte{0x5a}, 32)
	attest, sig, err := tpm.Certify(app, ak, nonce)
	if err != nil {
		t.Fatal(err)
	}
	must(aegis.VerifyCertify(verifier, appPub, attest, sig, nonce, nil))(t)
	_, err = aegis.VerifyCertify(verifier, appPub, attest, sig, bytes.Repeat([]byte{1}, 32), nil)
	wantErr(t, err, aegis.ErrNonceMismatch)

	_, _, _, err = tpm.Quote(ak, aegis.SHA256, nil, nonce)
	wantErr(t, err, aegis.ErrInvalidArgument)
	qa, qs, pcrFile, err := tpm.Quote(ak, aegis.SHA256, []uint8{0, 15}, nonce)
	if err != nil {
		t.Fatal(err)
	}
	pcrs := must(aegis.ParsePCRs(pcrFile))(t)
	defer pcrs.Close()
	policy := aegis.NewQuotePolicy()
	defer policy.Close()
	if err := policy.RequirePCR(aegis.SHA256, 15); err != nil {
		t.Fatal(err)
	}
	vq := must(aegis.VerifyQuote(verifier, qa, qs, pcrs, nonce, policy))(t)

	// The AK is a child of the RSA EK: the quote and the certification name QN(AK) under it,
	// what a verifier that enrolled the AK through that EK pins.
	wantSigner := must(aegis.QualifiedName(verifier.Name(), ek.QualifiedName()))(t)
	if !bytes.Equal(vq.QualifiedSigner(), wantSigner) {
		t.Fatalf("quote qualifiedSigner %x, want QN(AK) under the EK %x", vq.QualifiedSigner(), wantSigner)
	}
	if err := policy.SetExpectedSigner(wantSigner); err != nil {
		t.Fatal(err)
	}
	must(aegis.VerifyQuote(verifier, qa, qs, pcrs, nonce, policy))(t)
	certifyPolicy := aegis.NewCertifyPolicy()
	defer certifyPolicy.Close()
	if err := certifyPolicy.SetExpectedSigner(wantSigner); err != nil {
		t.Fatal(err)
	}
	must(aegis.VerifyCertify(verifier, appPub, attest, sig, nonce, certifyPolicy))(t)
	// Under the TPM's P-384 EK it would be another signer: refused.
	p384Pub, p384Cert, err := tpm.ReadEK(aegis.KeyECCP384)
	if err != nil {
		t.Fatal(err)
	}
	p384 := must(aegis.VerifyEKCertificate(store, p384Cert, p384Pub, time.Now()))(t)
	defer p384.Close()
	otherSigner := must(aegis.QualifiedName(verifier.Name(), p384.QualifiedName()))(t)
	if err := policy.SetExpectedSigner(otherSigner); err != nil {
		t.Fatal(err)
	}
	_, err = aegis.VerifyQuote(verifier, qa, qs, pcrs, nonce, policy)
	wantErr(t, err, aegis.ErrSignerMismatch)

	// Credential activation: the secret comes back for this AK, not for another one.
	secret := bytes.Repeat([]byte{0x42}, 32)
	cred := must(aegis.MakeCredential(ek.Public(), verifier.Name(), secret))(t)
	got := must(tpm.ActivateCredential(ak, aegis.KeyRSA2048, cred.TPM2ToolsFile()))(t)
	if err := aegis.CheckActivated(secret, got); err != nil {
		t.Fatal(err)
	}
	_, err = tpm.ActivateCredential(ak, aegis.KeyRSA2048, []byte("not a credential"))
	wantErr(t, err, aegis.ErrInvalidFormat)
	other := must(tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, 0))(t)
	defer other.Close()
	_, err = tpm.ActivateCredential(other, aegis.KeyRSA2048, cred.TPM2ToolsFile())
	wantErr(t, err, aegis.ErrBackend)

	// A persistent AK survives its handle and another connection.
	const handle = 0x81000a01
	pak := must(tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, handle))(t)
	pakPub := must(pak.TPMPublic())(t)
	pak.Close()
	tpm.Close()
	tpm2 := must(aegis.OpenTPM(tcti))(t)
	defer tpm2.Close()
	loaded := must(tpm2.LoadPersistent(handle))(t)
	defer loaded.Close()
	if !bytes.Equal(must(loaded.TPMPublic())(t), pakPub) {
		t.Fatal("persistent AK's public area differs after reloading")
	}
	_, err = tpm2.LoadPersistent(handle + 1)
	wantErr(t, err, aegis.ErrBackend)
	_, err = tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, 0) // closed
	wantErr(t, err, aegis.ErrNullPointer)
}
