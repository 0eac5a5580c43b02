"""AWS Lambda Managed Instances: execution environments on EC2 instances that Lambda manages, several requests per environment."""
