"""What each nation offers, and its approval workflow."""
