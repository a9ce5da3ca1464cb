#include "protobuf.h"

#include "../xmalloc.h"

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
