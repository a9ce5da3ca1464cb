#include "python_memory.h"

#include "ptrace.h"

#include <errno.h>
#include <sys/uio.h>

/* Reads made in one process_vm_readv (the kernel takes up to IOV_MAX). */
#define PYTHON_READV_MAX 1024

int
python_memory_readv(const struct python_memory *mem, const struct python_read *reads, size_t n)
{
	if (mem->readv != NULL)
		return mem->readv(mem->arg, reads, n);
	for (size_t i = 0; i < n; i++) {
		int err = mem->read(mem->arg, reads[i].addr, reads[i].buf, reads[i].len);

		if (err != 0)
			return err;
	}
	return 0;
}

int
python_memory_live(void *arg, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = ptrace_read_memory(*(const int *)arg, addr, buf, len);

	return n == (ssize_t)len ? 0 : n < 0 ? (int)n : -EFAULT;
}

int
python_memory_live_v(void *arg, const struct python_read *reads, size_t n)
{
	int pid = *(const int *)arg;
	struct iovec local[PYTHON_READV_MAX], remote[PYTHON_READV_MAX];

	while (n > 0) {
		size_t k = n < PYTHON_READV_MAX ? n : PYTHON_READV_MAX, want = 0;
		ssize_t got;

		for (size_t i = 0; i < k; i++) {
			local[i] = (struct iovec){reads[i].buf, reads[i].len};
			remote[i] = (struct iovec){(void *)(uintptr_t)reads[i].addr, reads[i].len};
			want += reads[i].len;
		}
		got = process_vm_readv(pid, local, k, remote, k, 0);
		if (got < 0)
			return -errno;
		if ((size_t)got != want)
			return -EFAULT;
		reads += k;
		n -= k;
	}
	return 0;
}
