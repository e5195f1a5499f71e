"""Prefect flows and the `convene` command. The only package that imports Prefect."""

from __future__ import annotations

import os

# Set before Prefect is imported anywhere: offline, telemetry only logs DNS errors.
for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The temporary server takes 10-20 s to start on a 2-core machine; the default
    # timeout is too tight when the machine is busy.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(_name, _value)
