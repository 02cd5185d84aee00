"""A trained model in and out of files, and predicting over many reviews.

    serialization.py  model files: arrays + JSON metadata, written atomically, read without pickle
    predict.py        lines of reviews in (per-line errors, chunks), output records out
    records.py        CSV, TSV and JSONL tables of reviews, read a chunk of rows at a time and predicted
"""
