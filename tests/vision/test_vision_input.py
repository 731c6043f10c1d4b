"""Bad images get one line naming the file and the script line; nothing is run or stored."""

from __future__ import annotations

import io

import pytest

from tests.cli.helpers import troupe_in_process
from tests.vision.helpers import drawn, scenario
from troupe_es import limits
from troupe_es.errors import ImageError, ScenarioError
from troupe_es.images import read_image
from troupe_es.scenario import load_scenario


def _refused(tmp_path, script: str, image: bytes | None = None, name: str = "box.png") -> str:
    path = scenario(tmp_path, script, image=image, name=name)
    url = f"sqlite:///{tmp_path}/bad.db"
    res = troupe_in_process("run", str(path), "-q", store=url)
    assert res.code == 1 and "Traceback" not in res.err, res.err
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res.err
    return lines[0]


@pytest.mark.parametrize("image, name, problem", [
    (None, "box.png", "script[0].see.image: image file not found: missing.png"),
    (drawn(fmt="BMP"), "box.bmp", "script[0].see.image: image box.bmp is a BMP image; use PNG, JPEG, GIF or WebP"),
    (b"not an image at all", "box.png", "script[0].see.image: image box.png is not an image Pillow can read"),
    (drawn()[:200], "box.png", "script[0].see.image: image box.png cannot be decoded"),
])
def test_a_bad_image_file_is_one_line_naming_it(tmp_path, image, name, problem):
    target = "missing.png" if image is None else name
    line = _refused(tmp_path, f"  - see: {{to: Lisa Carter, image: {target}}}\n  - run: 1\n", image, name)
    assert "vision.yaml: " + problem in line


def test_an_image_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.png"
    with path.open("wb") as fh:  # sparse: no 20 MB written
        fh.truncate(limits.MAX_IMAGE_BYTES + 1)
    line = _refused(tmp_path, "  - see: {to: Lisa Carter, image: huge.png}\n")
    assert f"image huge.png is {limits.MAX_IMAGE_BYTES + 1} bytes; at most {limits.MAX_IMAGE_BYTES}" in line


@pytest.mark.parametrize("line, problem", [
    ("  - see: {to: Lisa Carter}", "script[0].see: give text, image or both"),
    ("  - see: {text: hello}", "a see line without an image needs to:"),
    ("  - see: {to: Lisa Carter, image: 5}", "script[0].see.image: expected a file path"),
    ("  - see: {to: Lisa Carter, image: [a.png]}", "script[0].see.image: expected a file path"),
    ("  - see: {to: Nobody, image: box.png}", "script[0].see.to: unknown agent 'Nobody'"),
    ("  - see: {to: Lisa Carter, image: box.png, colour: red}", "script[0].see.colour"),
])
def test_a_bad_see_line_is_one_line(tmp_path, line, problem):
    assert problem in _refused(tmp_path, line + "\n", drawn())


def test_a_directory_or_a_nul_in_the_path_is_one_line(tmp_path):
    (tmp_path / "folder.png").mkdir()
    assert "image folder.png is not a file" in _refused(tmp_path, "  - see: {to: Lisa Carter, image: folder.png}\n")
    line = _refused(tmp_path, '  - see: {to: Lisa Carter, image: "a\\0b.png"}\n')
    assert "script[0].see.image: " in line


def test_every_accepted_format_loads_and_is_recorded_by_reference(tmp_path):
    for fmt, media in (("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")):
        loaded = read_image(drawn(fmt=fmt))
        assert loaded.ref.media_type == media and (loaded.ref.width, loaded.ref.height) == (120, 80)
    path = scenario(tmp_path, "  - see: {to: Lisa Carter, image: box.png, text: hi}\n  - run: 1\n", image=drawn())
    loaded = load_scenario(path)
    [step, _] = loaded.to_record()["script"]
    ref = step["see"]["image"]
    assert ref["name"] == "box.png" and ref["size"] == len(drawn()) and set(loaded.images) == {ref["sha256"]}


def test_bytes_and_paths_from_python_are_checked_the_same_way(tmp_path):
    with pytest.raises(ImageError, match="the image is a BMP image"):
        read_image(drawn(fmt="BMP"))
    with pytest.raises(ImageError, match="image file not found: nowhere.png"):
        read_image(str(tmp_path / "nowhere.png").replace(str(tmp_path), str(tmp_path)).split("/")[-1], base_dir=tmp_path)
    assert issubclass(ImageError, ScenarioError)
    with pytest.raises(ImageError, match="the image is empty"):
        read_image(io.BytesIO().getvalue())
