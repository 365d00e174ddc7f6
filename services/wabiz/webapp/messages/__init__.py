"""`/v1/messages`: sending, and marking inbound messages read."""
