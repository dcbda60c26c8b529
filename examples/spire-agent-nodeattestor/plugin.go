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
	"os"
	"slices"
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
	// LocationFile is a location event (JSON, FORMATS.md "Location evidence bound into a PCR"),
	// re-read at every attestation: the current reading of the host's sensor, written by
	// whatever reads the sensor. With it, each attestation binds that reading to the server's
	// nonce in LocationLog and PCR LocationPCR (sha256 bank) and sends the log.
	LocationFile string `hcl:"location_file"`
	// LocationLog is the location event log file the agent keeps since the PCR's reset
	// (required with location_file; a TPM reset starts a new one, the old one kept beside it).
	LocationLog string `hcl:"location_log"`
	// LocationPCR is the location PCR (default 15); it is always quoted.
	LocationPCR *int `hcl:"location_pcr"`
}

// state is what Configure made: the TPM's TCTI and the keys, shared by attestations. The TPM is
// opened for each attestation and closed after it, so that other programs (a workload signing
// proofs with the App Key) can use a TPM that serves one connection at a time (swtpm), and so
// that an attestation after a TPM reset starts on a fresh connection.
type state struct {
	tcti      string
	mu        sync.Mutex // one attestation at a time uses the TPM
	ak, app   *aegis.TPMKey
	akPublic  []byte
	appPublic []byte
	bank      aegis.HashAlg
	pcrs      []uint8
	ekKind    aegis.KeyKind
	ekPublic  []byte
	ekCert    []byte
	location  *locationConfig
}

type locationConfig struct {
	file, log string
	pcr       uint8
}

func (s *state) close() {
	s.ak.Close()
	s.app.Close()
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
	if s.location, err = parseLocation(c); err != nil {
		return nil, err
	}
	if s.location != nil && s.bank != aegis.SHA256 {
		return nil, fmt.Errorf("location_file: the location PCR is in the sha256 bank, pcrs are %s", s.bank)
	}
	if s.location != nil && !slices.Contains(s.pcrs, s.location.pcr) {
		s.pcrs = append(s.pcrs, s.location.pcr)
	}
	s.tcti = c.TCTI
	tpm, err := aegis.OpenTPM(c.TCTI)
	if err != nil {
		return nil, fmt.Errorf("opening the TPM: %w", err)
	}
	defer tpm.Close()
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.ekKind != 0 {
		if s.ekPublic, s.ekCert, err = tpm.ReadEK(s.ekKind); err != nil {
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
		return tpm.CreateAK(kind, akParent, handle)
	}
	if s.ak, err = key(tpm, akHandle, createAK); err != nil {
		return nil, fmt.Errorf("AK: %w", err)
	}
	if s.app, err = key(tpm, appHandle, tpm.CreateAppKey); err != nil {
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

func parseLocation(c *Config) (*locationConfig, error) {
	if c.LocationFile == "" {
		if c.LocationLog != "" || c.LocationPCR != nil {
			return nil, fmt.Errorf("location_log and location_pcr need location_file")
		}
		return nil, nil
	}
	if c.LocationLog == "" {
		return nil, fmt.Errorf("location_file needs location_log")
	}
	l := &locationConfig{file: c.LocationFile, log: c.LocationLog, pcr: 15}
	if c.LocationPCR != nil {
		if *c.LocationPCR < 0 || *c.LocationPCR > 23 {
			return nil, fmt.Errorf("location_pcr: %d is not 0-23", *c.LocationPCR)
		}
		l.pcr = uint8(*c.LocationPCR)
	}
	return l, nil
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
// the hello carried the EK. The TPM is open for the call only.
func (s *state) answer(challenge []byte, first bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tpm, err := aegis.OpenTPM(s.tcti)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "opening the TPM: %v", err)
	}
	defer tpm.Close()
	if first && s.ekKind != 0 && len(challenge) > 8 && binary.BigEndian.Uint32(challenge) == credentialMagic {
		secret, err := tpm.ActivateCredential(s.ak, s.ekKind, challenge)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "credential activation: %v", err)
		}
		return secret, nil
	}
	if len(challenge) == 0 || len(challenge) > 64 {
		return nil, status.Errorf(codes.InvalidArgument, "challenge of %d bytes is not a nonce (1-64 bytes)", len(challenge))
	}
	var log []byte
	if l := s.location; l != nil {
		event, err := os.ReadFile(l.file)
		if err != nil {
			return nil, status.Errorf(codes.Unavailable, "location_file: %v", err)
		}
		if _, err := tpm.RecordLocation(l.log, l.pcr, aegis.SHA256, event, challenge); err != nil {
			return nil, status.Errorf(codes.Internal, "recording the location: %v", err)
		}
		if log, err = os.ReadFile(l.log); err != nil {
			return nil, status.Errorf(codes.Internal, "location_log: %v", err)
		}
	}
	attest, sig, err := tpm.Certify(s.app, s.ak, challenge)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "certify: %v", err)
	}
	qa, qs, pcrs, err := tpm.Quote(s.ak, s.bank, s.pcrs, challenge)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "quote: %v", err)
	}
	b, err := json.Marshal(server.EvidenceBundle{
		Version:       server.EvidenceVersion,
		Nonce:         hex.EncodeToString(challenge),
		EKCertificate: trimDER(s.ekCert),
		AKPublic:      s.akPublic,
		AppKeyPublic:  s.appPublic,
		Certify:       server.SignedAttestation{Attest: attest, Signature: sig},
		Quote:         server.EvidenceQuote{Attest: qa, Signature: qs, PCRs: pcrs},
		LocationLog:   log,
	})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "evidence bundle: %v", err)
	}
	return b, nil
}

// trimDER cuts a certificate read from an NV index (padded to the index size) to its DER length;
// nil stays nil, and anything that does not start with a DER SEQUENCE is sent as it is.
func trimDER(b []byte) []byte {
	if len(b) < 2 || b[0] != 0x30 {
		return b
	}
	n, head := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(b) < 2+k {
			return b
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		head = 2 + k
	}
	if head+n > len(b) {
		return b
	}
	return b[:head+n]
}
