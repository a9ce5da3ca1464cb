#include "python_asyncio_layout.h"

const struct python_asyncio_layout *
python_asyncio_layout_for(int major, int minor)
{
	size_t n;
	const struct python_asyncio_layout *t = python_asyncio_layouts_table(&n);

	for (size_t i = 0; i < n; i++)
		if (t[i].major == major && t[i].minor == minor)
			return &t[i];
	return NULL;
}
