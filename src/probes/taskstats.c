#include "taskstats.h"

#include "../xmalloc.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Requests per sendto: the answers (about 1 KiB each in the socket's
 * accounting) must fit the default 208 KiB receive buffer. */
#define TASKSTATS_BATCH   64
#define TASKSTATS_ANSWER  1024
#define TASKSTATS_REQUEST 32

struct taskstats_client {
	int fd;
	uint16_t family;
	uint32_t seq;
	char (*answers)[TASKSTATS_ANSWER];
};

/* A generic netlink request with one attribute of at most 32 bytes. */
struct taskstats_request {
	struct nlmsghdr nl;
	struct genlmsghdr genl;
	struct nlattr attr;
	char payload[32];
};

static size_t
taskstats_request_build(struct taskstats_request *r, uint16_t type, uint8_t cmd, uint16_t attr,
                        const void *data, size_t len, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	r->nl.nlmsg_type = type;
	r->nl.nlmsg_flags = NLM_F_REQUEST;
	r->nl.nlmsg_seq = seq;
	r->genl.cmd = cmd;
	r->genl.version = 1;
	r->attr.nla_type = attr;
	r->attr.nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(r->payload, data, len);
	r->nl.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(r->attr.nla_len);
	return NLMSG_ALIGN(r->nl.nlmsg_len);
}

/* The next attribute in [*p, end), advancing *p past it; NULL at the end or
 * when a length does not fit (bounded by end whatever the lengths claim). */
static const struct nlattr *
nla_next(const char **p, const char *end)
{
	const struct nlattr *a = (const struct nlattr *)*p;
	size_t left = end > *p ? (size_t)(end - *p) : 0;
	size_t step;

	if (left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > left)
		return NULL;
	step = (size_t)NLA_ALIGN(a->nla_len);
	*p += step < left ? step : left;
	return a;
}

/* The payload of the genetlink message in msg, or NULL. */
static const char *
genl_payload(const void *msg, size_t len, const char **end)
{
	const struct nlmsghdr *nl = msg;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || nl->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    nl->nlmsg_len > len)
		return NULL;
	*end = (const char *)msg + nl->nlmsg_len;
	return (const char *)msg + NLMSG_HDRLEN + GENL_HDRLEN;
}

static void
taskstats_fill(const struct taskstats *ts, size_t len, struct taskstats_sample *out)
{
	struct taskstats copy;

	/* The kernel's struct may be older (shorter) or newer (longer) than our
	 * header's; fields we use are all in version 1, but take what is there. */
	memset(&copy, 0, sizeof(copy));
	memcpy(&copy, ts, len < sizeof(copy) ? len : sizeof(copy));
	if (len < offsetof(struct taskstats, nivcsw) + sizeof(copy.nivcsw))
		return;
	out->user_us = copy.ac_utime;
	out->sys_us = copy.ac_stime;
	out->ctxsw_voluntary = copy.nvcsw;
	out->ctxsw_involuntary = copy.nivcsw;
	out->delay_ns = copy.cpu_delay_total;
	out->run_ns = copy.cpu_run_real_total;
	out->btime_s = copy.ac_btime;
	/* The kernel stores task_nice() (-20..19) in a __u8. */
	out->nice = (int8_t)copy.ac_nice;
	memcpy(out->comm, copy.ac_comm, sizeof(copy.ac_comm) < 32 ? sizeof(copy.ac_comm) : 32);
	out->comm[32] = '\0';
	out->ok = true;
}

int
taskstats_parse(const void *msg, size_t len, struct taskstats_sample *out)
{
	const struct nlmsghdr *nl = msg;
	const char *p, *end, *inner_end;
	const struct nlattr *a, *b;
	int tid = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (len < NLMSG_HDRLEN)
		return -EINVAL;
	if (nl->nlmsg_type == NLMSG_ERROR)
		return 0;
	p = genl_payload(msg, len, &end);
	if (p == NULL)
		return -EINVAL;
	/* TASKSTATS_TYPE_AGGR_PID nests TASKSTATS_TYPE_PID and _STATS. */
	while ((a = nla_next(&p, end)) != NULL) {
		const char *q = (const char *)a + NLA_HDRLEN;

		if (a->nla_type != TASKSTATS_TYPE_AGGR_PID)
			continue;
		inner_end = (const char *)a + a->nla_len;
		while ((b = nla_next(&q, inner_end)) != NULL) {
			size_t plen = b->nla_len - NLA_HDRLEN;
			const void *payload = (const char *)b + NLA_HDRLEN;

			if (b->nla_type == TASKSTATS_TYPE_PID && plen >= sizeof(uint32_t)) {
				uint32_t v;

				memcpy(&v, payload, sizeof(v));
				tid = v > 0 && v <= INT32_MAX ? (int)v : -EINVAL;
			} else if (b->nla_type == TASKSTATS_TYPE_STATS) {
				taskstats_fill(payload, plen, out);
			}
		}
	}
	if (tid < 0 || !out->ok) {
		out->ok = false;
		return -EINVAL;
	}
	return tid;
}

static int
taskstats_send(struct taskstats_client *c, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(c->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* Asks the generic netlink controller for the taskstats family id. */
static int
taskstats_resolve_family(struct taskstats_client *c)
{
	struct taskstats_request r;
	char answer[TASKSTATS_ANSWER];
	const char *p, *end;
	const struct nlattr *a;
	ssize_t n;
	size_t len =
	    taskstats_request_build(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
	                            TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME), ++c->seq);
	int err = taskstats_send(c, &r, len);

	if (err != 0)
		return err;
	n = recv(c->fd, answer, sizeof(answer), 0);
	if (n < 0)
		return -errno;
	if (((struct nlmsghdr *)answer)->nlmsg_type == NLMSG_ERROR)
		return -ENOENT;
	p = genl_payload(answer, (size_t)n, &end);
	while (p != NULL && (a = nla_next(&p, end)) != NULL) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2) {
			memcpy(&c->family, (const char *)a + NLA_HDRLEN, sizeof(c->family));
			return 0;
		}
	}
	return -ENOENT;
}

int
taskstats_new(struct taskstats_client **out)
{
	struct taskstats_client *c = xcalloc(1, sizeof(*c));
	struct sockaddr_nl self = {.nl_family = AF_NETLINK};
	struct taskstats_sample probe;
	int me = (int)gettid();
	int err;

	*out = NULL;
	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (c->fd < 0) {
		err = -errno;
		free(c);
		return err;
	}
	if (bind(c->fd, (struct sockaddr *)&self, sizeof(self)) != 0) {
		err = -errno;
		taskstats_free(c);
		return err;
	}
	c->answers = xmalloc(TASKSTATS_BATCH * sizeof(*c->answers));
	xpopulate(c->answers, TASKSTATS_BATCH * sizeof(*c->answers));
	err = taskstats_resolve_family(c);
	if (err == 0)
		err = taskstats_query(c, &me, 1, &probe);
	/* Our own thread always exists: no answer means no permission. */
	if (err == 0 && !probe.ok)
		err = -EPERM;
	if (err != 0) {
		taskstats_free(c);
		return err;
	}
	*out = c;
	return 0;
}

void
taskstats_free(struct taskstats_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->answers);
	free(c);
}

/* Sends one batch of at most TASKSTATS_BATCH requests and reads the answers,
 * which the kernel has queued by the time sendto returns (genetlink runs the
 * command in the sender's context). */
static int
taskstats_batch(struct taskstats_client *c, const int *tids, size_t n, struct taskstats_sample *out)
{
	struct taskstats_request req[TASKSTATS_BATCH];
	struct mmsghdr msgs[TASKSTATS_BATCH];
	struct iovec iov[TASKSTATS_BATCH];
	uint32_t first = c->seq + 1;
	size_t len = 0, got = 0;
	char *buf = (char *)req;
	int err;

	for (size_t i = 0; i < n; i++) {
		uint32_t tid = (uint32_t)tids[i];
		struct taskstats_request r;
		size_t rlen =
		    taskstats_request_build(&r, c->family, TASKSTATS_CMD_GET,
		                            TASKSTATS_CMD_ATTR_PID, &tid, sizeof(tid), ++c->seq);

		memcpy(buf + len, &r, rlen);
		len += rlen;
		out[i].ok = false;
	}
	err = taskstats_send(c, buf, len);
	if (err != 0)
		return err;
	while (got < n) {
		int m;

		for (size_t i = 0; i < n - got; i++) {
			iov[i] = (struct iovec){c->answers[i], TASKSTATS_ANSWER};
			msgs[i] =
			    (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
		}
		m = recvmmsg(c->fd, msgs, (unsigned)(n - got), MSG_DONTWAIT, NULL);
		if (m < 0) {
			/* Everything answered is read: what is missing was dropped. */
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (m == 0)
			break;
		for (int k = 0; k < m; k++) {
			const struct nlmsghdr *nl = (const void *)c->answers[k];
			size_t i;

			if (msgs[k].msg_len < NLMSG_HDRLEN)
				continue;
			i = nl->nlmsg_seq - first; /* the answer's request */
			if (i < n)
				(void)taskstats_parse(c->answers[k], msgs[k].msg_len, &out[i]);
		}
		got += (size_t)m;
	}
	return 0;
}

int
taskstats_query(struct taskstats_client *c, const int *tids, size_t n, struct taskstats_sample *out)
{
	for (size_t i = 0; i < n; i += TASKSTATS_BATCH) {
		size_t k = n - i < TASKSTATS_BATCH ? n - i : TASKSTATS_BATCH;
		int err = taskstats_batch(c, tids + i, k, out + i);

		if (err != 0)
			return err;
	}
	return 0;
}
