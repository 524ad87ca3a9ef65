"""Batch engines: local processes, and Spark (via mapInArrow) for clusters."""
