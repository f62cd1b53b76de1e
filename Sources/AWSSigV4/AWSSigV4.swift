// The AWSSigV4 module. Its types arrive with the work that builds it.
