import pytest

from scripts.tenants.stack_set_operations import wait_for_operation


class Failure(Exception):
    pass


class Operations:
    """A CloudFormation client whose operation goes through the given statuses."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)
        self.polls = 0

    def describe_stack_set_operation(self, **kwargs):
        self.polls += 1
        return {"StackSetOperation": {"Status": self.statuses.pop(0)}}

    def list_stack_set_operation_results(self, **kwargs):
        return {
            "Summaries": [
                {"Account": "111", "Region": "eu-west-1", "Status": "FAILED", "StatusReason": "no role"}
            ]
        }


def wait(operations: Operations, max_polls: int = 5) -> list[float]:
    slept: list[float] = []
    wait_for_operation(
        operations, "Base", "op-1", max_polls=max_polls, poll_seconds=2.0, sleep=slept.append, failure=Failure
    )
    return slept


def test_a_running_operation_is_polled_until_it_succeeds():
    operations = Operations("RUNNING", "RUNNING", "SUCCEEDED")

    assert wait(operations) == [2.0, 2.0]
    assert operations.polls == 3


@pytest.mark.parametrize("status", ["FAILED", "STOPPED"])
def test_a_failed_or_stopped_operation_raises_with_each_instances_reason(status):
    with pytest.raises(Failure, match=f"Base operation op-1 {status}: 111/eu-west-1: no role"):
        wait(Operations("RUNNING", status))


def test_an_operation_still_running_after_the_last_poll_raises():
    with pytest.raises(Failure, match="still running after 2 polls"):
        wait(Operations("RUNNING", "RUNNING"), max_polls=2)
