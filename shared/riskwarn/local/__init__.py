"""The embedded local AWS: template transform, resource provisioning on moto, and (later)
the Kinesis poller and HTTP API server."""
