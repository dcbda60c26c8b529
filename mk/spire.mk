# SPIRE end to end (issue 13).
#
#   make spire-bins   spire-server and spire-agent v1.13.3 in the user's cache folder
#                     (${XDG_CACHE_HOME:-~/.cache}/aegis/spire/v1.13.3), built by scripts/spire.sh
#                     only when missing (Go >= 1.25.3; ~6 min warm, ~11 cold)

.PHONY: spire-bins

spire-bins:
	@scripts/spire.sh bins
