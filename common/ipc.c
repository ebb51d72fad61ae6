/*
 * Copyright (c) 2026 The sealntp developers.
 * SPDX-License-Identifier: ISC
 */
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

static const char *const ipc_names[IMSG_TYPE_MAX] = {
	[IMSG_NONE] = "NONE",
	[IMSG_CONF_MAIN] = "CONF_MAIN",
	[IMSG_CONF_PEER] = "CONF_PEER",
	[IMSG_CONF_RESTRICT] = "CONF_RESTRICT",
	[IMSG_SOCKET_NTP] = "SOCKET_NTP",
	[IMSG_SOCKET_CTL] = "SOCKET_CTL",
	[IMSG_CONF_END] = "CONF_END",
	[IMSG_ADJ_OFFSET] = "ADJ_OFFSET",
	[IMSG_ADJ_FREQ] = "ADJ_FREQ",
	[IMSG_STEP] = "STEP",
	[IMSG_WRITE_DRIFT] = "WRITE_DRIFT",
	[IMSG_SYNCED] = "SYNCED",
	[IMSG_CLOCK_DONE] = "CLOCK_DONE",
	[IMSG_KEYD_CONF] = "KEYD_CONF",
	[IMSG_KEYD_CONF_END] = "KEYD_CONF_END",
	[IMSG_KEYD_READY] = "KEYD_READY",
	[IMSG_KEYD_FAILED] = "KEYD_FAILED",
	[IMSG_KEYD_HELLO] = "KEYD_HELLO",
	[IMSG_KEYD_STATUS] = "KEYD_STATUS",
	[IMSG_CTL_SHOW_STATUS] = "CTL_SHOW_STATUS",
	[IMSG_CTL_SHOW_PEERS] = "CTL_SHOW_PEERS",
	[IMSG_CTL_SHOW_COUNTERS] = "CTL_SHOW_COUNTERS",
	[IMSG_CTL_STATUS] = "CTL_STATUS",
	[IMSG_CTL_PEER] = "CTL_PEER",
	[IMSG_CTL_COUNTERS] = "CTL_COUNTERS",
	[IMSG_CTL_END] = "CTL_END",
};

const char *
ipc_type_name(uint32_t type)
{
	if (type >= IMSG_TYPE_MAX || ipc_names[type] == NULL)
		return "UNKNOWN";
	return ipc_names[type];
}
