"""Models trained on cembed's C core."""
