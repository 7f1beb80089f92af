"""One structured (JSON) logger for the whole domain package (Powertools Logger)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="switchboard")
