# Shared helpers for the atf-sh integration tests: start sealntp
# instances on loopback with private ports, control sockets and logs in
# the test's work directory, and always with the clock left alone (-x).

SEAL_BUILD=@BUILD@

# A port range per test program so that parallel programs never clash.
seal_port() {
	echo $(( ${SEAL_PORT_BASE:-20000} + $1 ))
}

# seal_conf NAME PORT [extra lines...]: write NAME.conf
seal_conf() {
	name=$1 port=$2
	shift 2
	{
		echo "port $port"
		echo "listen on 127.0.0.1"
		echo "controlsocket $(pwd)/$name.sock"
		for l in "$@"; do echo "$l"; done
	} > "$name.conf"
}

# seal_start NAME [ntpd flags]: start in the foreground mode, in the
# background; the parent's PID goes to NAME.pid, its log to NAME.log.
seal_start() {
	name=$1
	shift
	"$SEAL_BUILD/ntpd" -d -x "$@" -f "$name.conf" > "$name.log" 2>&1 &
	echo $! > "$name.pid"
	i=0
	while [ ! -S "$name.sock" ] && [ $i -lt 100 ]; do
		if ! kill -0 "$(cat "$name.pid")" 2>/dev/null; then
			cat "$name.log" >&2
			atf_fail "ntpd $name exited during start-up"
		fi
		sleep 0.1; i=$((i + 1))
	done
	[ -S "$name.sock" ] || { cat "$name.log" >&2; atf_fail "ntpd $name: no control socket"; }
	# the socket exists before the engine serves it: wait for an answer
	i=0
	while ! "$SEAL_BUILD/ntpctl" -s "$name.sock" status >/dev/null 2>&1 &&
	    [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

seal_ctl() {
	name=$1
	shift
	"$SEAL_BUILD/ntpctl" -s "$(pwd)/$name.sock" "$@"
}

# seal_children NAME: "ENGINE_PID KEYD_PID" of a running instance
seal_children() {
	ppid=$(cat "$1.pid")
	e= k=
	for c in $(pgrep -P "$ppid"); do
		case "$(tr '\0' ' ' < /proc/$c/cmdline)" in
		*engine*) e=$c ;;
		*ntp-keyd*) k=$c ;;
		esac
	done
	echo "$e $k"
}

# seal_wait_json NAME VIEW JQ-LIKE-GREP SECONDS: wait until the JSON view
# matches the extended regex
seal_wait() {
	name=$1 view=$2 re=$3 secs=$4
	i=0
	while [ $i -lt $((secs * 10)) ]; do
		if seal_ctl "$name" -j "$view" 2>/dev/null | grep -Eq "$re"; then
			return 0
		fi
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

seal_stop() {
	for n in "$@"; do
		[ -f "$n.pid" ] || continue
		p=$(cat "$n.pid")
		kill "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
		rm -f "$n.pid"
	done
}

seal_need_root() {
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root (chroot, user change, seccomp of a root daemon)"
	getent passwd _ntp >/dev/null && getent passwd _ntpkey >/dev/null ||
	    atf_skip "users _ntp and _ntpkey do not exist (sh etc/create-users.sh)"
}
