"""What the tenants workflow's construct and its handlers agree on: environment, registry keys, tags, errors.

Import-free by rule (tests/quality/test_contracts.py): the stacks load this very file by path
(`stacks.common.contracts.handler_contract("tenants")`), the handlers import it as `tenants.contract`.
"""

from __future__ import annotations

# -------------------------------------------------------------- handler modules (lambdas/tenants/)
VALIDATE_HANDLER = "validate.handler"
LOOKUP_HANDLER = "lookup.handler"
RECONCILE_HANDLER = "reconcile.handler"

# ------------------------------------------------------------------------- environment variables
TENANT_TIERS_ENV = "TENANT_TIERS"  # JSON: tier name -> tier defaults seeded into the registry
ALLOWED_OU_IDS_ENV = "ALLOWED_OU_IDS"  # comma-separated OUs a request may name (empty: any)
RESERVED_OU_IDS_ENV = "RESERVED_OU_IDS"  # comma-separated: quarantine and suspended OUs, never requested
ALLOWED_EMAIL_DOMAINS_ENV = "ALLOWED_EMAIL_DOMAINS"  # comma-separated, lower case (empty: any)
REGISTRY_TABLE_ENV = "REGISTRY_TABLE"
ACCOUNT_ACCESS_ROLE_ENV = "ACCOUNT_ACCESS_ROLE_NAME"  # the role CreateAccount makes in the account

# ------------------------------------------------------------------------- registry table
REGISTRY_KEY = "tenantId"  # partition key
STATUS_ATTRIBUTE = "status"
STATUS_INDEX = "byStatus"  # partition `status`, sort `tenantId`
EXECUTION_ATTRIBUTE = "executionId"  # the execution that holds the claim
CLAIMED_AT_ATTRIBUTE = "claimedAt"  # ISO 8601, the claim's state entered time
# Values of `status`.
PROVISIONING = "PROVISIONING"
ACTIVE = "ACTIVE"
FAILED = "FAILED"

# ------------------------------------------------------------------------------ account tags
TENANT_TAG = "stepwise:tenant"  # on every account the workflow creates: the tenant id
TIER_TAG = "stepwise:tier"
RESERVED_TAG_PREFIXES = ("aws:", "stepwise:")  # a request's own tags may not use them

# -------------------------------------------------- error names (classes in lambdas/tenants/reconcile.py)
# The state machine retries or catches these by name.
ACCOUNT_REQUEST_UNCONFIRMED = "AccountRequestUnconfirmed"
ACCOUNT_REQUEST_PENDING = "AccountRequestPending"
EMAIL_BELONGS_TO_ANOTHER_ACCOUNT = "EmailBelongsToAnotherAccount"
