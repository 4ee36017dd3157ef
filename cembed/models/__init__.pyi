from cembed.models.classifier import TextClassifier as TextClassifier

__all__ = ["TextClassifier"]
