"""Return the registry record of a tenant whose id is already claimed (the idempotent answer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import clients, environment
from shared.errors import InvalidInput, TaskError
from shared.task import logger, task_handler
from tenants import contract


class TenantRecordMissing(TaskError):
    """The claim said the tenant exists but the registry has no record (deleted in between)."""


def plain(value: Any) -> Any:
    """DynamoDB document values as JSON: numbers to int/float, sets to sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    return value


@task_handler
def handler(event_input: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tenant_id = event_input.get("tenantId")
    execution_id = event_input.get("executionId")
    if not isinstance(tenant_id, str) or not isinstance(execution_id, str):
        raise InvalidInput("lookup needs 'tenantId' and 'executionId' strings")
    table = clients.resource("dynamodb").Table(environment.text(contract.REGISTRY_TABLE_ENV))
    item = table.get_item(Key={contract.REGISTRY_KEY: tenant_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise TenantRecordMissing(f"tenant {tenant_id} was claimed but has no registry record")
    record = plain(item)
    own_claim = (
        record.get(contract.EXECUTION_ATTRIBUTE) == execution_id
        and record.get(contract.STATUS_ATTRIBUTE) == contract.PROVISIONING
    )
    logger.info(
        "tenant already registered",
        extra={"tenantId": tenant_id, "status": record.get(contract.STATUS_ATTRIBUTE), "ownClaim": own_claim},
    )
    return {"created": False, "ownClaim": own_claim, "tenant": record}
