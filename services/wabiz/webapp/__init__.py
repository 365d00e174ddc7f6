"""The WebApp: the public REST API (On-Premises contract), one package per domain.

Each domain has `endpoints.py` (thin routes), `service.py` (the logic, plain functions) and, where
it takes a body, `schemas.py`; shared pieces are `deps.py`, `auth.py`, `bodies.py`, `routing.py`
(which CoreApp owns a recipient) and `coreapp_client.py`. See docs/webapp.md.
"""
