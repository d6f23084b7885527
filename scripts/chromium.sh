# Sourced by test.sh: make Debian's Chromium available for the browser test of the hospital
# report (every chart draws, no script error, a screenshot in $MEDINS_ARTIFACTS). Installs the
# chromium package (and CJK fonts, for the Chinese labels) when it is missing and we are root
# (CI); otherwise prints a notice and that one test skips.

_medins_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium.sh: installing Chromium from Debian packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null ||
      echo "chromium.sh: apt-get install chromium failed" >&2
  fi
  command -v chromium >/dev/null 2>&1 ||
    echo "NOTICE: no Chromium; the browser test of the hospital report will be SKIPPED" >&2
}

_medins_chromium
export MEDINS_ARTIFACTS="${MEDINS_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$MEDINS_ARTIFACTS"
