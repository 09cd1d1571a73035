"""Frame transitions belong to the job that holds the frame: only LABELING-for-this-job frames move."""

from __future__ import annotations

import pytest
from cv import frames


@pytest.mark.parametrize("transition", ["return_to_awaiting", "mark_labeled"])
def test_a_frame_another_job_holds_is_left_alone(aws, transition):
    aws.put_frame("f-1", task=None, labelStatus=frames.LABELING, labelingJob="job-other")
    moved = _apply(aws, transition, "f-1", "job-mine")
    assert moved is False
    assert aws.frame("f-1")["labelStatus"] == frames.LABELING
    assert aws.frame("f-1")["labelingJob"] == "job-other"


@pytest.mark.parametrize("transition", ["return_to_awaiting", "mark_labeled"])
def test_a_frame_this_job_already_finished_is_not_moved_again(aws, transition):
    aws.put_frame("f-2", task=None, labelStatus=frames.LABELED, labelingJob="job-mine", datasetKey="kept")
    moved = _apply(aws, transition, "f-2", "job-mine")
    assert moved is False
    assert aws.frame("f-2")["labelStatus"] == frames.LABELED
    assert aws.frame("f-2")["datasetKey"] == "kept"


@pytest.mark.parametrize("transition", ["return_to_awaiting", "mark_labeled"])
def test_a_frame_this_job_holds_moves(aws, transition):
    aws.put_frame("f-3", task=None, labelStatus=frames.LABELING, labelingJob="job-mine")
    assert _apply(aws, transition, "f-3", "job-mine") is True
    expected = frames.AWAITING if transition == "return_to_awaiting" else frames.LABELED
    assert aws.frame("f-3")["labelStatus"] == expected


def _apply(aws, transition: str, frame_id: str, job: str) -> bool:
    if transition == "return_to_awaiting":
        return frames.return_to_awaiting(aws.frames, frame_id, "bounding_box", job, "worker timeout")
    return frames.mark_labeled(aws.frames, frame_id, job, objects=2, dataset_key="datasets/x.jsonl")
