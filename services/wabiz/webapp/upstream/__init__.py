"""`/upstream/webhook`: the network's events enter through the public WebApp."""
