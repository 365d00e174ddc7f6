"""`/v1/groups…`: a feature Meta removed, answered with an explicit error."""
