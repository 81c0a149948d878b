"""Settings for the benchmarks: the real settings, with the bench's bare baseline views added to the URLs."""

from cchc.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
