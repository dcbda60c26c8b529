package aegis_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

var message = []byte("a message signed outside a TPMS_ATTEST")

// codeSignatureLength is SignatureLength (3006), compared by number until the generated error
// table names it.
const codeSignatureLength = 3006

func wantCode(t *testing.T, err error, code uint32) {
	t.Helper()
	var ae *aegis.Error
	if !errors.As(err, &ae) {
		t.Fatalf("want code %d, got %v (%T)", code, err, err)
	}
	if ae.Code() != code {
		t.Fatalf("want code %d, got %d: %v", code, ae.Code(), err)
	}
	if s := aegis.ErrorByCode(code); s != nil && !errors.Is(err, s) {
		t.Fatalf("errors.Is(%v, %v) is false", err, s)
	}
}

// keys are generated once per test binary (RSA generation is slow).
var (
	keysOnce sync.Once
	keys     map[aegis.KeyKind]*aegis.PrivateKey
	keysErr  error
)

func privateKey(t *testing.T, kind aegis.KeyKind) *aegis.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[aegis.KeyKind]*aegis.PrivateKey{}
		for _, k := range []aegis.KeyKind{aegis.KeyECCP256, aegis.KeyECCP384, aegis.KeyRSA2048} {
			sk, err := aegis.GeneratePrivateKey(k)
			if err != nil {
				keysErr = err
				return
			}
			keys[k] = sk
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys[kind]
}

func publicKey(t *testing.T, sk *aegis.PrivateKey) *aegis.PublicKey {
	t.Helper()
	pk, err := sk.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pk.Close)
	return pk
}

type sigCase struct {
	name   string
	kind   aegis.KeyKind
	scheme aegis.SignatureScheme
	format aegis.SignatureFormat
}

var sigCases = []sigCase{
	{"P-256 raw", aegis.KeyECCP256, aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}, aegis.SignatureRaw},
	{"P-256 DER", aegis.KeyECCP256, aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}, aegis.SignatureDER},
	{"P-256 TPMT", aegis.KeyECCP256, aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}, aegis.SignatureTPMT},
	{"P-384 raw", aegis.KeyECCP384, aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA384}, aegis.SignatureRaw},
	{"P-384 DER", aegis.KeyECCP384, aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA384}, aegis.SignatureDER},
	{"RSA-2048 PKCS#1 raw", aegis.KeyRSA2048, aegis.SignatureScheme{Alg: aegis.RSASSA, Hash: aegis.SHA256}, aegis.SignatureRaw},
	{"RSA-2048 PKCS#1 TPMT", aegis.KeyRSA2048, aegis.SignatureScheme{Alg: aegis.RSASSA, Hash: aegis.SHA384}, aegis.SignatureTPMT},
	{"RSA-2048 PSS raw", aegis.KeyRSA2048, aegis.SignatureScheme{Alg: aegis.RSAPSS, Hash: aegis.SHA256}, aegis.SignatureRaw},
	{"RSA-2048 PSS TPMT", aegis.KeyRSA2048, aegis.SignatureScheme{Alg: aegis.RSAPSS, Hash: aegis.SHA512}, aegis.SignatureTPMT},
}

func TestSignVerifyRoundTrips(t *testing.T) {
	for _, c := range sigCases {
		t.Run(c.name, func(t *testing.T) {
			sk := privateKey(t, c.kind)
			pk := publicKey(t, sk)
			sig, err := sk.Sign(message, c.scheme, c.format)
			if err != nil {
				t.Fatal(err)
			}
			if err := aegis.VerifySignature(pk, c.scheme, message, sig, c.format, false); err != nil {
				t.Fatalf("own signature: %v", err)
			}
			// Through SPKI DER and PKCS#8 PEM.
			der, err := pk.SPKIDER()
			if err != nil {
				t.Fatal(err)
			}
			pk2, err := aegis.PublicKeyFromSPKI(der)
			if err != nil {
				t.Fatal(err)
			}
			defer pk2.Close()
			if err := aegis.VerifySignature(pk2, c.scheme, message, sig, c.format, false); err != nil {
				t.Fatalf("through SPKI: %v", err)
			}
			pem, err := sk.PEM()
			if err != nil || !strings.HasPrefix(string(pem), "-----BEGIN PRIVATE KEY-----") {
				t.Fatalf("PEM: %q, %v", pem, err)
			}
			sk2, err := aegis.PrivateKeyFromPEM(pem)
			if err != nil {
				t.Fatal(err)
			}
			defer sk2.Close()
			sig2, err := sk2.Sign(message, c.scheme, c.format)
			if err != nil {
				t.Fatal(err)
			}
			if err := aegis.VerifySignature(pk, c.scheme, message, sig2, c.format, false); err != nil {
				t.Fatalf("key through PEM: %v", err)
			}

			// Each rejection with its code.
			err = aegis.VerifySignature(pk, c.scheme, message[1:], sig, c.format, false)
			if !errors.Is(err, aegis.ErrSignatureInvalid) {
				t.Fatalf("other message: %v", err)
			}
			flipped := append([]byte(nil), sig...)
			flipped[len(flipped)-1] ^= 1
			if err := aegis.VerifySignature(pk, c.scheme, message, flipped, c.format, false); !errors.Is(err, aegis.ErrSignatureInvalid) {
				t.Fatalf("flipped: %v", err)
			}
			sha1 := aegis.SignatureScheme{Alg: c.scheme.Alg, Hash: aegis.SHA1}
			if _, err := sk.Sign(message, sha1, c.format); !errors.Is(err, aegis.ErrHashNotAllowed) {
				t.Fatalf("signing with SHA-1: %v", err)
			}
			if c.format == aegis.SignatureRaw {
				err := aegis.VerifySignature(pk, sha1, message, sig, c.format, false)
				if !errors.Is(err, aegis.ErrHashNotAllowed) {
					t.Fatalf("SHA-1 without the opt-in: %v", err)
				}
				other := aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: c.scheme.Hash}
				if c.scheme.Alg == aegis.ECDSA {
					other.Alg = aegis.RSASSA
				}
				err = aegis.VerifySignature(pk, other, message, sig, c.format, false)
				if !errors.Is(err, aegis.ErrSignatureSchemeMismatch) {
					t.Fatalf("other family's scheme: %v", err)
				}
				if _, err := sk.Sign(message, other, c.format); !errors.Is(err, aegis.ErrInvalidArgument) {
					t.Fatalf("signing with the other family's scheme: %v", err)
				}
				wantCode(t, aegis.VerifySignature(pk, c.scheme, message, sig[1:], c.format, false), codeSignatureLength)
			}
			if c.format == aegis.SignatureTPMT {
				other := c.scheme
				other.Hash = aegis.SHA256
				if c.scheme.Hash == aegis.SHA256 {
					other.Hash = aegis.SHA384
				}
				err := aegis.VerifySignature(pk, other, message, sig, c.format, false)
				if !errors.Is(err, aegis.ErrHashMismatch) {
					t.Fatalf("TPMT of another hash: %v", err)
				}
			}
			if err := aegis.VerifySignature(pk, c.scheme, message, sig, 99, false); !errors.Is(err, aegis.ErrInvalidArgument) {
				t.Fatalf("unknown format: %v", err)
			}
		})
	}
}

func TestSignatureRejections(t *testing.T) {
	rsaKey := privateKey(t, aegis.KeyRSA2048)
	rsaPub := publicKey(t, rsaKey)
	pkcs1 := aegis.SignatureScheme{Alg: aegis.RSASSA, Hash: aegis.SHA256}
	pss := aegis.SignatureScheme{Alg: aegis.RSAPSS, Hash: aegis.SHA256}
	sig, err := rsaKey.Sign(message, pkcs1, aegis.SignatureRaw)
	if err != nil {
		t.Fatal(err)
	}
	if err := aegis.VerifySignature(rsaPub, pss, message, sig, aegis.SignatureRaw, false); !errors.Is(err, aegis.ErrSignatureInvalid) {
		t.Fatalf("PKCS#1 verified as PSS: %v", err)
	}
	if err := aegis.VerifySignature(rsaPub, pkcs1, message, sig, aegis.SignatureDER, false); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("DER for RSA: %v", err)
	}
	if _, err := rsaKey.Sign(message, pkcs1, aegis.SignatureDER); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("signing RSA as DER: %v", err)
	}
	tpmt, err := rsaKey.Sign(message, pkcs1, aegis.SignatureTPMT)
	if err != nil {
		t.Fatal(err)
	}
	if err := aegis.VerifySignature(rsaPub, pss, message, tpmt, aegis.SignatureTPMT, false); !errors.Is(err, aegis.ErrSignatureSchemeMismatch) {
		t.Fatalf("TPMT of another scheme: %v", err)
	}
	bad := aegis.SignatureScheme{Alg: 0x0099, Hash: aegis.SHA256}
	if err := aegis.VerifySignature(rsaPub, bad, message, sig, aegis.SignatureRaw, false); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Fatalf("unknown scheme: %v", err)
	}

	ecPub := publicKey(t, privateKey(t, aegis.KeyECCP256))
	ecdsa256 := aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}
	if err := aegis.VerifySignature(ecPub, ecdsa256, message, []byte{0x30, 0x03, 0x02, 0x01}, aegis.SignatureDER, false); !errors.Is(err, aegis.ErrInvalidFormat) {
		t.Fatalf("malformed DER: %v", err)
	}
	wantCode(t, aegis.VerifySignature(ecPub, ecdsa256, message, make([]byte, 96), aegis.SignatureRaw, false), codeSignatureLength)

	// RSA-1024 (the App Key of attack-certify-rsa1024) is not on the key policy.
	weak, err := aegis.PublicKeyFromTPMPublic(readVectorFile(t, "attack-certify-rsa1024/appkey.pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer weak.Close()
	if err := aegis.VerifySignature(weak, pkcs1, message, make([]byte, 128), aegis.SignatureRaw, false); !errors.Is(err, aegis.ErrKeyNotAllowed) {
		t.Fatalf("RSA-1024: %v", err)
	}

	// Parse errors, nil and closed handles.
	if _, err := aegis.PublicKeyFromSPKI([]byte("not a key")); !errors.Is(err, aegis.ErrInvalidFormat) {
		t.Fatalf("junk SPKI: %v", err)
	}
	if _, err := aegis.PrivateKeyFromPEM([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); !errors.Is(err, aegis.ErrInvalidFormat) {
		t.Fatalf("certificate as a private key: %v", err)
	}
	if _, err := aegis.GeneratePrivateKey(99); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := aegis.VerifySignature(nil, ecdsa256, message, sig, aegis.SignatureRaw, false); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil key: %v", err)
	}
	closed, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	closed.Close()
	if _, err := closed.Sign(message, ecdsa256, aegis.SignatureRaw); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed key: %v", err)
	}
	if _, err := closed.PublicKey(); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed key's public key: %v", err)
	}
	var nilKey *aegis.PublicKey
	nilKey.Close()
	if _, err := nilKey.SPKIDER(); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil key's SPKI: %v", err)
	}
}

func digest(h aegis.HashAlg, msg []byte) (crypto.Hash, []byte) {
	switch h {
	case aegis.SHA384:
		d := sha512.Sum384(msg)
		return crypto.SHA384, d[:]
	case aegis.SHA512:
		d := sha512.Sum512(msg)
		return crypto.SHA512, d[:]
	}
	d := sha256.Sum256(msg)
	return crypto.SHA256, d[:]
}

// Go's crypto/ecdsa and crypto/rsa verify the signatures Aegis makes (DER and raw), with the
// public key Aegis exports as SPKI.
func TestGoVerifiesAegis(t *testing.T) {
	for _, c := range sigCases {
		if c.format == aegis.SignatureTPMT {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			sk := privateKey(t, c.kind)
			der, err := publicKey(t, sk).SPKIDER()
			if err != nil {
				t.Fatal(err)
			}
			pub, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				t.Fatalf("Go cannot read Aegis's SPKI: %v", err)
			}
			sig, err := sk.Sign(message, c.scheme, c.format)
			if err != nil {
				t.Fatal(err)
			}
			hash, d := digest(c.scheme.Hash, message)
			switch k := pub.(type) {
			case *ecdsa.PublicKey:
				ok := false
				if c.format == aegis.SignatureDER {
					ok = ecdsa.VerifyASN1(k, d, sig)
				} else {
					half := len(sig) / 2
					if half != (k.Curve.Params().BitSize+7)/8 {
						t.Fatalf("raw signature of %d bytes for %s", len(sig), k.Curve.Params().Name)
					}
					r, s := new(big.Int).SetBytes(sig[:half]), new(big.Int).SetBytes(sig[half:])
					ok = ecdsa.Verify(k, d, r, s)
				}
				if !ok {
					t.Fatal("crypto/ecdsa refuses Aegis's signature")
				}
			case *rsa.PublicKey:
				if c.scheme.Alg == aegis.RSAPSS {
					err = rsa.VerifyPSS(k, hash, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
				} else {
					err = rsa.VerifyPKCS1v15(k, hash, d, sig)
				}
				if err != nil {
					t.Fatalf("crypto/rsa refuses Aegis's signature: %v", err)
				}
			default:
				t.Fatalf("key type %T", pub)
			}
		})
	}
}

// Aegis verifies the signatures Go's crypto/ecdsa and crypto/rsa make (DER and raw), with the key
// Go exports as SPKI (PEM and DER alike go through PublicKeyFromSPKI).
func TestAegisVerifiesGo(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := aegis.PublicKeyFromSPKI(der)
		if err != nil {
			t.Fatalf("%s: %v", curve.Params().Name, err)
		}
		hash := aegis.SHA256
		if curve == elliptic.P384() {
			hash = aegis.SHA384
		}
		scheme := aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: hash}
		_, d := digest(hash, message)
		asn1, err := ecdsa.SignASN1(rand.Reader, k, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := aegis.VerifySignature(pk, scheme, message, asn1, aegis.SignatureDER, false); err != nil {
			t.Fatalf("%s DER: %v", curve.Params().Name, err)
		}
		r, s, err := ecdsa.Sign(rand.Reader, k, d)
		if err != nil {
			t.Fatal(err)
		}
		size := (curve.Params().BitSize + 7) / 8
		raw := append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		if err := aegis.VerifySignature(pk, scheme, message, raw, aegis.SignatureRaw, false); err != nil {
			t.Fatalf("%s raw: %v", curve.Params().Name, err)
		}
		raw[0] ^= 0x80
		if err := aegis.VerifySignature(pk, scheme, message, raw, aegis.SignatureRaw, false); err == nil {
			t.Fatalf("%s: a changed signature verifies", curve.Params().Name)
		}
		pk.Close()
	}

	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := aegis.PublicKeyFromSPKI(der)
	if err != nil {
		t.Fatal(err)
	}
	defer pk.Close()
	d := sha256.Sum256(message)
	pkcs1, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := aegis.VerifySignature(pk, aegis.SignatureScheme{Alg: aegis.RSASSA, Hash: aegis.SHA256}, message, pkcs1, aegis.SignatureRaw, false); err != nil {
		t.Fatalf("PKCS#1 v1.5: %v", err)
	}
	for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto} {
		pss, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		if err := aegis.VerifySignature(pk, aegis.SignatureScheme{Alg: aegis.RSAPSS, Hash: aegis.SHA256}, message, pss, aegis.SignatureRaw, false); err != nil {
			t.Fatalf("PSS salt %d: %v", salt, err)
		}
	}
}

func TestSignatureSchemeString(t *testing.T) {
	for s, want := range map[aegis.SignatureScheme]string{
		{Alg: aegis.RSASSA, Hash: aegis.SHA256}: "rsassa-sha256",
		{Alg: aegis.RSAPSS, Hash: aegis.SHA384}: "rsapss-sha384",
		{Alg: aegis.ECDSA, Hash: aegis.SHA256}:  "ecdsa-sha256",
	} {
		if s.String() != want {
			t.Errorf("%v: %q, want %q", s, s.String(), want)
		}
	}
}
