module github.com/aegis-attest/aegis/tests/peers/go-spiffe

go 1.24.0

require github.com/spiffe/go-spiffe/v2 v2.9.0
