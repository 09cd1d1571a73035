"""Resolve CloudFormation intrinsics in a template to realistic literal values, offline.

A synthesized state machine definition is an `Fn::Join` over tokens (`Fn::GetAtt`, `Ref`, pseudo
parameters). Validators need a plain ASL document, and rules need to tell a Lambda function ARN from
a table name, so each token becomes what CloudFormation would give for that resource type: a Lambda
`Fn::GetAtt [F, Arn]` becomes `arn:aws:lambda:<region>:<account>:function:F`, a table `Ref` its name,
a queue `Ref` its URL, and so on. Unknown types fall back to the logical id (names) or a generic ARN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
PARTITION = "aws"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"

# `Ref` of these types returns an ARN, a URL or an id rather than the resource's name.
_REF_FORMS: dict[str, str] = {
    "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{id}",
    "AWS::SQS::Queue": "https://sqs.{r}.amazonaws.com/{a}/{id}",
    "AWS::StepFunctions::StateMachine": "arn:{p}:states:{r}:{a}:stateMachine:{id}",
    "AWS::StepFunctions::Activity": "arn:{p}:states:{r}:{a}:activity:{id}",
    "AWS::Lambda::Alias": "arn:{p}:lambda:{r}:{a}:function:{id}:live",
    "AWS::Lambda::Version": "arn:{p}:lambda:{r}:{a}:function:{id}:1",
    "AWS::Lambda::LayerVersion": "arn:{p}:lambda:{r}:{a}:layer:{id}:1",
    "AWS::SecretsManager::Secret": "arn:{p}:secretsmanager:{r}:{a}:secret:{id}-AbCdEf",
    "AWS::KMS::Key": KEY_ID,
    "AWS::S3::Bucket": "{lower}",
    "AWS::SageMaker::Workteam": "arn:{p}:sagemaker:{r}:{a}:workteam/private-crowd/{lower}",
    "AWS::IAM::ManagedPolicy": "arn:{p}:iam::{a}:policy/{id}",
}

# `Fn::GetAtt [X, Arn]` per type; other types get `arn:<p>:<service>:<r>:<a>:<type>/<id>`.
_ARN_FORMS: dict[str, str] = {
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{id}",
    "AWS::DynamoDB::Table": "arn:{p}:dynamodb:{r}:{a}:table/{id}",
    "AWS::DynamoDB::GlobalTable": "arn:{p}:dynamodb:{r}:{a}:table/{id}",
    "AWS::S3::Bucket": "arn:{p}:s3:::{lower}",
    "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{id}",
    "AWS::SQS::Queue": "arn:{p}:sqs:{r}:{a}:{id}",
    "AWS::StepFunctions::StateMachine": "arn:{p}:states:{r}:{a}:stateMachine:{id}",
    "AWS::Events::EventBus": "arn:{p}:events:{r}:{a}:event-bus/{id}",
    "AWS::Events::Rule": "arn:{p}:events:{r}:{a}:rule/{id}",
    "AWS::IAM::Role": "arn:{p}:iam::{a}:role/{id}",
    "AWS::Logs::LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{id}:*",
    "AWS::KMS::Key": "arn:{p}:kms:{r}:{a}:key/" + KEY_ID,
    "AWS::SecretsManager::Secret": "arn:{p}:secretsmanager:{r}:{a}:secret:{id}-AbCdEf",
}

# Other attributes by name, whatever the type.
_ATTRIBUTE_FORMS: dict[str, str] = {
    "QueueUrl": "https://sqs.{r}.amazonaws.com/{a}/{id}",
    "QueueName": "{id}",
    "TopicArn": "arn:{p}:sns:{r}:{a}:{id}",
    "TopicName": "{id}",
    "StreamArn": "arn:{p}:dynamodb:{r}:{a}:table/{id}/stream/2026-01-01T00:00:00.000",
    "KeyId": KEY_ID,
    "DomainName": "{lower}.s3.amazonaws.com",
    "RegionalDomainName": "{lower}.s3.{r}.amazonaws.com",
}

_PSEUDO = {
    "AWS::Partition": "{p}",
    "AWS::Region": "{r}",
    "AWS::AccountId": "{a}",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "Stack",
    "AWS::StackId": "arn:{p}:cloudformation:{r}:{a}:stack/Stack/00000000-0000-0000-0000-000000000000",
    "AWS::NoValue": "",
    "AWS::NotificationARNs": "",
}

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class UnresolvableToken(ValueError):
    """An intrinsic this resolver does not know how to turn into a literal."""


class TokenResolver:
    """Turns intrinsic functions of one template into literal strings."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        region: str | None = None,
        account: str = ACCOUNT,
        partition: str = PARTITION,
    ) -> None:
        self._resources: Mapping[str, Any] = template.get("Resources", {})
        self._parameters: Mapping[str, Any] = template.get("Parameters", {})
        self._values = {"p": partition, "r": region or DEFAULT_REGION, "a": account}

    def resolve(self, value: Any) -> str:
        """The literal string an intrinsic (or a plain string) stands for."""
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, Mapping) or len(value) != 1:
            raise UnresolvableToken(f"not an intrinsic: {value!r}")
        ((function, argument),) = value.items()
        if function == "Ref":
            return self.ref(argument)
        if function == "Fn::GetAtt":
            logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
            return self.get_att(logical_id, self.resolve(attribute))
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(self.resolve(part) for part in self._list(parts))
        if function == "Fn::Sub":
            return self._sub(argument)
        if function == "Fn::Select":
            index, items = argument
            return self.resolve(self._list(items)[int(self.resolve(index))])
        if function == "Fn::Split":
            raise UnresolvableToken("Fn::Split outside Fn::Select")
        if function == "Fn::ImportValue":
            return f"imported-{self.resolve(argument)}"
        raise UnresolvableToken(f"unsupported intrinsic {function}")

    def ref(self, name: str) -> str:
        if name in _PSEUDO:
            return self._format(_PSEUDO[name], name)
        if name in self._parameters:
            default = self._parameters[name].get("Default")
            return self.resolve(default) if default is not None else f"{name}-value"
        return self._format(_REF_FORMS.get(self._type(name), "{id}"), name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource_type = self._type(logical_id)
        if attribute == "Arn":
            form = _ARN_FORMS.get(resource_type) or _generic_arn(resource_type)
        elif attribute in ("Name", f"{resource_type.rsplit('::', 1)[-1]}Name"):
            form = "{id}"
        else:
            form = _ATTRIBUTE_FORMS.get(attribute, "{id}-" + attribute)
        return self._format(form, logical_id)

    def _list(self, items: Any) -> list[Any]:
        if isinstance(items, list):
            return items
        if isinstance(items, Mapping) and "Fn::Split" in items:
            separator, source = items["Fn::Split"]
            return list(self.resolve(source).split(separator))
        raise UnresolvableToken(f"not a list: {items!r}")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return self.resolve(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")

    def _type(self, logical_id: str) -> str:
        resource = self._resources.get(logical_id)
        if resource is None:
            raise UnresolvableToken(f"reference to unknown resource {logical_id!r}")
        return str(resource["Type"])

    def _format(self, form: str, logical_id: str) -> str:
        return form.format(id=logical_id, lower=logical_id.lower(), **self._values)


def _generic_arn(resource_type: str) -> str:
    _, service, kind = resource_type.split("::")
    return f"arn:{{p}}:{service.lower()}:{{r}}:{{a}}:{kind[0].lower()}{kind[1:]}/{{id}}"


def definition_of(
    resource: Mapping[str, Any], template: Mapping[str, Any], *, region: str | None = None
) -> dict[str, Any]:
    """The ASL document of one `AWS::StepFunctions::StateMachine` resource, tokens resolved."""
    import json

    resolver = TokenResolver(template, region=region)
    properties = resource["Properties"]
    if "Definition" in properties:
        body = json.dumps(properties["Definition"])
    elif "DefinitionString" in properties:
        body = resolver.resolve(properties["DefinitionString"])
    else:
        raise UnresolvableToken("state machine definition is not inline (DefinitionS3Location)")
    for name, value in properties.get("DefinitionSubstitutions", {}).items():
        body = body.replace("${" + name + "}", resolver.resolve(value))
    return json.loads(body)
