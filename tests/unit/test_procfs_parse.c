/* The /proc parsers on captured and hostile inputs. */
#include "check.h"
#include "probes/procfs_parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void
test_stat_plain(void)
{
	static const char line[] =
	    "4242 (bash) S 4241 4242 4242 34816 4300 4194560 1496 2412 0 2 17 9 3 1 20 0 1 0 "
	    "123456 9084928 1234 18446744073709551615 1 1 0 0 0 0 65536 3670020 1266777851 0 0 "
	    "0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	struct procfs_stat st;

	CHECK(procfs_parse_stat(line, sizeof(line) - 1, &st) == 0);
	CHECK_STR(st.comm, "bash");
	CHECK(st.state == 'S');
	CHECK(st.ppid == 4241);
	CHECK(st.flags == 4194560);
	CHECK(st.utime == 17 && st.stime == 9);
	CHECK(st.num_threads == 1);
	CHECK(st.starttime == 123456);
	CHECK(st.rss_pages == 1234);
	CHECK(st.processor == 1);
	CHECK(st.nice == 0);
}

/* Field 19, the nice, may be negative (priority, field 18, too). */
static void
test_stat_nice(void)
{
	static const char line[] = "9 (n) S 1 9 9 0 -1 0 0 0 0 0 1 2 0 0 10 -10 4 0 77 0 5\n";
	struct procfs_stat st;

	CHECK(procfs_parse_stat(line, sizeof(line) - 1, &st) == 0);
	CHECK(st.nice == -10);
	CHECK(st.num_threads == 4 && st.starttime == 77 && st.rss_pages == 5);
}

/* A comm may hold ") R 1 (", spaces and a newline: only the last ')' ends it. */
static void
test_stat_hostile_comm(void)
{
	static const char line[] = "77 (x) R 1 (\nz) S 1 77 77 0 -1 4194304 0 0 0 0 250 50 0 0 20 "
	                           "0 3 0 999 0 0 0\n";
	struct procfs_stat st;

	CHECK(procfs_parse_stat(line, sizeof(line) - 1, &st) == 0);
	CHECK_STR(st.comm, "x) R 1 (\nz");
	CHECK(st.state == 'S');
	CHECK(st.utime == 250 && st.stime == 50);
	CHECK(st.num_threads == 3);
	CHECK(st.starttime == 999);
	CHECK(st.rss_pages == 0);
	CHECK(st.processor == -1); /* the line stops before field 39 */
}

static void
test_stat_garbage(void)
{
	static const char *const bad[] = {
	    "",
	    "(",
	    "12 (abc",
	    "12 (abc) ",
	    "12 (abc) S",
	    "12 (abc) S x",
	    "12 abc) S 1 2 3",
	    "12 (abc) S 1 2 3 4 5 6 7 8 9 10 not-a-number",
	};
	struct procfs_stat st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(procfs_parse_stat(bad[i], strlen(bad[i]), &st) == -EINVAL);
	/* Absurd numbers saturate instead of overflowing. */
	const char *huge = "1 (a) R 1 1 1 1 1 1 1 1 1 1 99999999999999999999999 1 1 1 1 1 1 1 5";
	CHECK(procfs_parse_stat(huge, strlen(huge), &st) == 0);
	CHECK(st.utime == UINT64_MAX);
}

static void
test_status(void)
{
	static const char text[] = "Name:\tst-hot\nUmask:\t0022\nState:\tR (running)\n"
	                           "Uid:\t1000\t1000\t1000\t1000\nVmRSS:\t    4321 kB\n"
	                           "RssAnon:\t    1000 kB\nRssFile:\t    3000 kB\n"
	                           "RssShmem:\t     321 kB\nVmSwap:\t       7 kB\n"
	                           "voluntary_ctxt_switches:\t150\n"
	                           "nonvoluntary_ctxt_switches:\t9";
	struct procfs_status st;

	procfs_parse_status(text, sizeof(text) - 1, &st);
	CHECK(st.uid == 1000);
	CHECK(st.rss_kib == 4321 && st.anon_kib == 1000 && st.file_kib == 3000);
	CHECK(st.shmem_kib == 321 && st.swap_kib == 7);
	CHECK(st.ctxsw_voluntary == 150 && st.ctxsw_involuntary == 9);

	/* A zombie has no memory lines: they stay unknown. */
	procfs_parse_status("Name:\tz\nState:\tZ (zombie)\n", 27, &st);
	CHECK(st.rss_kib == -1 && st.anon_kib == -1 && st.uid == -1);
}

static void
test_schedstat_syscall(void)
{
	struct procfs_schedstat s;

	CHECK(procfs_parse_schedstat("123456789 2000 42\n", 18, &s) == 0);
	CHECK(s.run_ns == 123456789 && s.delay_ns == 2000 && s.timeslices == 42);
	CHECK(procfs_parse_schedstat("12 x", 4, &s) == -EINVAL);

	CHECK(procfs_parse_syscall("running\n", 8) == SYSCALL_RUNNING);
	CHECK(procfs_parse_syscall("-1 0x7ffd 0x4011\n", 17) == SYSCALL_NONE);
	CHECK(procfs_parse_syscall("202 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8\n", 36) == 202);
	CHECK(procfs_parse_syscall("", 0) == SYSCALL_UNKNOWN);
	CHECK(procfs_parse_syscall("junk", 4) == SYSCALL_UNKNOWN);
}

static void
test_syscall_args(void)
{
	static const char futex[] =
	    "202 0x55d0c0a04040 0x80 0x2 0x0 0x0 0x7ffd00000000 0x7ffd0000e0e8 0x7f3a1b2c3d4e\n";
	struct procfs_syscall sc;

	CHECK(procfs_parse_syscall_args(futex, sizeof(futex) - 1, &sc) == 0);
	CHECK(sc.nr == 202);
	CHECK(sc.args[0] == 0x55d0c0a04040 && sc.args[1] == 0x80 && sc.args[2] == 2);
	CHECK(sc.args[5] == 0x7ffd00000000);
	CHECK(procfs_parse_syscall_args("running\n", 8, &sc) == 0);
	CHECK(sc.nr == SYSCALL_RUNNING && sc.args[0] == 0);
	/* Cut short, or not hexadecimal: the number alone is not enough. */
	CHECK(procfs_parse_syscall_args("202 0x1 0x2", 11, &sc) == -EINVAL);
	CHECK(procfs_parse_syscall_args("202 1 2 3 4 5 6 7 8", 19, &sc) == -EINVAL);
	CHECK(procfs_parse_syscall_args("7 0x 0x1 0x1 0x1 0x1 0x1", 24, &sc) == -EINVAL);
	/* More than 64 bits is not a register. */
	CHECK(procfs_parse_syscall_args("0 0xfffffffffffffffff 0x0 0x0 0x0 0x0 0x0", 41, &sc) ==
	      -EINVAL);
}

static void
test_cpu_times(void)
{
	static const char text[] = "cpu  10 1 20 300 4 5 6 7 0 0\ncpu0 5 0 10 150 2 2 3 3 0 0\n";
	struct procfs_cpu_times t;

	CHECK(procfs_parse_cpu_times(text, sizeof(text) - 1, &t) == 0);
	CHECK(t.user == 10 && t.nice == 1 && t.system == 20 && t.idle == 300);
	CHECK(t.iowait == 4 && t.irq == 5 && t.softirq == 6 && t.steal == 7);
	CHECK(procfs_parse_cpu_times("cpu0 1 2 3 4", 12, &t) == -EINVAL);
}

/* The per-CPU lines, in order; a gap (an offline CPU), a line cut by the
 * buffer's end or the cap ends the list. */
static void
test_cpu_each(void)
{
	static const char text[] = "cpu  10 1 20 300 4 5 6 7 0 0\n"
	                           "cpu0 5 0 10 150 2 2 3 3 0 0\n"
	                           "cpu1 5 1 10 150 2 3 3 4 0 0\n"
	                           "intr 1 2 3\n";
	static const char gap[] = "cpu  1 1 1 1\ncpu0 1 1 1 1\ncpu2 1 1 1 1\n";
	static const char cut[] = "cpu  1 1 1 1\ncpu0 1 1 1 1\ncpu1 1 1";
	struct procfs_cpu_times t[4];

	CHECK(procfs_parse_cpu_each(text, sizeof(text) - 1, t, 4) == 2);
	CHECK(t[0].user == 5 && t[0].idle == 150 && t[0].steal == 3);
	CHECK(t[1].nice == 1 && t[1].irq == 3 && t[1].steal == 4);
	CHECK(procfs_parse_cpu_each(text, sizeof(text) - 1, t, 1) == 1);
	CHECK(procfs_parse_cpu_each(gap, sizeof(gap) - 1, t, 4) == 1);
	CHECK(procfs_parse_cpu_each(cut, sizeof(cut) - 1, t, 4) == 1);
	CHECK(procfs_parse_cpu_each("", 0, t, 4) == 0);
}

static void
test_loadavg(void)
{
	struct procfs_loadavg l;

	CHECK(procfs_parse_loadavg("0.52 0.40 1.31 2/123 4567\n", 26, &l) == 0);
	CHECK(fabs(l.load[0] - 0.52) < 1e-9 && fabs(l.load[2] - 1.31) < 1e-9);
	CHECK(l.running == 2 && l.threads == 123);
	CHECK(procfs_parse_loadavg("0.5 0.4", 7, &l) == -EINVAL);
	CHECK(procfs_parse_loadavg("1 2 3 x/4", 9, &l) == -EINVAL);
}

static void
test_meminfo_uptime(void)
{
	static const char text[] = "MemTotal:       24683620 kB\nMemFree:        24315360 kB\n"
	                           "MemAvailable:   24328296 kB\nBuffers:            2048 kB\n"
	                           "Cached:  x\nSwapTotal:             0 kB\nSwapFree: 0 kB\n"
	                           "MemAvailableX: 7 kB\nbroken line\n";
	struct procfs_meminfo m;
	double up;

	procfs_parse_meminfo(text, sizeof(text) - 1, &m);
	CHECK(m.total == 24683620 && m.free == 24315360 && m.available == 24328296);
	CHECK(m.buffers == 2048 && m.cached == -1 && m.sreclaimable == -1);
	CHECK(m.swap_total == 0 && m.swap_free == 0);
	CHECK(procfs_parse_uptime("3423.74 2577.28\n", 16, &up) == 0 && fabs(up - 3423.74) < 1e-9);
	CHECK(procfs_parse_uptime("x", 1, &up) == -EINVAL);
	CHECK(procfs_parse_uptime("-5 1", 4, &up) == -EINVAL);
}

static void
test_rollup(void)
{
	static const char text[] =
	    "55d4e0a00000-7ffd8f5ff000 ---p 00000000 00:00 0                          [rollup]\n"
	    "Rss:                4096 kB\nPss:                3000 kB\n"
	    "Pss_Anon:           1000 kB\nShared_Clean:       1024 kB\n"
	    "Private_Clean:       512 kB\nPrivate_Dirty:      2560 kB\nSwap:                 16 "
	    "kB\n";
	struct mem_rollup r;

	procfs_parse_rollup(text, sizeof(text) - 1, &r);
	CHECK(r.rss_kib == 4096 && r.pss_kib == 3000 && r.swap_kib == 16);
	CHECK(r.uss_kib == 512 + 2560);
}

static void
test_smaps(void)
{
	static const char text[] =
	    "55d4e0a00000-55d4e0a21000 rw-p 00000000 00:00 0                          [heap]\n"
	    "Rss:                 100 kB\nAnonymous:           100 kB\n"
	    "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
	    "Rss:                 200 kB\nAnonymous:           200 kB\n"
	    "7f0000100000-7f0000200000 r-xp 00000000 08:01 1234   /usr/lib/libc.so.6\n"
	    "Rss:                 300 kB\nAnonymous:             0 kB\n"
	    "7f0000200000-7f0000210000 rw-p 00010000 08:01 1234   /usr/lib/libc.so.6\n"
	    "Rss:                  16 kB\nAnonymous:            12 kB\n"
	    "7f0000300000-7f0000400000 rw-s 00000000 00:05 99     /dev/shm/pool (deleted)\n"
	    "Rss:                  50 kB\n"
	    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
	    "Rss:                  24 kB\nAnonymous:            24 kB\n"
	    "VmFlags: rd wr mr mw me gd ac\n";
	struct mem_breakdown b;

	procfs_parse_smaps(text, sizeof(text) - 1, &b);
	CHECK(b.kib[MEM_HEAP] == 100);
	CHECK(b.kib[MEM_ANON] == 200 + 12);
	CHECK(b.kib[MEM_FILE] == 300 + 4);
	CHECK(b.kib[MEM_SHMEM] == 50);
	CHECK(b.kib[MEM_STACK] == 24);
}

int
main(void)
{
	test_stat_plain();
	test_stat_nice();
	test_stat_hostile_comm();
	test_stat_garbage();
	test_status();
	test_schedstat_syscall();
	test_syscall_args();
	test_cpu_times();
	test_cpu_each();
	test_loadavg();
	test_meminfo_uptime();
	test_rollup();
	test_smaps();
	return check_done("procfs_parse");
}
