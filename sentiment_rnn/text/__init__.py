"""Text into numbers: tokens, the vocabulary and word vectors.

    tokenizer.py   normalize, split sentences, tokenize (treebank style), mark negation
    vocab.py       token <-> id, with padding and unknown-word ids
    embeddings.py  word vectors pretrained from unlabeled reviews (PPMI + SVD), read into an embedding matrix
"""
