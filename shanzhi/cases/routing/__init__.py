"""Case routing helpers: text classifier and point-in-grid locator (pure, no Django)."""
