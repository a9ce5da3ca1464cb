#include "locks_json.h"

#include "../model.h"
#include "../syscall_names.h"
#include "dump_json.h"
#include "json.h"

#include <errno.h>

static void
locks_json_wait(struct json *j, const struct locks_report *r, const struct lock_wait *w)
{
	const struct thread_stack *t = dump_report_thread(r->stacks, w->tid);
	const struct thread_stack *owner = dump_report_thread(r->stacks, w->owner);

	json_object_begin(j);
	json_key(j, "tid");
	json_int(j, w->tid);
	json_key(j, "name");
	json_string(j, w->name);
	json_key(j, "python_thread_name");
	json_string(j, t != NULL ? t->python_name : NULL);
	json_key(j, "kind");
	json_string(j, lock_kind_name(w->kind));
	json_key(j, "detail");
	json_string(j, lock_detail_name(w->detail));
	json_key(j, "syscall");
	json_string(j, syscall_name(w->syscall));
	json_member_address(j, "address", w->address);
	json_member_address(j, "futex", w->futex);
	json_member_count(j, "owner_tid", w->owner > 0 ? w->owner : -1);
	json_key(j, "owner_name");
	json_string(j, w->owner > 0 ? w->owner_name : NULL);
	json_key(j, "owner_python_thread_name");
	json_string(j, w->owner <= 0   ? NULL
	               : owner != NULL ? owner->python_name
	                               : w->owner_python_name);
	/* What the lock names as its owner even when that is no live thread
	 * of the process (one that exited holding it). */
	json_member_count(j, "claimed_owner_tid", w->claimed_owner > 0 ? w->claimed_owner : -1);
	json_member_count(j, "readers", w->readers);
	json_member_count(j, "fd", w->fd);
	json_key(j, "fd_target");
	json_string(j, w->fd_target);
	/* Every fd it waits on (those a poll, select or epoll_wait watches),
	 * up to LOCKS_FDS_MAX, and how many in all. */
	json_key(j, "fds");
	json_array_begin(j);
	for (size_t i = 0; i < w->nfds; i++) {
		json_object_begin(j);
		json_member_count(j, "fd", w->fds[i].fd);
		json_key(j, "target");
		json_string(j, w->fds[i].target);
		json_object_end(j);
	}
	json_array_end(j);
	json_member_count(j, "fds_total", (int64_t)w->fds_total);
	dump_json_stack(j, t, true);
	dump_json_cut(j, "stack_complete", "stack_cut", t);
	json_object_end(j);
}

void
locks_json_write(FILE *out, const struct locks_report *r)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.locks/1", &r->taken_at);
	json_key(&j, "pid");
	json_int(&j, r->pid);
	json_key(&j, "comm");
	json_string(&j, r->comm);
	/* "threads" is the count here, an array elsewhere: thread_count is
	 * the name every document gives the count; threads stays for /1. */
	json_member_count(&j, "threads", (int64_t)r->nthreads);
	json_member_count(&j, "thread_count", (int64_t)r->nthreads);
	dump_json_python(&j, r->stacks != NULL ? &r->stacks->python : NULL);
	json_key(&j, "stopped_ms");
	json_double(&j, r->stacks != NULL ? r->stacks->stopped_ms : 0, 3);
	json_key(&j, "stacks_error");
	json_string(&j, r->stacks == NULL && r->nwaits > 0
	                    ? dump_json_thread_error(r->stacks_err ? r->stacks_err : -EPERM)
	                    : NULL);
	json_key(&j, "waits");
	json_array_begin(&j);
	for (size_t i = 0; i < r->nwaits; i++)
		locks_json_wait(&j, r, &r->waits[i]);
	json_array_end(&j);
	json_key(&j, "deadlocks");
	json_array_begin(&j);
	for (size_t k = 0; k < r->ncycles; k++) {
		json_object_begin(&j);
		json_key(&j, "tids");
		json_array_begin(&j);
		for (size_t t = 0; t < r->cycles[k].n; t++)
			json_int(&j, r->cycles[k].tids[t]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
