"""Operational metrics for Prometheus: the metric families, and the endpoint each process serves.

Labels name agencies, feeds, topics, partitions, outcomes and reasons (fixed
codes), never a child, a person or free text.
"""
