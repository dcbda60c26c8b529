// Package nodeattestor is an example SPIRE server NodeAttestor plugin ("aegis") built on the Aegis
// Go binding: the agent proves, over one server nonce, that its App Key sits in the same TPM as
// its AK (TPM2_Certify) and what the PCRs hold (TPM2_Quote). See bundle.go for the messages and
// README.md for the configuration.
//
// With ek_ca_roots configured, the plugin also binds the AK to an EK (VERIFIER-CHECKS.md item
// 14): the EK certificate must chain to a configured manufacturer CA and certify the EK public
// area the agent sends; a credential made to that EK for the AK's Name must be activated
// (TPM2_ActivateCredential) by the agent; and the certify and the quote must carry the
// qualifiedSigner of that AK under that EK under the endorsement hierarchy. Without ek_ca_roots
// it trusts any genuine restricted AK (and logs so): then use allowed_ak_names, or register
// entries only for AK Names you enrolled.
package nodeattestor

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PluginName is the name the plugin is configured under; SPIRE prefixes every selector value
// with it ("aegis:ak_name:<hex>").
const PluginName = "aegis"

// NonceSize is the size of the challenge nonce (fits TPM2B_DATA's 64-byte qualifying data).
const NonceSize = 32

// CredentialSecretSize is the size of the random secret protected by the credential challenge (at
// most the digest size of the EK's nameAlg: 32 for SHA-256 EKs).
const CredentialSecretSize = 32

// maxMessage caps what the plugin parses from the agent (a bundle is a few kilobytes).
const maxMessage = 64 << 10

// Config is the plugin_data of the NodeAttestor "aegis" block (HCL).
type Config struct {
	// PCRs the quote must cover ("sha256:15"); each becomes a selector pcr:<bank>:<index>:<hex>.
	PCRs []string `hcl:"pcrs"`
	// AllowedAKNames, when not empty, is the list of AK Names (hex) allowed to attest.
	AllowedAKNames []string `hcl:"allowed_ak_names"`
	// AllowSHA1 accepts SHA-1 quotes and certifications (old TPMs). Off by default.
	AllowSHA1 bool `hcl:"allow_sha1"`
	// EKCARoots are PEM files of the TPM manufacturer root CAs trusted for EK certificates. When
	// set, every agent must bind its AK to an EK certified by one of them (EK enrolment).
	EKCARoots []string `hcl:"ek_ca_roots"`
	// EKCAIntermediates are PEM files of intermediate CAs used to build EK certificate paths.
	EKCAIntermediates []string `hcl:"ek_ca_intermediates"`
	// EARSigningKey (PEM private key file) and ResultStoreDir turn on the appraisal mode
	// (appraisal.go): the agent's evidence bundle is appraised whole, the result signed as an
	// EAR with this key and kept in the side store for the CredentialComposer.
	EARSigningKey  string `hcl:"ear_signing_key"`
	ResultStoreDir string `hcl:"result_store_dir"`
	// EARTTL is how long a signed EAR is valid ("1h" by default; a minute or more).
	EARTTL string `hcl:"ear_ttl"`
	// GeofencePolicy is a geofence policy file (docs/geofence-policy.md) the location is
	// appraised against in the appraisal mode.
	GeofencePolicy string `hcl:"geofence_policy"`
}

type pcrRef struct {
	bank  aegis.HashAlg
	index uint8
}

type config struct {
	trustDomain spiffeid.TrustDomain
	pcrs        []pcrRef
	allowed     map[string]bool
	allowSHA1   bool
	// ekStore is nil when no ek_ca_roots are configured (no EK enrolment). Immutable once
	// configured, shared by concurrent Attest calls; a replaced store is left to its finalizer.
	ekStore *aegis.EKTrustStore
	// appraisal is nil unless the appraisal mode is configured.
	appraisal *appraisal
}

// Plugin is the server NodeAttestor.
type Plugin struct {
	nodeattestorv1.UnimplementedNodeAttestorServer
	configv1.UnimplementedConfigServer

	mu     sync.RWMutex
	config *config
	logger hclog.Logger

	// nonce makes the challenge; crypto/rand unless a test fixes it.
	nonce func() ([]byte, error)
	// now is the time EK certificates are checked at.
	now func() time.Time
}

var _ pluginsdk.NeedsLogger = (*Plugin)(nil)

// New returns an unconfigured plugin.
func New() *Plugin {
	return &Plugin{logger: hclog.NewNullLogger(), nonce: randomNonce, now: time.Now}
}

func randomNonce() ([]byte, error) {
	n := make([]byte, NonceSize)
	if _, err := rand.Read(n); err != nil {
		return nil, err
	}
	return n, nil
}

// SetLogger is called by the plugin framework.
func (p *Plugin) SetLogger(logger hclog.Logger) { p.logger = logger }

// Configure parses and validates the HCL configuration and replaces the current one.
func (p *Plugin) Configure(_ context.Context, req *configv1.ConfigureRequest) (*configv1.ConfigureResponse, error) {
	var hc Config
	if err := hcl.Decode(&hc, req.HclConfiguration); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "unable to decode configuration: %v", err)
	}
	if req.CoreConfiguration == nil {
		return nil, status.Error(codes.InvalidArgument, "core configuration is missing")
	}
	td, err := spiffeid.TrustDomainFromString(req.CoreConfiguration.TrustDomain)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "trust domain: %v", err)
	}
	c := &config{trustDomain: td, allowSHA1: hc.AllowSHA1, allowed: map[string]bool{}}
	for _, s := range hc.PCRs {
		ref, err := parsePCRRef(s)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "pcrs: %v", err)
		}
		c.pcrs = append(c.pcrs, ref)
	}
	for _, n := range hc.AllowedAKNames {
		b, err := hex.DecodeString(n)
		if err != nil || len(b) < 3 {
			return nil, status.Errorf(codes.InvalidArgument, "allowed_ak_names: %q is not a hex TPM Name", n)
		}
		c.allowed[hex.EncodeToString(b)] = true
	}
	if len(hc.EKCARoots) == 0 && len(hc.EKCAIntermediates) > 0 {
		return nil, status.Error(codes.InvalidArgument, "ek_ca_intermediates without ek_ca_roots")
	}
	if len(hc.EKCARoots) > 0 {
		store, err := loadEKStore(hc.EKCARoots, hc.EKCAIntermediates)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "%v", err)
		}
		c.ekStore = store
	} else {
		p.logger.Warn("no ek_ca_roots: AKs are not bound to an EK, any genuine restricted AK can attest")
	}
	if c.appraisal, err = newAppraisal(&hc, c.ekStore != nil); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	p.mu.Lock()
	p.config = c
	p.mu.Unlock()
	return &configv1.ConfigureResponse{}, nil
}

func loadEKStore(roots, intermediates []string) (*aegis.EKTrustStore, error) {
	store := aegis.NewEKTrustStore()
	for _, list := range []struct {
		key   string
		paths []string
		add   func([]byte) error
	}{{"ek_ca_roots", roots, store.AddRoot}, {"ek_ca_intermediates", intermediates, store.AddIntermediate}} {
		for _, path := range list.paths {
			pem, err := os.ReadFile(path)
			if err == nil {
				err = list.add(pem)
			}
			if err != nil {
				store.Close()
				return nil, fmt.Errorf("%s: %s: %v", list.key, path, err)
			}
		}
	}
	return store, nil
}

func parsePCRRef(s string) (pcrRef, error) {
	bank, idx, ok := strings.Cut(s, ":")
	h, known := aegis.ParseHashAlg(bank)
	i, err := strconv.ParseUint(idx, 10, 8)
	if !ok || !known || err != nil || i > 23 {
		return pcrRef{}, fmt.Errorf("%q is not <sha1|sha256|sha384|sha512>:<0-23>", s)
	}
	return pcrRef{bank: h, index: uint8(i)}, nil
}

func (p *Plugin) getConfig() (*config, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.config == nil {
		return nil, status.Error(codes.FailedPrecondition, "not configured")
	}
	return p.config, nil
}

// Attest runs the challenge/response: Hello (the AK, and the EK when EK enrolment is configured);
// with EK enrolment, the credential challenge and the activated secret; then the nonce and the
// Bundle. It verifies the App Key certification and the quote against the nonce (and, with EK
// enrolment, against the AK's qualified Name under the EK) and returns the agent ID and
// selectors.
func (p *Plugin) Attest(stream nodeattestorv1.NodeAttestor_AttestServer) error {
	cfg, err := p.getConfig()
	if err != nil {
		return err
	}

	req, err := stream.Recv()
	if err != nil {
		return err
	}
	payload := req.GetPayload()
	if len(payload) == 0 || len(payload) > maxMessage {
		return status.Error(codes.InvalidArgument, "missing or oversized attestation payload")
	}
	var hello Hello
	if err := json.Unmarshal(payload, &hello); err != nil || hello.Version != HelloVersion {
		return status.Errorf(codes.InvalidArgument, "payload is not an aegis hello (version %d)", HelloVersion)
	}
	ak, err := aegis.AttestationKeyFromTPMPublic(hello.AKPublic)
	if err != nil {
		return refused("AK", err)
	}
	defer ak.Close()
	akName := ak.Name()
	akHex := hex.EncodeToString(akName)
	if len(cfg.allowed) > 0 && !cfg.allowed[akHex] {
		return status.Errorf(codes.PermissionDenied, "AK %s is not in allowed_ak_names", akHex)
	}

	var expectedSigner, ekName []byte
	if cfg.ekStore != nil {
		if expectedSigner, ekName, err = p.enrol(stream, cfg, &hello, akName); err != nil {
			return err
		}
	} else {
		p.logger.Warn("AK is not bound to an EK (no ek_ca_roots configured)", "ak_name", akHex)
	}

	nonce, err := p.nonce()
	if err != nil {
		return status.Errorf(codes.Internal, "making a nonce: %v", err)
	}
	if err := stream.Send(&nodeattestorv1.AttestResponse{
		Response: &nodeattestorv1.AttestResponse_Challenge{Challenge: nonce},
	}); err != nil {
		return err
	}

	req, err = stream.Recv()
	if err != nil {
		return err
	}
	answer := req.GetChallengeResponse()
	if len(answer) == 0 || len(answer) > maxMessage {
		return status.Error(codes.InvalidArgument, "missing or oversized challenge response")
	}
	b, evidence, err := readBundle(answer, hello.AKPublic)
	if err != nil {
		return err
	}
	if cfg.appraisal != nil && !evidence {
		return status.Error(codes.InvalidArgument, "the appraisal mode needs an evidence bundle (docs/evidence-bundle.md), not the PoC bundle")
	}
	for what, h := range map[string]string{"challenge_nonce": b.ChallengeNonce, "app_key_certificate.challenge_nonce": b.AppKeyCertificate.ChallengeNonce} {
		got, err := hex.DecodeString(h)
		if err != nil || subtle.ConstantTimeCompare(got, nonce) != 1 {
			return status.Errorf(codes.PermissionDenied, "%s is not the challenge", what)
		}
	}

	selectors, err := verify(cfg, ak, akName, b, nonce, expectedSigner)
	if err != nil {
		return err
	}
	if ekName != nil {
		selectors = append(selectors, "ek_name:"+hex.EncodeToString(ekName))
	}
	id, err := spiffeid.FromSegments(cfg.trustDomain, "spire", "agent", PluginName, akHex)
	if err != nil {
		return status.Errorf(codes.Internal, "agent ID: %v", err)
	}
	if cfg.appraisal != nil {
		more, err := cfg.appraisal.appraise(cfg.ekStore, answer, nonce, akName, hello.EKPublic, id.String(), p.now())
		if err != nil {
			return err
		}
		selectors = append(selectors, more...)
	}
	p.logger.Info("attested", "agent_id", id.String(), "ak_name", akHex)
	return stream.Send(&nodeattestorv1.AttestResponse{
		Response: &nodeattestorv1.AttestResponse_AgentAttributes{AgentAttributes: &nodeattestorv1.AgentAttributes{
			SpiffeId:       id.String(),
			SelectorValues: selectors,
			CanReattest:    true,
		}},
	})
}

// enrol binds the AK to the EK of the hello (VERIFIER-CHECKS.md item 14):
//  1. the EK certificate chains to a configured manufacturer CA, is valid now, and certifies the
//     EK public area of the hello;
//  2. challenge: MakeCredential(EK, Name(AK), fresh random secret), in the tpm2-tools file form
//     (`tpm2_activatecredential -i`); the agent answers with the secret TPM2_ActivateCredential
//     recovered, which only the TPM holding that EK, with an object of that Name loaded, can do;
//  3. the expected qualifiedSigner: QN(AK) = H(QN(EK) || Name(AK)), QN(EK) = H(0x4000000B ||
//     Name(EK)). Activation alone does not prove that the AK was made under this EK (any loaded
//     object with that Name will do); the pinned qualifiedSigner of the signed certify and quote
//     does.
//
// It returns the expected qualifiedSigner and the EK Name.
func (p *Plugin) enrol(stream nodeattestorv1.NodeAttestor_AttestServer, cfg *config, hello *Hello, akName []byte) ([]byte, []byte, error) {
	if len(hello.EKPublic) == 0 || len(hello.EKCertificate) == 0 {
		return nil, nil, status.Error(codes.InvalidArgument, "EK enrolment is configured: the hello must carry ek_public and ek_certificate")
	}
	vek, err := aegis.VerifyEKCertificate(cfg.ekStore, hello.EKCertificate, hello.EKPublic, p.now())
	if err != nil {
		return nil, nil, refused("EK certificate", err)
	}
	secret := make([]byte, CredentialSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, nil, status.Errorf(codes.Internal, "making a credential secret: %v", err)
	}
	cred, err := aegis.MakeCredential(vek.Public(), akName, secret)
	if err != nil {
		return nil, nil, refused("EK for credential activation", err)
	}
	if err := stream.Send(&nodeattestorv1.AttestResponse{
		Response: &nodeattestorv1.AttestResponse_Challenge{Challenge: cred.TPM2ToolsFile()},
	}); err != nil {
		return nil, nil, err
	}
	req, err := stream.Recv()
	if err != nil {
		return nil, nil, err
	}
	activated := req.GetChallengeResponse()
	if len(activated) == 0 || len(activated) > 64 {
		return nil, nil, status.Error(codes.InvalidArgument, "missing or oversized activated credential")
	}
	if err := aegis.CheckActivated(secret, activated); err != nil {
		return nil, nil, refused("credential activation", err)
	}
	signer, err := aegis.QualifiedName(akName, vek.QualifiedName())
	if err != nil {
		return nil, nil, status.Errorf(codes.Internal, "AK qualified Name: %v", err)
	}
	p.logger.Info("AK bound to EK", "ak_name", hex.EncodeToString(akName), "ek_name", hex.EncodeToString(vek.Name()),
		"ek_issuer", vek.Issuer())
	return signer, vek.Name(), nil
}

// verify checks the App Key certification and the quote, both by ak over nonce, and returns the
// selector values (without the "aegis:" type prefix SPIRE adds).
//
// Both signatures are verified with the AK's own key, so both come from the AK. With EK
// enrolment, expectedSigner (the AK's qualified Name under the enrolled EK) is pinned on both;
// without it qualifiedSigner is not pinned (nil), as the hello proves no EK.
func verify(cfg *config, ak *aegis.AttestationKey, akName []byte, b *Bundle, nonce, expectedSigner []byte) ([]string, error) {
	cp := aegis.NewCertifyPolicy()
	defer cp.Close()
	if err := cp.AllowSHA1(cfg.allowSHA1); err != nil {
		return nil, status.Errorf(codes.Internal, "certify policy: %v", err)
	}
	if err := cp.SetExpectedSigner(expectedSigner); err != nil {
		return nil, status.Errorf(codes.Internal, "certify policy: %v", err)
	}
	vc, err := aegis.VerifyCertify(ak, b.AppKeyTPMPublic, b.AppKeyCertificate.CertifyData,
		b.AppKeyCertificate.Signature, nonce, cp)
	if err != nil {
		return nil, refused("App Key certification", err)
	}

	qp := aegis.NewQuotePolicy()
	defer qp.Close()
	if err := qp.AllowSHA1(cfg.allowSHA1); err != nil {
		return nil, status.Errorf(codes.Internal, "quote policy: %v", err)
	}
	if err := qp.SetExpectedSigner(expectedSigner); err != nil {
		return nil, status.Errorf(codes.Internal, "quote policy: %v", err)
	}
	for _, r := range cfg.pcrs {
		if err := qp.RequirePCR(r.bank, r.index); err != nil {
			return nil, status.Errorf(codes.Internal, "quote policy: %v", err)
		}
	}
	pcrs, err := aegis.ParsePCRs(b.Quote.PCRs)
	if err != nil {
		return nil, refused("quote PCR values", err)
	}
	defer pcrs.Close()
	vq, err := aegis.VerifyQuote(ak, b.Quote.Attest, b.Quote.Signature, pcrs, nonce, qp)
	if err != nil {
		return nil, refused("quote", err)
	}

	selectors := []string{
		"ak_name:" + hex.EncodeToString(akName),
		"app_key_name:" + hex.EncodeToString(vc.Name()),
	}
	for _, r := range cfg.pcrs {
		v, ok := vq.PCR(r.bank, r.index)
		if !ok { // RequirePCR makes this unreachable; never emit a selector for an unsigned PCR
			return nil, status.Errorf(codes.Internal, "verified quote lacks %s:%d", r.bank, r.index)
		}
		selectors = append(selectors, fmt.Sprintf("pcr:%s:%d:%s", r.bank, r.index, hex.EncodeToString(v)))
	}
	return selectors, nil
}

// readBundle reads a challenge response: an evidence bundle (docs/evidence-bundle.md; evidence
// true), whose AK must be the hello's, or the PoC's Bundle.
func readBundle(answer, akPublic []byte) (*Bundle, bool, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(answer, &probe); err != nil {
		return nil, false, status.Error(codes.InvalidArgument, "challenge response is not JSON")
	}
	if _, ok := probe["certify"]; ok {
		var e EvidenceBundle
		d := json.NewDecoder(bytes.NewReader(answer))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil || e.Version != EvidenceVersion {
			return nil, false, status.Errorf(codes.InvalidArgument, "challenge response is not an evidence bundle (version %d): %v", EvidenceVersion, err)
		}
		if !bytes.Equal(e.AKPublic, akPublic) {
			return nil, false, status.Error(codes.PermissionDenied, "the evidence bundle's AK is not the hello's")
		}
		return e.asBundle(), true, nil
	}
	var b Bundle
	if err := json.Unmarshal(answer, &b); err != nil || b.Version != BundleVersion {
		return nil, false, status.Errorf(codes.InvalidArgument, "challenge response is not an aegis bundle (version %d)", BundleVersion)
	}
	return &b, false, nil
}

// refused maps an Aegis verification error to PermissionDenied, keeping its stable name.
func refused(what string, err error) error {
	var ae *aegis.Error
	if errors.As(err, &ae) {
		return status.Errorf(codes.PermissionDenied, "%s refused: %s (%d): %s", what, ae.Name(), ae.Code(), ae.Message())
	}
	return status.Errorf(codes.PermissionDenied, "%s refused: %v", what, err)
}
