#include "module_debug.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* A separate debug file: by build-id under /usr/lib/debug/.build-id, then by
 * .gnu_debuglink next to the file, in .debug/ there, and under
 * /usr/lib/debug. (The CRC in the debuglink is not checked: a mismatching
 * file yields wrong names only if it has the same name and build, which the
 * build-id path rules out first.) */
static int
module_debug_search(const struct module *m, const char *dir,
                    int (*opener)(void *arg, const char *candidate, struct module **out), void *arg,
                    struct module **out)
{
	const unsigned char *build_id;
	size_t build_id_len = module_build_id(m, &build_id);
	const char *debuglink = module_debuglink(m);
	char path[1024];
	size_t n;

	if (build_id_len > 1) {
		n = (size_t)snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/",
		                     build_id[0]);
		for (size_t i = 1; i < build_id_len && n + 3 < sizeof(path); i++)
			n += (size_t)snprintf(path + n, sizeof(path) - n, "%02x", build_id[i]);
		snprintf(path + n, sizeof(path) - n, ".debug");
		if (opener(arg, path, out) == 0)
			return 0;
	}
	if (debuglink[0] == '\0' || dir == NULL)
		return -ENOENT;
	const char *const patterns[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(path, sizeof(path), patterns[i], dir, debuglink);
		if (opener(arg, path, out) == 0) {
			if (module_has_symtab(*out))
				return 0;
			module_free(*out);
			*out = NULL;
		}
	}
	return -ENOENT;
}

int
module_debug_find(const struct module *m, const char *path,
                  int (*opener)(void *arg, const char *candidate, struct module **out), void *arg,
                  struct module **out)
{
	char dir[512];
	const char *slash = strrchr(path, '/');

	*out = NULL;
	if (slash != NULL && (size_t)(slash - path) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		return module_debug_search(m, dir, opener, arg, out);
	}
	return module_debug_search(m, NULL, opener, arg, out);
}

int
module_debug_open(void *root, const char *candidate, struct module **out)
{
	char under[2048];

	/* Under the process's root, a path resolves as the process would
	 * resolve it, but for an absolute symbolic link or a ".." past its
	 * root, which lead into ours: at worst to an ELF file of ours, whose
	 * names are then wrong, as a debuglink file of the same name and
	 * another build would be. */
	if (root != NULL &&
	    (size_t)snprintf(under, sizeof(under), "%s%s", (const char *)root, candidate) <
	        sizeof(under) &&
	    module_open(under, out) == 0)
		return 0;
	return module_open(candidate, out);
}

bool
module_debug_other_root(const char *root)
{
	struct stat theirs, ours;

	return stat(root, &theirs) == 0 && stat("/", &ours) == 0 &&
	       (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino);
}
