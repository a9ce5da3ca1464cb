/* Protocol buffers' wire format, written (stacktop record --format pprof):
 * a growing buffer and the few encodings profile.proto uses. A nested
 * message is written into its own buffer, then added as bytes. And read
 * (stacktop diff): a message's fields one by one, bounded by its bytes. */
#ifndef STACKTOP_PROTOBUF_H
#define STACKTOP_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

struct protobuf {
	uint8_t *data; /* owned */
	size_t len, cap;
};

/* Field number field as a varint (int64, uint64 and bool fields). A zero is
 * written too: proto3 readers take it as the default it is. */
void protobuf_varint(struct protobuf *b, unsigned field, uint64_t value);

/* Field number field as length-delimited bytes: a string, or a message
 * written into another buffer. */
void protobuf_bytes(struct protobuf *b, unsigned field, const void *data, size_t len);
void protobuf_message(struct protobuf *b, unsigned field, const struct protobuf *message);

/* A packed repeated varint field (profile.proto's location ids and values). */
void protobuf_packed(struct protobuf *b, unsigned field, const uint64_t *values, size_t n);

/* Appends bytes already encoded (fields written into another buffer). */
void protobuf_raw(struct protobuf *b, const void *data, size_t len);

/* Empties b, keeping its memory for the next message. */
void protobuf_reset(struct protobuf *b);

/* Frees what b owns. */
void protobuf_clear(struct protobuf *b);

/* A message being read: the bytes from p to end (borrowed). */
struct protobuf_reader {
	const uint8_t *p, *end;
};

/* One field as read: a varint, fixed64 or fixed32 in value, or
 * length-delimited bytes in data[0..len) (borrowed from the reader's). */
struct protobuf_field {
	unsigned number;
	unsigned wire; /* 0 varint, 1 fixed64, 2 bytes, 5 fixed32 */
	uint64_t value;
	const uint8_t *data;
	size_t len;
};

/* Reads a bare varint (a packed field's element). Returns 1, 0 at the end
 * of the bytes, or -EBADMSG when it is cut or longer than 10 bytes. */
int protobuf_read_varint(struct protobuf_reader *r, uint64_t *value);

/* Reads the next field. Returns 1, 0 at the end of the message, or
 * -EBADMSG: a field number 0, a group (wire types 3 and 4, which
 * profile.proto never uses) or an unknown wire type, or a field cut short. */
int protobuf_read_field(struct protobuf_reader *r, struct protobuf_field *f);

#endif
