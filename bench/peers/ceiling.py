"""The framework's own ceiling (issue 14): a FastAPI app that answers one GET with a body
computed beforehand, read from the file `CEILING_BODY`. What our list page could do at best on
this machine, with uvicorn's same settings.

    CEILING_BODY=page.json .venv/bin/uvicorn bench.peers.ceiling:app --port 8001
"""

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

BODY = Path(os.environ["CEILING_BODY"]).read_bytes()
app = FastAPI()


@app.get("/v1/headcounts")
async def page() -> Response:
    return Response(BODY, media_type="application/json")
