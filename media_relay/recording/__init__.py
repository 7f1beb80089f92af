"""Call recordings: both sides spooled to disk while the call runs, stored in S3 when it ends."""
