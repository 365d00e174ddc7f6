"""`PUT /v1/services/media/gc` and `PUT /v1/services/message/gc`: deleting what is no longer needed."""
