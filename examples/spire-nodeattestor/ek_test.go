package nodeattestor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	"github.com/spiffe/spire-plugin-sdk/plugintest"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// EK enrolment. The fixture's AK was made by tpm2_createak under the RSA EK of the swtpm whose
// state gen_bundle.py saved in testdata/tpm-state; testdata/ek holds both EKs of that TPM (RSA
// 0x81010001, ECC P-384 0x81010016), their certificates and the local CA. The credential
// challenge is fresh and random per run, so it is answered by that same TPM at test time:
// swtpm restarted from the saved state, tpm2_activatecredential on the plugin's challenge. Tests
// that need it skip (loudly) when swtpm or tpm2-tools are missing, and fail instead under
// AEGIS_REQUIRE_TPM=1.

type ekFixture struct {
	Name, ECCName           string
	Handle, AK              uint32
	rsaPub, rsaCert         []byte
	eccPub, eccCert         []byte
	rootPath, interPath     string
	akPublic, helloTemplate []byte
}

func loadEK(t *testing.T, f *fixture) *ekFixture {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "ek", name))
		require.NoError(t, err)
		return b
	}
	var x struct {
		EKName      string `json:"ek_name"`
		EKECCName   string `json:"ek_ecc_name"`
		EKHandle    uint32 `json:"ek_handle"`
		EKECCHandle uint32 `json:"ek_ecc_handle"`
		AKHandle    uint32 `json:"ak_handle"`
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "expect.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &x))
	var h Hello
	require.NoError(t, json.Unmarshal(f.hello, &h))
	return &ekFixture{
		Name: x.EKName, ECCName: x.EKECCName, Handle: x.EKHandle, AK: x.AKHandle,
		rsaPub: read("rsa.pub"), rsaCert: read("rsa.der"), eccPub: read("ecc.pub"), eccCert: read("ecc.der"),
		rootPath:  filepath.Join("testdata", "ek", "root.pem"),
		interPath: filepath.Join("testdata", "ek", "intermediate.pem"),
		akPublic:  h.AKPublic,
	}
}

func (e *ekFixture) config(roots ...string) string {
	if len(roots) == 0 {
		roots = []string{e.rootPath}
	}
	return fmt.Sprintf("%s\nek_ca_roots = [%q]\nek_ca_intermediates = [%q]", testConfig,
		strings.Join(roots, `", "`), e.interPath)
}

func (e *ekFixture) hello(t *testing.T, ekPub, ekCert []byte) []byte {
	b, err := json.Marshal(Hello{Version: HelloVersion, AKPublic: e.akPublic, EKPublic: ekPub, EKCertificate: ekCert})
	require.NoError(t, err)
	return b
}

// swtpm is the fixture's TPM, restarted from the saved state for one test.
type swtpm struct {
	dir, tcti string
}

func startTPM(t *testing.T) *swtpm {
	t.Helper()
	for _, tool := range []string{"swtpm", "swtpm_setup", "swtpm_localca", "tpm2_startauthsession",
		"tpm2_policysecret", "tpm2_activatecredential", "tpm2_flushcontext"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s not found: cannot run TPM2_ActivateCredential on the fixture's TPM "+
				"(install swtpm, swtpm-tools and tpm2-tools: scripts/deps.sh tpm)", tool)
			if os.Getenv("AEGIS_REQUIRE_TPM") == "1" {
				t.Fatal(msg + " and AEGIS_REQUIRE_TPM=1")
			}
			t.Skip("SKIPPED, NOT RUN: " + msg)
		}
	}
	dir := t.TempDir()
	state, err := os.ReadFile(filepath.Join("testdata", "tpm-state", "tpm2-00.permall"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "state"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state", "tpm2-00.permall"), state, 0o600))
	script := filepath.Join("..", "..", "scripts", "swtpm.sh")
	out, err := exec.Command("bash", script, "start", dir).CombinedOutput()
	require.NoError(t, err, "swtpm.sh start: %s", out)
	t.Cleanup(func() { _ = exec.Command("bash", script, "stop", dir).Run() })
	tcti, err := os.ReadFile(filepath.Join(dir, "tcti"))
	require.NoError(t, err)
	return &swtpm{dir: dir, tcti: strings.TrimSpace(string(tcti))}
}

// activate runs TPM2_ActivateCredential of the AK's credential with the EK at ekHandle, as an
// agent does, and returns the recovered secret.
func (s *swtpm) activate(t *testing.T, credential []byte, akHandle, ekHandle uint32) []byte {
	t.Helper()
	d := t.TempDir()
	in, out, sess := filepath.Join(d, "cred.in"), filepath.Join(d, "secret.out"), filepath.Join(d, "session.ctx")
	require.NoError(t, os.WriteFile(in, credential, 0o600))
	run := func(args ...string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "TPM2TOOLS_TCTI="+s.tcti)
		o, err := cmd.CombinedOutput()
		require.NoError(t, err, "%v: %s", args, o)
	}
	// The EK's authPolicy is PolicySecret(TPM_RH_ENDORSEMENT) (TCG EK Credential Profile).
	run("tpm2_startauthsession", "--policy-session", "-S", sess)
	run("tpm2_policysecret", "-S", sess, "-c", "e")
	run("tpm2_activatecredential", "-c", fmt.Sprintf("%#x", akHandle), "-C", fmt.Sprintf("%#x", ekHandle),
		"-i", in, "-o", out, "-P", "session:"+sess)
	run("tpm2_flushcontext", sess)
	secret, err := os.ReadFile(out)
	require.NoError(t, err)
	return secret
}

// attestRounds serves the plugin, runs one Attest exchange answering every challenge with
// answer(round, challenge), and returns the agent attributes or the error.
func attestRounds(t *testing.T, p *Plugin, hclConfig string, hello []byte, answer func(round int, challenge []byte) []byte) (*nodeattestorv1.AgentAttributes, error) {
	t.Helper()
	na := new(nodeattestorv1.NodeAttestorPluginClient)
	cc := new(configv1.ConfigServiceClient)
	plugintest.ServeInBackground(t, plugintest.Config{
		PluginServer:   nodeattestorv1.NodeAttestorPluginServer(p),
		PluginClient:   na,
		ServiceServers: []pluginsdk.ServiceServer{configv1.ConfigServiceServer(p)},
		ServiceClients: []pluginsdk.ServiceClient{cc},
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	_, err := cc.Configure(ctx, &configv1.ConfigureRequest{
		CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
		HclConfiguration:  hclConfig,
	})
	require.NoError(t, err)
	stream, err := na.Attest(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(&nodeattestorv1.AttestRequest{
		Request: &nodeattestorv1.AttestRequest_Payload{Payload: hello},
	}))
	for round := 0; round < 4; round++ {
		resp, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		if attrs := resp.GetAgentAttributes(); attrs != nil {
			return attrs, nil
		}
		require.NoError(t, stream.Send(&nodeattestorv1.AttestRequest{
			Request: &nodeattestorv1.AttestRequest_ChallengeResponse{ChallengeResponse: answer(round, resp.GetChallenge())},
		}))
	}
	t.Fatal("more than 4 rounds")
	return nil, nil
}

// The full enrolment: EK certificate, credential activated by the TPM, then certify and quote
// with the pinned qualifiedSigner.
func TestEnrolmentBindsAKToEK(t *testing.T) {
	f := loadFixture(t)
	e := loadEK(t, f)
	tpm := startTPM(t)
	var credential []byte
	attrs, err := attestRounds(t, fixedNonce(f), e.config(), e.hello(t, e.rsaPub, e.rsaCert), func(round int, c []byte) []byte {
		switch round {
		case 0:
			credential = c
			return tpm.activate(t, c, e.AK, e.Handle)
		case 1:
			require.Equal(t, f.nonce, c)
			return f.bundleJSON(t, nil)
		}
		t.Fatalf("unexpected round %d", round)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []byte{0xBA, 0xDC, 0xC0, 0xDE}, credential[:4], "challenge 1 is a tpm2-tools credential file")
	require.Equal(t, "spiffe://example.org/spire/agent/aegis/"+f.expect.AKName, attrs.SpiffeId)
	require.Equal(t, []string{
		"ak_name:" + f.expect.AKName,
		"app_key_name:" + f.expect.AppKeyName,
		"pcr:sha256:0:" + f.expect.PCRs["sha256"]["0"],
		"pcr:sha256:15:" + f.expect.PCRs["sha256"]["15"],
		"ek_name:" + e.Name,
	}, attrs.SelectorValues)
}

// The AK was made under the RSA EK, so the qualifiedSigner the TPM signed is QN(AK) under that
// EK. Pinned to QN(AK) under the ECC EK of the same TPM (which has a valid certificate too), the
// certification and the quote are refused. (Activating with the ECC EK needs its PolicyOR
// session of the high-range template, so this calls verify, the step enrol's pin feeds, directly.)
func TestEnrolmentSignerNotUnderEK(t *testing.T) {
	f := loadFixture(t)
	e := loadEK(t, f)
	cfg := &config{}
	ak, err := aegis.AttestationKeyFromTPMPublic(e.akPublic)
	require.NoError(t, err)
	defer ak.Close()
	qualified := func(ekName string) []byte {
		n, err := hex.DecodeString(ekName)
		require.NoError(t, err)
		qek, err := aegis.QualifiedName(n, []byte{0x40, 0x00, 0x00, 0x0B})
		require.NoError(t, err)
		q, err := aegis.QualifiedName(ak.Name(), qek)
		require.NoError(t, err)
		return q
	}
	_, err = verify(cfg, ak, ak.Name(), &f.bundle, f.nonce, qualified(e.Name))
	require.NoError(t, err)
	_, err = verify(cfg, ak, ak.Name(), &f.bundle, f.nonce, qualified(e.ECCName))
	requireCode(t, err, codes.PermissionDenied, "App Key certification refused: SignerMismatch (4004)")
	// The quote is pinned too: with the certification taken out of the way, it is refused alike.
	qp := aegis.NewQuotePolicy()
	defer qp.Close()
	require.NoError(t, qp.SetExpectedSigner(qualified(e.ECCName)))
	pcrs, err := aegis.ParsePCRs(f.bundle.Quote.PCRs)
	require.NoError(t, err)
	defer pcrs.Close()
	_, err = aegis.VerifyQuote(ak, f.bundle.Quote.Attest, f.bundle.Quote.Signature, pcrs, f.nonce, qp)
	require.ErrorIs(t, err, aegis.ErrSignerMismatch)
}

// A wrong activated secret (an agent without the TPM) is refused before any nonce is issued.
func TestEnrolmentWrongActivatedSecret(t *testing.T) {
	f := loadFixture(t)
	e := loadEK(t, f)
	rounds := 0
	_, err := attestRounds(t, fixedNonce(f), e.config(), e.hello(t, e.rsaPub, e.rsaCert), func(round int, c []byte) []byte {
		rounds++
		guess := make([]byte, CredentialSecretSize)
		_, _ = rand.Read(guess)
		return guess
	})
	requireCode(t, err, codes.PermissionDenied, "credential activation refused: CredentialMismatch (7004)")
	require.Equal(t, 1, rounds)
}

// An EK certificate from a root that is not configured is refused (the configured root is a
// fresh CA that issued nothing).
func TestEnrolmentUnapprovedRoot(t *testing.T) {
	f := loadFixture(t)
	e := loadEK(t, f)
	other := filepath.Join(t.TempDir(), "other-root.pem")
	require.NoError(t, os.WriteFile(other, selfSignedCA(t), 0o600))
	_, err := attestRounds(t, fixedNonce(f), fmt.Sprintf("%s\nek_ca_roots = [%q]", testConfig, other),
		e.hello(t, e.rsaPub, e.rsaCert), func(int, []byte) []byte { t.Fatal("no challenge expected"); return nil })
	requireCode(t, err, codes.PermissionDenied, "EK certificate refused: EkCertificateUntrusted (7001)")

	// The right CA, but the certificate of the other EK with this EK's public area.
	_, err = attestRounds(t, fixedNonce(f), e.config(), e.hello(t, e.rsaPub, e.eccCert),
		func(int, []byte) []byte { t.Fatal("no challenge expected"); return nil })
	requireCode(t, err, codes.PermissionDenied, "EK certificate refused: EkPublicKeyMismatch (7003)")
}

func TestEnrolmentRequiresEKInHello(t *testing.T) {
	f := loadFixture(t)
	e := loadEK(t, f)
	_, err := attestRounds(t, fixedNonce(f), e.config(), f.hello, nil)
	requireCode(t, err, codes.InvalidArgument, "must carry ek_public and ek_certificate")
}

func TestEnrolmentConfigureRejects(t *testing.T) {
	for _, bad := range []string{`ek_ca_roots = ["/nonexistent/root.pem"]`, `ek_ca_intermediates = ["testdata/ek/intermediate.pem"]`,
		`ek_ca_roots = ["testdata/hello.json"]`} {
		_, err := New().Configure(context.Background(), &configv1.ConfigureRequest{
			CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
			HclConfiguration:  bad,
		})
		requireCode(t, err, codes.InvalidArgument, "ek_ca_")
	}
}

func selfSignedCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "unapproved TPM manufacturer CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
