/* Protocol buffers' wire format, written (stacktop record --format pprof):
 * a growing buffer and the few encodings profile.proto uses. A nested
 * message is written into its own buffer, then added as bytes. */
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

#endif
