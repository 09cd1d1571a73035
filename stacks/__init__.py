"""Stepwise CDK stacks: one module per workflow plus the shared building blocks in `common`."""
