"""Idempotent money movements: one effect per (tenant, key); outcomes are stored and replayed.

The key is looked up, the movement applied and its outcome stored inside one ``BEGIN
IMMEDIATE`` transaction, so concurrent requests with the same key serialise: the first has the
effect, the others replay its stored response (or get 409 when their request differs).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from starlette.responses import Response

from app.db import Connection, now_us
from app.errors import PROBLEM_MEDIA_TYPE, ProblemError, idempotency_key_reused
from app.metrics import Metrics
from app.repositories.transactions import Movement, record_movements
from app.schemas.transactions import TransactionBatchPublic, TransactionPublic

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII; HTTP strips surrounding spaces, so a key neither starts nor ends with one.
KEY_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"
KEY_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Outcome:
    """The stored result of an idempotent request."""

    status: int
    body: bytes
    replayed: bool

    @property
    def committed(self) -> bool:
        """Whether this very request applied the movement."""
        return not self.replayed and self.status < 400

    def to_response(self) -> Response:
        """The HTTP response, flagged as a replay or not."""
        media_type = PROBLEM_MEDIA_TYPE if self.status >= 400 else "application/json"
        return Response(
            self.body,
            status_code=self.status,
            media_type=media_type,
            headers={REPLAYED_HEADER: "true" if self.replayed else "false"},
        )


def fingerprint(method: str, path: str, payload: BaseModel) -> str:
    """SHA-256 of the method, path and canonical JSON of the validated body."""
    body = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method}\n{path}\n{body}".encode()).hexdigest()


def execute(
    conn: Connection,
    *,
    tenant_id: str,
    key: str,
    request_fingerprint: str,
    operation: Callable[[], bytes],
) -> Outcome:
    """Replay the outcome stored under ``key``, or run ``operation`` and store its outcome.

    ``operation`` returns the 201 body, or raises a ``ProblemError`` for a business failure
    (stored too) before writing anything; any other exception rolls everything back.
    """
    with conn.write():
        stored = conn.execute(
            "SELECT fingerprint, status, body FROM idempotency_keys"
            " WHERE tenant_id = ? AND key = ?",
            (tenant_id, key),
        ).fetchone()
        if stored is not None:
            if stored["fingerprint"] != request_fingerprint:
                raise idempotency_key_reused()
            return Outcome(stored["status"], bytes(stored["body"]), replayed=True)
        try:
            status, body = 201, operation()
        except ProblemError as problem:
            status, body = problem.status, problem.render()
        conn.execute(
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (tenant_id, key, request_fingerprint, status, body, now_us()),
        )
    return Outcome(status, body, replayed=False)


@dataclass(frozen=True, slots=True)
class MovementRequest:
    """An authenticated money-movement request, to be applied at most once per key."""

    conn: Connection
    tenant_id: str
    key: str
    method: str
    path: str
    metrics: Metrics

    def submit(
        self, payload: BaseModel, movements: list[Movement], *, batch: bool = False
    ) -> Response:
        """Apply ``movements`` (or replay the stored outcome) and answer with the result."""

        def operation() -> bytes:
            transactions = record_movements(
                self.conn, tenant_id=self.tenant_id, movements=movements, index_problems=batch
            )
            if batch:
                body: BaseModel = TransactionBatchPublic.model_validate({"data": transactions})
            else:
                body = TransactionPublic.model_validate(transactions[0])
            return body.model_dump_json().encode()

        outcome = execute(
            self.conn,
            tenant_id=self.tenant_id,
            key=self.key,
            request_fingerprint=fingerprint(self.method, self.path, payload),
            operation=operation,
        )
        if outcome.replayed:
            self.metrics.idempotent_replays.inc()
        elif outcome.committed:
            self.metrics.transactions.labels(kind=movements[0].kind).inc(len(movements))
        return outcome.to_response()
