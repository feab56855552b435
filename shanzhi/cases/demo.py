def load(stdout=None) -> None:
    """Filled in below (demo categories and cases)."""
