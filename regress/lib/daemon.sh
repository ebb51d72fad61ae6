# Shared helpers for the atf-sh integration tests: start sealntp
# instances on loopback with private ports, control sockets and logs in
# the test's work directory, and always with the clock left alone (-x).

SEAL_BUILD=@BUILD@

# Every wait below polls and returns as soon as its condition holds; its
# bound only matters when something is wrong.  The bounds are wall-clock
# time, SEAL_SLACK times what a caller asks for: the CI machine (2 cores,
# kyua running two programs at once, the ASan build 2-3 times slower)
# can take several times what a quiet one does.
SEAL_SLACK=${SEAL_SLACK:-3}

# A port range per test program so that parallel programs never clash.
seal_port() {
	echo $(( ${SEAL_PORT_BASE:-20000} + $1 ))
}

# seal_poll SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds
# (0) or SECONDS * SEAL_SLACK seconds have passed (1)
seal_poll() {
	_sp_end=$(( $(date +%s) + $1 * SEAL_SLACK + 1 ))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -lt "$_sp_end" ] || return 1
		sleep 0.1
	done
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

# seal_up NAME: wait until the ntpd whose PID is in NAME.pid answers on
# its control socket (the socket exists before the engine serves it);
# fail if it exits first or never answers
seal_up() {
	_su_pid=$(cat "$1.pid")
	_su_end=$(( $(date +%s) + 20 * SEAL_SLACK ))
	until "$SEAL_BUILD/ntpctl" -s "$(pwd)/$1.sock" status >/dev/null 2>&1; do
		if ! kill -0 "$_su_pid" 2>/dev/null; then
			cat "$1.log" >&2
			atf_fail "ntpd $1 exited during start-up"
		fi
		if [ "$(date +%s)" -ge "$_su_end" ]; then
			cat "$1.log" >&2
			atf_fail "ntpd $1: no answer on its control socket"
		fi
		sleep 0.1
	done
}

# seal_start NAME [ntpd flags]: start in the foreground mode, in the
# background; the parent's PID goes to NAME.pid, its log to NAME.log.
# Returns once the daemon answers ntpctl.
seal_start() {
	name=$1
	shift
	"$SEAL_BUILD/ntpd" -d -x "$@" -f "$name.conf" > "$name.log" 2>&1 &
	echo $! > "$name.pid"
	seal_up "$name"
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
		case "$(tr '\0' ' ' < /proc/$c/cmdline 2>/dev/null)" in
		*engine*) e=$c ;;
		*ntp-keyd*) k=$c ;;
		esac
	done
	echo "$e $k"
}

# seal_have_children NAME: its engine and keyd run (they have exec'd)
seal_have_children() {
	set -- $(seal_children "$1")
	[ -n "$1" ] && [ -n "$2" ]
}

# seal_resolver NAME: the PID of an instance's resolver (ntpd -R)
seal_resolver() {
	for c in $(pgrep -P "$(cat "$1.pid")"); do
		case "$(tr '\0' ' ' < /proc/$c/cmdline 2>/dev/null)" in
		*resolver*) echo "$c" ;;
		esac
	done
}

# seal_sandboxed PID...: every one of them runs under its seccomp filter
# (a child answers before all of its siblings have finished setting up)
seal_sandboxed() {
	for _sb_p in "$@"; do
		grep -Eq '^Seccomp:[[:space:]]+2$' "/proc/$_sb_p/status" \
		    2>/dev/null || return 1
	done
}

# seal_wait NAME VIEW REGEX SECONDS: wait until ntpctl's JSON view
# matches the extended regex (bound: SECONDS * SEAL_SLACK)
seal_wait_match() {
	seal_ctl "$1" -j "$2" 2>/dev/null | grep -Eq "$3"
}
seal_wait() {
	seal_poll "$4" seal_wait_match "$1" "$2" "$3"
}

# seal_alive PID: the process exists and is not a zombie
seal_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

# seal_gone PID...: true when none of the processes is alive
seal_gone() {
	for _sg_p in "$@"; do
		seal_alive "$_sg_p" && return 1
	done
	return 0
}

# seal_stop NAME...: SIGTERM to each daemon, and wait until it and its
# children are gone (SIGKILL to those still ntpd's after a while), so
# that the next daemon can take the same port and nothing outlives the
# test case
seal_stop() {
	for _ss_n in "$@"; do
		[ -f "$_ss_n.pid" ] || continue
		_ss_p=$(cat "$_ss_n.pid")
		_ss_kids=$(pgrep -P "$_ss_p" 2>/dev/null | tr '\n' ' ')
		kill "$_ss_p" 2>/dev/null
		if ! seal_poll 10 seal_gone "$_ss_p" $_ss_kids; then
			for _ss_k in $_ss_p $_ss_kids; do
				case "$(tr '\0' ' ' < "/proc/$_ss_k/cmdline" 2>/dev/null)" in
				*ntpd*|*ntp-keyd*) kill -9 "$_ss_k" 2>/dev/null ;;
				esac
			done
			seal_poll 10 seal_gone "$_ss_p" $_ss_kids
		fi
		rm -f "$_ss_n.pid"
	done
}

seal_need_root() {
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root (chroot, user change, seccomp of a root daemon)"
	getent passwd _ntp >/dev/null && getent passwd _ntpkey >/dev/null ||
	    atf_skip "users _ntp and _ntpkey do not exist (sh etc/create-users.sh)"
}
