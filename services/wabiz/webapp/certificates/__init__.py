"""`/v1/certificates/*`: the CA bundle trusted for webhooks; the API's own TLS is the Ingress's."""
