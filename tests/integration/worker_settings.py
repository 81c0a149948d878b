"""Settings of the worker processes the integration tests start: the test settings, with unacknowledged
messages handed out again after a few seconds (instead of an hour) so that a killed worker's task is seen
to be delivered again within a test."""

import os

from cchc.settings_test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # keep trying while the test restarts Redis
