#!/usr/bin/env bash
# Assembles the installable plugin directory: php-plugin/ plus the api/ entry scripts it deploys.
#   package-plugin.sh DEST      (e.g. <osTicket>/include/plugins/api-endpoints)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dest="${1:?usage: package-plugin.sh DEST}"
rm -rf "$dest"
mkdir -p "$dest/api"
cp -R "$REPO/php-plugin/." "$dest/"
cp "$REPO"/api/*.php "$dest/api/"
chmod -R a+rX "$dest"
log "plugin packaged into $dest"
