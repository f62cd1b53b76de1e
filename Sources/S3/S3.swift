// The S3 module. Its types arrive with the work that builds it.
