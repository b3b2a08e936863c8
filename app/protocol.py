"""uvicorn's HTTP/1.1 protocol (httptools), answering a request it cannot read with the
problem+json every other error has, instead of its plain-text `Invalid HTTP request received.`

httptools reads a URL's parts with 16-bit offsets: a URL longer than 65,535 bytes (a `q`
of 70,000 characters) is refused before the app sees it. That is said as `414 URI Too Long`;
anything else it cannot read (a malformed request line or header) as `400`."""

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import PROBLEM_JSON, phrase, problem_body

MAX_URL = 65_535
"""The longest URL httptools reads (its parser's offsets are 16 bits)."""


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        url: bytes = getattr(self, "url", b"")
        if len(url) > MAX_URL:
            status = 414
            detail = (
                f"The URL is {len(url):,} bytes long; this server reads at most {MAX_URL:,}. "
                "Shorten the query (a search's `q` takes at most 500 characters)."
            )
        else:
            status = 400
            detail = (
                "The request could not be read as HTTP/1.1: its request line or a header is "
                "malformed, or its URL holds characters other than ASCII, which must be "
                "percent-encoded (curl -G --data-urlencode 'q=Москва')."
            )
        path = url.split(b"?", 1)[0].decode("ascii", "replace")[:200]
        body = orjson.dumps(problem_body(status, phrase(status), detail, path))
        head = [f"HTTP/1.1 {status} {phrase(status)}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: " + PROBLEM_JSON.encode(),
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()
