"""The figure library as a wheel that readers of downloaded examples can install.

The wheel is written into ``docs/_generated/`` before reading starts, and
pages and the gallery link it with the ``wheel`` role (``:wheel:`torchfig```),
so its versioned file name is written nowhere but here. It is assembled
directly from the package sources and ``pyproject.toml`` (a pure-Python
wheel is a zip with three metadata files), with fixed timestamps, so the
same sources always give the same bytes. The file is written only when
those bytes change: Sphinx reads the gallery's index, which links the
wheel, again whenever the file is newer than the page.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tomllib
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

GENERATED = "_generated"  # under docs/, git-ignored
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def _metadata(project: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
    ]
    lines += [f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def project_of(root: Path) -> dict:
    """pyproject.toml's [project] table: the package's name, version and metadata."""
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def wheel_name(project: dict) -> str:
    return f"{project['name']}-{project['version']}-py3-none-any.whl"


def build_wheel(root: Path, out_dir: Path) -> Path:
    """Write the wheel of the package named in pyproject.toml, unless the same bytes are there already."""
    project = project_of(root)
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    files = {f"{name}/{p.name}": p.read_bytes() for p in sorted((root / name).glob("*.py"))}
    files[f"{dist_info}/METADATA"] = _metadata(project).encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: docs/_ext/downloads.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / wheel_name(project)
    if not wheel.exists() or wheel.read_bytes() != buffer.getvalue():
        wheel.write_bytes(buffer.getvalue())
    return wheel


def write_downloads(app, config) -> None:
    build_wheel(Path(app.confdir), Path(app.srcdir) / GENERATED)


def wheel_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:wheel:`torchfig```: a download link to the wheel, its file name as the text."""
    env = inliner.document.settings.env
    project = project_of(Path(env.app.confdir))
    if text != project["name"]:
        message = inliner.reporter.error(f"{{wheel}} knows the {project['name']!r} wheel only, not {text!r}",
                                         line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    file_name = wheel_name(project)
    link = addnodes.download_reference(rawtext, "", nodes.literal(file_name, file_name),
                                       reftarget=f"/{GENERATED}/{file_name}", refdoc=env.docname,
                                       refexplicit=True)
    return [link], []


def setup(app):
    app.connect("config-inited", write_downloads)
    app.add_role("wheel", wheel_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
