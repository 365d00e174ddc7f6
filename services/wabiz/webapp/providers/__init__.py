"""`/v1/settings/application/media/providers`: credentials for outbound media sent by `link`."""
