"""`/v1/contacts`: which numbers are on WhatsApp, cached for 7 days."""
