/* How stacktop reads a CPython target's memory from outside: a reader the
 * caller supplies (process_vm_readv on a live target, python_memory_live; a
 * fake address space in tests and fuzzers; the memory cache of a stopped
 * one), and the small helpers every decoder reads through. What it returns
 * is untrusted: the decoders bound everything they follow. */
#ifndef STACKTOP_PYTHON_MEMORY_H
#define STACKTOP_PYTHON_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One of several reads made at once: len bytes at addr into buf. */
struct python_read {
	uint64_t addr;
	void *buf;
	size_t len;
};

/* How the decoder reads the target. */
struct python_memory {
	/* Reads len bytes at addr into buf. Returns 0 when all were read, else
	 * -errno. */
	int (*read)(void *arg, uint64_t addr, void *buf, size_t len);
	void *arg;
	/* Optional (NULL: read one by one): makes the n reads at once, as near
	 * one instant as the system allows. Returns 0 when all were read. */
	int (*readv)(void *arg, const struct python_read *reads, size_t n);
};

/* One u64 or int32_t at addr, through mem: 0 or the reader's -errno. */
static inline int
python_memory_u64(const struct python_memory *mem, uint64_t addr, uint64_t *v)
{
	return mem->read(mem->arg, addr, v, sizeof(*v));
}

/* The u64 at addr, or 0 when addr is 0 or cannot be read: for pointers
 * followed through target memory, where 0 ends the walk either way. */
static inline uint64_t
python_memory_word(const struct python_memory *mem, uint64_t addr)
{
	uint64_t v = 0;

	if (addr == 0 || mem->read(mem->arg, addr, &v, sizeof(v)) != 0)
		return 0;
	return v;
}

static inline int
python_memory_i32(const struct python_memory *mem, uint64_t addr, int32_t *v)
{
	return mem->read(mem->arg, addr, v, sizeof(*v));
}

/* A field of a buffer read from the target at a layout offset; 0 when the
 * offset is absent or out of the buffer. */
static inline uint64_t
python_memory_field_u64(const unsigned char *buf, size_t len, int32_t off)
{
	uint64_t v = 0;

	if (off >= 0 && (size_t)off + sizeof(v) <= len)
		memcpy(&v, buf + off, sizeof(v));
	return v;
}

static inline int64_t
python_memory_field_i32(const unsigned char *buf, size_t len, int32_t off)
{
	int32_t v = 0;

	if (off >= 0 && (size_t)off + sizeof(v) <= len)
		memcpy(&v, buf + off, sizeof(v));
	return v;
}

static inline unsigned
python_memory_field_u8(const unsigned char *buf, size_t len, int32_t off)
{
	return off >= 0 && (size_t)off < len ? buf[off] : 0;
}

/* Makes the n reads through mem: at once where it can (mem->readv), else
 * one by one. Returns 0 when all were read, else the reader's -errno. */
int python_memory_readv(const struct python_memory *mem, const struct python_read *reads, size_t n);

/* The reader for a live process: arg points to its pid (an int that must
 * outlive the reader); reads with process_vm_readv, without stopping it. */
int python_memory_live(void *arg, uint64_t addr, void *buf, size_t len);

/* python_memory_live's readv: many reads in one process_vm_readv. */
int python_memory_live_v(void *arg, const struct python_read *reads, size_t n);

#endif
