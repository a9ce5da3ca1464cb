/* Symbol lookups in a real ELF file (this test's own executable): the first
 * lookups scan the symbols as read, later ones search them sorted, and both
 * must give the same answers. */
#include "check.h"
#include "module.h"

#include <stdint.h>
#include <stdlib.h>

#define PROBES 400 /* addresses looked up: well past the scans */

__attribute__((noinline)) int module_probe_function(int x);

__attribute__((noinline)) int
module_probe_function(int x)
{
	return x * 3 + 1;
}

struct answer {
	char *name; /* NULL: no symbol covers the address */
	uint64_t offset;
};

static struct answer
look_up(struct module *m, uint64_t vaddr)
{
	uint64_t offset = 0;
	const char *name = module_symbol(m, vaddr, &offset);

	return (struct answer){name != NULL ? strdup(name) : NULL, name != NULL ? offset : 0};
}

int
main(void)
{
	struct answer first[PROBES];
	uint64_t text, text_size, fn, offset = 0;
	struct module *m;
	int named = 0;

	if (!CHECK(module_open("/proc/self/exe", &m) == 0))
		return check_done("test_module");
	CHECK(module_probe_function(1) == 4);
	CHECK(module_find_section(m, ".text", &text, &text_size) == 0 && text_size > PROBES);
	/* Several names in one pass: a function, a data symbol, one not there. */
	const char *const names[] = {"module_probe_function", "no_such_symbol_here", "check_count"};
	struct module_found found[3];

	module_find_symbols(m, names, 3, found);
	CHECK(found[0].found && found[0].size > 1);
	CHECK(!found[1].found);
	CHECK(found[2].found && found[2].size == sizeof(int) && found[2].vaddr != found[0].vaddr);
	fn = found[0].vaddr;

	/* A function by an address inside it, while the symbols are unsorted. */
	CHECK_STR(module_symbol(m, fn + 1, &offset), "module_probe_function");
	CHECK(offset == 1);
	/* Addresses all over .text: the first are scans, then a sort. */
	for (int i = 0; i < PROBES; i++)
		first[i] = look_up(m, text + text_size / PROBES * (uint64_t)i);
	/* The same addresses again, every one searched in the sorted table
	 * (the answers kept from the scans went with the sort). */
	for (int i = 0; i < PROBES; i++) {
		struct answer again = look_up(m, text + text_size / PROBES * (uint64_t)i);

		if (first[i].name == NULL) {
			CHECK(again.name == NULL);
		} else {
			named++;
			CHECK_STR(again.name, first[i].name);
			CHECK(again.offset == first[i].offset);
		}
		free(again.name);
		free(first[i].name);
	}
	CHECK(named > PROBES / 2);
	CHECK_STR(module_symbol(m, fn + 1, &offset), "module_probe_function");
	CHECK(offset == 1);
	/* Below the file's first function: no name, never a wrong one. */
	CHECK(module_symbol(m, 1, &offset) == NULL);
	module_free(m);
	return check_done("test_module");
}
