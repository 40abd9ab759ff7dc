"""What AWS charges: the price book, the shared tier helper and one module per service (pricing/services/).
No AWS calls, no UI."""

from pricing.services import aws_lambda, dynamodb, http_api, websocket  # noqa: F401  (short import paths)
