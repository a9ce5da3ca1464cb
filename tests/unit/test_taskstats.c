/* The taskstats answer parser on messages built here the way the kernel
 * builds them, and on truncated and lying ones. */
#include "check.h"
#include "probes/taskstats.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stdalign.h>

/* An answer: nlmsghdr, genlmsghdr, AGGR_PID { PID, STATS }. */
static size_t
build_answer(char *buf, uint32_t tid, const struct taskstats *ts, size_t ts_len)
{
	struct nlmsghdr *nl = (void *)buf;
	struct nlattr *aggr = (void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	struct nlattr *pid = (void *)((char *)aggr + NLA_HDRLEN);
	struct nlattr *stats = (void *)((char *)pid + NLA_HDRLEN + 4);

	memset(buf, 0, 2048);
	pid->nla_type = TASKSTATS_TYPE_PID;
	pid->nla_len = NLA_HDRLEN + 4;
	memcpy((char *)pid + NLA_HDRLEN, &tid, 4);
	stats->nla_type = TASKSTATS_TYPE_STATS;
	stats->nla_len = (uint16_t)(NLA_HDRLEN + ts_len);
	memcpy((char *)stats + NLA_HDRLEN, ts, ts_len);
	aggr->nla_type = TASKSTATS_TYPE_AGGR_PID;
	aggr->nla_len = (uint16_t)(NLA_HDRLEN + NLA_HDRLEN + 4 + NLA_ALIGN(stats->nla_len));
	nl->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(aggr->nla_len);
	nl->nlmsg_type = 42;
	return nl->nlmsg_len;
}

int
main(void)
{
	alignas(8) char buf[2048];
	struct taskstats ts = {0};
	struct taskstats_sample out;
	size_t len;

	ts.version = TASKSTATS_VERSION;
	ts.ac_utime = 1500000;
	ts.ac_stime = 250;
	ts.nvcsw = 7;
	ts.nivcsw = 3;
	ts.cpu_delay_total = 123456789;
	ts.ac_btime = 1764000000;
	ts.ac_nice = (uint8_t)-5; /* the kernel's task_nice() in a __u8 */
	memcpy(ts.ac_comm, "st-hot", 7);

	len = build_answer(buf, 4242, &ts, sizeof(ts));
	CHECK(taskstats_parse(buf, len, &out) == 4242);
	CHECK(out.ok && out.user_us == 1500000 && out.sys_us == 250);
	CHECK(out.ctxsw_voluntary == 7 && out.ctxsw_involuntary == 3);
	CHECK(out.delay_ns == 123456789 && out.btime_s == 1764000000);
	CHECK(out.nice == -5);
	CHECK_STR(out.comm, "st-hot");

	/* An older kernel's shorter struct still carries the version-1 fields. */
	len = build_answer(buf, 7, &ts, offsetof(struct taskstats, nivcsw) + 8);
	CHECK(taskstats_parse(buf, len, &out) == 7 && out.ctxsw_involuntary == 3);
	/* Too short to hold the fields we need: rejected, not half-read. */
	len = build_answer(buf, 7, &ts, 16);
	CHECK(taskstats_parse(buf, len, &out) == -EINVAL && !out.ok);

	/* Truncated messages and lying lengths. */
	len = build_answer(buf, 9, &ts, sizeof(ts));
	for (size_t cut = 0; cut < len; cut += 7)
		CHECK(taskstats_parse(buf, cut, &out) == -EINVAL);
	((struct nlmsghdr *)buf)->nlmsg_len = 4000;
	CHECK(taskstats_parse(buf, len, &out) == -EINVAL);

	/* The kernel's "no such task" answer. */
	((struct nlmsghdr *)buf)->nlmsg_type = NLMSG_ERROR;
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
	CHECK(taskstats_parse(buf, len, &out) == 0 && !out.ok);
	return check_done("taskstats");
}
