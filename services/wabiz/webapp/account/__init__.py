"""`/v1/account…`: registering the business number and changing the shard count."""
