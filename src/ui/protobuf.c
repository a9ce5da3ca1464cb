#include "protobuf.h"

#include "../xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum protobuf_wire { PROTOBUF_VARINT = 0, PROTOBUF_BYTES = 2 };

static void
protobuf_reserve(struct protobuf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	while (b->len + more > b->cap)
		b->cap = b->cap ? b->cap * 2 : 256;
	b->data = xreallocarray(b->data, b->cap, 1);
}

/* A bare varint: 7 bits a byte, low first, the high bit saying more follow. */
static void
protobuf_raw_varint(struct protobuf *b, uint64_t v)
{
	protobuf_reserve(b, 10);
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

static void
protobuf_tag(struct protobuf *b, unsigned field, enum protobuf_wire wire)
{
	protobuf_raw_varint(b, (uint64_t)field << 3 | wire);
}

void
protobuf_varint(struct protobuf *b, unsigned field, uint64_t value)
{
	protobuf_tag(b, field, PROTOBUF_VARINT);
	protobuf_raw_varint(b, value);
}

void
protobuf_raw(struct protobuf *b, const void *data, size_t len)
{
	protobuf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

void
protobuf_bytes(struct protobuf *b, unsigned field, const void *data, size_t len)
{
	protobuf_tag(b, field, PROTOBUF_BYTES);
	protobuf_raw_varint(b, len);
	protobuf_raw(b, data, len);
}

void
protobuf_message(struct protobuf *b, unsigned field, const struct protobuf *message)
{
	protobuf_bytes(b, field, message->data, message->len);
}

void
protobuf_packed(struct protobuf *b, unsigned field, const uint64_t *values, size_t n)
{
	struct protobuf packed = {0};

	for (size_t i = 0; i < n; i++)
		protobuf_raw_varint(&packed, values[i]);
	protobuf_message(b, field, &packed);
	protobuf_clear(&packed);
}

void
protobuf_reset(struct protobuf *b)
{
	b->len = 0;
}

void
protobuf_clear(struct protobuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int
protobuf_read_varint(struct protobuf_reader *r, uint64_t *value)
{
	uint64_t v = 0;

	if (r->p >= r->end)
		return 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t byte;

		if (r->p >= r->end)
			return -EBADMSG;
		byte = *r->p++;
		/* The tenth byte holds bit 63 alone; what is above it is lost
		 * (as protobuf's own readers do). */
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*value = v;
			return 1;
		}
	}
	return -EBADMSG;
}

int
protobuf_read_field(struct protobuf_reader *r, struct protobuf_field *f)
{
	uint64_t tag, len;
	int rc = protobuf_read_varint(r, &tag);

	if (rc <= 0)
		return rc;
	memset(f, 0, sizeof(*f));
	if (tag >> 3 == 0 || tag >> 3 > UINT32_MAX >> 3)
		return -EBADMSG;
	f->number = (unsigned)(tag >> 3);
	f->wire = (unsigned)(tag & 7);
	switch (f->wire) {
	case PROTOBUF_VARINT:
		return protobuf_read_varint(r, &f->value) == 1 ? 1 : -EBADMSG;
	case 1: /* fixed64 */
	case 5: /* fixed32 */
		len = f->wire == 1 ? 8 : 4;
		if ((size_t)(r->end - r->p) < len)
			return -EBADMSG;
		for (size_t i = len; i > 0; i--)
			f->value = f->value << 8 | r->p[i - 1];
		r->p += len;
		return 1;
	case PROTOBUF_BYTES:
		if (protobuf_read_varint(r, &len) != 1 || len > (size_t)(r->end - r->p))
			return -EBADMSG;
		f->data = r->p;
		f->len = (size_t)len;
		r->p += len;
		return 1;
	default:
		return -EBADMSG;
	}
}
