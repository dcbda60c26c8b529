// Command aegis-credentialcomposer is the "aegis" SPIRE server CredentialComposer plugin as an
// external plugin binary (plugin_cmd in the SPIRE server configuration).
package main

import (
	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/composer"
	"github.com/spiffe/spire-plugin-sdk/pluginmain"
	credentialcomposerv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/plugin/server/credentialcomposer/v1"
	configv1 "github.com/spiffe/spire-plugin-sdk/proto/spire/service/common/config/v1"
)

func main() {
	p := composer.New()
	pluginmain.Serve(
		credentialcomposerv1.CredentialComposerPluginServer(p),
		configv1.ConfigServiceServer(p),
	)
}
