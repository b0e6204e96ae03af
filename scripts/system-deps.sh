#!/usr/bin/env bash
# Installs the Debian packages smpgen needs, only those that are missing.
#   runtime: Pango and HarfBuzz (WeasyPrint lays out the PDF with them; the subsetter
#            makes embedded fonts byte-identical from run to run)
#   tests:   poppler-utils (pdftoppm, pdftotext), qpdf (--check), LibreOffice Writer
#            (converts every DOCX the tests produce), python3-uno (the tests edit
#            policies in LibreOffice through its API, as a person would), chromium and
#            chromium-driver (axe-core checks the HTML in a real headless browser;
#            `smpgen check` on HTML files needs them too)
set -euo pipefail
runtime=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0)
tests=(poppler-utils qpdf libreoffice-writer-nogui python3-uno chromium chromium-driver)
want=("${runtime[@]}")
[ "${1:-}" = "--tests" ] && want+=("${tests[@]}")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
