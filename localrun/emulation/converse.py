"""EMULATION of bedrock-runtime Converse and ApplyGuardrail from a scripted conversation, for local runs only.

No model runs here. A run carries a script (`BedrockScript`): for each API an ordered list of turns,
each an expectation on the request and the response (or error) to answer it with, in the spirit
of Step Functions Local's MockConfigFile. Calls consume the turns strictly in order; a request that
does not match the next turn, or a call after the turns ran out, fails loudly with a
ValidationException naming the script, the turn and the mismatch: never a made-up answer. Turns
never consumed are reported at the end of the run (`problems()`), like a fault that never fired.

Requests are checked against botocore's model of the operation and Bedrock's conversation rules
(`bedrock_shapes`) before the script is consulted; scripted responses are checked against the
operation's output shape when the script loads. The expectation language is documented in
localrun/README.md ("Bedrock scripts").
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from localrun.emulation import bedrock_shapes
from localrun.emulation.bedrock_shapes import APPLY_GUARDRAIL, CONVERSE

APIS = {"converse": CONVERSE, "guardrail": APPLY_GUARDRAIL}
TURN_KEYS = frozenset({"expect", "response", "error"})
CONVERSE_EXPECT_KEYS = frozenset(
    {"modelId", "toolNames", "lastUserText", "toolResults", "system", "messages"}
)
GUARDRAIL_EXPECT_KEYS = frozenset({"source", "text", "guardrailIdentifier", "guardrailVersion"})
TEXT_MATCHERS = frozenset({"equals", "contains", "matches"})
TOOL_RESULT_STATUSES = frozenset({"success", "error"})
_GUARDRAIL_USAGE = (
    "topicPolicyUnits",
    "contentPolicyUnits",
    "wordPolicyUnits",
    "sensitiveInformationPolicyUnits",
    "sensitiveInformationPolicyFreeUnits",
    "contextualGroundingPolicyUnits",
)


class ScriptError(ValueError):
    """A Bedrock script is malformed; the message names the script, the turn and the key."""


class BedrockRequestError(Exception):
    """The call fails as Bedrock would answer it: `code` is the botocore error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Turn:
    """One scripted exchange: what the request must look like, and the answer (or the error)."""

    api: str
    index: int
    expect: Mapping[str, Any]
    response: Mapping[str, Any] | None
    error: Mapping[str, str] | None

    @property
    def where(self) -> str:
        return f"bedrock.{self.api}[{self.index}]"

    def mismatch(self, request: Mapping[str, Any]) -> str | None:
        """What in `request` differs from this turn's expectation (None when it matches)."""
        check = _converse_mismatch if self.api == "converse" else _guardrail_mismatch
        return check(self.expect, request)

    def answer(self) -> dict[str, Any]:
        if self.error is not None:
            raise BedrockRequestError(self.error["code"], self.error.get("message", self.error["code"]))
        return copy.deepcopy(dict(self.response or {}))


class BedrockScript:
    """The scripted turns of one run, consumed in order by concurrent callers (thread-safe)."""

    def __init__(self, turns: Mapping[str, list[Turn]], label: str) -> None:
        self.label = label
        self._turns = {api: list(turns.get(api, ())) for api in APIS}
        self._next = dict.fromkeys(APIS, 0)
        self._violations: list[str] = []
        self._lock = threading.Lock()

    @classmethod
    def load(cls, data: BedrockScript | Mapping[str, Any], label: str = "script") -> BedrockScript:
        """A fresh script from its JSON form `{"converse": [...], "guardrail": [...]}` (or a copy of a
        script, unconsumed); ScriptError names what is malformed."""
        if isinstance(data, BedrockScript):
            return cls(data._turns, data.label)
        if not isinstance(data, Mapping):
            raise ScriptError(f"{label}: bedrock must be an object with 'converse' and/or 'guardrail'")
        unknown = sorted(set(data) - set(APIS))
        if unknown:
            raise ScriptError(f"{label}: bedrock has unknown keys {unknown} (known: {sorted(APIS)})")
        turns = {}
        for api, items in data.items():
            if not isinstance(items, list):
                raise ScriptError(f"{label}: bedrock.{api} must be a list of turns")
            turns[api] = [_turn(label, api, index, item) for index, item in enumerate(items)]
        return cls(turns, label)

    def take(self, api: str, request: Mapping[str, Any]) -> Turn:
        """The next turn of `api` if `request` matches it; BedrockRequestError otherwise."""
        operation = APIS[api]
        with self._lock:
            position = self._next[api]
            queue = self._turns[api]
            if position >= len(queue):
                problem = (
                    f"{operation} call {position} has no scripted turn: the script has {len(queue)} "
                    f"bedrock.{api} turn(s)"
                )
                raise self._violation(problem)
            turn = queue[position]
            mismatch = turn.mismatch(request)
            if mismatch is not None:
                raise self._violation(f"{operation} request does not match {turn.where}: {mismatch}")
            self._next[api] = position + 1
            return turn

    def problems(self) -> list[str]:
        """Every violation so far, then every turn never consumed (a script error, like an unfired fault)."""
        with self._lock:
            unused = [
                f"{turn.where} was never used ({APIS[api]} called {self._next[api]} time(s))"
                for api, queue in self._turns.items()
                for turn in queue[self._next[api] :]
            ]
            return [*self._violations, *unused]

    def _violation(self, problem: str) -> BedrockRequestError:
        message = f"localrun Bedrock emulation ({self.label}): {problem}"
        self._violations.append(problem)
        return BedrockRequestError("ValidationException", message)


def converse(script: BedrockScript | None, request: Mapping[str, Any]) -> dict[str, Any]:
    """Converse: validate the request as Bedrock does, then answer it from the script's next turn."""
    _check_request(request, CONVERSE)
    problem = bedrock_shapes.conversation_problems(request)
    if problem:
        raise BedrockRequestError("ValidationException", problem)
    return _scripted(script, "converse", request)


def apply_guardrail(script: BedrockScript | None, request: Mapping[str, Any]) -> dict[str, Any]:
    """ApplyGuardrail: validate the request, then answer it from the script's next guardrail turn."""
    _check_request(request, APPLY_GUARDRAIL)
    return _scripted(script, "guardrail", request)


def _check_request(request: Mapping[str, Any], operation: str) -> None:
    report = bedrock_shapes.shape_problems(request, operation, output=False)
    if report:
        raise BedrockRequestError("ValidationException", report)


def _scripted(script: BedrockScript | None, api: str, request: Mapping[str, Any]) -> dict[str, Any]:
    if script is None:
        raise BedrockRequestError(
            "ValidationException",
            f"localrun emulates {APIS[api]} only from a script, and this run has none: pass "
            "bedrock= to runner.run or give the sample a 'bedrock' key",
        )
    return script.take(api, request).answer()


# ------------------------------------------------------------------------------- loading a turn
def _turn(label: str, api: str, index: int, item: Any) -> Turn:
    where = f"{label}: bedrock.{api}[{index}]"
    if not isinstance(item, Mapping):
        raise ScriptError(f"{where} must be an object with 'expect' and 'response' or 'error'")
    unknown = sorted(set(item) - TURN_KEYS)
    if unknown:
        raise ScriptError(f"{where} has unknown keys {unknown} (known: {sorted(TURN_KEYS)})")
    if ("response" in item) == ("error" in item):
        raise ScriptError(f"{where} needs exactly one of 'response' or 'error'")
    expect = item.get("expect", {})
    _check_expect(where, api, expect)
    error = item.get("error")
    if error is not None:
        _check_error(where, api, error)
        return Turn(api, index, expect, None, dict(error))
    response = _completed_response(api, item["response"], where)
    report = bedrock_shapes.shape_problems(response, APIS[api], output=True)
    if report:
        raise ScriptError(f"{where}.response is not a {APIS[api]} response: {report}")
    if api == "converse" and response["output"].get("message", {}).get("role") != "assistant":
        raise ScriptError(f"{where}.response.output.message.role must be 'assistant'")
    return Turn(api, index, expect, response, None)


def _completed_response(api: str, response: Any, where: str) -> dict[str, Any]:
    """The scripted response with what the emulation owns filled in: Converse `metrics` (latency 0)
    and `usage.totalTokens` (input + output); ApplyGuardrail `outputs`, `assessments`, `usage` (0s)."""
    if not isinstance(response, Mapping):
        raise ScriptError(f"{where}.response must be an object")
    completed = copy.deepcopy(dict(response))
    if api == "converse":
        completed.setdefault("metrics", {"latencyMs": 0})
        usage = completed.get("usage")
        counted = isinstance(usage, dict) and all(
            isinstance(usage.get(key), int) for key in ("inputTokens", "outputTokens")
        )
        if counted and "totalTokens" not in usage:
            usage["totalTokens"] = usage["inputTokens"] + usage["outputTokens"]
    else:
        completed.setdefault("outputs", [])
        completed.setdefault("assessments", [])
        usage = completed.setdefault("usage", {})
        if isinstance(usage, dict):
            for key in _GUARDRAIL_USAGE:
                usage.setdefault(key, 0)
    return completed


def _check_error(where: str, api: str, error: Any) -> None:
    codes = bedrock_shapes.error_codes(APIS[api])
    if not isinstance(error, Mapping) or error.get("code") not in codes:
        raise ScriptError(f"{where}.error must be {{'code', 'message'?}} with code one of {sorted(codes)}")


def _check_expect(where: str, api: str, expect: Any) -> None:
    allowed = CONVERSE_EXPECT_KEYS if api == "converse" else GUARDRAIL_EXPECT_KEYS
    if not isinstance(expect, Mapping):
        raise ScriptError(f"{where}.expect must be an object")
    unknown = sorted(set(expect) - allowed)
    if unknown:
        raise ScriptError(f"{where}.expect has unknown keys {unknown} (known: {sorted(allowed)})")
    for key, value in expect.items():
        checker = _EXPECT_CHECKS.get(key, _check_text_matcher)
        problem = checker(value)
        if problem:
            raise ScriptError(f"{where}.expect.{key}: {problem}")


def _check_text_matcher(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    if not isinstance(value, Mapping) or len(value) != 1 or next(iter(value)) not in TEXT_MATCHERS:
        return f"a text matcher is a string or one of {{{', '.join(sorted(TEXT_MATCHERS))}: string}}"
    ((kind, text),) = value.items()
    if not isinstance(text, str):
        return f"{kind} needs a string"
    if kind == "matches":
        try:
            re.compile(text)
        except re.error as error:
            return f"not a regular expression ({error})"
    return None


def _check_tool_names(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return "a list of tool names"
    return None


def _check_tool_results(value: Any) -> str | None:
    if not isinstance(value, Mapping) or not all(status in TOOL_RESULT_STATUSES for status in value.values()):
        return "an object of toolUseId (or position) -> 'success' | 'error'"
    return None


def _check_count(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else "a count"


def _check_source(value: Any) -> str | None:
    return None if value in ("INPUT", "OUTPUT") else "'INPUT' or 'OUTPUT'"


_EXPECT_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "toolNames": _check_tool_names,
    "toolResults": _check_tool_results,
    "messages": _check_count,
    "source": _check_source,
}


# ------------------------------------------------------------------------------ matching a request
def _converse_mismatch(expect: Mapping[str, Any], request: Mapping[str, Any]) -> str | None:
    messages = list(request.get("messages") or [])
    for key, wanted in expect.items():
        if key == "modelId":
            problem = _text_mismatch("modelId", wanted, str(request.get("modelId", "")))
        elif key == "toolNames":
            problem = _tool_names_mismatch(wanted, request)
        elif key == "lastUserText":
            problem = _text_mismatch("the last user message's text", wanted, _last_user_text(messages))
        elif key == "toolResults":
            problem = _tool_results_mismatch(wanted, messages)
        elif key == "system":
            texts = [block.get("text", "") for block in request.get("system") or [] if "text" in block]
            problem = _text_mismatch("the system prompt", wanted, "\n".join(texts))
        else:
            problem = None if len(messages) == wanted else f"{len(messages)} messages, expected {wanted}"
        if problem:
            return problem
    return None


def _guardrail_mismatch(expect: Mapping[str, Any], request: Mapping[str, Any]) -> str | None:
    for key, wanted in expect.items():
        if key == "source":
            actual = str(request.get("source"))
            problem = None if actual == wanted else f"source {actual}, expected {wanted}"
        elif key == "text":
            texts = [
                block["text"].get("text", "") for block in request.get("content") or [] if "text" in block
            ]
            problem = _text_mismatch("the content text", wanted, "\n".join(texts))
        else:
            problem = _text_mismatch(key, wanted, str(request.get(key, "")))
        if problem:
            return problem
    return None


def _text_mismatch(what: str, wanted: str | Mapping[str, str], actual: str) -> str | None:
    kind, text = ("equals", wanted) if isinstance(wanted, str) else next(iter(wanted.items()))
    matched = {
        "equals": lambda: actual == text,
        "contains": lambda: text in actual,
        "matches": lambda: re.search(text, actual) is not None,
    }[kind]()
    return None if matched else f"{what} {_excerpt(actual)} does not satisfy {kind} {text!r}"


def _tool_names_mismatch(wanted: list[str], request: Mapping[str, Any]) -> str | None:
    tools = (request.get("toolConfig") or {}).get("tools") or []
    names = sorted(tool["toolSpec"]["name"] for tool in tools if "toolSpec" in tool)
    return None if names == sorted(wanted) else f"toolConfig names {names}, expected {sorted(wanted)}"


def _tool_results_mismatch(wanted: Mapping[str, str], messages: list[Any]) -> str | None:
    last = messages[-1] if messages else {}
    results = [block["toolResult"] for block in last.get("content") or [] if "toolResult" in block]
    by_position = all(key.isdigit() for key in wanted)
    actual = {
        (str(position) if by_position else str(result.get("toolUseId"))): str(result.get("status", "success"))
        for position, result in enumerate(results)
    }
    if actual != dict(wanted):
        return f"the last message's toolResult statuses are {actual}, expected {dict(wanted)}"
    return None


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return "\n".join(block["text"] for block in message.get("content") or [] if "text" in block)
    return ""


def _excerpt(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
