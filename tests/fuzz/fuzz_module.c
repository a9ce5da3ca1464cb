/* libFuzzer harness for the ELF reader: arbitrary bytes as a module image,
 * then the lookups the unwinder, the symbolizer and the interpreter search
 * make. */
#include "probes/module.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"_PyRuntime", "main", "Py_Version"};
	struct module_found found[3];
	struct module *m;
	uint64_t vaddr, len, off;

	if (module_from_memory(data, size, &m) != 0)
		return 0;
	if (module_eh_frame_hdr(m, &vaddr, &len) == 0)
		(void)module_offset_of_vaddr(m, vaddr, &off);
	(void)module_vaddr_of_offset(m, 0, &vaddr);
	for (uint64_t a = 0; a < 0x10000; a += 0x101)
		(void)module_symbol(m, a, &off);
	module_find_symbols(m, names, 3, found);
	(void)module_bytes(m, size / 2, size);
	module_free(m);
	return 0;
}
