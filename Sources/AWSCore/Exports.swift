// Callers of AWSCore name credentials and signer types without importing AWSSigV4 themselves.
@_exported import AWSSigV4
