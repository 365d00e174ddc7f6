"""`/v1/settings/business/profile`, `/v1/settings/profile/…` and `/v1/settings/account/two-step`."""
