module github.com/aegis-attest/aegis/tests/peers/go-jose-proof

go 1.24.0

require github.com/go-jose/go-jose/v4 v4.1.9
