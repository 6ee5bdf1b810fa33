"""The chain side: the embedded node, compiled artifacts, deployment and typed data."""
