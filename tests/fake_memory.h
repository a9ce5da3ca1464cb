/* A fake target address space for tests and fuzzers: bytes that appear at
 * FAKE_BASE, read through the struct python_memory contract; every read
 * outside them fails as an unmapped address would. */
#ifndef STACKTOP_TESTS_FAKE_MEMORY_H
#define STACKTOP_TESTS_FAKE_MEMORY_H

#include "probes/python_layout.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Where the bytes appear in the fake address space. */
#define FAKE_BASE 0x10000

struct fake_memory {
	const uint8_t *bytes;
	size_t size;
};

static inline int
fake_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	const struct fake_memory *m = arg;

	if (addr < FAKE_BASE || addr - FAKE_BASE > m->size || len > m->size - (addr - FAKE_BASE))
		return -EFAULT;
	memcpy(buf, m->bytes + (addr - FAKE_BASE), len);
	return 0;
}

/* The i-th 64-bit word of m's bytes, 0 past their end: how fuzzers take
 * addresses (of tasks, objects, types) from their input. */
static inline uint64_t
fake_word(const struct fake_memory *m, size_t i)
{
	uint64_t v = 0;

	if ((i + 1) * 8 <= m->size)
		memcpy(&v, m->bytes + i * 8, 8);
	return v;
}

/* Writes v, or string s with its NUL, at addr of space (the bytes that
 * appear at FAKE_BASE): how tests lay out a fake address space. */
static inline void
fake_put(uint8_t *space, uint64_t addr, const void *v, size_t len)
{
	memcpy(space + (addr - FAKE_BASE), v, len);
}

static inline void
fake_put_u64(uint8_t *space, uint64_t addr, uint64_t v)
{
	memcpy(space + (addr - FAKE_BASE), &v, sizeof(v));
}

static inline void
fake_put_str(uint8_t *space, uint64_t addr, const char *s)
{
	memcpy(space + (addr - FAKE_BASE), s, strlen(s) + 1);
}

/* An object at obj of a type at type named name (the name's characters at
 * name_at), as layout l places ob_type and tp_name. */
static inline void
fake_put_object(uint8_t *space, const struct python_layout *l, uint64_t obj, uint64_t type,
                uint64_t name_at, const char *name)
{
	fake_put_str(space, name_at, name);
	fake_put_u64(space, type + (uint64_t)l->type.tp_name, name_at);
	fake_put_u64(space, obj + (uint64_t)l->object.ob_type, type);
}

/* A fuzzer's input as a CPython version and its memory: data[0] picks the
 * layout (0: 2.7, then 3.6 … 3.15, modulo 11), the rest appears at
 * FAKE_BASE, as an exact copy in *out (free out->bytes), so that ASan sees a
 * read past its end. Returns the layout, or NULL (nothing to free) when the
 * input is empty. */
static inline const struct python_layout *
fake_memory_fuzz_input(const uint8_t *data, size_t size, struct fake_memory *out)
{
	static const int minors[] = {7, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	const size_t nminors = sizeof(minors) / sizeof(minors[0]);
	const struct python_layout *l;
	uint8_t *copy;

	if (size < 1)
		return NULL;
	l = python_layout_for(data[0] % nminors == 0 ? 2 : 3, minors[data[0] % nminors]);
	if (l == NULL || (copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return NULL;
	memcpy(copy, data + 1, size - 1);
	out->bytes = copy;
	out->size = size - 1;
	return l;
}

#endif
