// The AWSCore module. Its types arrive with the work that builds it.
