"""Batch API output files: one line per request of a finished batch.

OpenAI writes `{id, custom_id, response: {status_code, body}, error}`; the body
is whatever the batched endpoint returns, so its usage may be Chat-shaped
(`prompt_tokens`) or Responses-shaped (`input_tokens`), and both are read (a
line whose usage is in neither shape is rejected, never stored as 0 tokens).
Anthropic's Message Batches write `{custom_id, result: {type, message}}`.
The Batch *object* (`object: batch`) only sums a whole batch and is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmtop.formats.anthropic import message_fields
from llmtop.formats.base import AdapterState, NotUsageRecord
from llmtop.formats.common import dig, prune
from llmtop.formats.openai_chat import chat_fields
from llmtop.formats.openai_responses import response_fields

_TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")


class BatchOutputAdapter:
    """Lines of an OpenAI or Anthropic batch results file; the Batch object."""

    name = "batch-output"
    description = (
        "OpenAI Batch API output lines (chat- or Responses-shaped bodies) and "
        "Anthropic Message Batches results"
    )

    def detect(self, obj: Mapping[str, Any]) -> bool:
        if obj.get("object") == "batch":
            return True
        return "custom_id" in obj and ("response" in obj or "result" in obj)

    def parse(self, obj: Any, state: AdapterState) -> list[dict[str, Any]]:
        if obj.get("object") == "batch":
            raise NotUsageRecord(
                "an OpenAI Batch object is a batch summary, not a usage record "
                "(read the batch's output file instead)"
            )
        if "result" in obj:
            return [self._anthropic(obj)]
        return [self._openai(obj)]

    def _openai(self, line: Mapping[str, Any]) -> dict[str, Any]:
        body = dig(line, "response", "body")
        body = body if isinstance(body, Mapping) else {}
        usage = body.get("usage")
        if isinstance(usage, Mapping) and "prompt_tokens" in usage:
            fields = chat_fields(body)
        elif isinstance(usage, Mapping) and "input_tokens" in usage:
            fields = response_fields(body)
        else:
            fields = prune(
                {"model": body.get("model"), "timestamp": body.get("created")}
            )
            if isinstance(usage, Mapping) and not any(k in usage for k in _TOKEN_KEYS):
                raise NotUsageRecord(
                    "batch output line whose usage has neither prompt_tokens nor "
                    "input_tokens"
                )
        fields["request_id"] = _batch_id(line)
        fields["batch"] = True
        code = dig(line, "response", "status_code")
        error = line.get("error")
        if isinstance(error, Mapping) or (isinstance(code, int) and code >= 400):
            fields["status"] = "error"
            body_error = (
                body.get("error") if isinstance(body.get("error"), Mapping) else {}
            )
            fields["error_type"] = (
                (error or {}).get("code")
                or body_error.get("type")
                or body_error.get("code")
                or (f"http_{code}" if code else "error")
            )
        return fields

    def _anthropic(self, line: Mapping[str, Any]) -> dict[str, Any]:
        result = line.get("result")
        result = result if isinstance(result, Mapping) else {}
        message = result.get("message")
        fields = message_fields(message) if isinstance(message, Mapping) else {}
        fields["request_id"] = f"batch:{line.get('custom_id')}"
        fields["batch"] = True
        if result.get("type") != "succeeded":
            fields["status"] = "error"
            fields["error_type"] = dig(result, "error", "error", "type") or result.get(
                "type"
            )
        return fields


def _batch_id(line: Mapping[str, Any]) -> str:
    """The batch line's own id, else its custom_id (unique within a batch)."""
    line_id = line.get("id")
    if isinstance(line_id, str) and line_id:
        return line_id
    return f"batch:{line.get('custom_id')}"
