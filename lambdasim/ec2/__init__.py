"""The EC2 platform model: fleet, load balancing, autoscaling, results and cost."""
