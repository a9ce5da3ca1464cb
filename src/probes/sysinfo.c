#include "sysinfo.h"

#include <libproc2/meminfo.h>
#include <libproc2/misc.h>
#include <math.h>

void
sysinfo_read(struct system_row *sys)
{
	struct meminfo_info *mem = NULL;
	double idle;

	sys->mem_total_kib = sys->mem_used_kib = sys->mem_available_kib = -1;
	sys->swap_total_kib = sys->swap_used_kib = -1;
	if (procps_meminfo_new(&mem) >= 0) {
		sys->mem_total_kib = (int64_t)MEMINFO_GET(mem, MEMINFO_MEM_TOTAL, ul_int);
		sys->mem_used_kib = (int64_t)MEMINFO_GET(mem, MEMINFO_MEM_USED, ul_int);
		sys->mem_available_kib = (int64_t)MEMINFO_GET(mem, MEMINFO_MEM_AVAILABLE, ul_int);
		sys->swap_total_kib = (int64_t)MEMINFO_GET(mem, MEMINFO_SWAP_TOTAL, ul_int);
		sys->swap_used_kib = (int64_t)MEMINFO_GET(mem, MEMINFO_SWAP_USED, ul_int);
		procps_meminfo_unref(&mem);
	}
	if (procps_uptime(&sys->uptime_s, &idle) < 0)
		sys->uptime_s = NAN;
	sys->ncpus = (int)procps_cpu_count();
}
