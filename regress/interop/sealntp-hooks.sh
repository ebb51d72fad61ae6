# Copyright (c) 2026 The sealntp developers.
# SPDX-License-Identifier: ISC
#
# sealntp-hooks.sh: plugs sealntp into the shared Autokey interop
# harness (../shared/interop/run-interop.sh), which sources this file
# after it has copied the keys into $WORK and before it starts anything:
#
#	OTHER_BIN=/path/to/sealntp/build \
#	OTHER_HOOKS=/path/to/regress/interop/sealntp-hooks.sh \
#	REFNTP=/opt/refntp ./run-interop.sh ref-other iff
#
# ref-other: the reference server, our client; other-ref: our server,
# the reference client.  Our daemons run in the harness's namespaces
# with -d -x (the harness also takes CAP_SYS_TIME away), speak port 123
# on the veth address, and keep their control socket in $WORK, which
# ntpctl reaches from outside the namespace (a path, not an address).
#
# Environment (all optional):
#	SEAL_IDENT=1	add "ident GROUP" to our client's server line; by
#			default it is left off, as in the guide: our client
#			must find the installed group key on its own
#	SEAL_EXTRA_S, SEAL_EXTRA_C	extra lines for our server's or
#			client's configuration (e.g. "crypto digest SHA1")
#	SEAL_FLAGS	extra ntpd flags (e.g. -v)
#	SEAL_WANT	ref-other: also wait until these crypto flags are all
#			set, e.g. 0x3f00 (CERT|VRFY|PROV|COOK|AUTO|SIGN, what
#			the harness asks of a reference client); default:
#			auth ok is enough
#
# The harness's helpers and variables used here: ns_spawn, log, $WORK,
# $NS_S, $NS_C, $ADDR_S, $ADDR_C, $HOST_S, $HOST_C, $PW_S, $PW_C,
# $GROUP, $SCHEME, $MODE, LAST_FLAGS (shown in the VERDICT line).

SEAL_BIN=${OTHER_BIN:-}
case $CASE in
*other*)
	[ -n "$SEAL_BIN" ] && [ -x "$SEAL_BIN/ntpd" ] ||
	    die "sealntp hooks: OTHER_BIN must be sealntp's build directory (with ntpd, ntpctl)"
	;;
esac

# The vectors may arrive with their links flattened into small files
# that hold the target's name (a copy that did not keep symlinks); the
# reference ntpd then fails with "crypto_key: ... DECODER routines::
# unsupported".  Turn such files back into links, in $WORK only.
seal_relink() {
	for f in "$1"/ntpkey_*; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		[ "$(wc -c < "$f")" -lt 200 ] || continue
		t=$(head -n 1 "$f")
		case $t in ntpkey_*) ;; *) continue ;; esac
		[ -f "$1/$t" ] || continue
		rm -f "$f" && ln -s "$t" "$f"
	done
}
seal_relink "$WORK/keys-server"
seal_relink "$WORK/keys-client"

seal_ctl() { # NAME VIEW...: ntpctl against our daemon NAME in $WORK
	n=$1
	shift
	timeout 5 "$SEAL_BIN/ntpctl" -s "$WORK/$n.sock" "$@" 2>&1
}

other_server_conf() {
	cat <<CONF
# sealntp server $HOST_S ($SCHEME, $MODE) for the interop harness
port 123
listen on $ADDR_S
listen on 127.0.0.1
local stratum 8
controlsocket $WORK/server.sock
crypto pw $PW_S host $HOST_S
keysdir $WORK/keys-server
CONF
	case $MODE in
	broadcast) echo "broadcast $BCAST autokey minpoll 4" ;;
	multicast) echo "broadcast $MCAST autokey minpoll 4 ttl 1" ;;
	esac
	[ -n "$LEAPFILE" ] && echo "leapfile $WORK/leap-seconds.list"
	[ -n "${SEAL_EXTRA_S:-}" ] && printf '%s\n' "$SEAL_EXTRA_S"
	true
}

other_client_conf() {
	ident=""
	[ -n "${SEAL_IDENT:-}" ] && [ "$SCHEME" != tc ] && ident="ident $GROUP"
	cat <<CONF
# sealntp client $HOST_C ($SCHEME, $MODE) for the interop harness
port 123
listen on $ADDR_C
listen on 127.0.0.1
controlsocket $WORK/client.sock
crypto pw $PW_C host $HOST_C
keysdir $WORK/keys-client
CONF
	case $MODE in
	broadcast) echo "broadcastclient" ;;
	multicast) echo "multicastclient $MCAST" ;;
	*) echo "server $ADDR_S autokey $ident iburst minpoll 4 maxpoll 4" ;;
	esac
	[ -n "${SEAL_EXTRA_C:-}" ] && printf '%s\n' "$SEAL_EXTRA_C"
	true
}

# ns_spawn runs "ip netns exec", setpriv, unshare and sh, each of which
# execs the next, so the PID echoed is our parent ntpd's: the harness's
# cleanup stops it with SIGTERM and it takes its children down.
other_server_start() {
	# shellcheck disable=SC2086
	ns_spawn "$NS_S" "$HOST_S" "$WORK/server.out" \
	    "$SEAL_BIN/ntpd" -d -x ${SEAL_FLAGS:-} -f "$WORK/server.conf"
}

other_client_start() {
	# shellcheck disable=SC2086
	ns_spawn "$NS_C" "$HOST_C" "$WORK/client.out" \
	    "$SEAL_BIN/ntpd" -d -x ${SEAL_FLAGS:-} -f "$WORK/client.conf"
}

# Ready once the engine answers ntpctl and serves its local stratum.
other_server_ready() {
	t=$(( $(date +%s) + 20 ))
	while [ "$(date +%s)" -lt "$t" ]; do
		if seal_ctl server -j status | grep -q '"stratum": 8'; then
			seal_ctl server status > "$WORK/seal-server-status.txt"
			return 0
		fi
		sleep 1
	done
	log "sealntp server: no answer on $WORK/server.sock within 20 s"
	return 0
}

# Done once our client's association with the server shows auth ok.
# The crypto flags (when ntpctl reports them) go to LAST_FLAGS for the
# VERDICT line; the views are kept in $WORK as evidence.
other_client_check() {
	seal_ctl client -j peers > "$WORK/seal-peers.json.tmp"
	mv -f "$WORK/seal-peers.json.tmp" "$WORK/seal-peers.json"
	# "crypto_flags": "0x..." (or "flags 0x..." in the auth reason)
	f=$(grep -o '"crypto_flags": *"0x[0-9a-fA-F]*"' \
	    "$WORK/seal-peers.json" | head -n 1 | sed 's/.*"\(0x[^"]*\)"/\1/')
	[ -n "$f" ] || f=$(grep -o 'flags 0x[0-9a-fA-F]*' \
	    "$WORK/seal-peers.json" | head -n 1 | sed 's/flags //')
	[ -n "$f" ] && LAST_FLAGS=$f
	grep -q '"auth": *"ok"' "$WORK/seal-peers.json" || return 1
	if [ -n "${SEAL_WANT:-}" ]; then
		[ -n "$f" ] && [ $(( f & SEAL_WANT )) -eq $(( SEAL_WANT )) ] ||
		    return 1
	fi
	seal_ctl client peers > "$WORK/seal-peers.txt"
	seal_ctl client -j all > "$WORK/seal-all.json"
	seal_ctl client counters > "$WORK/seal-counters.txt"
	for v in certs cert certificates; do
		seal_ctl client "$v" > "$WORK/seal-certs.txt" && break
	done
	log "sealntp client: $(grep -o '"auth_reason": *"[^"]*"' \
	    "$WORK/seal-peers.json" | head -n 1)"
	return 0
}
