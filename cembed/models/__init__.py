"""Models trained by cembed's C core: :class:`TextClassifier` (fastText's
supervised classifier) and :class:`Word2Vec` (skip-gram and CBOW)."""
from cembed.models.classifier import TextClassifier
from cembed.models.word2vec import Word2Vec

__all__ = ["TextClassifier", "Word2Vec"]
