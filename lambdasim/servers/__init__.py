"""Server fleets shared by the server platforms: capacity, instances, load balancer, queue, autoscaling."""
