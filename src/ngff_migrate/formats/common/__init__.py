"""formats.common."""
