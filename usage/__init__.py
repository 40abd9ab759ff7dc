"""Usage from an AWS account: discovery, CloudWatch metrics, normalisation to a month, scenario files.

The only package that talks to AWS (boto3). Also home of the built-in demo account (`usage.demo`).
Entry points: `usage.importer.import_usage`, `usage.demo.demo_scenario_yaml`.
"""
