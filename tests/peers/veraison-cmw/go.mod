module github.com/aegis-attest/aegis/tests/peers/veraison-cmw

go 1.23.0

require github.com/veraison/cmw v0.2.0

require (
	github.com/fxamacker/cbor/v2 v2.7.0 // indirect
	github.com/x448/float16 v0.8.4 // indirect
)
