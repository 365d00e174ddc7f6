"""`/v1/media`: upload, download and delete media files."""
