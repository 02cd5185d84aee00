"""From corpora to a saved model: the training runs the command line and the Dask workers start.

    training_run.py  one run of `sentiment-rnn train`: read the data, fit, score the test split, save the model
    distillation.py  training targets made of a teacher's probabilities (`train --teacher`)
    sentence_training.py  fine-tuning a sentence network for behaviour (`tune-sentence`)
    language_model_pretraining.py  one run of `sentiment-rnn pretrain-lm`: read the text, pretrain, save the LM
"""
