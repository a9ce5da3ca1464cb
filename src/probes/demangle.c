#include "demangle.h"

#include "../xmalloc.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longer mangled names exist (deeply nested templates) but are unreadable
 * demangled too; the bound keeps the demangler's work on a hostile file
 * small. */
#define DEMANGLE_MAX_INPUT 4096

/* The Itanium C++ ABI demangler, in libstdc++ (also what c++filt uses). It
 * returns a malloc'd string and sets *status to 0 on success. */
typedef char *(*demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

/* libstdc++ is loaded on the first C++ name only: linked in, it added a
 * millisecond to the start of every command, C targets and all. The handle
 * is process-wide and never changes once set: a cache, not state. */
static demangle_fn
demangle_cxa(void)
{
	static bool tried;
	static demangle_fn fn;
	void *lib;

	if (!tried) {
		tried = true;
		lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (lib != NULL)
			*(void **)&fn = dlsym(lib, "__cxa_demangle");
	}
	return fn;
}

char *
demangle_symbol(const char *raw)
{
	/* A symbol version follows '@' (one for a non-default version, two for
	 * the default one); neither C nor mangled C++ names contain '@'. */
	size_t len = strcspn(raw, "@");
	char *plain = NULL, *demangled;
	int status = -1;

	if (len == 0)
		return NULL;
	if (raw[len] != '\0')
		plain = xstrndup(raw, len);
	if (strncmp(raw, "_Z", 2) == 0 && len <= DEMANGLE_MAX_INPUT && demangle_cxa() != NULL) {
		demangled = demangle_cxa()(plain != NULL ? plain : raw, NULL, NULL, &status);
		if (status == 0 && demangled != NULL) {
			free(plain);
			return demangled;
		}
		free(demangled);
	}
	return plain;
}
