/* python_repr over fake address spaces: each value kind as Python's repr
 * writes it (ints of any size and sign in both digit layouts, floats'
 * shortest round trip, str and bytes quoted, escaped and cut), containers
 * and other objects by type, length and address, and what is refused:
 * unaligned or unreadable objects, types that are not ready or have a name
 * no type has, an int whose digits are not digits, a class of the program
 * that calls itself int. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_repr.h"
#include "probes/python_type_flags.h"

#include <errno.h>
#include <math.h>

#define SPACE 65536
#define META  (FAKE_BASE + 0x1000) /* the type of types */
#define TYPE  (FAKE_BASE + 0x2000) /* the object's type */
#define NAME  (FAKE_BASE + 0x3000)
#define OBJ   (FAKE_BASE + 0x4000)

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};

/* An object at OBJ of a type named name with flags (READY added). */
static void
object(const struct python_layout *l, const char *name, uint64_t flags)
{
	memset(space, 0, sizeof(space));
	fake_put_u64(space, META + (uint64_t)l->object.ob_type, META);
	fake_put_u64(space, TYPE + (uint64_t)l->object.ob_type, META);
	fake_put_u64(space, TYPE + (uint64_t)l->type.tp_flags, flags | PYTHON_TPFLAG_READY);
	fake_put(space, NAME, name, strlen(name) + 1);
	fake_put_u64(space, TYPE + (uint64_t)l->type.tp_name, NAME);
	fake_put_u64(space, OBJ + (uint64_t)l->object.ob_type, TYPE);
}

static void
check_repr(const struct python_layout *l, int want_err, const char *type, const char *text)
{
	struct python_repr r;
	int err = python_repr(l, &mem, OBJ, &r);

	CHECK(err == want_err);
	CHECK_STR(r.type, type);
	CHECK_STR(r.text, text);
}

static void
test_float(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
	    {3.25, "3.25"},
	    {1.0, "1.0"},
	    {0.1, "0.1"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1e-05, "1e-05"},
	    {0.0001, "0.0001"},
	    {1e16, "1e+16"},
	    {1e15, "1000000000000000.0"},
	    {123456789.125, "123456789.125"},
	    {-0.0, "-0.0"},
	    {2.5e-300, "2.5e-300"},
	    {1.7976931348623157e308, "1.7976931348623157e+308"},
	    {-1.5, "-1.5"},
	};
	char buf[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		python_repr_float(cases[i].v, buf, sizeof(buf));
		CHECK_STR(buf, cases[i].want);
	}
	python_repr_float(INFINITY, buf, sizeof(buf));
	CHECK_STR(buf, "inf");
	python_repr_float(-INFINITY, buf, sizeof(buf));
	CHECK_STR(buf, "-inf");
	python_repr_float(NAN, buf, sizeof(buf));
	CHECK_STR(buf, "nan");
}

/* An int of 30-bit digits: the sign and count where l keeps them. */
static void
long_digits(const struct python_layout *l, int sign, const uint32_t *digits, size_t n)
{
	if (l->longobj.lv_tag >= 0)
		fake_put_u64(space, OBJ + (uint64_t)l->longobj.lv_tag,
		             ((uint64_t)n << 3) | (sign < 0    ? 2u
		                                   : sign == 0 ? 1u
		                                               : 0u));
	else
		fake_put_u64(space, OBJ + (uint64_t)l->object.ob_size,
		             (uint64_t)(sign * (int64_t)n));
	fake_put(space, OBJ + (uint64_t)l->longobj.ob_digit, digits, n * 4);
}

static void
test_int(int major, int minor)
{
	const struct python_layout *l = python_layout_for(major, minor);
	const char *name = major == 2 ? "long" : "int";
	const char *suffix = major == 2 ? "L" : "";
	char want[160];
	uint32_t two100[4] = {0, 0, 0, 1u << 10}; /* 2**100 */
	uint32_t two400[14] = {0};
	uint32_t bad[1] = {1u << 30};

	if (!CHECK(l != NULL && l->longobj.shift == 30))
		return;
	object(l, name, PYTHON_TPFLAG_LONG_SUBCLASS);
	long_digits(l, 1, two100, 4);
	snprintf(want, sizeof(want), "1267650600228229401496703205376%s", suffix);
	check_repr(l, 0, name, want);
	long_digits(l, -1, two100, 4);
	snprintf(want, sizeof(want), "-1267650600228229401496703205376%s", suffix);
	check_repr(l, 0, name, want);
	long_digits(l, 0, two100, 0);
	snprintf(want, sizeof(want), "0%s", suffix);
	check_repr(l, 0, name, want);
	/* 2**400: 121 decimal digits, beyond what is written out. */
	two400[13] = 1u << 10;
	long_digits(l, 1, two400, 14);
	check_repr(l, 0, name, "<int of 121 digits>");
	/* More digits than are read: described by its size. */
	if (l->longobj.lv_tag >= 0)
		fake_put_u64(space, OBJ + (uint64_t)l->longobj.lv_tag, (uint64_t)1000 << 3);
	else
		fake_put_u64(space, OBJ + (uint64_t)l->object.ob_size, 1000);
	check_repr(l, 0, name, "<int of about 9030 digits>");
	/* A digit of 31 bits is no int's. */
	long_digits(l, 1, bad, 1);
	snprintf(want, sizeof(want), "<%s at 0x%x>", name, OBJ);
	check_repr(l, -EFAULT, name, want);
	/* A class of the program named like it is another object. */
	object(l, name, PYTHON_TPFLAG_LONG_SUBCLASS | PYTHON_TPFLAG_HEAPTYPE);
	long_digits(l, 1, two100, 4);
	check_repr(l, 0, name, want);

	if (major == 3) { /* bool: an int, 0 or 1 */
		object(l, "bool", PYTHON_TPFLAG_LONG_SUBCLASS);
		long_digits(l, 1, (const uint32_t[]){1}, 1);
		check_repr(l, 0, "bool", "True");
		long_digits(l, 0, two100, 0);
		check_repr(l, 0, "bool", "False");
	} else { /* 2.7's int and bool: a C long */
		object(l, "int", PYTHON_TPFLAG_INT_SUBCLASS);
		fake_put_u64(space, OBJ + (uint64_t)l->longobj.ob_ival, (uint64_t)-7);
		check_repr(l, 0, "int", "-7");
		object(l, "bool", PYTHON_TPFLAG_INT_SUBCLASS);
		fake_put_u64(space, OBJ + (uint64_t)l->longobj.ob_ival, 1);
		check_repr(l, 0, "bool", "True");
	}
}

/* A compact 3.x str of one byte a character (ascii: at ascii_size). */
static void
str_latin1(const struct python_layout *l, const char *chars, size_t n, bool ascii)
{
	uint32_t state = (1u << l->unicode.kind_shift) | (1u << l->unicode.compact_shift) |
	                 (ascii ? 1u << l->unicode.ascii_shift : 0);

	object(l, "str", PYTHON_TPFLAG_UNICODE);
	fake_put_u64(space, OBJ + (uint64_t)l->unicode.length, n);
	fake_put(space, OBJ + (uint64_t)l->unicode.state, &state, sizeof(state));
	fake_put(space, OBJ + (uint64_t)(ascii ? l->unicode.ascii_size : l->unicode.compact_size),
	         chars, n);
}

static void
test_strings(void)
{
	const struct python_layout *l = python_layout_for(3, 12);
	char long_text[150], want[PYTHON_REPR_TEXT_MAX];
	uint64_t size = 4;

	str_latin1(l, "it's", 4, true);
	check_repr(l, 0, "str", "\"it's\"");
	str_latin1(l, "a'\"\\", 4, true);
	check_repr(l, 0, "str", "'a\\'\"\\\\'");
	str_latin1(l, "caf\xe9\x07\x1b\t", 7, false);
	check_repr(l, 0, "str", "'caf\xc3\xa9\\x07\\x1b\\t'");
	/* Cut where the text fills the repr, with the whole length. */
	memset(long_text, 'x', sizeof(long_text));
	str_latin1(l, long_text, sizeof(long_text), true);
	{
		struct python_repr r;

		CHECK(python_repr(l, &mem, OBJ, &r) == 0);
		snprintf(want, sizeof(want), "'%.100s'...(150 chars)", long_text);
		CHECK_STR(r.text, want);
	}
	/* A length no string has: refused, not read. */
	fake_put_u64(space, OBJ + (uint64_t)l->unicode.length, (uint64_t)-1);
	snprintf(want, sizeof(want), "<str at 0x%x>", OBJ);
	check_repr(l, -EFAULT, "str", want);

	object(l, "bytes", PYTHON_TPFLAG_BYTES);
	fake_put_u64(space, OBJ + (uint64_t)l->bytes.ob_size, size);
	fake_put(space, OBJ + (uint64_t)l->bytes.ob_sval, "a\x00\xff'", 4);
	check_repr(l, 0, "bytes", "b\"a\\x00\\xff'\"");

	l = python_layout_for(2, 7);
	object(l, "str", PYTHON_TPFLAG_BYTES);
	fake_put_u64(space, OBJ + (uint64_t)l->bytes.ob_size, 3);
	fake_put(space, OBJ + (uint64_t)l->bytes.ob_sval, "ab\n", 3);
	check_repr(l, 0, "str", "'ab\\n'");
}

static void
test_others(void)
{
	const struct python_layout *l = python_layout_for(3, 11);
	char want[PYTHON_REPR_TEXT_MAX];
	double v = 3.25;

	object(l, "NoneType", 0);
	check_repr(l, 0, "NoneType", "None");
	object(l, "float", 0);
	fake_put(space, OBJ + (uint64_t)l->floatobj.ob_fval, &v, sizeof(v));
	check_repr(l, 0, "float", "3.25");
	object(l, "list", PYTHON_TPFLAG_LIST_SUBCLASS);
	fake_put_u64(space, OBJ + (uint64_t)l->object.ob_size, 3);
	snprintf(want, sizeof(want), "<list len=3 at 0x%x>", OBJ);
	check_repr(l, 0, "list", want);
	object(l, "dict", PYTHON_TPFLAG_DICT);
	fake_put_u64(space, OBJ + (uint64_t)l->dict.ma_used, 2);
	snprintf(want, sizeof(want), "<dict len=2 at 0x%x>", OBJ);
	check_repr(l, 0, "dict", want);
	object(l, "frozenset", 0);
	fake_put_u64(space, OBJ + (uint64_t)l->set.used, 5);
	snprintf(want, sizeof(want), "<frozenset len=5 at 0x%x>", OBJ);
	check_repr(l, 0, "frozenset", want);
	object(l, "Thing", PYTHON_TPFLAG_HEAPTYPE);
	snprintf(want, sizeof(want), "<Thing at 0x%x>", OBJ);
	check_repr(l, 0, "Thing", want);
}

static void
test_refused(void)
{
	const struct python_layout *l = python_layout_for(3, 13);
	struct python_repr r;
	char want[PYTHON_REPR_TEXT_MAX];

	snprintf(want, sizeof(want), "<unreadable at 0x%x>", OBJ);
	/* Its type outside the space. */
	object(l, "int", PYTHON_TPFLAG_LONG_SUBCLASS);
	fake_put_u64(space, OBJ + (uint64_t)l->object.ob_type, 0x7f0000000000);
	check_repr(l, -EFAULT, "?", want);
	/* A type that is not ready, or not aligned. */
	object(l, "int", PYTHON_TPFLAG_LONG_SUBCLASS);
	fake_put_u64(space, TYPE + (uint64_t)l->type.tp_flags, PYTHON_TPFLAG_LONG_SUBCLASS);
	check_repr(l, -EFAULT, "?", want);
	object(l, "int", PYTHON_TPFLAG_LONG_SUBCLASS);
	fake_put_u64(space, OBJ + (uint64_t)l->object.ob_type, TYPE + 1);
	check_repr(l, -EFAULT, "?", want);
	/* A name with a terminal escape is no type's. */
	object(l, "in\x1bt", 0);
	check_repr(l, -EFAULT, "?", want);
	/* An unaligned or null object is not read. */
	CHECK(python_repr(l, &mem, OBJ + 4, &r) == -EFAULT);
	CHECK(python_repr(l, &mem, 0, &r) == -EFAULT);
	CHECK_STR(r.text, "<unreadable at 0x0>");
	/* A type that is its own type (a cycle) is a type like any other. */
	object(l, "Loop", PYTHON_TPFLAG_HEAPTYPE);
	fake_put_u64(space, TYPE + (uint64_t)l->object.ob_type, TYPE);
	snprintf(want, sizeof(want), "<Loop at 0x%x>", OBJ);
	check_repr(l, 0, "Loop", want);
}

int
main(void)
{
	test_float();
	test_int(2, 7);
	test_int(3, 11);
	test_int(3, 12);
	test_int(3, 14);
	test_strings();
	test_others();
	test_refused();
	return check_done("python_repr");
}
