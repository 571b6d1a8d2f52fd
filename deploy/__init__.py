"""Deployment beside the app: several replicas behind HAProxy, and coturn (see cluster.py)."""
