"""Write the demo's corpus, cembed/data/wordnet_glosses.tsv.gz, from WordNet 3.0.

Each line is one WordNet synset, ``label<TAB>text``: the label is the
synset's lexicographer file (``noun.animal``, ``verb.motion``, ``adj.all``,
... 45 of them), the text its words and its gloss (definition and example
sentences), for example

    noun.animal<TAB>dog, domestic dog, Canis familiaris: a member of the genus Canis ...

WordNet has 117,659 synsets (3.9 MB gzipped with their glosses); to keep the
package small the corpus holds at most ``--per-label`` synsets of each
lexicographer file (default 1200: the 22 smaller files whole, the others a
sample chosen by a stable hash of the synset's part of speech and offset),
39,765 synsets, 1.4 MB gzipped. Lines are in WordNet's order (nouns, verbs,
adjectives, adverbs, each by offset); the gzip header carries no name and no
time, so the same WordNet files give the same bytes.

It also writes WORDNET_LICENSE beside the corpus: WordNet's license, taken
from the header of the data files, which must accompany every copy.

Source: the ``data.noun``, ``data.verb``, ``data.adj`` and ``data.adv`` files
of WordNet 3.0 (Debian's ``wordnet-base`` installs them in /usr/share/wordnet);
the names of the lexicographer files from WordNet's ``lexnames`` file or, where
it is not installed (Debian), from the table of its manual page ``lexnames(5WN)``.

Run: python examples/make_wordnet_corpus.py [--wordnet /usr/share/wordnet]
     [--per-label 1200] [--out cembed/data/wordnet_glosses.tsv.gz]
"""
import argparse
import gzip
import hashlib
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "cembed", "data", "wordnet_glosses.tsv.gz")
PARTS_OF_SPEECH = ("noun", "verb", "adj", "adv")
LEXNAMES_MANPAGE = "/usr/share/man/man5/lexnames.5WN.gz"


def lexnames(wordnet):
    """The lexicographer file names, indexed by number (0 = adj.all, ..., 44 = adj.ppl)."""
    plain = os.path.join(wordnet, "lexnames")
    if os.path.isfile(plain):
        with open(plain, encoding="utf-8") as f:
            text = f.read()
    elif os.path.isfile(LEXNAMES_MANPAGE):
        with gzip.open(LEXNAMES_MANPAGE, "rt", encoding="utf-8") as f:
            text = f.read()
    else:
        raise SystemExit(f"no lexnames file in {wordnet} and no {LEXNAMES_MANPAGE}")
    names = {}
    for number, name in re.findall(r"^(\d\d)\t([a-z]+\.[A-Za-z]+)\s", text, re.M):
        names[int(number)] = name
    if sorted(names) != list(range(len(names))) or len(names) < 45:
        raise SystemExit(f"unexpected lexnames table: {names}")
    return [names[i] for i in range(len(names))]


def synsets(path):
    """Yield ``(offset, lexicographer file number, words, gloss)`` of a WordNet data file.

    A line is ``offset lex_filenum ss_type w_cnt word lex_id [word lex_id ...]
    p_cnt [pointers ...] [frames ...] | gloss`` (wndb(5WN)); ``w_cnt`` is
    hexadecimal; adjective words may end in a syntactic marker such as ``(a)``.
    Lines that begin with two spaces are the license header.
    """
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue
            head, bar, gloss = line.partition(" | ")
            if not bar:
                raise SystemExit(f"{path}: a synset without a gloss: {line[:60]!r}")
            fields = head.split()
            count = int(fields[3], 16)
            words = [re.sub(r"\([a-z]+\)$", "", w).replace("_", " ") for w in fields[4:4 + 2 * count:2]]
            yield fields[0], int(fields[1]), words, gloss.strip()


def license_text(path):
    """WordNet's license: the numbered header lines of a data file, numbers dropped."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("  "):
                break
            lines.append(re.sub(r"^\s+\d+ ?", "", line).rstrip())
    return "\n".join(lines).strip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", default="/usr/share/wordnet", help="folder of the data.* files")
    parser.add_argument("--per-label", type=int, default=1200,
                        help="at most this many synsets of each lexicographer file (1200)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    names = lexnames(args.wordnet)
    rows = []  # (pos index, offset, label, text)
    for p, pos in enumerate(PARTS_OF_SPEECH):
        for offset, lex, words, gloss in synsets(os.path.join(args.wordnet, f"data.{pos}")):
            text = f"{', '.join(words)}: {gloss}".replace("\t", " ")
            rows.append((p, offset, names[lex], text))

    def stable(row):
        return hashlib.sha1(f"{PARTS_OF_SPEECH[row[0]]} {row[1]}".encode("ascii")).digest()

    kept, taken = [], {}
    for row in sorted(rows, key=stable):
        if taken.get(row[2], 0) < args.per_label:
            taken[row[2]] = taken.get(row[2], 0) + 1
            kept.append(row)
    kept.sort()

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    data = "".join(f"{label}\t{text}\n" for _, _, label, text in kept).encode("utf-8")
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=9) as f:
        f.write(data)
    notice = os.path.join(os.path.dirname(out), "WORDNET_LICENSE")
    with open(notice, "w", encoding="utf-8", newline="\n") as f:
        f.write("The demo corpus wordnet_glosses.tsv.gz holds glosses of WordNet 3.0\n"
                "(https://wordnet.princeton.edu/), distributed under this license:\n\n")
        f.write(license_text(os.path.join(args.wordnet, "data.noun")))
    print(f"wrote {len(kept)} of {len(rows)} synsets, {len(taken)} labels, "
          f"{os.path.getsize(out):,} bytes: {out}; and {notice}")


if __name__ == "__main__":
    main()
