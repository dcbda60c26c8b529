//go:build aegis_tpm

// Command aegis-agent-nodeattestor is the "aegis" SPIRE agent NodeAttestor plugin as an external
// plugin binary (plugin_cmd in the SPIRE agent configuration). Build it with -tags aegis_tpm
// against a libaegis with the feature "tss" (make spire-lib).
package main

import (
	agentattestor "github.com/aegis-attest/aegis/examples/spire-agent-nodeattestor"
	"github.com/spiffe/spire-plugin-sdk/pluginmain"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/agent/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
)

func main() {
	p := agentattestor.New()
	defer p.Close()
	pluginmain.Serve(
		nodeattestorv1.NodeAttestorPluginServer(p),
		configv1.ConfigServiceServer(p),
	)
}
