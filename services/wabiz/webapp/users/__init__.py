"""`/v1/users…`: login, logout and user management."""
