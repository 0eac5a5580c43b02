"""Lambda's event sources: the asynchronous queue, Kinesis/DynamoDB streams and SQS pollers."""
