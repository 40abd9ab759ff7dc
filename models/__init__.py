"""Workload models: scenarios, the estimate engine and cost allocation. No AWS calls, no UI."""
