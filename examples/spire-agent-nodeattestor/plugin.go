//go:build aegis_tpm

// Package agentattestor is an example SPIRE *agent* NodeAttestor plugin ("aegis"), the
// counterpart of the server plugin in examples/spire-nodeattestor (whose README describes the
// exchange and whose message types this package reuses). Its TPM work goes through the Aegis C
// ABI's agent-side functions (aegis_tpm_*, libaegis built with the cargo feature "tss"), reached
// through the Go binding built with the tag aegis_tpm.
//
// On Configure the plugin opens the TPM and makes (or loads, when persistent handles are
// configured) one AK and one App Key; every attestation of the plugin's lifetime uses them, so
// the agent keeps its SPIFFE ID (spiffe://<td>/spire/agent/aegis/<AK Name>) when it re-attests.
package agentattestor

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	server "github.com/aegis-attest/aegis/examples/spire-nodeattestor"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl"
	"github.com/spiffe/spire-plugin-sdk/pluginsdk"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/agent/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PluginName is the name both plugins are configured under.
const PluginName = server.PluginName

// credentialMagic starts a credential in the tpm2-tools file form (the server's EK challenge).
const credentialMagic = 0xBADCC0DE

// Config is the plugin_data of the agent's NodeAttestor "aegis" block (HCL).
type Config struct {
	// TCTI is the TPM to use ("device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321").
	TCTI string `hcl:"tcti"`
	// PCRs are quoted ("sha256:0", "sha256:15"; one bank); they must include every PCR the
	// server requires. Default: sha256:15 (the location PCR).
	PCRs []string `hcl:"pcrs"`
	// EK, when set ("rsa2048", "ecc-p256", "ecc-p384"), sends that EK and its certificate in
	// the hello and answers the server's credential challenge (EK enrolment).
	EK string `hcl:"ek"`
	// AKHandle and AppKeyHandle, when set (0x81000000-0x81ffffff, as a string "0x81010002"),
	// keep the keys persistent there: loaded when present, else created and persisted.
	AKHandle     string `hcl:"ak_handle"`
	AppKeyHandle string `hcl:"app_key_handle"`
}

// state is what Configure made: the open TPM and the keys, shared by attestations (the TPM
// serialises its own calls).
type state struct {
	tpm       *aegis.TPM
	ak, app   *aegis.TPMKey
	akPublic  []byte
	appPublic []byte
	bank      aegis.HashAlg
	pcrs      []uint8
	ekKind    aegis.KeyKind
	ekPublic  []byte
	ekCert    []byte
}

func (s *state) close() {
	s.ak.Close()
	s.app.Close()
	s.tpm.Close()
}

// Plugin is the agent NodeAttestor.
type Plugin struct {
	nodeattestorv1.UnimplementedNodeAttestorServer
	configv1.UnimplementedConfigServer

	mu     sync.RWMutex
	state  *state
	logger hclog.Logger
}

var _ pluginsdk.NeedsLogger = (*Plugin)(nil)

// New returns an unconfigured plugin.
func New() *Plugin { return &Plugin{logger: hclog.NewNullLogger()} }

// SetLogger is called by the plugin framework.
func (p *Plugin) SetLogger(logger hclog.Logger) { p.logger = logger }

// Close releases the TPM and the keys (the plugin is unconfigured afterwards).
func (p *Plugin) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != nil {
		p.state.close()
		p.state = nil
	}
	return nil
}

func parseHandle(what, s string) (uint32, error) {
	if s == "" {
		return 0, nil
	}
	h, err := strconv.ParseUint(s, 0, 32)
	if err != nil || h < 0x81000000 || h > 0x81ffffff {
		return 0, fmt.Errorf("%s: %q is not a persistent handle 0x81000000-0x81ffffff", what, s)
	}
	return uint32(h), nil
}

func parseEK(s string) (aegis.KeyKind, error) {
	switch s {
	case "":
		return 0, nil
	case "rsa2048":
		return aegis.KeyRSA2048, nil
	case "ecc-p256":
		return aegis.KeyECCP256, nil
	case "ecc-p384":
		return aegis.KeyECCP384, nil
	}
	return 0, fmt.Errorf("ek: %q is not rsa2048, ecc-p256 or ecc-p384", s)
}

func parsePCRs(list []string) (aegis.HashAlg, []uint8, error) {
	if len(list) == 0 {
		list = []string{"sha256:15"}
	}
	var bank aegis.HashAlg
	var pcrs []uint8
	for _, s := range list {
		b, idx, ok := strings.Cut(s, ":")
		h, known := aegis.ParseHashAlg(b)
		i, err := strconv.ParseUint(idx, 10, 8)
		if !ok || !known || err != nil || i > 23 {
			return 0, nil, fmt.Errorf("pcrs: %q is not <bank>:<0-23>", s)
		}
		if bank != 0 && h != bank {
			return 0, nil, fmt.Errorf("pcrs: one bank only (%s and %s)", bank, h)
		}
		bank = h
		pcrs = append(pcrs, uint8(i))
	}
	return bank, pcrs, nil
}

// key loads the key persisted at handle, or creates it (persistent there when handle is not 0).
func key(tpm *aegis.TPM, handle uint32, create func(aegis.KeyKind, uint32) (*aegis.TPMKey, error)) (*aegis.TPMKey, error) {
	if handle != 0 {
		if k, err := tpm.LoadPersistent(handle); err == nil {
			return k, nil
		} else if !errors.Is(err, aegis.ErrBackend) {
			return nil, err
		}
	}
	return create(aegis.KeyECCP256, handle)
}

// Configure opens the TPM and makes or loads the keys; it replaces the previous state.
func (p *Plugin) Configure(_ context.Context, req *configv1.ConfigureRequest) (*configv1.ConfigureResponse, error) {
	var c Config
	if err := hcl.Decode(&c, req.HclConfiguration); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "unable to decode configuration: %v", err)
	}
	if c.TCTI == "" {
		return nil, status.Error(codes.InvalidArgument, "tcti is required")
	}
	s, err := open(&c)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	p.mu.Lock()
	old := p.state
	p.state = s
	p.mu.Unlock()
	if old != nil {
		old.close()
	}
	p.logger.Info("TPM ready", "tcti", c.TCTI, "ek", c.EK)
	return &configv1.ConfigureResponse{}, nil
}

func open(c *Config) (s *state, err error) {
	s = &state{}
	if s.bank, s.pcrs, err = parsePCRs(c.PCRs); err != nil {
		return nil, err
	}
	if s.ekKind, err = parseEK(c.EK); err != nil {
		return nil, err
	}
	akHandle, err := parseHandle("ak_handle", c.AKHandle)
	if err != nil {
		return nil, err
	}
	appHandle, err := parseHandle("app_key_handle", c.AppKeyHandle)
	if err != nil {
		return nil, err
	}
	if s.tpm, err = aegis.OpenTPM(c.TCTI); err != nil {
		return nil, fmt.Errorf("opening the TPM: %w", err)
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.ekKind != 0 {
		if s.ekPublic, s.ekCert, err = s.tpm.ReadEK(s.ekKind); err != nil {
			return nil, fmt.Errorf("reading the EK: %w", err)
		}
		if s.ekCert == nil {
			return nil, fmt.Errorf("the TPM has no certificate for its %s EK", c.EK)
		}
	}
	// The AK is a child of the EK the hello sends (of the RSA 2048 EK without one, as
	// tpm2_createak), so its quotes name the signer a server that enrols it through that EK
	// expects. A persistent AK is used as it is: one made under another parent is refused there.
	akParent := s.ekKind
	if akParent == 0 {
		akParent = aegis.KeyRSA2048
	}
	createAK := func(kind aegis.KeyKind, handle uint32) (*aegis.TPMKey, error) {
		return s.tpm.CreateAK(kind, akParent, handle)
	}
	if s.ak, err = key(s.tpm, akHandle, createAK); err != nil {
		return nil, fmt.Errorf("AK: %w", err)
	}
	if s.app, err = key(s.tpm, appHandle, s.tpm.CreateAppKey); err != nil {
		return nil, fmt.Errorf("App Key: %w", err)
	}
	if s.akPublic, err = s.ak.TPMPublic(); err != nil {
		return nil, err
	}
	if s.appPublic, err = s.app.TPMPublic(); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *Plugin) getState() (*state, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.state == nil {
		return nil, status.Error(codes.FailedPrecondition, "not configured")
	}
	return p.state, nil
}

// AidAttestation sends the hello, then answers each server challenge: a credential (EK
// enrolment) with the secret TPM2_ActivateCredential recovers, a nonce with the Bundle (App Key
// certified by the AK and a quote, both over the nonce). It returns when the server is done.
func (p *Plugin) AidAttestation(stream nodeattestorv1.NodeAttestor_AidAttestationServer) error {
	s, err := p.getState()
	if err != nil {
		return err
	}
	p.logger.Info("attestation started")
	hello, err := json.Marshal(server.Hello{
		Version: server.HelloVersion, AKPublic: s.akPublic, EKPublic: s.ekPublic, EKCertificate: s.ekCert,
	})
	if err != nil {
		return status.Errorf(codes.Internal, "hello: %v", err)
	}
	if err := stream.Send(&nodeattestorv1.PayloadOrChallengeResponse{
		Data: &nodeattestorv1.PayloadOrChallengeResponse_Payload{Payload: hello},
	}); err != nil {
		return err
	}
	for first := true; ; first = false {
		ch, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		answer, err := s.answer(ch.GetChallenge(), first)
		if err != nil {
			return err
		}
		if err := stream.Send(&nodeattestorv1.PayloadOrChallengeResponse{
			Data: &nodeattestorv1.PayloadOrChallengeResponse_ChallengeResponse{ChallengeResponse: answer},
		}); err != nil {
			return err
		}
	}
}

// answer is the response to one challenge: the credential challenge comes first, and only when
// the hello carried the EK.
func (s *state) answer(challenge []byte, first bool) ([]byte, error) {
	if first && s.ekKind != 0 && len(challenge) > 8 && binary.BigEndian.Uint32(challenge) == credentialMagic {
		secret, err := s.tpm.ActivateCredential(s.ak, s.ekKind, challenge)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "credential activation: %v", err)
		}
		return secret, nil
	}
	if len(challenge) == 0 || len(challenge) > 64 {
		return nil, status.Errorf(codes.InvalidArgument, "challenge of %d bytes is not a nonce (1-64 bytes)", len(challenge))
	}
	attest, sig, err := s.tpm.Certify(s.app, s.ak, challenge)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "certify: %v", err)
	}
	qa, qs, pcrs, err := s.tpm.Quote(s.ak, s.bank, s.pcrs, challenge)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "quote: %v", err)
	}
	nonce := hex.EncodeToString(challenge)
	b, err := json.Marshal(server.Bundle{
		Version:         server.BundleVersion,
		AppKeyTPMPublic: s.appPublic,
		AppKeyCertificate: server.AppKeyCertificate{
			CertifyData: attest, Signature: sig, ChallengeNonce: nonce,
		},
		Quote:          server.Quote{Attest: qa, Signature: qs, PCRs: pcrs},
		ChallengeNonce: nonce,
	})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "bundle: %v", err)
	}
	return b, nil
}
