#include "refs_json.h"

#include "json.h"
#include "mem_json.h"

static void
refs_json_steps(struct json *j, const struct python_refs_step *steps, size_t n)
{
	json_key(j, "steps");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(j);
		json_member_string(j, "kind", steps[i].kind);
		json_member_string(j, "name", steps[i].name);
		json_member_string(j, "example", steps[i].example);
		json_member_string(j, "type", steps[i].type);
		json_member_address(j, "address", steps[i].address);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
refs_json_chains(struct json *j, const struct python_refs *r)
{
	json_key(j, "chains");
	json_array_begin(j);
	for (size_t i = 0; i < r->nchains; i++) {
		const struct python_refs_chain *c = &r->chains[i];

		json_object_begin(j);
		json_member_count(j, "count", (int64_t)c->count);
		json_member_string(j, "root", c->root);
		json_member_string(j, "root_kind", c->root_kind);
		json_member_string(j, "thread", c->thread);
		json_member_string(j, "function", c->function);
		json_member_string(j, "variable", c->variable);
		json_member_address(j, "root_address", c->root_address);
		refs_json_steps(j, c->steps, c->nsteps);
		json_object_end(j);
	}
	json_array_end(j);
	json_member_count(j, "chains_total", (int64_t)r->nchains_all);
	json_key(j, "cycles");
	json_array_begin(j);
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct python_refs_cycle *c = &r->cycles[i];

		json_object_begin(j);
		json_member_count(j, "count", (int64_t)c->count);
		json_member_string(j, "why", c->why);
		refs_json_steps(j, c->steps, c->nsteps);
		json_object_end(j);
	}
	json_array_end(j);
	json_member_count(j, "cycles_total", (int64_t)r->ncycles_all);
}

void
refs_json_write(FILE *out, const struct python_refs *r)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.refs/1", &r->taken_at);
	json_member_count(&j, "pid", r->pid);
	json_member_string(&j, "type", r->type);
	json_member_string(&j, "unreadable", r->unreadable[0] ? r->unreadable : NULL);
	json_member_count(&j, "instances", (int64_t)r->instances);
	json_member_count(&j, "reached", (int64_t)r->reached);
	json_member_count(&j, "roots", (int64_t)r->roots);
	json_member_count(&j, "references", (int64_t)r->references);
	json_key(&j, "references_capped");
	json_bool(&j, r->references_capped);
	json_member_count(&j, "objects_not_copied", (int64_t)r->objects_not_copied);
	refs_json_chains(&j, r);
	json_key(&j, "python");
	json_object_begin(&j);
	json_member_string(&j, "version", r->census->version);
	json_member_count(&j, "objects", (int64_t)r->census->objects);
	mem_json_census_stop(&j, r->census);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
