/* A small streaming JSON writer: valid JSON whatever bytes it is given.
 *
 * Strings are escaped completely: controls (sanitize_is_control: C0, C1,
 * bidirectional) as \uXXXX, and bytes that are not valid UTF-8 as U+FFFD,
 * so a hostile comm or cmdline can never break a document, nor drive the
 * terminal it is printed on. Numbers that are not finite become null ("unknown"). */
#ifndef STACKTOP_JSON_H
#define STACKTOP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;
};

/* Starts a document on out (borrowed for the writer's life). */
void json_init(struct json *j, FILE *out);
/* Ends a document with a newline. */
void json_finish(struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* The key of the next member of the current object. */
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
/* A string of exactly len bytes, which may hold NULs or invalid UTF-8. */
void json_string_len(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
/* A non-finite value is written as null. */
void json_double(struct json *j, double v, int decimals);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* A member "key": v, or "key": null when v is negative (our "unknown" for
 * sizes, counts and ids). */
void json_member_count(struct json *j, const char *key, int64_t v);

/* A member "key": s, or "key": null when s is NULL. */
void json_member_string(struct json *j, const char *key, const char *s);

/* A member "key": v with decimals, or null when v is not finite. */
void json_member_double(struct json *j, const char *key, double v, int decimals);

/* A member "key": "2023-11-14T22:13:20.500Z", when (UTC, ISO 8601 with
 * milliseconds): the one format of every document's taken_at. */
void json_member_time(struct json *j, const char *key, const struct timespec *when);

/* An address as two members: "key" its value as a number (as schema /1
 * always wrote it) and "key_hex" the same as a string "0x7f..." (what a
 * debugger shows, and exact where a reader's numbers are doubles); both
 * null when address is 0 (unknown, or none). */
void json_member_address(struct json *j, const char *key, uint64_t address);

/* Opens a document of stacktop's own: "{", "schema" (kind and version,
 * "stacktop.dump/1"), "taken_at" (json_member_time) and "stacktop_version",
 * the members every such document starts with. Close it with
 * json_object_end and json_finish. */
void json_document_begin(struct json *j, const char *schema, const struct timespec *taken_at);

#endif
