/* The generated CPython layout table: every version entry complete against
 * the field descriptors, well-known values, and the _Py_DebugOffsets reader on
 * the bytes of real libpython3.13/3.14/3.15.so files (tests/fixtures/python/
 * debug-offsets-3.*.bin, from scripts/gen-python-fixtures), plus broken
 * variants of them.
 * Usage: test_python_layout FIXTURE-DIR */
#include "check.h"
#include "probes/python_layout.h"
#include "probes/python_linetable.h"

#include <errno.h>
#include <limits.h>

static int
version_of(const struct python_layout *l)
{
	return l->major * 100 + l->minor;
}

/* Each field is present exactly in its descriptor's versions: present
 * means a value >= 0 (> 0 unless 0 is a real value for it), absent means
 * exactly PYTHON_LAYOUT_ABSENT, so a field the generator left at the
 * initializer's default 0 shows up either way. */
static void
check_complete(const struct python_layout *l)
{
	int v = version_of(l);

	for (size_t i = 0; i < python_layout_field_count; i++) {
		const struct python_layout_field *f = &python_layout_fields[i];
		int present = v >= f->since && (f->until == 0 || v <= f->until);
		int32_t value = python_layout_get(l, f);
		int ok;

		if (!present)
			ok = value == PYTHON_LAYOUT_ABSENT;
		else if (f->zero_ok)
			ok = value >= 0;
		else
			ok = value > 0;
		if (!CHECK(ok))
			fprintf(stderr, "  %d.%d %s = %d (%s)\n", l->major, l->minor, f->name,
			        (int)value, present ? "should be present" : "should be absent");
	}
	CHECK(l->source != NULL);
	CHECK(l->head_symbol != NULL);
	CHECK((l->gil_holder_symbol != NULL) == (v <= 306));
	CHECK((int)(l->hexversion >> 24) == l->major);
	CHECK((int)((l->hexversion >> 16) & 0xff) == l->minor);
}

/* The descriptors cover every int32_t of the struct after the header
 * fields, each once and in order, up to the struct's end (give or take the
 * padding that rounds its size to its alignment): a field added to the
 * struct without a descriptor, and so without the check above, fails here. */
static void
check_descriptors_cover_struct(void)
{
	size_t start = offsetof(struct python_layout, runtime);
	size_t align = _Alignof(struct python_layout);
	size_t end;

	for (size_t i = 0; i < python_layout_field_count; i++) {
		size_t want = start + i * sizeof(int32_t);

		if (!CHECK(python_layout_fields[i].offset == want)) {
			fprintf(stderr, "  descriptor %zu (%s) at %zu, expected %zu\n", i,
			        python_layout_fields[i].name, python_layout_fields[i].offset, want);
			return;
		}
	}
	end = start + python_layout_field_count * sizeof(int32_t);
	CHECK(sizeof(struct python_layout) == (end + align - 1) / align * align);
}

static void
check_table(void)
{
	/* 3.13 twice: 3.13.18 moved a field 3.13.0 had elsewhere (PyGC_Head
	 * became 4-aligned, and with it _gc_runtime_state.generations). */
	static const uint32_t versions[] = {
	    0x020712f0, 0x03060ff0, 0x030710f0, 0x030812f0, 0x030912f0, 0x030a0df0, 0x030b07f0,
	    0x030c01f0, 0x030d00f0, 0x030d12f0, 0x030d0ff0, 0x030e0af0, 0x030f02f0};
	size_t n;
	const struct python_layout *t = python_layouts_table(&n);

	CHECK(n == sizeof(versions) / sizeof(versions[0]));
	for (size_t i = 0; i < n && i < sizeof(versions) / sizeof(versions[0]); i++) {
		CHECK(t[i].hexversion == versions[i]);
		CHECK(python_layout_for_version(t[i].hexversion, t[i].free_threaded) == &t[i]);
		check_complete(&t[i]);
	}
	CHECK(python_layout_for(3, 5) == NULL);
	CHECK(python_layout_for(3, 16) == NULL);
	CHECK(python_layout_for(4, 0) == NULL);
	CHECK(python_layout_for_version(0x031000f0, false) == NULL);
	/* A patch release takes the newest entry not newer than itself; one
	 * older than every entry of its minor version takes the oldest. */
	const struct python_layout *a = python_layout_for_version(0x030d00f0, false);
	const struct python_layout *b = python_layout_for_version(0x030d12f0, false);
	CHECK(a != NULL && b != NULL && a != b);
	CHECK(python_layout_for(3, 13) == a);
	CHECK(python_layout_for_version(0x030d05f0, false) == a);
	CHECK(python_layout_for_version(0x030d13f0, false) == b);
	CHECK(python_layout_for_version(0x030e00a1, false) == python_layout_for(3, 14));
	/* Free-threaded entries are apart: a GIL build never takes one. */
	const struct python_layout *ft = python_layout_for_version(0x030d12f0, true);
	CHECK(ft != NULL && ft->free_threaded && ft->hexversion == 0x030d0ff0);
	CHECK(python_layout_for(3, 13) != ft && !python_layout_for(3, 13)->free_threaded);
	CHECK(python_layout_for_version(0x030e0af0, true) == NULL);
	if (a != NULL && b != NULL)
		CHECK(a->gc.generations == 24 && b->gc.generations == 20);
}

/* Values anyone who has read CPython's headers knows. */
static void
check_well_known(void)
{
	const struct python_layout *py27 = python_layout_for(2, 7);
	const struct python_layout *py36 = python_layout_for(3, 6);
	const struct python_layout *py310 = python_layout_for(3, 10);
	const struct python_layout *py311 = python_layout_for(3, 11);
	const struct python_layout *py312 = python_layout_for(3, 12);
	const struct python_layout *py313 = python_layout_for(3, 13);

	size_t n;
	const struct python_layout *t = python_layouts_table(&n);

	if (!CHECK(py27 && py36 && py310 && py311 && py312 && py313))
		return;
	/* PyObject_HEAD is refcount then type, everywhere but in free-threaded
	 * builds, whose objects start with their owning thread, a mutex, GC
	 * bits and two reference counts (3.13t). */
	for (const struct python_layout *l = t; l < t + n; l++) {
		if (l->free_threaded) {
			CHECK(l->object.ob_type == 24 && l->object.ob_size == 32);
			continue;
		}
		CHECK(l->object.ob_type == 8);
		CHECK(l->object.ob_size == 16);
		CHECK(l->type.tp_name == 24);
		/* 3.14 caches the tuple's hash before its items. */
		CHECK(l->tuple.ob_item == (version_of(l) >= 314 ? 32 : 24));
		CHECK(l->module.md_dict == 16);
	}
	/* PyStringObject: head, size, hash, state (int), then the chars. */
	CHECK(py27->bytes.ob_sval == 36);
	CHECK(py36->bytes.ob_sval == 32);
	CHECK(py27->code.unit_size == 1);
	CHECK(py36->code.unit_size == 2);
	CHECK(py27->unicode.py_unicode_size == 4); /* pyenv builds UCS-4 */
	CHECK(py27->dict_entry.size == 24);
	/* PEP 393: state after length and hash; wstr went away in 3.12. */
	CHECK(py311->unicode.state == 32);
	CHECK(py311->unicode.ascii_size == 48);
	CHECK(py311->unicode.compact_size == 72);
	CHECK(py312->unicode.ascii_size == 40);
	CHECK(py312->unicode.compact_size == 56);
	for (const struct python_layout *l = t; l < t + n; l++) {
		if (l->major < 3)
			continue;
		CHECK(l->unicode.kind_shift == 2);
		CHECK(l->unicode.kind_width == 3);
		CHECK(l->unicode.compact_shift == 5);
		CHECK(l->unicode.ascii_shift == 6);
	}
	CHECK(py311->unicode.ready_shift == 7);
	/* The dict keys object: five words then the indices up to 3.10, a
	 * packed header of 32 bytes from 3.11. */
	CHECK(py36->dict_keys.dk_size == 8);
	CHECK(py310->dict_keys.dk_nentries == 32);
	CHECK(py310->dict_keys.dk_indices == 40);
	CHECK(py311->dict_keys.dk_indices == 32);
	CHECK(py311->dict_unicode_entry.size == 16);
	CHECK(py313->dict_values.values == 8);
	/* f_lasti counts code units only in 3.10. */
	CHECK(py36->frame.lasti_scale == 1);
	CHECK(py310->frame.lasti_scale == 2);
	/* _PyInterpreterFrame: the code object first from 3.12, and the C-stack
	 * shim frame's owner. */
	CHECK(py311->iframe.code == 32);
	CHECK(py311->iframe.previous == 48);
	CHECK(py312->iframe.code == 0);
	CHECK(py313->iframe.code == 0);
	CHECK(py312->iframe.owned_by_cstack == 3);
	CHECK(py313->iframe.owned_by_cstack == 3);
	/* PyGC_Head: three words padded to a long double's alignment until 3.7,
	 * two words from 3.8. */
	CHECK(py27->gc.head_size == 32);
	CHECK(python_layout_for(3, 7)->gc.head_size == 32);
	CHECK(python_layout_for(3, 8)->gc.head_size == 16);
	CHECK(py313->gc.num_generations == 3);
	/* The managed dict sits three words before the object. */
	CHECK(py311->instance.dict_before == 24);
	CHECK(py311->instance.values_before == 32);
	CHECK(py312->instance.dict_before == 24);
	CHECK(py313->instance.dict_before == 24);
	CHECK(py313->instance.inline_values == 16);
	CHECK(py313->type.flag_managed_dict == 1 << 4);
	CHECK(py313->type.flag_inline_values == 1 << 2);
	CHECK(py27->code.linetable_format == PYTHON_LINETABLE_LNOTAB_UNSIGNED);
	CHECK(python_layout_for(3, 9)->code.linetable_format == PYTHON_LINETABLE_LNOTAB);
	CHECK(py310->code.linetable_format == PYTHON_LINETABLE_310);
	CHECK(py313->code.linetable_format == PYTHON_LINETABLE_LOCATIONS);
	CHECK(strcmp(py27->head_symbol, "interp_head") == 0);
	CHECK(strcmp(py313->head_symbol, "_PyRuntime") == 0);
}

static size_t
read_fixture(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
	char path[PATH_MAX];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!CHECK(f != NULL))
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
put_u64(unsigned char *buf, size_t at, uint64_t v)
{
	memcpy(buf + at, &v, sizeof(v));
}

/* The _Py_DebugOffsets map of major.minor, or NULL. */
static const struct python_debug_offsets_map *
debug_map(int major, int minor)
{
	size_t nmaps;
	const struct python_debug_offsets_map *maps = python_layouts_debug_offsets_maps(&nmaps);

	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].major == major && maps[i].minor == minor)
			return &maps[i];
	return NULL;
}

/* The real bytes of one version's _Py_DebugOffsets (fixture debug-offsets-
 * 3.MINOR.bin, of a libpython whose PY_VERSION_HEX is hexversion): read as
 * its headers said; every broken variant refused, out left alone. */
static void
check_debug_offsets(const char *dir, int minor, uint32_t hexversion)
{
	unsigned char real[1024], bad[1024];
	char name[64];
	const struct python_layout *table = python_layout_for_version(hexversion, false);
	const struct python_debug_offsets_map *map = debug_map(3, minor);
	struct python_layout l, untouched;
	size_t len;

	snprintf(name, sizeof(name), "debug-offsets-3.%d.bin", minor);
	len = read_fixture(dir, name, real, sizeof(real));
	if (!CHECK(len == sizeof(real)) || !CHECK(table != NULL) || !CHECK(map != NULL))
		return;
	/* The map stays inside the struct it describes. */
	CHECK((size_t)map->size <= sizeof(real));
	for (size_t i = 0; i < map->count; i++) {
		CHECK(map->fields[i].at >= 16 && map->fields[i].at + 8 <= map->size);
		CHECK(map->fields[i].minus + 8 <= map->size);
		CHECK(map->fields[i].bound + 8 <= map->size);
	}

	/* What the interpreter publishes equals what its headers said, and the
	 * fields it does not provide come from its entry. */
	memset(&l, 0, sizeof(l));
	if (!CHECK(python_layout_from_debug_offsets(real, len, &l) == 0))
		return;
	CHECK(l.major == 3 && l.minor == minor);
	CHECK(l.hexversion == hexversion);
	CHECK_STR(l.source, "_Py_DebugOffsets");
	for (size_t j = 0; j < python_layout_field_count; j++) {
		const struct python_layout_field *f = &python_layout_fields[j];

		if (!CHECK(python_layout_get(&l, f) == python_layout_get(table, f)))
			fprintf(stderr, "  3.%d %s: debug offsets %d, table %d\n", minor, f->name,
			        (int)python_layout_get(&l, f), (int)python_layout_get(table, f));
	}
	CHECK(map->count >= 40);

	/* A patch release that moves a field it publishes (3.14.5 moved
	 * imports.modules) is read where it now is, with no new table. */
	for (size_t i = 0; i < map->count; i++) {
		struct python_layout moved;
		uint64_t v;

		if (map->fields[i].field != offsetof(struct python_layout, interp.modules))
			continue;
		memcpy(bad, real, sizeof(bad));
		memcpy(&v, bad + map->fields[i].at, sizeof(v));
		v += 16;
		memcpy(bad + map->fields[i].at, &v, sizeof(v));
		CHECK(python_layout_from_debug_offsets(bad, len, &moved) == 0);
		CHECK(moved.interp.modules == table->interp.modules + 16);
		CHECK(moved.interp.threads_head == table->interp.threads_head);
	}

	/* Broken inputs leave out alone. */
	memset(&untouched, 0x5a, sizeof(untouched));
	l = untouched;
	CHECK(python_layout_from_debug_offsets(real, 15, &l) == -EINVAL);
	CHECK(python_layout_from_debug_offsets(real, (size_t)map->size - 1, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	bad[0] = 'X';
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, 8, 0x031000f0); /* 3.16: its _Py_DebugOffsets is unknown */
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -ENOTSUP);
	put_u64(bad, 8, 0x020700f0);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	/* Another minor version's bytes under this one's version: some size
	 * or offset lands out of its struct. */
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, 8, minor == 13 ? 0x030e0af0 : 0x030d12f0);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) != 0);
	/* A free-threaded build is read with a free-threaded entry (its own
	 * version's, else the newest older one, as for GIL builds). */
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, (size_t)map->free_threaded, 2);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	put_u64(bad, (size_t)map->free_threaded, 1);
	{
		struct python_layout ft;

		CHECK(python_layout_from_debug_offsets(bad, len, &ft) == 0);
		CHECK(ft.free_threaded);
	}
	/* An offset beyond its struct's size, a size of 0, a base above the
	 * offset it is subtracted from. */
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, (size_t)map->fields[0].at, 1u << 30);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, (size_t)map->fields[0].bound, 0);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	for (size_t i = 0; i < map->count; i++) {
		if (map->fields[i].minus < 0)
			continue;
		memcpy(bad, real, sizeof(bad));
		put_u64(bad, (size_t)map->fields[i].minus, UINT64_MAX);
		CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
		break;
	}
	CHECK(memcmp(&l, &untouched, sizeof(l)) == 0);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
		return 2;
	}
	check_descriptors_cover_struct();
	check_table();
	check_well_known();
	check_debug_offsets(argv[1], 13, 0x030d00f0);
	check_debug_offsets(argv[1], 14, 0x030e0af0);
	check_debug_offsets(argv[1], 15, 0x030f02f0);
	return check_done("python_layout");
}
