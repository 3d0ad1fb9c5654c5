#include "CAllocCounter.h"

#include <errno.h>
#include <stddef.h>

#if defined(__GLIBC__) || (defined(__linux__) && !defined(__ANDROID__))
#include <features.h>
#endif

#if defined(__GLIBC__)

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static _Thread_local int counting;
static _Thread_local long count;

int alloc_counter_available(void) { return 1; }

void alloc_counter_start(void) {
  count = 0;
  counting = 1;
}

long alloc_counter_stop(void) {
  counting = 0;
  return count;
}

void *malloc(size_t size) {
  if (counting) count++;
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
  if (counting) count++;
  return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
  if (counting) count++;
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  if (counting) count++;
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  if (counting) count++;
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  if (counting) count++;
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL) return ENOMEM;
  *result = pointer;
  return 0;
}

#else

int alloc_counter_available(void) { return 0; }
void alloc_counter_start(void) {}
long alloc_counter_stop(void) { return 0; }

#endif
