"""`/v1/settings/backup` and `/v1/settings/restore`: the installation as one encrypted document."""
