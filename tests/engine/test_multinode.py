"""A run submitted to a real multi-node Ray cluster on this machine (a head and two worker
nodes, each a `ray start --block` process group stopped by its own process id): the generator
replicas need a custom resource only one worker node has, the verifiers run elsewhere, and that
node is killed mid-run. A replacement node with the resource joins, as an autoscaler would add
one, and the run completes with the rows of an uninterrupted run on the same cluster."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from raycluster import ENV, Node, free_port, start
from test_engine_code import _answers, _config, _tables

pytestmark = pytest.mark.slow
GEN = "assay_gen"


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[tuple[str, str, list[Node]]]:
    port, dash = free_port(), free_port()
    gcs, dashboard = f"127.0.0.1:{port}", f"http://127.0.0.1:{dash}"
    nodes: list[Node] = []
    try:
        head = ("--head", "--port", str(port), "--num-cpus", "1", "--include-dashboard", "true",
                "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash))  # fmt: skip
        nodes.append(start(tmp_path, "head", dashboard, *head))
        # one at a time: two raylets starting at once on this machine
        nodes.append(start(tmp_path, "gen", dashboard, "--address", gcs, "--num-cpus", "0",
                           "--resources", json.dumps({GEN: 2})))  # fmt: skip
        nodes.append(start(tmp_path, "cpu", dashboard, "--address", gcs, "--num-cpus", "2"))
        yield gcs, dashboard, nodes
    finally:
        for node in reversed(nodes):
            node.kill()
        # `ray start` left the head's address for later `ray.init()` calls; it is gone now.
        current = Path("/tmp/ray/ray_current_cluster")
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


def _yaml(tmp: Path, name: str) -> Path:
    """The code run on seed tasks with a slow replay model on two `assay_gen` replicas."""
    dataset = tmp / name
    config = _config(dataset)
    answers = tmp / "answers.jsonl"
    with answers.open("w") as fh:
        for key, texts in _answers(config).items():
            fh.write(json.dumps({"key": key, "texts": texts}) + "\n")
    path = tmp / f"{name}.yaml"
    path.write_text(
        f"name: {name}\ndataset: {dataset}\ntasks: [{{seed: code, limit: 6}}]\n"
        f"generator: {{backend: replay, model: replay, options: {{answers: {answers}, "
        f"delay_s: 1.5}}, num_cpus: 0, replicas: 2, resources: {{{GEN}: 1}}, batch_size: 1}}\n"
        "solver: {n: 2}\ntester: {n: 1}\nrepair: {rounds: 1, n: 1}\n"
    )
    return path


def _submit(config: Path, dashboard: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "assay.flows", "submit", str(config), "--address", dashboard]
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def _commits(dataset: Path) -> int:
    folder = dataset / "commits"
    return len(list(folder.iterdir())) if folder.exists() else 0


@pytest.mark.timeout(1200)  # two runs, and Ray notices the dead node only after its health checks
def test_killing_the_generator_node_mid_run_loses_nothing(
    tmp_path: Path, cluster: tuple[str, str, list[Node]]
) -> None:
    gcs, dashboard, nodes = cluster
    whole = _submit(_yaml(tmp_path, "whole"), dashboard)
    logs, err = whole.communicate(timeout=600)
    assert whole.returncode == 0, logs[-6000:] + err[-3000:]

    killed = _submit(_yaml(tmp_path, "killed"), dashboard)
    deadline = time.monotonic() + 300
    while _commits(tmp_path / "killed") < 4 and time.monotonic() < deadline:
        time.sleep(0.5)  # the tasks and run records, then the first generation commits
    assert killed.poll() is None, "the run ended before the kill"
    nodes[1].kill()  # the only node with the generators' resource
    time.sleep(5)
    nodes.append(start(tmp_path, "gen2", dashboard, "--address", gcs, "--num-cpus", "0",
                       "--resources", json.dumps({GEN: 2})))  # fmt: skip
    logs, err = killed.communicate(timeout=900)
    assert killed.returncode == 0, logs[-6000:] + err[-3000:]
    assert "SUCCEEDED" in err
    restarted = re.search(r"restarted (\d+) generator replica", logs)
    # both were on the killed node; a replacement Ray places there before it sees the node
    # dead dies too and is replaced again
    assert restarted and int(restarted.group(1)) >= 2, logs[-3000:]
    # a node's death is the cluster's fault: no prompt is judged poison for it
    assert "generation failed for" not in logs, logs[-3000:]
    assert _tables(tmp_path / "killed") == _tables(tmp_path / "whole")
