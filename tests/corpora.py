"""The public-domain texts of tests/data, as the text tests use them."""
import os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def read_data(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


ALICE = read_data("alice.txt")
UNICODE = read_data("erlkoenig.txt")
# lines (some empty or blank), paragraphs and a whole text as documents
CORPUS = ALICE.split("\n") + UNICODE.split("\n") + ALICE.split("\n\n") + ["", "   ", UNICODE]
