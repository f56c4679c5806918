"""Entry points' process supervision: servers started as several processes.

Above the services it starts (lookup, alerts); imported by the CLI and the benchmarks.
"""
