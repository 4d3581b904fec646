"""A desktop bundle asks once, without blocking the window, to join the app menu."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.gui import desktop_offer


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """This process dressed as a frozen bundle on a desktop, with its own XDG folders."""
    exe = tmp_path / "dist" / "studio" / "studio"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    monkeypatch.setattr(QApplication, "platformName", staticmethod(lambda: "xcb"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return exe, tmp_path / "data" / "applications" / "io.github.multimodal_studio.Studio.desktop"


def answer(box: QMessageBox, button: QMessageBox.StandardButton) -> None:
    box.button(button).click()


def test_yes_installs_the_entry_naming_the_bundle_and_is_not_asked_again(window, qtbot, bundle):
    exe, entry = bundle
    assert desktop_offer.should_offer()
    box = desktop_offer.offer_if_bundle(window)
    assert box is not None and box.isVisible()  # open(): the event loop goes on
    answer(box, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(entry.exists, timeout=30_000)
    assert f"Exec={exe} open %f" in entry.read_text()
    assert not desktop_offer.should_offer()


def test_no_is_remembered_until_the_bundle_moves(window, qtbot, bundle, tmp_path, monkeypatch):
    _, entry = bundle
    box = desktop_offer.offer_if_bundle(window)
    answer(box, QMessageBox.StandardButton.No)
    qtbot.waitUntil(lambda: not desktop_offer.should_offer(), timeout=30_000)
    assert not entry.exists()
    moved = tmp_path / "elsewhere" / "studio"
    monkeypatch.setattr(sys, "executable", str(moved))
    assert desktop_offer.should_offer()


def test_an_installed_python_studio_or_an_offscreen_window_is_never_asked(window, monkeypatch):
    monkeypatch.setattr(sys, "frozen", False, raising=False)
    assert desktop_offer.offer_if_bundle(window) is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert QApplication.platformName() == "offscreen"
    assert desktop_offer.offer_if_bundle(window) is None
