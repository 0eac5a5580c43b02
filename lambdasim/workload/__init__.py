"""Workloads: arrival processes, their samplers, trace files and the shared arrival source."""
