"""What AWS charges: the price book and one meter module per service. No AWS calls, no UI."""

from pricing import aws_lambda, custom, dynamodb, http_api, logs, websocket

# Every meter module has the same shape: lines(usage, prices) -> list[Line].
METER_MODULES = (aws_lambda, logs, websocket, http_api, dynamodb, custom)
