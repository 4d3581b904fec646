"""Versions lists: read as a person writes them, named and filed predictably."""

from __future__ import annotations

import pytest

from studio.media.versions import (
    Version,
    VersionError,
    parse_versions,
    select_versions,
    strip_extension,
)


def test_a_versions_list_reads_words_in_any_order_with_defaults() -> None:
    versions = parse_versions(
        "16x9\n9x16 fr   # vertical, French\nwebm podcast 1:1 German\n\n720x1280 en gif broadcast",
        "en",
    )
    assert versions == [
        Version("16x9", 1920, 1080, "en", "mp4", "online_video"),
        Version("9x16", 1080, 1920, "fr", "mp4", "online_video"),
        Version("1x1", 1080, 1080, "de", "webm", "podcast"),
        Version("720x1280", 720, 1280, "en", "gif", "broadcast"),
    ]
    assert [v.name for v in versions] == ["16x9.en", "9x16.fr", "1x1.de", "720x1280.en"]
    assert versions[1].path_for("out/piece.mp4") == "out/piece.9x16.fr.mp4"
    assert versions[2].path_for("piece") == "piece.1x1.de.webm"
    assert strip_extension("my.film") == "my.film"  # not a video extension: kept whole
    assert parse_versions("4x5", "French")[0] == Version("4x5", 1080, 1350, "fr")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("fr mp4", "line 1 ('fr mp4') names no format"),
        ("16x9\n9x16 klingon", "line 2"),
        ("16x9 fr\n16x9 French", "line 2 repeats line 1 (16x9.fr.mp4)"),
        ("715x1280", "715x1280 is not a size a video can have"),
        ("# nothing\n", "the versions list is empty"),
    ],
)
def test_a_list_that_cannot_be_read_names_the_line(text: str, words: str) -> None:
    with pytest.raises(VersionError) as caught:
        parse_versions(text, "en")
    assert words in str(caught.value)


def test_versions_are_chosen_by_name_in_the_lists_order() -> None:
    versions = parse_versions("16x9\n9x16 fr\n9x16 fr webm\n1x1", "en")
    assert select_versions(versions, "all") == versions
    chosen = select_versions(versions, "1x1.en,9x16.fr")
    assert [v.full_name for v in chosen] == ["9x16.fr.mp4", "9x16.fr.webm", "1x1.en.mp4"]
    assert [v.full_name for v in select_versions(versions, ["9x16.fr.webm"])] == ["9x16.fr.webm"]
    with pytest.raises(VersionError) as caught:
        select_versions(versions, "9x16.de")
    assert str(caught.value) == (
        "no version named '9x16.de' (the versions: 16x9.en, 9x16.fr, 1x1.en, or all)"
    )
