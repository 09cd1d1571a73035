"""Wire localrun's emulations into moto: bedrock-runtime InvokeModel (Titan V2), Converse and ApplyGuardrail
(scripted), S3 Vectors QueryVectors, AWS Organizations (e-mail uniqueness, asynchronous account
creation, MoveAccount duplicates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.bedrockruntime.models import BedrockRuntimeBackend
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.s3vectors import urls as s3vectors_urls
from moto.s3vectors.exceptions import ValidationError
from moto.s3vectors.models import S3VectorsBackend
from moto.s3vectors.responses import S3VectorsResponse

from localrun import tracking
from localrun.emulation import converse, organizations, titan, vector_search
from localrun.engine.overrides import add, replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/emulation/test_titan.py"


class BedrockValidationException(ServiceException):
    code = "ValidationException"


class BedrockServiceException(ServiceException):
    """A bedrock-runtime error of any code; its HTTP status comes from the service model's shape
    (defined outside moto's packages, so moto looks the code up in bedrock-runtime's model)."""


def _bedrock_error(error: converse.BedrockRequestError) -> ServiceException:
    """What the caller gets as botocore's ClientError: the error's code and message."""
    return BedrockServiceException(error.code, error.message)


def install() -> None:
    replace(BedrockRuntimeBackend, "invoke_model", _build_invoke_model)
    add(BedrockRuntimeResponse, "converse", _converse_response)
    add(BedrockRuntimeResponse, "apply_guardrail", _apply_guardrail_response)
    replace(s3vectors_urls, "url_paths", _with_query_path)
    add(S3VectorsResponse, "query_vectors", _query_vectors_response)
    organizations.install()


def _build_invoke_model(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def invoke_model(self: BedrockRuntimeBackend, payload: Any, model_id: str) -> dict[str, Any]:
        if not titan.handles(model_id):
            raise BedrockValidationException(
                f"localrun emulates only {titan.MODEL_ID} for InvokeModel; {model_id!r} has no "
                "local implementation (answer that Task with a MockConfigFile test case)"
            )
        if not isinstance(payload, dict):
            raise BedrockValidationException("Malformed input request: body must be a JSON object")
        try:
            return titan.embed(payload)
        except titan.EmbeddingRequestError as error:
            raise BedrockValidationException(str(error)) from error

    return invoke_model


def _current_script() -> converse.BedrockScript | None:
    """The Bedrock script of the run whose task is making the call (Lambda handlers included)."""
    scope = tracking.current_task()
    return scope.run.root.bedrock if scope is not None else None


def _converse_response(self: BedrockRuntimeResponse) -> ActionResult:
    try:
        return ActionResult(converse.converse(_current_script(), self.params))
    except converse.BedrockRequestError as error:
        raise _bedrock_error(error) from error


def _apply_guardrail_response(self: BedrockRuntimeResponse) -> ActionResult:
    try:
        return ActionResult(converse.apply_guardrail(_current_script(), self.params))
    except converse.BedrockRequestError as error:
        raise _bedrock_error(error) from error


def _with_query_path(original: dict[str, Any]) -> dict[str, Any]:
    original["{0}/QueryVectors$"] = S3VectorsResponse.dispatch
    return original


def _query_vectors_response(self: S3VectorsResponse) -> ActionResult:
    backend: S3VectorsBackend = self.s3vectors_backend
    index = backend.get_index(
        self._get_param("vectorBucketName"), self._get_param("indexName"), self._get_param("indexArn")
    )
    query_vector = (self._get_param("queryVector") or {}).get(index.data_type)
    if query_vector is None:
        raise ValidationError(f"queryVector must hold {index.data_type} data")
    stored = [
        vector_search.StoredVector(
            key=vector.key, data=vector.data[index.data_type], metadata=vector.metadata
        )
        for vector in index.vectors.values()
    ]
    try:
        result = vector_search.query(
            stored,
            query_vector,
            top_k=int(self._get_param("topK") or 0),
            metric=index.distance_metric,
            dimension=index.dimension,
            filter_document=self._get_param("filter"),
            return_metadata=bool(self._get_param("returnMetadata", False)),
            return_distance=bool(self._get_param("returnDistance", False)),
        )
    except vector_search.QueryError as error:
        raise ValidationError(str(error)) from error
    return ActionResult(result)
