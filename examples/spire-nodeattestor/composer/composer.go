// Package composer is the "aegis" SPIRE server CredentialComposer: it writes an agent's Aegis
// attestation result into the X.509-SVIDs SPIRE issues, as the two non-critical extensions of
// docs/svid.md: AttestedClaims (the grc.* claims of docs/gateway.md, with grc.workload naming the
// SVID's SPIFFE ID) and CMW (the signed EAR, JSON arm, draft-ietf-rats-ear-04).
//
// SPIRE hands a composer only the SVID's attributes, SPIFFE ID and public key, never the
// attestation, so the "aegis" NodeAttestor leaves each agent's result in a side store
// (package resultstore) keyed by the agent's SPIFFE ID. For an agent SVID the SPIFFE ID is that
// key; for a workload SVID the agent is the parent of the workload's registration entry, read
// from spire-server's Entry API. Every stored EAR is verified again, with the configured EAR key
// at the current time, and must outlive the SVID (README.md, "CredentialComposer").
package composer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/resultstore"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	entryv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/entry/v1"
	"github.com/spiffe/spire-api-sdk/proto/spire/api/types"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	credentialcomposerv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/credentialcomposer/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// PluginName is the name the plugin is configured under.
const PluginName = "aegis"

// DefaultTTL is SPIRE's default_x509_svid_ttl (and so its agent_ttl) when not configured.
const DefaultTTL = time.Hour

// Bounds on the Entry API walk for one workload SVID (a SPIFFE ID has a handful of entries).
const (
	maxEntryPages = 16
	entryPageSize = 100
	// entryAPITimeout bounds the Entry API walk so that a stuck server API cannot hold up issuance.
	entryAPITimeout = 10 * time.Second
)

// Config is the plugin_data of the CredentialComposer "aegis" block (HCL).
type Config struct {
	// StoreDir is the NodeAttestor's result store directory (required).
	StoreDir string `hcl:"store_dir"`
	// EARPublicKey is the PEM ("PUBLIC KEY") of the key the NodeAttestor signs EARs with
	// (required).
	EARPublicKey string `hcl:"ear_public_key"`
	// ServerSocketPath is spire-server's local API socket; without it workload SVIDs get no
	// claims.
	ServerSocketPath string `hcl:"server_socket_path"`
	// AgentTTL is the server's agent_ttl (as in SPIRE, default_x509_svid_ttl when empty).
	AgentTTL string `hcl:"agent_ttl"`
	// DefaultX509SVIDTTL is the server's default_x509_svid_ttl (as in SPIRE, "1h" when empty).
	DefaultX509SVIDTTL string `hcl:"default_x509_svid_ttl"`
	// RequireClaims refuses to issue an SVID that cannot carry a verified result.
	RequireClaims bool `hcl:"require_claims"`
}

type config struct {
	store *resultstore.Store
	// earKey is shared by concurrent calls and never closed while configured: a replaced key is
	// left to its finalizer.
	earKey        *aegis.PublicKey
	entries       entryv1.EntryClient // nil without server_socket_path
	conn          *grpc.ClientConn
	agentTTL      time.Duration
	defaultTTL    time.Duration
	requireClaims bool
}

// Plugin is the CredentialComposer. Only ComposeAgentX509SVID and ComposeWorkloadX509SVID are
// implemented; SPIRE applies its defaults for the others.
type Plugin struct {
	credentialcomposerv1.UnimplementedCredentialComposerServer
	configv1.UnimplementedConfigServer

	logger hclog.Logger
	now    func() time.Time
	// dial connects to server_socket_path (replaced in tests).
	dial func(socketPath string) (*grpc.ClientConn, error)

	mu  sync.RWMutex
	cfg *config
}

var _ pluginsdk.NeedsLogger = (*Plugin)(nil)

// New returns an unconfigured plugin.
func New() *Plugin {
	return &Plugin{logger: hclog.NewNullLogger(), now: time.Now, dial: dialUnix}
}

func dialUnix(socketPath string) (*grpc.ClientConn, error) {
	return grpc.Dial("unix:"+socketPath, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// SetLogger is called by the plugin framework.
func (p *Plugin) SetLogger(logger hclog.Logger) { p.logger = logger }

// Configure parses and validates the HCL configuration and replaces the current one.
func (p *Plugin) Configure(_ context.Context, req *configv1.ConfigureRequest) (*configv1.ConfigureResponse, error) {
	var hc Config
	if err := hcl.Decode(&hc, req.HclConfiguration); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "unable to decode configuration: %v", err)
	}
	if hc.StoreDir == "" {
		return nil, status.Error(codes.InvalidArgument, "store_dir is required")
	}
	if hc.EARPublicKey == "" {
		return nil, status.Error(codes.InvalidArgument, "ear_public_key is required")
	}
	c := &config{requireClaims: hc.RequireClaims}
	var err error
	if c.defaultTTL, err = parseTTL("default_x509_svid_ttl", hc.DefaultX509SVIDTTL, DefaultTTL); err != nil {
		return nil, err
	}
	if c.agentTTL, err = parseTTL("agent_ttl", hc.AgentTTL, c.defaultTTL); err != nil {
		return nil, err
	}
	if !strings.Contains(hc.EARPublicKey, "-----BEGIN PUBLIC KEY-----") {
		return nil, status.Error(codes.InvalidArgument, "ear_public_key: not a PEM public key")
	}
	if c.earKey, err = aegis.PublicKeyFromSPKI([]byte(hc.EARPublicKey)); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "ear_public_key: %v", err)
	}
	if c.store, err = resultstore.Open(hc.StoreDir); err != nil {
		c.earKey.Close()
		return nil, status.Errorf(codes.InvalidArgument, "store_dir: %v", err)
	}
	if hc.ServerSocketPath != "" {
		if c.conn, err = p.dial(hc.ServerSocketPath); err != nil {
			c.earKey.Close()
			return nil, status.Errorf(codes.InvalidArgument, "server_socket_path: %v", err)
		}
		c.entries = entryv1.NewEntryClient(c.conn)
	} else {
		p.logger.Warn("server_socket_path is not set: workload X509-SVIDs get no attested claims")
	}
	p.mu.Lock()
	old := p.cfg
	p.cfg = c
	p.mu.Unlock()
	if old != nil && old.conn != nil {
		_ = old.conn.Close()
	}
	return &configv1.ConfigureResponse{}, nil
}

func parseTTL(name, s string, dflt time.Duration) (time.Duration, error) {
	if s == "" {
		return dflt, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, status.Errorf(codes.InvalidArgument, "%s: %q is not a positive duration", name, s)
	}
	return d, nil
}

// Close releases the Entry API connection and unconfigures the plugin (for embedders: the SDK
// does not call it, SPIRE ends the plugin process).
func (p *Plugin) Close() error {
	p.mu.Lock()
	c := p.cfg
	p.cfg = nil
	p.mu.Unlock()
	if c != nil && c.conn != nil {
		return c.conn.Close()
	}
	return nil
}

func (p *Plugin) getConfig() (*config, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.cfg == nil {
		return nil, status.Error(codes.FailedPrecondition, "not configured")
	}
	return p.cfg, nil
}

// ComposeAgentX509SVID adds the agent's own attestation result to its X509-SVID, bounded by
// agent_ttl.
func (p *Plugin) ComposeAgentX509SVID(_ context.Context, req *credentialcomposerv1.ComposeAgentX509SVIDRequest) (*credentialcomposerv1.ComposeAgentX509SVIDResponse, error) {
	cfg, err := p.getConfig()
	if err != nil {
		return nil, err
	}
	attrs, err := p.compose(cfg, req.GetAttributes(), req.GetSpiffeId(), func() (string, time.Duration, error) {
		return req.GetSpiffeId(), cfg.agentTTL, nil
	})
	if err != nil {
		return nil, err
	}
	return &credentialcomposerv1.ComposeAgentX509SVIDResponse{Attributes: attrs}, nil
}

// ComposeWorkloadX509SVID adds the result of the workload's agent (the single parent of its
// registration entries) to its X509-SVID, bounded by the entries' x509_svid_ttl.
func (p *Plugin) ComposeWorkloadX509SVID(ctx context.Context, req *credentialcomposerv1.ComposeWorkloadX509SVIDRequest) (*credentialcomposerv1.ComposeWorkloadX509SVIDResponse, error) {
	cfg, err := p.getConfig()
	if err != nil {
		return nil, err
	}
	attrs, err := p.compose(cfg, req.GetAttributes(), req.GetSpiffeId(), func() (string, time.Duration, error) {
		return workloadAgent(ctx, cfg, req.GetSpiffeId())
	})
	if err != nil {
		return nil, err
	}
	return &credentialcomposerv1.ComposeWorkloadX509SVIDResponse{Attributes: attrs}, nil
}

// noResult is why an SVID gets no claims: with require_claims it refuses the SVID
// (FailedPrecondition), else it is logged and the SVID is issued unchanged.
type noResult struct{ reason string }

func (e *noResult) Error() string { return e.reason }

func noResultf(format string, args ...any) error {
	return &noResult{reason: fmt.Sprintf(format, args...)}
}

// compose finds the agent and SVID TTL with locate, then appends the extensions, or applies
// require_claims when there is no usable result.
func (p *Plugin) compose(cfg *config, attrs *credentialcomposerv1.X509SVIDAttributes, spiffeID string,
	locate func() (string, time.Duration, error)) (*credentialcomposerv1.X509SVIDAttributes, error) {
	if attrs == nil {
		attrs = &credentialcomposerv1.X509SVIDAttributes{}
	}
	exts, err := func() ([]*credentialcomposerv1.X509Extension, error) {
		agentID, ttl, err := locate()
		if err != nil {
			return nil, err
		}
		return extensionsFor(cfg, p.now(), spiffeID, agentID, ttl)
	}()
	var nr *noResult
	switch {
	case err == nil:
		out := make([]*credentialcomposerv1.X509Extension, 0, len(attrs.ExtraExtensions)+len(exts))
		for _, e := range attrs.ExtraExtensions {
			if e.GetOid() != aegis.OIDAttestedClaims && e.GetOid() != aegis.OIDCMW {
				out = append(out, e)
			}
		}
		attrs.ExtraExtensions = append(out, exts...)
		return attrs, nil
	case errors.As(err, &nr):
		if cfg.requireClaims {
			return nil, status.Errorf(codes.FailedPrecondition, "aegis: %s: %s (require_claims)", spiffeID, nr.reason)
		}
		p.logger.Warn("Issuing X509-SVID without attested claims", "spiffe_id", spiffeID, "reason", nr.reason)
		return attrs, nil
	default:
		return nil, status.Errorf(codes.Internal, "aegis: %s: %v", spiffeID, err)
	}
}

// workloadAgent is the agent of a workload SPIFFE ID: the parent ID of its registration entries
// when all of them have the same one, with the longest x509_svid_ttl among them.
func workloadAgent(ctx context.Context, cfg *config, spiffeID string) (string, time.Duration, error) {
	if cfg.entries == nil {
		return "", 0, noResultf("server_socket_path is not set: the workload's agent is unknown")
	}
	id, err := spiffeid.FromString(spiffeID)
	if err != nil {
		return "", 0, noResultf("SPIFFE ID: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, entryAPITimeout)
	defer cancel()
	parents := map[string]bool{}
	var ttl time.Duration
	token := ""
	for page := 0; ; page++ {
		if page == maxEntryPages {
			return "", 0, noResultf("more than %d pages of registration entries", maxEntryPages)
		}
		resp, err := cfg.entries.ListEntries(ctx, &entryv1.ListEntriesRequest{
			Filter: &entryv1.ListEntriesRequest_Filter{
				BySpiffeId: &types.SPIFFEID{TrustDomain: id.TrustDomain().Name(), Path: id.Path()},
			},
			OutputMask: &types.EntryMask{SpiffeId: true, ParentId: true, X509SvidTtl: true},
			PageSize:   entryPageSize,
			PageToken:  token,
		})
		if err != nil {
			return "", 0, noResultf("Entry API: %v", err)
		}
		for _, e := range resp.GetEntries() {
			if got, err := entryID(e.GetSpiffeId()); err != nil || got != spiffeID {
				continue // the filter is the server's: check it
			}
			parent, err := entryID(e.GetParentId())
			if err != nil {
				return "", 0, noResultf("entry %s: parent ID: %v", e.GetId(), err)
			}
			parents[parent] = true
			t := time.Duration(e.GetX509SvidTtl()) * time.Second
			if t <= 0 {
				t = cfg.defaultTTL
			}
			ttl = max(ttl, t)
		}
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
	}
	switch len(parents) {
	case 0:
		return "", 0, noResultf("no registration entry")
	case 1:
		for parent := range parents {
			return parent, ttl, nil
		}
	}
	return "", 0, noResultf("registration entries under %d parents: the asking agent is ambiguous", len(parents))
}

func entryID(id *types.SPIFFEID) (string, error) {
	td, err := spiffeid.TrustDomainFromString(id.GetTrustDomain())
	if err != nil {
		return "", err
	}
	p, err := spiffeid.FromPath(td, id.GetPath())
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

// extensionsFor makes the two extensions from agentID's stored result for an SVID of spiffeID
// living ttl from now, or says why not (a *noResult).
func extensionsFor(cfg *config, now time.Time, spiffeID, agentID string, ttl time.Duration) ([]*credentialcomposerv1.X509Extension, error) {
	r, err := cfg.store.Get(agentID)
	if errors.Is(err, resultstore.ErrNotFound) {
		return nil, noResultf("no attestation result stored for agent %s", agentID)
	}
	if err != nil {
		return nil, noResultf("stored result of agent %s: %v", agentID, err)
	}
	exp, err := verifyStoredEAR(cfg.earKey, r, now)
	if err != nil {
		return nil, noResultf("EAR of agent %s invalid: %v", agentID, err)
	}
	if notAfter := now.Add(ttl); exp.Before(notAfter) {
		return nil, noResultf("EAR of agent %s expires at %s, before the SVID would (%s)",
			agentID, exp.UTC().Format(time.RFC3339), notAfter.UTC().Format(time.RFC3339))
	}
	claims, err := workloadClaims(r, spiffeID)
	if err != nil {
		return nil, noResultf("stored claims of agent %s: %v", agentID, err)
	}
	ac, err := aegis.AttestedClaimsExtension(claims)
	if err != nil {
		return nil, noResultf("stored claims of agent %s: %v", agentID, err)
	}
	cmw, err := aegis.CMWExtension([]byte(r.EAR), false, aegis.EARDialectIETF04)
	if err != nil {
		return nil, noResultf("EAR of agent %s: %v", agentID, err)
	}
	return []*credentialcomposerv1.X509Extension{
		{Oid: ac.OID, Value: ac.Value, Critical: ac.Critical},
		{Oid: cmw.OID, Value: cmw.Value, Critical: cmw.Critical},
	}, nil
}

// verifyStoredEAR verifies r's EAR with key at now (a draft-ietf-rats-ear-04 JWT) and checks that
// the unsigned fields stored beside it agree with it: its exp, and its overall status (the
// worst of ear_status, top-level and per submod). Returns the EAR's exp.
func verifyStoredEAR(key *aegis.PublicKey, r resultstore.Result, now time.Time) (time.Time, error) {
	ear, err := aegis.VerifyEAR(key, []byte(r.EAR), now, nil, 0)
	if errors.Is(err, aegis.ErrEarExpired) {
		return time.Time{}, fmt.Errorf("expired: %w", err)
	}
	if err != nil {
		return time.Time{}, err
	}
	if ear.CWT || ear.Dialect != aegis.EARDialectIETF04 {
		return time.Time{}, errors.New("not a draft-ietf-rats-ear-04 JWT")
	}
	expClaim, ok := ear.Claims["exp"].(float64)
	if !ok {
		return time.Time{}, errors.New("no exp")
	}
	exp := time.Unix(int64(expClaim), 0)
	if int64(expClaim) != r.EARExpiry {
		return time.Time{}, fmt.Errorf("stored ear_exp %d is not the EAR's exp %d", r.EARExpiry, int64(expClaim))
	}
	st, err := overallStatus(ear.Claims)
	if err != nil {
		return time.Time{}, err
	}
	if st != r.Status {
		return time.Time{}, fmt.Errorf("stored status %q is not the EAR's %q", r.Status, st)
	}
	return exp, nil
}

// statusRank orders the AR4SI tiers as aegis-core's ear::Status does (worse is greater).
var statusRank = map[string]int{
	resultstore.StatusNone:            0,
	resultstore.StatusAffirming:       1,
	resultstore.StatusWarning:         2,
	resultstore.StatusContraindicated: 3,
}

// overallStatus is the worst ear_status of a verified ietf04 EAR's claims.
func overallStatus(claims map[string]any) (string, error) {
	worst := resultstore.StatusNone
	consider := func(v any) error {
		s, ok := v.(string)
		if _, known := statusRank[s]; !ok || !known {
			return fmt.Errorf("ear_status %v", v)
		}
		if statusRank[s] > statusRank[worst] {
			worst = s
		}
		return nil
	}
	if v, ok := claims["ear_status"]; ok {
		if err := consider(v); err != nil {
			return "", err
		}
	}
	submods, _ := claims["submods"].(map[string]any)
	for _, sm := range submods {
		m, ok := sm.(map[string]any)
		if !ok {
			continue
		}
		if v, ok := m["ear_status"]; ok {
			if err := consider(v); err != nil {
				return "", err
			}
		}
	}
	return worst, nil
}

// workloadClaims is r's grc.* document with grc.workload naming spiffeID (docs/gateway.md); a
// grc.tpm-attestation.status in it must be r's (verified) status.
func workloadClaims(r resultstore.Result, spiffeID string) ([]byte, error) {
	// The stored document as the extension would carry it (size, duplicate members, grc.* types)
	// before it is decoded into a map, which would merge duplicates.
	if _, err := aegis.AttestedClaimsExtension(r.AttestedClaims); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(r.AttestedClaims, &doc); err != nil {
		return nil, err
	}
	if raw, ok := doc["grc.tpm-attestation"]; ok {
		var tpm struct {
			Status *string `json:"status"`
		}
		if err := json.Unmarshal(raw, &tpm); err != nil {
			return nil, fmt.Errorf("grc.tpm-attestation: %w", err)
		}
		if tpm.Status != nil && *tpm.Status != r.Status {
			return nil, fmt.Errorf("grc.tpm-attestation.status %q is not the EAR's %q", *tpm.Status, r.Status)
		}
	}
	workload, err := json.Marshal(map[string]string{"spiffe_id": spiffeID})
	if err != nil {
		return nil, err
	}
	doc["grc.workload"] = workload
	return json.Marshal(doc)
}
