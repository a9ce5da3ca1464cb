#include "unwind_library.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

/* The soname Debian's libunwind8 installs, then the development link. */
static const char *const unwind_library_names[] = {"libunwind-x86_64.so.8", "libunwind-x86_64.so"};

/* Sets *fn to the address of symbol name in lib; false when missing. */
static bool
unwind_library_symbol(void *lib, const char *name, void *fn)
{
	void *sym = dlsym(lib, name);

	*(void **)fn = sym;
	return sym != NULL;
}

/* The table is filled once and never changes after: a cache of what the
 * dynamic linker would have resolved at start-up, not state. */
const struct unwind_library *
unwind_library(void)
{
	static bool tried, loaded;
	static struct unwind_library lib;
	void *handle = NULL;

	if (tried)
		return loaded ? &lib : NULL;
	tried = true;
	for (size_t i = 0; handle == NULL && i < sizeof(unwind_library_names) / sizeof(char *); i++)
		handle = dlopen(unwind_library_names[i], RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL)
		return NULL;
	/* libunwind's own names (libunwind.h maps unw_step to _Ux86_64_step). */
	loaded =
	    unwind_library_symbol(handle, "_Ux86_64_create_addr_space", &lib.create_addr_space) &&
	    unwind_library_symbol(handle, "_Ux86_64_destroy_addr_space", &lib.destroy_addr_space) &&
	    unwind_library_symbol(handle, "_Ux86_64_flush_cache", &lib.flush_cache) &&
	    unwind_library_symbol(handle, "_Ux86_64_set_caching_policy", &lib.set_caching_policy) &&
	    unwind_library_symbol(handle, "_Ux86_64_init_remote", &lib.init_remote) &&
	    unwind_library_symbol(handle, "_Ux86_64_step", &lib.step) &&
	    unwind_library_symbol(handle, "_Ux86_64_get_reg", &lib.get_reg) &&
	    unwind_library_symbol(handle, "_Ux86_64_dwarf_search_unwind_table",
	                          &lib.search_unwind_table);
	return loaded ? &lib : NULL;
}
