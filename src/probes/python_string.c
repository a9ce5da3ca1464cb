#include "python_string.h"

#include "../xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads are split at this boundary where a string may end a mapping. */
#define STRING_PAGE 4096

unsigned char *
python_string_bytes(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                    size_t max, size_t *len, uint64_t *size)
{
	unsigned char *buf;
	uint64_t have;
	size_t want;

	if (obj == 0 || l->bytes.ob_size < 0 || l->bytes.ob_sval < 0 ||
	    python_memory_u64(mem, obj + (uint64_t)l->bytes.ob_size, &have) != 0 ||
	    (int64_t)have < 0)
		return NULL;
	want = have < max ? (size_t)have : max;
	buf = xmalloc(want + 1);
	if (want > 0 && mem->read(mem->arg, obj + (uint64_t)l->bytes.ob_sval, buf, want) != 0) {
		free(buf);
		return NULL;
	}
	buf[want] = '\0';
	*len = want;
	*size = have;
	return buf;
}

/* 2.7's unicode object: length Py_UNICODE units (2 or 4 bytes) at *str. */
static int
string_units_27(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                uint64_t *at, uint64_t *length, uint32_t *kind)
{
	if (l->unicode.str < 0 || l->unicode.py_unicode_size <= 0 ||
	    python_memory_u64(mem, obj + (uint64_t)l->unicode.length, length) != 0 ||
	    python_memory_u64(mem, obj + (uint64_t)l->unicode.str, at) != 0)
		return -EFAULT;
	*kind = (uint32_t)l->unicode.py_unicode_size;
	return 0;
}

/* 3.x (PEP 393): the state bits say the width of a character and whether
 * the characters follow the struct (compact: at ascii_size when ascii,
 * else compact_size) or sit at data.any (the legacy API's strings). */
static int
string_units_3(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
               uint64_t *at, uint64_t *length, uint32_t *kind)
{
	unsigned char head[256];
	uint32_t state;

	if ((size_t)l->unicode.ascii_size > sizeof(head) ||
	    mem->read(mem->arg, obj, head, (size_t)l->unicode.ascii_size) != 0)
		return -EFAULT;
	*length = python_memory_field_u64(head, sizeof(head), l->unicode.length);
	state = (uint32_t)python_memory_field_i32(head, sizeof(head), l->unicode.state);
	*kind = (state >> l->unicode.kind_shift) & ((1u << l->unicode.kind_width) - 1);
	if ((state >> l->unicode.compact_shift) & 1)
		*at = obj + (uint64_t)(((state >> l->unicode.ascii_shift) & 1)
		                           ? l->unicode.ascii_size
		                           : l->unicode.compact_size);
	else if (python_memory_u64(mem, obj + (uint64_t)l->unicode.data_any, at) != 0)
		return -EFAULT;
	return 0;
}

int
python_string_code_points(const struct python_layout *l, const struct python_memory *mem,
                          uint64_t obj, size_t max, uint32_t **cps, size_t *n, uint64_t *length)
{
	uint64_t at, want;
	uint32_t kind;
	unsigned char *data;
	int err;

	*cps = NULL;
	*n = 0;
	if (obj == 0)
		return -EFAULT;
	err = l->major == 2 ? string_units_27(l, mem, obj, &at, length, &kind)
	                    : string_units_3(l, mem, obj, &at, length, &kind);
	if (err != 0 || (kind != 1 && kind != 2 && kind != 4) || (int64_t)*length < 0)
		return -EFAULT;
	want = *length < max ? *length : max;
	if (want == 0)
		return 0;
	data = xmalloc((size_t)want * kind);
	if (mem->read(mem->arg, at, data, (size_t)want * kind) != 0) {
		free(data);
		return -EFAULT;
	}
	*cps = xreallocarray(NULL, (size_t)want, sizeof(**cps));
	for (size_t i = 0; i < want; i++) {
		uint32_t cp = 0;

		if (kind == 1)
			cp = data[i];
		else if (kind == 2)
			cp = (uint32_t)data[2 * i] | (uint32_t)data[2 * i + 1] << 8;
		else
			memcpy(&cp, data + 4 * i, 4);
		(*cps)[i] = cp;
	}
	*n = (size_t)want;
	free(data);
	return 0;
}

size_t
python_string_utf8_put(char *out, uint32_t cp)
{
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

bool
python_string_c(const struct python_memory *mem, uint64_t addr, char *out, size_t size)
{
	size_t have = 0;

	if (size == 0)
		return false;
	while (have < size - 1) {
		uint64_t at = addr + have;
		size_t want = (size_t)(STRING_PAGE - (at & (STRING_PAGE - 1)));

		if (want > size - 1 - have)
			want = size - 1 - have;
		if (mem->read(mem->arg, at, out + have, want) != 0)
			break;
		if (memchr(out + have, '\0', want) != NULL)
			return true;
		have += want;
	}
	out[have] = '\0';
	return have > 0;
}

char *
python_string_name(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                   size_t max)
{
	uint32_t *cps;
	uint64_t length;
	size_t count, o = 0;
	char *out;

	if (l->major == 2)
		return (char *)python_string_bytes(l, mem, obj, max, &count, &length);
	if (python_string_code_points(l, mem, obj, max, &cps, &count, &length) != 0)
		return NULL;
	out = xmalloc(count * 4 + 1);
	for (size_t i = 0; i < count; i++)
		o += python_string_utf8_put(out + o, cps[i]);
	out[o] = '\0';
	free(cps);
	return out;
}

bool
python_string_type_named(const struct python_layout *l, const struct python_memory *mem,
                         uint64_t type, const char *name)
{
	char buf[64];
	size_t len = strlen(name) + 1;
	uint64_t at;

	if (type == 0 || len > sizeof(buf) || l->type.tp_name < 0 ||
	    python_memory_u64(mem, type + (uint64_t)l->type.tp_name, &at) != 0 || at == 0 ||
	    mem->read(mem->arg, at, buf, len) != 0)
		return false;
	return memcmp(buf, name, len) == 0;
}
