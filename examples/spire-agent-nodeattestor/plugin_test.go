//go:build aegis_tpm

package agentattestor

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	server "github.com/aegis-attest/aegis/examples/spire-nodeattestor"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	"github.com/spiffe/spire-plugin-sdk/plugintest"
	agentna "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/agent/nodeattestor/v1"
	serverna "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const trustDomain = "example.org"

// swtpm is a freshly manufactured software TPM (scripts/swtpm.sh) for one test.
type swtpm struct{ dir, tcti string }

func startTPM(t *testing.T) *swtpm {
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
	dir := t.TempDir()
	script := filepath.Join("..", "..", "scripts", "swtpm.sh")
	out, err := exec.Command("bash", script, "start", dir).CombinedOutput()
	require.NoError(t, err, "swtpm.sh start: %s", out)
	t.Cleanup(func() { _ = exec.Command("bash", script, "stop", dir).Run() })
	tcti, err := os.ReadFile(filepath.Join(dir, "tcti"))
	require.NoError(t, err)
	return &swtpm{dir: dir, tcti: strings.TrimSpace(string(tcti))}
}

// serve configures plugin p (unless hclConfig is empty) through the SDK's harness.
func serve(t *testing.T, server pluginsdk.PluginServer, client pluginsdk.PluginClient, cfg configv1.ConfigServer, hclConfig string) error {
	t.Helper()
	cc := new(configv1.ConfigServiceClient)
	plugintest.ServeInBackground(t, plugintest.Config{
		PluginServer:   server,
		PluginClient:   client,
		ServiceServers: []pluginsdk.ServiceServer{configv1.ConfigServiceServer(cfg)},
		ServiceClients: []pluginsdk.ServiceClient{cc},
	})
	if hclConfig == "" {
		return nil
	}
	_, err := cc.Configure(context.Background(), &configv1.ConfigureRequest{
		CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
		HclConfiguration:  hclConfig,
	})
	return err
}

// pair is the agent plugin and the server plugin, each served by the SDK's harness, with the
// agent's messages relayed to the server as spire-agent and spire-server relay them.
type pair struct {
	agent  *agentna.NodeAttestorPluginClient
	server *serverna.NodeAttestorPluginClient
}

func newPair(t *testing.T, agentHCL, serverHCL string) (*pair, *Plugin) {
	t.Helper()
	a := New()
	t.Cleanup(func() { _ = a.Close() })
	p := &pair{agent: new(agentna.NodeAttestorPluginClient), server: new(serverna.NodeAttestorPluginClient)}
	require.NoError(t, serve(t, agentna.NodeAttestorPluginServer(a), p.agent, a, agentHCL))
	s := server.New()
	require.NoError(t, serve(t, serverna.NodeAttestorPluginServer(s), p.server, s, serverHCL))
	return p, a
}

// attest runs one attestation; it returns the server's attributes, or the first error.
func (p *pair) attest(t *testing.T) (*serverna.AgentAttributes, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	as, err := p.agent.AidAttestation(ctx)
	require.NoError(t, err)
	ss, err := p.server.Attest(ctx)
	require.NoError(t, err)
	msg, err := as.Recv()
	if err != nil {
		return nil, err
	}
	require.NoError(t, ss.Send(&serverna.AttestRequest{Request: &serverna.AttestRequest_Payload{Payload: msg.GetPayload()}}))
	for {
		resp, err := ss.Recv()
		if err != nil {
			return nil, err
		}
		if attrs := resp.GetAgentAttributes(); attrs != nil {
			return attrs, nil
		}
		require.NoError(t, as.Send(&agentna.Challenge{Challenge: resp.GetChallenge()}))
		msg, err := as.Recv()
		if err != nil {
			return nil, err
		}
		require.NoError(t, ss.Send(&serverna.AttestRequest{
			Request: &serverna.AttestRequest_ChallengeResponse{ChallengeResponse: msg.GetChallengeResponse()},
		}))
	}
}

func requireCode(t *testing.T, err error, code codes.Code, contains string) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), "%v", err)
	require.Contains(t, st.Message(), contains)
}

func akName(t *testing.T, p *Plugin) string {
	s, err := p.getState()
	require.NoError(t, err)
	ak, err := aegis.AttestationKeyFromTPMPublic(s.akPublic)
	require.NoError(t, err)
	defer ak.Close()
	return hex.EncodeToString(ak.Name())
}

// The agent plugin against the server plugin on swtpm: the ID and selectors come from the
// TPM's AK, App Key and PCR 15; a second attestation keeps the ID.
func TestAttestOnSWTPM(t *testing.T) {
	tpm := startTPM(t)
	p, a := newPair(t, fmt.Sprintf(`tcti = %q
pcrs = ["sha256:0", "sha256:15"]`, tpm.tcti), `pcrs = ["sha256:15"]`)
	attrs, err := p.attest(t)
	require.NoError(t, err)
	name := akName(t, a)
	require.Equal(t, "spiffe://"+trustDomain+"/spire/agent/aegis/"+name, attrs.SpiffeId)
	require.Contains(t, attrs.SelectorValues, "ak_name:"+name)
	require.True(t, attrs.CanReattest)
	var pcr15, appKey bool
	for _, s := range attrs.SelectorValues {
		pcr15 = pcr15 || strings.HasPrefix(s, "pcr:sha256:15:")
		appKey = appKey || strings.HasPrefix(s, "app_key_name:")
	}
	require.True(t, pcr15 && appKey, "selectors %v", attrs.SelectorValues)

	again, err := p.attest(t)
	require.NoError(t, err)
	require.Equal(t, attrs.SpiffeId, again.SpiffeId)
}

// The server requires a PCR the agent does not quote: RequiredPcrMissing.
func TestRequiredPCRNotQuoted(t *testing.T) {
	tpm := startTPM(t)
	p, _ := newPair(t, fmt.Sprintf(`tcti = %q`, tpm.tcti), `pcrs = ["sha256:0", "sha256:15"]`)
	_, err := p.attest(t)
	requireCode(t, err, codes.PermissionDenied, "RequiredPcrMissing")
}

// serverEKHCL is the server plugin's configuration with EK enrolment: the swtpm's local CA as the
// manufacturer CA.
func serverEKHCL(tpm *swtpm) string {
	return fmt.Sprintf(`pcrs = ["sha256:15"]
ek_ca_roots = [%q]
ek_ca_intermediates = [%q]`, filepath.Join(tpm.dir, "ca", "swtpm-localca-rootca-cert.pem"), filepath.Join(tpm.dir, "ca", "issuercert.pem"))
}

// ekName is the hex Name of the TPM's EK of kind, read and certified directly.
func ekName(t *testing.T, tpm *swtpm, kind aegis.KeyKind) string {
	t.Helper()
	store := aegis.NewEKTrustStore()
	defer store.Close()
	root, err := os.ReadFile(filepath.Join(tpm.dir, "ca", "swtpm-localca-rootca-cert.pem"))
	require.NoError(t, err)
	require.NoError(t, store.AddRoot(root))
	issuer, err := os.ReadFile(filepath.Join(tpm.dir, "ca", "issuercert.pem"))
	require.NoError(t, err)
	require.NoError(t, store.AddIntermediate(issuer))
	tp, err := aegis.OpenTPM(tpm.tcti)
	require.NoError(t, err)
	defer tp.Close()
	pub, cert, err := tp.ReadEK(kind)
	require.NoError(t, err)
	ek, err := aegis.VerifyEKCertificate(store, cert, pub, time.Now())
	require.NoError(t, err)
	defer ek.Close()
	return hex.EncodeToString(ek.Name())
}

// EK enrolment end to end: the agent sends its EK and certificate, activates the server's
// credential, and its AK (a child of that EK) signs the quote and the certification as QN(AK)
// under the EK, which the server pins. The server adds the EK's Name as a selector.
func TestEKEnrolment(t *testing.T) {
	tpm := startTPM(t)
	for ek, kind := range map[string]aegis.KeyKind{"rsa2048": aegis.KeyRSA2048, "ecc-p384": aegis.KeyECCP384} {
		p, a := newPair(t, fmt.Sprintf(`tcti = %q
ek = %q`, tpm.tcti, ek), serverEKHCL(tpm))
		attrs, err := p.attest(t)
		require.NoError(t, err, "ek = %s", ek)
		require.Contains(t, attrs.SelectorValues, "ak_name:"+akName(t, a))
		require.Contains(t, attrs.SelectorValues, "ek_name:"+ekName(t, tpm, kind))
		require.NoError(t, a.Close())
	}
}

// A persistent AK made under the RSA EK, then sent with the P-384 EK: the credential still
// activates (activation does not tie the AK to the EK), but the quote's signer is QN(AK) under
// the RSA EK, not under the EK the hello sent, so the server refuses with SignerMismatch.
func TestEKEnrolmentRefusesAnAKUnderAnotherEK(t *testing.T) {
	tpm := startTPM(t)
	agent := func(ek string) string {
		return fmt.Sprintf(`tcti = %q
ek = %q
ak_handle = "0x81010004"`, tpm.tcti, ek)
	}
	p, a := newPair(t, agent("rsa2048"), serverEKHCL(tpm))
	_, err := p.attest(t)
	require.NoError(t, err)
	require.NoError(t, a.Close())
	p, _ = newPair(t, agent("ecc-p384"), serverEKHCL(tpm))
	_, err = p.attest(t)
	requireCode(t, err, codes.PermissionDenied, "SignerMismatch")
}

// Persistent handles: a second plugin (a restarted agent) loads the same AK, so the same ID.
func TestPersistentKeys(t *testing.T) {
	tpm := startTPM(t)
	hcl := fmt.Sprintf(`tcti = %q
ak_handle = "0x81010002"
app_key_handle = "0x81010003"`, tpm.tcti)
	_, a1 := newPair(t, hcl, `pcrs = ["sha256:15"]`)
	first := akName(t, a1)
	require.NoError(t, a1.Close())
	_, a2 := newPair(t, hcl, `pcrs = ["sha256:15"]`)
	require.Equal(t, first, akName(t, a2))
}

func TestConfigureRefuses(t *testing.T) {
	tpm := startTPM(t)
	for hcl, want := range map[string]string{
		`pcrs = ["sha256:15"]`:                 "tcti is required",
		`tcti = "swtpm:host=127.0.0.1,port=1"`: "Backend",
		fmt.Sprintf(`tcti = %q
pcrs = ["sha256:15", "sha1:0"]`, tpm.tcti): "one bank only",
		fmt.Sprintf(`tcti = %q
pcrs = ["sha256:24"]`, tpm.tcti): "is not <bank>:<0-23>",
		fmt.Sprintf(`tcti = %q
ak_handle = "0x80000001"`, tpm.tcti): "not a persistent handle",
		fmt.Sprintf(`tcti = %q
ek = "dsa"`, tpm.tcti): "is not rsa2048",
	} {
		a := New()
		err := serve(t, agentna.NodeAttestorPluginServer(a), new(agentna.NodeAttestorPluginClient), a, hcl)
		requireCode(t, err, codes.InvalidArgument, want)
	}
}

func TestUnconfigured(t *testing.T) {
	a := New()
	client := new(agentna.NodeAttestorPluginClient)
	require.NoError(t, serve(t, agentna.NodeAttestorPluginServer(a), client, a, ""))
	stream, err := client.AidAttestation(context.Background())
	require.NoError(t, err)
	_, err = stream.Recv()
	requireCode(t, err, codes.FailedPrecondition, "not configured")
}
