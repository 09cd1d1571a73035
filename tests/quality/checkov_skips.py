"""The reviewed list of checkov checks Stepwise does not follow: per check id, a written reason and
the resources it covers.

A resource is `<workflow>:<Type>.<logical id without CDK's hash>` (fnmatch patterns allowed), the
same in every environment. A failure outside a check's resources is unreviewed; a pattern that
matches no failing resource is stale. Both fail the suite, so the list stays true and narrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

EVERY_FUNCTION = ("*:AWS::Lambda::Function.*",)
EVERY_QUEUE = ("*:AWS::SQS::Queue.*",)
ACCESS_LOG_BUCKETS = (
    "agent:AWS::S3::Bucket.AccessLogsBucket",
    "cv:AWS::S3::Bucket.AccessLogsBucket",
    "rag:AWS::S3::Bucket.AccessLogsBucket",
)
PROBE_BUCKETS = ("probe:AWS::S3::Bucket.AccessLogsBucket", "probe:AWS::S3::Bucket.Data")


@dataclass(frozen=True)
class Skip:
    """Why a check is not followed, and exactly where."""

    reason: str
    resources: tuple[str, ...]

    def covers(self, resource: str) -> bool:
        return any(fnmatchcase(resource, pattern) for pattern in self.resources)


def is_skipped(check: str, resource: str) -> bool:
    skip = CHECKOV_SKIPS.get(check)
    return skip is not None and skip.covers(resource)


REASONS: dict[str, str] = {
    "CKV_AWS_116": (
        "Task functions are invoked synchronously by Step Functions; a Lambda DLQ only applies to "
        "asynchronous invocations. Failures are retried and caught by the workflow instead."
    ),
    "CKV_AWS_117": (
        "Task functions only call AWS public service endpoints and reach no private network; a VPC "
        "would add NAT/endpoints cost and cold-start latency for no isolation gain."
    ),
    "CKV_AWS_115": (
        "Concurrency is bounded where it is decided: each Map's MaxConcurrency comes from config. A "
        "reserved concurrency per function would carve the account's pool and throttle other stacks."
    ),
    "CKV_AWS_173": (
        "Environment variables hold resource names and settings only, never secrets; Lambda encrypts "
        "them at rest with its service key."
    ),
    "CKV_AWS_27": (
        "Queues use SQS-managed server-side encryption (SqsManagedSseEnabled); checkov only "
        "recognises KMS-key encryption, so SSE-SQS is reported as unencrypted."
    ),
    "CKV_AWS_21": (
        "The access-log bucket and the workflows' working buckets (RAG artifacts, CV frames and "
        "composites) hold data that is re-derivable or expires by lifecycle; versioning would keep "
        "every overwritten intermediate. Source documents live in the versioned source bucket. The "
        "probe stack (tests only) mirrors a working bucket."
    ),
    "CKV_AWS_18": (
        "Only the server-access-log bucket itself is not access-logged: logging it to itself would "
        "recurse. Every other bucket logs to it."
    ),
}

CHECKOV_SKIPS: dict[str, Skip] = {
    "CKV_AWS_116": Skip(REASONS["CKV_AWS_116"], EVERY_FUNCTION),
    "CKV_AWS_117": Skip(REASONS["CKV_AWS_117"], EVERY_FUNCTION),
    "CKV_AWS_115": Skip(REASONS["CKV_AWS_115"], EVERY_FUNCTION),
    "CKV_AWS_173": Skip(REASONS["CKV_AWS_173"], EVERY_FUNCTION),
    "CKV_AWS_27": Skip(REASONS["CKV_AWS_27"], EVERY_QUEUE),
    "CKV_AWS_21": Skip(
        REASONS["CKV_AWS_21"],
        (
            *ACCESS_LOG_BUCKETS,
            *PROBE_BUCKETS,
            "cv:AWS::S3::Bucket.WorkflowData",
            "rag:AWS::S3::Bucket.WorkflowArtifacts",
        ),
    ),
    "CKV_AWS_18": Skip(
        REASONS["CKV_AWS_18"], (*ACCESS_LOG_BUCKETS, "probe:AWS::S3::Bucket.AccessLogsBucket")
    ),
}
