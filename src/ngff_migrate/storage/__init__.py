"""The storage layer: where every read, listing and write ends up.

* :mod:`.sandbox` - RFC-8 §Security: resolved paths stay inside the dataset
  root unless the user allowed leaving it (``--allow-outside``).
"""
