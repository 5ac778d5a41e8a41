"""The deployable artifact: `sam build` plus the Makefile's compile step, measured per function with its layers."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.env import ROOT
from devstack.template import load_template

# Test and development tools that must never ship (requirements-dev.txt and friends).
DEV_PACKAGES = (
    "moto", "pytest", "_pytest", "pytest_socket", "pytest_timeout", "cfnlint", "hypothesis", "ruff", "mypy",
    "mypyc", "boto3_stubs", "mypy_boto3_dynamodb", "mypy_boto3_lambda", "yaml", "flask", "werkzeug", "checkov",
    "samcli", "coverage", "playwright", "cronsim",
)  # fmt: skip
RUNTIME = "python3.13"
LIMIT_MB = 25  # each function with its layers, unzipped (issue 12)
# Pillow for arm64 is 13.4 MB of native libraries after pruning (_imaging alone links libtiff, libjpeg, libopenjp2,
# libxcb and theirs): the one function carrying the chart layer cannot fit 25 MB, so it has a budget of its own.
CHART_LIMIT_MB = 35
CHART_LAYER = "ChartLayer"
MB = 1024 * 1024


def sam_binary() -> str | None:
    """The project's SAM CLI (`make .tools/sam/.installed`), else one on PATH."""
    candidates = [ROOT / ".tools/sam/bin/sam", Path("/tmp/sam-venv/bin/sam")]
    found = next((str(path) for path in candidates if path.is_file()), None)
    return found or shutil.which("sam")


def post_build_steps() -> list[str]:
    """The Makefile's steps after `sam build` (prune, compile; from `make -n build`): the bench measures what ships."""
    dry = subprocess.run(["make", "-n", "build"], cwd=ROOT, capture_output=True, text=True, check=False)
    return [line for line in dry.stdout.splitlines() if ".aws-sam/build" in line and not line.lstrip().startswith("#")]


def _runtime_magic() -> bytes | None:
    """The .pyc magic number of the Lambda runtime's interpreter, if it is installed here."""
    env = {**os.environ, "PYENV_VERSION": "3.13.0"}
    probe = subprocess.run(
        ["python3.13", "-c", "import importlib.util,sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    return bytes.fromhex(probe.stdout) if probe.returncode == 0 and probe.stdout else None


def pyc_report(build: Path) -> dict[str, Any]:
    """Every module needs a hash-based .pyc for the runtime's interpreter (PEP 552: flags bit 0 set)."""
    magic, tag = _runtime_magic(), "cpython-" + RUNTIME.removeprefix("python").replace(".", "")
    modules = missing = timestamp = 0
    other_tags: set[str] = set()
    examples: list[str] = []
    for source in build.rglob("*.py"):
        modules += 1
        cache = source.parent / "__pycache__"
        pyc = cache / f"{source.stem}.{tag}.pyc"
        if not pyc.is_file():
            missing += 1
            other_tags.update(p.name.split(".")[1] for p in cache.glob(f"{source.stem}.*.pyc"))
            if len(examples) < 3:
                examples.append(str(source.relative_to(build)))
            continue
        header = pyc.read_bytes()[:8]
        if (magic and header[:4] != magic) or not int.from_bytes(header[4:8], "little") & 0b1:
            timestamp += 1
    return {
        "modules": modules,
        "missing_runtime_pyc": missing,
        "not_hash_based": timestamp,
        "other_pyc_tags": sorted(other_tags),
        "missing_examples": examples,
        "hash_pyc": modules > 0 and missing == 0 and timestamp == 0,
    }


def _sizes(directory: Path) -> tuple[int, int]:
    unzipped = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory))
    return unzipped, buffer.tell()


def _dev_packages(build: Path) -> list[str]:
    found = set()
    for directory in build.iterdir():
        for root in (directory, directory / "python"):
            if root.is_dir():
                found.update(name for name in DEV_PACKAGES if (root / name).exists() or (root / f"{name}.py").exists())
    return sorted(found)


def limit_mb(layers: list[str]) -> int:
    """The size budget of a function with these layers."""
    return CHART_LIMIT_MB if CHART_LAYER in layers else LIMIT_MB


def measure(build: Path) -> dict[str, Any]:
    built = load_template(build / "template.yaml")
    sizes = {path.name: _sizes(path) for path in build.iterdir() if path.is_dir()}
    functions: dict[str, Any] = {}
    for function in built.functions():
        parts = [function.code_uri.name, *(layer.name for layer in function.layer_dirs)]
        unzipped = sum(sizes[part][0] for part in parts if part in sizes)
        zipped = sum(sizes[part][1] for part in parts if part in sizes)
        functions[function.logical_id] = {
            "unzipped_mb": round(unzipped / MB, 1),
            "zipped_mb": round(zipped / MB, 1),
            "layers": parts[1:],
            "limit_mb": limit_mb(parts[1:]),
        }
    return {"functions": functions, **pyc_report(build), "dev_deps_in_artifacts": _dev_packages(build)}


def artifact() -> dict[str, Any]:
    """Build into a temporary directory (never the repo's .aws-sam), compile as the Makefile does, measure."""
    sam = sam_binary()
    if sam is None:
        return {"error": "no SAM CLI: run `make .tools/sam/.installed`"}
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-bench-build-"))
    build = workdir / "build"
    # sam build keeps dependencies in the project's .aws-sam/deps whatever --build-dir says: tidy what we made.
    project_build = ROOT / ".aws-sam"
    had_project_build = project_build.exists()
    try:
        env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYENV_VERSION": "3.11.7:3.13.0"}
        command = [sam, "build", "--build-dir", str(build), "--cache-dir", str(workdir / "cache"), "--cached"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=420, check=False)
        if done.returncode:
            return {"error": "sam build failed: " + " | ".join(done.stderr.strip().splitlines()[-3:])}
        steps = post_build_steps()
        for step in steps:
            subprocess.run(step.replace(".aws-sam/build", str(build)), shell=True, cwd=ROOT, check=True, timeout=300)
        return {"sam": sam, "post_build_steps": steps, **measure(build)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not had_project_build:
            shutil.rmtree(project_build, ignore_errors=True)
