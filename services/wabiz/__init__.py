"""wabiz: the WhatsApp Business API client (On-Premises REST contract), Kubernetes-native."""

__version__ = "0.2.0"
