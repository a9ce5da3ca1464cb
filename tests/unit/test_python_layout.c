/* The generated CPython layout table: every version entry complete against
 * the field descriptors, well-known values, and the _Py_DebugOffsets reader on
 * the bytes of a real libpython3.13.so (tests/fixtures/python/
 * debug-offsets-3.13.bin, from scripts/gen-python-fixtures), plus broken
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
	static const int versions[] = {207, 306, 307, 308, 309, 310, 311, 312, 313};
	size_t n;
	const struct python_layout *t = python_layouts_table(&n);

	CHECK(n == sizeof(versions) / sizeof(versions[0]));
	for (size_t i = 0; i < n && i < sizeof(versions) / sizeof(versions[0]); i++) {
		CHECK(version_of(&t[i]) == versions[i]);
		CHECK(python_layout_for(t[i].major, t[i].minor) == &t[i]);
		check_complete(&t[i]);
	}
	CHECK(python_layout_for(3, 5) == NULL);
	CHECK(python_layout_for(3, 14) == NULL);
	CHECK(python_layout_for(4, 0) == NULL);
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
	/* PyObject_HEAD is refcount then type, everywhere. */
	for (const struct python_layout *l = t; l < t + n; l++) {
		CHECK(l->object.ob_type == 8);
		CHECK(l->object.ob_size == 16);
		CHECK(l->type.tp_name == 24);
		CHECK(l->tuple.ob_item == 24);
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

static void
check_debug_offsets(const char *dir)
{
	unsigned char real[1024], bad[1024];
	size_t len = read_fixture(dir, "debug-offsets-3.13.bin", real, sizeof(real));
	const struct python_layout *py313 = python_layout_for(3, 13);
	const struct python_debug_offsets_map *maps, *map = NULL;
	struct python_layout l, untouched;
	size_t nmaps;

	if (!CHECK(len == sizeof(real)) || !CHECK(py313 != NULL))
		return;
	maps = python_debug_offsets_maps(&nmaps);
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].major == 3 && maps[i].minor == 13)
			map = &maps[i];
	if (!CHECK(map != NULL))
		return;
	/* The map stays inside the struct it describes. */
	for (size_t i = 0; i < map->count; i++) {
		CHECK(map->fields[i].at >= 16 && map->fields[i].at + 8 <= map->size);
		CHECK(map->fields[i].minus + 8 <= map->size);
		CHECK(map->fields[i].bound + 8 <= map->size);
	}

	/* What the interpreter publishes equals what its headers said. */
	memset(&l, 0, sizeof(l));
	if (!CHECK(python_layout_from_debug_offsets(real, len, &l) == 0))
		return;
	CHECK(l.major == 3 && l.minor == 13);
	CHECK(l.hexversion == 0x030d00f0);
	CHECK_STR(l.source, "_Py_DebugOffsets");
	for (size_t i = 0; i < map->count; i++) {
		for (size_t j = 0; j < python_layout_field_count; j++) {
			const struct python_layout_field *f = &python_layout_fields[j];

			if (f->offset != map->fields[i].field)
				continue;
			if (!CHECK(python_layout_get(&l, f) == python_layout_get(py313, f)))
				fprintf(stderr, "  %s: debug offsets %d, table %d\n", f->name,
				        (int)python_layout_get(&l, f),
				        (int)python_layout_get(py313, f));
		}
	}
	/* And the fields it does not provide come from the 3.13 entry. */
	for (size_t j = 0; j < python_layout_field_count; j++)
		CHECK(python_layout_get(&l, &python_layout_fields[j]) ==
		      python_layout_get(py313, &python_layout_fields[j]));
	CHECK(map->count >= 40);

	/* Broken inputs leave out alone. */
	memset(&untouched, 0x5a, sizeof(untouched));
	l = untouched;
	CHECK(python_layout_from_debug_offsets(real, 15, &l) == -EINVAL);
	CHECK(python_layout_from_debug_offsets(real, (size_t)map->size - 1, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	bad[0] = 'X';
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, 8, 0x030e00f0); /* 3.14: its _Py_DebugOffsets differs */
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -ENOTSUP);
	put_u64(bad, 8, 0x020700f0);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -EINVAL);
	memcpy(bad, real, sizeof(bad));
	put_u64(bad, (size_t)map->free_threaded, 1);
	CHECK(python_layout_from_debug_offsets(bad, len, &l) == -ENOTSUP);
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
	check_debug_offsets(argv[1]);
	return check_done("python_layout");
}
