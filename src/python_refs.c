#include "python_refs.h"

#include <stdlib.h>

static void
python_refs_steps_free(struct python_refs_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].name);
		free(steps[i].example);
		free(steps[i].type);
	}
	free(steps);
}

void
python_refs_free(struct python_refs *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nchains; i++) {
		free(r->chains[i].root);
		free(r->chains[i].thread);
		free(r->chains[i].function);
		free(r->chains[i].variable);
		python_refs_steps_free(r->chains[i].steps, r->chains[i].nsteps);
	}
	for (size_t i = 0; i < r->ncycles; i++)
		python_refs_steps_free(r->cycles[i].steps, r->cycles[i].nsteps);
	free(r->chains);
	free(r->cycles);
	free(r->type);
	python_types_free(r->census);
	free(r);
}
