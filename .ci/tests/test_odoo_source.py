"""Getting Odoo's source: what is accepted, what is refused, what is left behind."""

import io
import tarfile

import pytest
from devkit import odoo_source
from devkit.output import Abort


def make_tree(root, version="19.0", name="odoo-src"):
    tree = root / name
    (tree / "odoo").mkdir(parents=True)
    (tree / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    major, minor = version.split(".")
    (tree / "odoo" / "release.py").write_text(
        f"version_info = ({major}, {minor}, 0, 'final', 0, '')\n"
        "major_version = '.'.join(str(s) for s in version_info[:2])\n"
    )
    (tree / "addons" / "web" / "i18n").mkdir(parents=True)
    (tree / "addons" / "web" / "__manifest__.py").write_text("{}\n")
    (tree / "addons" / "web" / "i18n" / "fr.po").write_text("msgid ''\n")
    return tree


def make_tarball(root, version="19.0"):
    tree = make_tree(root / "build", version)
    path = root / f"odoo-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(tree, arcname=f"odoo-{version}")
    return path


@pytest.fixture
def dev_dir(tmp_path, monkeypatch):
    """odoo_source working in a folder of the test's own."""
    dev = tmp_path / "dev"
    monkeypatch.setattr(odoo_source, "DEV_DIR", dev)
    monkeypatch.setattr(odoo_source, "SOURCE_DIR", dev / "odoo")
    monkeypatch.setattr(odoo_source, "DISK_NEEDED", 0)
    return dev


class TestSourceKinds:
    def test_urls(self):
        assert odoo_source.Source("https://example.org/odoo.tar.gz").kind == "tar-url"
        assert odoo_source.Source("https://example.org/o.tgz?x=1").kind == "tar-url"
        git = odoo_source.Source("https://example.org/odoo.git")
        assert (git.kind, git.ref) == ("git", "19.0")
        tagged = odoo_source.Source("https://example.org/odoo.git#saas-19.1")
        assert (tagged.kind, tagged.ref, tagged.location) == (
            "git",
            "saas-19.1",
            "https://example.org/odoo.git",
        )

    def test_local_paths(self, tmp_path):
        tree = make_tree(tmp_path)
        assert odoo_source.Source(str(tree)).kind == "dir"
        archive = make_tarball(tmp_path)
        assert odoo_source.Source(str(archive)).kind == "tar"

    def test_missing_path_is_refused_naming_the_variable(self, tmp_path):
        with pytest.raises(
            Abort, match=r"ODOO_SOURCE=.*does not exist: set ODOO_SOURCE"
        ):
            odoo_source.Source(str(tmp_path / "nope.tar.gz"))

    def test_other_schemes_are_refused(self):
        with pytest.raises(Abort, match="only https, http and file URLs"):
            odoo_source.Source("ftp://example.org/odoo.tar.gz")


class TestLocalSources:
    def test_folder_is_used_in_place(self, tmp_path, dev_dir):
        tree = make_tree(tmp_path)
        src, origin, reused = odoo_source.odoo_source(str(tree))
        assert (src, origin, reused) == (tree, str(tree), False)
        assert not dev_dir.exists()  # nothing copied, nothing written

    def test_tarball_is_extracted_without_translations_then_reused(
        self, tmp_path, dev_dir
    ):
        archive = make_tarball(tmp_path)
        src, _origin, reused = odoo_source.odoo_source(str(archive))
        assert src == dev_dir / "odoo" and not reused
        assert (src / "odoo-bin").is_file()
        assert (src / "addons" / "web" / "__manifest__.py").is_file()
        assert not (src / "addons" / "web" / "i18n" / "fr.po").exists()
        # Named again, or not named at all: the same tree, not fetched again.
        assert odoo_source.odoo_source(str(archive))[2] is True
        assert odoo_source.odoo_source(None)[2] is True
        assert not list(dev_dir.glob("odoo.partial-*"))

    def test_another_source_replaces_the_tree(self, tmp_path, dev_dir):
        first = make_tarball(tmp_path / "a")
        odoo_source.odoo_source(str(first))
        second = make_tarball(tmp_path / "b")
        _src, origin, reused = odoo_source.odoo_source(str(second))
        assert (origin, reused) == (str(second), False)
        assert odoo_source.read_marker()["source"] == str(second)

    def test_wrong_version_is_refused_and_leaves_nothing(self, tmp_path, dev_dir):
        archive = make_tarball(tmp_path, version="18.0")
        with pytest.raises(Abort, match=r"is Odoo 18\.0, not 19\.0: set ODOO_SOURCE"):
            odoo_source.odoo_source(str(archive))
        assert not (dev_dir / "odoo").exists()
        assert not list(dev_dir.glob("odoo.partial-*"))

    def test_corrupt_tarball_is_refused_and_leaves_nothing(self, tmp_path, dev_dir):
        archive = make_tarball(tmp_path)
        data = archive.read_bytes()
        archive.write_bytes(data[: len(data) // 2])
        with pytest.raises(Abort, match="is not a readable .tar.gz"):
            odoo_source.odoo_source(str(archive))
        assert not (dev_dir / "odoo").exists()
        assert not list(dev_dir.glob("odoo.partial-*"))

    def test_tarball_without_odoo_is_refused(self, tmp_path, dev_dir):
        archive = tmp_path / "other.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            info = tarfile.TarInfo("project/README")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
        with pytest.raises(Abort, match="holds no Odoo source tree"):
            odoo_source.odoo_source(str(archive))

    def test_tarball_escaping_its_folder_is_not_extracted_outside(
        self, tmp_path, dev_dir
    ):
        archive = tmp_path / "evil.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            info = tarfile.TarInfo("../../escaped")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"hi"))
        with pytest.raises(Abort):
            odoo_source.odoo_source(str(archive))
        assert not (tmp_path / "escaped").exists()
        assert not (dev_dir.parent / "escaped").exists()

    def test_leftovers_of_an_interrupted_fetch_are_removed(self, tmp_path, dev_dir):
        dev_dir.mkdir()
        (dev_dir / "odoo.partial-1234" / "odoo").mkdir(parents=True)
        (dev_dir / "odoo-download-1234.part").write_bytes(b"half")
        odoo_source.odoo_source(str(make_tarball(tmp_path)))
        assert sorted(p.name for p in dev_dir.iterdir()) == ["odoo"]

    def test_unreachable_url_names_the_variable(self, dev_dir):
        with pytest.raises(Abort, match="cannot download Odoo from .*set ODOO_SOURCE"):
            odoo_source.odoo_source("http://127.0.0.1:9/odoo.tar.gz")
        assert not list(dev_dir.glob("odoo-download-*"))

    def test_full_disk_is_said_before_anything_is_written(
        self, tmp_path, dev_dir, monkeypatch
    ):
        monkeypatch.setattr(odoo_source, "DISK_NEEDED", 1 << 60)
        with pytest.raises(Abort, match="MB free on the disk of .*ENDPOINT_DEV_DIR"):
            odoo_source.odoo_source(str(make_tarball(tmp_path)))
        assert not dev_dir.exists()
