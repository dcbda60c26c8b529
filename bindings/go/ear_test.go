package aegis_test

import (
	"errors"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

func earClaims() []byte {
	return []byte(`{"eat_profile":"tag:ietf.org,2026:rats/ear#04","iat":1800000000,"exp":1800000060,
"ear_verifier_id":{"developer":"https://aegis.example","build":"go"},"eat_nonce":"MDEyMzQ1Njc4OWFiY2RlZg",
"submods":{"tpm":{"ear_status":"affirming","ear_trustworthiness_vector":{"instance-identity":2},
"grc.jurisdiction-country":"ES"}}}`)
}

func TestEARSignAndVerify(t *testing.T) {
	key, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	now := time.Unix(1_800_000_000, 0)
	nonce := []byte("0123456789abcdef")
	for _, d := range []aegis.EARDialect{aegis.EARDialectIETF04, aegis.EARDialectIETF03, aegis.EARDialectVeraison} {
		jwt, err := aegis.SignEARJWT(key, earClaims(), d)
		if err != nil {
			t.Fatal(err)
		}
		cwt, err := aegis.SignEARCWT(key, earClaims(), d)
		if err != nil {
			t.Fatal(err)
		}
		for i, token := range [][]byte{[]byte(jwt), cwt} {
			ear, err := aegis.VerifyEAR(pub, token, now, nonce, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ear.Dialect != d || ear.CWT != (i == 1) {
				t.Fatalf("dialect %d, CWT %v", ear.Dialect, ear.CWT)
			}
		}
	}
	jwt, err := aegis.SignEARJWT(key, earClaims(), aegis.EARDialectIETF04)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aegis.VerifyEAR(pub, []byte(jwt), now.Add(time.Minute), nonce, 0); !errors.Is(err, aegis.ErrEarExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := aegis.VerifyEAR(pub, []byte(jwt), now, []byte("other"), 0); !errors.Is(err, aegis.ErrEarNonceMismatch) {
		t.Fatalf("nonce: %v", err)
	}
	if _, err := aegis.VerifyEAR(pub, []byte(jwt), now, nonce, aegis.EARAlgES384); !errors.Is(err, aegis.ErrEarAlgorithmNotAllowed) {
		t.Fatalf("allow-list: %v", err)
	}
	if _, err := aegis.SignEARJWT(key, []byte("{"), aegis.EARDialectIETF04); !errors.Is(err, aegis.ErrEarMalformed) {
		t.Fatalf("malformed claims: %v", err)
	}
}
