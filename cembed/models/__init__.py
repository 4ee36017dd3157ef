"""Models trained by cembed's C core: :class:`TextClassifier` (fastText's
supervised classifier)."""
from cembed.models.classifier import TextClassifier

__all__ = ["TextClassifier"]
