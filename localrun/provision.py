"""Create in moto what a template defines, in dependency order, and record the physical ids."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from localrun import clients
from localrun.engine.compat import adapt, item_batchers
from localrun.intrinsics import CrossStack, Pseudo, Resolver, TemplateError, UnresolvedOutput, references
from localrun.naming import physical_name
from localrun.template import PROJECT_ROOT, SOURCE_METADATA_KEY, StackTemplate


@dataclass(frozen=True)
class PhysicalResource:
    """One template resource as deployed locally: what `Ref` and `Fn::GetAtt` return."""

    logical_id: str
    type: str
    ref: Any
    attributes: Mapping[str, Any]
    construct_path: str
    provisioned: bool

    @property
    def name(self) -> str:
        """The physical name (table, bucket, function, queue, state machine name, ...)."""
        for key in ("Name", "TableName", "BucketName", "FunctionName", "QueueName", "TopicName"):
            if key in self.attributes:
                return str(self.attributes[key])
        return str(self.ref)

    @property
    def arn(self) -> str | None:
        value = self.attributes.get("Arn")
        return None if value is None else str(value)


@dataclass(frozen=True)
class FunctionSpec:
    """What the in-process Lambda runtime needs to run one function's handler."""

    logical_id: str
    construct_path: str
    name: str
    arn: str
    handler: str
    runtime: str
    source_root: Path | None
    environment: Mapping[str, str]
    memory_mb: int
    timeout_seconds: int
    log_group: str

    def matches(self, target: str) -> bool:
        """True if `target` names this function: logical id, physical name, handler or construct."""
        construct = self.construct_path.removesuffix("/Resource").removesuffix("/Function")
        return target in {self.logical_id, self.name, self.handler, self.construct_path, construct}


@dataclass
class Deployment:
    """Everything provisioned for one stack."""

    stack: StackTemplate
    pseudo: Pseudo
    resources: dict[str, PhysicalResource] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    adaptations: dict[str, list[str]] = field(default_factory=dict)
    # Map states' `ItemBatcher` by state machine logical id, then state name (moto cannot parse them).
    item_batchers: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # What the stack could read of the stacks provisioned before it, and its own Outputs: every
    # one by logical id (an `UnresolvedOutput` where localrun cannot resolve it), exported ones by
    # export name.
    imports: CrossStack = field(default_factory=CrossStack)
    outputs: dict[str, Any] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)


Client = Callable[[str], Any]
Provisioner = Callable[["_Context", str, dict[str, Any]], PhysicalResource]


@dataclass
class _Context:
    deployment: Deployment
    client: Client
    resolver: Resolver

    @property
    def pseudo(self) -> Pseudo:
        return self.deployment.pseudo

    def name(self, logical_id: str, resource_type: str, *, fifo: bool = False) -> str:
        return physical_name(self.pseudo.stack_name, logical_id, resource_type, fifo=fifo)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return ":".join(
            [
                "arn",
                self.pseudo.partition,
                service,
                self.pseudo.region if region else "",
                self.pseudo.account_id if account else "",
                resource,
            ]
        )

    def resource(
        self, logical_id: str, ref: Any, provisioned: bool = True, **attributes: Any
    ) -> PhysicalResource:
        resource_type = self.deployment.stack.resources[logical_id]["Type"]
        return PhysicalResource(
            logical_id=logical_id,
            type=resource_type,
            ref=ref,
            attributes=attributes,
            construct_path=self.deployment.stack.construct_path(logical_id),
            provisioned=provisioned,
        )


def provision(
    stack: StackTemplate, pseudo: Pseudo, client: Client, imports: CrossStack | None = None
) -> Deployment:
    """Create every supported resource of `stack` in moto; placeholders for the rest.

    `imports` are the outputs and exports of the stacks provisioned before (`Fn::ImportValue` and
    `Fn::GetStackOutput` read them); the stack's own end up in `Deployment.outputs`/`exports`.
    """
    deployment = Deployment(stack=stack, pseudo=pseudo, imports=imports or CrossStack())
    template = stack.template
    parameters = {name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()}
    resolver = Resolver(
        ref=lambda logical_id: _lookup(deployment, logical_id).ref,
        get_att=lambda logical_id, attribute: _attribute(deployment, logical_id, attribute),
        pseudo=pseudo,
        parameters=parameters,
        conditions=template.get("Conditions", {}),
        mappings=template.get("Mappings", {}),
        cross_stack=deployment.imports,
    )
    context = _Context(deployment=deployment, client=client, resolver=resolver)
    for logical_id in _dependency_order(stack):
        resource = stack.resources[logical_id]
        condition = resource.get("Condition")
        if condition and not resolver.resolve({"Condition": condition}):
            continue
        provisioner = PROVISIONERS.get(resource["Type"])
        if provisioner is None:
            deployment.resources[logical_id] = _placeholder(context, logical_id, resource)
            continue
        properties = resolver.resolve(resource.get("Properties", {})) or {}
        deployment.resources[logical_id] = provisioner(context, logical_id, properties)
    _record_outputs(deployment, resolver)
    return deployment


def _record_outputs(deployment: Deployment, resolver: Resolver) -> None:
    """The stack's Outputs by logical id, and the exported ones by export name. A value localrun
    cannot resolve is kept as `UnresolvedOutput` (an error only for a stack that reads it); an
    export name another stack already exports is refused, as CloudFormation refuses it."""
    for output_id, output in deployment.stack.template.get("Outputs", {}).items():
        condition = output.get("Condition")
        if condition and not resolver.resolve({"Condition": condition}):
            continue
        try:
            value = resolver.resolve(output.get("Value"))
        except TemplateError as error:
            value = UnresolvedOutput(str(error))
        deployment.outputs[output_id] = value
        if "Export" not in output:
            continue
        name = resolver.resolve(output["Export"]["Name"])
        if name in deployment.imports.exports or name in deployment.exports:
            raise TemplateError(
                f"Outputs.{output_id}: Export with name {name} is already exported by another stack"
            )
        deployment.exports[name] = value


def _lookup(deployment: Deployment, logical_id: str) -> PhysicalResource:
    try:
        return deployment.resources[logical_id]
    except KeyError:
        raise TemplateError(f"reference to unknown or unprovisioned resource {logical_id}") from None


def _attribute(deployment: Deployment, logical_id: str, attribute: str) -> Any:
    resource = _lookup(deployment, logical_id)
    if attribute not in resource.attributes:
        raise TemplateError(
            f"Fn::GetAtt {logical_id}.{attribute}: attribute not available for {resource.type} in localrun"
        )
    return resource.attributes[attribute]


def _dependency_order(stack: StackTemplate) -> list[str]:
    resources = stack.resources
    pending: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        explicit = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        found = references(resource.get("Properties", {})) | explicit
        pending[logical_id] = {item for item in found if item in resources and item != logical_id}
    order: list[str] = []
    ready = sorted(logical_id for logical_id, needs in pending.items() if not needs)
    while ready:
        current = ready.pop(0)
        order.append(current)
        for logical_id, needs in pending.items():
            if current in needs:
                needs.discard(current)
                if not needs and logical_id not in order and logical_id not in ready:
                    ready.append(logical_id)
    if len(order) != len(resources):
        cycle = sorted(set(resources) - set(order))
        raise TemplateError(f"circular references between resources: {', '.join(cycle)}")
    return order


def _placeholder(context: _Context, logical_id: str, resource: Mapping[str, Any]) -> PhysicalResource:
    """A resource localrun does not create: a stable name and ARN so references still resolve."""
    resource_type = resource["Type"]
    name = context.name(logical_id, resource_type)
    service = resource_type.split("::")[1].lower() if "::" in resource_type else "custom"
    arn = context.arn(service, name)
    return context.resource(logical_id, name, provisioned=False, Arn=arn, Name=name)


def _iam_role(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("RoleName") or context.name(logical_id, "AWS::IAM::Role")
    role = context.client("iam").create_role(
        RoleName=name,
        Path=properties.get("Path", "/"),
        AssumeRolePolicyDocument=json.dumps(properties.get("AssumeRolePolicyDocument", {})),
        Description=properties.get("Description", ""),
    )["Role"]
    return context.resource(logical_id, name, Arn=role["Arn"], RoleId=role["RoleId"])


def _kms_key(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    key = context.client("kms").create_key(Description=properties.get("Description", ""))["KeyMetadata"]
    return context.resource(logical_id, key["KeyId"], Arn=key["Arn"], KeyId=key["KeyId"])


def _log_group(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("LogGroupName") or context.name(logical_id, "AWS::Logs::LogGroup")
    logs = context.client("logs")
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in properties:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(properties["RetentionInDays"]))
    return context.resource(logical_id, name, Arn=context.arn("logs", f"log-group:{name}:*"))


def _bucket(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("BucketName") or context.name(logical_id, "AWS::S3::Bucket")
    s3 = context.client("s3")
    region = context.pseudo.region
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if properties.get("VersioningConfiguration", {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    suffix = context.pseudo.url_suffix
    return context.resource(
        logical_id,
        name,
        BucketName=name,
        Arn=f"arn:{context.pseudo.partition}:s3:::{name}",
        DomainName=f"{name}.s3.{suffix}",
        RegionalDomainName=f"{name}.s3.{region}.{suffix}",
        WebsiteURL=f"http://{name}.s3-website-{region}.{suffix}",
    )


def _table(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    resource_type = context.deployment.stack.resources[logical_id]["Type"]
    name = properties.get("TableName") or context.name(logical_id, resource_type)
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
    }
    on_demand = properties.get("BillingMode", "PROVISIONED") == "PAY_PER_REQUEST"
    throughput = properties.get("ProvisionedThroughput") or {
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 5,
    }
    if on_demand:
        request["BillingMode"] = "PAY_PER_REQUEST"
    else:
        request["ProvisionedThroughput"] = throughput
    indexes = [_index(index, on_demand, throughput) for index in properties.get("GlobalSecondaryIndexes", [])]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    local_indexes = properties.get("LocalSecondaryIndexes", [])
    if local_indexes:
        request["LocalSecondaryIndexes"] = [
            {key: index[key] for key in ("IndexName", "KeySchema", "Projection")} for index in local_indexes
        ]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    dynamodb = context.client("dynamodb")
    table = dynamodb.create_table(**request)["TableDescription"]
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    attributes = {"Arn": table["TableArn"], "TableName": name, "TableId": table.get("TableId")}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    return context.resource(logical_id, name, **attributes)


def _index(index: Mapping[str, Any], on_demand: bool, throughput: Mapping[str, Any]) -> dict[str, Any]:
    result = {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
    if not on_demand:
        result["ProvisionedThroughput"] = index.get("ProvisionedThroughput", throughput)
    return result


def _topic(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    fifo = str(properties.get("FifoTopic", "false")).lower() == "true"
    name = properties.get("TopicName") or context.name(logical_id, "AWS::SNS::Topic", fifo=fifo)
    attributes = {"FifoTopic": "true"} if fifo else {}
    if properties.get("DisplayName"):
        attributes["DisplayName"] = properties["DisplayName"]
    arn = context.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
    return context.resource(logical_id, arn, TopicArn=arn, TopicName=name, Arn=arn)


_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "ContentBasedDeduplication",
    "FifoQueue",
)


def _queue(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    fifo = str(properties.get("FifoQueue", "false")).lower() == "true"
    name = properties.get("QueueName") or context.name(logical_id, "AWS::SQS::Queue", fifo=fifo)
    attributes = {
        key: str(properties[key]).lower() if isinstance(properties[key], bool) else str(properties[key])
        for key in _QUEUE_ATTRIBUTES
        if key in properties
    }
    if "RedrivePolicy" in properties:
        attributes["RedrivePolicy"] = json.dumps(properties["RedrivePolicy"])
    sqs = context.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return context.resource(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)


def _event_bus(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties["Name"]
    arn = context.client("events").create_event_bus(Name=name)["EventBusArn"]
    return context.resource(logical_id, name, Arn=arn, Name=name)


def _vector_bucket(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("VectorBucketName") or context.name(logical_id, "AWS::S3Vectors::VectorBucket")
    client = context.client("s3vectors")
    client.create_vector_bucket(vectorBucketName=name)
    arn = client.get_vector_bucket(vectorBucketName=name)["vectorBucket"]["vectorBucketArn"]
    return context.resource(logical_id, arn, VectorBucketArn=arn, Arn=arn, Name=name)


def _vector_index(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("IndexName") or context.name(logical_id, "AWS::S3Vectors::Index")
    bucket = properties.get("VectorBucketName") or str(properties["VectorBucketArn"]).rsplit("/", 1)[1]
    request: dict[str, Any] = {
        "vectorBucketName": bucket,
        "indexName": name,
        "dataType": properties.get("DataType", "float32"),
        "dimension": int(properties["Dimension"]),
        "distanceMetric": properties.get("DistanceMetric", "cosine"),
    }
    client = context.client("s3vectors")
    client.create_index(**request)
    arn = client.get_index(vectorBucketName=bucket, indexName=name)["index"]["indexArn"]
    return context.resource(logical_id, arn, IndexArn=arn, Arn=arn, Name=name)


def _ssm_parameter(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("Name") or f"CFN-{context.name(logical_id, 'AWS::SSM::Parameter')}"
    context.client("ssm").put_parameter(
        Name=name, Value=str(properties["Value"]), Type=properties.get("Type", "String")
    )
    return context.resource(
        logical_id, name, Type=properties.get("Type", "String"), Value=properties["Value"]
    )


_STACK_SET_OPTIONS = (
    "Description",
    "Capabilities",
    "Tags",
    "AdministrationRoleARN",
    "ExecutionRoleName",
    "PermissionModel",
    "AutoDeployment",
    "CallAs",
    "ManagedExecution",
)


def _stack_set(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    """A StackSet with its template and parameters, and the instances of its StackInstancesGroup."""
    name = properties.get("StackSetName") or context.name(logical_id, "AWS::CloudFormation::StackSet")
    request: dict[str, Any] = {
        "StackSetName": name,
        "Parameters": _parameters(properties.get("Parameters", [])),
        **{key: properties[key] for key in _STACK_SET_OPTIONS if key in properties},
    }
    if "TemplateBody" in properties:
        request["TemplateBody"] = (
            properties["TemplateBody"]
            if isinstance(properties["TemplateBody"], str)
            else json.dumps(properties["TemplateBody"])
        )
    elif "TemplateURL" in properties:
        request["TemplateURL"] = properties["TemplateURL"]
    cloudformation = context.client("cloudformation")
    try:
        stack_set_id = cloudformation.create_stack_set(**request)["StackSetId"]
    except ClientError as error:
        if "TemplateURL" not in request:
            raise
        # The template lives in an S3 bucket this stack does not create (e.g. CDK's asset bucket).
        resource = _placeholder(context, logical_id, context.deployment.stack.resources[logical_id])
        context.deployment.notes[logical_id] = f"StackSet not created: {error}"
        return resource
    self_managed = properties.get("PermissionModel", "SELF_MANAGED") == "SELF_MANAGED"
    for group in properties.get("StackInstancesGroup", []):
        targets = dict(group.get("DeploymentTargets", {}))
        instances: dict[str, Any] = {
            "StackSetName": name,
            "Regions": group["Regions"],
            "ParameterOverrides": _parameters(group.get("ParameterOverrides", [])),
        }
        if self_managed:
            instances["Accounts"] = targets.get("Accounts", [])
        else:
            instances["DeploymentTargets"] = targets
        cloudformation.create_stack_instances(**instances)
    return context.resource(logical_id, stack_set_id, StackSetId=stack_set_id, Name=name)


def _parameters(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"ParameterKey": item["ParameterKey"], "ParameterValue": _parameter_value(item["ParameterValue"])}
        for item in items
    ]


def _parameter_value(value: Any) -> str:
    """CloudFormation passes parameter values as strings (lists comma-separated)."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _function(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("FunctionName") or context.name(logical_id, "AWS::Lambda::Function")
    environment = {
        key: str(value) for key, value in properties.get("Environment", {}).get("Variables", {}).items()
    }
    request: dict[str, Any] = {
        "FunctionName": name,
        "Role": properties["Role"],
        "Runtime": properties.get("Runtime", "python3.12"),
        "Handler": properties.get("Handler", "index.handler"),
        "Code": {"ZipFile": _empty_zip()},
        "Timeout": int(properties.get("Timeout", 3)),
        "MemorySize": int(properties.get("MemorySize", 128)),
        "Environment": {"Variables": environment},
    }
    if properties.get("Architectures"):
        request["Architectures"] = properties["Architectures"]
    arn = context.client("lambda").create_function(**request)["FunctionArn"]
    log_group = properties.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{name}"
    metadata = context.deployment.stack.resources[logical_id].get("Metadata", {})
    source = metadata.get(SOURCE_METADATA_KEY)
    context.deployment.functions[name] = FunctionSpec(
        logical_id=logical_id,
        construct_path=context.deployment.stack.construct_path(logical_id),
        name=name,
        arn=arn,
        handler=request["Handler"],
        runtime=request["Runtime"],
        source_root=(PROJECT_ROOT / source["root"]).resolve() if source else None,
        environment=environment,
        memory_mb=request["MemorySize"],
        timeout_seconds=request["Timeout"],
        log_group=log_group,
    )
    return context.resource(logical_id, name, Arn=arn, FunctionName=name)


@cache
def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "code runs in-process through localrun")
    return buffer.getvalue()


def _state_machine(context: _Context, logical_id: str, properties: dict[str, Any]) -> PhysicalResource:
    name = properties.get("StateMachineName") or context.name(logical_id, "AWS::StepFunctions::StateMachine")
    source = _definition(properties)
    definition, notes = adapt(source)
    if notes:
        context.deployment.adaptations[logical_id] = notes
    batchers = item_batchers(source)
    if batchers:
        context.deployment.item_batchers[logical_id] = batchers
    request: dict[str, Any] = {
        "name": name,
        "definition": definition,
        "roleArn": properties["RoleArn"],
        "type": properties.get("StateMachineType", "STANDARD"),
    }
    arn = context.client("stepfunctions").create_state_machine(**request)["stateMachineArn"]
    context.deployment.state_machines[logical_id] = arn
    return context.resource(logical_id, arn, Arn=arn, Name=name, StateMachineName=name)


def _definition(properties: Mapping[str, Any]) -> str:
    if "DefinitionString" in properties:
        text = str(properties["DefinitionString"])
    elif "Definition" in properties:
        text = json.dumps(properties["Definition"])
    else:
        raise TemplateError("state machine without Definition/DefinitionString (S3 not supported)")
    for key, value in properties.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + key + "}", str(value))
    return text


PROVISIONERS: dict[str, Provisioner] = {
    "AWS::IAM::Role": _iam_role,
    "AWS::KMS::Key": _kms_key,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::DynamoDB::GlobalTable": _table,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::Events::EventBus": _event_bus,
    "AWS::S3Vectors::VectorBucket": _vector_bucket,
    "AWS::S3Vectors::Index": _vector_index,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::Lambda::Function": _function,
    "AWS::StepFunctions::StateMachine": _state_machine,
    "AWS::CloudFormation::StackSet": _stack_set,
}


def boto_client_factory(region: str) -> Client:
    """boto3 clients bound to `region` (credentials come from moto's environment)."""
    return lambda service: clients.client(service, region)
