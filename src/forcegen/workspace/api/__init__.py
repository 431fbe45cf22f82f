"""The workspace's HTTP API: ``create_app``, the FastAPI dependencies and one router per domain.

The views only translate HTTP to the domain services and back; the rules live in the services.
"""
