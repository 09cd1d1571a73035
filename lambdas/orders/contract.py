"""What the order saga's construct and its handlers agree on: handlers, environment, keys, attributes.

Import-free by rule (tests/quality/test_contracts.py): the stacks load this very file by path
(`stacks.common.contracts.handler_contract("orders")`), the handlers import it as `orders.contract`.
"""

from __future__ import annotations

# ---------------------------------------------------------------- handler modules (lambdas/orders/)
VALIDATE_HANDLER = "validate.handler"
REQUEST_APPROVAL_HANDLER = "request_approval.handler"
AWAIT_OPERATOR_HANDLER = "await_operator.handler"
CHARGE_HANDLER = "charge.handler"
REFUND_HANDLER = "refund.handler"
CREATE_SHIPMENT_HANDLER = "ship.handler"
CANCEL_SHIPMENT_HANDLER = "cancel_shipment.handler"

# ------------------------------------------------------------------------- environment variables
STATUS_TABLE_ENV = "STATUS_TABLE"
PERSONAL_DATA_TABLE_ENV = "PERSONAL_DATA_TABLE"
CATALOG_TABLE_ENV = "CATALOG_TABLE"
SPEND_TABLE_ENV = "SPEND_TABLE"
SPEND_WINDOW_ENV = "SPEND_WINDOW_SECONDS"
LEDGER_TABLE_ENV = "LEDGER_TABLE"
PAYMENT_ADAPTER_ENV = "PAYMENT_ADAPTER"
CURRENCIES_ENV = "CURRENCIES"  # JSON: {code: {"minorUnits", "approvalThreshold"}}
MAX_ITEMS_ENV = "MAX_ITEMS"
MAX_QUANTITY_ENV = "MAX_QUANTITY"
IDEMPOTENCY_TABLE_ENV = "IDEMPOTENCY_TABLE"
IDEMPOTENCY_TTL_ENV = "IDEMPOTENCY_TTL_SECONDS"
SHIPMENTS_TABLE_ENV = "SHIPMENTS_TABLE"
SHIPPING_COUNTRIES_ENV = "SHIPPING_COUNTRIES"  # comma-separated ISO 3166-1 alpha-2 codes
APPROVAL_TOKEN_KEY_ENV = "APPROVAL_TOKEN_KEY"
APPROVAL_TOPIC_ENV = "APPROVAL_TOPIC_ARN"
APPROVAL_TIMEOUT_ENV = "APPROVAL_TIMEOUT_SECONDS"
OPERATOR_TOKEN_KEY_ENV = "OPERATOR_TOKEN_KEY"
PARKED_TIMEOUT_ENV = "PARKED_TIMEOUT_SECONDS"

# ------------------------------------------------------------------------------------ table keys
ORDER_KEY = "orderId"  # status, personal data and shipments tables
SKU_KEY = "sku"  # inventory and catalog tables
SPEND_KEYS = ("customerId", "currency")  # customer spend table (partition, sort)
LEDGER_KEYS = ("pk", "sk")  # payment ledger table (partition, sort)
IDEMPOTENCY_KEY = "id"
SPEND_TTL_ATTRIBUTE = "expiresAt"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"

# ----------------------------------------------------------- task tokens on a status item
# The KMS encryption context a stored token is bound to: the order and the execution that issued it.
TOKEN_CONTEXT_KEYS = ("orderId", "executionId")
# What the approval tool may write: the decision and who made it, conditioned on the token.
APPROVAL_ATTRIBUTES = (
    "orderId",
    "approvalTokenCiphertext",
    "approvalDecision",
    "approvalReviewer",
    "approvalReviewerId",
    "approvalComment",
    "approvalDecidedAt",
)
# What the parked-order tool may write: the answer and who gave it, conditioned on the token.
OPERATOR_ATTRIBUTES = (
    "orderId",
    "parkedTokenCiphertext",
    "parkedDecision",
    "parkedOperator",
    "parkedOperatorId",
    "parkedComment",
    "parkedDecidedAt",
)
# Every status change of the saga removes these (the task that stored the token is over).
TOKEN_ATTRIBUTES = ("approvalTokenCiphertext", "parkedTokenCiphertext")
