"""One module per child resource: pure builders `build_<kind>(client, …) -> dict`, no I/O.

`client` is the `WhatsAppClient` object as the API server returns it (defaults applied by the
CRD schema), so builders never invent defaults the schema already has.
"""
