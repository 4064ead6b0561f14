#!/usr/bin/env bash
# Check that README's "Two commands" work in a fresh clone, with no uv on PATH, under
#   - debian:  the machine's Debian system Python, /usr/bin/python3 (PEP 668: pip refuses
#              to install into it), and
#   - default: the python3 that is first on the caller's PATH (here pyenv's),
# each with PATH reduced to that python3 plus /usr/bin:/bin.
#
#   scripts/check_setup.sh [--worktree] [--full] [--cold] [debian|default]...
#
# The clone is of the committed HEAD. --worktree copies this working tree's setup files
# (scripts/bootstrap, scripts/check_setup.sh, .ci/run, README.md) over the clone first, to
# check them before they are committed. The test command is run with `-x -q
# tests/test_extract.py` appended unless --full (the whole suite, ~6 min). --cold gives uv and
# pip an empty download cache (everything is downloaded again). Exit status 0 when every
# command exited 0.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)

worktree=0 full=0 cold=0 pythons=()
for arg; do
    case $arg in
        --worktree) worktree=1 ;;
        --full) full=1 ;;
        --cold) cold=1 ;;
        debian | default) pythons+=("$arg") ;;
        -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "check_setup: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
[ ${#pythons[@]} -gt 0 ] || pythons=(debian default)
test_args=(-x -q tests/test_extract.py)
[ $full = 0 ] || test_args=()

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_setup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

failed=0
summary=()
for which in "${pythons[@]}"; do
    case $which in
        debian) real=/usr/bin/python3 ;;
        default) real=$(python3 -c 'import sys; print(sys.executable)') ;;
    esac
    echo "=== $which python3: $real ($("$real" -V 2>&1))"
    [ -x "$real" ] || { echo "no $real"; failed=1; continue; }

    # PATH: a python3 that execs $real (so a venv records $real itself), then /usr/bin:/bin.
    bin=$tmp/bin-$which
    mkdir -p "$bin"
    printf '#!/bin/sh\nexec %s "$@"\n' "$real" >"$bin/python3"
    chmod +x "$bin/python3"
    path=$bin:/usr/bin:/bin
    envv=(env -u VIRTUAL_ENV -u UV_PROJECT_ENVIRONMENT -u PYENV_VERSION -u PYTHONPATH
        -u CONDA_PREFIX -u TRACKER_UV_VERSION -u PYTHON "PATH=$path")
    if [ $cold = 1 ]; then
        envv+=("UV_CACHE_DIR=$tmp/uv-cache-$which" "PIP_NO_CACHE_DIR=1")
    fi
    if "${envv[@]}" sh -c 'command -v uv' >/dev/null; then
        echo "uv is on PATH ($("${envv[@]}" sh -c 'command -v uv')): not a valid check"; failed=1; continue
    fi
    "${envv[@]}" python3 - <<'EOF'
import os, sys, sysconfig
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
print(f"python3 -> {sys.executable} {sys.version.split()[0]}; uv on PATH: no; "
      f"PEP 668 externally managed: {'yes' if os.path.exists(marker) else 'no'}")
EOF

    dir=$tmp/$which/tracker
    git clone -q "$repo" "$dir"
    echo "clone of $(git -C "$dir" rev-parse --short HEAD) in $dir"
    if [ $worktree = 1 ]; then
        for f in scripts/bootstrap scripts/check_setup.sh .ci/run README.md; do
            cp -p "$repo/$f" "$dir/$f"
        done
        echo "overlaid from the working tree: scripts/bootstrap scripts/check_setup.sh .ci/run README.md"
    fi
    # The two commands: the non-comment lines of the sh block under "## Two commands".
    mapfile -t commands < <(awk '
        /^## Two commands/ { section = 1; next }
        section && /^## / { exit }
        section && /^```sh/ { block = 1; next }
        block && /^```/ { exit }
        block && NF && !/^[[:space:]]*#/ { print }
    ' "$dir/README.md")
    if [ ${#commands[@]} -ne 2 ]; then
        echo "README's Two commands section has ${#commands[@]} commands, not 2"; failed=1; continue
    fi
    if grep -qxF -- "${commands[1]}" "$dir/.ci/run"; then
        echo ".ci/run runs README command 2 exactly"
    else
        echo ".ci/run does not run README command 2 (${commands[1]})"; failed=1
    fi

    for i in 0 1; do
        cmd=${commands[$i]}
        args=()
        [ $i = 0 ] || args=("${test_args[@]}")
        shown="$cmd${args[*]:+ ${args[*]}}"
        echo "--- command $((i + 1)): $shown"
        start=$(now)
        set +e
        (cd "$dir" && "${envv[@]}" sh -c "$cmd"' "$@"' sh "${args[@]}") \
            >"$tmp/out" 2>"$tmp/err"
        rc=$?
        set -e
        took=$(seconds "$start" "$(now)")
        if [ $i = 0 ]; then head -n 4 "$tmp/out"; else tail -n 3 "$tmp/out"; fi
        if [ -s "$tmp/err" ]; then
            echo "stderr ($(wc -l <"$tmp/err") lines):"
            sed 's/^/  ! /' "$tmp/err" | head -n 40
        else
            echo "stderr: empty"
        fi
        echo "exit $rc in ${took}s"
        [ $rc = 0 ] || failed=1
        summary+=("$(printf '%-8s %-9s exit %-3s %7ss  %s' "$which" "command$((i + 1))" "$rc" "$took" "$shown")")
    done
    # The venv the commands made uses the intended interpreter.
    echo "venv: $(sed -n 's/^home = //p' "$dir/.venv/pyvenv.cfg") ($("$dir/.venv/bin/python" -V 2>&1))"
    # Again, as a person would: the second time reuses everything.
    start=$(now)
    set +e
    (cd "$dir" && "${envv[@]}" sh -c "${commands[0]}") >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
    took=$(seconds "$start" "$(now)")
    echo "--- command 1 again: exit $rc in ${took}s: $(sed -n 2p "$tmp/out")"
    [ -s "$tmp/err" ] && sed 's/^/  ! /' "$tmp/err" | head -n 20
    [ $rc = 0 ] || failed=1
    summary+=("$(printf '%-8s %-9s exit %-3s %7ss  %s (again)' "$which" "command1" "$rc" "$took" "${commands[0]}")")
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ $failed = 0 ]; then echo "check_setup: all green"; else echo "check_setup: FAILED"; fi
exit $failed
