"""Comparing platforms: replications, the verdict, EC2 sizing and break-even searches."""
