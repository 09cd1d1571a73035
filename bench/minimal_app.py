"""The baseline for synth time: a CDK app of one stack with one bucket (CDK's own start-up cost)."""

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3


def main() -> None:
    app = App()
    stack = Stack(app, "StepwiseBenchMinimal")
    s3.Bucket(stack, "Bucket")
    app.synth()


if __name__ == "__main__":
    main()
