"""`/v1/support` (P1): what a support engineer asks first."""
