/* libunwind, loaded on the first frame that the fast path (probes/cfi.c)
 * does not take: most dumps never need it, and linked in, its libraries
 * (libunwind-x86_64, libunwind, liblzma) cost every command about half a
 * millisecond of start-up to map and relocate. */
#ifndef STACKTOP_UNWIND_LIBRARY_H
#define STACKTOP_UNWIND_LIBRARY_H

#include <libunwind.h>

/* The libunwind calls the unwinder makes (x86-64 remote unwinding). */
struct unwind_library {
	unw_addr_space_t (*create_addr_space)(unw_accessors_t *accessors, int byte_order);
	void (*destroy_addr_space)(unw_addr_space_t as);
	void (*flush_cache)(unw_addr_space_t as, unw_word_t lo, unw_word_t hi);
	int (*set_caching_policy)(unw_addr_space_t as, unw_caching_policy_t policy);
	int (*init_remote)(unw_cursor_t *cursor, unw_addr_space_t as, void *arg);
	int (*step)(unw_cursor_t *cursor);
	int (*get_reg)(unw_cursor_t *cursor, unw_regnum_t reg, unw_word_t *val);
	/* Not in libunwind's public headers, but exported: the binary search
	 * through an .eh_frame_hdr table that libunwind itself uses (perf
	 * calls it too). */
	int (*search_unwind_table)(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
	                           unw_proc_info_t *pi, int need_unwind_info, void *arg);
};

/* libunwind's calls, loaded on the first call (process-wide, never
 * unloaded); NULL when the library or one of its calls is missing. */
const struct unwind_library *unwind_library(void);

#endif
