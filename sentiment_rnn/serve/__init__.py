"""``sentiment-rnn serve``: an HTTP JSON API and a page that shows the sentence being read.

Needs the ``serve`` extra (``pip install "sentiment-rnn[serve]"``: Starlette and uvicorn); the rest
of the package never imports this subpackage.

- ``settings.py``   limits, batching and timeouts (one dataclass)
- ``validation.py`` reading and checking requests; every refusal is a 4xx with a JSON error
- ``batcher.py``    micro-batching of concurrent requests in the model thread
- ``scoring.py``    predictions, explanations and the model's description, as JSON-ready dicts
- ``openapi.py``    the OpenAPI description
- ``app.py``        the Starlette application and its routes
- ``server.py``     uvicorn: workers, the request-head timeout, graceful shutdown
- ``static/``       the page: plain HTML, CSS and JavaScript
"""

from sentiment_rnn.serve.app import create_app
from sentiment_rnn.serve.server import run
from sentiment_rnn.serve.settings import Settings

__all__ = ["Settings", "create_app", "run"]
