package nodeattestor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	"github.com/spiffe/spire-plugin-sdk/plugintest"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The fixture is real TPM output made by testdata/gen_bundle.py on swtpm: an AK, an App Key
// certified by it and a quote by it, both over the fixed nonce in nonce.hex.
type fixture struct {
	hello  []byte
	bundle Bundle
	nonce  []byte
	expect struct {
		AKName     string                       `json:"ak_name"`
		AppKeyName string                       `json:"app_key_name"`
		PCRs       map[string]map[string]string `json:"pcrs"`
	}
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		return b
	}
	f := &fixture{hello: read("hello.json")}
	require.NoError(t, json.Unmarshal(read("bundle.json"), &f.bundle))
	require.NoError(t, json.Unmarshal(read("expect.json"), &f.expect))
	n, err := hex.DecodeString(strings.TrimSpace(string(read("nonce.hex"))))
	require.NoError(t, err)
	f.nonce = n
	return f
}

func (f *fixture) bundleJSON(t *testing.T, edit func(*Bundle)) []byte {
	b := f.bundle
	if edit != nil {
		edit(&b)
	}
	out, err := json.Marshal(b)
	require.NoError(t, err)
	return out
}

const trustDomain = "example.org"

// attest serves a plugin through the SDK's plugintest harness, configures it with hclConfig
// (unless empty), runs one Attest exchange and returns the agent attributes or the error.
func attest(t *testing.T, p *Plugin, hclConfig string, hello []byte, answer func(challenge []byte) []byte) (*nodeattestorv1.AgentAttributes, error) {
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
	if hclConfig != "" {
		_, err := cc.Configure(ctx, &configv1.ConfigureRequest{
			CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
			HclConfiguration:  hclConfig,
		})
		require.NoError(t, err)
	}
	require.True(t, na.IsInitialized())

	stream, err := na.Attest(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(&nodeattestorv1.AttestRequest{
		Request: &nodeattestorv1.AttestRequest_Payload{Payload: hello},
	}))
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	challenge := resp.GetChallenge()
	require.Len(t, challenge, NonceSize)
	require.NoError(t, stream.Send(&nodeattestorv1.AttestRequest{
		Request: &nodeattestorv1.AttestRequest_ChallengeResponse{ChallengeResponse: answer(challenge)},
	}))
	resp, err = stream.Recv()
	if err != nil {
		return nil, err
	}
	return resp.GetAgentAttributes(), nil
}

// fixedNonce makes the plugin issue the fixture's nonce (the bundle was made for it).
func fixedNonce(f *fixture) *Plugin {
	p := New()
	p.nonce = func() ([]byte, error) { return bytes.Clone(f.nonce), nil }
	return p
}

func requireCode(t *testing.T, err error, code codes.Code, contains string) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), "%v", err)
	require.Contains(t, st.Message(), contains)
}

const testConfig = `pcrs = ["sha256:0", "sha256:15"]`

func TestAttestSovereignBundle(t *testing.T) {
	f := loadFixture(t)
	var sent []byte
	attrs, err := attest(t, fixedNonce(f), testConfig, f.hello, func(c []byte) []byte {
		sent = c
		return f.bundleJSON(t, nil)
	})
	require.NoError(t, err)
	require.Equal(t, f.nonce, sent)
	require.Equal(t, "spiffe://example.org/spire/agent/aegis/"+f.expect.AKName, attrs.SpiffeId)
	require.Equal(t, []string{
		"ak_name:" + f.expect.AKName,
		"app_key_name:" + f.expect.AppKeyName,
		"pcr:sha256:0:" + f.expect.PCRs["sha256"]["0"],
		"pcr:sha256:15:" + f.expect.PCRs["sha256"]["15"],
	}, attrs.SelectorValues)
	require.True(t, attrs.CanReattest)
}

// The PoC sends app_key_certificate as a string (base64 of the JSON object); both forms work.
func TestAttestCertificateAsBase64String(t *testing.T) {
	f := loadFixture(t)
	var m map[string]any
	require.NoError(t, json.Unmarshal(f.bundleJSON(t, nil), &m))
	inner, err := json.Marshal(m["app_key_certificate"])
	require.NoError(t, err)
	m["app_key_certificate"] = base64.StdEncoding.EncodeToString(inner)
	answer, err := json.Marshal(m)
	require.NoError(t, err)
	attrs, err := attest(t, fixedNonce(f), testConfig, f.hello, func([]byte) []byte { return answer })
	require.NoError(t, err)
	require.Contains(t, attrs.SelectorValues, "app_key_name:"+f.expect.AppKeyName)
}

func TestAttestAllowedAKNames(t *testing.T) {
	f := loadFixture(t)
	cfg := testConfig + "\nallowed_ak_names = [\"" + f.expect.AKName + "\"]"
	_, err := attest(t, fixedNonce(f), cfg, f.hello, func([]byte) []byte { return f.bundleJSON(t, nil) })
	require.NoError(t, err)

	other := "000b" + strings.Repeat("00", 32)
	_, err = attest(t, fixedNonce(f), `allowed_ak_names = ["`+other+`"]`, f.hello,
		func([]byte) []byte { return f.bundleJSON(t, nil) })
	requireCode(t, err, codes.PermissionDenied, "not in allowed_ak_names")
}

// A bundle replayed against a fresh random challenge fails: first on the challenge_nonce fields,
// and, when the agent rewrites those, on the TPM's own extraData (NonceMismatch).
func TestAttestReplayRefused(t *testing.T) {
	f := loadFixture(t)
	_, err := attest(t, New(), testConfig, f.hello, func([]byte) []byte { return f.bundleJSON(t, nil) })
	requireCode(t, err, codes.PermissionDenied, "is not the challenge")

	_, err = attest(t, New(), testConfig, f.hello, func(c []byte) []byte {
		return f.bundleJSON(t, func(b *Bundle) {
			b.ChallengeNonce = hex.EncodeToString(c)
			b.AppKeyCertificate.ChallengeNonce = hex.EncodeToString(c)
		})
	})
	requireCode(t, err, codes.PermissionDenied, "App Key certification refused: NonceMismatch (4003)")
}

func TestAttestTamperedPCR(t *testing.T) {
	f := loadFixture(t)
	pcrs := map[string]map[string]string{"sha256": {}}
	for i, v := range f.expect.PCRs["sha256"] {
		pcrs["sha256"][i] = v
	}
	pcrs["sha256"]["15"] = strings.Repeat("ab", 32)
	forged, err := json.Marshal(pcrs)
	require.NoError(t, err)
	_, err = attest(t, fixedNonce(f), testConfig, f.hello, func([]byte) []byte {
		return f.bundleJSON(t, func(b *Bundle) { b.Quote.PCRs = forged })
	})
	requireCode(t, err, codes.PermissionDenied, "quote refused: PcrDigestMismatch (5004)")
}

func TestAttestRequiredPCRMissing(t *testing.T) {
	f := loadFixture(t)
	_, err := attest(t, fixedNonce(f), `pcrs = ["sha256:16"]`, f.hello, func([]byte) []byte { return f.bundleJSON(t, nil) })
	requireCode(t, err, codes.PermissionDenied, "quote refused: RequiredPcrMissing (5001)")
}

// The certify and the quote must both be by the AK of the hello: a quote attest handed over as
// the App Key certificate is refused.
func TestAttestQuoteAsCertify(t *testing.T) {
	f := loadFixture(t)
	_, err := attest(t, fixedNonce(f), testConfig, f.hello, func([]byte) []byte {
		return f.bundleJSON(t, func(b *Bundle) {
			b.AppKeyCertificate.CertifyData = b.Quote.Attest
			b.AppKeyCertificate.Signature = b.Quote.Signature
		})
	})
	requireCode(t, err, codes.PermissionDenied, "WrongAttestationType (4001)")
}

func TestAttestBadMessages(t *testing.T) {
	f := loadFixture(t)
	_, err := attest(t, fixedNonce(f), testConfig, []byte(`{"version":1,"ak_public":"AAA="}`), nil)
	requireCode(t, err, codes.PermissionDenied, "AK refused")

	_, err = attest(t, fixedNonce(f), testConfig, []byte(`not json`), nil)
	requireCode(t, err, codes.InvalidArgument, "aegis hello")

	_, err = attest(t, fixedNonce(f), testConfig, f.hello, func([]byte) []byte { return []byte(`{"version":2}`) })
	requireCode(t, err, codes.InvalidArgument, "aegis bundle")
}

func TestNotConfigured(t *testing.T) {
	f := loadFixture(t)
	_, err := attest(t, fixedNonce(f), "", f.hello, nil)
	requireCode(t, err, codes.FailedPrecondition, "not configured")
}

func TestConfigureRejects(t *testing.T) {
	p := New()
	for _, bad := range []string{`pcrs = ["sha256:24"]`, `pcrs = ["md5:1"]`, `allowed_ak_names = ["xyz"]`} {
		_, err := p.Configure(context.Background(), &configv1.ConfigureRequest{
			CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
			HclConfiguration:  bad,
		})
		requireCode(t, err, codes.InvalidArgument, "")
	}
}

// The appraisal mode's settings go together and need EK enrolment; each refusal names why.
func TestConfigureRejectsAppraisal(t *testing.T) {
	dir := t.TempDir()
	key, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	require.NoError(t, err)
	pem, err := key.PEM()
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "ear.key")
	require.NoError(t, os.WriteFile(keyFile, pem, 0o600))
	roots := `ek_ca_roots = ["testdata/ek/root.pem"]`
	store := fmt.Sprintf("result_store_dir = %q", filepath.Join(dir, "results"))
	for hcl, want := range map[string]string{
		fmt.Sprintf("%s\near_signing_key = %q", roots, keyFile):                                           "go together",
		fmt.Sprintf("ear_signing_key = %q\n%s", keyFile, store):                                           "needs ek_ca_roots",
		fmt.Sprintf("%s\near_signing_key = %q\n%s\near_ttl = \"10s\"", roots, keyFile, store):             "a minute or more",
		fmt.Sprintf("%s\near_signing_key = %q\n%s", roots, filepath.Join(dir, "none"), store):             "ear_signing_key",
		fmt.Sprintf("%s\near_signing_key = %q\n%s\ngeofence_policy = %q", roots, keyFile, store, keyFile): "geofence_policy",
	} {
		_, err := New().Configure(context.Background(), &configv1.ConfigureRequest{
			CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
			HclConfiguration:  hcl,
		})
		requireCode(t, err, codes.InvalidArgument, want)
	}
}
