#include "python_repr.h"

#include "python_string.h"
#include "python_type_flags.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* x86-64 user space ends below 2**47; an object is aligned to 8 or more. */
#define REPR_USER_END ((uint64_t)1 << 47)
/* The most digits of an int converted (30 bits each: some 1,150 decimal
 * digits); a larger int is described by its size. */
#define REPR_INT_MAX_DIGITS 128
/* 3.12+ int: lv_tag keeps the digit count above its low three bits and
 * the sign in the low two: 0 positive, 1 zero, 2 negative
 * (Include/cpython/longintrepr.h). */
#define REPR_LV_TAG_SHIFT 3
#define REPR_LV_SIGN_MASK 3

/* A bounded text being written. */
struct repr_out {
	char *buf;
	size_t len, size; /* len < size: room for the NUL */
	bool full;
};

static void
repr_put(struct repr_out *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void repr_printf(struct repr_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
repr_printf(struct repr_out *o, const char *fmt, ...)
{
	char tmp[PYTHON_REPR_TEXT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		repr_put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool
repr_pointer_ok(uint64_t addr)
{
	return addr != 0 && (addr & 7) == 0 && addr < REPR_USER_END;
}

static int
repr_word(const struct python_memory *mem, uint64_t addr, int32_t off, uint64_t *v)
{
	if (off < 0)
		return -EFAULT;
	return mem->read(mem->arg, addr + (uint64_t)off, v, sizeof(*v));
}

/* A type as python_repr believes it: its address, flags and name. */
struct repr_type {
	uint64_t addr, flags;
	char name[PYTHON_REPR_TYPE_MAX];
};

/* Whether name is a C string a type could have: printable, no controls
 * (a heap type's name is its class's UTF-8 name). */
static bool
repr_name_ok(const char *name)
{
	if (name[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static int
repr_type_read(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
               struct repr_type *t)
{
	uint64_t meta, name_at;

	memset(t, 0, sizeof(*t));
	if (!repr_pointer_ok(obj) || repr_word(mem, obj, l->object.ob_type, &t->addr) != 0 ||
	    !repr_pointer_ok(t->addr) || repr_word(mem, t->addr, l->object.ob_type, &meta) != 0 ||
	    !repr_pointer_ok(meta) || repr_word(mem, t->addr, l->type.tp_flags, &t->flags) != 0 ||
	    !(t->flags & PYTHON_TPFLAG_READY) ||
	    repr_word(mem, t->addr, l->type.tp_name, &name_at) != 0 || name_at == 0 ||
	    !python_string_c(mem, name_at, t->name, sizeof(t->name)) || !repr_name_ok(t->name))
		return -EFAULT;
	return 0;
}

int
python_repr_type_name(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                      char *name, size_t size)
{
	struct repr_type t;
	int err = repr_type_read(l, mem, obj, &t);

	snprintf(name, size, "%s", err == 0 ? t.name : "?");
	return err;
}

/* Whether t is CPython's own static type called name. */
static bool
repr_is(const struct repr_type *t, const char *name)
{
	return !(t->flags & PYTHON_TPFLAG_HEAPTYPE) && strcmp(t->name, name) == 0;
}

/* "<Name at 0x...>", and for containers their length. */
static void
repr_generic(struct repr_out *o, const struct repr_type *t, uint64_t obj, int64_t len)
{
	repr_printf(o, "<%s", t->name);
	if (len >= 0)
		repr_printf(o, " len=%" PRId64, len);
	repr_printf(o, " at 0x%" PRIx64 ">", obj);
}

/* Python's repr of a float: the shortest digits that read back as v
 * (repr's 'r' mode), in positional notation for exponents -4..15, else
 * as d.ddde+XX (Python/pystrtod.c, format_float_short). */
void
python_repr_float(double v, char *out, size_t size)
{
	char sci[40], digits[24];
	int exp10 = 0, nd = 0, decpt;
	struct repr_out o = {out, 0, size, false};

	out[0] = '\0';
	if (isnan(v)) {
		repr_put(&o, "nan", 3);
		return;
	}
	if (isinf(v)) {
		repr_put(&o, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
		return;
	}
	for (int prec = 0; prec <= 16; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec, v);
		if (strtod(sci, NULL) == v)
			break;
	}
	/* sci is [-]d[.ddd]e[+-]XX */
	for (const char *p = sci; *p != '\0' && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp10 = atoi(strchr(sci, 'e') + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	if (signbit(v))
		repr_put(&o, "-", 1);
	decpt = exp10 + 1;
	if (decpt <= -4 || decpt > 16) {
		repr_put(&o, digits, 1);
		if (nd > 1) {
			repr_put(&o, ".", 1);
			repr_put(&o, digits + 1, (size_t)nd - 1);
		}
		repr_printf(&o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (decpt <= 0) {
		repr_put(&o, "0.", 2);
		for (int i = 0; i < -decpt; i++)
			repr_put(&o, "0", 1);
		repr_put(&o, digits, (size_t)nd);
	} else if (decpt >= nd) {
		repr_put(&o, digits, (size_t)nd);
		for (int i = nd; i < decpt; i++)
			repr_put(&o, "0", 1);
		repr_put(&o, ".0", 2);
	} else {
		repr_put(&o, digits, (size_t)decpt);
		repr_put(&o, ".", 1);
		repr_put(&o, digits + decpt, (size_t)(nd - decpt));
	}
}

/* Whether Python's repr shows code point cp as it is (str.isprintable),
 * approximately: not the controls, the separators other than space, the
 * format characters a terminal or a bidirectional text acts on,
 * surrogates, private use and what is beyond Unicode. Unassigned code
 * points print as they are here, escaped by Python. */
static bool
repr_printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad)
		return false;
	if (cp == 0x61c || cp == 0x1680 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
	    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb))
		return false;
	if ((cp >= 0xd800 && cp <= 0xf8ff) || cp >= 0xf0000)
		return false;
	return true;
}

/* One character of a quoted literal, escaped as repr() does: the quote and
 * the backslash, \t \n \r, \xHH, and (str only) \uHHHH, \UHHHHHHHH for
 * what is not printable; ascii_only escapes all beyond ASCII (2.7). */
static void
repr_char(struct repr_out *o, uint32_t cp, char quote, bool ascii_only)
{
	char utf8[4];

	if (cp == (uint32_t)quote || cp == '\\')
		repr_printf(o, "\\%c", (char)cp);
	else if (cp == '\t')
		repr_put(o, "\\t", 2);
	else if (cp == '\n')
		repr_put(o, "\\n", 2);
	else if (cp == '\r')
		repr_put(o, "\\r", 2);
	else if (cp < 0x20 || cp == 0x7f)
		repr_printf(o, "\\x%02x", cp);
	else if (cp < 0x7f)
		repr_put(o, (const char *)&(char){(char)cp}, 1);
	else if (!ascii_only && repr_printable(cp))
		repr_put(o, utf8, python_string_utf8_put(utf8, cp));
	else if (cp <= 0xff)
		repr_printf(o, "\\x%02x", cp);
	else if (cp <= 0xffff)
		repr_printf(o, "\\u%04x", cp);
	else
		repr_printf(o, "\\U%08x", cp);
}

/* A quoted literal of the n characters cps (of length whole): prefix (b,
 * u or none), ' unless the text has ' and no ", cut where the text would
 * not fit, with "...(N chars)" when not all of it is shown. */
static void
repr_quoted(struct repr_out *o, const char *prefix, const uint32_t *cps, size_t n, uint64_t whole,
            bool ascii_only, const char *unit)
{
	bool single = false, dbl = false;
	char quote;
	size_t shown = 0;
	/* Room kept for the closing quote and the length. */
	size_t tail = 32;

	for (size_t i = 0; i < n; i++) {
		single |= cps[i] == '\'';
		dbl |= cps[i] == '"';
	}
	quote = single && !dbl ? '"' : '\'';
	repr_printf(o, "%s%c", prefix, quote);
	for (; shown < n; shown++) {
		struct repr_out probe = *o;
		char room[PYTHON_REPR_TEXT_MAX];

		/* Write into a copy, and keep it only when the tail still fits. */
		probe.buf = room;
		memcpy(room, o->buf, o->len + 1);
		probe.size = o->size > tail ? o->size - tail : 0;
		if (probe.len >= probe.size)
			break;
		repr_char(&probe, cps[shown], quote, ascii_only);
		if (probe.full)
			break;
		memcpy(o->buf, room, probe.len + 1);
		o->len = probe.len;
	}
	repr_put(o, &quote, 1);
	if (shown < whole)
		repr_printf(o, "...(%" PRIu64 " %s)", whole, unit);
}

/* A str (3.x), or 2.7's unicode (u'', every non-ASCII character escaped). */
static int
repr_str(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
         struct repr_out *o)
{
	uint32_t *cps;
	size_t n;
	uint64_t length;

	if (python_string_code_points(l, mem, obj, PYTHON_REPR_STR_CHARS, &cps, &n, &length) != 0)
		return -EFAULT;
	repr_quoted(o, l->major == 2 ? "u" : "", cps, n, length, l->major == 2, "chars");
	free(cps);
	return 0;
}

/* bytes (3.x: b''), or 2.7's str (''): every byte beyond ASCII as \xHH. */
static int
repr_bytes(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
           struct repr_out *o)
{
	uint32_t cps[PYTHON_REPR_STR_CHARS];
	size_t n;
	uint64_t size;
	unsigned char *b = python_string_bytes(l, mem, obj, PYTHON_REPR_STR_CHARS, &n, &size);

	if (b == NULL)
		return -EFAULT;
	for (size_t i = 0; i < n; i++)
		cps[i] = b[i];
	free(b);
	repr_quoted(o, l->major == 2 ? "" : "b", cps, n, size, true,
	            l->major == 2 ? "chars" : "bytes");
	return 0;
}

/* digits[0..n) (little-endian, base 2**shift) in decimal into out (size
 * bytes), destroying digits. Returns the decimal length (possibly more
 * than size - 1: out then holds nothing useful). */
static size_t
repr_decimal(uint32_t *digits, size_t n, int shift, char *out, size_t size)
{
	char rev[REPR_INT_MAX_DIGITS * 10 + 16];
	size_t len = 0;

	while (n > 0 && digits[n - 1] == 0)
		n--;
	if (n == 0)
		rev[len++] = '0';
	while (n > 0) {
		/* Divide by 10**9 from the top digit down. */
		uint64_t rem = 0;

		for (size_t i = n; i-- > 0;) {
			uint64_t cur = (rem << shift) | digits[i];

			digits[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (n > 0 && digits[n - 1] == 0)
			n--;
		for (int k = 0; k < 9 && (n > 0 || rem > 0); k++) {
			rev[len++] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (len < size) {
		for (size_t i = 0; i < len; i++)
			out[i] = rev[len - 1 - i];
		out[len] = '\0';
	}
	return len;
}

/* 2.7's int and bool: a C long. */
static int
repr_c_long(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
            bool bool_type, struct repr_out *o)
{
	uint64_t v;

	if (repr_word(mem, obj, l->longobj.ob_ival, &v) != 0)
		return -EFAULT;
	if (bool_type)
		repr_printf(o, "%s", v != 0 ? "True" : "False");
	else
		repr_printf(o, "%" PRId64, (int64_t)v);
	return 0;
}

/* An int of base 2**shift digits (3.x int and bool, 2.7's long, with its
 * L suffix). */
static int
repr_int(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
         bool bool_type, bool suffix_l, struct repr_out *o)
{
	uint64_t size, ndigits;
	int64_t sign;
	uint32_t digits[REPR_INT_MAX_DIGITS];
	unsigned char raw[REPR_INT_MAX_DIGITS * 4];
	char dec[PYTHON_REPR_INT_CHARS + 1];
	size_t dlen, dsize = (size_t)l->longobj.digit_size;

	if (l->longobj.lv_tag >= 0) {
		if (repr_word(mem, obj, l->longobj.lv_tag, &size) != 0)
			return -EFAULT;
		ndigits = size >> REPR_LV_TAG_SHIFT;
		sign = (size & REPR_LV_SIGN_MASK) == 2   ? -1
		       : (size & REPR_LV_SIGN_MASK) == 1 ? 0
		                                         : 1;
		if ((size & REPR_LV_SIGN_MASK) == 3)
			return -EFAULT;
	} else {
		if (repr_word(mem, obj, l->object.ob_size, &size) != 0)
			return -EFAULT;
		sign = (int64_t)size < 0 ? -1 : size == 0 ? 0 : 1;
		ndigits = (int64_t)size < 0 ? -size : size;
	}
	if (bool_type) {
		repr_printf(o, "%s", sign != 0 ? "True" : "False");
		return 0;
	}
	if ((dsize != 2 && dsize != 4) || l->longobj.shift <= 0 || l->longobj.shift > 30)
		return -EFAULT;
	if (ndigits > REPR_INT_MAX_DIGITS) {
		/* log10(2) ~ 0.30103: the decimal digits of a number of that many bits. */
		if (ndigits > ((uint64_t)1 << 40))
			return -EFAULT;
		repr_printf(o, "<int of about %" PRIu64 " digits>",
		            (uint64_t)((double)(ndigits * (uint64_t)l->longobj.shift) * 0.30103));
		return 0;
	}
	if (ndigits > 0 && mem->read(mem->arg, obj + (uint64_t)l->longobj.ob_digit, raw,
	                             (size_t)ndigits * dsize) != 0)
		return -EFAULT;
	for (size_t i = 0; i < ndigits; i++) {
		uint32_t d = 0;

		if (dsize == 2)
			d = (uint32_t)raw[2 * i] | (uint32_t)raw[2 * i + 1] << 8;
		else
			memcpy(&d, raw + 4 * i, 4);
		if (d >> l->longobj.shift)
			return -EFAULT; /* not a digit: not an int */
		digits[i] = d;
	}
	dlen = repr_decimal(digits, (size_t)ndigits, l->longobj.shift, dec, sizeof(dec));
	if (dlen >= sizeof(dec)) {
		repr_printf(o, "<int of %zu digits>", dlen);
		return 0;
	}
	repr_printf(o, "%s%s%s", sign < 0 ? "-" : "", dec, suffix_l ? "L" : "");
	return 0;
}

static int
repr_float(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
           struct repr_out *o)
{
	double v;
	char text[40];

	if (l->floatobj.ob_fval < 0 ||
	    mem->read(mem->arg, obj + (uint64_t)l->floatobj.ob_fval, &v, sizeof(v)) != 0)
		return -EFAULT;
	python_repr_float(v, text, sizeof(text));
	repr_printf(o, "%s", text);
	return 0;
}

/* The length of a container, or -1 when t is not one we know. */
static int64_t
repr_container_len(const struct python_layout *l, const struct python_memory *mem,
                   const struct repr_type *t, uint64_t obj, int *err)
{
	int32_t off = -1;
	uint64_t len;

	if (repr_is(t, "list") || repr_is(t, "tuple"))
		off = l->object.ob_size;
	else if (repr_is(t, "dict"))
		off = l->dict.ma_used;
	else if (repr_is(t, "set") || repr_is(t, "frozenset"))
		off = l->set.used;
	if (off < 0)
		return -1;
	if (repr_word(mem, obj, off, &len) != 0 || (int64_t)len < 0 || len > ((uint64_t)1 << 48)) {
		*err = -EFAULT;
		return -1;
	}
	return (int64_t)len;
}

/* The value of obj of type t into o; -EFAULT when its fields cannot be
 * read or make no sense; 1 when t is not a value kind we write. */
static int
repr_value(const struct python_layout *l, const struct python_memory *mem,
           const struct repr_type *t, uint64_t obj, struct repr_out *o)
{
	bool two = l->major == 2;

	if (repr_is(t, "NoneType")) {
		repr_put(o, "None", 4);
		return 0;
	}
	if (repr_is(t, "bool") &&
	    (t->flags & (PYTHON_TPFLAG_LONG_SUBCLASS | PYTHON_TPFLAG_INT_SUBCLASS))) {
		/* 2.7's bool is an int */
		return two ? repr_c_long(l, mem, obj, true, o)
		           : repr_int(l, mem, obj, true, false, o);
	}
	if (two && repr_is(t, "int") && (t->flags & PYTHON_TPFLAG_INT_SUBCLASS))
		return repr_c_long(l, mem, obj, false, o);
	if ((repr_is(t, two ? "long" : "int")) && (t->flags & PYTHON_TPFLAG_LONG_SUBCLASS))
		return repr_int(l, mem, obj, false, two, o);
	if (repr_is(t, "float"))
		return repr_float(l, mem, obj, o);
	if (repr_is(t, two ? "unicode" : "str") && (t->flags & PYTHON_TPFLAG_UNICODE))
		return repr_str(l, mem, obj, o);
	if (repr_is(t, two ? "str" : "bytes") && (t->flags & PYTHON_TPFLAG_BYTES))
		return repr_bytes(l, mem, obj, o);
	return 1;
}

int
python_repr(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
            struct python_repr *out)
{
	struct repr_type t;
	struct repr_out o = {out->text, 0, sizeof(out->text), false};
	int err;
	int64_t len;

	out->text[0] = '\0';
	if (repr_type_read(l, mem, obj, &t) != 0) {
		snprintf(out->type, sizeof(out->type), "?");
		repr_printf(&o, "<unreadable at 0x%" PRIx64 ">", obj);
		return -EFAULT;
	}
	snprintf(out->type, sizeof(out->type), "%s", t.name);
	err = repr_value(l, mem, &t, obj, &o);
	if (err == 0)
		return 0;
	/* Not a value kind, or a value whose fields could not be read: the
	 * generic form, and for containers their length. */
	o.len = 0;
	o.full = false;
	out->text[0] = '\0';
	len = repr_container_len(l, mem, &t, obj, &err);
	repr_generic(&o, &t, obj, len);
	return err < 0 ? -EFAULT : 0;
}
