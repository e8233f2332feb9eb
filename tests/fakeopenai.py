"""A fake OpenAI-compatible chat-completions server (``POST /v1/chat/completions``).

Answers are scripted per test: a JSON content string, a delay, or an HTTP error. Every request
body is kept, so tests can assert what the LLM was shown (never PII, never a remark).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    content: str = "{}"
    delay_s: float = 0.0
    status: int = 200


@dataclass
class FakeOpenAI:
    script: Script = field(default_factory=Script)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    def prompt_text(self) -> str:
        return json.dumps(self.requests, ensure_ascii=False)


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(body)
            script = fake.script
            if script.delay_s:
                time.sleep(script.delay_s)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
            elif script.status != 200:
                self._send(script.status, {"error": {"message": "scripted failure",
                                                     "type": "server_error"}})
            else:
                self._send(200, {
                    "id": "chatcmpl-fake", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": script.content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
