"""The network, knowing nothing of text or files: arrays of word ids in, class scores and gradients out.

    functional.py           softmax, cross-entropy, the activations registry
    init.py                 Xavier and orthogonal initialisation
    reference.py            Elman, GRU and LSTM written to be read: one time step at a time in PyTorch's
                            layout, backward as forward in reverse (the text to learn BPTT from, the oracle)
    reference_network.py    the many-to-one network built from the reference cells
    layout.py               the cells' gate-major weight layout and the weight gradients finished after the loop
    gate_major_cells.py     the fast Elman, GRU and LSTM cells, for training (forward, BPTT) and prediction
    cells.py                the cells by name: the CELLS registry and make_cell
    stacked.py              the loop over stacked, optionally bidirectional layers, for training and prediction
    embedding.py            the embedding's row-sparse gradient (EmbeddingGrad)
    model.py                embedding -> recurrent layers -> last real state -> linear: loss and gradients
    inference.py            the forward pass for prediction only, arranged for speed
    language_model.py       the many-to-many network: next-word prediction over streams, truncated BPTT
    sampled_softmax.py      the language model's output layer: sampled softmax (training), full softmax (perplexity)
    batching.py             padding, truncation and length-bucketed mini-batches
    optim.py                SGD and Adam, clipping by global norm
    gradcheck.py            centred finite differences
    tutorial.py             the first network: two scalar weights and hand-written BPTT
"""
