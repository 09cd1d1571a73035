"""Stepwise-<env>-Tenants: composes the TenantProvisioning construct and publishes what scripts need."""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnOutput
from constructs import Construct

from stacks.common import WorkflowStack
from stacks.config import EnvironmentConfig
from stacks.tenants.construct import TenantProvisioning, TenantProvisioningProps


class TenantProvisioningStack(WorkflowStack):
    """Deploy into the organization's management account: only it may call CreateAccount."""

    WORKFLOW_NAME = "Tenants"

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, self.WORKFLOW_NAME, config.platform)
        self.tenants = TenantProvisioning(
            self,
            "Workflow",
            TenantProvisioningProps(
                platform=config.platform, settings=config.tenants, alarm_topic=self.alarm_topic
            ),
        )
        # Read by scripts/tenants (retire, sweep, retry_baseline) to find the deployed resources.
        tenants = config.tenants
        tiers = {name: tier.model_dump(by_alias=True) for name, tier in tenants.tiers.items()}
        outputs = {
            "RegistryTableName": self.tenants.registry.table_name,
            "StateMachineArn": self.tenants.state_machine.state_machine_arn,
            "NotificationTopicArn": self.tenants.notifications.topic_arn,
            "BaselineStackSets": ",".join(self.tenants.stack_set_names.values()),
            "QuarantineOuId": config.tenants.quarantine_ou_id,
            "SuspendedOuId": config.tenants.suspended_ou_id,
            "BaselineRegions": ",".join(tenants.baseline.regions) or Aws.REGION,
            "TierDefaults": json.dumps(tiers, sort_keys=True, separators=(",", ":")),
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
