"""What the agent workflow's construct and its handlers agree on: environment, layout, keys, errors.

Import-free by rule (tests/quality/test_contracts.py): the stacks load this very file by path
(`stacks.common.contracts.handler_contract("agent")`), the handlers import it as `agent.contract`.
"""

from __future__ import annotations

# ---------------------------------------------------------------- handler modules (lambdas/agent/)
VALIDATE_HANDLER = "validate.handler"
GUARD_HANDLER = "guard.handler"
PLAN_HANDLER = "plan.handler"
CHECK_CIRCUIT_HANDLER = "check_circuit.handler"
RECORD_TOOL_OUTCOME_HANDLER = "record_tool_outcome.handler"
AGGREGATE_HANDLER = "aggregate.handler"
REQUEST_APPROVAL_HANDLER = "request_approval.handler"
PUBLISH_HANDLER = "publish.handler"
RECORD_OUTCOME_HANDLER = "record_outcome.handler"
# One Lambda per tool, each with only its own permissions: tool name -> handler.
TOOL_HANDLERS = {
    "search_knowledge_base": "tools.search_knowledge_base.handler",
    "lookup_order": "tools.lookup_order.handler",
    "fetch_url": "tools.fetch_url.handler",
    "calculator": "tools.calculator.handler",
}

# ------------------------------------------------------------------------- environment variables
RUNS_BUCKET_ENV = "RUNS_BUCKET"  # conversations, tool results, drafts, reports, published answers
REQUESTS_TABLE_ENV = "REQUESTS_TABLE"  # one item per requestId: status, usage, encrypted approval token
BREAKERS_TABLE_ENV = "BREAKERS_TABLE"  # one item per tool: circuit state
IDEMPOTENCY_TABLE_ENV = "IDEMPOTENCY_TABLE"  # Powertools idempotency of Publish
IDEMPOTENCY_TTL_ENV = "IDEMPOTENCY_TTL_SECONDS"  # how long Publish remembers a requestId's result
EVENT_BUS_ENV = "EVENT_BUS_NAME"
APPROVAL_TOPIC_ENV = "APPROVAL_TOPIC_ARN"
APPROVAL_TOKEN_KEY_ENV = "APPROVAL_TOKEN_KEY"
APPROVAL_TIMEOUT_ENV = "APPROVAL_TIMEOUT_SECONDS"
MODEL_ID_ENV = "MODEL_ID"
INFERENCE_CONFIG_ENV = "INFERENCE_CONFIG"  # JSON: {"maxTokens", "temperature", "topP"?}
SYSTEM_PROMPT_ENV = "SYSTEM_PROMPT"
PRICES_ENV = "MODEL_PRICES"  # JSON: {"inputPer1kTokens": float, "outputPer1kTokens": float} (USD)
LIMITS_ENV = "AGENT_LIMITS"  # JSON: configured maxima, see LIMIT_KEYS
ENABLED_TOOLS_ENV = "ENABLED_TOOLS"  # comma-separated tool names deployed in this environment
GUARDRAIL_ID_ENV = "GUARDRAIL_ID"  # absent when no guardrail is configured
GUARDRAIL_VERSION_ENV = "GUARDRAIL_VERSION"
BREAKER_ENV = (
    "CIRCUIT_BREAKER"  # JSON: {"failureThreshold", "windowSeconds", "coolDownSeconds", "maxWaitSeconds"}
)
PLAN_CORRECTIONS_ENV = "PLAN_CORRECTIONS"  # how many times a bad plan goes back to the model (1)
# Tools
VECTOR_BUCKET_ENV = "VECTOR_BUCKET_NAME"
VECTOR_INDEX_ARN_ENV = "VECTOR_INDEX_ARN"  # QueryVectors accepts the index ARN instead of both names
VECTOR_INDEX_ENV = "VECTOR_INDEX_NAME"
EMBEDDING_MODEL_ENV = "EMBEDDING_MODEL_ID"
EMBEDDING_DIMENSIONS_ENV = "EMBEDDING_DIMENSIONS"
ORDERS_TABLE_ENV = "ORDERS_STATUS_TABLE"
FETCH_ALLOWED_HOSTS_ENV = "FETCH_ALLOWED_HOSTS"
FETCH_MAX_BYTES_ENV = "FETCH_MAX_BYTES"
FETCH_TIMEOUT_ENV = "FETCH_TIMEOUT_SECONDS"

# --------------------------------------------------------------------------------- request limits
LIMIT_KEYS = ("maxRounds", "maxTokens", "maxCostUsd", "maxRevisions", "maxToolCallsPerRound")

# ------------------------------------------------------------------------------ runs bucket layout
CONVERSATIONS_PREFIX = "conversations/"  # conversations/<requestId>.json: the Converse message list
TOOL_RESULTS_PREFIX = "tool-results/"  # tool-results/<requestId>/<round>/<toolUseId>.json
DRAFTS_PREFIX = "drafts/"  # drafts/<requestId>/<revision>.json
REPORTS_PREFIX = "reports/"  # reports/<requestId>.json: the run report (partial when the run failed)
ANSWERS_PREFIX = "answers/"  # answers/<requestId>/v<version>.json: published answers, never overwritten


def conversation_key(request_id: str) -> str:
    return f"{CONVERSATIONS_PREFIX}{request_id}.json"


def tool_result_key(request_id: str, round_number: int, tool_use_id: str) -> str:
    return f"{TOOL_RESULTS_PREFIX}{request_id}/{round_number:02d}/{tool_use_id}.json"


def draft_key(request_id: str, revision: int) -> str:
    return f"{DRAFTS_PREFIX}{request_id}/{revision:02d}.json"


def report_key(request_id: str) -> str:
    return f"{REPORTS_PREFIX}{request_id}.json"


def answer_key(request_id: str, version: int) -> str:
    return f"{ANSWERS_PREFIX}{request_id}/v{version}.json"


# ------------------------------------------------------------------------------------ table keys
REQUESTS_KEY = "requestId"
BREAKERS_KEY = "tool"
# Circuit states stored in the breakers table's `state` attribute.
CIRCUIT_CLOSED = "CLOSED"
CIRCUIT_OPEN = "OPEN"
CIRCUIT_HALF_OPEN = "HALF_OPEN"
# What check_circuit decides for one planned call.
CALL = "call"
PROBE = "probe"
WAIT = "wait"
SKIP = "skip"

# ---------------------------------------------------------------------------------------- events
EVENT_SOURCE = "stepwise.agent"
ANSWER_PUBLISHED = "AnswerPublished"

# ------------------------------------------------------------------ error names (lambdas/agent/errors.py)
INVALID_REQUEST = "InvalidRequest"
DUPLICATE_REQUEST = "DuplicateRequest"
INVALID_PLAN = "InvalidPlan"
BUDGET_EXCEEDED = "BudgetExceeded"
GUARDRAIL_BLOCKED = "GuardrailBlocked"
MODEL_UNAVAILABLE = "ModelUnavailable"
TOOL_FAILED = "ToolFailed"
# Run outcomes a reviewer or requester caused (Fail states that are business outcomes, not pages).
REJECTED = "Rejected"
APPROVAL_TIMED_OUT = "ApprovalTimedOut"
# Ends that are the request, the model's plan, the budget, the guardrail or the reviewer saying no:
# recorded and counted, but they page nobody (the graph's named Fail states, RecordOutcome's outcomes).
BUSINESS_OUTCOMES = (
    INVALID_REQUEST,
    DUPLICATE_REQUEST,
    INVALID_PLAN,
    BUDGET_EXCEEDED,
    GUARDRAIL_BLOCKED,
    REJECTED,
    APPROVAL_TIMED_OUT,
)
# Any other end: recorded, and it pages.
AGENT_FAILED = "AgentFailed"
