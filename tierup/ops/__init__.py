"""Operating a deployed stack with boto3: advice from metrics, a live audit, the endpoint, spend."""
