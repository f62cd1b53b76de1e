// The DynamoDB module. Its types arrive with the work that builds it.
