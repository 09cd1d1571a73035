"""The S3 Vectors vector bucket and index the ingestion workflow writes to (L1 constructs)."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

# Metadata the workflow attaches to every vector. Filterable keys stay small (2 KiB limit per
# vector); long values (URLs, titles, text excerpts) are stored but not filterable.
FILTERABLE_METADATA = ("documentId", "version", "chunk")
NON_FILTERABLE_METADATA = ("source", "title", "excerpt")

READ_ACTIONS = ("s3vectors:GetVectors", "s3vectors:QueryVectors")
WRITE_ACTIONS = ("s3vectors:PutVectors",)
DELETE_ACTIONS = ("s3vectors:DeleteVectors",)


class VectorStore(Construct):
    """A vector bucket (SSE-S3) holding one float32 index of a fixed dimension and metric."""

    bucket: s3vectors.CfnVectorBucket
    index: s3vectors.CfnIndex

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dimension: int,
        distance_metric: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3vectors.CfnVectorBucket(
            self,
            "Bucket",
            encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
                sse_type="AES256"
            ),
        )
        self.bucket.apply_removal_policy(removal_policy)
        self.index = s3vectors.CfnIndex(
            self,
            "Index",
            vector_bucket_arn=self.bucket.attr_vector_bucket_arn,
            data_type="float32",
            dimension=dimension,
            distance_metric=distance_metric,
            metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(
                non_filterable_metadata_keys=list(NON_FILTERABLE_METADATA)
            ),
        )
        self.index.apply_removal_policy(removal_policy)

    @property
    def index_arn(self) -> str:
        return self.index.attr_index_arn

    def grant(self, grantee: iam.IGrantable, actions: Sequence[str]) -> None:
        """Allow exact S3 Vectors data-plane actions on this index only."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=list(actions), resources=[self.index_arn])
        )
