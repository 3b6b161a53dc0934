"""The HTTP and WebSocket surface of the reference server."""
