"""The example scenario runs on the mock LLM and replays verified; export writes its images."""

from __future__ import annotations

import hashlib
import json
import shutil

from tests.cli.helpers import troupe
from tests.vision.helpers import EXAMPLES, PACKAGING


def test_the_packaging_example_runs_replays_and_exports_its_image(tmp_path):
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    url = f"sqlite:///{tmp_path}/example.db"
    res = troupe("run", str(tmp_path / "examples" / "vision-packaging.yaml"), "--json", store=url)
    assert res.code == 0, res.err
    run_id = json.loads(res.out)["run_id"]
    log = [json.loads(line)["payload"] for line in
           troupe("log", run_id, "--json", "--type", "ImageDescribed", store=url).out.splitlines()]
    assert len(log) == 2 and log[0]["image"]["name"] == "product-brief/packaging.png"
    assert log[0]["description"] == ("An image of 320×200 pixels (landscape), mostly dark blue (45%) and "
                                     "white (37%), with some orange (10%).")
    started = json.loads(troupe("log", run_id, "--json", "--type", "RunStarted", store=url).out.splitlines()[0])
    see = started["payload"]["scenario"]["script"][1]["see"]
    assert see["image"] == log[0]["image"] and set(see["image"]) == {"sha256", "media_type", "size", "width",
                                                                    "height", "name"}
    shutil.rmtree(tmp_path / "examples")  # replay reads neither the scenario nor the image again
    res = troupe("replay", run_id, "--verify", store=url)
    assert res.code == 0 and "verified" in res.out, res.err
    out = tmp_path / "export"
    out.mkdir()
    res = troupe("export", run_id, "--out", str(out / "events.jsonl"), store=url)
    assert res.code == 0 and "and 1 image(s) to" in res.err, res.err
    sha = hashlib.sha256(PACKAGING.read_bytes()).hexdigest()
    assert sorted(p.name for p in (out / "blobs").iterdir()) == [f"{sha}.png"]
    assert (out / "blobs" / f"{sha}.png").read_bytes() == PACKAGING.read_bytes()
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "ImageDescribed" and e["payload"]["image"]["sha256"] == sha for e in events)
    res = troupe("export", run_id, "--format", "parquet", "--out", str(out / "events.parquet"), store=url)
    assert res.code == 0 and len(list((out / "blobs").iterdir())) == 1  # shared, content-addressed
    bare = tmp_path / "bare"
    bare.mkdir()
    res = troupe("export", run_id, "--no-blobs", "--out", str(bare / "events.jsonl"), store=url)
    assert res.code == 0 and not (bare / "blobs").exists() and "image" not in res.err
