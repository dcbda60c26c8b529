// Command aegis-nodeattestor is the "aegis" SPIRE server NodeAttestor plugin as an external
// plugin binary (plugin_cmd in the SPIRE server configuration).
package main

import (
	nodeattestor "github.com/aegis-attest/aegis/examples/spire-nodeattestor"
	"github.com/spiffe/spire-plugin-sdk/pluginmain"
	nodeattestorv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/nodeattestor/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
)

func main() {
	p := nodeattestor.New()
	pluginmain.Serve(
		nodeattestorv1.NodeAttestorPluginServer(p),
		configv1.ConfigServiceServer(p),
	)
}
