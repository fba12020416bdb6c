"""Finding the host's Debian mirror in apt sources (deb822 and one-line), and forgetting it."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bootstrap import (
    NEUTRAL_SOURCES,
    AptSource,
    _forget_mirror,
    _redact,
    debian_mirror,
    parse_deb822_sources,
    parse_one_line_sources,
)
from grader.errors import InfrastructureError

DEB822 = """\
Types: deb
# http://snapshot.example.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example.org/debian
Suites: bookworm
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
"""

ONE_LINE = """\
# deb http://commented.example.org/debian bookworm main
deb-src http://src.example.org/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://one.example.org/debian bookworm main
deb http://one.example.org/debian-security bookworm-security main # trailing comment
"""


def test_deb822_keeps_enabled_binary_stanzas() -> None:
    assert parse_deb822_sources(DEB822) == [
        AptSource(uri="http://mirror.example.org/debian", suites=("bookworm", "bookworm-updates")),
        AptSource(uri="http://mirror.example.org/debian-security", suites=("bookworm-security",)),
    ]


def test_deb822_folded_fields_and_several_uris() -> None:
    text = (
        "Types: deb deb-src\n"
        "URIs: http://a.example/debian\n"
        " http://b.example/debian\n"
        "Suites: trixie\n"
    )
    assert [s.uri for s in parse_deb822_sources(text)] == [
        "http://a.example/debian",
        "http://b.example/debian",
    ]


def test_one_line_skips_comments_and_sources_and_reads_options() -> None:
    assert parse_one_line_sources(ONE_LINE) == [
        AptSource(uri="https://one.example.org/debian", suites=("bookworm",)),
        AptSource(uri="http://one.example.org/debian-security", suites=("bookworm-security",)),
    ]


def _etc_apt(
    tmp_path: Path, *, sources_list: str = "", parts: dict[str, str] | None = None
) -> Path:
    etc = tmp_path / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    if sources_list:
        (etc / "sources.list").write_text(sources_list)
    for name, text in (parts or {}).items():
        (etc / "sources.list.d" / name).write_text(text)
    return etc


def test_mirror_from_a_deb822_file(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, parts={"debian.sources": DEB822})
    assert debian_mirror("bookworm", etc_apt=etc) == "http://mirror.example.org/debian"


def test_mirror_from_a_one_line_sources_list(tmp_path: Path) -> None:
    etc = _etc_apt(tmp_path, sources_list=ONE_LINE)
    assert debian_mirror("bookworm", etc_apt=etc) == "https://one.example.org/debian"


def test_the_requested_suite_wins_over_other_debian_sources(tmp_path: Path) -> None:
    etc = _etc_apt(
        tmp_path,
        sources_list="deb http://old.example/debian bullseye main\n",
        parts={"new.list": "deb http://new.example/debian bookworm main\n"},
    )
    assert debian_mirror("bookworm", etc_apt=etc) == "http://new.example/debian"
    assert debian_mirror("trixie", etc_apt=etc) == "http://old.example/debian"


def test_third_party_and_security_only_sources_are_no_mirror(tmp_path: Path) -> None:
    etc = _etc_apt(
        tmp_path,
        parts={
            "vendor.list": "deb https://vendor.example/apt nodistro main\n",
            "security.list": "deb http://sec.example/debian-security bookworm-security main\n",
            "odd.list": "deb cdrom:[Debian]/ bookworm main\n",
        },
    )
    with pytest.raises(InfrastructureError) as caught:
        debian_mirror("bookworm", etc_apt=etc)
    assert "apt sources" in caught.value.message
    assert caught.value.tip


def test_mirror_plus_file_lists_give_their_first_mirror(tmp_path: Path) -> None:
    listing = tmp_path / "mirrors.list"
    listing.write_text("# cloud mirrors\nhttps://cloud.example/debian priority:1\n")
    text = f"Types: deb\nURIs: mirror+file://{listing}\nSuites: bookworm\nComponents: main\n"
    etc = _etc_apt(tmp_path, parts={"debian.sources": text})
    assert debian_mirror("bookworm", etc_apt=etc) == "https://cloud.example/debian"


def test_redaction_hides_the_mirror_url_and_host() -> None:
    mirror = "http://mirror.example.org/debian"
    line = "I: Retrieving http://mirror.example.org/debian/dists/x from mirror.example.org"
    assert "example" not in _redact(line, mirror=mirror)


def _rootfs(tmp_path: Path, mirror: str) -> Path:
    root = tmp_path / "rootfs"
    for name, text in {
        "etc/apt/sources.list": f"deb {mirror} bookworm main\n",
        "etc/resolv.conf": "nameserver 10.0.0.1\n",
        "etc/hostname": "build-host\n",
        "var/log/bootstrap.log": f"fetched from {mirror}\n",
        "var/lib/dpkg/status": "Package: python3\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_forget_mirror_leaves_no_trace_of_the_mirror_or_host(tmp_path: Path) -> None:
    mirror = "http://mirror.example.org/debian"
    root = _rootfs(tmp_path, mirror)
    _forget_mirror(root, mirror=mirror)
    assert (root / "etc/apt/sources.list").read_text() == NEUTRAL_SOURCES
    assert (root / "etc/resolv.conf").read_text() == ""
    assert (root / "etc/hostname").read_text() == ""
    assert not (root / "var/log/bootstrap.log").exists()


def test_forget_mirror_refuses_a_rootfs_that_still_names_it(tmp_path: Path) -> None:
    mirror = "http://mirror.example.org/debian"
    root = _rootfs(tmp_path, mirror)
    (root / "var/lib/dpkg/leftover").write_text("mirror.example.org\n")
    with pytest.raises(InfrastructureError) as caught:
        _forget_mirror(root, mirror=mirror)
    assert "/var/lib/dpkg/leftover" in caught.value.message
    assert "mirror.example.org" not in str(caught.value)
