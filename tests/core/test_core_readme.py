"""The README's jobs table stays true: it lists every job the domains register, and nothing else."""

import re

from tests.worker_plugin import REPO_ROOT


def test_the_readme_jobs_table_lists_every_registered_job(app):
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Background jobs (task queue)")[1].split("\n## ")[0]

    listed = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", section, flags=re.MULTILINE)

    assert sorted(listed) == sorted(name for name in app.extensions["jobs"] if not name.startswith("tests."))
