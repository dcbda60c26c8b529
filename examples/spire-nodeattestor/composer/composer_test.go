package composer

import (
	"context"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/resultstore"
	entryv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/entry/v1"
	"github.com/spiffe/spire-api-sdk/proto/spire/api/types"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	"github.com/spiffe/spire-plugin-sdk/plugintest"
	credentialcomposerv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/credentialcomposer/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	trustDomain = "example.org"
	agentID     = "spiffe://example.org/spire/agent/aegis/000b0123abcd"
	otherAgent  = "spiffe://example.org/spire/agent/aegis/000bffff"
	workloadID  = "spiffe://example.org/workload/edge-7"
	ietf04      = "tag:ietf.org,2026:rats/ear#04"
)

// now is the composer's clock in every test (EARs are made around it; no real clock is read).
var now = time.Unix(1_800_000_000, 0)

// storedClaims is a grc.* document as the NodeAttestor stores it (docs/gateway.md).
const storedClaims = `{"grc.tpm-attestation":{"status":"%s","app_key":{"jkt":"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},` +
	`"submods":{"platform":"%[1]s","workload-key":"%[1]s"}},` +
	`"grc.geolocation":{"sensor_type":"gnss","tpm_attested":true,"jurisdiction-country":"ES"}}`

type env struct {
	key    *aegis.PrivateKey
	keyPEM string
	dir    string
	store  *resultstore.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	key, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	require.NoError(t, err)
	t.Cleanup(key.Close)
	dir := filepath.Join(t.TempDir(), "results")
	store, err := resultstore.Open(dir)
	require.NoError(t, err)
	return &env{key: key, keyPEM: publicPEM(t, key), dir: dir, store: store}
}

func publicPEM(t *testing.T, key *aegis.PrivateKey) string {
	t.Helper()
	pub, err := key.PublicKey()
	require.NoError(t, err)
	defer pub.Close()
	der, err := pub.SPKIDER()
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// signEAR signs an ietf04 EAR issued 5 minutes before now, expiring at exp, whose submods have
// status st.
func signEAR(t *testing.T, key *aegis.PrivateKey, exp time.Time, st string) string {
	t.Helper()
	claims := fmt.Sprintf(`{"eat_profile":%q,"iat":%d,"exp":%d,`+
		`"ear_verifier_id":{"developer":"https://aegis.example","build":"test"},`+
		`"submods":{"platform":{"ear_status":%q},"workload-key":{"ear_status":%[4]q}}}`,
		ietf04, now.Add(-5*time.Minute).Unix(), exp.Unix(), st)
	jwt, err := aegis.SignEARJWT(key, []byte(claims), aegis.EARDialectIETF04)
	require.NoError(t, err)
	return jwt
}

// result is a consistent stored result for agent, with an EAR expiring at exp.
func (e *env) result(t *testing.T, agent string, exp time.Time, st string) resultstore.Result {
	t.Helper()
	return resultstore.Result{
		Version:        1,
		AgentID:        agent,
		Status:         st,
		EAR:            signEAR(t, e.key, exp, st),
		EARExpiry:      exp.Unix(),
		AttestedClaims: json.RawMessage(fmt.Sprintf(storedClaims, st)),
		AttestedAt:     now.Add(-5 * time.Minute).Unix(),
	}
}

func (e *env) put(t *testing.T, r resultstore.Result) {
	t.Helper()
	require.NoError(t, e.store.Put(r))
}

func (e *env) hcl(extra string) string {
	return fmt.Sprintf("store_dir = %q\near_public_key = <<EOF\n%sEOF\n%s\n", e.dir, e.keyPEM, extra)
}

// serve runs a composer in process through the SDK's plugintest harness, configured with
// hclConfig (unless empty).
func serve(t *testing.T, hclConfig string) (credentialcomposerv1.CredentialComposerClient, error) {
	t.Helper()
	p := New()
	p.now = func() time.Time { return now }
	client := new(credentialcomposerv1.CredentialComposerPluginClient)
	cc := new(configv1.ConfigServiceClient)
	plugintest.ServeInBackground(t, plugintest.Config{
		PluginServer:   credentialcomposerv1.CredentialComposerPluginServer(p),
		PluginClient:   client,
		ServiceServers: []pluginsdk.ServiceServer{configv1.ConfigServiceServer(p)},
		ServiceClients: []pluginsdk.ServiceClient{cc},
	})
	require.True(t, client.IsInitialized())
	if hclConfig == "" {
		return client, nil
	}
	_, err := cc.Configure(context.Background(), &configv1.ConfigureRequest{
		CoreConfiguration: &configv1.CoreConfiguration{TrustDomain: trustDomain},
		HclConfiguration:  hclConfig,
	})
	return client, err
}

func mustServe(t *testing.T, hclConfig string) credentialcomposerv1.CredentialComposerClient {
	t.Helper()
	c, err := serve(t, hclConfig)
	require.NoError(t, err)
	return c
}

// otherExtension stands for an extension another composer or SPIRE put there; it must be kept.
var otherExtension = &credentialcomposerv1.X509Extension{Oid: "1.2.3.4", Value: []byte{0x05, 0x00}}

func attrs() *credentialcomposerv1.X509SVIDAttributes {
	return &credentialcomposerv1.X509SVIDAttributes{
		DnsSans:         []string{"edge-7.example.org"},
		ExtraExtensions: []*credentialcomposerv1.X509Extension{otherExtension},
	}
}

func composeAgent(c credentialcomposerv1.CredentialComposerClient, id string) (*credentialcomposerv1.X509SVIDAttributes, error) {
	resp, err := c.ComposeAgentX509SVID(context.Background(), &credentialcomposerv1.ComposeAgentX509SVIDRequest{
		Attributes: attrs(), SpiffeId: id, PublicKey: []byte{0x30},
	})
	return resp.GetAttributes(), err
}

func composeWorkload(c credentialcomposerv1.CredentialComposerClient, id string) (*credentialcomposerv1.X509SVIDAttributes, error) {
	resp, err := c.ComposeWorkloadX509SVID(context.Background(), &credentialcomposerv1.ComposeWorkloadX509SVIDRequest{
		Attributes: attrs(), SpiffeId: id, PublicKey: []byte{0x30},
	})
	return resp.GetAttributes(), err
}

// decoded is what the two extensions carry, decoded here with encoding/asn1 and encoding/json
// (independently of the binding that encoded them).
type decoded struct {
	claims  map[string]json.RawMessage
	cmwType string
	ear     string
}

func decode(t *testing.T, a *credentialcomposerv1.X509SVIDAttributes) decoded {
	t.Helper()
	require.Len(t, a.ExtraExtensions, 3)
	require.Equal(t, otherExtension.Oid, a.ExtraExtensions[0].Oid)
	var d decoded
	ac, cmw := a.ExtraExtensions[1], a.ExtraExtensions[2]
	require.Equal(t, aegis.OIDAttestedClaims, ac.Oid)
	require.Equal(t, aegis.OIDCMW, cmw.Oid)
	require.False(t, ac.Critical)
	require.False(t, cmw.Critical)

	var text string
	rest, err := asn1.UnmarshalWithParams(ac.Value, &text, "utf8")
	require.NoError(t, err)
	require.Empty(t, rest)
	require.NoError(t, json.Unmarshal([]byte(text), &d.claims))

	rest, err = asn1.UnmarshalWithParams(cmw.Value, &text, "utf8")
	require.NoError(t, err)
	require.Empty(t, rest)
	var record []string
	require.NoError(t, json.Unmarshal([]byte(text), &record))
	require.Len(t, record, 2)
	d.cmwType = record[0]
	ear, err := base64.RawURLEncoding.DecodeString(record[1])
	require.NoError(t, err)
	d.ear = string(ear)
	return d
}

func workloadOf(t *testing.T, d decoded) string {
	t.Helper()
	var w struct {
		SPIFFEID string `json:"spiffe_id"`
	}
	require.NoError(t, json.Unmarshal(d.claims["grc.workload"], &w))
	return w.SPIFFEID
}

func tpmStatus(t *testing.T, d decoded) string {
	t.Helper()
	var tpm struct {
		Status string `json:"status"`
	}
	require.NoError(t, json.Unmarshal(d.claims["grc.tpm-attestation"], &tpm))
	return tpm.Status
}

func requireCode(t *testing.T, err error, code codes.Code, contains string) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), "%v", err)
	require.Contains(t, st.Message(), contains)
}

// requireUnchanged asserts the attributes came back as sent: no Aegis extension.
func requireUnchanged(t *testing.T, a *credentialcomposerv1.X509SVIDAttributes) {
	t.Helper()
	require.Equal(t, []string{"edge-7.example.org"}, a.DnsSans)
	require.Len(t, a.ExtraExtensions, 1)
	require.Equal(t, otherExtension.Oid, a.ExtraExtensions[0].Oid)
}

func TestAgentSVIDCarriesResult(t *testing.T) {
	e := newEnv(t)
	r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusAffirming)
	e.put(t, r)
	a, err := composeAgent(mustServe(t, e.hcl("")), agentID)
	require.NoError(t, err)
	require.Equal(t, []string{"edge-7.example.org"}, a.DnsSans)
	d := decode(t, a)
	require.Equal(t, agentID, workloadOf(t, d))
	require.Equal(t, resultstore.StatusAffirming, tpmStatus(t, d))
	require.Contains(t, d.claims, "grc.geolocation")
	require.Equal(t, `application/eat+jwt; eat_profile="`+ietf04+`"`, d.cmwType)
	require.Equal(t, r.EAR, d.ear)
}

func TestAgentSVIDReplacesStaleAegisExtensions(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusAffirming))
	c := mustServe(t, e.hcl(""))
	in := attrs()
	in.ExtraExtensions = append(in.ExtraExtensions,
		&credentialcomposerv1.X509Extension{Oid: aegis.OIDAttestedClaims, Value: []byte{0x0c, 0x02, '{', '}'}})
	resp, err := c.ComposeAgentX509SVID(context.Background(), &credentialcomposerv1.ComposeAgentX509SVIDRequest{
		Attributes: in, SpiffeId: agentID,
	})
	require.NoError(t, err)
	d := decode(t, resp.GetAttributes())
	require.Equal(t, agentID, workloadOf(t, d))
}

// A non-affirming result is embedded: the gateway must see the status to deny.
func TestAgentSVIDCarriesContraindicatedResult(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusContraindicated))
	a, err := composeAgent(mustServe(t, e.hcl("require_claims = true")), agentID)
	require.NoError(t, err)
	require.Equal(t, resultstore.StatusContraindicated, tpmStatus(t, decode(t, a)))
}

// agent_ttl is the bound: an EAR valid 30 more minutes covers a 20-minute agent SVID.
func TestAgentTTLConfigured(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(30*time.Minute), resultstore.StatusAffirming))
	a, err := composeAgent(mustServe(t, e.hcl(`agent_ttl = "20m"`+"\nrequire_claims = true")), agentID)
	require.NoError(t, err)
	decode(t, a)
}

// As in SPIRE, agent_ttl defaults to default_x509_svid_ttl: 30 minutes here, which an EAR valid
// 45 more minutes covers (the 1h default would not).
func TestAgentTTLDefaultsToDefaultSVIDTTL(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(45*time.Minute), resultstore.StatusAffirming))
	a, err := composeAgent(mustServe(t, e.hcl(`default_x509_svid_ttl = "30m"`+"\nrequire_claims = true")), agentID)
	require.NoError(t, err)
	decode(t, a)
	_, err = composeAgent(mustServe(t, e.hcl("require_claims = true")), agentID)
	requireCode(t, err, codes.FailedPrecondition, "before the SVID would")
}

// Each case leaves a store that must not give claims to agentID, and the reason the error names.
func TestAgentSVIDWithoutUsableResult(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(t *testing.T, e *env)
		reason string
	}{
		{"no result", func(t *testing.T, e *env) {
			e.put(t, e.result(t, otherAgent, now.Add(2*time.Hour), resultstore.StatusAffirming))
		}, "no attestation result stored for agent " + agentID},
		{"EAR signed by another key", func(t *testing.T, e *env) {
			other, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
			require.NoError(t, err)
			defer other.Close()
			r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusAffirming)
			r.EAR = signEAR(t, other, now.Add(2*time.Hour), resultstore.StatusAffirming)
			e.put(t, r)
		}, "SignatureInvalid"},
		{"EAR expired", func(t *testing.T, e *env) {
			e.put(t, e.result(t, agentID, now.Add(-time.Second), resultstore.StatusAffirming))
		}, "EarExpired"},
		{"EAR shorter than agent_ttl", func(t *testing.T, e *env) {
			e.put(t, e.result(t, agentID, now.Add(59*time.Minute), resultstore.StatusAffirming))
		}, "before the SVID would"},
		{"stored status better than the EAR's", func(t *testing.T, e *env) {
			r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusContraindicated)
			r.Status = resultstore.StatusAffirming
			e.put(t, r)
		}, `stored status "affirming" is not the EAR's "contraindicated"`},
		{"stored claims status better than the EAR's", func(t *testing.T, e *env) {
			r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusWarning)
			r.AttestedClaims = json.RawMessage(fmt.Sprintf(storedClaims, resultstore.StatusAffirming))
			e.put(t, r)
		}, `grc.tpm-attestation.status "affirming" is not the EAR's "warning"`},
		{"stored ear_exp not the EAR's", func(t *testing.T, e *env) {
			r := e.result(t, agentID, now.Add(59*time.Minute), resultstore.StatusAffirming)
			r.EARExpiry = now.Add(2 * time.Hour).Unix()
			e.put(t, r)
		}, "is not the EAR's exp"},
		{"stored claims with a duplicate member", func(t *testing.T, e *env) {
			r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusAffirming)
			r.AttestedClaims = json.RawMessage(`{"grc.geolocation":{},"grc.geolocation":{}}`)
			e.put(t, r)
		}, "stored claims of agent"},
		{"EAR not a JWT", func(t *testing.T, e *env) {
			r := e.result(t, agentID, now.Add(2*time.Hour), resultstore.StatusAffirming)
			r.EAR = "not-a-token"
			e.put(t, r)
		}, "EarMalformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, require_ := range []bool{false, true} {
				e := newEnv(t)
				tc.setup(t, e)
				c := mustServe(t, e.hcl(fmt.Sprintf("require_claims = %v", require_)))
				a, err := composeAgent(c, agentID)
				if require_ {
					requireCode(t, err, codes.FailedPrecondition, tc.reason)
				} else {
					require.NoError(t, err)
					requireUnchanged(t, a)
				}
			}
		})
	}
}

// fakeEntryServer is a test-only stand-in for spire-server's Entry API (ListEntries only), served
// on a unix socket. It returns one entry per page, to exercise paging.
type fakeEntryServer struct {
	entryv1.UnimplementedEntryServer
	entries []*types.Entry
}

func (f *fakeEntryServer) ListEntries(_ context.Context, req *entryv1.ListEntriesRequest) (*entryv1.ListEntriesResponse, error) {
	want := req.GetFilter().GetBySpiffeId()
	var matching []*types.Entry
	for _, e := range f.entries {
		if want == nil || (e.SpiffeId.TrustDomain == want.TrustDomain && e.SpiffeId.Path == want.Path) {
			matching = append(matching, e)
		}
	}
	start := 0
	if req.PageToken != "" {
		if _, err := fmt.Sscanf(req.PageToken, "%d", &start); err != nil || start >= len(matching) {
			return nil, status.Error(codes.InvalidArgument, "bad page token")
		}
	}
	resp := &entryv1.ListEntriesResponse{}
	if start < len(matching) {
		resp.Entries = matching[start : start+1]
		if start+1 < len(matching) {
			resp.NextPageToken = fmt.Sprint(start + 1)
		}
	}
	return resp, nil
}

// serveFakeEntryAPI serves entries and returns the socket path.
func serveFakeEntryAPI(t *testing.T, entries ...*types.Entry) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "aegis-cc") // short: a socket path is limited to 108 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "api.sock")
	l, err := net.Listen("unix", socket)
	require.NoError(t, err)
	s := grpc.NewServer()
	entryv1.RegisterEntryServer(s, &fakeEntryServer{entries: entries})
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return socket
}

func entry(id, spiffeID, parent string, ttl int32) *types.Entry {
	split := func(s string) *types.SPIFFEID {
		rest := strings.TrimPrefix(s, "spiffe://")
		td, path, _ := strings.Cut(rest, "/")
		return &types.SPIFFEID{TrustDomain: td, Path: "/" + path}
	}
	return &types.Entry{Id: id, SpiffeId: split(spiffeID), ParentId: split(parent), X509SvidTtl: ttl}
}

func TestWorkloadSVIDCarriesItsAgentsResult(t *testing.T) {
	e := newEnv(t)
	r := e.result(t, agentID, now.Add(3*time.Hour), resultstore.StatusAffirming)
	e.put(t, r)
	e.put(t, e.result(t, otherAgent, now.Add(3*time.Hour), resultstore.StatusContraindicated))
	socket := serveFakeEntryAPI(t,
		entry("e1", workloadID, agentID, 0),
		entry("e2", workloadID, agentID, 7200), // same parent, other selectors
		entry("e3", "spiffe://example.org/workload/other", otherAgent, 0),
	)
	c := mustServe(t, e.hcl(fmt.Sprintf("server_socket_path = %q\nrequire_claims = true", socket)))
	a, err := composeWorkload(c, workloadID)
	require.NoError(t, err)
	d := decode(t, a)
	require.Equal(t, workloadID, workloadOf(t, d))
	require.Equal(t, resultstore.StatusAffirming, tpmStatus(t, d))
	require.Equal(t, r.EAR, d.ear)
}

// The longest x509_svid_ttl of the workload's entries bounds the EAR: 2h here, and the EAR has
// 90 minutes left.
func TestWorkloadSVIDEntryTTLBound(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(90*time.Minute), resultstore.StatusAffirming))
	// The long entry first: the shorter one after it must not lower the bound.
	socket := serveFakeEntryAPI(t, entry("e2", workloadID, agentID, 7200), entry("e1", workloadID, agentID, 0))
	c := mustServe(t, e.hcl(fmt.Sprintf("server_socket_path = %q\nrequire_claims = true", socket)))
	_, err := composeWorkload(c, workloadID)
	requireCode(t, err, codes.FailedPrecondition, "before the SVID would")
}

// Without an entry TTL, default_x509_svid_ttl bounds the EAR.
func TestWorkloadSVIDDefaultTTLBound(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(90*time.Minute), resultstore.StatusAffirming))
	socket := serveFakeEntryAPI(t, entry("e1", workloadID, agentID, 0))
	for ttl, ok := range map[string]bool{"1h": true, "2h": false} {
		c := mustServe(t, e.hcl(fmt.Sprintf("server_socket_path = %q\nrequire_claims = true\ndefault_x509_svid_ttl = %q", socket, ttl)))
		a, err := composeWorkload(c, workloadID)
		if ok {
			require.NoError(t, err, ttl)
			decode(t, a)
		} else {
			requireCode(t, err, codes.FailedPrecondition, "before the SVID would")
		}
	}
}

func TestWorkloadSVIDWithoutUsableResult(t *testing.T) {
	cases := []struct {
		name    string
		entries []*types.Entry
		noAPI   bool
		reason  string
	}{
		{"ambiguous parents", []*types.Entry{
			entry("e1", workloadID, agentID, 0), entry("e2", workloadID, otherAgent, 0),
		}, false, "registration entries under 2 parents: the asking agent is ambiguous"},
		{"no entry", []*types.Entry{
			entry("e3", "spiffe://example.org/workload/other", agentID, 0),
		}, false, "no registration entry"},
		{"parent without result", []*types.Entry{
			entry("e1", workloadID, "spiffe://example.org/spire/agent/join_token/abc", 0),
		}, false, "no attestation result stored for agent spiffe://example.org/spire/agent/join_token/abc"},
		{"no server_socket_path", nil, true, "server_socket_path is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.put(t, e.result(t, agentID, now.Add(3*time.Hour), resultstore.StatusAffirming))
			e.put(t, e.result(t, otherAgent, now.Add(3*time.Hour), resultstore.StatusAffirming))
			socketLine := ""
			if !tc.noAPI {
				socketLine = fmt.Sprintf("server_socket_path = %q", serveFakeEntryAPI(t, tc.entries...))
			}
			for _, require_ := range []bool{false, true} {
				c := mustServe(t, e.hcl(fmt.Sprintf("%s\nrequire_claims = %v", socketLine, require_)))
				a, err := composeWorkload(c, workloadID)
				if require_ {
					requireCode(t, err, codes.FailedPrecondition, tc.reason)
				} else {
					require.NoError(t, err)
					requireUnchanged(t, a)
				}
			}
		})
	}
}

// An Entry API that fails (here: nothing listens) is "no result", not a crash.
func TestWorkloadSVIDEntryAPIDown(t *testing.T) {
	e := newEnv(t)
	e.put(t, e.result(t, agentID, now.Add(3*time.Hour), resultstore.StatusAffirming))
	socket := filepath.Join(t.TempDir(), "absent.sock")
	c := mustServe(t, e.hcl(fmt.Sprintf("server_socket_path = %q\nrequire_claims = true", socket)))
	_, err := composeWorkload(c, workloadID)
	requireCode(t, err, codes.FailedPrecondition, "Entry API")
}

func TestNotConfigured(t *testing.T) {
	c := mustServe(t, "")
	_, err := composeAgent(c, agentID)
	requireCode(t, err, codes.FailedPrecondition, "not configured")
}

// The other RPCs are left to SPIRE's defaults.
func TestOtherRPCsUnimplemented(t *testing.T) {
	e := newEnv(t)
	c := mustServe(t, e.hcl(""))
	_, err := c.ComposeServerX509CA(context.Background(), &credentialcomposerv1.ComposeServerX509CARequest{})
	requireCode(t, err, codes.Unimplemented, "")
	_, err = c.ComposeServerX509SVID(context.Background(), &credentialcomposerv1.ComposeServerX509SVIDRequest{})
	requireCode(t, err, codes.Unimplemented, "")
	_, err = c.ComposeWorkloadJWTSVID(context.Background(), &credentialcomposerv1.ComposeWorkloadJWTSVIDRequest{})
	requireCode(t, err, codes.Unimplemented, "")
}

func TestConfigureRejects(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	cases := map[string]struct{ hcl, msg string }{
		"no store_dir":       {fmt.Sprintf("ear_public_key = <<EOF\n%sEOF\n", e.keyPEM), "store_dir is required"},
		"no ear_public_key":  {fmt.Sprintf("store_dir = %q", e.dir), "ear_public_key is required"},
		"key not PEM":        {fmt.Sprintf("store_dir = %q\near_public_key = \"MFkw\"", e.dir), "not a PEM public key"},
		"key PEM garbage":    {fmt.Sprintf("store_dir = %q\near_public_key = \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"", e.dir), "ear_public_key: aegis:"},
		"store_dir a file":   {strings.Replace(e.hcl(""), e.dir, file, 1), "store_dir:"},
		"agent_ttl bad":      {e.hcl(`agent_ttl = "soon"`), "agent_ttl"},
		"agent_ttl negative": {e.hcl(`agent_ttl = "-1h"`), "agent_ttl"},
		"default ttl bad":    {e.hcl(`default_x509_svid_ttl = "0s"`), "default_x509_svid_ttl"},
		"not HCL":            {"store_dir = \"unterminated", "unable to decode configuration"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := serve(t, tc.hcl)
			requireCode(t, err, codes.InvalidArgument, tc.msg)
		})
	}
}
