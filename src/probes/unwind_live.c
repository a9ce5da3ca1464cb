#include "unwind_live.h"

#include "../xmalloc.h"
#include "module.h"
#include "procfs_parse.h"
#include "ptrace.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

/* At most this much of a JIT symbol map is read (node writes ~100 bytes per
 * function it compiles). */
#define UNWIND_PERFMAP_MAX_BYTES (256u << 20)

/* The live process: what the callbacks read. */
struct unwind_live {
	const struct procfs *fs;
	int pid;
	/* Where the address space is read: "PID", or "PID/task/TID" for a live
	 * thread when the main thread has ended (a zombie main thread has no
	 * maps, no root and no memory of its own while the others run on). */
	char task[48];
};

struct unwind_live *
unwind_live_new(const struct procfs *fs, int pid)
{
	struct unwind_live *l = xcalloc(1, sizeof(*l));

	l->fs = fs;
	l->pid = pid;
	snprintf(l->task, sizeof(l->task), "%d", pid);
	return l;
}

void
unwind_live_free(struct unwind_live *l)
{
	free(l);
}

/* The maps through a live thread, when the main thread's are empty: it
 * ended, or the whole process did (then there are none to find). Returns
 * the length read or -errno, and points p->task at the thread it used. */
static ssize_t
unwind_live_thread_maps(struct unwind_live *p, char **buf)
{
	char path[96];
	int *tids;
	ssize_t n, ntids;

	*buf = NULL;
	snprintf(path, sizeof(path), "%d/task", p->pid);
	ntids = procfs_list_ids(p->fs, path, &tids);
	if (ntids < 0)
		return ntids;
	n = 0;
	for (ssize_t i = 0; i < ntids && n == 0; i++) {
		if (tids[i] == p->pid)
			continue;
		snprintf(path, sizeof(path), "%d/task/%d/maps", p->pid, tids[i]);
		free(*buf);
		n = procfs_read_all(p->fs, path, buf);
		if (n > 0)
			snprintf(p->task, sizeof(p->task), "%d/task/%d", p->pid, tids[i]);
		else
			n = 0;
	}
	free(tids);
	return n;
}

/* The live process's maps. */
static ssize_t
unwind_live_read_maps(void *arg, char **out)
{
	struct unwind_live *p = arg;
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/maps", p->task);
	n = procfs_read_all(p->fs, path, out);
	if (n == 0) {
		free(*out);
		n = unwind_live_thread_maps(p, out);
	}
	return n;
}

/* The target's vDSO, which is no file: the kernel maps one image into every
 * 64-bit process, so ours is the target's (read in our own memory, never in
 * the target's). Its unwind tables and names let clock_gettime and friends
 * unwind and show by name. Returns 0 or -ENOENT when the image does not fit
 * the target's mapping (another kernel ABI). */
static int
unwind_live_vdso_module(const struct procfs_map *map, struct module **out)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(uintptr_t)getauxval(AT_SYSINFO_EHDR);
	uint64_t size;

	if (eh == NULL || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOENT;
	/* Section headers come last in the image. */
	size = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	if (size < sizeof(*eh) || size > map->end - map->start)
		return -ENOENT;
	return module_from_memory(eh, (size_t)size, out);
}

static int
unwind_live_open_module(void *arg, const struct procfs_map *map, struct module **out)
{
	const struct unwind_live *p = arg;

	if (strcmp(map->path, "[vdso]") == 0)
		return unwind_live_vdso_module(map, out);
	return module_open_mapping(procfs_root(p->fs), p->pid, p->task, map, out);
}

static ssize_t
unwind_live_read_memory(void *arg, int tid, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	return ptrace_read_memory(tid, addr, buf, len);
}

/* The map is in the target's /tmp (its mount namespace's, through
 * /proc/PID/root) and named with its PID as its own PID namespace numbers
 * it (NSpid's last field), as the runtime wrote it. */
static ssize_t
unwind_live_read_perfmap(void *arg, uint64_t offset, char **out)
{
	const struct unwind_live *p = arg;
	char path[256];
	struct stat st;
	ssize_t n, got = 0;
	size_t want;
	int fd;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%d/root/tmp/perf-%d.map", procfs_root(p->fs), p->pid,
	         procfs_inner_id(p->fs, p->pid, p->pid));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return -errno;
	/* Only a regular file: a FIFO or a device in /tmp would block or
	 * never end. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size <= offset || offset >= UNWIND_PERFMAP_MAX_BYTES) {
		close(fd);
		return 0;
	}
	want = (size_t)((uint64_t)st.st_size - offset);
	if (want > UNWIND_PERFMAP_MAX_BYTES - offset)
		want = (size_t)(UNWIND_PERFMAP_MAX_BYTES - offset);
	*out = xmalloc(want);
	while ((size_t)got < want &&
	       (n = pread(fd, *out + got, want - (size_t)got, (off_t)(offset + (uint64_t)got))) > 0)
		got += n;
	close(fd);
	return got;
}

const struct unwinder_target unwind_live_target = {
    .read_maps = unwind_live_read_maps,
    .open_module = unwind_live_open_module,
    .read_memory = unwind_live_read_memory,
    .read_perfmap = unwind_live_read_perfmap,
};
