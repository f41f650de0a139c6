#!/bin/sh
# One-shot job of docker-compose.yml (temporalio/admin-tools image): creates certflow's namespace once the server
# answers. certflow's worker registers its own search attributes at start-up (worker/search-attributes.ts).
set -eu

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
until temporal operator cluster health >/dev/null 2>&1; do sleep 1; done

if temporal operator namespace describe --namespace "$CERTFLOW_NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $CERTFLOW_NAMESPACE exists"
else
  temporal operator namespace create --namespace "$CERTFLOW_NAMESPACE" --retention "$CERTFLOW_NAMESPACE_RETENTION"
fi
