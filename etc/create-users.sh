#!/bin/sh
# Create the unprivileged users the engine (_ntp) and keyd (_ntpkey) run
# as, and the empty chroot directory, if they do not exist.
# Usage: sh etc/create-users.sh [DESTDIR]   (users only when DESTDIR is empty)
destdir=${1:-}
if [ -z "$destdir" ]; then
	for u in _ntp _ntpkey; do
		if ! getent passwd "$u" >/dev/null; then
			if [ "$(id -u)" -ne 0 ]; then
				echo "create-users: user $u missing; run as root to create it" >&2
				continue
			fi
			useradd --system --no-create-home --home-dir /var/empty \
			    --shell /usr/sbin/nologin --user-group "$u" ||
			    echo "create-users: could not create $u" >&2
		fi
	done
fi
mkdir -p "$destdir/var/lib/sealntp/empty" 2>/dev/null &&
    chmod 755 "$destdir/var/lib/sealntp/empty" 2>/dev/null
exit 0
