"""Settings for the test suite: the real settings with a throwaway key and fast password hashing.

Database, Redis and everything else still come from the environment (CI sets PostgreSQL and Redis).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-suite-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF")

from cchc.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
