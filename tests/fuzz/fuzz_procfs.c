/* libFuzzer harness for the pure decoders: every /proc parser, the taskstats
 * netlink answer parser, the terminal sanitizer and the JSON string writer get
 * the same arbitrary bytes. Nothing
 * may crash, read out of bounds or loop without bound. */
#include "growth.h"
#include "probes/procfs_parse.h"
#include "probes/taskstats.h"
#include "sanitize.h"
#include "ui/json.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct procfs_stat st;
	struct procfs_status status;
	struct procfs_schedstat sched;
	struct procfs_syscall sc;
	struct procfs_cpu_times cpu, cpus[4];
	struct mem_rollup rollup;
	struct mem_breakdown breakdown;
	struct procfs_loadavg load;
	struct procfs_meminfo meminfo;
	double uptime;
	struct taskstats_sample ts;
	char clean[64];
	static FILE *devnull;
	struct json j;

	(void)procfs_parse_stat(buf, size, &st);
	procfs_parse_status(buf, size, &status);
	(void)procfs_parse_schedstat(buf, size, &sched);
	(void)procfs_parse_syscall(buf, size);
	(void)procfs_parse_syscall_args(buf, size, &sc);
	(void)procfs_parse_cpu_times(buf, size, &cpu);
	(void)procfs_parse_cpu_each(buf, size, cpus, 4);
	procfs_parse_rollup(buf, size, &rollup);
	procfs_parse_smaps(buf, size, &breakdown);
	(void)procfs_parse_loadavg(buf, size, &load);
	procfs_parse_meminfo(buf, size, &meminfo);
	(void)procfs_parse_uptime(buf, size, &uptime);
	(void)taskstats_parse(data, size, &ts);
	sanitize_text(buf, size, clean, sizeof(clean));
	(void)sanitize_width(clean);

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	json_init(&j, devnull);
	json_string_len(&j, buf, size);

	/* The growth fit on the bytes read as a series of sizes. */
	if (size >= 16) {
		double t[64];
		int64_t kib[64];
		size_t n = 0;

		for (size_t i = 0; i + 2 <= size && n < 64; i += 2, n++) {
			t[n] = (double)n * 0.1 + (double)data[i] / 1000.0;
			kib[n] = (int64_t)data[i + 1] * 1024;
		}
		struct growth g;
		growth_fit(t, kib, n, (size_t)(data[0] % 70), &g);
	}
	return 0;
}
