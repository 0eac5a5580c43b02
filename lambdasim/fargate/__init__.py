"""AWS Fargate (an ECS service): tasks of an allowed size behind a load balancer, scaled by a service policy, optionally on Fargate Spot."""
