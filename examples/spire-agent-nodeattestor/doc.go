// Package agentattestor: see plugin.go. Its files need the build tag aegis_tpm (the Go
// binding's TPM functions, bindings/go/tpm.go) and a libaegis built with the cargo feature "tss"
// found by pkg-config: `make spire-lib` installs one into target/spire/prefix, and
// `make e2e-spire` builds and runs this plugin with SPIRE.
package agentattestor
