#include "sysinfo.h"

#include "procfs_parse.h"

#include <math.h>
#include <unistd.h>

void
sysinfo_read(const struct procfs *fs, struct system_row *sys)
{
	struct procfs_meminfo m;
	char buf[4096];
	ssize_t n;

	sys->mem_total_kib = sys->mem_used_kib = sys->mem_available_kib = -1;
	sys->swap_total_kib = sys->swap_used_kib = -1;
	sys->uptime_s = NAN;
	if ((n = procfs_read_machine(fs, PROCFS_MEMINFO, buf, sizeof(buf))) >= 0) {
		procfs_parse_meminfo(buf, (size_t)n, &m);
		sys->mem_total_kib = m.total;
		sys->mem_available_kib = m.available;
		/* Kernels before 3.14 have no MemAvailable: procps then counts
		 * free, buffers and page cache as available. */
		if (m.available < 0 && m.free >= 0 && m.buffers >= 0 && m.cached >= 0)
			sys->mem_available_kib = m.free + m.buffers + m.cached +
			                         (m.sreclaimable > 0 ? m.sreclaimable : 0);
		if (m.total >= 0 && sys->mem_available_kib >= 0 &&
		    sys->mem_available_kib <= m.total)
			sys->mem_used_kib = m.total - sys->mem_available_kib;
		sys->swap_total_kib = m.swap_total;
		if (m.swap_total >= 0 && m.swap_free >= 0 && m.swap_free <= m.swap_total)
			sys->swap_used_kib = m.swap_total - m.swap_free;
	}
	if ((n = procfs_read_machine(fs, PROCFS_UPTIME, buf, sizeof(buf))) < 0 ||
	    procfs_parse_uptime(buf, (size_t)n, &sys->uptime_s) != 0)
		sys->uptime_s = NAN;
	sys->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
}
