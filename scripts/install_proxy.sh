#!/usr/bin/env bash
# nginx, the reverse proxy in front of `make cluster` (deploy/cluster/nginx.conf.template).
# Debian package `nginx`; its own service is not needed: scripts/cluster.sh runs nginx in the
# foreground with the cluster's configuration and stops it with the cluster.
if [[ -x /usr/sbin/nginx ]]; then exit 0; fi
exec "$(dirname "$0")/install_debian_package.sh" nginx nginx "make cluster"
