/* The debug-file search on this test's own executable: the candidate paths
 * it gives the opener (its build-id's file), and module_debug_open, which
 * looks under a process's root before ours: a root made here, with this
 * executable as the build-id's debug file, is found there and nowhere
 * else. */
#include "check.h"
#include "module.h"
#include "module_debug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CANDIDATES 8

/* What the recording opener was given. */
struct record {
	char paths[MAX_CANDIDATES][1024];
	size_t n;
};

/* Notes each candidate, opens none. */
static int
record_open(void *arg, const char *candidate, struct module **out)
{
	struct record *r = arg;

	(void)out;
	if (r->n < MAX_CANDIDATES)
		snprintf(r->paths[r->n++], sizeof(r->paths[0]), "%s", candidate);
	return -ENOENT;
}

/* The build-id's path under /usr/lib/debug/.build-id, as the search makes it. */
static void
build_id_path(const struct module *m, char *buf, size_t size)
{
	const unsigned char *id;
	size_t len = module_build_id(m, &id), n;

	n = (size_t)snprintf(buf, size, "/usr/lib/debug/.build-id/%02x/", id[0]);
	for (size_t i = 1; i < len; i++)
		n += (size_t)snprintf(buf + n, size - n, "%02x", id[i]);
	snprintf(buf + n, size - n, ".debug");
}

/* mkdir -p of the directories of path, below root (which exists). */
static int
make_dirs(const char *root, const char *path)
{
	char dir[2048];
	size_t len = strlen(root);

	snprintf(dir, sizeof(dir), "%s%s", root, path);
	for (char *slash = strchr(dir + len + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return 0;
}

int
main(void)
{
	char root[] = "/tmp/stacktop-module-debug-XXXXXX", wanted[1024], file[2048];
	const unsigned char *id, *debug_id;
	struct record rec = {.n = 0};
	struct module *m, *debug = NULL;
	size_t id_len;

	if (!CHECK(module_open("/proc/self/exe", &m) == 0))
		return check_done("test_module_debug");
	id_len = module_build_id(m, &id);
	if (!CHECK(id_len > 1)) /* gcc and clang give one on Debian */
		return check_done("test_module_debug");
	CHECK_STR(module_debuglink(m), "");
	CHECK(module_has_symtab(m));

	/* Without a debuglink, the build-id's file is the one candidate. */
	build_id_path(m, wanted, sizeof(wanted));
	CHECK(module_debug_find(m, "/opt/app/test", record_open, &rec, &debug) == -ENOENT);
	CHECK(debug == NULL);
	CHECK(rec.n == 1);
	CHECK_STR(rec.paths[0], wanted);

	/* This executable as its own debug file, in a root of our making. */
	if (!CHECK(mkdtemp(root) != NULL))
		return check_done("test_module_debug");
	snprintf(file, sizeof(file), "%s%s", root, wanted);
	CHECK(make_dirs(root, wanted) == 0);
	CHECK(symlink("/proc/self/exe", file) == 0);
	CHECK(module_debug_other_root(root));
	CHECK(!module_debug_other_root("/"));
	CHECK(!module_debug_other_root("/proc/self/root"));
	CHECK(!module_debug_other_root("/nonexistent/stacktop/root"));

	/* Found under the root... */
	CHECK(module_debug_find(m, "/opt/app/test", module_debug_open, root, &debug) == 0);
	if (CHECK(debug != NULL)) {
		CHECK(module_has_symtab(debug));
		CHECK(module_build_id(debug, &debug_id) == id_len &&
		      memcmp(debug_id, id, id_len) == 0);
		module_free(debug);
	}
	/* ...and not in ours, where nothing has this test's build-id. */
	if (access(wanted, F_OK) != 0) {
		CHECK(module_debug_find(m, "/opt/app/test", module_debug_open, NULL, &debug) ==
		      -ENOENT);
		CHECK(debug == NULL);
	}

	/* Clean up the root: the link, then its directories up to root. */
	unlink(file);
	for (char *slash = strrchr(file, '/'); slash != NULL && slash > file + strlen(root);
	     slash = strrchr(file, '/')) {
		*slash = '\0';
		rmdir(file);
	}
	rmdir(root);
	module_free(m);
	return check_done("test_module_debug");
}
