"""The scripted Converse/ApplyGuardrail emulation: strict ordered turns, botocore shapes, Bedrock's
conversation rules, named errors, unused turns reported; through real handlers in a local run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.emulation import converse
from localrun.emulation.converse import BedrockRequestError, BedrockScript, ScriptError
from localrun.samples import Sample
from tests.localrun.asl_stacks import ROLE, asl_template
from tests.support.probe import probe_template

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lambdas"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
CALCULATOR = {
    "toolSpec": {
        "name": "calculator",
        "description": "Safe arithmetic",
        "inputSchema": {"json": {"type": "object", "properties": {"expression": {"type": "string"}}}},
    }
}
TOOL_USE = {"toolUse": {"toolUseId": "t-1", "name": "calculator", "input": {"expression": "2+2"}}}


def ask(text: str = "What is 2+2?") -> dict[str, Any]:
    return {
        "modelId": MODEL,
        "system": [{"text": "You are careful."}],
        "messages": [{"role": "user", "content": [{"text": text}]}],
        "toolConfig": {"tools": [CALCULATOR], "toolChoice": {"auto": {}}},
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.2},
        "additionalModelRequestFields": {"top_k": 50},
    }


def answer_with_results(status: str = "success") -> dict[str, Any]:
    request = ask()
    request["messages"] += [
        {"role": "assistant", "content": [TOOL_USE]},
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "t-1", "content": [{"json": {"value": 4}}], "status": status}}
            ],
        },
    ]
    return request


def reply(*content: dict[str, Any], stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": list(content)}},
        "stopReason": stop,
        "usage": {"inputTokens": 12, "outputTokens": 7},
    }


SCRIPT = {
    "converse": [
        {
            "expect": {
                "toolNames": ["calculator"],
                "lastUserText": {"contains": "2+2"},
                "system": "You are careful.",
            },
            "response": reply(TOOL_USE, stop="tool_use"),
        },
        {
            "expect": {"toolResults": {"t-1": "success"}, "messages": 3},
            "response": reply({"text": "It is 4 [t-1]."}),
        },
    ],
    "guardrail": [
        {"expect": {"source": "OUTPUT", "text": {"matches": r"\b4\b"}}, "response": {"action": "NONE"}}
    ],
}


# ------------------------------------------------------------------------ the script, called directly
def test_turns_answer_in_order_with_the_emulation_owned_fields_filled_in() -> None:
    script = BedrockScript.load(SCRIPT, label="examples/agent/x.json")

    first = converse.converse(script, ask())
    second = converse.converse(script, answer_with_results())
    guarded = converse.apply_guardrail(
        script,
        {
            "guardrailIdentifier": "g",
            "guardrailVersion": "1",
            "source": "OUTPUT",
            "content": [{"text": {"text": "It is 4"}}],
        },
    )

    assert first["stopReason"] == "tool_use" and first["output"]["message"]["content"] == [TOOL_USE]
    assert first["usage"]["totalTokens"] == 19 and first["metrics"] == {"latencyMs": 0}
    assert second["output"]["message"]["content"] == [{"text": "It is 4 [t-1]."}]
    assert (
        guarded["action"] == "NONE" and guarded["outputs"] == [] and guarded["usage"]["topicPolicyUnits"] == 0
    )
    assert script.problems() == []


def test_a_request_that_does_not_match_the_next_turn_fails_naming_script_turn_and_mismatch() -> None:
    script = BedrockScript.load(SCRIPT, label="examples/agent/x.json")
    converse.converse(script, ask())

    with pytest.raises(BedrockRequestError) as raised:
        converse.converse(script, answer_with_results(status="error"))

    assert raised.value.code == "ValidationException"
    message = raised.value.message
    assert "examples/agent/x.json" in message and "bedrock.converse[1]" in message
    assert "{'t-1': 'error'}, expected {'t-1': 'success'}" in message
    assert script.problems()[0].startswith("Converse request does not match bedrock.converse[1]")


def test_a_call_after_the_script_ran_out_fails_instead_of_making_up_an_answer() -> None:
    script = BedrockScript.load({"converse": [SCRIPT["converse"][0]]}, label="s")
    converse.converse(script, ask())

    with pytest.raises(BedrockRequestError, match=r"Converse call 1 has no scripted turn: the script has 1"):
        converse.converse(script, ask())


def test_turns_never_used_are_reported() -> None:
    script = BedrockScript.load(SCRIPT, label="s")
    converse.converse(script, ask())

    assert script.problems() == [
        "bedrock.converse[1] was never used (Converse called 1 time(s))",
        "bedrock.guardrail[0] was never used (ApplyGuardrail called 0 time(s))",
    ]


def test_without_a_script_the_call_fails_by_name() -> None:
    with pytest.raises(BedrockRequestError, match="only from a script, and this run has none"):
        converse.converse(None, ask())


def test_a_scripted_error_is_raised_with_its_code() -> None:
    script = BedrockScript.load(
        {"converse": [{"error": {"code": "ThrottlingException", "message": "slow down"}}]}
    )

    with pytest.raises(BedrockRequestError) as raised:
        converse.converse(script, ask())

    assert (raised.value.code, raised.value.message) == ("ThrottlingException", "slow down")


def test_concurrent_callers_consume_each_turn_exactly_once_in_order() -> None:
    turns = [{"expect": {}, "response": reply({"text": f"turn {index}"})} for index in range(40)]
    script = BedrockScript.load({"converse": turns})
    answers: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        for _ in range(10):
            text = converse.converse(script, ask())["output"]["message"]["content"][0]["text"]
            with lock:
                answers.append(text)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers, key=lambda text: int(text.split()[1])) == [f"turn {index}" for index in range(40)]
    assert script.problems() == []


# ---------------------------------------------------------------------- requests checked as Bedrock does
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("modelId"), "Missing required parameter"),
        (lambda r: r["messages"][0].update(role="assistant"), "must start with a user message"),
        (lambda r: r.pop("toolConfig"), "toolConfig field must be defined"),
        (lambda r: r["messages"].append({"role": "user", "content": [{"text": "again"}]}), "must alternate"),
        (
            lambda r: r["messages"][2]["content"][0]["toolResult"].update(toolUseId="t-9"),
            r"messages.2.content.0.toolResult.toolUseId 't-9' does not match",
        ),
        (
            lambda r: r["messages"][2]["content"][0]["toolResult"].update(status="error", content=[]),
            "cannot be empty when status value is error",
        ),
    ],
    ids=[
        "no-model",
        "assistant-first",
        "tool-blocks-without-tool-config",
        "same-role-twice",
        "unknown-tool-use-id",
        "empty-error-result",
    ],
)
def test_requests_breaking_the_model_or_bedrocks_rules_are_refused(change: Any, message: str) -> None:
    request = answer_with_results()
    change(request)
    script = BedrockScript.load(SCRIPT)

    with pytest.raises(BedrockRequestError, match=message):
        converse.converse(script, request)
    assert script.problems()[0].startswith("bedrock.converse[0] was never used")


# ---------------------------------------------------------------------------- malformed scripts
@pytest.mark.parametrize(
    ("script", "message"),
    [
        ({"invoke": []}, r"unknown keys \['invoke'\]"),
        ({"converse": [{"expect": {}}]}, r"bedrock.converse\[0\] needs exactly one of 'response' or 'error'"),
        (
            {"converse": [{"expect": {"lastUser": "x"}, "response": reply()}]},
            r"expect has unknown keys \['lastUser'\]",
        ),
        (
            {"converse": [{"expect": {"system": {"startsWith": "x"}}, "response": reply()}]},
            "a text matcher is",
        ),
        (
            {"converse": [{"response": {"stopReason": "end_turn"}}]},
            r"converse\[0\].response is not a Converse response",
        ),
        ({"converse": [{"response": reply({"txt": "x"})}]}, "is not a Converse response"),
        ({"converse": [{"error": {"code": "Boom"}}]}, "code one of"),
        (
            {"guardrail": [{"expect": {"source": "BOTH"}, "response": {"action": "NONE"}}]},
            "'INPUT' or 'OUTPUT'",
        ),
        (
            {"guardrail": [{"response": {"action": "NONE", "outputs": "x"}}]},
            "is not a ApplyGuardrail response",
        ),
    ],
    ids=[
        "unknown-api",
        "no-response",
        "unknown-expect-key",
        "bad-text-matcher",
        "missing-output",
        "unknown-block",
        "unknown-error-code",
        "bad-source",
        "bad-guardrail-outputs",
    ],
)
def test_malformed_scripts_are_refused_when_loaded(script: dict[str, Any], message: str) -> None:
    with pytest.raises(ScriptError, match=message) as raised:
        BedrockScript.load(script, label="examples/agent/bad.json")
    assert str(raised.value).startswith("examples/agent/bad.json")


# ------------------------------------------------------------------- through real handlers in a run
def invoke(state: str, function: str, path: str, next_state: str | None) -> dict[str, Any]:
    step = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": {"Fn::GetAtt": [function, "Arn"]}, "Payload.$": path},
        "ResultSelector": {"result.$": "$.Payload"},
        "ResultPath": f"$.{state}",
    }
    return {**step, "Next": next_state} if next_state else {**step, "End": True}


MACHINE = {
    "StartAt": "Plan",
    "States": {
        "Plan": invoke("Plan", "Chat", "$.plan", "Answer"),
        "Answer": invoke("Answer", "Chat", "$.answer", "Guard"),
        "Guard": invoke("Guard", "Guard", "$.guard", None),
    },
}
RUN_INPUT = {
    "plan": {"request": ask()},
    "answer": {"request": answer_with_results()},
    "guard": {"source": "OUTPUT", "text": "It is 4"},
}


def function(handler: str) -> dict[str, Any]:
    runtime = next(
        resource["Properties"]["Runtime"]
        for resource in probe_template().find_resources("AWS::Lambda::Function").values()
        if "Stepwise:Source" in resource.get("Metadata", {})
    )
    return {
        "Type": "AWS::Lambda::Function",
        "Metadata": {"Stepwise:Source": {"root": str(FIXTURES)}},
        "Properties": {
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Runtime": runtime,
            "Handler": handler,
            "Timeout": 10,
        },
    }


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    resources = {
        "Role": ROLE,
        "Chat": function("chat.handler.converse"),
        "Guard": function("chat.handler.guard"),
    }
    with LocalRunner(asl_template("Converse", MACHINE, resources)) as runner:
        yield runner


def test_handlers_are_answered_from_the_runs_script(runner: LocalRunner) -> None:
    result = runner.run(RUN_INPUT, bedrock=SCRIPT)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["Plan"]["result"]["toolUses"] == [TOOL_USE["toolUse"]]
    assert result.output["Answer"]["result"]["text"] == "It is 4 [t-1]."
    assert result.output["Guard"]["result"] == {"action": "NONE"}
    assert result.bedrock_problems == ()


def test_each_run_gets_the_script_afresh(runner: LocalRunner) -> None:
    script = BedrockScript.load(SCRIPT, label="shared")

    first = runner.run(RUN_INPUT, bedrock=script)
    second = runner.run(RUN_INPUT, bedrock=script)

    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED")


def test_a_mismatch_fails_the_handler_with_a_validation_exception_and_is_reported(
    runner: LocalRunner,
) -> None:
    script = {
        **SCRIPT,
        "converse": [{**SCRIPT["converse"][0], "expect": {"toolNames": ["search_knowledge_base"]}}],
    }

    result = runner.run(RUN_INPUT, bedrock=script)

    assert (result.status, result.error) == ("FAILED", "ValidationException")
    assert "bedrock.converse[0]" in result.cause
    assert "execution " in result.cause  # the script is named after the run
    assert result.bedrock_problems[0].startswith("Converse request does not match bedrock.converse[0]")
    assert "bedrock.guardrail[0] was never used (ApplyGuardrail called 0 time(s))" in result.bedrock_problems


def test_a_scripted_error_reaches_the_handler_as_botocores_modelled_error(runner: LocalRunner) -> None:
    # ModelErrorException (424) is not retried by botocore; a scripted ThrottlingException is, and
    # each of botocore's attempts then takes a turn of the script, as each reaches Bedrock.
    script = {"converse": [{"error": {"code": "ModelErrorException", "message": "The model failed"}}]}

    result = runner.run(RUN_INPUT, bedrock=script)

    assert result.error == "ModelErrorException"
    assert "The model failed" in result.cause
    assert result.bedrock_problems == ()


def test_a_sample_file_carries_the_script_and_names_itself_in_errors(
    runner: LocalRunner, tmp_path: Path
) -> None:
    good = tmp_path / "converse" / "asks.json"
    good.parent.mkdir()
    good.write_text(json.dumps({"input": RUN_INPUT, "bedrock": SCRIPT, "expect": {"status": "SUCCEEDED"}}))
    broken = tmp_path / "converse" / "broken.json"
    script = {"converse": SCRIPT["converse"][:1], "guardrail": SCRIPT["guardrail"]}
    broken.write_text(json.dumps({"input": RUN_INPUT, "bedrock": script, "expect": {"status": "FAILED"}}))

    asks, breaks = Sample.load(good), Sample.load(broken)
    broke = breaks.run(runner)

    assert asks.mismatches(asks.run(runner)) == []
    assert str(broken) in broke.cause and "Converse call 1 has no scripted turn" in broke.cause
    assert breaks.mismatches(broke) == [
        "bedrock script: Converse call 1 has no scripted turn: the script has 1 bedrock.converse turn(s)",
        "bedrock script: bedrock.guardrail[0] was never used (ApplyGuardrail called 0 time(s))",
    ]
