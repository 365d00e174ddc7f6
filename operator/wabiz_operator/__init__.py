"""The wabiz operator: one `WhatsAppClient` resource → a running WhatsApp Business API client."""

from wabiz import __version__

__all__ = ["__version__"]
