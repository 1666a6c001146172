"""The cluster door: bundles carry exactly what the local pool reads, never what a link points
to outside the library; they are measured before they are read; workers remove what they
unpacked; and a cluster that goes away mid-batch is one line, with the manifest true.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest

from booklet.base.errors import BookletError
from booklet.batch.cluster import bundle_of
from tests.helpers import REPO, page_texts

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # starts Dask clusters
SECRET = "TOP SECRET: the neighbour's notes"


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.fixture
def leaky_library(tmp_path):
    """A layout whose title snippet is a link to a file outside the library."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    lib = tmp_path / "lib"
    (lib / "layouts" / "leak").mkdir(parents=True)
    (lib / "layouts" / "leak" / "layout.yaml").write_text("extends: bedside\n")
    (lib / "layouts" / "leak" / "title.j2").symlink_to(secret)
    (lib / "layouts" / "inside").mkdir(parents=True)
    (lib / "layouts" / "inside" / "layout.yaml").write_text("extends: bedside\n")
    (lib / "layouts" / "inside" / "real-title.j2").write_text("Linked, but inside\n")
    (lib / "layouts" / "inside" / "title.j2").symlink_to("real-title.j2")
    (tmp_path / "b.yaml").write_text(
        "variants:\n"
        "  - {name: leak, layout: leak}\n"
        "  - {name: inside, layout: inside}\n"
        "  - {name: plain}\n"
    )
    return lib


def test_a_bundle_holds_no_byte_of_a_file_a_link_leads_to_outside(leaky_library):
    bundle = bundle_of([leaky_library], [])
    assert not any(SECRET.encode() in data for data in bundle["files"].values())
    assert bundle["outside"] == ["root0/layouts/leak/title.j2"]
    assert bundle["files"]["root0/layouts/inside/title.j2"] == b"Linked, but inside\n"


@pytest.mark.slow
def test_a_link_outside_fails_on_the_cluster_as_it_does_locally(
    run, tmp_path, leaky_library, cluster
):
    before = set(Path(tempfile.gettempdir()).glob("booklet-bundle-*"))
    local = run("--library", "lib", "batch", "b.yaml", "-o", "local")
    remote = run("--library", "lib", "batch", "b.yaml", "-o", "remote", "--scheduler", cluster)
    assert local.exit_code == remote.exit_code == 2
    for result in (local, remote):
        assert (
            "failed  leak (leak.pdf): lib/layouts/leak/title.j2: snippet links to a file "
            in (result.stderr.replace(str(tmp_path) + "/", ""))
            or "links to a file outside its layout folder" in result.stderr
        )
    for name in ("inside.pdf", "plain.pdf"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes()
    for pdf in (tmp_path / "remote").glob("*.pdf"):
        assert SECRET not in "".join(page_texts(pdf))
    assert "Linked, but inside" in page_texts(tmp_path / "remote" / "inside.pdf")[0]
    # the workers removed what they unpacked
    assert set(Path(tempfile.gettempdir()).glob("booklet-bundle-*")) == before


def test_a_bundle_is_measured_before_a_byte_is_read(tmp_path):
    """540 MB of font files was read whole, then refused: now the sizes are added up first."""
    folder = tmp_path / "lib" / "layouts" / "big"
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text("extends: bedside\n")
    for i in range(14):
        with open(folder / f"face{i}.ttf", "wb") as sparse:
            sparse.truncate(39 * 1024 * 1024)  # sparse: no disk used
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(BookletError, match="the limit for a cluster batch is 67 MB"):
            bundle_of([tmp_path / "lib"], [])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1
    assert peak < 5 * 1024 * 1024


def test_a_library_nested_too_deep_is_refused_when_bundled(tmp_path):
    folder = tmp_path / "lib" / "layouts"
    deep = folder.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    with pytest.raises(BookletError, match="folders are nested more than 32 deep"):
        bundle_of([tmp_path / "lib"], [])


BIG = "variants:\n" + "".join(f"  - {{name: v{i:03d}, title: 'Card {i}'}}\n" for i in range(150))


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
    )  # fmt: skip


def _listening(port: int, seconds: float = 60) -> None:
    """Wait until the scheduler accepts connections (a batch started sooner is told, at once,
    that nothing is there)."""
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise AssertionError(f"no scheduler on port {port} after {seconds} s")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("victim", ["scheduler", "worker"])
def test_a_cluster_that_goes_away_mid_batch_is_one_line_and_a_true_manifest(tmp_path, victim):
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    address = f"tcp://127.0.0.1:{_free_port()}"
    scheduler = _start([dask, "scheduler", "--host", "127.0.0.1", "--port",
                        address.rsplit(":", 1)[1], "--no-dashboard"], tmp_path)  # fmt: skip
    worker = _start([dask, "worker", address, "--nthreads", "1", "--no-nanny",
                     "--no-dashboard"], tmp_path)  # fmt: skip
    try:
        _listening(int(address.rsplit(":", 1)[1]))
        (tmp_path / "b.yaml").write_text(BIG)
        batch = subprocess.Popen(
            [sys.executable, "-m", "booklet", "batch", "b.yaml", "-o", "out", "--scheduler",
             address],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(list((tmp_path / "out").glob("*.pdf"))) < 3:
            if batch.poll() is not None:
                break
            time.sleep(0.1)
        if not list((tmp_path / "out").glob("*.pdf")):
            batch.kill()
            _, early = batch.communicate(timeout=30)
            raise AssertionError(f"the cluster should have built some: {early}")
        os.killpg((scheduler if victim == "scheduler" else worker).pid, signal.SIGKILL)
        out, err = batch.communicate(timeout=90)
    finally:
        for process in (scheduler, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert batch.returncode == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Error: ") and (
        "stopped before the batch was done" in last or "no Dask worker has been connected" in last
    ), err
    on_disk = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    built = sorted(e["output"] for e in manifest["variants"] if e["status"] == "ok")
    assert built == on_disk
