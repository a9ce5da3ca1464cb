/* The generated syscall table: the numbers we rely on, and no holes where the
 * kernel has a syscall. */
#include "check.h"
#include "syscall_names.h"

#include <sys/syscall.h>

int
main(void)
{
	CHECK_STR(syscall_name(SYS_read), "read");
	CHECK_STR(syscall_name(SYS_futex), "futex");
	CHECK_STR(syscall_name(SYS_epoll_wait), "epoll_wait");
	CHECK_STR(syscall_name(SYS_clock_nanosleep), "clock_nanosleep");
	CHECK(syscall_name(-1) == NULL);
	CHECK(syscall_name(syscall_names_count) == NULL);
	/* The table is dense up to the first gap the kernel leaves (x86-64 has
	 * none before 334); a missing name there means the generator broke. */
	for (int nr = 0; nr < 300 && nr < syscall_names_count; nr++)
		CHECK(syscall_name(nr) != NULL);
	CHECK(syscall_names_count > 300);
	return check_done("syscall_names");
}
