"""Write the demo's corpus, cembed/data/reviews.tsv (synthetic, deterministic).

The reviews come from `generate` in examples/sentiment.py: sentiment words
that mostly agree with the label, topic and filler words, a Zipf tail of
made-up names, and 5% of the labels flipped. Each line is
`positive<TAB>text` or `negative<TAB>text`.

Run: python examples/make_demo_corpus.py [--docs 2500] [--seed 2026] [--out cembed/data/reviews.tsv]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from sentiment import generate  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=os.path.join(HERE, "..", "cembed", "data", "reviews.tsv"))
    args = parser.parse_args(argv)
    texts, labels = generate(args.docs, args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for text, label in zip(texts, labels):
            f.write(("positive" if label == 1 else "negative") + "\t" + text + "\n")
    print(f"wrote {args.docs} reviews to {os.path.normpath(args.out)} "
          f"({os.path.getsize(args.out):,} bytes)")


if __name__ == "__main__":
    main()
