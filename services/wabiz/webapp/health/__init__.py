"""`/v1/health`, `/v1/stats/*` and `/metrics`: what probes and Prometheus read (bearer or Apikey)."""
