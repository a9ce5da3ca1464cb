/* Lookup of per-version CPython layouts (the generated table in
 * python_layouts.c), and the reader of _Py_DebugOffsets that 3.13+ publish
 * at the start of _PyRuntime. */
#include "python_layout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Field descriptors, in the order of struct python_layout. since/until are
 * the versions that have the field (major * 100 + minor); the test checks the
 * generated table against them, so a field the generator forgot, or one a
 * version lost, cannot go unnoticed. */
#define FIELD(path) .name = #path, .offset = offsetof(struct python_layout, path)

const struct python_layout_field python_layout_fields[] = {
    {FIELD(runtime.interpreters_head), .since = 307},
    {FIELD(runtime.gil_last_holder), .since = 307, .until = 311},
    {FIELD(runtime.gil_locked), .since = 307, .until = 311},
    {FIELD(runtime.gc), .since = 307, .until = 308},

    /* next is the first member of PyInterpreterState until 3.12. */
    {FIELD(interp.next), .since = 207, .zero_ok = 1},
    {FIELD(interp.threads_head), .since = 207},
    {FIELD(interp.modules), .since = 207},
    {FIELD(interp.ceval_gil), .since = 312},
    {FIELD(interp.gc), .since = 309},

    {FIELD(gil.last_holder), .since = 307},
    {FIELD(gil.locked), .since = 307},

    /* 2.7's PyThreadState starts with next, 3.x's with prev. */
    {FIELD(thread.next), .since = 207, .zero_ok = 1},
    {FIELD(thread.prev), .since = 300, .zero_ok = 1},
    {FIELD(thread.interp), .since = 207},
    {FIELD(thread.frame), .since = 207, .until = 310},
    {FIELD(thread.cframe), .since = 310, .until = 312},
    {FIELD(thread.current_frame), .since = 313},
    {FIELD(thread.thread_id), .since = 207},
    {FIELD(thread.native_thread_id), .since = 311},

    /* 3.12's _PyCFrame starts with current_frame. */
    {FIELD(cframe.current_frame), .since = 311, .until = 312, .zero_ok = 1},
    {FIELD(cframe.previous), .since = 310, .until = 312},

    {FIELD(frame.f_back), .since = 207, .until = 310},
    {FIELD(frame.f_code), .since = 207, .until = 310},
    {FIELD(frame.f_lasti), .since = 207, .until = 310},
    {FIELD(frame.f_lineno), .since = 207, .until = 310},
    {FIELD(frame.lasti_scale), .since = 207, .until = 310},
    {FIELD(frame.f_frame), .since = 311},
    {FIELD(frame.f_valuestack), .since = 207, .until = 310},
    {FIELD(frame.f_iblock), .since = 207, .until = 310},
    {FIELD(frame.f_blockstack), .since = 207, .until = 310},
    /* PyTryBlock is {b_type, b_handler, b_level}. */
    {FIELD(frame.b_level), .since = 207, .until = 310},
    {FIELD(frame.tryblock_size), .since = 207, .until = 310},
    {FIELD(frame.f_localsplus), .since = 207, .until = 310},

    {FIELD(iframe.previous), .since = 311},
    /* 3.12+'s _PyInterpreterFrame starts with the code object. */
    {FIELD(iframe.code), .since = 311, .zero_ok = 1},
    {FIELD(iframe.prev_instr), .since = 311, .until = 312},
    {FIELD(iframe.instr_ptr), .since = 313},
    {FIELD(iframe.owner), .since = 311},
    {FIELD(iframe.is_entry), .since = 311, .until = 311},
    {FIELD(iframe.localsplus), .since = 311},
    {FIELD(iframe.stackpointer), .since = 314},
    {FIELD(iframe.owned_by_cstack), .since = 312},

    {FIELD(code.co_filename), .since = 207},
    {FIELD(code.co_name), .since = 207},
    {FIELD(code.co_qualname), .since = 311},
    {FIELD(code.co_firstlineno), .since = 207},
    {FIELD(code.co_lnotab), .since = 207, .until = 309},
    {FIELD(code.co_linetable), .since = 310},
    {FIELD(code.co_code), .since = 207, .until = 310},
    {FIELD(code.co_code_adaptive), .since = 311},
    {FIELD(code.co_nlocalsplus), .since = 311},
    {FIELD(code.co_stacksize), .since = 311},
    {FIELD(code.co_exceptiontable), .since = 311},
    {FIELD(code.co_nlocals), .since = 207, .until = 310},
    {FIELD(code.co_varnames), .since = 207, .until = 310},
    {FIELD(code.co_cellvars), .since = 207, .until = 310},
    {FIELD(code.co_freevars), .since = 207, .until = 310},
    {FIELD(code.co_localsplusnames), .since = 311},
    {FIELD(code.co_localspluskinds), .since = 311},
    {FIELD(code.fast_local), .since = 311},
    {FIELD(code.fast_cell), .since = 311},
    {FIELD(code.fast_free), .since = 311},
    {FIELD(code.fast_hidden), .since = 313},
    {FIELD(code.unit_size), .since = 207},
    {FIELD(code.linetable_format), .since = 207},

    {FIELD(bytes.ob_size), .since = 207},
    {FIELD(bytes.ob_sval), .since = 207},

    {FIELD(unicode.length), .since = 207},
    {FIELD(unicode.state), .since = 300},
    {FIELD(unicode.kind_shift), .since = 300, .zero_ok = 1},
    {FIELD(unicode.kind_width), .since = 300},
    {FIELD(unicode.compact_shift), .since = 300, .zero_ok = 1},
    {FIELD(unicode.ascii_shift), .since = 300, .zero_ok = 1},
    {FIELD(unicode.ready_shift), .since = 300, .until = 311, .zero_ok = 1},
    {FIELD(unicode.ascii_size), .since = 300},
    {FIELD(unicode.compact_size), .since = 300},
    {FIELD(unicode.data_any), .since = 300},
    {FIELD(unicode.str), .since = 207, .until = 207},
    {FIELD(unicode.py_unicode_size), .since = 207, .until = 207},

    {FIELD(object.ob_type), .since = 207},
    {FIELD(object.ob_size), .since = 207},

    {FIELD(type.tp_name), .since = 207},
    {FIELD(type.tp_basicsize), .since = 207},
    {FIELD(type.tp_itemsize), .since = 207},
    {FIELD(type.tp_flags), .since = 207},
    {FIELD(type.tp_dict), .since = 207},
    {FIELD(type.tp_dictoffset), .since = 207},
    {FIELD(type.flag_managed_dict), .since = 311},
    {FIELD(type.flag_inline_values), .since = 313},
    {FIELD(type.flag_long_subclass), .since = 207},
    {FIELD(type.ht_cached_keys), .since = 300},
    {FIELD(type.tp_base), .since = 207},
    {FIELD(type.tp_members), .since = 207},

    {FIELD(instance.dict_before), .since = 311},
    {FIELD(instance.values_before), .since = 311, .until = 311},
    {FIELD(instance.inline_values), .since = 313, .until = 313},

    {FIELD(dict.ma_used), .since = 207},
    {FIELD(dict.ma_keys), .since = 300},
    {FIELD(dict.ma_values), .since = 300},
    {FIELD(dict.ma_mask), .since = 207, .until = 207},
    {FIELD(dict.ma_table), .since = 207, .until = 207},
    {FIELD(dict.ma_smalltable), .since = 207, .until = 207},

    {FIELD(dict_keys.dk_size), .since = 300, .until = 310},
    {FIELD(dict_keys.dk_log2_size), .since = 311},
    {FIELD(dict_keys.dk_log2_index_bytes), .since = 311},
    {FIELD(dict_keys.dk_usable), .since = 311},
    {FIELD(dict_keys.dk_kind), .since = 311},
    {FIELD(dict_keys.dk_nentries), .since = 300},
    {FIELD(dict_keys.dk_indices), .since = 300},

    /* Entries start with the hash, unicode entries with the key. */
    {FIELD(dict_entry.size), .since = 207},
    {FIELD(dict_entry.me_hash), .since = 207, .zero_ok = 1},
    {FIELD(dict_entry.me_key), .since = 207},
    {FIELD(dict_entry.me_value), .since = 207},

    {FIELD(dict_unicode_entry.size), .since = 311},
    {FIELD(dict_unicode_entry.me_key), .since = 311, .zero_ok = 1},
    {FIELD(dict_unicode_entry.me_value), .since = 311},

    {FIELD(dict_values.values), .since = 300, .zero_ok = 1},

    {FIELD(tuple.ob_item), .since = 207},
    {FIELD(list.ob_item), .since = 207},
    {FIELD(list.allocated), .since = 207},

    {FIELD(set.mask), .since = 207},
    {FIELD(set.table), .since = 207},
    {FIELD(set.smalltable), .since = 207},
    {FIELD(set.entry_size), .since = 207},
    {FIELD(set.used), .since = 207},

    {FIELD(cell.ob_ref), .since = 207},
    {FIELD(member_def.size), .since = 207},
    {FIELD(member_def.type), .since = 207},
    {FIELD(member_def.offset), .since = 207},
    {FIELD(method.im_func), .since = 207},
    {FIELD(method.im_self), .since = 207},
    {FIELD(func.closure), .since = 207},
    {FIELD(func.defaults), .since = 207},
    {FIELD(func.kwdefaults), .since = 300},
    {FIELD(traceback.tb_next), .since = 207},
    {FIELD(traceback.tb_frame), .since = 207},
    {FIELD(exception.args), .since = 207},
    {FIELD(exception.traceback), .since = 300},
    {FIELD(exception.context), .since = 300},
    {FIELD(exception.cause), .since = 300},
    {FIELD(deque.leftblock), .since = 207},
    {FIELD(deque.leftindex), .since = 207},
    {FIELD(deque.len), .since = 207},
    {FIELD(deque_block.data), .since = 207, .zero_ok = 1},
    {FIELD(deque_block.len), .since = 207},
    {FIELD(deque_block.rightlink), .since = 207},
    {FIELD(floatobj.ob_fval), .since = 207},

    {FIELD(gen.gi_code), .since = 311, .until = 311},
    {FIELD(gen.gi_iframe), .since = 311},
    {FIELD(gen.gi_frame), .since = 207, .until = 310},
    {FIELD(gen.gi_frame_state), .since = 311},
    /* FRAME_EXECUTING is 0 until 3.14. */
    {FIELD(gen.frame_executing), .since = 311, .zero_ok = 1},

    {FIELD(longobj.ob_digit), .since = 207},
    {FIELD(longobj.lv_tag), .since = 312},
    {FIELD(longobj.digit_size), .since = 207},
    {FIELD(longobj.shift), .since = 207},
    {FIELD(longobj.ob_ival), .since = 207, .until = 207},

    {FIELD(thread_lock.rlock_owner), .since = 314},

    {FIELD(module.md_dict), .since = 207},

    /* PyGC_Head starts with the next link; a generation with its head. */
    {FIELD(gc.head_size), .since = 207},
    {FIELD(gc.head_next), .since = 207, .zero_ok = 1},
    {FIELD(gc.head_prev), .since = 207},
    {FIELD(gc.generations), .since = 307},
    {FIELD(gc.num_generations), .since = 207},
    {FIELD(gc.generation_size), .since = 207},
    {FIELD(gc.generation_head), .since = 207, .zero_ok = 1},
    {FIELD(gc.generation_threshold), .since = 207},
    {FIELD(gc.generation_count), .since = 207},
    {FIELD(gc.collecting), .since = 307},
    {FIELD(gc.garbage), .since = 307},
    {FIELD(gc.permanent_generation), .since = 307},
    {FIELD(gc.preheader_size), .since = 311},
    {FIELD(gc.flags_preheader), .since = 311},
};

#undef FIELD

const size_t python_layout_field_count =
    sizeof(python_layout_fields) / sizeof(python_layout_fields[0]);

int32_t
python_layout_get(const struct python_layout *l, const struct python_layout_field *f)
{
	int32_t v;

	memcpy(&v, (const char *)l + f->offset, sizeof(v));
	return v;
}

static void
layout_set(struct python_layout *l, size_t field, int32_t v)
{
	memcpy((char *)l + field, &v, sizeof(v));
}

const struct python_layout *
python_layout_for(int major, int minor)
{
	size_t n;
	const struct python_layout *t = python_layouts_table(&n);

	for (size_t i = 0; i < n; i++)
		if (t[i].major == major && t[i].minor == minor && !t[i].free_threaded)
			return &t[i];
	return NULL;
}

const struct python_layout *
python_layout_for_version(uint32_t hexversion, bool free_threaded)
{
	int major = (int)(hexversion >> 24), minor = (int)((hexversion >> 16) & 0xff);
	size_t n;
	const struct python_layout *t = python_layouts_table(&n);
	const struct python_layout *oldest = NULL, *best = NULL;

	/* The table is sorted by version: the last entry of the minor version
	 * that is not newer than the target. */
	for (size_t i = 0; i < n; i++) {
		if (t[i].major != major || t[i].minor != minor ||
		    t[i].free_threaded != free_threaded)
			continue;
		if (oldest == NULL)
			oldest = &t[i];
		if (t[i].hexversion <= hexversion)
			best = &t[i];
	}
	return best != NULL ? best : oldest;
}

char *
python_layout_known(char *buf, size_t size)
{
	size_t n, len = 0;
	const struct python_layout *t = python_layouts_table(&n);
	const struct python_layout *first3 = NULL, *last3 = NULL;
	bool two = false;

	for (size_t i = 0; i < n; i++) {
		if (t[i].free_threaded)
			continue;
		two |= t[i].major == 2;
		if (t[i].major == 3 && first3 == NULL)
			first3 = &t[i];
		if (t[i].major == 3)
			last3 = &t[i];
	}
	buf[0] = '\0';
	if (first3 != NULL)
		len = (size_t)snprintf(buf, size, "%s3.%d to 3.%d", two ? "2.7 and " : "",
		                       first3->minor, last3->minor);
	for (size_t i = 0; i < n && len < size; i++)
		if (t[i].free_threaded &&
		    (i == 0 || !t[i - 1].free_threaded || t[i - 1].minor != t[i].minor))
			len += (size_t)snprintf(buf + len, size - len, ", free-threaded %d.%d",
			                        t[i].major, t[i].minor);
	return buf;
}

/* The table entry for a 3.x target of version hexversion: its own minor
 * version's (python_layout_for_version), else the newest older one of the
 * same build kind. */
static const struct python_layout *
layout_nearest(uint32_t hexversion, bool free_threaded)
{
	int major = (int)(hexversion >> 24), minor = (int)((hexversion >> 16) & 0xff);
	size_t n;
	const struct python_layout *t = python_layouts_table(&n);
	const struct python_layout *best = python_layout_for_version(hexversion, free_threaded);

	if (best != NULL)
		return best;
	/* Sorted by version: the last older entry is the newest. */
	for (size_t i = 0; i < n; i++)
		if (t[i].major == major && t[i].minor < minor &&
		    t[i].free_threaded == free_threaded)
			best = &t[i];
	return best;
}

static uint64_t
read_u64(const unsigned char *buf, int32_t at)
{
	uint64_t v;

	memcpy(&v, buf + at, sizeof(v));
	return v;
}

/* The start of _Py_DebugOffsets, the same in every version that has it. */
#define DEBUG_COOKIE     "xdebugpy"
#define DEBUG_COOKIE_LEN 8
#define DEBUG_VERSION_AT 8

/* No struct CPython describes is anywhere near this large; a bigger "size"
 * means we are not reading a _Py_DebugOffsets. */
#define DEBUG_SIZE_MAX (1 << 24)

int
python_layout_from_debug_offsets(const void *buf, size_t len, struct python_layout *out)
{
	const unsigned char *b = buf;
	const struct python_debug_offsets_map *maps, *map = NULL;
	const struct python_layout *base;
	struct python_layout l;
	size_t nmaps;
	uint64_t version;
	int major, minor;
	bool free_threaded;

	if (len < DEBUG_VERSION_AT + sizeof(uint64_t) ||
	    memcmp(b, DEBUG_COOKIE, DEBUG_COOKIE_LEN) != 0)
		return -EINVAL;
	version = read_u64(b, DEBUG_VERSION_AT);
	/* PY_VERSION_HEX: major, minor, micro, release level and serial. */
	major = (int)((version >> 24) & 0xff);
	minor = (int)((version >> 16) & 0xff);
	if (version > 0xffffffffu || major != 3)
		return -EINVAL;

	maps = python_layouts_debug_offsets_maps(&nmaps);
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].major == major && maps[i].minor == minor)
			map = &maps[i];
	if (map == NULL)
		return -ENOTSUP;
	if (len < (size_t)map->size)
		return -EINVAL;
	if (read_u64(b, map->free_threaded) > 1)
		return -EINVAL;
	/* A free-threaded build's objects have a larger header: the fields the
	 * struct does not publish come from a free-threaded entry. */
	free_threaded = read_u64(b, map->free_threaded) == 1;
	base = layout_nearest((uint32_t)version, free_threaded);
	if (base == NULL)
		return -ENOTSUP;

	l = *base;
	l.major = major;
	l.minor = minor;
	l.hexversion = (uint32_t)version;
	l.source = "_Py_DebugOffsets";
	l.free_threaded = free_threaded;
	for (size_t i = 0; i < map->count; i++) {
		const struct python_debug_offsets_field *f = &map->fields[i];
		uint64_t v = read_u64(b, f->at);

		if (f->minus >= 0) {
			uint64_t from = read_u64(b, f->minus);

			if (v < from)
				return -EINVAL;
			v -= from;
		}
		if (f->bound >= 0) {
			uint64_t size = read_u64(b, f->bound);

			if (size == 0 || size > DEBUG_SIZE_MAX || v > size)
				return -EINVAL;
		}
		if (v > DEBUG_SIZE_MAX)
			return -EINVAL;
		layout_set(&l, f->field, (int32_t)v);
	}
	*out = l;
	return 0;
}
