#!/bin/sh
# Usage: scripts/find_python.sh [--version] NAME
# Prints the real path of a working Python 3.10+ interpreter called NAME (python3, python3.10,
# /path/to/python), or with --version its "X.Y". The Makefile creates each venv with it.
#
# pyenv's shims answer "command not found" for a version that is installed but not selected
# (`pyenv global`/`local`), so a python3.N that does not run is looked for among pyenv's
# installed versions ($PYENV_ROOT/versions/3.N.*) before giving up.
set -eu

mode=path
if [ "${1:-}" = "--version" ]; then
    mode=version
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--version] NAME" >&2
    exit 2
fi
want=$1

# The interpreter itself says where it lives (a shim's target, not the shim) and which version it is.
probe() {
    "$1" -c '
import sys
if sys.version_info < (3, 10):
    sys.exit(3)
print(sys.executable if sys.argv[1] == "path" else "%d.%d" % sys.version_info[:2])
' "$mode" 2>/dev/null
}

too_old() {
    echo "$0: $1 is older than Python 3.10, which agentos-factories needs" >&2
    exit 1
}

status=0
probe "$want" || status=$?
[ "$status" -eq 0 ] && exit 0
[ "$status" -eq 3 ] && too_old "$want"

case $want in
    python3.[0-9]*)
        minor=${want#python}
        root=${PYENV_ROOT:-$HOME/.pyenv}
        # Newest patch release first (3.10.13 before 3.10.9).
        for candidate in $(ls -d "$root/versions/$minor".* 2>/dev/null | sort -t. -k3,3nr); do
            status=0
            probe "$candidate/bin/$want" || status=$?
            [ "$status" -eq 0 ] && exit 0
            [ "$status" -eq 3 ] && too_old "$candidate/bin/$want"
        done
        ;;
esac

echo "$0: no working Python interpreter '$want' on this machine (PATH, or pyenv's versions);" \
    "install it or name one that runs, e.g. PYTHON=/usr/bin/python3.11" >&2
exit 1
