#include "demangle.h"

#include "../xmalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longer mangled names exist (deeply nested templates) but are unreadable
 * demangled too; the bound keeps the demangler's work on a hostile file
 * small. */
#define DEMANGLE_MAX_INPUT 4096

/* The Itanium C++ ABI demangler, in libstdc++ (also what c++filt uses). It
 * returns a malloc'd string and sets *status to 0 on success. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

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
	if (strncmp(raw, "_Z", 2) == 0 && len <= DEMANGLE_MAX_INPUT) {
		demangled = __cxa_demangle(plain != NULL ? plain : raw, NULL, NULL, &status);
		if (status == 0 && demangled != NULL) {
			free(plain);
			return demangled;
		}
		free(demangled);
	}
	return plain;
}
