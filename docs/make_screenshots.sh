#!/bin/sh
# Screenshots of the HTML pages, rendered by headless Chromium (Debian's
# `chromium` package; `make screenshots` installs it when run as root):
#   docs/screenshots/student-feedback.png  the `mistakes` example, lab 1.4.1
#   docs/screenshots/class-report.png      the class report of every example
# Usage: docs/make_screenshots.sh [RESULTS_DIR]   (default: a fresh grading
# of examples/submitted with seed 1, so reruns give the same pages).
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "make_screenshots: chromium not found (apt-get install chromium)" >&2; exit 1; }
OUT=${1:-}
if [ -z "$OUT" ]; then
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
    "$BIN/autograder" grade examples/submitted --out "$OUT" --seed 1 --jobs 2 >/dev/null
fi
"$BIN/autograder" report "$OUT"

# Chromium's own sandbox cannot start as root (CI, containers).
SANDBOX=""
[ "$(id -u)" -ne 0 ] || SANDBOX="--no-sandbox"
# 1200 px wide: a laptop window. The window is taller than any page; the
# screenshot is then cropped to the page's content.
WIDTH=1200
HEIGHT=12000

shoot() {   # page.html shot.png
    "$CHROMIUM" --headless $SANDBOX --disable-gpu --hide-scrollbars --mute-audio \
        --window-size="$WIDTH,$HEIGHT" --screenshot="$2" "file://$(realpath "$1")" 2>/dev/null
    crop "$2"
}

# Crop to the page's content (the window's background below it is dropped)
# and store a palette PNG: a fraction of the size, the pages use few colours.
crop() {
    "$BIN/python" - "$1" <<'PY'
import sys
from PIL import Image, ImageChops
MARGIN = 24      # px of background kept below the content
COLOURS = 256    # palette size: keeps the plots' colours and anti-aliasing
image = Image.open(sys.argv[1]).convert("RGB")
background = Image.new("RGB", image.size, image.getpixel((0, image.height - 1)))
box = ImageChops.difference(image, background).getbbox()
bottom = image.height if box is None else min(image.height, box[3] + MARGIN)
image.crop((0, 0, image.width, bottom)).quantize(COLOURS).save(sys.argv[1], optimize=True)
PY
}
mkdir -p docs/screenshots
shoot "$OUT/mistakes/lab-1.4.1-manual-backpropagation.feedback.html" docs/screenshots/student-feedback.png
shoot "$OUT/report/index.html" docs/screenshots/class-report.png
echo "make_screenshots: wrote docs/screenshots/student-feedback.png and docs/screenshots/class-report.png"
