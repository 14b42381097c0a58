"""Reading ballot-level CSV and Parquet (college/profile.py): what a file says, however it is spelt.

A plain CSV is grouped by whole lines before it is cut into cells; a CSV that line-grouping
cannot read faithfully falls back to cell-by-cell reading. Both must give the profile the
file means. A section's files are summed in one pass, whatever their formats and depths.
"""

from pathlib import Path

import polars as pl
import pytest

from college.errors import CollegeError
from college.profile import Profile, _distinct_lines, combine, read_profile, read_section
from tests.helpers import contest, profile

ABC = contest("ABC", ("1",), excluded=["W"])


def _csv(tmp_path: Path, text: str, name: str = "papers.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_plain_csv_is_grouped_by_whole_lines(tmp_path):
    # The shortcut must really be taken, or two million papers cost twice the time.
    path = _csv(tmp_path, "rank1,rank2\nA,B\nB,\nA,B\n")
    rows = _distinct_lines(path, ["rank1", "rank2"])
    assert rows is not None and sorted(rows.rows()) == [("A", "B", 2), ("B", None, 1)]
    assert read_profile(path, ABC) == profile("A>B", 2, "B", 1)


def test_quoting_line_endings_and_spaces_read_as_the_same_papers(tmp_path):
    # "A" and A, CRLF and LF, " C " and C are the same marks: three papers A>B, two C.
    path = _csv(tmp_path, 'rank1,rank2\r\n"A",B\r\nA,B\r\n C ,\r\nC,""\r\nA,"B"\r\n')
    assert read_profile(path, ABC) == profile("A>B", 3, "C", 2)


def test_a_name_with_a_comma_is_read_from_its_quotes(tmp_path):
    named = contest(["Smith, Jo", "Brown"], ("1",))
    path = _csv(tmp_path, 'rank1,rank2\n"Smith, Jo",Brown\nBrown,\n')
    assert read_profile(path, named).rankings == {(("Smith, Jo",), ("Brown",)): 1, (("Brown",),): 1}


def test_a_quoted_cell_over_two_lines_is_read_cell_by_cell(tmp_path):
    # Line-grouping would cut this record in two; the cell-by-cell reading names the bad cell.
    path = _csv(tmp_path, 'rank1,rank2\nA,"B\nC"\nA,B\n')
    assert _distinct_lines(path, ["rank1", "rank2"]) is None
    with pytest.raises(CollegeError, match=r"line 2, rank2: 'B\\nC' is not a validly nominated"):
        read_profile(path, ABC)


def test_a_blank_line_is_a_blank_paper_either_way(tmp_path):
    path = _csv(tmp_path, "rank1,rank2\nA,B\n\nB,A\n")
    assert read_profile(path, ABC) == Profile({(("A",), ("B",)): 1, (("B",), ("A",)): 1}, blank=1)


def test_the_first_unknown_name_in_the_file_is_the_one_named(tmp_path):
    # Two unknown names; the earlier line is named every time, with its spacing read as the count reads it.
    path = _csv(tmp_path, "rank1,rank2\nA,B\nB, Zed \nYan,A\nB,Zed\n")
    for _ in range(3):
        with pytest.raises(CollegeError) as error:
            read_profile(path, ABC)
        assert "line 3, rank2: 'Zed'" in str(error.value)


def test_a_bad_count_names_its_line_however_the_file_was_grouped(tmp_path):
    path = _csv(tmp_path, "rank1,count\nA,2\nB,2\nC,0\nA,2\n")
    with pytest.raises(CollegeError, match=r"line 4: count must be a whole number of papers, at least 1 \(got '0'\)"):
        read_profile(path, ABC)


def test_a_parquet_column_with_no_mark_in_it_is_read(tmp_path):
    path = tmp_path / "papers.parquet"
    pl.DataFrame({"rank1": ["A", "B", None], "rank2": [None, None, None]}).write_parquet(path)
    assert read_profile(path, ABC) == Profile({(("A",),): 1, (("B",),): 1}, blank=1)


def test_a_sections_files_of_every_format_and_depth_are_summed_in_one_pass(tmp_path):
    shallow = _csv(tmp_path, "rank1\nA\nB\nA\n", "shallow.csv")
    deep = tmp_path / "deep.parquet"
    pl.DataFrame(
        {"rank1": ["A", "C", "W"], "rank2": ["B", None, "C"], "rank3": [None, None, "A|B"], "count": [2, 1, 4]}
    ).write_parquet(deep)
    listed = tmp_path / "listed.json"
    listed.write_text('{"candidates": ["A", "B", "C"], "ballots": [{"ranking": ["A"], "count": 5}]}', encoding="utf-8")
    paths = [shallow, deep, listed]
    together = read_section(paths, ABC)
    assert together == combine(read_profile(p, ABC) for p in paths)
    assert together.rankings == {
        (("A",),): 7,
        (("B",),): 1,
        (("A",), ("B",)): 2,
        (("C",),): 1,
        (("W",), ("C",), ("A", "B")): 4,
    }
