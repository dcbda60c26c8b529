module github.com/aegis-attest/aegis/bindings/go

go 1.23
