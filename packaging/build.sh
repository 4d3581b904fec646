#!/usr/bin/env bash
# Build the desktop bundle (packaging/dist/studio/) with PyInstaller and smoke-test it.
#
#   packaging/build.sh              build, then smoke-test
#   packaging/build.sh --clean      throw away PyInstaller's cache first (after a dependency upgrade)
#   packaging/build.sh --test-only  smoke-test an existing dist/studio without rebuilding
#
# Environment: PYTHON (default: python) is the environment that has the studio installed
# (pip install -e .); DEMO_OUTPUT (default /tmp/frozen-demo.mp4); GUI_SECONDS (default 10): how long
# the window must stay up; RUN_SECONDS (default 180): how long a run started in the window may take.
# Exit code 0 only if the build and every check passed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python}"
DEMO_OUTPUT="${DEMO_OUTPUT:-/tmp/frozen-demo.mp4}"
GUI_SECONDS="${GUI_SECONDS:-10}"
RUN_SECONDS="${RUN_SECONDS:-180}"
APP="$HERE/dist/studio/studio"
EXAMPLE="$HERE/../resources/examples/lighthouse.json"

clean=""
build=1
for arg in "$@"; do
    case "$arg" in
        --clean) clean="--clean" ;;
        --test-only) build=0 ;;
        *) echo "unknown option: $arg" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if [[ $build == 1 ]]; then
    step "PyInstaller"
    if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
        echo "PyInstaller is missing: installing it into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
        "$PYTHON" -m pip install pyinstaller
    fi
    "$PYTHON" -m PyInstaller --version
    "$PYTHON" -c "import studio, nodes" || fail "the studio is not installed in $PYTHON (pip install -e .)"

    step "build (onedir) into $HERE/dist/studio"
    start=$(date +%s)
    (cd "$HERE" && "$PYTHON" -m PyInstaller --noconfirm $clean --log-level WARN \
        --distpath dist --workpath build studio.spec)
    echo "build took $(($(date +%s) - start)) s"
fi

[[ -x "$APP" ]] || fail "$APP does not exist: build first"
echo "bundle size: $(du -sh "$HERE/dist/studio" | cut -f1)"

# The smoke tests use their own cache, settings and autosave folders: the demo must really render,
# not come from the developer's cache, and nothing here touches the user's studio.
SANDBOX="$(mktemp -d)"
xvfb_pid=""
cleanup() {
    # `|| true`: under `set -e` a failing kill (the server already gone) would change the exit code.
    [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$SANDBOX"
}
trap cleanup EXIT
export STUDIO_CACHE_DIR="$SANDBOX/cache" STUDIO_DATA_DIR="$SANDBOX/data"
export STUDIO_CONFIG_DIR="$SANDBOX/config" STUDIO_STATE_DIR="$SANDBOX/state"
export STUDIO_LOG_DIR="$SANDBOX/log"

step "studio --version"
"$APP" --version | tee "$SANDBOX/version.txt"
for part in "^studio " "^Python " "^Qt " "^PyAV .*(FFmpeg " "^onnxruntime "; do
    grep -q "$part" "$SANDBOX/version.txt" || fail "studio --version does not name $part"
done

step "studio nodes (the node pack is found through its entry point)"
"$APP" nodes > "$SANDBOX/frozen-nodes.txt"
cat "$SANDBOX/frozen-nodes.txt"
for node in text.brief text.prompt image.generate image.title_card video.from_image audio.speech \
    audio.music compose.timeline export.video; do
    grep -q "^  $node " "$SANDBOX/frozen-nodes.txt" || fail "node $node is missing from the bundle"
done
# The bundle must list exactly what the installed studio lists.
if "$PYTHON" -m studio nodes > "$SANDBOX/installed-nodes.txt" 2>/dev/null; then
    diff -u "$SANDBOX/installed-nodes.txt" "$SANDBOX/frozen-nodes.txt" \
        || fail "the bundle lists other nodes than the installed studio"
    echo "same $(grep -c '^  [a-z]' "$SANDBOX/frozen-nodes.txt") node types as the installed studio"
fi

check_mp4() {
    "$PYTHON" - "$1" <<'EOF'
import sys

import av

path = sys.argv[1]
with av.open(path) as container:
    codecs = {s.type: s.codec_context.name for s in container.streams}
    video = container.streams.video[0]
    seconds = container.duration / av.time_base
    print(f"{path}: {codecs}, {video.codec_context.width}x{video.codec_context.height}, {seconds:.2f} s")
    frames = sum(1 for _ in container.decode(video=0))
if codecs.get("video") != "h264" or codecs.get("audio") != "aac":
    sys.exit(f"expected H.264 video and AAC audio, got {codecs}")
if seconds < 1 or frames < 24:
    sys.exit(f"the video is too short: {seconds:.2f} s, {frames} frames")
print(f"decoded {frames} video frames")
EOF
}

step "studio voices (the bundled Piper voice and eSpeak NG's languages are in the bundle)"
"$APP" voices --json > "$SANDBOX/frozen-voices.json"
"$PYTHON" - "$SANDBOX/frozen-voices.json" <<'EOF'
import json, sys

voices = json.load(open(sys.argv[1]))
keys = [v["key"] for v in voices["piper"]]
if keys[:1] != ["en_US-joe-medium"]:
    sys.exit(f"the bundled voice is missing from the bundle: {keys}")
if "fr-fr" not in voices["espeak"]:
    sys.exit("eSpeak NG's voices are missing from the bundle")
print(f"Piper voices {keys}; {len(voices['espeak'])} eSpeak NG languages")
EOF

step "studio demo -o $DEMO_OUTPUT (offline engines, empty cache)"
rm -f "$DEMO_OUTPUT"
start=$(date +%s%N)
(cd "$SANDBOX" && "$APP" demo --json -o "$DEMO_OUTPUT" > "$SANDBOX/frozen-demo.jsonl")
echo "frozen demo took $((($(date +%s%N) - start) / 1000000)) ms"
check_mp4 "$DEMO_OUTPUT"
# The narration must come from the Piper voice with no fallback warning: its files passed their
# digest check, and Piper's eSpeak NG data and onnxruntime made it into the bundle.
"$PYTHON" - "$SANDBOX/frozen-demo.jsonl" <<'EOF'
import json, sys

events = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
narration = [e for e in events if e["event"] == "finished" and e["node"] == "narration"]
warnings = [e["message"] for e in events if e["event"] == "warning"]
if not narration or narration[0]["provenance"].get("engine") != "piper" or warnings:
    sys.exit(f"the frozen demo did not narrate with Piper: {narration[:1]} {warnings}")
print("narrated by", narration[0]["provenance"]["voice"], "(piper)")
EOF

step "studio render --form (the example's app-mode form drives a render)"
cp "$EXAMPLE" "$SANDBOX/form-example.json"
(cd "$SANDBOX" && "$APP" render form-example.json --form-help)
(cd "$SANDBOX" && "$APP" render form-example.json --form "brief=a keeper's cat watching the storm" \
    --form voice=en-gb -o "$SANDBOX/form.mp4")
check_mp4 "$SANDBOX/form.mp4"

# There is no "quit after start" switch in the GUI: start the window with the example graph, check
# the process is still alive after GUI_SECONDS (a missing plugin or import kills it in the first
# second), then stop it ourselves.
# The window opens a copy, so whatever it writes next to the graph stays in the sandbox. The
# offscreen check opens the old .json form with `studio open`; the xcb check gives the bundle
# a .studiograph on its command line, as a double-click does.
cp "$EXAMPLE" "$SANDBOX/lighthouse.json"
cp "$EXAMPLE" "$SANDBOX/lighthouse.studiograph"
# On a desktop the bundle asks once to join the app menu; answered "no" here so the question does
# not sit over the canvas the xcb check clicks (tests/gui/test_desktop_offer.py checks the offer).
mkdir -p "$SANDBOX/state"
printf '{"%s": "no"}\n' "$APP" > "$SANDBOX/state/desktop-offer.json"
OPEN_ARGS=(open "$SANDBOX/lighthouse.json")
gui_check() {
    local name="$1"
    shift
    "$@" "$APP" "${OPEN_ARGS[@]}" > "$SANDBOX/gui-$name.log" 2>&1 &
    local pid=$!
    sleep "$GUI_SECONDS"
    if ! kill -0 "$pid" 2>/dev/null; then
        cat "$SANDBOX/gui-$name.log" >&2
        fail "the window ($name) exited within $GUI_SECONDS s"
    fi
    if grep -q "Traceback" "$SANDBOX/gui-$name.log"; then
        kill "$pid"
        cat "$SANDBOX/gui-$name.log" >&2
        fail "the window ($name) logged a traceback"
    fi
    if [[ -n "${CHECK_WINDOW:-}" ]] && ! $CHECK_WINDOW; then
        kill "$pid"
        fail "the window ($name) did not show"
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "the window ($name) was up for $GUI_SECONDS s without errors"
}

step "GUI, offscreen platform"
gui_check offscreen env QT_QPA_PLATFORM=offscreen

step "app mode window (studio app), offscreen"
OPEN_ARGS=(app "$SANDBOX/lighthouse.json")
gui_check app-offscreen env QT_QPA_PLATFORM=offscreen
OPEN_ARGS=(open "$SANDBOX/lighthouse.json")

step "GUI without a display: one message and exit code 2, before Qt aborts"
set +e
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$APP" open "$SANDBOX/lighthouse.json" \
    > "$SANDBOX/no-display.log" 2>&1
code=$?
set -e
cat "$SANDBOX/no-display.log"
[[ $code == 2 ]] || fail "without a display the window exited with $code, not 2"
grep -q "There is no display" "$SANDBOX/no-display.log" || fail "no 'no display' message"
if grep -q "qt.qpa\|Aborted\|Traceback" "$SANDBOX/no-display.log"; then
    fail "Qt's own abort text (or a traceback) was printed"
fi

step "studio desktop install from the bundle (into the sandbox's XDG folders)"
desktop_env=(env -u XDG_CURRENT_DESKTOP XDG_DATA_HOME="$SANDBOX/xdg/data"
    XDG_CONFIG_HOME="$SANDBOX/xdg/config" XDG_DATA_DIRS=/usr/local/share:/usr/share)
"${desktop_env[@]}" "$APP" desktop install
entry="$SANDBOX/xdg/data/applications/io.github.multimodal_studio.Studio.desktop"
grep -qx "Exec=$APP open %f" "$entry" || fail "the entry does not start the bundle: $(grep Exec= "$entry")"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$entry" || fail "desktop-file-validate refused the entry"
    echo "desktop-file-validate: the entry is valid"
fi
if command -v xdg-mime >/dev/null; then
    for mime in application/x-multimodal-studio-graph application/x-multimodal-studio-pack; do
        default="$("${desktop_env[@]}" xdg-mime query default "$mime")"
        [[ "$default" == io.github.multimodal_studio.Studio.desktop ]] \
            || fail "xdg-mime: the default for $mime is '$default'"
        echo "xdg-mime: $mime opens with $default"
    done
    kind="$("${desktop_env[@]}" xdg-mime query filetype "$SANDBOX/lighthouse.studiograph")"
    [[ "$kind" == application/x-multimodal-studio-graph ]] || fail "lighthouse.studiograph is $kind"
fi
"${desktop_env[@]}" "$APP" desktop uninstall
[[ ! -e "$entry" ]] || fail "desktop uninstall left $entry"
grep -q "INFO studio: start cli: studio desktop install" "$SANDBOX/log/studio.log" \
    || fail "the bundle wrote no log file"
echo "the bundle logs to $SANDBOX/log/studio.log"

# If a virtual X server is at hand, also try the xcb plugin a Linux desktop uses: check the main
# window really mapped with the graph's name in its title, then run the graph from the window.
if command -v Xvfb >/dev/null && command -v xwininfo >/dev/null; then
    step "GUI, xcb platform on a virtual X server"
    display=":$((90 + RANDOM % 100))"
    Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 &
    xvfb_pid=$!
    sleep 1
    check_title() {
        local title="lighthouse.studiograph — Multimodal Studio"
        if ! DISPLAY="$display" xwininfo -root -tree | grep -q "$title"; then
            echo "no main window titled after the example on $display" >&2
            return 1
        fi
        echo "main window mapped: $(DISPLAY="$display" xwininfo -root -tree | grep -o "\"$title\"")"
        # Run the graph from the window: click the empty canvas (there is no window manager to
        # give the window focus), press Ctrl+Return (Run All), and wait for the Export node's
        # video next to the graph. XTest through ctypes; skipped without libXtst.
        local input="$PYTHON $HERE/x11_input.py $display"
        if ! $input click 1150 760; then
            echo "(no libX11/libXtst: skipped running the graph in the window)"
            return 0
        fi
        $input keys Control_L Return
        local waited=0
        while [[ ! -f "$SANDBOX/lighthouse.mp4" && $waited -lt $RUN_SECONDS ]]; do
            sleep 1
            waited=$((waited + 1))
        done
        if [[ ! -f "$SANDBOX/lighthouse.mp4" ]]; then
            echo "Run All in the window wrote no video within $RUN_SECONDS s" >&2
            return 1
        fi
        echo "Run All in the window wrote lighthouse.mp4 after about $waited s"
        check_mp4 "$SANDBOX/lighthouse.mp4" || return 1
    }
    # Its own empty cache, so the window really renders rather than reusing the demo's results.
    # The graph is given on the command line alone (`studio FILE`), as a file manager does.
    OPEN_ARGS=("$SANDBOX/lighthouse.studiograph")
    CHECK_WINDOW=check_title gui_check xcb env DISPLAY="$display" QT_QPA_PLATFORM=xcb \
        STUDIO_CACHE_DIR="$SANDBOX/window-cache"
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
    xvfb_pid=""
else
    echo "(no Xvfb/xwininfo here: skipped the xcb check)"
fi

step "all checks passed: $APP ($(du -sh "$HERE/dist/studio" | cut -f1))"
