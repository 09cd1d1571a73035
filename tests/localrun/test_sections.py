import pytest

from localrun.sections import between, replace_between

START, END = "<!-- x:start -->", "<!-- x:end -->"


def test_the_body_between_the_markers_is_replaced_and_read_back():
    text = f"intro\n{START}\nold\n{END}\noutro\n"

    replaced = replace_between(text, START, END, "new\n", "doc.md")

    assert replaced == f"intro\n{START}\nnew\n{END}\noutro\n"
    assert between(replaced, START, END) == "new\n"


@pytest.mark.parametrize("text", ["no markers\n", f"{END}\n{START}\n", f"{START}\n{START}\n{END}\n"])
def test_missing_reversed_or_repeated_markers_are_refused_naming_the_file(text):
    with pytest.raises(ValueError, match=r"doc\.md needs exactly one"):
        replace_between(text, START, END, "new\n", "doc.md")


def test_nothing_stands_between_missing_markers():
    assert between("no markers\n", START, END) == ""
