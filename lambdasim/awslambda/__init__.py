"""The AWS Lambda platform model: instance pools, keep-alive, limits, scaling, event sources, results."""
