"""Jobs that outgrow one process: scoring many files and training many seeds, here or on a Dask cluster.

Without a scheduler address the work runs in this process, one item after the other, and Dask is
never imported; with one (``tcp://HOST:8786``) each file or seed is a task on the cluster's workers
(``pip install "sentiment-rnn[dask]"``). Every task writes its result atomically and skips results
that exist, so a task rerun after a worker died, or a rerun of the whole job, redoes only what was
not finished.

- ``scoring``  `predict --input PATTERN --output DIR`: one output file per input file;
- ``seeds``    `train --seeds 0-7 --output-dir DIR`: one model (and checkpoint) per seed;
- ``cluster``  the Dask side: connecting, a model loaded once per worker, waiting on tasks;
- ``progress`` items done, rate and ETA, as lines for stderr.
"""
