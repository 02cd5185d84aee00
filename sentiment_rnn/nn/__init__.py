"""The network, knowing nothing of text or files: arrays of word ids in, class scores and gradients out.

    functional.py  softmax, cross-entropy, the activations registry
    init.py        Xavier and orthogonal initialisation
    layout.py      the cells' gate-major weight layout and the weight gradients finished after the time loop
    cells.py       Elman, GRU and LSTM over a padded, time-major sequence: forward and BPTT
    model.py       embedding -> recurrent layers -> last real state -> linear: loss and gradients
    inference.py   the forward pass for prediction only, arranged for speed
    batching.py    padding, truncation and length-bucketed mini-batches
    optim.py       SGD and Adam, clipping by global norm
    gradcheck.py   centred finite differences
    tutorial.py    the first network: two scalar weights and hand-written BPTT
"""
