package nodeattestor

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// The wire format between the agent side and this plugin. Both messages are JSON; []byte fields
// are standard base64 (encoding/json's encoding), nonces are lower-case hex as in the
// AegisSovereignAI SovereignAttestation (docs FORMATS.md).
//
// 1. agent -> server, AttestRequest.payload: Hello
//	{"version": 1, "ak_public": "<b64 TPM2B_PUBLIC of the AK, as tpm2_createak -u writes it>",
//	 "ek_public": "<b64 TPM2B_PUBLIC of the AK's parent EK, tpm2_readpublic -o>",    (EK enrolment)
//	 "ek_certificate": "<b64 DER EK certificate, e.g. tpm2_nvread 0x01c00002>"}     (EK enrolment)
// 1a. with EK enrolment (plugin configured with ek_ca_roots) only:
//	server -> agent, AttestResponse.challenge: a credential for the AK made to the EK, in the
//	  file form `tpm2_activatecredential -i` reads (magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT,
//	  TPM2B_ENCRYPTED_SECRET);
//	agent -> server, AttestRequest.challenge_response: the secret TPM2_ActivateCredential
//	  recovered (raw bytes, `tpm2_activatecredential -o`).
// 2. server -> agent, AttestResponse.challenge: 32 fresh random bytes (the nonce)
// 3. agent -> server, AttestRequest.challenge_response: Bundle (a SovereignAttestation)
//	{
//	  "version": 1,
//	  "app_key_public": "<PEM SPKI of the App Key>",            (informational, see below)
//	  "app_key_tpm_public": "<b64 TPM2B_PUBLIC of the App Key>",
//	  "app_key_certificate": {                                  (TPM2_Certify of the App Key by the AK;
//	    "certify_data": "<b64 TPMS_ATTEST>",                     also read as a string: the base64 of
//	    "signature": "<b64 TPMT_SIGNATURE>",                     this object, as the PoC sends it)
//	    "challenge_nonce": "<hex nonce>"},
//	  "quote": {                                                (TPM2_Quote by the AK)
//	    "attest": "<b64 TPMS_ATTEST, tpm2_quote -m>", "signature": "<b64 TPMT_SIGNATURE, -s>",
//	    "pcrs": "<b64 tpm2-tools PCR file (-o) or PCR JSON>"},
//	  "challenge_nonce": "<hex nonce>",
//	  "keylime_agent_uuid": "...", "workload_code_hash": "..."  (informational)
//	}
//
// The qualifying data of BOTH the certify and the quote is the challenge nonce itself, so one
// challenge proves the freshness of both and that the App Key and the PCRs come from the TPM
// holding the AK. The PoC's other certify recipe (SHA-256(SHA-256(PEM) || hex nonce)) is not
// accepted: the PEM is not bound to the TPM public area by anything the plugin can check.
// app_key_public, keylime_agent_uuid and workload_code_hash are carried for consumers of the
// PoC format but never trusted: no selector is derived from them.

// HelloVersion and BundleVersion are the only versions this plugin reads.
const (
	HelloVersion  = 1
	BundleVersion = 1
)

// Hello is the agent's first message (AttestRequest.payload): the AK it will attest with and,
// for EK enrolment, the EK the AK was made under (its public area and certificate).
type Hello struct {
	Version       int    `json:"version"`
	AKPublic      []byte `json:"ak_public"`
	EKPublic      []byte `json:"ek_public,omitempty"`
	EKCertificate []byte `json:"ek_certificate,omitempty"`
}

// AppKeyCertificate is the App Key certificate of the SovereignAttestation: a TPM2_Certify of
// the App Key by the AK, with qualifying data = the challenge nonce.
type AppKeyCertificate struct {
	CertifyData    []byte `json:"certify_data"`
	Signature      []byte `json:"signature"`
	ChallengeNonce string `json:"challenge_nonce"`
}

// UnmarshalJSON reads the object form, or the AegisSovereignAI PoC form in which
// app_key_certificate is a string: the base64 of that same JSON object (docs FORMATS.md).
func (c *AppKeyCertificate) UnmarshalJSON(data []byte) error {
	type object AppKeyCertificate // without this method
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("app_key_certificate: %w", err)
		}
		data = raw
	}
	return json.Unmarshal(data, (*object)(c))
}

// Quote is a TPM2_Quote by the AK over the PCRs, with qualifying data = the challenge nonce.
type Quote struct {
	Attest    []byte `json:"attest"`
	Signature []byte `json:"signature"`
	PCRs      []byte `json:"pcrs"`
}

// Bundle is the agent's answer to the challenge (AttestRequest.challenge_response).
type Bundle struct {
	Version           int               `json:"version"`
	AppKeyPublic      string            `json:"app_key_public,omitempty"`
	AppKeyTPMPublic   []byte            `json:"app_key_tpm_public"`
	AppKeyCertificate AppKeyCertificate `json:"app_key_certificate"`
	Quote             Quote             `json:"quote"`
	ChallengeNonce    string            `json:"challenge_nonce"`
	KeylimeAgentUUID  string            `json:"keylime_agent_uuid,omitempty"`
	WorkloadCodeHash  string            `json:"workload_code_hash,omitempty"`
}

// EvidenceVersion is the version of EvidenceBundle.
const EvidenceVersion = 1

// EvidenceBundle is Aegis's evidence bundle (docs/evidence-bundle.md), the challenge response the
// agent plugin sends: what Bundle holds, with the AK, the EK certificate and the location event
// log, so that the server appraises it whole (aegis.AppraiseBundle). Byte fields are base64.
type EvidenceBundle struct {
	Version       int               `json:"version"`
	Nonce         string            `json:"nonce"` // hex: the challenge
	EKCertificate []byte            `json:"ek_certificate,omitempty"`
	EKChain       [][]byte          `json:"ek_chain,omitempty"`
	AKPublic      []byte            `json:"ak_public"`      // TPM2B_PUBLIC
	AppKeyPublic  []byte            `json:"app_key_public"` // TPM2B_PUBLIC
	Certify       SignedAttestation `json:"certify"`
	Quote         EvidenceQuote     `json:"quote"`
	LocationLog   []byte            `json:"location_log,omitempty"` // the event log file (FORMATS.md)
}

// SignedAttestation is a TPMS_ATTEST and its TPMT_SIGNATURE.
type SignedAttestation struct {
	Attest    []byte `json:"attest"`
	Signature []byte `json:"signature"`
}

// EvidenceQuote is the quote of an EvidenceBundle, its PCR values as PCR JSON
// ({"sha256": {"15": "<hex>"}}).
type EvidenceQuote struct {
	Attest    []byte          `json:"attest"`
	Signature []byte          `json:"signature"`
	PCRs      json.RawMessage `json:"pcrs"`
}

// asBundle is the part of e that Bundle carries, for the checks both forms share.
func (e *EvidenceBundle) asBundle() *Bundle {
	return &Bundle{
		Version:         BundleVersion,
		AppKeyTPMPublic: e.AppKeyPublic,
		AppKeyCertificate: AppKeyCertificate{
			CertifyData: e.Certify.Attest, Signature: e.Certify.Signature, ChallengeNonce: e.Nonce,
		},
		Quote:          Quote{Attest: e.Quote.Attest, Signature: e.Quote.Signature, PCRs: e.Quote.PCRs},
		ChallengeNonce: e.Nonce,
	}
}
