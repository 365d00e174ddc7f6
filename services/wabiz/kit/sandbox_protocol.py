"""What a client and the sandbox network agree on beyond the Cloud API (docs/sandbox.md).

The sandbox registers a business number with one fixed verification code, and its `GET /healthz`
names the running instance: the sandbox keeps the network in memory, so a new instance has forgotten
every registration, and a client that sees the instance change registers its number again.
"""

from __future__ import annotations

VERIFICATION_CODE = "123456"
INSTANCE_FIELD = "instance"  # of the `GET /healthz` answer
