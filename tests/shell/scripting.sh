#!/usr/bin/env bash
# Shell-level suite: pm as a script sees it. Exit codes, `pm --json` piped
# through jq, polling loops with bounded retries.
#
# usage: scripting.sh PM PMD PM_TEST_CHILD PM_DIE_WITH_PARENT
# Uses its own PM_HOME (mktemp); stops its pmd and removes the home on exit.
# Its pmd dies with it (pm_die_with_parent) even when it is killed outright.
# Exits non-zero with a message on the first failed check.
set -u -o pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 PM PMD PM_TEST_CHILD PM_DIE_WITH_PARENT" >&2
    exit 2
fi
PM=$1
PMD=$2
CHILD=$3
DIE_WITH_PARENT=$4

fail() {
    echo "scripting.sh: FAIL: $*" >&2
    exit 1
}

for bin in "$PM" "$PMD" "$CHILD" "$DIE_WITH_PARENT"; do
    [ -x "$bin" ] || fail "$bin is not an executable"
done
command -v jq >/dev/null || fail "jq is not installed"

PM_HOME=$(mktemp -d "${TMPDIR:-/tmp}/pm-shell-XXXXXX") || fail "mktemp failed"
export PM_HOME
# Everything started here carries the tag, so the cleanup can find strays.
PM_SHELL_TAG="pm-shell-$$-$RANDOM"
export PM_SHELL_TAG
OUT="$PM_HOME/.out"
ERR="$PM_HOME/.err"

cleanup() {
    local rc=$?
    "$PM" --no-autostart --timeout 30s kill >/dev/null 2>&1
    # Whatever survived (there should be nothing): by tag, one pid at a time.
    local file pid
    for file in /proc/[0-9]*/environ; do
        grep -qzx "PM_SHELL_TAG=$PM_SHELL_TAG" "$file" 2>/dev/null || continue
        pid=${file#/proc/}
        pid=${pid%/environ}
        [ "$pid" != "$$" ] && kill -9 "$pid" 2>/dev/null
    done
    if [ $rc -ne 0 ] && [ -f "$PM_HOME/pmd.log" ]; then
        echo "---- tail of $PM_HOME/pmd.log" >&2
        tail -n 20 "$PM_HOME/pmd.log" >&2
    fi
    rm -rf "$PM_HOME"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run WANT_RC CMD...: runs CMD with stdout in $OUT and stderr in $ERR and
# fails unless it exited WANT_RC.
run() {
    local want=$1
    shift
    "$@" >"$OUT" 2>"$ERR"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "'$*' exited $rc, expected $want
  stdout: $(cat "$OUT")
  stderr: $(cat "$ERR")"
    fi
}

# jqcheck FILTER: `jq -e FILTER` on $OUT must hold.
jqcheck() {
    jq -e "$1" "$OUT" >/dev/null 2>&1 || fail "jq -e '$1' does not hold for: $(cat "$OUT")"
}

# list_field NAME INDEX FIELD: one field of one instance from `pm --json list`.
list_field() {
    "$PM" --no-autostart --json list |
        jq -r --arg n "$1" --argjson i "$2" --arg f "$3" \
            '.processes[] | select(.name == $n and .index == $i) | .[$f]'
}

# count: how many instances `pm --json list` shows.
count() {
    "$PM" --no-autostart --json list | jq '.processes | length'
}

# wait_state NAME INDEX STATE: polls (bounded) until the instance is in STATE.
wait_state() {
    local state="" _
    for _ in $(seq 1 100); do
        state=$(list_field "$1" "$2" state) || fail "pm --json list failed while waiting for $1:$2"
        [ "$state" = "$3" ] && return 0
        sleep 0.05
    done
    fail "$1:$2 did not become $3 (last state: '${state}')"
}

# wait_gone PID: polls (bounded) until the process is gone.
wait_gone() {
    local _
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    fail "process $1 is still alive"
}

echo "scripting.sh: PM_HOME=$PM_HOME"

# ---------------------------------------------------------------- daemon
# No daemon yet and autostart off: unreachable (4), also as JSON on stdout.
run 4 "$PM" --no-autostart list
run 4 "$PM" --no-autostart --json list
jqcheck '.ok == false and .error.code == "unreachable" and (.error.message | type == "string")'

# pmd detaches and exits 0 once its socket is bound.
run 0 "$PMD"
run 0 "$PM" --no-autostart ping
grep -q pong "$OUT" || fail "pm ping printed: $(cat "$OUT")"

# The rest talks to a foreground pmd that the kernel kills when this script
# dies, even by SIGKILL (no EXIT trap then): the detached one would outlive it.
detached=$(cat "$PM_HOME/pmd.pid")
run 0 "$PM" --no-autostart kill
# It has released its lock once it is a zombie: whoever inherited it (init)
# may be slow to reap it.
for _ in $(seq 1 100); do
    state=$(sed 's/.*) \(.\).*/\1/' "/proc/$detached/stat" 2>/dev/null) || break
    [ "$state" = Z ] && break
    sleep 0.05
done
"$DIE_WITH_PARENT" $$ "$PMD" --foreground </dev/null >"$PM_HOME/.pmd-stderr" 2>&1 &
for _ in $(seq 1 200); do
    "$PM" --no-autostart ping >/dev/null 2>&1 && break
    sleep 0.05
done
run 0 "$PM" --no-autostart ping

run 0 "$PM" --no-autostart --json list
jqcheck '.processes == []'
[ "$(count)" = 0 ] || fail "a fresh daemon lists $(count) processes"

# ---------------------------------------------------------------- start
run 0 "$PM" --no-autostart start --name web "$CHILD" sleep
wait_state web 0 online
pid=$(list_field web 0 pid)
case $pid in
    '' | *[!0-9]*) fail "pid of web is '$pid'" ;;
esac
kill -0 "$pid" 2>/dev/null || fail "web's pid $pid is not alive"
[ "$(count)" = 1 ] || fail "expected 1 process, pm --json list shows $(count)"

run 0 "$PM" --no-autostart --json start --name api --instances 2 "$CHILD" sleep
jqcheck '.name == "api" and (.instances | length) == 2'
wait_state api 1 online
[ "$(count)" = 3 ] || fail "expected 3 instances, pm --json list shows $(count)"

# Every --json output is one parseable document.
run 0 "$PM" --no-autostart --json list
jqcheck '.processes | map(.name) | sort == ["api", "api", "web"]'
jqcheck '[.processes[] | .state] | all(. == "online")'
run 0 "$PM" --no-autostart --json show web
jqcheck '.spec.name == "web" and .spec.argv[1] == "sleep"'

# Re-running the same start is a success that changes nothing.
run 0 "$PM" --no-autostart --json start --name web "$CHILD" sleep
jqcheck '.action == "already_running"'
[ "$(list_field web 0 pid)" = "$pid" ] || fail "re-running start changed web's pid"
# The same name with another command fails (1).
run 1 "$PM" --no-autostart start --name web "$CHILD" line other sleep
run 1 "$PM" --no-autostart --json start --name web "$CHILD" line other sleep
jqcheck '.ok == false and .error.code == "already_exists"'

# ---------------------------------------------------------------- errors
run 3 "$PM" --no-autostart stop nosuch
grep -q nosuch "$ERR" || fail "pm stop nosuch did not name it: $(cat "$ERR")"
run 3 "$PM" --no-autostart --json stop nosuch
jqcheck '.ok == false and .error.code == "not_found"'
run 3 "$PM" --no-autostart show nosuch
run 2 "$PM" --no-autostart list --bogus-option
run 2 "$PM" --no-autostart start --restart bogus --name x "$CHILD" sleep
run 2 "$PM" --no-autostart --json --timeout 0s list
jqcheck '.ok == false and .error.code == "usage"'
[ "$(count)" = 3 ] || fail "failed commands changed the list: $(count) instances"

# A script's case on the exit code.
"$PM" --no-autostart stop nosuch >/dev/null 2>&1
case $? in
    3) ;;
    *) fail "case on pm stop nosuch did not see 3" ;;
esac

# ---------------------------------------------------------------- stop, delete
run 0 "$PM" --no-autostart --json stop web
jqcheck '.instances[0].state == "stopped" and .instances[0].last_exit.signal == "SIGTERM"'
wait_gone "$pid"
[ "$(list_field web 0 state)" = stopped ] || fail "web is $(list_field web 0 state) after stop"
[ "$(list_field web 0 pid)" = null ] || fail "stopped web still has pid $(list_field web 0 pid)"
run 3 "$PM" --no-autostart signal SIGUSR1 web

run 0 "$PM" --no-autostart start web
wait_state web 0 online
newpid=$(list_field web 0 pid)
[ "$newpid" != "$pid" ] || fail "web kept pid $pid across stop/start"

run 0 "$PM" --no-autostart delete api
[ "$(count)" = 1 ] || fail "expected 1 instance after delete api, got $(count)"
run 0 "$PM" --no-autostart --json list
jqcheck '[.processes[].name] == ["web"]'

# ---------------------------------------------------------------- ecosystem file
cat >"$PM_HOME/apps.json" <<JSON
{"apps": [
  {"name": "eco", "script": "$CHILD", "args": "sleep", "instances": 2,
   "env": {"PORT": 4000}, "increment_var": "PORT"}
]}
JSON
run 0 "$PM" --no-autostart --json validate "$PM_HOME/apps.json"
jqcheck '.ok == true and .apps == ["eco"]'
run 0 "$PM" --no-autostart start "$PM_HOME/apps.json"
wait_state eco 1 online
ecopid=$(list_field eco 1 pid)
tr '\0' '\n' <"/proc/$ecopid/environ" | grep -qx 'PORT=4001' || fail "eco:1 does not have PORT=4001"
run 0 "$PM" --no-autostart stop "$PM_HOME/apps.json"
[ "$(list_field eco 0 state)" = stopped ] || fail "eco:0 is not stopped"
[ "$(list_field web 0 state)" = online ] || fail "stopping apps.json touched web"
echo '{"apps": [{"name": "bad", "script": "x", "instances": -5}]}' >"$PM_HOME/bad.json"
run 2 "$PM" --no-autostart start "$PM_HOME/bad.json"
grep -q 'apps\[0\].instances' "$ERR" || fail "the error does not name apps[0].instances: $(cat "$ERR")"

# PM2's spellings of list --json: jlist on one line, prettylist indented.
run 0 "$PM" --no-autostart jlist
jqcheck '.processes | map(.name) | index("web") != null'
[ "$(wc -l <"$OUT")" = 1 ] || fail "pm jlist is not one line: $(cat "$OUT")"
run 0 "$PM" --no-autostart prettylist
jqcheck '.processes | map(.name) | index("eco") != null'
[ "$(wc -l <"$OUT")" -gt 1 ] || fail "pm prettylist is not indented: $(cat "$OUT")"

# ---------------------------------------------------------------- save, kill
run 0 "$PM" --no-autostart save
[ -f "$PM_HOME/dump.json" ] || fail "pm save wrote no dump.json"
mode=$(stat -c %a "$PM_HOME/dump.json")
[ "$mode" = 600 ] || fail "dump.json has mode $mode"
jq -e '.apps | map(.name) == ["web", "eco"]' "$PM_HOME/dump.json" >/dev/null ||
    fail "dump.json: $(cat "$PM_HOME/dump.json")"

run 0 "$PM" --no-autostart kill
wait_gone "$newpid"
run 4 "$PM" --no-autostart list

echo "scripting.sh: all checks passed"
