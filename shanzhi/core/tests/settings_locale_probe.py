"""Settings for the translation-coverage test: no LOCALE_PATHS, so makemessages writes into the
probe directory's own locale/ folder."""

from shanzhi.settings import *  # noqa: F403

LOCALE_PATHS = []
